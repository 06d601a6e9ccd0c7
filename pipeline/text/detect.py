"""Text lines in a photo: PP-OCRv4's text detector and PaddleOCR's 0/180 direction classifier,
both the ONNX files rapidocr-onnxruntime ships, run with onnxruntime and loaded once per process.

``detect_lines`` finds where text lines are (rotated rectangles in the given image's pixels);
``upside_down_probability`` tells, for line crops laid horizontal, how likely each is upside down.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import cv2
import numpy as np

from ..models import model_path, onnx_session_options

DET_BINARY_THRESHOLD = 0.3  # probability above which a pixel belongs to text (PaddleOCR's default)
DET_BOX_THRESHOLD = 0.5  # mean probability inside a candidate line to keep it (PaddleOCR's default)
CLS_SHAPE = (48, 192)  # the direction classifier's input height and width


@dataclass(frozen=True)
class TextLine:
    """A detected line: centre, size along and across the line, angle of its long side in degrees
    (0 = horizontal, 90 = vertical), the four corners, and the detector's mean probability."""

    cx: float
    cy: float
    length: float
    thickness: float
    angle: float
    corners: np.ndarray
    score: float


def _session(name: str):
    """A PP-OCR model's session, its graph rewritten at load into fewer operators (the same outputs
    to float rounding, a fifth to a quarter faster: ``pipeline/onnx_fusion.py``)."""
    import onnx
    import onnxruntime

    from ..onnx_fusion import fuse_scalar_ops

    model = onnx.load(str(model_path(name)))
    fuse_scalar_ops(model)
    return onnxruntime.InferenceSession(model.SerializeToString(), onnx_session_options(),
                                        providers=["CPUExecutionProvider"])


@lru_cache(maxsize=1)
def detector_model():
    return _session("ppocr_det")


@lru_cache(maxsize=1)
def classifier_model():
    return _session("ppocr_cls")


