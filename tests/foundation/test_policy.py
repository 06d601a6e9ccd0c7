from __future__ import annotations

from pathlib import Path

import pytest

from conftest import REPO
from pipeline.policy import PolicyError, load_policy


def test_defaults_are_valid_and_privacy_first() -> None:
    policy = load_policy()
    assert policy.general.setting == "classroom"
    assert policy.general.max_pixels == 100_000_000
    assert 0 < policy.faces.min_score < 0.5
    assert len(policy.fingerprint()) == 16


def test_user_file_overrides_only_what_it_names(tmp_path: Path) -> None:
    path = tmp_path / "p.toml"
    path.write_text('[general]\nsetting = "public_event"\n[faces]\nmin_score = 0.3\n')
    policy = load_policy(path)
    assert policy.general.setting == "public_event" and policy.faces.min_score == 0.3
    assert policy.faces.posting_width == 1080
    assert policy.fingerprint() != load_policy().fingerprint()


@pytest.mark.parametrize("text, message", [
    ('[general]\nsettting = "classroom"\n', "unknown key"),
    ('[gneral]\nsetting = "classroom"\n', "unknown policy section"),
    ('[general]\nsetting = "party"\n', "must be one of"),
    ('[faces]\nmin_score = "high"\n', "must be float"),
    ('[faces]\nmin_score = 1.5\n', "between 0 and 1"),
    ('[faces]\ncandidate_min_score = 0.0\n', "between 0 and 1"),
    ('[faces]\ncloser_min_score = 1.0\n', "between 0 and 1"),
    ('[general]\nmax_pixels = true\n', "must be int"),
    ('[general\n', "not valid TOML"),
])
def test_bad_policy_is_refused_with_a_message(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "p.toml"
    path.write_text(text)
    with pytest.raises(PolicyError, match=message):
        load_policy(path)


def test_every_default_is_documented() -> None:
    """Each key in the default policy has a comment right above it giving its reason."""
    lines = (REPO / "pipeline" / "default_policy.toml").read_text().splitlines()
    for i, line in enumerate(lines):
        if "=" in line and not line.startswith("#"):
            assert lines[i - 1].startswith("#"), f"undocumented policy key: {line}"


def test_a_policy_with_a_line_in_another_encoding_is_refused_with_its_line(tmp_path: Path) -> None:
    path = tmp_path / "p.toml"
    path.write_bytes('[captions]\nextra_populations = ["élèves à besoins particuliers"]\n'.encode("utf-8") +
                     'official_handles = ["@ecole_montréal"]\n'.encode("cp1252"))
    with pytest.raises(PolicyError, match="line 3: not UTF-8") as caught:
        load_policy(path)
    assert str(path) in str(caught.value)


def test_a_utf8_byte_order_mark_is_allowed(tmp_path: Path) -> None:
    path = tmp_path / "p.toml"
    path.write_text('[captions]\nextra_populations = ["élèves à besoins particuliers"]\n', encoding="utf-8-sig")
    assert load_policy(path).captions.extra_populations == ("élèves à besoins particuliers",)


def test_a_policy_that_is_a_fifo_is_refused_without_reading_it(tmp_path: Path, fifo_offering) -> None:
    fifo = fifo_offering(tmp_path / "p.toml", b'[general]\nsetting = "public_event"\n')
    with pytest.raises(PolicyError, match="FIFO"):
        load_policy(fifo)  # before: blocked until a writer came, then read it
