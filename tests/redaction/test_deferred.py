"""Safe copies made where they may not be written (a Dask worker, ``batch --redact-to --scheduler``): the
Redactor with a DeferredCopies writes nothing at a copy's place, and the steps it keeps, made again in the
real copies folder (``replay``), give the copy, the manifest and the row of a Redactor writing there itself.
A copy too large to send back is an error row that says so, never a row naming a copy that is not there."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest

from conftest import SAMPLES
from pipeline.owned import MANIFEST_NAME, OwnedFolder
from pipeline.redaction.copies import Redactor
from pipeline.redaction.deferred import DeferredCopies, copy_config, replay
from pipeline.screen.photo import Candidate

PHOTOS = ["classroom_composite.jpg", "astronaut.heic", "truncated.jpg"]


def _manifest(folder: Path) -> set[tuple]:
    with sqlite3.connect(folder / MANIFEST_NAME) as db:
        return set(db.execute("SELECT rel, sha256, source_sha256, config, outcome, source FROM copies"))


def _files(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in folder.iterdir() if p.is_file() and p.name != MANIFEST_NAME}


def _strip(record: dict) -> dict:
    return {k: v for k, v in record.items() if k != "seconds"}


@pytest.fixture(scope="module")
def redactors(tmp_path_factory, policy):
    tmp = tmp_path_factory.mktemp("deferred")
    scratch = DeferredCopies(tmp / "scratch", OwnedFolder(tmp / "copies").name_max(), 256 * 2**20)
    away = Redactor(policy, scratch.root, overwrite=True, folder=scratch, config=copy_config(policy))
    return tmp, scratch, away, Redactor(policy, tmp / "local", overwrite=True)


def test_the_steps_made_again_give_the_local_copy_manifest_and_row(redactors) -> None:
    tmp, scratch, away, here = redactors
    photos = tmp / "photos"
    photos.mkdir()
    for name in PHOTOS:
        shutil.copy(SAMPLES / name, photos / name)
    # an old copy of ours where truncated.jpg's would go: both runs remove it (no safe copy now)
    for folder in (tmp / "copies", tmp / "local"):
        OwnedFolder(folder).write_copy("truncated.jpg", b"an older copy")
    copies = OwnedFolder(tmp / "copies")
    for name in PHOTOS:
        candidate = Candidate(photos / name, name)
        local = here.redact(candidate)
        report, image = away.redact_keep_image(candidate, data=(photos / name).read_bytes())
        steps = scratch.take()
        assert not [p for p in scratch.root.rglob("*") if p.is_file()], "nothing is written on the worker"
        assert _strip(replay(copies, steps, report.to_dict())) == _strip(local.to_dict())
    assert _files(tmp / "copies") == _files(tmp / "local") and len(_files(tmp / "local")) == 2
    assert _manifest(tmp / "copies") == _manifest(tmp / "local")


def test_a_copy_too_large_to_send_back_is_an_error_row_that_says_so(redactors, tmp_path) -> None:
    _tmp, scratch, away, _here = redactors
    scratch.max_bytes = 1000
    try:
        report, _image = away.redact_keep_image(Candidate(SAMPLES / "classroom_composite.jpg", "c.jpg"))
    finally:
        scratch.max_bytes = 256 * 2**20
    record = replay(OwnedFolder(tmp_path / "copies"), scratch.take(), report.to_dict())
    assert record["verdict"] == "error" and "more than a Dask worker sends back" in record["error"], record
    assert "redaction" not in record and not _files(tmp_path / "copies")


def test_a_copy_that_cannot_be_written_on_the_coordinator_is_an_error_row(redactors, tmp_path) -> None:
    _tmp, scratch, away, _here = redactors
    report, _image = away.redact_keep_image(Candidate(SAMPLES / "landscape_coffee.jpg", "sub/l.jpg"))
    copies = OwnedFolder(tmp_path / "copies")
    (tmp_path / "copies" / "sub").write_text("a file where the copy's folder would be")
    record = replay(copies, scratch.take(), report.to_dict())
    assert record["verdict"] == "error" and "could not be written" in record["error"], record
    assert "redaction" not in record


def test_steps_on_another_copy_than_the_photos_are_refused(redactors, tmp_path) -> None:
    """The coordinator makes only the steps on the copy it named for the photo (a worker's answer is data)."""
    _tmp, scratch, away, _here = redactors
    report, _image = away.redact_keep_image(Candidate(SAMPLES / "landscape_coffee.jpg", "l.jpg", "l.jpg"))
    copies = OwnedFolder(tmp_path / "copies")
    record = replay(copies, scratch.take(), report.to_dict(), only="other.jpg")
    assert record["verdict"] == "error" and "does not make" in record["error"], record
    assert not _files(tmp_path / "copies")


def test_a_video_copy_over_the_limit_is_not_sent_back(tmp_path) -> None:
    """A video's copy is published from its temporary: over the limit it raises (redact_video makes the row
    an error, "the redacted copy could not be made (OSError: ... make this copy in a local run ...)")."""
    folder = DeferredCopies(tmp_path / "scratch", 255, 10)
    tmp = folder.temporary()
    tmp.write_bytes(b"x" * 20)
    with pytest.raises(OSError, match="more than a Dask worker sends back"):
        folder.publish(tmp, "clip.mp4")
    folder.discard(tmp)
    assert folder.take() == [] and not [p for p in (tmp_path / "scratch").rglob("*") if p.is_file()]
    small = folder.temporary()
    small.write_bytes(b"x" * 5)
    folder.publish(small, "clip.mp4")
    folder.discard(small)
    assert folder.take() == [("write_copy", ("clip.mp4", b"xxxxx"))]
