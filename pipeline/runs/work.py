"""What one unit of work is, whichever executor runs it (worker processes in ``batch.py``, a Dask
cluster in ``dask_executor.py``): the row of a photo that could not be screened, and the name of a
photo's thumbnail."""

from __future__ import annotations

import hashlib
import json
import re

from ..findings import ImageReport, Verdict


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
