"""Video redaction: speed beside deface on the same 720p clip, and what an independent detector
still finds in the copies.

The clip is made at run time (never committed) by panning and zooming over labelled photos of
``../shared/testdata/faces_annotated`` (classrooms, schoolkids), their face boxes carried into every
frame (scripts/samples/test_clip.py). Then, in one run:

- photoscreen's redaction of the clip (screen, cover every frame, check the copy): frames per second;
- deface 1.5.0 on the same clip (``.venv-deface``, ``make deface-env``), as it runs: frames per second;
- deface's CenterFace at threshold 0.2 at full resolution on every 3rd frame of the original and of
  both copies: the labelled faces at least 20 px tall it still finds (IoU >= 0.4 with the label;
  also >= 0.1, looser).

    .venv/bin/python -m scripts.eval.video [--photos 4] [--first 0] [--seconds 2.5] [--fps 30]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import tempfile
import time
from pathlib import Path

from scripts import REPO
from scripts.samples.test_clip import make_clip

MIN_HEIGHT = 20  # px: labelled faces counted
STEP = 3  # every 3rd frame of a copy is checked
MATCH_IOU, OVERLAP_IOU = 0.4, 0.1

CENTERFACE_HELPER = r"""
import json, sys
import imageio.v2 as imageio
from deface.centerface import CenterFace
net = CenterFace(in_shape=None, backend="auto")
step = int(sys.argv[1])
out = {}
for path in sys.argv[2:]:
    found = []
    for i, frame in enumerate(imageio.get_reader(path)):
        if i % step == 0:
            dets, _ = net(frame[:, :, :3], threshold=0.2)
            found.append([[float(v) for v in d[:4]] for d in dets])
    out[path] = found
