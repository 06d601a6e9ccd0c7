#!/usr/bin/env python3
"""Measure the quality, orientation and metadata stages on real photos.

    .venv/bin/python -m scripts.eval.quality [--testdata DIR]

Prints:
- blur accuracy on ../shared/testdata/misc/blur (sharp _S, defocused _F, motion-blurred _M, plus two
  blurred photos) and on defocused and motion-blurred copies it makes of sharp real photos;
- orientation: share of photos with faces or text, turned 90/180/270 degrees without an EXIF tag,
  that get the right rotate_cw; share of upright photos flagged; the 18 EXIF samples and the 4
  rotated documents;
- metadata: every file in misc/exif_gps and misc/heic, GPS reported or not;
- stage costs on a 12-MP photo.
Nothing is written; the copies live in memory.
"""

from __future__ import annotations

import argparse
import collections
import json
import statistics
import sys
import time
from dataclasses import replace
from pathlib import Path

import cv2
import numpy as np

from pipeline.stages import metadata, orientation, platform_fit, quality
from pipeline.media.loader import LoadedImage, load_image
from pipeline.policy import load_policy
from scripts import REPO

POLICY = load_policy()
LIMIT = POLICY.general.max_pixels


def from_pixels(pixels: np.ndarray, like: LoadedImage | None = None) -> LoadedImage:
    base = like or load_image(REPO / "sample_images" / "landscape_coffee.jpg", LIMIT)
    return replace(base, pixels=np.ascontiguousarray(pixels), exif_orientation=None, _previews={})


def defocus(px: np.ndarray) -> np.ndarray:
    sigma = 0.003 * max(px.shape[:2])  # 3 px on a 1000 px photo: clearly out of focus when posted
    return cv2.GaussianBlur(px, (0, 0), sigmaX=sigma)


def motion(px: np.ndarray) -> np.ndarray:
    length = max(5, int(0.025 * max(px.shape[:2])) | 1)  # a 2.5% streak: camera shake
    kernel = np.zeros((length, length), np.float32)
    kernel[length // 2, :] = 1.0 / length
    angle = (hash(px.shape) % 180)
    rot = cv2.getRotationMatrix2D((length / 2 - 0.5, length / 2 - 0.5), angle, 1.0)
    kernel = cv2.warpAffine(kernel, rot, (length, length))
    return cv2.filter2D(px, -1, kernel / kernel.sum())


def is_blurry(image: LoadedImage) -> bool:
    return blur_call(image) != "sharp"


def blur_call(image: LoadedImage) -> str:
    """"block" (too blurry to tell what is happening), "review" (blurry, a person judges) or "sharp"."""
    found = quality.stage(image, POLICY)
    if quality.too_blurry_to_post(found):
        return "block"
    return "review" if any(f.kind == "blur" for f in found) else "sharp"


def lens_defocus(px: np.ndarray) -> np.ndarray:
    """Another generator than ``defocus``: a lens's disk, not a Gaussian, of radius 0.4% of the long side."""
    radius = max(2, round(0.004 * max(px.shape[:2])))
    disk = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * radius + 1, 2 * radius + 1)).astype(np.float32)
    return cv2.filter2D(px, -1, disk / disk.sum())


