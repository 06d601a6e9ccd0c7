"""Library logs go nowhere unless ``--verbose``: our own messages stay on stderr.

MediaPipe's LiteRT, TFLite's XNNPACK delegate and glog write straight to file descriptor 2 from
C++ ("INFO: Created TensorFlow Lite XNNPACK delegate", "Sparsity tensors may not yet be fully
supported", about 50 lines a run), where Python's logging cannot reach them. While a command runs,
descriptor 2 points at /dev/null and ``sys.stderr`` (our messages, the progress bar, tracebacks with
``--verbose``) at a copy of the real stderr; worker processes inherit the silenced descriptor.
Everything is put back when the command ends.
"""

from __future__ import annotations

import contextlib
import io
import os
import sys

# read by the native libraries when they load: fewer lines even where descriptor 2 stays open
QUIET_ENV = {"GLOG_minloglevel": "2", "TF_CPP_MIN_LOG_LEVEL": "3", "ORT_LOGGING_LEVEL": "3"}


def _stderr_fd() -> int | None:
    try:
        return sys.stderr.fileno()
    except (AttributeError, OSError, ValueError):  # a test runner's buffer: nothing native reaches it
        return None


@contextlib.contextmanager
def native_logs_silenced(enabled: bool = True, restore: bool = True):
    """Within the block, C-level writes to descriptor 2 are dropped; Python's sys.stderr still shows.
    With ``restore=False`` (the command's own process) they stay dropped after it, while the
    interpreter shuts down."""
    if not enabled:
        yield
        return
    for key, value in QUIET_ENV.items():
        os.environ.setdefault(key, value)
    sys.stderr.flush()
    saved = os.dup(2)
    devnull = os.open(os.devnull, os.O_WRONLY)
    old_stderr = sys.stderr
    ours = None
    try:
        if _stderr_fd() == 2:  # our messages go to the real stderr through a copy of it
            ours = io.TextIOWrapper(os.fdopen(os.dup(saved), "wb", buffering=0), encoding=old_stderr.encoding,
                                    errors="backslashreplace", line_buffering=True, write_through=True)
            sys.stderr = ours
        os.dup2(devnull, 2)
        yield
    finally:
        if restore:  # (no return in here: it would swallow the command's exit)
            if ours is not None:
                ours.flush()
            sys.stderr = old_stderr
            os.dup2(saved, 2)
            os.close(saved)
            os.close(devnull)
            if ours is not None:
                ours.close()
