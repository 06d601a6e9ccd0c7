"""photoscreen's own scripts, run from the repository root as modules (never installed):

    .venv/bin/python -m scripts.eval.faces       # eval/: measurements (faces, quality, text, redact, captions, video)
    .venv/bin/python -m scripts.samples.demo_photos   # samples/: demo photos, text samples, test clips
    .venv/bin/python -m scripts.bench.screen     # bench/: throughput and profiles
    .venv/bin/python -m scripts.probe_hostile    # and update_translations, the install_*.sh shell scripts

``data/`` holds the evaluation sets they read (the caption CSVs).
"""

from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / "data"
