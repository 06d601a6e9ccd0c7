"""`batch --scheduler`: a real Dask scheduler and two workers on 127.0.0.1 (the `dask` commands, in
subprocesses). One worker is killed mid-run and every row still comes back with the local run's
verdicts; a photo on which workers die every time becomes an error row; --send-files gives the same
records."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
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
import pipeline.runs.dask_executor as executor


def screen_task(plugin_name, path, rel, data, real=executor.screen_task):
    if rel.endswith({CRASHER!r}):
        os._exit(1)
    return real(plugin_name, path, rel, data)

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
    both = runner.invoke(app, ["batch", str(SAMPLES), "--out", str(tmp_path / "o"), "--scheduler",
                               "tcp://127.0.0.1:1", "--redact-to", str(tmp_path / "safe")])
    assert both.exit_code == 2 and "--redact-to" in both.output
    alone = runner.invoke(app, ["batch", str(SAMPLES), "--out", str(tmp_path / "o"), "--send-files"])
    assert alone.exit_code == 2 and "--scheduler" in alone.output
    assert not (tmp_path / "o").exists() and not (tmp_path / "safe").exists()
