"""`batch --scheduler`: a real Dask scheduler and two workers on 127.0.0.1 (the `dask` commands, in
subprocesses). One worker is killed mid-run and every row still comes back with the local run's
verdicts; a photo on which workers die every time becomes an error row; --send-files gives the same
records. Workers read each photo at its absolute path and check its content against the
coordinator's hash (a worker with another working folder, or another file at the same path, gives
error rows, never ok); an address that is not a Dask scheduler's is a one-line usage error, at once.
With --redact-to the workers make the safe copies and the coordinator writes them: the same rows and
copies as a local run."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from contextlib import contextmanager
from pathlib import Path

import pytest
from typer.testing import CliRunner

from conftest import SAMPLES, TESTDATA
from pipeline.runs.batch import run_batch
from pipeline.cli import app
from test_batch import _rows

pytest.importorskip("distributed")

BIN = Path(sys.executable).parent
SAMPLE_PHOTOS = ["astronaut.heic", "classroom_composite.jpg", "landscape_coffee.jpg", "sideways_notice.jpg",
                 "truncated.jpg"]
SHARED_PHOTOS = ["faces_annotated/11_Meeting_Meeting_11_Meeting_Meeting_11_176.jpg",
                 "people_scenes"]  # a folder: its first photo
CRASHER = "b_crashes_workers.jpg"
# Test-side fault injection, loaded into each worker with `dask worker --preload`: the real task,
# except that screening CRASHER ends the worker process, as a crash in a native decoder would.
CRASH_HOOK = f"""
import os
import pipeline.runs.dask_worker as executor


def screen_task(plugin_name, path, rel, data, sha256, copy=None, real=executor.screen_task):
    if rel.endswith({CRASHER!r}):
        os._exit(1)
    return real(plugin_name, path, rel, data, sha256, copy)

if not hasattr(executor.screen_task, "crashes"):  # Dask runs a preload module twice in a worker
    screen_task.crashes = True
    executor.screen_task = screen_task
