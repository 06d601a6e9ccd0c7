"""Report writers: report.json (schema photoscreen.report/1) and report.csv, written atomically.

Reporters only read ImageReport values; they never see pixels or recognised text.
"""

from __future__ import annotations

import csv
import io
import json
import os
from collections import Counter
from pathlib import Path
from typing import Any, Iterable

from .. import __version__
from ..findings import Verdict
from ..owned import OwnedFolder

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


def printable(text: str) -> str:
    """``text`` with control characters (newlines, escapes, bidi line breaks) shown as ``\\xNN``, for
    log lines and the terminal: a file name cannot forge a line or move the cursor."""
    return "".join(c if c.isprintable() or c == " " else f"\\x{ord(c):02x}" if ord(c) < 256 else f"\\u{ord(c):04x}"
                   for c in text)


FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(value):
    """A CSV cell a spreadsheet shows as text: a cell that would begin a formula (= + - @) gets a
    leading apostrophe, as OWASP advises against CSV injection."""
    return "'" + value if isinstance(value, str) and value.startswith(FORMULA_START) else value


CSV_DIALECTS = ("standard", "excel")
CSV_DIALECT_ENV = "PHOTOSCREEN_CSV_DIALECT"


def csv_dialect() -> str:
    """``standard`` (comma, UTF-8, no BOM) or ``excel`` (semicolon, UTF-8 with BOM, CRLF: what a
    French-language spreadsheet opens in columns): ``--csv-dialect``, kept in PHOTOSCREEN_CSV_DIALECT."""
    value = os.environ.get(CSV_DIALECT_ENV, "standard")
    return value if value in CSV_DIALECTS else "standard"


def csv_bytes(records: list[dict[str, Any]], dialect: str | None = None) -> bytes:
    if (dialect or csv_dialect()) == "excel":
        return ("\ufeff" + csv_text(records, ";", "\r\n")).encode("utf-8")
    return csv_text(records).encode("utf-8")


def csv_text(records: list[dict[str, Any]], delimiter: str = ",", lineterminator: str = "\n") -> str:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=CSV_COLUMNS, delimiter=delimiter, lineterminator=lineterminator)
    writer.writeheader()
    for r in records:
        faces = [f for f in r["findings"] if f["kind"] == "face"]
        writer.writerow({key: spreadsheet_safe(value) for key, value in {
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
        }.items()})
    return buf.getvalue()


def write_reports(out: Path | OwnedFolder, report: dict[str, Any], html: str | None = None,
                  dialect: str | None = None) -> list[Path]:
    """report.json, report.csv (and report.html when given), each written atomically inside the
    report folder (never through a link planted there). ``dialect``: the CSV's (see ``csv_dialect``)."""
    folder = out if isinstance(out, OwnedFolder) else OwnedFolder(out)
    paths = [folder.write("report.json", (json.dumps(report, indent=2, ensure_ascii=False) + "\n").encode()),
             folder.write("report.csv", csv_bytes(report["images"], dialect))]
    if html is not None:
        paths.append(folder.write("report.html", html.encode()))
    return paths
