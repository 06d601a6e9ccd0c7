"""The worker side of ``batch --scheduler``: the plug-in every Dask worker of the run loads (the
policy, the roster, the models, checked once per worker) and the task that screens one photo there
(``screen_task``), reading the bytes the coordinator named and checking they are the ones it hashed.
With ``--redact-to`` the task also paints and checks the photo's safe copy, with the Redactor of a
local run, and returns the copy's bytes and the steps the coordinator makes in its copies folder
(``pipeline/redaction/deferred.py``): the worker writes nothing there."""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
import threading
from dataclasses import dataclass, replace
from pathlib import Path

from distributed import WorkerPlugin

from .work import thumbnail_name
from ..screen.photo import config_key
from ..report.contact_sheet import photo_thumbnail
from ..findings import Verdict
from ..media.loader import LoadError, read_regular_file
from ..media.video import file_sha256, is_video_path
from ..policy import Policy
from ..screen.photo import Candidate

log = logging.getLogger("photoscreen.batch")




# the worker's periodic callbacks of Dask's statistical profiler (distributed.worker.profile)
PROFILER_CALLBACKS = ("profile", "profile-cycle")
# the largest safe copy a worker sends back with its row (a photo's copy is a few MB; a video's can be
# hundreds): a larger one is not made, and its row is an error saying so (docs/dask.md)
MAX_RETURNED_COPY_BYTES = 256 * 2**20


@dataclass(frozen=True)
class CopiesSpec:
    """What a worker needs to make the run's safe copies (``batch --redact-to``): the coordinator's
    copies folder's longest file name and what its manifest records a copy was made with."""

    name_max: int
    config: str


class PhotoscreenPlugin(WorkerPlugin):
    """Carries the run's policy (and the roster's content, so that workers need no copy of it) to
    every worker, present and joining later. The models are loaded on first use, in a worker
    thread, once per worker process and configuration."""

    def __init__(self, policy: Policy, roster: bytes | None, config: str,
                 captions: dict[str, str] | None = None, copies: CopiesSpec | None = None) -> None:
        self.policy = policy  # the coordinator's; the worker keeps the roster's content in its own file
        self.roster = roster
        self.config = config
        self.captions = captions or {}  # the posts' texts by report path (``batch --captions``)
        self.copies = copies  # ``batch --redact-to``: safe copies made here, written by the coordinator
        self._lock = threading.Lock()
        self._screener = None
        self._worker_config = None
        self._scratch: str | None = None

    def __getstate__(self):
        return {"policy": self.policy, "roster": self.roster, "config": self.config, "captions": self.captions,
                "copies": self.copies}

    def __setstate__(self, state):
        self.__init__(state["policy"], state["roster"], state["config"], state.get("captions"), state.get("copies"))

    def setup(self, worker) -> None:
        self._scratch = worker.local_directory
        # Dask's statistical profiler (the dashboard's Profile page) walks every thread's stack every
        # 10 ms on the worker's event loop, taking the GIL from the photo being screened; the
        # screening needs none of it. Stopped for the run's worker processes (docs/dask.md also
        # starts workers with it off: DASK_DISTRIBUTED__WORKER__PROFILE__ENABLED=False).
        for name in PROFILER_CALLBACKS:
            callback = getattr(worker, "periodic_callbacks", {}).pop(name, None)
            if callback is not None:
                callback.stop()

    def screener(self):
        """The worker's screen (``candidate, data -> report, image, copy steps``) and its own configuration
        key (photoscreen, models, Tesseract and the policy's values, without the roster), compared with
        ``config``, the coordinator's."""
        with self._lock:
            if self._screener is None:
                self._screener, self._worker_config = load_screener(self.policy, self.roster, self._scratch,
                                                                     self.captions, self.copies)
            return self._screener, self._worker_config