"""


def _photos(folder: Path) -> list[str]:
    folder.mkdir(parents=True)
    for name in SAMPLE_PHOTOS:
        shutil.copy(SAMPLES / name, folder / name)
    shutil.copy(SAMPLES / "portrait_cat.jpg", folder / CRASHER)
    for rel in SHARED_PHOTOS:
        source = TESTDATA / rel
        if source.is_dir():
            source = next(iter(sorted(source.glob("*.jpg"))), None)
        if source is not None and source.is_file():
            shutil.copy(source, folder / f"shared_{source.name}")
    return sorted(p.name for p in folder.iterdir())


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    """A scheduler (a photo may see one worker die and be retried; a second death fails it) and
    two single-thread workers under nannies, which restart a worker that dies."""
    from pipeline.runs.dask_executor import local_cluster

    tmp = tmp_path_factory.mktemp("dask")
    (tmp / "crash_hook.py").write_text(CRASH_HOOK)
    with local_cluster(2, tmp, preload=tmp / "crash_hook.py",
                       env={"DASK_DISTRIBUTED__SCHEDULER__ALLOWED_FAILURES": "1",
                            # as a district's workers started without docs/dask.md's setting: the
                            # run itself must stop Dask's profiler on them
                            "DASK_DISTRIBUTED__WORKER__PROFILE__ENABLED": "True"}) as address:
        yield address


def _strip(records: list[dict]) -> dict[str, dict]:
    return {r["path"]: {k: v for k, v in r.items() if k != "seconds"} for r in records}


@pytest.mark.slow
def test_a_worker_killed_mid_run_loses_no_photo_and_a_crashing_photo_is_an_error(tmp_path, policy, cluster):
    from distributed import Client

    photos = tmp_path / "photos"
    names = _photos(photos)
    local = _strip(run_batch(photos, tmp_path / "local", policy, workers=1).records)
    out = tmp_path / "out"
    command = [str(BIN / "photoscreen"), "batch", str(photos), "--out", str(out), "--scheduler", cluster,
               "--no-progress"]
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "OMP_NUM_THREADS": "1"})
    with Client(cluster, timeout=30) as client:
        deadline = time.monotonic() + 120
        while len(_rows(out / "state.sqlite")) < 2 and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        assert proc.poll() is None, "the run should still be going when a worker is killed"
        # a worker the crashing photo has just ended may still be listed: ask those that answer
        pids: dict = {}
        while not pids and time.monotonic() < deadline:
            pids = client.run(os.getpid, on_error="ignore")
        victim = sorted(pids.values())[0]
        os.kill(victim, signal.SIGKILL)  # the worker process itself; its nanny starts a new one
    stdout, stderr = proc.communicate(timeout=300)
    assert proc.returncode == 3, stdout + stderr  # truncated.jpg and the crashing photo are errors
    report = json.loads((out / "report.json").read_text())
    dask = _strip(report["images"])
    assert sorted(dask) == names, "every photo has its row"
    crashed = dask.pop(CRASHER)
    assert crashed["verdict"] == "error" and "crashed the Dask workers" in crashed["error"]
    del local[CRASHER]
    assert dask == local, "the same records as a local run"
    assert "Dask workers" in stdout and int(stdout.split(" Dask workers")[0].rsplit(" ", 1)[1]) >= 2
    log = (out / "photoscreen.log").read_text()
    assert "trying it once more" in log and "dask scheduler" in log
    thumbs = {p.name for p in (out / "thumbs").iterdir()}  # written by the coordinator from the workers' bytes
    assert thumbs < {p.name for p in (tmp_path / "local" / "thumbs").iterdir()}
    assert len(thumbs) == sum(1 for r in dask.values() if r["verdict"] != "error")

    # --send-files: the coordinator reads the photos and sends their bytes; the same records
    few = tmp_path / "few"
    few.mkdir()
    for name in ("astronaut.heic", "classroom_composite.jpg", "truncated.jpg"):
        shutil.copy(photos / name, few / name)
    result = CliRunner().invoke(app, ["batch", str(few), "--out", str(tmp_path / "sent"), "--scheduler", cluster,
                                      "--send-files", "--no-progress"])
    assert result.exit_code == 3, result.output
    sent = _strip(json.loads((tmp_path / "sent" / "report.json").read_text())["images"])
    assert sent == {name: local[name] for name in sent} and len(sent) == 3
    with Client(cluster, timeout=30) as client:  # the run stopped Dask's stack sampler on every worker
        profiling = client.run(lambda dask_worker: sorted(set(dask_worker.periodic_callbacks) & {"profile"}))
    assert profiling and all(found == [] for found in profiling.values()), profiling


def test_options_that_do_not_go_together_are_usage_errors(tmp_path) -> None:
    runner = CliRunner()
    alone = runner.invoke(app, ["batch", str(SAMPLES), "--out", str(tmp_path / "o"), "--send-files"])
    assert alone.exit_code == 2 and "--scheduler" in alone.output
    assert not (tmp_path / "o").exists()


# --- safe copies made on the cluster, written by the coordinator ----------------------------------

def _copies(folder: Path) -> dict[str, str]:
    """The SHA-256 of every file in a copies folder but the manifest and our temporaries."""
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest() for p in folder.rglob("*")
            if p.is_file() and p.name != ".photoscreen-copies.sqlite" and ".photoscreen-tmp" not in p.parts}


def _manifest(folder: Path) -> set[tuple]:
    import sqlite3

    with sqlite3.connect(folder / ".photoscreen-copies.sqlite") as db:
        return set(db.execute("SELECT rel, sha256, source_sha256, config, source FROM copies"))


@pytest.mark.slow
def test_copies_made_on_the_cluster_are_the_local_runs_and_a_crashing_photo_is_an_error(tmp_path, policy,
                                                                                        cluster) -> None:
    """issue 41: `batch --redact-to --scheduler` gives the rows and the copies (bytes, manifest) of a local
    run with 2 workers, photos and a video; a file of the user's at a copy's place is left and its photo
    an error row in both; a photo that crashes the workers is an error row, not a lost photo; the same
    with --send-files; a second run screens only the error rows again and keeps every copy as it is."""
    from scripts.samples.test_clip import make_clip

    photos = tmp_path / "photos"
    photos.mkdir()
    for name in ["classroom_composite.jpg", "landscape_coffee.jpg", "astronaut.heic", "truncated.jpg",
                 "sideways_notice.jpg"]:
        shutil.copy(SAMPLES / name, photos / name)
    shutil.copy(SAMPLES / "portrait_cat.jpg", photos / CRASHER)
    make_clip(SAMPLES / "classroom_composite.jpg", photos / "clip.mp4", 1.0, 4, (320, 180))
    runs = {}
    for kind in ("local", "dask"):
        copies = tmp_path / f"copies-{kind}"
        copies.mkdir()
        (copies / "sideways_notice.jpg").write_bytes(b"the user's own file")  # never replaced
        runs[kind] = run_batch(photos, tmp_path / f"out-{kind}", policy, workers=2, redact_to=copies,
                               scheduler=cluster if kind == "dask" else None)
    local, dask = _strip(runs["local"].records), _strip(runs["dask"].records)
    crashed = dask.pop(CRASHER)
    assert crashed["verdict"] == "error" and "crashed the Dask workers" in crashed["error"], crashed
    del local[CRASHER]
    assert dask == local, "the same rows as a local run"
    assert local["clip.mp4"]["redaction"]["output"] == "clip.mp4" and local["classroom_composite.jpg"]["redaction"]
    assert local["sideways_notice.jpg"]["verdict"] == "error" and local["truncated.jpg"]["verdict"] == "error"
    made_here = _copies(tmp_path / "copies-local")
    made_there = _copies(tmp_path / "copies-dask")
    assert made_there == {k: v for k, v in made_here.items() if k != CRASHER}, "byte for byte the local copies"
    assert (tmp_path / "copies-dask" / "sideways_notice.jpg").read_bytes() == b"the user's own file"
    assert _manifest(tmp_path / "copies-dask") == {row for row in _manifest(tmp_path / "copies-local")
                                                   if row[0] != CRASHER}

    # the command, with --send-files: the photos' bytes travel from here; the video is read by the worker
    sent = tmp_path / "copies-sent"
    result = CliRunner().invoke(app, ["batch", str(photos), "--out", str(tmp_path / "out-sent"), "--redact-to",
                                      str(sent), "--scheduler", cluster, "--send-files", "--no-progress",
                                      "--state", str(tmp_path / "sent.sqlite")])
    assert result.exit_code == 3, result.output  # truncated.jpg and the crashing photo
    rows = _strip(json.loads((tmp_path / "out-sent" / "report.json").read_text())["images"])
    del rows[CRASHER]
    local["sideways_notice.jpg"] = rows["sideways_notice.jpg"]  # no file of the user's in this folder
    assert rows["sideways_notice.jpg"]["verdict"] != "error"
    assert rows == local
    assert {k: v for k, v in _copies(sent).items() if k != "sideways_notice.jpg"} == \
        {k: v for k, v in made_here.items() if k not in (CRASHER, "sideways_notice.jpg")}

    # resumed as a local batch is: only the error rows are screened again, every copy is kept
    def written() -> dict[str, int]:
        return {rel: (sent / rel).stat().st_mtime_ns for rel in _copies(sent)}

    before = written()
    again = run_batch(photos, tmp_path / "out-sent", policy, redact_to=sent, scheduler=cluster, send_files=True,
                      state_path=tmp_path / "sent.sqlite")
    assert again.screened == 2 and again.reused == len(rows) - 1, (again.screened, again.reused)  # truncated, crasher
    assert written() == before and len(before) == len(rows) - 1


# --- the worker reads what the coordinator sees, or says it does not ------------------------------

FACES = {"class.jpg": "classroom_composite.jpg", "portrait.jpg": "exif_rotated_portrait.jpg"}  # both block
CLEAN = {"class.jpg": "landscape_coffee.jpg", "portrait.jpg": "portrait_cat.jpg"}  # both ok


def _fill(folder: Path, sources: dict[str, str]) -> dict[str, str]:
    """Copies of sample photos under the given names; their SHA-256 by name."""
    folder.mkdir(parents=True)
    for name, source in sources.items():
        shutil.copy(SAMPLES / source, folder / name)
    return {name: hashlib.sha256((folder / name).read_bytes()).hexdigest() for name in sources}


@contextmanager
def _scheduler_and_worker(folder: Path, cwd: Path, prefix: tuple[str, ...] = ()):
    """A scheduler of its own and one worker started in ``cwd`` (its working folder), under
    ``prefix`` (a command that runs it, e.g. in another mount namespace); yields the address."""
    from distributed import Client

    from pipeline.runs.dask_executor import local_cluster

    folder.mkdir()
    with local_cluster(0, folder) as address:
        worker = subprocess.Popen([*prefix, str(BIN / "dask"), "worker", address, "--host", "127.0.0.1", "--nthreads",
                                   "1", "--memory-limit", "0", "--no-dashboard", "--no-nanny"], cwd=cwd,
                                  env={**os.environ, "OMP_NUM_THREADS": "1",
                                       "DASK_DISTRIBUTED__WORKER__PROFILE__ENABLED": "False"},
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        try:
            with Client(address, timeout=30, set_as_default=False) as client:
                client.wait_for_workers(1, timeout=120)
            yield address
        finally:
            os.killpg(worker.pid, signal.SIGKILL)
            worker.wait()


def _batch(root: str, out: Path, address: str, *extra: str):
    result = CliRunner().invoke(app, ["batch", root, "--out", str(out), "--scheduler", address, "--no-progress",
                                      *extra])
    rows = {r["path"]: r for r in json.loads((out / "report.json").read_text())["images"]}
    return result, rows


@pytest.mark.slow
def test_a_relative_root_is_read_by_workers_with_another_working_folder_where_the_coordinator_sees_it(
        tmp_path, monkeypatch) -> None:
    """issue 36: `batch s11/photos` with a worker started in another folder holding clean photos of
    the same relative names came back ok: the worker read its own s11/photos."""
    here, there = tmp_path / "coordinator", tmp_path / "worker"
    hashes = _fill(here / "s11" / "photos", FACES)
    _fill(there / "s11" / "photos", CLEAN)
    with _scheduler_and_worker(tmp_path / "dask", there) as address:
        monkeypatch.chdir(here)
        result, rows = _batch("s11/photos", tmp_path / "out", address)
    assert result.exit_code == 1, result.output
    assert {name: row["verdict"] for name, row in rows.items()} == {name: "block" for name in FACES}
    assert {name: row["sha256"] for name, row in rows.items()} == hashes, "the coordinator's files were screened"


def _unshare_mount_works(tmp_path: Path) -> bool:
    a, b = tmp_path / "probe_a", tmp_path / "probe_b"
    a.mkdir()
    b.mkdir()
    (b / "f").write_text("b")
    try:
        done = subprocess.run(["unshare", "-m", "sh", "-c", 'mount --bind "$0" "$1" && cat "$1/f"', str(b), str(a)],
                              capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return done.returncode == 0 and done.stdout == "b"


def test_a_worker_that_reads_other_bytes_at_the_same_path_gives_error_rows_never_ok(tmp_path) -> None:
    """A worker that sees an older mirror at the photos' absolute path (its own mount namespace, a bind
    mount of the mirror over the folder): every row is an error naming the mismatch, never ok. With
    --send-files the photos' bytes travel and are screened (block), but a video is read from the
    share by the worker, so it is an error too."""
    if not _unshare_mount_works(tmp_path):
        pytest.skip("needs `unshare -m` and `mount --bind` (root, or a kernel with user namespaces)")
    from scripts.samples.test_clip import make_clip

    photos, mirror = tmp_path / "photos", tmp_path / "mirror"
    _fill(photos, FACES)
    _fill(mirror, CLEAN)
    make_clip(SAMPLES / "classroom_composite.jpg", photos / "clip.mp4", 1.0, 4, (320, 180))
    make_clip(SAMPLES / "landscape_coffee.jpg", mirror / "clip.mp4", 1.0, 4, (320, 180))
    prefix = ("unshare", "-m", "sh", "-c", 'mount --bind "$0" "$1" && shift && exec "$@"', str(mirror), str(photos))
    with _scheduler_and_worker(tmp_path / "dask", tmp_path, prefix) as address:
        result, rows = _batch(str(photos), tmp_path / "out", address)
        assert result.exit_code == 3, result.output
        assert {name: row["verdict"] for name, row in rows.items()} == dict.fromkeys([*FACES, "clip.mp4"], "error")
        for name, row in rows.items():
            assert "read another file at" in row["error"] and str(photos / name) in row["error"], row["error"]

        sent, rows = _batch(str(photos), tmp_path / "sent", address, "--send-files")
    assert sent.exit_code == 3, sent.output
    verdicts = {name: row["verdict"] for name, row in rows.items()}
    assert verdicts == {**dict.fromkeys(FACES, "block"), "clip.mp4": "error"}
    assert "read another file at" in rows["clip.mp4"]["error"] and "--send-files" in rows["clip.mp4"]["error"]


# --- every network wait is bounded ---------------------------------------------------------------

@pytest.fixture(scope="module")
def web_server(tmp_path_factory):
    """`python -m http.server` on 127.0.0.1: it accepts a connection and waits for an HTTP request."""
    folder = tmp_path_factory.mktemp("web")
    proc = subprocess.Popen([sys.executable, "-u", "-m", "http.server", "0", "--bind", "127.0.0.1"], cwd=folder,
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, start_new_session=True)
    try:
        line = proc.stdout.readline()  # "Serving HTTP on 127.0.0.1 port 40123 (http://127.0.0.1:40123/) ..."
        yield int(line.split(" port ")[1].split()[0])
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


@pytest.fixture(scope="module")
def garbage_server():
    """A port that answers every connection with bytes that are not Dask's (read as Dask's framing, they
    announce a message of exabytes)."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()

    def serve() -> None:
        while True:
            try:
                conn, _ = server.accept()
            except OSError:
                return
            with conn:
                conn.sendall(b"HTTP/1.0 400 Bad Request\r\n\r\nnot dask")

    threading.Thread(target=serve, daemon=True).start()
    yield server.getsockname()[1]
    server.close()


