#!/usr/bin/env python3
"""CenterFace, the face detector, run other ways: CPU seconds and what each finds, beside the way it runs now.

    .venv/bin/python -m scripts.bench.centerface [--limit N] [--big N] [--rounds R] [--variants a,b,...]

Variants (each loaded once, one thread, as a batch worker runs it):
- ``fp32``: as ``pipeline/stages/faces.py`` runs it (onnxruntime, all graph optimizations, one thread);
- ``fp32-basic``, ``fp32-extended``: onnxruntime with fewer graph optimizations;
- ``fp32-2t``, ``fp32-2t-nospin``: two threads (``photoscreen redact`` alone on 2 cores), with and without
  onnxruntime's spinning threads (CPU seconds count the spinning);
- ``int8-qdq``, ``int8-qop``: onnxruntime static int8 quantization (u8 activations, s8 weights per
  channel, QDQ or QOperator format), calibrated (MinMax) on ``sample_images/`` only, the photos
  ``scripts/samples/demo_photos.py`` makes from redistributable sources; ``-rr`` adds reduce_range (7-bit
  weights, the setting for CPUs without VNNI); ``-headsN`` leaves the N operators nearest each output
  (the heatmap, scale, offset and landmark heads) in fp32;
- ``openvino``: OpenVINO's runtime on the same graph (the ``openvino`` package, not a dependency of
  photoscreen: install it beside to measure, e.g. ``pip install --target DIR openvino`` and ``PYTHONPATH=DIR``).

Photos: the images of ``../shared/testdata/faces_annotated`` (about 1024 px) detected at their own size
(threshold 0.2, as the copies' second look does) and at the screen's 1536 px (threshold 0.3), and ``--big``
of them enlarged to 4032 x 3024 (12 MP, read in tiles, as a copy's own-size look does). Prints per variant:
CPU seconds per photo of the detector's runs alone (this process's CPU time, so other load counts
less; the best of ``--rounds``; wall seconds beside them, which other load inflates), recall of the
labelled faces by height (IoU >= 0.4), and how many of fp32's detections at the screen's score (0.3) the variant does not find (IoU >= 0.5 at its threshold).
Nothing is written; calibrated models live in a temporary folder.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

import cv2
import numpy as np

from pipeline.findings import iou_xyxy
from pipeline.media.loader import load_image
from pipeline.stages.faces import CenterFace, centerface_model
from scripts import REPO

BUCKETS = ((20, 40, "20-40"), (40, 80, "40-80"), (80, 10**9, "80+"))
VARIANTS = ("fp32", "fp32-basic", "fp32-extended", "fp32-2t", "fp32-2t-nospin", "int8-qdq", "int8-qop",
            "int8-qdq-rr", "int8-qdq-heads3", "openvino")


class OrtRun:
    """An onnxruntime session with our options changed; ``run`` as onnxruntime's."""

    def __init__(self, model_bytes: bytes, level: str = "all", threads: int = 1, spin: bool = True) -> None:
        import onnxruntime as ort

        options = ort.SessionOptions()
        options.log_severity_level = 3
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        options.graph_optimization_level = {"basic": ort.GraphOptimizationLevel.ORT_ENABLE_BASIC,
                                            "extended": ort.GraphOptimizationLevel.ORT_ENABLE_EXTENDED,
                                            "all": ort.GraphOptimizationLevel.ORT_ENABLE_ALL}[level]
        if not spin:
            options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        self.session = ort.InferenceSession(model_bytes, options, providers=["CPUExecutionProvider"])

    def run(self, names, feed, run_options=None):
        return self.session.run(names, feed, run_options)

    def get_inputs(self):
        return self.session.get_inputs()