def load_screener(policy: Policy, roster: bytes | None, scratch: str | None, captions: dict[str, str] | None = None,
                  copies: CopiesSpec | None = None):
    from ..screen.photo import Screener

    # one thread per task, like a local worker process: run Dask workers with --nthreads 1 per core
    os.environ["PHOTOSCREEN_THREADS"] = "1"
    os.environ["OMP_THREAD_LIMIT"] = "1"
    import cv2

    cv2.setNumThreads(1)
    if roster is not None:
        # the roster's content travels with the plugin; the worker keeps it in its own scratch
        # folder (Dask's local directory), named by its hash
        folder = Path(scratch or tempfile.gettempdir()) / "photoscreen-roster"
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{hashlib.sha256(roster).hexdigest()[:20]}.csv"
        if not path.is_file() or path.read_bytes() != roster:
            path.write_bytes(roster)
        policy = replace(policy, text=replace(policy.text, roster=str(path)))
    config = config_key(without_roster(policy))
    if copies is None:
        screener = Screener(policy, captions=captions)
        return (lambda candidate, data: (*screener.screen_keep_image(candidate, data=data), [])), config
    from ..redaction.copies import Redactor
    from ..redaction.deferred import DeferredCopies

    # the copies folder is the coordinator's: what the Redactor would do there is kept as steps; the
    # worker's own scratch folder holds only the temporaries a video's copy is encoded into
    folder = DeferredCopies(Path(scratch or tempfile.gettempdir()) / "photoscreen-copies", copies.name_max,
                            MAX_RETURNED_COPY_BYTES)
    # the batch owns its copies folder: a changed photo's copy replaces the old one (as batch.py's workers)
    redactor = Redactor(policy, folder.root, overwrite=True, captions=captions, folder=folder, config=copies.config)

    def redact(candidate: Candidate, data: bytes | None):
        folder.take()  # nothing left over from a photo that failed half-way
        report, image = redactor.redact_keep_image(candidate, data=data)
        return report, image, folder.take()

    return redact, config


def without_roster(policy: Policy) -> Policy:
    """The policy with no roster file: the key of what a worker has installed (photoscreen, models,
    Tesseract) and the policy's values; the roster's content travels with the plugin."""
    return replace(policy, text=replace(policy.text, roster=""))


def screen_task(plugin_name: str, path: str, rel: str, data: bytes | None, sha256: str, copy: str | None = None) -> dict:
    """One photo on a Dask worker: the record, the thumbnail (name and bytes) and who screened it.
    ``path`` is absolute; ``sha256`` is the content the coordinator sees there (or sent, ``data``): a
    worker that reads other bytes, or cannot read the file, returns that instead of a record.
    ``copy``: the name of its safe copy (``--redact-to``); the copy's steps come back in ``copies``.
    Writes nothing: the coordinator writes the thumbnail, the copy and the state."""
    from distributed import get_worker

    worker = get_worker()
    try:
        plugin = worker.plugins[plugin_name]
        screener, worker_config = plugin.screener()
        if worker_config != plugin.config:
            return {"mismatch": worker_config, "worker": worker.address}
        candidate = Candidate(Path(path), rel, copy)
        try:
            if is_video_path(candidate.path):  # read from its path by the screen (too big to send)
                found = file_sha256(candidate.path, plugin.policy.video.max_file_bytes)
            else:
                if data is None:  # screened from these very bytes: what is hashed is what is screened
                    data = read_regular_file(candidate.path, plugin.policy.general.max_file_bytes)
                found = hashlib.sha256(data).hexdigest()
        except LoadError as exc:
            return {"unreadable": str(exc), "worker": worker.address}
        if found != sha256:
            return {"other_bytes": found, "worker": worker.address}
        with _SCREEN_LOCK:  # a Screener is one photo at a time (Tesseract's API is not thread-safe)
            report, image, steps = screener(candidate, data)
            # a video is read again by the screen: it may have changed since it was hashed
            if report.sha256 != sha256 and (report.sha256 is not None or report.verdict is not Verdict.ERROR):
                return {"other_bytes": report.sha256, "worker": worker.address}
            thumb = thumb_data = None
            if image is not None and report.verdict is not Verdict.ERROR:
                thumb = thumbnail_name(image.sha256, report.findings)
                thumb_data = photo_thumbnail(image, report.findings)
    except Exception as exc:
        # fail closed, as a local worker does; returned rather than raised: a failure that would fail
        # again is not retried, and the client never has to unpickle a worker's traceback
        return {"failed": type(exc).__name__, "worker": worker.address}
    return {"record": report.to_dict(), "thumb": thumb, "thumb_data": thumb_data, "copies": steps,
            "worker": worker.address}


_SCREEN_LOCK = threading.Lock()
