"""Make a short test video by panning and zooming over a still photo, with PyAV.

Used by the tests (clips are made into a temporary folder at test time, never committed) and by
scripts/eval/video.py. The source is a photo of ours (sample_images/, made from public-domain and CC0
photos) or, for evaluation only, a labelled photo from ../shared/testdata; ``boxes`` (face boxes in
the photo's pixels) are carried through the same pan and zoom so that the clip has labelled faces
on every frame.

    .venv/bin/python -m scripts.samples.test_clip sample_images/classroom_composite.jpg /tmp/clip.mp4 \
        --seconds 3 --fps 12 --size 640x360 --gps --comment "Filmed by Ms Smith"

Container tags written: ``location`` (ISO 6709, the mov muxer stores it as the ``©xyz`` atom that
phones write), ``comment``, ``make`` and ``model`` (a phone's), when asked.
"""

from __future__ import annotations

import argparse
import fractions
import math
from pathlib import Path

import numpy as np
from PIL import Image

GPS_ISO6709 = "+48.8584+002.2945/"  # a made-up position (the Eiffel tower)


def _views(width: int, height: int, out_w: int, out_h: int, frames: int, zoom: float):
    """One crop (x, y, w, h) of the photo per frame: a pan from left to right and a slow zoom, at the
    output's shape."""
    ratio = out_w / out_h
    base_h = min(height, width / ratio)
    for i in range(frames):
        s = i / max(1, frames - 1)
        h = base_h * (1.0 - (1.0 - 1.0 / zoom) * s) * 0.85
        w = h * ratio
        x = (width - w) * (0.1 + 0.8 * s)
        y = (height - h) * (0.5 + 0.3 * math.sin(math.pi * s) * 0.5)
        yield x, y, w, h


def make_clip(source, out: Path, seconds: float = 3.0, fps: int = 12,
              size: tuple[int, int] = (640, 360), gps: bool = False, comment: str | None = None,
              device: bool = False, audio: bool = True, zoom: float = 1.3,
              boxes: list[tuple[float, float, float, float]] | None = None,
              codec: str = "libx264") -> list[list[tuple[float, float, float, float]]]:
    """Write the clip to ``out`` (container from its suffix: .mp4, .mov, .m4v, .webm, .avi).
    ``source`` is a photo (path or RGB array), or a list of ``(photo, boxes)`` segments shown one
    after the other, ``seconds`` each. Returns, per frame, the photo's ``boxes`` (x, y, w, h) mapped
    into the frame (clipped; a box less than half in the frame is left out)."""
    import av
    import cv2

    segments = source if isinstance(source, list) else [(source, boxes or [])]
    out_w, out_h = size
    frames = max(1, round(seconds * fps))
    suffix = out.suffix.lower()
    if suffix == ".webm":
        codec = "libvpx"
    elif suffix == ".avi" and codec == "libx264":
        codec = "mpeg4"
    container = av.open(str(out), "w", format={".m4v": "mp4"}.get(suffix))
    if gps:
        container.metadata["location"] = GPS_ISO6709
    if comment:
        container.metadata["comment"] = comment
    if device:
        container.metadata["make"] = "Apple"
        container.metadata["model"] = "iPhone 12"
    stream = container.add_stream(codec, rate=fps)
    stream.width, stream.height, stream.pix_fmt = out_w, out_h, "yuv420p"
    if codec == "libx264":
        stream.options = {"crf": "20", "preset": "veryfast"}
    sound = None
    if audio:
        sound = container.add_stream("libopus" if suffix == ".webm" else "aac", rate=48000 if suffix == ".webm" else 44100)
        sound.layout = "mono"
    labelled: list[list[tuple[float, float, float, float]]] = []
    for photo, photo_boxes in segments:
        photo = np.asarray(Image.open(photo).convert("RGB")) if not isinstance(photo, np.ndarray) else photo
        height, width = photo.shape[:2]
        for x, y, w, h in _views(width, height, out_w, out_h, frames, zoom):
            sx, sy = out_w / w, out_h / h
            matrix = np.float32([[sx, 0, -x * sx], [0, sy, -y * sy]])
            picture = cv2.warpAffine(photo, matrix, (out_w, out_h),
                                     flags=cv2.INTER_AREA if sx < 1 else cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT)
            frame_boxes = []
            for bx, by, bw, bh in photo_boxes:
                x1, y1 = (bx - x) * sx, (by - y) * sy
                x2, y2 = x1 + bw * sx, y1 + bh * sy
                cx1, cy1, cx2, cy2 = max(0, x1), max(0, y1), min(out_w, x2), min(out_h, y2)
                if cx2 > cx1 and cy2 > cy1 and (cx2 - cx1) * (cy2 - cy1) >= 0.5 * (x2 - x1) * (y2 - y1):
                    frame_boxes.append((cx1, cy1, cx2 - cx1, cy2 - cy1))
            labelled.append(frame_boxes)
            for packet in stream.encode(av.VideoFrame.from_ndarray(np.ascontiguousarray(picture), format="rgb24")):
                container.mux(packet)
    for packet in stream.encode():
        container.mux(packet)
    if sound is not None:
        rate = sound.rate
        samples = int(rate * len(labelled) / fps)
        t = np.arange(samples) / rate
        tone = (0.2 * np.sin(2 * np.pi * 440 * t)).astype(np.float32)
        chunk = sound.codec_context.frame_size or 1024
        fmt = "flt" if suffix == ".webm" else "fltp"
        for start in range(0, samples, chunk):
            piece = tone[start:start + chunk]
            frame = av.AudioFrame.from_ndarray(piece.reshape(1, -1), format=fmt, layout="mono")
            frame.sample_rate, frame.pts, frame.time_base = rate, start, fractions.Fraction(1, rate)
            for packet in sound.encode(frame):
                container.mux(packet)
        for packet in sound.encode():
            container.mux(packet)
    container.close()
    return labelled


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("source", type=Path)
    parser.add_argument("out", type=Path)
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--fps", type=int, default=12)
    parser.add_argument("--size", default="640x360", help="WIDTHxHEIGHT")
    parser.add_argument("--gps", action="store_true", help="write a GPS position (location, ©xyz)")
    parser.add_argument("--comment", help="write a comment tag")
    parser.add_argument("--device", action="store_true", help="write make and model tags")
    parser.add_argument("--no-audio", action="store_true")
    args = parser.parse_args()
    w, h = (int(v) for v in args.size.lower().split("x"))
    make_clip(args.source, args.out, args.seconds, args.fps, (w, h), args.gps, args.comment, args.device,
              not args.no_audio)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
