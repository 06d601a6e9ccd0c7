"""The page's *Export* (button, or the ``e`` key): the same export as ``photoscreen export REPORT_DIR --to
FOLDER`` (``export.py``: only approved photos, never the original's bytes, a blocked one only approved anyway
and asked for, written into a new folder beside and renamed), into a folder the app owns for its exports.

That folder is ``photoscreen review --export-to DIR``, by default the report folder's sibling
``<report folder>-approved``. It is taken as its real path, must not be a symbolic link, and must lie outside
the report's, copies' and photos' folders (the rule ``export`` applies to ``--to``); one given with
``--export-to`` is checked when the app starts. Each export is a new folder in it named by the time
(``export-2026-12-07_170503``), since ``export`` writes only into a new or empty folder: the page can
export again after more decisions, and each export is whole or absent.
"""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path
from typing import Any

from ..i18n import _, ngettext
from ..redaction.names import UnsafeOutput, check_output_folder
from .export import ExportFailed, ExportRefused, export, plan
from .folder import ReportFolder
from .listing import Listing

SUFFIX = "-approved"  # the default folder of exports: beside the report folder, its name and this


class ExportRootRefused(ValueError):
    """The folder for the page's exports cannot be used (a link, a file, among the report's folders)."""


def default_root(report_dir: Path) -> Path:
    real = Path(os.path.realpath(report_dir))
    return real.parent / (real.name + SUFFIX)


def checked_root(root: Path, folder: ReportFolder) -> Path:
    """``root`` as its real path, refused (``ExportRootRefused``) when it is a symbolic link, not a folder, or
    is, holds or lies in the report's, copies' or photos' folders."""
    root = Path(os.path.abspath(root))
    if os.path.islink(root):
        raise ExportRootRefused(_("{root} is a symbolic link: photoscreen never writes through links; give "
                                  "--export-to the path of a folder").format(root=root))
    if root.exists() and not root.is_dir():
        raise ExportRootRefused(_("{root} is not a folder: give --export-to a folder").format(root=root))
    real = Path(os.path.realpath(root))
    copies = folder.copies_root()
    inputs = [Path(i["path"]) for i in folder.run.get("inputs", [])]
    try:
        check_output_folder(real, [folder.root] + ([copies] if copies else []) + inputs)
    except UnsafeOutput:
        raise ExportRootRefused(_("the exports cannot go to {root}: it overlaps the report's, copies' or photos' "
                                  "folders; give --export-to a folder outside them").format(root=real)) from None
    return real


class PageExport:
    """The page's export, one at a time."""

    def __init__(self, folder: ReportFolder, listing: Listing, root: Path | None) -> None:
        self.folder, self.listing = folder, listing
        self.given = root is not None
        self.root = checked_root(root, folder) if root is not None else default_root(folder.root)
        self.lock = threading.Lock()

    def _what(self, n: int) -> str:
        copies = bool(self.folder.copies_root())
        return (ngettext("{n} approved copy", "{n} approved copies", n) if copies
                else ngettext("{n} approved photo", "{n} approved photos", n)).format(n=n)

    def preview(self, include_blocked: bool) -> dict[str, Any]:
        """How many files the export would write and where, and the confirmation to show (None: nothing to export)."""
        checked_root(self.root, self.folder)
        todo, left_out = plan(self.listing, include_blocked)
        n = len(todo)
        blocked = 0 if include_blocked else len(plan(self.listing, True)[0]) - n
        question = None
        if n:
            question = _("Export the {what} to a new folder in {root}? Only approved photos are written, with no "
                         "metadata.").format(what=self._what(n), root=self.root)
            if blocked:
                question += " " + ngettext(
                    "{k} blocked photo approved anyway is left out (tick “with those approved anyway” to export it).",
                    "{k} blocked photos approved anyway are left out (tick “with those approved anyway” to export "
                    "them).", blocked).format(k=blocked)
        return {"count": n, "left_out": len(left_out), "blocked_left_out": blocked, "root": str(self.root),
                "question": question, "nothing": None if n else _("no approved photo to export")}

    def destination(self) -> Path:
        stamp = time.strftime("export-%Y-%m-%d_%H%M%S")
        to, k = self.root / stamp, 1
        while os.path.lexists(to):
            k += 1
            to = self.root / f"{stamp}-{k}"
        return to

    def run(self, include_blocked: bool) -> dict[str, Any]:
        """Export now; raises ``ExportRefused`` or ``ExportFailed`` (the message says why), as ``export`` does."""
        with self.lock:
            checked_root(self.root, self.folder)  # again: a link may have been put there since
            to = self.destination()
            result = export(self.folder, self.listing, to, include_blocked)
        overridden = len(result.overridden)
        message = _("{n} photos exported to {to}; {left} left out").format(
            n=len(result.copied), to=to, left=len(result.left_out))
        if overridden:
            message += "; " + _("{k} of them blocked and approved anyway (--include-blocked)").format(k=overridden)
        return {"exported": len(result.copied), "to": str(to), "files": [name for _path, name in result.copied],
                "left_out": [{"path": p, "why": _(why)} for p, why in result.left_out], "overridden": overridden,
                "message": message}


__all__ = ["ExportFailed", "ExportRefused", "ExportRootRefused", "PageExport", "default_root"]
