"""What one unit of work is, whichever executor runs it (worker processes in ``batch.py``, a Dask
cluster in ``dask_executor.py``): the row of a photo that could not be screened, the name of a
photo's thumbnail; and what a report folder receives when a run ends (``scan`` and ``batch`` alike):
the thumbnails, report.json, report.csv and report.html (``write_report_folder``)."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

from ..findings import ImageReport, Verdict
from ..owned import OwnedFolder
from ..report.contact_sheet import photo_thumbnail, render
from ..report.document import write_reports


THUMB_NAME = re.compile(r"^thumbs/[0-9a-f]{20}-[0-9a-f]{8}\.jpg$")


def thumbnail_name(sha256: str, findings) -> str:
    """thumbs/ name of a photo's thumbnail: its content hash and a hash of the boxes drawn on it,
    so that a screen that now finds (and covers) more never reuses an older, less covered thumbnail."""
    drawn = json.dumps(sorted([f.kind, f.box.as_list() if f.box else None, f.frame] for f in findings if f.box))
    return f"thumbs/{sha256[:20]}-{hashlib.sha256(drawn.encode()).hexdigest()[:8]}.jpg"


class ClusterError(RuntimeError):
    """The Dask cluster cannot serve this run (``--scheduler``): scheduler unreachable, no worker, a
    worker with other models or another photoscreen. What finished is kept in the state file."""


def error_record(rel: str, message: str) -> dict:
    return ImageReport(rel, Verdict.ERROR, error=message).to_dict()


def save_thumbnail(out: OwnedFolder, report: ImageReport, image) -> str | None:
    """Write the thumbnail of a screened photo (``image``: its LoadedImage) into ``out``'s thumbs/,
    unless one of that name is there already, and return its name. None for an error row or a photo
    not decoded: what it shows was not screened, so nothing on it would be covered."""
    if image is None or report.verdict is Verdict.ERROR:
        return None
    thumb = thumbnail_name(image.sha256, report.findings)
    if not out.path(thumb).exists():
        out.write(thumb, photo_thumbnail(image, report.findings))
    return thumb


def clean_thumbs(out: OwnedFolder, keep: set[str]) -> None:
    """Delete thumbnails of ours that no row shows any more."""
    folder = out.path("thumbs")
    if not folder.is_dir():
        return
    for path in folder.iterdir():
        rel = f"thumbs/{path.name}"
        if THUMB_NAME.match(rel) and rel not in keep and not path.is_symlink() and path.is_file():
            path.unlink(missing_ok=True)


def write_report_folder(out: OwnedFolder, document: dict, thumbs: dict[str, str]) -> list[Path]:
    """report.json, report.csv and report.html (the contact sheet, with each row's thumbnail of
    ``thumbs``: photo path -> thumbs/ name), each written atomically; then the thumbnails no row shows
    any more are deleted. Returns the paths of the three reports."""
    thumbs = {path: thumb for path, thumb in thumbs.items() if thumb and THUMB_NAME.match(thumb)}
    paths = write_reports(out, document, render(document, thumbs, out.root))
    clean_thumbs(out, set(thumbs.values()))
    return paths
