"""Report writers: report.json (schema photoscreen.report/1) and report.csv, written atomically.

Reporters only read ImageReport values; they never see pixels or recognised text.
"""

from __future__ import annotations

import csv
import io
import json
import os
import tempfile
from collections import Counter
from pathlib import Path
from typing import Any, Iterable

from . import __version__
from .findings import Verdict

SCHEMA_ID = "photoscreen.report/1"
SCHEMA_PATH = Path(__file__).with_name("report.schema.json")
CSV_COLUMNS = ("path", "verdict", "reasons", "faces", "identifiable_faces", "finding_kinds",
               "width", "height", "exif_orientation", "sha256", "error")


def summarize(records: Iterable[dict[str, Any]], skipped: int) -> dict[str, int]:
    counts = Counter(r["verdict"] for r in records)
    return {**{v.value: counts.get(v.value, 0) for v in (Verdict.OK, Verdict.REVIEW, Verdict.BLOCK,
                                                          Verdict.ERROR)}, "skipped": skipped}


def build_report(records: list[dict[str, Any]], skipped: int, extra: dict[str, Any] | None = None) -> dict[str, Any]:
    """The report document from per-photo records (``ImageReport.to_dict()``)."""
    report: dict[str, Any] = {
        "schema": SCHEMA_ID,
        "tool": {"name": "photoscreen", "version": __version__},
        "images": records,
        "summary": summarize(records, skipped),
    }
    if extra:
        report.update(extra)
    return report


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write to a temporary file in the same folder, fsync, then rename over ``path``: readers see
    the old file or the new one, never half of one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def atomic_write_text(path: Path, text: str) -> None:
    atomic_write_bytes(path, text.encode("utf-8"))


def csv_text(records: list[dict[str, Any]]) -> str:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=CSV_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for r in records:
        faces = [f for f in r["findings"] if f["kind"] == "face"]
        writer.writerow({
            "path": r["path"],
            "verdict": r["verdict"],
            "reasons": "; ".join(r["reasons"]),
            "faces": len(faces),
            "identifiable_faces": sum(1 for f in faces if f.get("identifiable")),
            "finding_kinds": " ".join(sorted({f["kind"] for f in r["findings"]})),
            "width": r["width"] if r["width"] is not None else "",
            "height": r["height"] if r["height"] is not None else "",
            "exif_orientation": r["exif_orientation"] if r.get("exif_orientation") is not None else "",
            "sha256": r["sha256"] or "",
            "error": r["error"] or "",
        })
    return buf.getvalue()


def write_reports(out_dir: Path, report: dict[str, Any], html: str | None = None) -> list[Path]:
    """report.json, report.csv (and report.html when given), each written atomically."""
    paths = [out_dir / "report.json", out_dir / "report.csv"]
    atomic_write_text(paths[0], json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    atomic_write_text(paths[1], csv_text(report["images"]))
    if html is not None:
        paths.append(out_dir / "report.html")
        atomic_write_text(paths[2], html)
    return paths
