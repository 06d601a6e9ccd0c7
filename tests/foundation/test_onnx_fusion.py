"""The PP-OCR graphs rewritten at load (pipeline/onnx_fusion.py) compute what the original graphs do."""

from __future__ import annotations

import numpy as np
import onnx
import onnxruntime
import pytest

from conftest import SAMPLES
from pipeline.media.loader import load_image
from pipeline.models import model_path, onnx_session_options
from pipeline.onnx_fusion import fuse_scalar_ops


def _run(model: onnx.ModelProto, blob: np.ndarray) -> np.ndarray:
    session = onnxruntime.InferenceSession(model.SerializeToString(), onnx_session_options(),
                                           providers=["CPUExecutionProvider"])
    return session.run(None, {session.get_inputs()[0].name: blob})[0]


@pytest.mark.parametrize("name, height, width", [("ppocr_det", 480, 640), ("ppocr_rec", 48, 320), ("ppocr_cls", 48, 192)])
def test_fused_graph_gives_the_original_outputs_on_a_real_photo(name: str, height: int, width: int) -> None:
    import cv2

    pixels = load_image(SAMPLES / "classroom_composite.jpg", 10**8).pixels
    if name != "ppocr_det":  # a strip of the photo, as the recogniser and classifier see a line
        pixels = pixels[pixels.shape[0] // 3:pixels.shape[0] // 3 + pixels.shape[1] * height // width]
    blob = cv2.resize(pixels, (width, height)).transpose(2, 0, 1)[None].astype(np.float32) * (2 / 255) - 1
    original = onnx.load(str(model_path(name)))
    fused = onnx.load(str(model_path(name)))
    counts = fuse_scalar_ops(fused)
    assert counts.get("hard-swish", 0) >= 10, counts
    # each hard-swish is two operators fewer, each scale folded into a convolution one or two
    before = len([n for n in original.graph.node if n.op_type != "Constant"])
    assert len(fused.graph.node) <= before - 2 * counts["hard-swish"] - sum(v for k, v in counts.items() if "scale" in k)
    expected, got = _run(original, blob), _run(fused, blob)
    assert got.shape == expected.shape
    assert np.abs(got - expected).max() < 1e-4