def detect_lines(rgb: np.ndarray, min_thickness: float = 6.0) -> list[TextLine]:
    """Text lines in ``rgb`` (run at the image's own size, padded to a multiple of 32)."""
    h, w = rgb.shape[:2]
    ph, pw = -(-h // 32) * 32, -(-w // 32) * 32
    blob = np.zeros((1, 3, ph, pw), np.float32)
    view = blob[0, :, :h, :w]  # BGR scaled to [-1, 1] (PaddleOCR's mean 0.5, std 0.5), in place
    view[...] = rgb[:, :, ::-1].transpose(2, 0, 1)
    view *= 2.0 / 255.0
    view -= 1.0
    session = detector_model()
    prob = session.run(None, {session.get_inputs()[0].name: blob})[0][0, 0, :h, :w]
    mask = cv2.dilate((prob > DET_BINARY_THRESHOLD).astype(np.uint8), np.ones((2, 2), np.uint8))
    contours, _ = cv2.findContours(mask, cv2.RETR_LIST, cv2.CHAIN_APPROX_SIMPLE)
    lines = []
    for contour in contours:
        if len(contour) < 4:
            continue
        x, y, bw, bh = cv2.boundingRect(contour)
        region = np.zeros((bh, bw), np.uint8)
        cv2.fillPoly(region, [contour - [x, y]], 1)
        score = float(prob[y:y + bh, x:x + bw][region.astype(bool)].mean())
        if score < DET_BOX_THRESHOLD:
            continue
        (cx, cy), (rw, rh), angle = cv2.minAreaRect(contour)
        # the detector shrinks lines; grow them back (PaddleOCR's unclip, ratio 1.6, as a margin)
        area, perimeter = rw * rh, 2 * (rw + rh)
        grow = area * 1.6 / max(perimeter, 1e-6)
        rw, rh = rw + 2 * grow, rh + 2 * grow
        length, thickness = max(rw, rh), min(rw, rh)
        if thickness < min_thickness:
            continue
        long_angle = angle if rw >= rh else angle + 90
        corners = cv2.boxPoints(((cx, cy), (rw, rh), angle))
        lines.append(TextLine(cx, cy, length, thickness, long_angle % 180, corners, score))
    return lines


MIN_DETECT_LONG_SIDE = 960  # small pictures are enlarged to this for the detector (it was trained on >= 736)
MAX_DETECT_UPSCALE = 3.0


def detect_lines_any_size(preview: np.ndarray) -> list[TextLine]:
    """Lines of a preview; a small one is enlarged first, and its lines mapped back to its pixels."""
    factor = min(MAX_DETECT_UPSCALE, MIN_DETECT_LONG_SIDE / max(preview.shape[:2]))
    if factor <= 1.0:
        return detect_lines(preview)
    big = cv2.resize(preview, None, fx=factor, fy=factor, interpolation=cv2.INTER_CUBIC)
    return [scaled(line, 1 / factor) for line in detect_lines(big, min_thickness=6.0 * factor)]


def lines_in(image, long_side: int) -> list[TextLine]:
    """Text lines of a LoadedImage's preview at ``long_side``, found once and shared by the stages."""
    return image.cached(("text-lines", long_side), lambda: detect_lines_any_size(image.preview(long_side)))


def reading_direction(line: TextLine) -> np.ndarray:
    """Unit vector along which the line's crop is read (see ``line_transform``)."""
    angle = np.deg2rad(line.angle)
    along = np.array([np.cos(angle), np.sin(angle)])
    steep = 45 <= line.angle < 135
    if (steep and along[1] < 0) or (not steep and along[0] < 0):
        along = -along
    return along


def line_transform(line: TextLine) -> tuple[np.ndarray, int, int]:
    """Affine map from image pixels to the line's crop, and the crop's width and height.

    A line within 45 degrees of horizontal is read left to right with the crop's top towards the
    image's top; a steeper line is read top to bottom with the crop's top towards the image's right.
    So text turned 90 degrees clockwise comes out upright, and text turned 90 degrees
    counter-clockwise comes out upside down."""
    along = reading_direction(line)
    across = np.array([-along[1], along[0]])  # along turned 90 degrees clockwise on screen
    centre = np.array([line.cx, line.cy])
    half_l, half_t = line.length / 2, line.thickness / 2
    corners = np.float32([centre - along * half_l - across * half_t, centre + along * half_l - across * half_t,
                          centre + along * half_l + across * half_t])
    out_w, out_h = max(1, int(round(line.length))), max(1, int(round(line.thickness)))
    return cv2.getAffineTransform(corners, np.float32([[0, 0], [out_w, 0], [out_w, out_h]])), out_w, out_h


def line_crop(rgb: np.ndarray, line: TextLine) -> np.ndarray:
    """The line cut out along its long side (see ``line_transform``)."""
    matrix, out_w, out_h = line_transform(line)
    return cv2.warpAffine(rgb, matrix, (out_w, out_h), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)


def scaled(line: TextLine, factor: float) -> TextLine:
    """The same line in an image ``factor`` times larger."""
    return TextLine(line.cx * factor, line.cy * factor, line.length * factor, line.thickness * factor,
                    line.angle, line.corners * factor, line.score)


def shifted(line: TextLine, dx: float, dy: float) -> TextLine:
    """The same line in an image whose origin is ``(-dx, -dy)`` in this one's (a crop's line in the whole's pixels)."""
    return TextLine(line.cx + dx, line.cy + dy, line.length, line.thickness, line.angle,
                    line.corners + np.array([dx, dy]), line.score)


def upside_down_probability(crops: list[np.ndarray]) -> np.ndarray:
    """For each horizontal line crop, the classifier's probability that it is upside down."""
    if not crops:
        return np.zeros(0, np.float32)
    height, width = CLS_SHAPE
    batch = np.zeros((len(crops), 3, height, width), np.float32)
    for i, crop in enumerate(crops):
        h, w = crop.shape[:2]
        new_w = min(width, max(1, int(np.ceil(height * w / max(h, 1)))))
        resized = cv2.resize(crop[:, :, ::-1], (new_w, height)).astype(np.float32) / 255.0
        batch[i, :, :, :new_w] = ((resized - 0.5) / 0.5).transpose(2, 0, 1)
    session = classifier_model()
    probs = session.run(None, {session.get_inputs()[0].name: batch})[0]
    return probs[:, 1].astype(np.float32)  # labels: 0 = upright, 1 = turned 180 degrees


NEIGHBOUR_REACH = 6.0  # line heights: lines this close (gap between them) share a surface and its way up
MAX_VOTE_ASPECT = 12.0  # a line's vote grows with its length in line heights, up to this (here and in orientation)
SHORT_CROP_ASPECT = 3.0  # crops narrower than this many line heights hold a few characters at most
CONFIDENT_PROBABILITY = 0.1  # a line at least SHORT_CROP_ASPECT long read this close to 0 or 1 keeps its own way up


def flip_decisions(lines: list[TextLine], probabilities: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Which lines to turn 180 degrees, and which are in dispute.

    The classifier is unreliable on short crops ("B+" or "C+" beside a name is read as upside down
    one time in two), while lines next to each other and running the same way usually lie on the
    same page and share its way up. Each line votes with its probability's lean, weighted by its
    length in line heights (short crops carry little evidence); a line is turned when the votes of
    the lines around it, itself included, say so. But a line the classifier reads confidently (a
    probability within CONFIDENT_PROBABILITY of 0 or 1 on a crop at least SHORT_CROP_ASPECT line
    heights long) keeps its own way up: an ID card lying upright beside an upside-down sheet is
    not turned with the sheet. The second array marks the lines in dispute, where the line's own
    lean and its neighbours' vote disagree: ``ocr.settle_disputes`` asks the recogniser which way
    they read legibly, or reads them both ways up."""
    if not lines:
        return np.zeros(0, bool), np.zeros(0, bool)
    probabilities = np.asarray(probabilities, np.float64)
    directions = np.array([reading_direction(x) for x in lines])
    centres = np.array([(x.cx, x.cy) for x in lines])
    lengths = np.array([x.length for x in lines])
    thickness = np.array([x.thickness for x in lines])
    aspect = lengths / np.maximum(thickness, 1e-6)
    votes = (probabilities - 0.5) * np.minimum(aspect, MAX_VOTE_ASPECT)
    same_way = directions @ directions.T > np.cos(np.deg2rad(20))
    distance = np.hypot(*(centres[:, None, :] - centres[None, :, :]).transpose(2, 0, 1))
    reach = NEIGHBOUR_REACH * np.maximum(thickness[:, None], thickness[None, :]) + (lengths[:, None] + lengths[None, :]) / 2
    neighbours = same_way & (distance <= reach)
    by_neighbours = (neighbours * votes[None, :]).sum(axis=1) > 0
    own = probabilities > 0.5
    confident = (np.minimum(probabilities, 1 - probabilities) <= CONFIDENT_PROBABILITY) & (aspect >= SHORT_CROP_ASPECT)
    return np.where(confident, own, by_neighbours), own != by_neighbours


def upside_down_by_neighbours(lines: list[TextLine], probabilities: np.ndarray) -> np.ndarray:
    """Which lines to turn 180 degrees: their neighbours' vote, unless their own reading is
    confident (see ``flip_decisions``)."""
    return flip_decisions(lines, probabilities)[0]


_REC_HEIGHT = 48  # the recogniser's input height
_REC_MIN_WIDTH = 320  # it was trained on crops padded to at least this width (PaddleOCR's rec_image_shape)


@lru_cache(maxsize=1)
def recogniser_model():
    import onnx

    path = model_path("ppocr_rec")
    meta = {p.key: p.value for p in onnx.load(str(path), load_external_data=False).metadata_props}
    # PaddleOCR's CTC alphabet: index 0 is the blank, then the dictionary, then the space
    alphabet = [""] + meta["character"].splitlines() + [" "]
    return _session("ppocr_rec"), alphabet


@dataclass(frozen=True)
class Reading:
    """What the recogniser read on one line crop: characters with their horizontal centre in the
    crop's pixels and their probability."""

    chars: tuple[str, ...]
    centres: tuple[float, ...]
    probabilities: tuple[float, ...]

    @property
    def text(self) -> str:
        return "".join(self.chars)

    @property
    def confidence(self) -> float:
        return float(np.mean(self.probabilities)) if self.probabilities else 0.0


def upright_crops(crops: list[np.ndarray], flipped) -> list[np.ndarray]:
    """The crops with those marked ``flipped`` turned 180 degrees."""
    return [c[::-1, ::-1] if f else c for c, f in zip(crops, flipped)]


def recognise(crops: list[np.ndarray], batch_width: int = 1600) -> list[Reading]:
    """PP-OCRv4's recogniser on horizontal, upright line crops (RGB, any size): one Reading each.

    Crops are scaled to 48 px high and padded to a shared width in batches of similar widths."""
    session, alphabet = recogniser_model()
    scaled_crops, factors = [], []
    for crop in crops:
        h, w = crop.shape[:2]
        k = _REC_HEIGHT / max(h, 1)
        new_w = max(1, min(4 * batch_width, int(round(w * k))))
        scaled_crops.append(cv2.resize(crop, (new_w, _REC_HEIGHT), interpolation=cv2.INTER_AREA if k < 1 else cv2.INTER_LINEAR))
        factors.append(w / new_w)
    # batches of similar widths (each padded to its widest crop), at most 8 rows of batch_width
    batches: list[list[int]] = []
    for i in sorted(range(len(crops)), key=lambda i: scaled_crops[i].shape[1]):
        width = max(_REC_MIN_WIDTH, scaled_crops[i].shape[1])
        if batches and width <= 1.3 * max(_REC_MIN_WIDTH, scaled_crops[batches[-1][0]].shape[1]) and \
                (len(batches[-1]) + 1) * width <= 8 * batch_width:
            batches[-1].append(i)
        else:
            batches.append([i])
    out: list[Reading | None] = [None] * len(crops)
    for batch_ids in batches:
        width = max(_REC_MIN_WIDTH, max(scaled_crops[i].shape[1] for i in batch_ids))
        batch = np.zeros((len(batch_ids), 3, _REC_HEIGHT, width), np.float32)  # 0 = mid grey after normalising
        for row, i in enumerate(batch_ids):
            crop = scaled_crops[i]
            batch[row, :, :, :crop.shape[1]] = (crop[:, :, ::-1].astype(np.float32) / 127.5 - 1.0).transpose(2, 0, 1)
        probs = session.run(None, {session.get_inputs()[0].name: batch})[0]
        stride = width / probs.shape[1]  # input pixels per output step
        for row, i in enumerate(batch_ids):
            index, prob = probs[row].argmax(axis=1), probs[row].max(axis=1)
            keep = (index != 0) & np.r_[True, index[1:] != index[:-1]]
            steps = np.nonzero(keep)[0]
            out[i] = Reading(tuple(alphabet[index[t]] for t in steps),
                             tuple(float((t + 0.5) * stride * factors[i]) for t in steps),
                             tuple(float(prob[t]) for t in steps))
    return out  # type: ignore[return-value]


STACK_MAX_ASPECT = 10.0  # a steep line at most this many line widths long may be a column of cells, not a line
STACK_GAP = 0.4  # ... when its ink falls into runs apart by at least this share of a run's height
STACK_MAX_RUNS = 12
STACK_MIN_RUN = 4  # px on the preview: runs of ink rows shorter than this are noise


def split_stacked(rgb: np.ndarray, lines: list[TextLine]) -> list[TextLine]:
    """Horizontal lines for the cells of the columns the detector took for one vertical line.

    A table's column of short cells (letter grades "B+", "C", "A-" one under another) often comes
    out of the detector as one tall, narrow line, read top to bottom as garbage. Its ink, projected
    onto the rows, falls into runs (one per cell) apart by clear gaps; text turned 90 degrees has
    its letters almost touching along the line (gaps of a pixel or two). So a steep line (45-135
    degrees) at most STACK_MAX_ASPECT widths long, whose ink rows form 2-STACK_MAX_RUNS runs of
    similar heights with every gap at least STACK_GAP of their median height, gives one horizontal
    line per run (the steep line is kept too)."""
    out: list[TextLine] = []
    height, width = rgb.shape[:2]
    for line in lines:
        if not 45 <= line.angle < 135 or line.length > STACK_MAX_ASPECT * line.thickness:
            continue
        xs, ys = line.corners[:, 0], line.corners[:, 1]
        x0, x1 = int(max(0, np.floor(xs.min()))), int(min(width, np.ceil(xs.max())))
        y0, y1 = int(max(0, np.floor(ys.min()))), int(min(height, np.ceil(ys.max())))
        if x1 - x0 < 3 or y1 - y0 < 2 * STACK_MIN_RUN:
            continue
        grey = cv2.cvtColor(np.ascontiguousarray(rgb[y0:y1, x0:x1]), cv2.COLOR_RGB2GRAY)
        _, dark = cv2.threshold(grey, 0, 1, cv2.THRESH_BINARY_INV + cv2.THRESH_OTSU)
        ink = dark if dark.mean() <= 0.5 else 1 - dark  # the text is the smaller share (light text on a dark screen)
        rows = ink.sum(axis=1) >= max(1, 0.03 * ink.shape[1])
        edges = np.flatnonzero(np.diff(np.r_[0, rows.astype(np.int8), 0]))
        runs = [(a, b) for a, b in zip(edges[::2], edges[1::2]) if b - a >= STACK_MIN_RUN]
        if not 2 <= len(runs) <= STACK_MAX_RUNS:
            continue
        heights = np.array([b - a for a, b in runs], float)
        middle = float(np.median(heights))
        gaps = np.array([runs[k + 1][0] - runs[k][1] for k in range(len(runs) - 1)], float)
        if gaps.min() < STACK_GAP * middle or heights.min() < 0.5 * middle or heights.max() > 2 * middle:
            continue
        for a, b in runs:
            cols = np.flatnonzero(ink[a:b].any(axis=0))
            pad = 0.3 * (b - a)
            w, h = cols[-1] + 1 - cols[0] + 2 * pad, b - a + 2 * pad
            cx, cy = x0 + (cols[0] + cols[-1] + 1) / 2, y0 + (a + b) / 2
            length = max(w, h)
            corners = cv2.boxPoints(((cx, cy), (length, h), 0.0))
            out.append(TextLine(float(cx), float(cy), float(length), float(h), 0.0, corners, line.score))
    return out


# Short marks the detector passed over. PP-OCRv4's detector misses a lone short mark now and then (a
# "C-" under "Quiz 4" or under a "Name:" line, found at some scales and not others); a mark is written
# close to the lines it belongs with, so dark letter-sized ink on plain paper near a detected line,
# outside every detected line, is read as a line of its own, and the recognizers decide what it is.
MARK_BELOW = 3.5  # line thicknesses below a line (and MARK_ABOVE above it) where a missed mark is looked for
MARK_ABOVE = 1.5
MARK_AFTER = 6.0  # ... and this many past the line's end, on its row and the rows around it
MARK_BEFORE = 1.5
MARK_MAX_LETTERS = 6.0  # a mark is at most this many letter heights long (a grade, a score, a short number)
MARK_MAX_PER_PHOTO = 16
MARK_MAX_ANCHORS = 80  # the longest lines are looked around first
LETTER_SHARE = 1.6  # a detected line is this many times as thick as its letters are tall (the detector's margin)
MARK_PAPER_STD = 28.0  # grey levels: the spread of the paper around a mark (a photo's clutter is wider)
MARK_SHEET_TONE = 20.0  # grey levels: the paper between the line and the mark is this close to the mark's
DARK_GROUND = 110  # grey levels: a line's surroundings darker than this are a screen or a board (light letters)


def _line_window(line: TextLine) -> tuple[np.ndarray, int, int, float]:
    """Affine map from image pixels to an upright window around ``line`` (the line's own frame, from
    MARK_BEFORE thicknesses before its start to MARK_AFTER past its end, MARK_ABOVE above to MARK_BELOW
    below), the window's width and height, and the line's top edge in the window."""
    along = reading_direction(line)
    across = np.array([-along[1], along[0]])
    t = line.thickness
    start = np.array([line.cx, line.cy]) - along * line.length / 2 - across * t / 2  # the line's top-left
    origin = start - along * MARK_BEFORE * t - across * MARK_ABOVE * t
    out_w = int(round(line.length + (MARK_BEFORE + MARK_AFTER) * t))
    out_h = int(round((MARK_ABOVE + 1 + MARK_BELOW) * t))
    src = np.float32([origin, origin + along * out_w, origin + across * out_h])
    dst = np.float32([[0, 0], [out_w, 0], [0, out_h]])
    return cv2.getAffineTransform(src, dst), out_w, out_h, MARK_ABOVE * t


def _clusters(components: list[tuple[int, int, int, int]], letter: float) -> list[tuple[int, int, int, int]]:
    """Components (x, y, w, h) side by side on one row, close as a word's letters, as word boxes."""
    out: list[list[int]] = []
    for x, y, w, h in sorted(components):
        for box in out:
            bx, by, bw, bh = box
            same_row = min(by + bh, y + h) - max(by, y) > -0.2 * letter and abs((by + bh / 2) - (y + h / 2)) < letter
            if same_row and x - (bx + bw) <= 0.8 * letter:
                box[:] = [bx, min(by, y), max(bx + bw, x + w) - bx, max(by + bh, y + h) - min(by, y)]
                break
        else:
            out.append([x, y, w, h])
    return [tuple(b) for b in out]


def marks_beside_lines(rgb: np.ndarray, lines: list[TextLine]) -> list[TextLine]:
    """Lines for short dark marks on plain paper near detected ``lines`` that no detected line covers
    (see MARK_BELOW): letter-sized ink, at most MARK_MAX_LETTERS letters long, on paper of an even tone;
    light marks on a dark ground (a screen, a board) alike."""
    if not lines:
        return []
    height, width = rgb.shape[:2]
    grey = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)
    covered = np.zeros((height, width), np.uint8)
    for line in lines:
        cv2.fillPoly(covered, [np.round(line.corners).astype(np.int32)], 1)
    out: list[TextLine] = []
    anchors = [line for line in sorted(lines, key=lambda x: -x.length)
               if min(line.angle % 180, 180 - line.angle % 180) <= 35][:MARK_MAX_ANCHORS]
    for line in anchors:
        letter = line.thickness / LETTER_SHARE
        if letter < 5:
            continue
        matrix, out_w, out_h, top = _line_window(line)
        patch = cv2.warpAffine(grey, matrix, (out_w, out_h), flags=cv2.INTER_LINEAR, borderValue=0)
        inside = cv2.warpAffine(np.ones_like(grey), matrix, (out_w, out_h), flags=cv2.INTER_NEAREST, borderValue=0)
        if inside.any() and np.median(patch[inside > 0]) < DARK_GROUND:
            patch = 255 - patch  # light letters on a dark screen or a board: the same marks, the other way round
        taken = cv2.warpAffine(covered, matrix, (out_w, out_h), flags=cv2.INTER_NEAREST, borderValue=1)
        block = int(2 * round(1.5 * letter) + 1)
        dark = cv2.adaptiveThreshold(patch, 1, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY_INV, block, 15)
        dark[(taken > 0) | (inside == 0)] = 0
        near_dark = cv2.dilate(dark, np.ones((5, 5), np.uint8))  # letters and their anti-aliased rims
        n, labels, stats, _ = cv2.connectedComponentsWithStats(dark, connectivity=8)
        pieces = []
        for k in range(1, n):
            x, y, w, h, area = stats[k]
            if x == 0 or y == 0 or x + w >= out_w or y + h >= out_h:
                continue  # cut by the window: part of something larger
            if h > 2.5 * letter or w > 2.5 * letter or max(w, h) < 0.25 * letter or area < 4:
                continue
            pieces.append((int(x), int(y), int(w), int(h)))
        for x, y, w, h in _clusters(pieces, letter):
            if h < 0.6 * letter or h > 2.5 * letter or w > MARK_MAX_LETTERS * h or w < 0.55 * h:
                continue  # (a thin upright stroke alone is a sheet's edge or a rule more often than a "1")
            pad = int(round(0.5 * h))
            x0, y0, x1, y1 = max(0, x - pad), max(0, y - pad), min(out_w, x + w + pad), min(out_h, y + h + pad)
            around = patch[y0:y1, x0:x1]
            ring = (dark[y0:y1, x0:x1] == 0) & (taken[y0:y1, x0:x1] == 0) & (inside[y0:y1, x0:x1] > 0)
            if ring.mean() < 0.6 or around[ring].std() > MARK_PAPER_STD or np.median(around[ring]) < DARK_GROUND:
                continue  # not on plain paper: a photo's clutter
            if dark[y:y + h, x:x + w].mean() > 0.6:
                continue  # a filled patch, not letters
            # on the line's own sheet: the paper from the line to the mark is of the mark's paper's tone
            # (a mark in the bark above a card, or on a white shirt below it, has the card's edge between)
            tone = float(np.median(around[ring]))
            lx0, lx1 = int(MARK_BEFORE * line.thickness), int(MARK_BEFORE * line.thickness + line.length)
            sx0, sx1 = min(x, max(lx0, x + w)), max(x + w, min(lx1, x))
            sy0, sy1 = min(y, int(top)), max(y + h, int(top + line.thickness))
            between = patch[sy0:sy1, sx0:sx1]
            plain = (near_dark[sy0:sy1, sx0:sx1] == 0) & (taken[sy0:sy1, sx0:sx1] == 0) & (inside[sy0:sy1, sx0:sx1] > 0)
            if plain.any() and (np.abs(between[plain].astype(np.float32) - tone) <= MARK_SHEET_TONE).mean() < 0.92:
                continue
            centre = cv2.invertAffineTransform(matrix) @ np.array([x + w / 2, y + h / 2, 1.0])
            if any(np.hypot(centre[0] - m.cx, centre[1] - m.cy) < letter for m in out):
                continue
            thickness, length = h * LETTER_SHARE, w + (LETTER_SHARE - 1) * h
            corners = cv2.boxPoints(((float(centre[0]), float(centre[1])), (length, thickness), line.angle))
            out.append(TextLine(float(centre[0]), float(centre[1]), float(length), float(thickness), line.angle,
                                corners, line.score))
            if len(out) >= MARK_MAX_PER_PHOTO:
                return out
    return out
