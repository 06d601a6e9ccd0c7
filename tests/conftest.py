"""Shared fixtures. Real photos come from ../shared/testdata (never copied into the repo);
tests that need them skip with a message saying where they were looked for."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
TESTDATA = Path(os.environ.get("PHOTOSCREEN_TESTDATA", REPO.parent / "shared" / "testdata"))
SAMPLES = REPO / "sample_images"


@pytest.fixture(scope="session")
def testdata() -> Path:
    if not TESTDATA.is_dir():
        pytest.skip(f"shared test photos not found at {TESTDATA} (set PHOTOSCREEN_TESTDATA)")
    return TESTDATA


@pytest.fixture(scope="session")
def policy():
    from pipeline.policy import load_policy

    return load_policy()


def shared_files(sub: str) -> list[Path]:
    """Files under a testdata folder, for parametrising at collection time (empty when absent)."""
    folder = TESTDATA / sub
    return sorted(p for p in folder.rglob("*") if p.is_file()) if folder.is_dir() else []
