"""Safe copies made where they may not be written: on a Dask worker (``batch --redact-to --scheduler``).

The worker screens, paints and checks the copy with the same ``Redactor`` as a local run, but hands it a
``DeferredCopies`` for its copies folder: every write, note and delete the Redactor would make in the
folder is kept as a step (the copy's bytes with it) instead of being made. The coordinator, which alone
owns the real copies folder (an ``OwnedFolder``: atomic writes, the manifest), makes the steps there in
the same order (``replay``). So a worker needs no access to the copies folder at all.

The coordinator checks, before it sends a photo out, what the worker cannot see: that the copy's place
is inside the folder and not the original (``place_refused``), and that a file already there is ours
(``not_ours``); the Redactor makes the same checks where it writes itself. ``copy_config``: what the
manifest records a copy was made with, computed by the coordinator for its workers. A copy larger than ``max_bytes`` (a long video's) is not sent back: its row is an error
that says so, and the copy is not made (``publish``, ``write_copy``).
"""

from __future__ import annotations

import errno
import os
from pathlib import Path

from ..i18n import _
from ..owned import OutsideOwnedFolder, OwnedFolder
from ..policy import Policy
from ..screen.photo import Candidate, config_key


def copy_config(policy: Policy, crop: str | None = None) -> str:
    """What a copy depends on: the screening's configuration (policy, roster, models, Tesseract) and the crop."""
    return f"{config_key(policy)}|crop:{crop}"


def place_refused(out: OwnedFolder, candidate: Candidate, out_rel: str) -> str | None:
    """Why the copy of ``candidate`` may not be written at ``out_rel`` in ``out`` (a path that leads out of
    it, or the original itself), or None."""
    try:
        dest = out.path(out_rel)
    except (OutsideOwnedFolder, OSError) as exc:
        return _("no copy written: {why}").format(why=exc)
    if dest.exists() and os.path.samefile(dest, candidate.path):  # check_output_folder prevents this
        return _("the copy would replace the original; refused")
    return None


def not_ours(out: OwnedFolder, out_rel: str) -> str | None:
    """Why the file at ``out_rel`` may not be replaced (one we did not write, or changed since), or None."""
    if out.path(out_rel).exists() and not out.is_ours(out_rel):
        return _("{path} in the output folder was not written by photoscreen (or was changed since); not "
                 "replaced: move it away and run again").format(path=out_rel)
    return None


# the OwnedFolder calls a worker's Redactor makes in its copies folder, made again by the coordinator
REPLAYED = ("write_copy", "note_source", "note_copy_of", "remove_copy")


class DeferredCopies(OwnedFolder):
    """Stands for the coordinator's copies folder on a worker. ``scratch``: a folder of the worker's own
    (Dask's local directory) for the temporaries a video's copy is encoded into; nothing is written at
    a copy's place. ``name_max``: the longest file name the real folder takes."""

    def __init__(self, scratch: Path, name_max: int, max_bytes: int) -> None:
        super().__init__(scratch)
        self._name_max = name_max
        self.max_bytes = max_bytes
        self.steps: list[tuple[str, tuple]] = []

    def name_max(self) -> int:
        return self._name_max

    def is_ours(self, rel: str) -> bool:
        return True  # the coordinator checked the real folder before it sent the photo (not_ours)

    def kept_outcome(self, rel: str, source_sha256: str, config: str) -> str | None:
        return None  # a batch makes every copy it is given again

    def _too_large(self, size: int) -> OSError:
        return OSError(errno.EFBIG, _("the copy is {mb:.0f} MB, more than a Dask worker sends back to the "
                                      "coordinator ({limit:.0f} MB): make this copy in a local run (without "
                                      "--scheduler)").format(mb=size / 1e6, limit=self.max_bytes / 1e6))

    def write_copy(self, rel: str, data: bytes) -> Path:
        if len(data) > self.max_bytes:
            raise self._too_large(len(data))
        self.steps.append(("write_copy", (rel, bytes(data))))
        return self.path(rel)

    def publish(self, tmp: Path, rel: str) -> Path:
        """A video's copy, finished in its temporary: its bytes are kept as a step (the temporary is the
        caller's to discard)."""
        size = tmp.stat().st_size
        if size > self.max_bytes:
            raise self._too_large(size)
        return self.write_copy(rel, tmp.read_bytes())

    def note_written(self, rel: str, dest: Path) -> None:  # pragma: no cover - publish writes no file here
        raise NotImplementedError

    def note_source(self, rel: str, source_sha256: str, config: str, outcome: str) -> None:
        self.steps.append(("note_source", (rel, source_sha256, config, outcome)))

    def note_copy_of(self, rel: str, source: str) -> None:
        self.steps.append(("note_copy_of", (rel, source)))

    def remove_copy(self, rel: str) -> str | None:
        self.steps.append(("remove_copy", (rel,)))
        return None  # what the coordinator finds there is added to the row by replay

    def copy_sources(self) -> dict[str, str | None]:
        return {}

    def take(self) -> list[tuple[str, tuple]]:
        """The steps of the photo just done, and a clean slate for the next one."""
        steps, self.steps = self.steps, []
        return steps


def with_note(record: dict, left: str) -> dict:
    """A row with the sentence of a copy left in place added (``Redactor.without_copy``, as a dict)."""
    if record["verdict"] == "error":
        return {**record, "error": f"{record['error']}; {left}"}
    return {**record, "reasons": [*record["reasons"], left]}


def replay(copies: OwnedFolder, steps: list[tuple[str, tuple]], record: dict, only: str | None = None) -> dict:
    """Make a worker's steps in ``copies`` (the coordinator's folder), in order, and return the row.
    ``only``: the one copy the steps may touch (the name the coordinator gave the photo's copy). A step
    that fails (the disk full, a path refused, another name) makes the row an error with no copy, never
    one that names a copy that is not there."""
    copy = only if only is not None else (record.get("redaction") or {}).get("output")
    try:
        for name, args in steps:
            if name not in REPLAYED or (only is not None and args[0] != only):
                raise ValueError(_("a step {name} on {rel} that this photo's copy does not make").format(
                    name=name, rel=args[0] if args else None))
            left = getattr(copies, name)(*args)
            if name == "remove_copy" and left:
                record = with_note(record, left)
    except (OSError, OutsideOwnedFolder, ValueError) as exc:
        record = {**{k: v for k, v in record.items() if k != "redaction"}, "verdict": "error", "reasons": [],
                  "error": _("the redacted copy could not be written ({what})").format(
                      what=f"{type(exc).__name__}: {exc}")}
        left = copies.remove_copy(copy) if copy else None
        if left:
            record = with_note(record, left)
    return record
