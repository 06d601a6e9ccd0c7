"""onnxruntime's session options for our models (pipeline/models.py onnx_session_options)."""

from __future__ import annotations

from conftest import SAMPLES
from pipeline.media.loader import load_image
from pipeline.models import onnx_session_options


def test_waiting_threads_sleep_instead_of_spinning() -> None:
    # spinning threads made two-thread CenterFace cost 1.5-1.6 times one thread's CPU (docs/speed.md)
    assert onnx_session_options().get_session_config_entry("session.intra_op.allow_spinning") == "0"


def test_two_threads_without_spinning_find_what_one_thread_finds(monkeypatch) -> None:
    from pipeline.stages.faces import CenterFace

    pixels = load_image(SAMPLES / "classroom_composite.jpg", 10**8).pixels
    found = {}
    for threads in ("1", "2"):
        monkeypatch.setenv("PHOTOSCREEN_THREADS", threads)
        found[threads] = [(round(d.x1), round(d.y1), round(d.x2), round(d.y2), round(d.score, 3))
                          for d in CenterFace().detect(pixels, 0.2)]
    assert len(found["1"]) >= 4  # the astronaut pasted four times
    assert found["1"] == found["2"]