class OpenVinoRun:
    """OpenVINO's CPU plugin on the same graph, one thread, input height and width dynamic."""

    def __init__(self, model_bytes: bytes, threads: int = 1) -> None:
        import openvino as ov

        core = ov.Core()
        model = core.read_model(model=model_bytes, weights=b"")  # ONNX bytes carry their weights
        self.compiled = core.compile_model(model, "CPU", {"INFERENCE_NUM_THREADS": threads,
                                                         "PERFORMANCE_HINT": "LATENCY",
                                                         "INFERENCE_PRECISION_HINT": "f32"})
        self.request = self.compiled.create_infer_request()
        self.outputs = list(self.compiled.outputs)

    def run(self, names, feed, run_options=None):
        result = self.request.infer(feed)
        return [np.asarray(result[o]) for o in self.outputs]


def calibration_blobs(folder: Path) -> list[np.ndarray]:
    """The detector's inputs made from every photo of ``folder`` (``sample_images/``): each photo at its own
    size, at the screen's 1536 px, and turned a quarter, padded to a multiple of 32 as ``CenterFace`` pads."""
    blobs = []
    for path in sorted(folder.iterdir()):
        if path.suffix.lower() not in (".jpg", ".heic", ".png"):
            continue
        try:
            rgb = load_image(path, 10**8).pixels
        except Exception:  # the corrupt sample
            continue
        h, w = rgb.shape[:2]
        scaled = cv2.resize(rgb, (round(w * 1536 / max(h, w)), round(h * 1536 / max(h, w))),
                            interpolation=cv2.INTER_LINEAR)
        for view in (rgb, scaled, np.ascontiguousarray(np.rot90(rgb))):
            vh, vw = view.shape[:2]
            blob = np.zeros((1, 3, -(-vh // 32) * 32, -(-vw // 32) * 32), np.float32)
            blob[0, :, :vh, :vw] = view.transpose(2, 0, 1)
            blobs.append(blob)
    return blobs


def near_outputs(model, depth: int) -> list[str]:
    """Names of the nodes of ``model`` (an ``onnx.ModelProto``, unnamed nodes named here) at most
    ``depth`` nodes from a graph output: the detector's heads, left in fp32 by the ``-headsN`` variants."""
    producer = {}
    for i, node in enumerate(model.graph.node):
        node.name = node.name or f"node_{i}"
        for name in node.output:
            producer[name] = node
    frontier, found = {o.name for o in model.graph.output}, []
    for _ in range(depth):
        nodes = [producer[name] for name in frontier if name in producer]
        found += [n.name for n in nodes if n.name not in found]
        frontier = {name for n in nodes for name in n.input}
    return found


def quantized(fmt: str, reduce_range: bool, folder: Path, tmp: Path, heads: int = 0) -> bytes:
    """CenterFace (the graph the detector runs) quantized statically to int8: u8 activations, s8 weights per
    output channel, QDQ or QOperator format, activation ranges measured (MinMax) on ``folder``'s photos.
    The same ranges and settings give the same bytes in any process (checked: one SHA-256 under three
    hash seeds), so a fetch could derive the file and check it by SHA-256."""
    import onnx
    import onnxruntime
    from onnx import version_converter
    from onnxruntime.quantization import (CalibrationDataReader, CalibrationMethod, QuantFormat, QuantType,
                                          quantize_static)
    from onnxruntime.quantization.shape_inference import quant_pre_process

    blobs = calibration_blobs(folder)

    class Reader(CalibrationDataReader):
        def __init__(self) -> None:
            self.items = iter(blobs)

        def get_next(self):
            blob = next(self.items, None)
            return None if blob is None else {"input.1": blob}

    onnxruntime.set_default_logger_severity(3)  # its sessions here would list every unused initializer
    tag = f"{fmt}{'-rr' if reduce_range else ''}{f'-heads{heads}' if heads else ''}"
    source, prepared, out = (tmp / f"{name}-{tag}.onnx" for name in ("fp32", "prepared", "int8"))
    # opset 9 has no per-channel DequantizeLinear (its axis came with opset 13)
    source.write_bytes(version_converter.convert_version(centerface_model(), 13).SerializeToString())
    # onnxruntime's own preparation: shapes inferred, batch normalisations folded into the convolutions
    quant_pre_process(str(source), str(prepared), skip_symbolic_shape=True)
    excluded = []
    if heads:
        graph = onnx.load(str(prepared))
        excluded = near_outputs(graph, heads)
        onnx.save(graph, str(prepared))
    quantize_static(str(prepared), str(out), Reader(), nodes_to_exclude=excluded,
                    quant_format=QuantFormat.QOperator if fmt == "qop" else QuantFormat.QDQ,
                    per_channel=True, reduce_range=reduce_range, activation_type=QuantType.QUInt8,
                    weight_type=QuantType.QInt8, calibrate_method=CalibrationMethod.MinMax,
                    calibration_cache_path=str(tmp / f"ranges-{tag}.json"))
    return out.read_bytes()


def build(name: str, tmp: Path) -> CenterFace:
    """A CenterFace whose session is the variant's (its pre- and post-processing are photoscreen's)."""
    detector = CenterFace.__new__(CenterFace)
    fp32 = centerface_model().SerializeToString()
    if name == "fp32":
        detector.session = OrtRun(fp32)
    elif name in ("fp32-basic", "fp32-extended"):
        detector.session = OrtRun(fp32, level=name.split("-")[1])
    elif name == "fp32-2t":
        detector.session = OrtRun(fp32, threads=2)
    elif name == "fp32-2t-nospin":
        detector.session = OrtRun(fp32, threads=2, spin=False)
    elif name.startswith("int8-"):
        parts = name.split("-")
        heads = int(parts[-1][5:]) if parts[-1].startswith("heads") else 0
        detector.session = OrtRun(quantized(parts[1], "rr" in parts, REPO / "sample_images", tmp, heads))
    elif name == "openvino":
        detector.session = OpenVinoRun(fp32)
    else:
        raise SystemExit(f"unknown variant {name!r}; known: {', '.join(VARIANTS)}")
    detector.input_name = "input.1"
    return detector


def scaled_to(rgb: np.ndarray, long_side: int) -> np.ndarray:
    h, w = rgb.shape[:2]
    f = long_side / max(h, w)
    return cv2.resize(rgb, (round(w * f), round(h * f)), interpolation=cv2.INTER_LINEAR if f > 1 else cv2.INTER_AREA)


def passes(photos: dict[str, np.ndarray], big: list[np.ndarray]) -> list[tuple[str, str, np.ndarray, float, float]]:
    """``(photo, pass, pixels, scale back to the photo, threshold)`` for every detector run measured."""
    out = []
    for name, rgb in photos.items():
        out.append((name, "own", rgb, 1.0, 0.2))
        screen = scaled_to(rgb, 1536)
        out.append((name, "1536", screen, rgb.shape[1] / screen.shape[1], 0.3))
    out += [(f"big{i}", "12mp", rgb, 1.0, 0.2) for i, rgb in enumerate(big)]
    return out


def measure(detector: CenterFace, runs, rounds: int) -> tuple[dict, dict[str, float]]:
    """Detections per (photo, pass), and the best of ``rounds`` CPU seconds per kind of pass."""
    found, best = {}, {}
    for _ in range(rounds):
        cpu: dict[str, float] = {}
        for photo, kind, rgb, scale, threshold in runs:
            start, started = time.process_time(), time.perf_counter()
            dets = detector.detect(rgb, threshold)
            cpu[kind] = cpu.get(kind, 0.0) + time.process_time() - start
            cpu[f"{kind} wall"] = cpu.get(f"{kind} wall", 0.0) + time.perf_counter() - started
            found[(photo, kind)] = [(d.x1 * scale, d.y1 * scale, d.x2 * scale, d.y2 * scale, d.score) for d in dets]
        best = {k: min(v, best.get(k, v)) for k, v in cpu.items()}
    return found, best


def recall(found: dict, truth: dict[str, list], kind: str) -> dict[str, tuple[int, int]]:
    out = {label: [0, 0] for _, _, label in BUCKETS}
    for name, boxes in truth.items():
        dets = found.get((name, kind), [])
        for x, y, w, h in boxes:
            label = next((lab for lo, hi, lab in BUCKETS if lo <= h < hi), None)
            if label:
                out[label][1] += 1
                out[label][0] += any(iou_xyxy((x, y, x + w, y + h), d[:4]) >= 0.4 for d in dets)
    return {k: (a, b) for k, (a, b) in out.items()}


def lost(reference: dict, found: dict, min_score: float = 0.3) -> tuple[int, int]:
    """fp32's detections at ``min_score`` or more that the variant misses (no detection with IoU >= 0.5)."""
    missed = total = 0
    for key, ref in reference.items():
        for d in ref:
            if d[4] >= min_score:
                total += 1
                missed += not any(iou_xyxy(d[:4], e[:4]) >= 0.5 for e in found.get(key, []))
    return missed, total


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--testdata", type=Path, default=REPO.parent / "shared" / "testdata")
    parser.add_argument("--limit", type=int, default=72, help="only the first N photos of faces_annotated")
    parser.add_argument("--big", type=int, default=2, help="how many of them to enlarge to 12 MP as well")
    parser.add_argument("--rounds", type=int, default=2, help="time each variant this many times, keep the best")
    parser.add_argument("--variants", default=",".join(VARIANTS))
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args()
    cv2.setNumThreads(1)
    folder = args.testdata / "faces_annotated"
    truth = json.loads((folder / "annotations.json").read_text())
    names = sorted(truth)[:args.limit]
    truth = {n: truth[n] for n in names}
    photos = {n: load_image(folder / n, 10**8).pixels for n in names}
    big = [cv2.resize(photos[n], (4032, 3024), interpolation=cv2.INTER_CUBIC) for n in names[:args.big]]
    runs = passes(photos, big)
    variants = [v for v in args.variants.split(",") if v]
    if "fp32" not in variants:
        variants.insert(0, "fp32")
    load = os.getloadavg()[0]
    print(f"{len(photos)} photos of faces_annotated (own size and 1536 px), {len(big)} at 12 MP; "
          f"best of {args.rounds} rounds; load average {load:.1f} at the start")
    results, reference = {}, None
    with tempfile.TemporaryDirectory(prefix="photoscreen-bench-centerface-") as tmp:
        for name in variants:
            try:
                detector = build(name, Path(tmp))
            except ImportError as exc:
                print(f"{name:15} not measured: {exc}")
                continue
            detector.detect(photos[names[0]], 0.2)  # warm-up: the first run sets the session's buffers up
            found, cpu = measure(detector, runs, args.rounds)
            reference = reference or found
            results[name] = {
                "cpu_per_photo": {k: v / (len(big) if k.startswith("12mp") else len(photos)) for k, v in cpu.items()},
                "recall_own_0.2": recall(found, truth, "own"),
                "recall_1536_0.3": recall(found, truth, "1536"),
                "lost_vs_fp32": lost(reference, found),
            }
            r = results[name]
            c = r["cpu_per_photo"]
            rec = " ".join(f"{k} {a}/{b}" for k, (a, b) in r["recall_own_0.2"].items())
            rec2 = " ".join(f"{k} {a}/{b}" for k, (a, b) in r["recall_1536_0.3"].items())
            print(f"{name:15} CPU s/photo: own {c.get('own', 0):.3f}  1536 {c.get('1536', 0):.3f}  "
                  f"12MP {c.get('12mp', 0):.2f} (wall {c.get('own wall', 0):.3f} {c.get('1536 wall', 0):.3f} "
                  f"{c.get('12mp wall', 0):.2f}) | recall own@0.2 {rec} | 1536@0.3 {rec2} | "
                  f"fp32's 0.3 detections missed {r['lost_vs_fp32'][0]}/{r['lost_vs_fp32'][1]}", flush=True)
    print(f"load average {os.getloadavg()[0]:.1f} at the end")
    if args.json:
        args.json.write_text(json.dumps(results, indent=1, default=list))
    return 0


if __name__ == "__main__":
    sys.exit(main())
