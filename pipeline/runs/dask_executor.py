"""The nightly batch on an existing Dask cluster (``photoscreen batch ... --scheduler tcp://HOST:8786``).

The coordinator (the ``photoscreen batch`` process) walks the folder, decides what to screen and
keeps the SQLite state, the reports and the thumbnails, exactly as in a local run: only it writes.
Dask workers screen: each loads the models once (the first photo it gets, through the
``photoscreen`` worker plugin registered for the run) and returns the photo's report record and its
thumbnail's bytes. Photos are read by the workers from the same path as on the coordinator (the
share mounted at the same place everywhere), or sent by the coordinator with ``--send-files``.

A worker that dies mid-photo loses nothing: the scheduler gives its photos to another worker. A
photo on which workers die again and again (``distributed.scheduler.allowed-failures``, 3 by
default) comes back as ``KilledWorker`` and becomes an ``error`` row, never an endless retry.

No more than a few photos per worker thread are submitted at a time, so the coordinator holds only
those (and, with ``--send-files``, only their bytes) in memory, and a run that is stopped leaves
little work on the cluster; what it leaves is cancelled.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Callable, Iterable

from distributed import WorkerPlugin

from .work import ClusterError, error_record, thumbnail_name
from ..screen.photo import config_key
from ..report.contact_sheet import photo_thumbnail
from ..findings import Verdict
from ..i18n import _
from ..media.loader import LoadError, read_regular_file
from ..owned import OwnedFolder
from ..policy import Policy
from ..report.document import printable
from ..screen.photo import Candidate

log = logging.getLogger("photoscreen.batch")

PLUGIN_PREFIX = "photoscreen-"
# photos submitted per worker thread at a time: enough to keep every thread busy while results travel
IN_FLIGHT_PER_THREAD = 2
CONNECT_TIMEOUT_S = 30
# a cluster with no worker at all for this long stops the run (the state keeps what finished)
NO_WORKER_LIMIT_S = 600
# the worker's periodic callbacks of Dask's statistical profiler (distributed.worker.profile)
PROFILER_CALLBACKS = ("profile", "profile-cycle")


# --- worker side ----------------------------------------------------------------------------------

class PhotoscreenPlugin(WorkerPlugin):
    """Carries the run's policy (and the roster's content, so that workers need no copy of it) to
    every worker, present and joining later. The models are loaded on first use, in a worker
    thread, once per worker process and configuration."""

    def __init__(self, policy: Policy, roster: bytes | None, config: str,
                 captions: dict[str, str] | None = None) -> None:
        self.policy = policy  # the coordinator's; the worker keeps the roster's content in its own file
        self.roster = roster
        self.config = config
        self.captions = captions or {}  # the posts' texts by report path (``batch --captions``)
        self._lock = threading.Lock()
        self._screener = None
        self._worker_config = None
        self._scratch: str | None = None

    def __getstate__(self):
        return {"policy": self.policy, "roster": self.roster, "config": self.config, "captions": self.captions}

    def __setstate__(self, state):
        self.__init__(state["policy"], state["roster"], state["config"], state.get("captions"))

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
        """The worker's Screener and its own configuration key (photoscreen, models, Tesseract and the
        policy's values, without the roster), compared with ``config``, the coordinator's."""
        with self._lock:
            if self._screener is None:
                self._screener, self._worker_config = _load_screener(self.policy, self.roster, self._scratch,
                                                                     self.captions)
            return self._screener, self._worker_config


def _load_screener(policy: Policy, roster: bytes | None, scratch: str | None, captions: dict[str, str] | None = None):
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
    return Screener(policy, captions=captions), config_key(_without_roster(policy))


def _without_roster(policy: Policy) -> Policy:
    """The policy with no roster file: the key of what a worker has installed (photoscreen, models,
    Tesseract) and the policy's values; the roster's content travels with the plugin."""
    return replace(policy, text=replace(policy.text, roster=""))


def screen_task(plugin_name: str, path: str, rel: str, data: bytes | None) -> dict:
    """One photo on a Dask worker: the record, the thumbnail (name and bytes) and who screened it.
    Writes nothing: the coordinator writes the thumbnail and the state."""
    from distributed import get_worker

    worker = get_worker()
    try:
        screener, worker_config = worker.plugins[plugin_name].screener()
        if worker_config != worker.plugins[plugin_name].config:
            return {"mismatch": worker_config, "worker": worker.address}
        with _SCREEN_LOCK:  # a Screener is one photo at a time (Tesseract's API is not thread-safe)
            report, image = screener.screen_keep_image(Candidate(Path(path), rel), data=data)
            thumb = thumb_data = None
            if image is not None and report.verdict is not Verdict.ERROR:
                thumb = thumbnail_name(image.sha256, report.findings)
                thumb_data = photo_thumbnail(image, report.findings)
    except Exception as exc:
        # fail closed, as a local worker does; returned rather than raised: a failure that would fail
        # again is not retried, and the client never has to unpickle a worker's traceback
        return {"failed": type(exc).__name__, "worker": worker.address}
    return {"record": report.to_dict(), "thumb": thumb, "thumb_data": thumb_data, "worker": worker.address}


_SCREEN_LOCK = threading.Lock()


# --- coordinator side -----------------------------------------------------------------------------

@dataclass
class ClusterRun:
    workers: set[str]  # addresses of the workers that returned results


def _error(rel: str, message: str) -> tuple[dict, None]:
    return error_record(rel, message), None


def _killed_worker_types() -> tuple[type, ...]:
    try:
        from distributed import KilledWorker  # type: ignore[attr-defined]
    except ImportError:  # older releases keep it in the scheduler module only
        from distributed.scheduler import KilledWorker
    return (KilledWorker,)


def connect(address: str):
    """A client of the scheduler at ``address``; ClusterError when it cannot be reached."""
    from distributed import Client

    try:
        return Client(address, timeout=CONNECT_TIMEOUT_S, set_as_default=False)
    except (OSError, TimeoutError, ValueError) as exc:
        raise ClusterError(_("cannot reach the Dask scheduler at {address} ({name}: {exc}); start it "
                             "(`dask scheduler`, see docs/dask.md) or check --scheduler; nothing was "
                             "screened").format(
                               address=address, name=type(exc).__name__, exc=exc)) from None


def screen_on_cluster(address: str, todo: Iterable[tuple[Candidate, int, int]], policy: Policy, config: str,
                      out: OwnedFolder, record: Callable[[Candidate, int, int, dict, str | None], None],
                      send_files: bool = False, captions: dict[str, str] | None = None) -> ClusterRun:
    """Screen ``todo`` on the cluster; ``record`` is called in this thread for each result as it
    arrives (the coordinator saves it at once). Thumbnails are written here, into ``out``.

    A photo whose task ends in KilledWorker is given one more round (a new task): the scheduler
    counts a death against every photo waiting on that worker, not only the one that caused it. That
    round runs alone on the cluster, so a second KilledWorker is the photo's own doing and makes it
    an error row."""
    from distributed import wait

    killed = _killed_worker_types()
    client = connect(address)
    posts = json.dumps(sorted((captions or {}).items()))
    plugin_name = PLUGIN_PREFIX + hashlib.sha256(f"{config}|{posts}".encode()).hexdigest()[:16]
    roster = Path(policy.text.roster).read_bytes() if policy.text.roster else None
    served: set[str] = set()
    inflight: dict = {}  # future -> (candidate, size, mtime, round)
    again: list[tuple[Candidate, int, int, int]] = []
    try:
        client.register_plugin(PhotoscreenPlugin(policy, roster, config_key(_without_roster(policy)), captions),
                               name=plugin_name)
        info = client.nthreads()
        log.info("dask scheduler %s: %d workers, %d threads; photos %s", printable(address), len(info),
                 sum(info.values()), "sent from here" if send_files else "read by the workers from their paths")
        pending = ((candidate, size, mtime, 1) for candidate, size, mtime in todo)
        no_worker_since: float | None = None

        def submit_more() -> None:
            window = max(2, IN_FLIGHT_PER_THREAD * sum(client.nthreads().values()))
            while len(inflight) < window:
                # a photo tried again runs alone on the cluster, once what is in flight is done:
                # should a worker die then, the photo is the cause, and the photos that only shared
                # a worker with one that crashes workers never become error rows themselves
                if any(round_ > 1 for *_, round_ in inflight.values()) or (again and inflight):
                    return
                item = again.pop() if again else next(pending, None)
                if item is None:
                    return
                candidate, size, mtime, _data = item
                data = None
                if send_files:
                    try:
                        data = read_regular_file(candidate.path, policy.general.max_file_bytes)
                    except LoadError as exc:  # unreadable here: an error row, as the loader would say
                        record(candidate, size, mtime, *_error(candidate.rel, str(exc)))
                        continue
                inflight[client.submit(screen_task, plugin_name, str(candidate.path), candidate.rel, data,
                                       pure=False)] = item

        submit_more()
        while inflight:
            try:
                with client.as_current():  # wait() asks for the current client
                    done, _pending = wait(list(inflight), timeout=5, return_when="FIRST_COMPLETED")
            except TimeoutError:
                done = set()
            if not done:
                if client.nthreads():
                    no_worker_since = None
                elif no_worker_since is None:
                    no_worker_since = time.monotonic()
                    log.warning("the Dask cluster has no worker; waiting up to %d s for one", NO_WORKER_LIMIT_S)
                elif time.monotonic() - no_worker_since > NO_WORKER_LIMIT_S:
                    raise ClusterError(_("the Dask cluster at {address} has had no worker for "
                                         "{NO_WORKER_LIMIT_S} s; what finished is kept, run again when "
                                         "workers are up").format(
                                           address=address, NO_WORKER_LIMIT_S=NO_WORKER_LIMIT_S))
                continue
            for future in done:
                candidate, size, mtime, round_ = item = inflight.pop(future)
                if future.status == "error" and isinstance(future.exception(), killed) and round_ == 1:
                    log.warning("%s: Dask workers died while it was screened or waiting; trying it once more",
                                printable(candidate.rel))
                    again.append((candidate, size, mtime, 2))
                    continue
                record(candidate, size, mtime, *_collect(future, candidate, out, killed, served))
            submit_more()
    except BaseException:
        if inflight:
            client.cancel(list(inflight))
        raise
    finally:
        try:
            client.unregister_worker_plugin(plugin_name)
        except Exception:  # the scheduler may be gone; the plugin only holds the policy
            pass
        client.close()
    return ClusterRun(served)


def _collect(future, candidate: Candidate, out: OwnedFolder, killed: tuple[type, ...],
             served: set[str]) -> tuple[dict, str | None]:
    if future.status == "cancelled":
        raise ClusterError(_("the Dask scheduler dropped the run's tasks (restarted?); what finished "
                             "is kept, run again"))
    if future.status == "error":  # the task itself never raises: the worker died, or Dask could not run it
        exc = future.exception()
        if isinstance(exc, killed):
            log.warning("%s: Dask workers died screening it, again and again", printable(candidate.rel))
            return _error(candidate.rel, _("screening crashed the Dask workers it was given to, again and again "
                                           "(damaged file?); the photo was not screened"))
        return _error(candidate.rel, _("screening failed on a Dask worker ({what})").format(what=type(exc).__name__))
    answer = future.result()
    if "mismatch" in answer:
        raise ClusterError(_("the Dask worker {worker} runs another photoscreen, other models or "
                             "another Tesseract ({mismatch}) than this coordinator; install the same "
                             "version on every worker (see docs/dask.md). What finished is kept").format(
                               worker=answer['worker'], mismatch=answer['mismatch']))
    served.add(answer["worker"])
    if "failed" in answer:
        return _error(candidate.rel, _("screening failed on a Dask worker ({what})").format(what=answer["failed"]))
    thumb = answer["thumb"]
    if thumb and answer["thumb_data"] and not out.path(thumb).exists():
        out.write(thumb, answer["thumb_data"])
    return answer["record"], thumb


# --- a cluster on this machine, for the tests and scripts/bench/screen.py ----------------------------

@contextmanager
def local_cluster(workers: int, folder: Path, nanny: bool = True, preload: Path | None = None,
                  env: dict[str, str] | None = None):
    """A scheduler and ``workers`` single-thread workers on 127.0.0.1, started with the ``dask``
    commands beside this Python (as a district would start them), ended on exit; yields the
    scheduler's address. Each runs in its own process group, which is ended with it."""
    import json
    import signal
    import subprocess
    import sys

    from distributed import Client

    dask = str(Path(sys.executable).with_name("dask"))
    env = {**os.environ, "OMP_NUM_THREADS": "1", "DASK_DISTRIBUTED__WORKER__PROFILE__ENABLED": "False",
           **(env or {})}
    file = folder / "scheduler.json"
    quiet = {"env": env, "cwd": folder, "stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL,
             "start_new_session": True}
    started = [subprocess.Popen([dask, "scheduler", "--host", "127.0.0.1", "--port", "0", "--no-dashboard",
                                 "--scheduler-file", str(file)], **quiet)]
    try:
        deadline = time.monotonic() + 60
        while not file.exists() and time.monotonic() < deadline:
            time.sleep(0.1)
        extra = ([] if nanny else ["--no-nanny"]) + (["--preload", str(preload)] if preload else [])
        for _ in range(workers):
            started.append(subprocess.Popen([dask, "worker", "--scheduler-file", str(file), "--host", "127.0.0.1",
                                             "--nthreads", "1", "--memory-limit", "0", "--no-dashboard", *extra],
                                            **quiet))
        address = json.loads(file.read_text())["address"]
        with Client(address, timeout=60, set_as_default=False) as client:
            client.wait_for_workers(workers, timeout=120)
        yield address
    finally:
        for proc in reversed(started):
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            proc.wait()