def shake(px: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Another generator than ``motion``: a curved hand-shake path 1.5-3% of the long side, any angle."""
    length = max(7, int(rng.uniform(0.015, 0.03) * max(px.shape[:2])) | 1)
    kernel = np.zeros((length, length), np.float32)
    angle, bend = rng.uniform(0, np.pi), rng.uniform(-0.4, 0.4)
    for t in np.linspace(-0.5, 0.5, 4 * length):
        a = angle + bend * t
        x, y = length / 2 + t * length * np.cos(a), length / 2 + t * length * np.sin(a)
        kernel[min(length - 1, int(y)), min(length - 1, int(x))] += 1
    return cv2.filter2D(px, -1, kernel / kernel.sum())


def images_in(folder: Path, limit: int = 0) -> list[Path]:
    exts = {".jpg", ".jpeg", ".png", ".tif", ".tiff"}
    files = sorted(p for p in folder.glob("*") if p.suffix.lower() in exts)
    return files[:limit] if limit else files


def eval_blur(td: Path) -> None:
    print("\n== Blur (default threshold %.1f)" % POLICY.quality.blur_threshold)
    right = total = 0
    triplets: dict[str, dict[str, bool]] = {}
    for path in images_in(td / "misc" / "blur"):
        blurry_label = not path.stem.endswith("_S")
        flagged = is_blurry(load_image(path, LIMIT))
        right += flagged == blurry_label
        total += 1
        if path.stem[-2:] in ("_S", "_F", "_M"):
            triplets.setdefault(path.stem[:-2], {})[path.stem[-1]] = flagged == blurry_label
        print(f"  {path.name:34} {'blurry' if blurry_label else 'sharp':7} -> {'flagged' if flagged else 'not flagged':12}"
              f"{'' if flagged == blurry_label else '  WRONG'}")
    print(f"misc/blur: {right}/{total} right ({right / total:.3f}); triplets all right: "
          f"{sum(all(v.values()) for v in triplets.values())}/{len(triplets)}")

    sources = (images_in(td / "people_scenes") + images_in(td / "hands") + images_in(td / "faces_annotated")[::3]
               + images_in(td / "text_scenes"))
    counts = {"sharp": [0, 0], "defocused": [0, 0], "motion": [0, 0]}
    for path in sources:
        base = load_image(path, LIMIT)
        for label, px in (("sharp", base.pixels), ("defocused", defocus(base.pixels)), ("motion", motion(base.pixels))):
            flagged = is_blurry(from_pixels(px, base))
            counts[label][0] += flagged == (label != "sharp")
            counts[label][1] += 1
    all_right = sum(c[0] for c in counts.values())
    all_total = sum(c[1] for c in counts.values())
    print(f"copies of {len(sources)} real photos: " + ", ".join(f"{k} {c[0]}/{c[1]} right" for k, c in counts.items())
          + f"; accuracy {all_right / all_total:.3f}")
    grand = (right + all_right) / (total + all_total)
    print(f"blur accuracy overall: {grand:.3f} ({right + all_right}/{total + all_total})")
    eval_blur_calls(td, sources)


def eval_blur_calls(td: Path, tuned_on: list[Path]) -> None:
    """What each photo's copy gets: block (too blurry to post), review (a person judges) or nothing.
    The limits were set on misc/blur and on the photos above; the fresh set is other photos (the rest of
    faces_annotated) blurred by other generators (a lens disk, a curved shake)."""
    calls = {"misc/blur sharp": collections.Counter(), "misc/blur blurred": collections.Counter()}
    for path in images_in(td / "misc" / "blur"):
        calls["misc/blur " + ("sharp" if path.stem.endswith("_S") else "blurred")][blur_call(load_image(path, LIMIT))] += 1
    rng = np.random.default_rng(7)
    fresh = [p for p in images_in(td / "faces_annotated") if p not in tuned_on]
    for label, paths, make in (("real photos (tuned on)", tuned_on, None), ("fresh real photos", fresh, None),
                               ("fresh, lens defocus", fresh, lens_defocus),
                               ("fresh, curved shake", fresh, lambda px: shake(px, rng))):
        calls[label] = collections.Counter()
        for path in paths:
            base = load_image(path, LIMIT)
            calls[label][blur_call(base if make is None else from_pixels(make(base.pixels), base))] += 1
    print("\nwhat the copy gets (block: too blurry to tell what is happening; review: a person judges):")
    for label, c in calls.items():
        n = sum(c.values())
        print(f"  {label:26} {n:4} photos: block {c['block']:3}, review {c['review']:3}, not blurry {c['sharp']:3}")


def orientation_of(image: LoadedImage) -> int:
    found = [f for f in orientation.stage(image, POLICY) if f.kind == "orientation"]
    return found[0].rotate_cw if found else 0


TURNS = {90: cv2.ROTATE_90_COUNTERCLOCKWISE, 180: cv2.ROTATE_180, 270: cv2.ROTATE_90_CLOCKWISE}


def eval_orientation(td: Path) -> None:
    print("\n== Orientation")
    annotations = json.loads((td / "faces_annotated" / "annotations.json").read_text())
    with_faces = [td / "faces_annotated" / n for n, boxes in sorted(annotations.items())
                  if (td / "faces_annotated" / n).is_file() and any(b[3] >= 40 for b in boxes)]
    with_text = [p for p in images_in(td / "text_scenes")]
    upright_extra = images_in(td / "people_scenes") + images_in(td / "hands")
    groups = {"faces": with_faces, "text": with_text}
    upright_flagged = upright_total = 0
    all_right = all_total = 0
    for group, paths in groups.items():
        right = total = 0
        seconds = []
        for path in paths:
            base = load_image(path, LIMIT)
            start = time.perf_counter()
            upright_flagged += orientation_of(base) != 0
            seconds.append(time.perf_counter() - start)
            upright_total += 1
            for needed, code in TURNS.items():
                # content turned so that it needs `needed` degrees clockwise to be upright
                turned = cv2.rotate(base.pixels, code)
                right += orientation_of(from_pixels(turned, base)) == needed
                total += 1
        print(f"photos with {group} ({len(paths)}), turned 90/180/270: {right}/{total} right ({right / total:.3f});"
              f" {statistics.mean(seconds):.3f} s per upright photo")
        all_right, all_total = all_right + right, all_total + total
    print(f"turned photos with faces or text, together: {all_right}/{all_total} right ({all_right / all_total:.3f})")
    for path in upright_extra:
        upright_flagged += orientation_of(load_image(path, LIMIT)) != 0
        upright_total += 1
    exif_right = sum(orientation_of(load_image(p, LIMIT)) == 0
                     for p in images_in(td / "misc" / "exif_orientation"))
    print(f"upright photos flagged: {upright_flagged}/{upright_total} ({upright_flagged / upright_total:.3f})")
    print(f"EXIF orientation samples not flagged (upright after loading): {exif_right}/18")
    expected = {"R": 270, "L": 90, "180": 180, "270": 90}
    docs_right = 0
    for path in images_in(td / "misc" / "rotated_content_no_exif"):
        want = expected[path.stem.rsplit("-", 1)[1]]
        got = orientation_of(load_image(path, LIMIT))
        docs_right += got == want
        print(f"  {path.name:40} rotate_cw expected {want:3}, got {got:3}{'' if got == want else '  WRONG'}")
    print(f"rotated documents right: {docs_right}/4")


def eval_metadata(td: Path) -> None:
    print("\n== Metadata")
    for folder in ("exif_gps", "heic"):
        for path in sorted((td / "misc" / folder).iterdir()):
            found = metadata.stage(load_image(path, LIMIT), POLICY)
            gps = [f.why for f in found if f.kind == "gps"]
            other = [f.why for f in found if f.kind == "metadata"]
            print(f"  {folder}/{path.name:28} gps: {gps[0] if gps else 'none'}" + (f"; other: {', '.join(other)}" if other else ""))


def eval_costs(td: Path) -> None:
    print("\n== Costs on a 12-MP photo (4032x3024, made by upscaling a real photo), median of 5")
    source = load_image(td / "people_scenes" / "john-torcasio-oeGMaLjUOxQ-unsplash.jpg", LIMIT)
    big = cv2.resize(source.pixels, (4032, 3024), interpolation=cv2.INTER_CUBIC)
    platform_policy = replace(POLICY, platform=replace(POLICY.platform, name="instagram"))
    stages = {
        "blur + exposure (incl. preview)": lambda im: quality.stage(im, POLICY),
        "aspect (instagram)": lambda im: platform_fit.stage(im, platform_policy),
        "metadata + gps": lambda im: metadata.stage(im, POLICY),
        "orientation (faces, then text lines)": lambda im: orientation.stage(im, POLICY),
    }
    cheap = 0.0
    for name, run in stages.items():
        times = []
        for _ in range(5):
            image = from_pixels(big, source)
            start = time.perf_counter()
            run(image)
            times.append(time.perf_counter() - start)
        ms = statistics.median(times) * 1000
        if not name.startswith("orientation"):
            cheap += ms
        print(f"  {name:34} {ms:8.1f} ms")
    print(f"  blur + exposure + aspect + metadata: {cheap:.1f} ms")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--testdata", type=Path, default=REPO.parent / "shared" / "testdata")
    parser.add_argument("--only", choices=["blur", "orientation", "metadata", "costs"])
    args = parser.parse_args()
    if not args.testdata.is_dir():
        print(f"test photos not found at {args.testdata}", file=sys.stderr)
        return 2
    for name, run in (("blur", eval_blur), ("orientation", eval_orientation), ("metadata", eval_metadata),
                      ("costs", eval_costs)):
        if args.only in (None, name):
            run(args.testdata)
    return 0


if __name__ == "__main__":
    sys.exit(main())
