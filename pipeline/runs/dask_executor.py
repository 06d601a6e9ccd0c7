"""The nightly batch on an existing Dask cluster (``photoscreen batch ... --scheduler tcp://HOST:8786``).

The coordinator (the ``photoscreen batch`` process) walks the folder, decides what to screen and
keeps the SQLite state, the reports and the thumbnails, exactly as in a local run: only it writes.
Dask workers screen: each loads the models once (the first photo it gets, through the
``photoscreen`` worker plugin registered for the run) and returns the photo's report record and its
thumbnail's bytes. Photos are read by the workers from the same absolute path as on the coordinator
(the share mounted at the same place everywhere), or sent by the coordinator with ``--send-files``.
Either way the coordinator hashes the file it sees and sends the SHA-256 with the task: a worker
that reads other bytes (another file at that path, an older mirror, a file changed meanwhile)
returns a mismatch instead of a result, and the photo becomes an ``error`` row.

With ``--redact-to`` the workers also make each safe copy and send its bytes back; the coordinator
alone writes it into the copies folder it owns, before it saves the row (``redaction/deferred.py``).

A worker that dies mid-photo loses nothing: the scheduler gives its photos to another worker. A
photo on which workers die again and again (``distributed.scheduler.allowed-failures``, 3 by
default) comes back as ``KilledWorker`` and becomes an ``error`` row, never an endless retry.

No more than a few photos per worker thread are submitted at a time, so the coordinator holds only
those (and, with ``--send-files``, only their bytes) in memory, and a run that is stopped leaves
little work on the cluster; what it leaves is cancelled.

Every wait on the network is bounded: the address is checked before anything is sent, and the
scheduler must answer Dask's handshake and say it is a scheduler within ``HANDSHAKE_TIMEOUT_S``
before a Client is made (a Client on a port that is not Dask's waits for ever, and one that fails
to start leaves a 60 s wait and a traceback at exit).
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import os
import threading
import time
from concurrent.futures import CancelledError
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable


from .work import ClusterError, error_record
from ..screen.photo import config_key
from ..i18n import _
from ..media.loader import LoadError, read_regular_file
from ..media.video import file_sha256, is_video_path
from ..owned import OwnedFolder
from ..policy import Policy
from ..redaction.deferred import copy_config, not_ours, place_refused, replay
from ..report.document import printable
from ..screen.photo import Candidate

log = logging.getLogger("photoscreen.batch")

PLUGIN_PREFIX = "photoscreen-"
# photos submitted per worker thread at a time: enough to keep every thread busy while results travel
IN_FLIGHT_PER_THREAD = 2
CONNECT_TIMEOUT_S = 30  # reaching the scheduler's port (a scheduler being restarted gets this long)
# once connected: Dask's handshake and the scheduler's identity (a scheduler answers in milliseconds;
# a port that is not Dask's, a web server, never does)
HANDSHAKE_TIMEOUT_S = 10
CLOSE_TIMEOUT_S = 10  # closing the client at the end of the run
# any other call to the scheduler during the run, or a result fetched from a worker: a scheduler that
# is stopped (SIGSTOP, a frozen VM) or cut off keeps its connection open and never answers
ANSWER_TIMEOUT_S = 60
# the address schemes a coordinator can reach a scheduler with (inproc is within one process; ucx
# needs packages photoscreen does not install)
SCHEMES = ("tcp", "tls", "ws", "wss")
# a cluster with no worker at all for this long stops the run (the state keeps what finished)
NO_WORKER_LIMIT_S = 600


# --- worker side ----------------------------------------------------------------------------------


from .dask_worker import CopiesSpec, PhotoscreenPlugin, screen_task, without_roster  # noqa: E402


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


class SchedulerAddressError(ClusterError):
    """``--scheduler`` names no Dask scheduler: an address that does not parse, a scheme Dask does not
    speak, or a port where something else answers. A usage error (exit 2), not a cluster that is down."""


def check_address(address: str) -> str:
    """``address`` when it is one a Dask scheduler can have (``tcp://HOST:PORT``; ``HOST:PORT`` is
    tcp), else SchedulerAddressError. Nothing is sent."""
    from distributed.comm import get_address_host_port, parse_address

    def refuse(why: str) -> SchedulerAddressError:
        return SchedulerAddressError(_("--scheduler {address}: {why}; give the Dask scheduler's address as "
                                       "tcp://HOST:PORT (tls://HOST:PORT with TLS), e.g. tcp://10.0.0.5:8786").format(
                                         address=printable(address), why=why))

    scheme, _location = parse_address(address, strict=False)
    if scheme not in SCHEMES:
        raise refuse(_("Dask does not speak {scheme}:// (it speaks {schemes})").format(
            scheme=printable(scheme), schemes=", ".join(f"{s}://" for s in SCHEMES)))
    try:
        host, port = get_address_host_port(address)
    except (ValueError, TypeError) as exc:
        raise refuse(_("not an address ({why})").format(why=printable(str(exc)))) from None
    if not host or any(c.isspace() for c in host) or not 0 < port < 65536:
        raise refuse(_("not an address (host {host}, port {port})").format(host=printable(host or "''"), port=port))
    return address


async def _identity(address: str, connection_args: dict) -> dict:
    """The identity the process at ``address`` gives (``type`` "Scheduler" for a scheduler), each
    step bounded: reaching the port within CONNECT_TIMEOUT_S (OSError: unreachable), then Dask's
    handshake and the answer within HANDSHAKE_TIMEOUT_S (SchedulerAddressError: something else)."""
    from distributed.comm import connect, parse_address
    from distributed.comm.core import FatalCommClosedError
    from distributed.comm.registry import get_backend

    def foreign(why: str) -> SchedulerAddressError:
        return SchedulerAddressError(_("{address} answers, but not as a Dask scheduler ({why}); check --scheduler's "
                                       "host and port (the scheduler's port, 8786 by default, not its dashboard's "
                                       "nor a worker's); nothing was screened").format(
                                         address=printable(address), why=why))

    def not_dask(exc: BaseException) -> SchedulerAddressError:
        return foreign(_("its answer is not Dask's: {what}").format(
            what=printable(f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__)[:200]))

    scheme, location = parse_address(address, strict=False)
    connector = get_backend(scheme).get_connector()
    deadline = time.monotonic() + CONNECT_TIMEOUT_S
    while True:  # reached at all? (refused: a scheduler being restarted; tried again until the deadline)
        try:
            comm = await asyncio.wait_for(connector.connect(location, deserialize=False, **connection_args),
                                          max(0.1, deadline - time.monotonic()))
            comm.abort()
            break
        except FatalCommClosedError as exc:  # a TLS handshake that failed: Dask gives up on it at once too
            raise not_dask(exc) from None
        except (OSError, asyncio.TimeoutError) as exc:
            if time.monotonic() >= deadline:
                while isinstance(exc.__cause__, OSError):  # Dask's CommClosedError wraps the system's error
                    exc = exc.__cause__
                if isinstance(exc, OSError) and str(exc):
                    raise exc from None
                raise TimeoutError(_("no connection within {seconds} s").format(seconds=CONNECT_TIMEOUT_S)) from None
            await asyncio.sleep(min(0.5, max(0.0, deadline - time.monotonic())))
        except Exception as exc:  # connected, but what answers is not Dask (a web page on ws://)
            raise not_dask(exc) from None

    async def ask() -> object:
        # deserialize=False: nothing that answers there is unpickled here
        comm = await connect(address, timeout=HANDSHAKE_TIMEOUT_S, deserialize=False, **connection_args)
        try:
            await comm.write({"op": "identity", "reply": True})
            return await comm.read()
        finally:
            comm.abort()

    try:
        answer = await asyncio.wait_for(ask(), HANDSHAKE_TIMEOUT_S)
    except asyncio.TimeoutError:
        raise foreign(_("no Dask handshake within {seconds} s").format(seconds=HANDSHAKE_TIMEOUT_S)) from None
    except Exception as exc:  # garbage read as Dask's framing: a closed stream, a length of exabytes, ...
        raise not_dask(exc) from None
    kind = answer.get("type") if isinstance(answer, dict) else None
    if kind != "Scheduler":
        raise foreign(_("it says it is a Dask {kind}").format(kind=printable(kind)) if isinstance(kind, str)
                      else _("its answer is not Dask's: {what}").format(what=type(answer).__name__))
    return answer


def connect(address: str):
    """A client of the scheduler at ``address``. SchedulerAddressError when the address is not one or
    what answers there is not a Dask scheduler; ClusterError when it cannot be reached. Every step is
    bounded in time (module docstring)."""
    from distributed import Client
    from distributed.security import Security

    check_address(address)

    def unreachable(exc: BaseException) -> ClusterError:
        return ClusterError(_("cannot reach the Dask scheduler at {address} ({name}: {exc}); start it "
                              "(`dask scheduler`, see docs/dask.md) or check --scheduler; nothing was "
                              "screened").format(address=printable(address), name=type(exc).__name__,
                                                 exc=printable(str(exc))))

    try:
        connection_args = Security().get_connection_args("client")
    except Exception as exc:  # TLS settings that do not load (a missing certificate file)
        raise unreachable(exc) from None
    if address.startswith(("tls://", "wss://")) and not connection_args.get("ssl_context"):
        raise SchedulerAddressError(_("--scheduler {address}: TLS needs this coordinator's certificates in Dask's "
                                      "configuration (distributed.comm.tls.*, see docs/dask.md), and none are "
                                      "set").format(address=printable(address)))
    try:
        asyncio.run(_identity(address, connection_args))
    except OSError as exc:
        raise unreachable(exc) from None
    try:
        return Client(address, timeout=CONNECT_TIMEOUT_S, set_as_default=False)
    except (OSError, TimeoutError, ValueError) as exc:
        raise unreachable(exc) from None


def screen_on_cluster(address: str, todo: Iterable[tuple[Candidate, int, int]], policy: Policy, config: str,
                      out: OwnedFolder, record: Callable[[Candidate, int, int, dict, str | None], None],
                      send_files: bool = False, captions: dict[str, str] | None = None,
                      copies: OwnedFolder | None = None) -> ClusterRun:
    """Screen ``todo`` on the cluster; ``record`` is called in this thread for each result as it
    arrives (the coordinator saves it at once). Thumbnails are written here, into ``out``, and with
    ``copies`` (``--redact-to``) each safe copy the workers make (``candidate.copy``) into ``copies``.

    A photo whose task ends in KilledWorker is given one more round (a new task): the scheduler
    counts a death against every photo waiting on that worker, not only the one that caused it. That
    round runs alone on the cluster, so a second KilledWorker is the photo's own doing and makes it
    an error row."""
    from distributed import wait

    killed = _killed_worker_types()
    client = connect(address)
    silent = False  # the scheduler stopped answering: nothing more is asked of it

    def ask(call: Callable, *args, **kwargs):
        """``call(*args, **kwargs)``, a blocking call of Dask's client, within ANSWER_TIMEOUT_S, else
        ClusterError (the call is left to end in a daemon thread)."""
        nonlocal silent
        box: dict = {}

        def run() -> None:
            try:
                box["value"] = call(*args, **kwargs)
            except BaseException as exc:  # handed to the caller's thread
                box["error"] = exc

        thread = threading.Thread(target=run, name="photoscreen-dask-call", daemon=True)
        thread.start()
        thread.join(ANSWER_TIMEOUT_S)
        if thread.is_alive():
            silent = True
            raise ClusterError(_("the Dask scheduler at {address} did not answer for {seconds} s (stopped, "
                                 "overloaded, or the network cut?); what finished is kept, run again").format(
                                   address=printable(address), seconds=ANSWER_TIMEOUT_S))
        if isinstance(box.get("error"), OSError):  # the scheduler gone mid-call (a connection reset)
            raise lost() from None
        if "error" in box:
            raise box["error"]
        return box["value"]

    def lost() -> ClusterError:
        return ClusterError(_("lost the connection to the Dask scheduler at {address} (Dask tries to reconnect for "
                              "{seconds} s); what finished is kept, run again when it is back").format(
                                address=printable(address), seconds=CONNECT_TIMEOUT_S))

    posts = json.dumps(sorted((captions or {}).items()))
    plugin_name = PLUGIN_PREFIX + hashlib.sha256(f"{config}|{posts}".encode()).hexdigest()[:16]
    roster = Path(policy.text.roster).read_bytes() if policy.text.roster else None
    spec = CopiesSpec(copies.name_max(), copy_config(policy)) if copies is not None else None
    served: set[str] = set()
    inflight: dict = {}  # future -> (candidate, size, mtime, round)
    hashes: dict = {}  # future -> the SHA-256 of the photo as this process read it
    again: list[tuple[Candidate, int, int, int]] = []
    try:
        ask(client.register_plugin, PhotoscreenPlugin(policy, roster, config_key(without_roster(policy)), captions,
                                                      spec), name=plugin_name)
        info = ask(client.nthreads)
        log.info("dask scheduler %s: %d workers, %d threads; photos %s", printable(address), len(info),
                 sum(info.values()), "sent from here" if send_files else "read by the workers from their paths")
        pending = ((candidate, size, mtime, 1) for candidate, size, mtime in todo)
        no_worker_since: float | None = None

        def submit_more() -> None:
            window = max(2, IN_FLIGHT_PER_THREAD * sum(ask(client.nthreads).values()))
            while len(inflight) < window:
                # a photo tried again runs alone on the cluster, once what is in flight is done:
                # should a worker die then, the photo is the cause, and the photos that only shared
                # a worker with one that crashes workers never become error rows themselves
                if any(round_ > 1 for *_, round_ in inflight.values()) or (again and inflight):
                    return
                item = again.pop() if again else next(pending, None)
                if item is None:
                    return
                candidate, size, mtime, _round = item
                # the absolute path: a worker has another working folder than this process
                path = candidate.path.absolute()
                # what a worker cannot see of the copies folder, checked here (as a local worker would)
                refused = copies is not None and (place_refused(copies, candidate, candidate.copy) or
                                                  not_ours(copies, candidate.copy))
                if refused:
                    record(candidate, size, mtime, *_error(candidate.rel, refused))
                    continue
                try:
                    sha256, data = _content(path, policy, send_files)
                except LoadError as exc:  # unreadable here: an error row, as the loader would say
                    record(candidate, size, mtime, *_error(candidate.rel, str(exc)))
                    continue
                future = client.submit(screen_task, plugin_name, str(path), candidate.rel, data, sha256,
                                       copy=candidate.copy, pure=False)
                inflight[future], hashes[future] = item, sha256

        submit_more()
        while inflight:
            try:
                with client.as_current():  # wait() asks for the current client
                    done, _pending = wait(list(inflight), timeout=5, return_when="FIRST_COMPLETED")
            except TimeoutError:
                done = set()
            except CancelledError:  # Dask cancelled the run's tasks: it lost the scheduler, or the scheduler them
                if client.status == "running":
                    raise ClusterError(_("the Dask scheduler dropped the run's tasks (restarted?); what finished "
                                         "is kept, run again")) from None
                raise lost() from None
            if not done:
                if ask(client.nthreads):
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
                candidate, size, mtime, round_ = inflight.pop(future)
                sha256 = hashes.pop(future)
                if future.status == "error" and isinstance(ask(future.exception), killed) and round_ == 1:
                    log.warning("%s: Dask workers died while it was screened or waiting; trying it once more",
                                printable(candidate.rel))
                    again.append((candidate, size, mtime, 2))
                    continue
                record(candidate, size, mtime, *_collect(ask, future, candidate, out, killed, served, sha256,
                                                         send_files, copies))
            submit_more()
    except BaseException:
        # a client that lost the scheduler, or a scheduler that does not answer: nothing to cancel
        if inflight and client.status == "running" and not silent:
            try:
                ask(client.cancel, list(inflight))
            except Exception as exc:  # the error that stops the run is the one to report
                log.warning("cancelling the run's Dask tasks: %s", printable(f"{type(exc).__name__}: {exc}"))
        raise
    finally:
        if client.status == "running" and not silent:
            try:
                ask(client.unregister_worker_plugin, plugin_name)
            except Exception:  # the scheduler may be gone; the plugin only holds the policy
                pass
        try:
            client.close(timeout=CLOSE_TIMEOUT_S)
        except Exception as exc:  # the scheduler is gone: nothing of ours is left to close
            log.warning("closing the Dask client: %s", printable(f"{type(exc).__name__}: {exc}"))
    return ClusterRun(served)


def _content(path: Path, policy: Policy, send_files: bool) -> tuple[str, bytes | None]:
    """The SHA-256 of the file at ``path`` as this process reads it, and its bytes with
    ``send_files``. A video is hashed in pieces and never sent (its size): the workers read it from
    the share. LoadError when it cannot be read here (the loader's own checks and messages)."""
    if is_video_path(path):
        return file_sha256(path, policy.video.max_file_bytes), None
    data = read_regular_file(path, policy.general.max_file_bytes)
    return hashlib.sha256(data).hexdigest(), data if send_files else None


def _collect(ask: Callable, future, candidate: Candidate, out: OwnedFolder, killed: tuple[type, ...],
             served: set[str], sha256: str, send_files: bool,
             copies: OwnedFolder | None = None) -> tuple[dict, str | None]:
    """The row and thumbnail of a finished task, its safe copy written into ``copies``; ``ask`` bounds
    the calls to the cluster."""
    if future.status == "cancelled":
        raise ClusterError(_("the Dask scheduler dropped the run's tasks (restarted?); what finished "
                             "is kept, run again"))
    if future.status == "error":  # the task itself never raises: the worker died, or Dask could not run it
        exc = ask(future.exception)
        if isinstance(exc, killed):
            log.warning("%s: Dask workers died screening it, again and again", printable(candidate.rel))
            return _error(candidate.rel, _("screening crashed the Dask workers it was given to, again and again "
                                           "(damaged file?); the photo was not screened"))
        return _error(candidate.rel, _("screening failed on a Dask worker ({what})").format(what=type(exc).__name__))
    answer = ask(future.result)
    if "mismatch" in answer:
        raise ClusterError(_("the Dask worker {worker} runs another photoscreen, other models or "
                             "another Tesseract ({mismatch}) than this coordinator; install the same "
                             "version on every worker (see docs/dask.md). What finished is kept").format(
                               worker=answer['worker'], mismatch=answer['mismatch']))
    served.add(answer["worker"])
    if "unreadable" in answer or "other_bytes" in answer:
        return _error(candidate.rel, _not_the_same_file(answer, candidate, sha256, send_files))
    if "failed" in answer:
        return _error(candidate.rel, _("screening failed on a Dask worker ({what})").format(what=answer["failed"]))
    result = answer["record"]
    if copies is not None:  # the copy is in its place before its row is saved
        result = replay(copies, answer["copies"], result, candidate.copy)
    thumb = answer["thumb"] if result["verdict"] != "error" else None
    if thumb and answer["thumb_data"] and not out.path(thumb).exists():
        out.write(thumb, answer["thumb_data"])
    return result, thumb


def _not_the_same_file(answer: dict, candidate: Candidate, sha256: str, send_files: bool) -> str:
    """The error row's text for a worker that could not read the photo this coordinator reads, or
    read (or received) other bytes."""
    where, worker = printable(str(candidate.path.absolute())), answer["worker"]
    video = is_video_path(candidate.path)
    if "unreadable" in answer:
        if video:
            return _("the Dask worker {worker} cannot read {path} ({why}), which this coordinator reads: mount the "
                     "photo share at the same path on every worker (videos are read there even with "
                     "--send-files); the video was not screened").format(
                       worker=worker, path=where, why=answer["unreadable"])
        return _("the Dask worker {worker} cannot read {path} ({why}), which this coordinator reads: mount the "
                 "photo share at the same path on every worker, or use --send-files; the photo was not "
                 "screened").format(worker=worker, path=where, why=answer["unreadable"])
    theirs, ours = (answer["other_bytes"] or "-")[:12], sha256[:12]
    if send_files and not video:
        return _("the Dask worker {worker} received other bytes than this coordinator sent (SHA-256 {theirs}... "
                 "there, {ours}... here); the photo was not screened").format(worker=worker, theirs=theirs, ours=ours)
    if video:
        return _("the Dask worker {worker} read another file at {path} than this coordinator sees (SHA-256 "
                 "{theirs}... there, {ours}... here): it does not see the same photo share (an older copy, "
                 "another folder mounted there?) or the video changed meanwhile; mount the share at the same path "
                 "on every worker (videos are read there even with --send-files); the video was not "
                 "screened").format(worker=worker, path=where, theirs=theirs, ours=ours)
    return _("the Dask worker {worker} read another file at {path} than this coordinator sees (SHA-256 "
             "{theirs}... there, {ours}... here): it does not see the same photo share (an older copy, another "
             "folder mounted there?) or the photo changed meanwhile; mount the share at the same path on every "
             "worker, or use --send-files; the photo was not screened").format(
               worker=worker, path=where, theirs=theirs, ours=ours)


# --- a cluster on this machine, for the tests and scripts/bench/screen.py ----------------------------

@contextmanager
def local_cluster(workers: int, folder: Path, nanny: bool = True, preload: Path | None = None,
                  env: dict[str, str] | None = None):
    """A scheduler and ``workers`` (0 or more) single-thread workers on 127.0.0.1, started with the ``dask``
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
        address = None
        while address is None:  # the scheduler writes the file in place: it may be there, and still empty
            try:
                address = json.loads(file.read_text())["address"]
            except (OSError, ValueError, KeyError):
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
        extra = ([] if nanny else ["--no-nanny"]) + (["--preload", str(preload)] if preload else [])
        for _worker in range(workers):
            started.append(subprocess.Popen([dask, "worker", "--scheduler-file", str(file), "--host", "127.0.0.1",
                                             "--nthreads", "1", "--memory-limit", "0", "--no-dashboard", *extra],
                                            **quiet))
        if workers:  # none: a scheduler alone, for workers the caller starts itself
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