@pytest.mark.parametrize("case", ["web server", "garbage", "http scheme", "unparsable"])
def test_an_address_that_is_not_a_dask_scheduler_is_a_one_line_usage_error_without_a_wait(
        case, tmp_path, web_server, garbage_server) -> None:
    """issue 36: --scheduler on a web server's port did not finish in 300 s; on a port answering garbage
    it failed with an internal error; http://... and tcp://[:: gave the right message, then waited
    60 s and printed a traceback (Client.__del__) before exiting 3."""
    from pipeline.runs.dask_executor import HANDSHAKE_TIMEOUT_S

    address, said = {"web server": (f"tcp://127.0.0.1:{web_server}", "no Dask handshake within"),
                     "garbage": (f"tcp://127.0.0.1:{garbage_server}", "its answer is not Dask's"),
                     "http scheme": (f"http://127.0.0.1:{web_server}", "Dask does not speak http://"),
                     "unparsable": ("tcp://[::", "not an address")}[case]
    start = time.monotonic()
    proc = subprocess.run([str(BIN / "photoscreen"), "batch", str(SAMPLES), "--out", str(tmp_path / "out"),
                           "--scheduler", address, "--no-progress"], capture_output=True, text=True, timeout=120,
                          env={**os.environ, "OMP_NUM_THREADS": "1"})
    seconds = time.monotonic() - start
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert said in proc.stderr and proc.stderr.count("\n") == 1 and "Traceback" not in proc.stderr, proc.stderr
    assert proc.stderr.startswith("error: ") and address in proc.stderr
    assert seconds < HANDSHAKE_TIMEOUT_S + 20, seconds  # the start-up of photoscreen, and the handshake's wait