print(json.dumps(out))
"""


def iou(a, b) -> float:
    ax2, ay2, bx2, by2 = a[0] + a[2], a[1] + a[3], b[0] + b[2], b[1] + b[3]
    ix = max(0.0, min(ax2, bx2) - max(a[0], b[0]))
    iy = max(0.0, min(ay2, by2) - max(a[1], b[1]))
    inter = ix * iy
    union = a[2] * a[3] + b[2] * b[3] - inter
    return inter / union if union > 0 else 0.0


def left_faces(labelled, detections) -> tuple[int, int, int]:
    """Labelled faces >= MIN_HEIGHT px on every STEP-th frame, and how many of them the detector finds
    (strict IoU, loose IoU)."""
    total = strict = loose = 0
    for k, dets in enumerate(detections):
        frame = k * STEP
        if frame >= len(labelled):
            break
        boxes = [[d[0], d[1], d[2] - d[0], d[3] - d[1]] for d in dets]
        for face in labelled[frame]:
            if face[3] < MIN_HEIGHT:
                continue
            total += 1
            strict += any(iou(face, b) >= MATCH_IOU for b in boxes)
            loose += any(iou(face, b) >= OVERLAP_IOU for b in boxes)
    return total, strict, loose


def frame_count(path: Path) -> int:
    import av

    with av.open(str(path)) as c:
        return sum(1 for _ in c.decode(c.streams.video[0]))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--testdata", type=Path, default=REPO.parent / "shared" / "testdata")
    parser.add_argument("--deface-python", type=Path, default=None)
    parser.add_argument("--photos", type=int, default=4, help="labelled photos panned over, one after the other")
    parser.add_argument("--first", type=int, default=0,
                        help="skip this many of the eligible photos (another clip: --first 4, --first 8, ...)")
    parser.add_argument("--seconds", type=float, default=2.5, help="seconds per photo")
    parser.add_argument("--fps", type=int, default=30)
    parser.add_argument("--size", default="1280x720")
    args = parser.parse_args()
    deface_python = args.deface_python or next(
        (p for p in (REPO / ".venv-deface/bin/python", REPO.parent / "main/.venv-deface/bin/python") if p.is_file()),
        None)
    folder = args.testdata / "faces_annotated"
    if not folder.is_dir():
        print(f"no labelled photos at {folder}")
        return 2
    truth = json.loads((folder / "annotations.json").read_text())
    names = sorted(n for n in truth if "Schoolkids" in n or "Students" in n or "Classroom" in n)
    # photos with faces large enough to matter at 720p
    names = [n for n in names if sum(1 for b in truth[n] if b[3] >= 30) >= 3][args.first: args.first + args.photos]
    w, h = (int(v) for v in args.size.split("x"))
    from pipeline.policy import load_policy
    from pipeline.redaction.copies import Redactor
    from pipeline.screen.photo import Candidate

    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        clip = tmp / "in" / "clip.mp4"
        clip.parent.mkdir()
        labelled = make_clip([(folder / n, [tuple(b) for b in truth[n]]) for n in names], clip, args.seconds, args.fps,
                             (w, h), gps=True, comment="Filmed by Ms Smith", zoom=1.5)
        frames = frame_count(clip)
        faces20 = sum(1 for boxes in labelled for b in boxes if b[3] >= MIN_HEIGHT)
        print(f"clip: {len(names)} labelled photos ({', '.join(names)}), {frames} frames at {w}x{h}, {args.fps} fps; "
              f"{faces20} labelled faces >= {MIN_HEIGHT} px over all frames")

        policy = load_policy()
        redactor = Redactor(policy, tmp / "ours")
        spent = timed_passes()
        start = time.perf_counter()
        report = redactor.redact(Candidate(clip, "clip.mp4"))
        ours_s = time.perf_counter() - start
        print(f"photoscreen: {report.verdict.value}; {'; '.join(report.reasons) or report.error}", flush=True)
        print(f"photoscreen redaction (screen + every frame covered + copy checked): {ours_s:.1f} s, "
              f"{frames / ours_s:.2f} frames/s; of which covering passes "
              f"{' + '.join(f'{t:.1f}' for t in spent['encode'])} s, checks {' + '.join(f'{t:.1f}' for t in spent['check'])} s, "
              f"the rest (screen, set-up) {ours_s - sum(spent['encode']) - sum(spent['check']):.1f} s", flush=True)
        ours = tmp / "ours" / "clip.mp4"
        copies = {"original": clip}
        if ours.is_file():
            copies["photoscreen"] = ours
            print(f"photoscreen copy: {frame_count(ours)} frames")
        if deface_python is None:
            print("deface not found: make deface-env")
        else:
            out = tmp / "deface.mp4"
            start = time.perf_counter()
            subprocess.run([str(deface_python.with_name("deface")), str(clip), "-o", str(out), "--keep-audio"],
                           check=True, capture_output=True)
            deface_s = time.perf_counter() - start
            print(f"deface 1.5.0 (default: thr 0.2, blur, full resolution, --keep-audio): {deface_s:.1f} s, "
                  f"{frames / deface_s:.2f} frames/s (model load included)", flush=True)
            copies["deface"] = out
            result = subprocess.run([str(deface_python), "-c", CENTERFACE_HELPER, str(STEP),
                                     *map(str, copies.values())], capture_output=True, text=True)
            if result.returncode:
                print(result.stderr[-2000:])
                return 1
            found = json.loads(result.stdout.strip().splitlines()[-1])
            print(f"\nCenterFace (deface's) at 0.2 on every {STEP}rd frame: labelled faces >= {MIN_HEIGHT} px found")
            for label, path in copies.items():
                total, strict, loose = left_faces(labelled, found[str(path)])
                print(f"  {label:12} {strict:5} / {total} = {strict / max(1, total):.2%} (IoU >= {MATCH_IOU}); "
                      f"{loose} = {loose / max(1, total):.2%} (IoU >= {OVERLAP_IOU})")
        if ours.is_file():
            probe = subprocess.run(["exiftool", "-a", "-G1", "-gps:all", "-location*", "-comment", "-UserData:all",
                                    "-ItemList:Comment", str(ours)], capture_output=True, text=True)
            print(f"\nexiftool on our copy (GPS, location, comment): {probe.stdout.strip() or 'nothing'}")
    return 0


def timed_passes() -> dict[str, list[float]]:
    """Seconds of each covering pass and each check of our redaction, as they run."""
    from pipeline.redaction import video as video_redact

    spent: dict[str, list[float]] = {"encode": [], "check": []}
    for name in spent:
        def wrapped(self, *args, _original=getattr(video_redact.VideoCopy, name), _name=name):
            start = time.perf_counter()
            try:
                return _original(self, *args)
            finally:
                spent[_name].append(time.perf_counter() - start)
        setattr(video_redact.VideoCopy, name, wrapped)
    return spent


if __name__ == "__main__":
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    from pipeline.quiet import native_logs_silenced

    with native_logs_silenced():
        code = main()
    raise SystemExit(code)