@pytest.mark.slow
@pytest.mark.parametrize("how", ["killed", "stopped"])
def test_a_scheduler_lost_or_silent_mid_run_stops_it_with_one_line_and_keeps_what_finished(
        how, tmp_path, monkeypatch) -> None:
    """A scheduler killed mid-run made the run fail as photoscreen's own error (exit 4, Dask's
    FuturesCancelledError over five lines); a scheduler that stops answering (SIGSTOP: its
    connection stays open) made it wait for ever, deaf to SIGTERM too. Both are now exit 3 with one
    line, within Dask's reconnection time or ANSWER_TIMEOUT_S (shortened here), and keep the rows
    that finished."""
    from distributed import Client

    import pipeline.runs.dask_executor as executor

    monkeypatch.setattr(executor, "CONNECT_TIMEOUT_S", 5)  # also the client's reconnection time
    monkeypatch.setattr(executor, "ANSWER_TIMEOUT_S", 5)
    photos = tmp_path / "photos"
    photos.mkdir()
    for i in range(8):
        shutil.copy(SAMPLES / "classroom_composite.jpg", photos / f"p{i}.jpg")
    out = tmp_path / "out"
    with _scheduler_and_worker(tmp_path / "dask", tmp_path) as address:
        with Client(address, timeout=30, set_as_default=False) as client:
            scheduler_pid = client.run_on_scheduler(os.getpid)
        hit: list[float] = []

        def strike() -> None:
            deadline = time.monotonic() + 120
            while not _rows(out / "state.sqlite") and time.monotonic() < deadline:
                time.sleep(0.05)
            os.kill(scheduler_pid, signal.SIGKILL if how == "killed" else signal.SIGSTOP)
            hit.append(time.monotonic())

        striker = threading.Thread(target=strike, daemon=True)
        striker.start()
        result = CliRunner().invoke(app, ["batch", str(photos), "--out", str(out), "--scheduler", address,
                                          "--no-progress"])
        ended = time.monotonic()
        striker.join(5)
    said = "lost the connection to the Dask scheduler" if how == "killed" else "did not answer for 5 s"
    assert result.exit_code == 3 and said in result.output, result.output
    assert "Traceback" not in result.output and result.output.count("\n") == 1, result.output
    assert hit and ended - hit[0] < 5 + 25, ended - hit[0]
    kept = _rows(out / "state.sqlite")
    assert 1 <= len(kept) < 8, kept
