"""What a report says about its run: when, which folders, where the safe copies went, which setting
and platform. The review app finds the originals and copies from it; report.html shows it."""

from __future__ import annotations

import os
import platform as host
from datetime import datetime, timezone
from pathlib import Path, PurePosixPath
from typing import Any

from ..i18n import N_, _
from ..policy import Policy

# the policy's settings (general.setting) and the platform that asks for no shape, as a person reads
# them on report.html and in the review app (the report itself keeps the names)
SETTING_LABELS = {"classroom": N_("classroom"), "public_event": N_("public event")}
ANY_PLATFORM = N_("any (no shape check)")


def setting_label(name: str) -> str:
    """A setting in the language in use (a name we do not know as it is)."""
    return _(SETTING_LABELS[name]) if name in SETTING_LABELS else name


def platform_label(name: str) -> str:
    """A platform as shown: its name (Instagram, Facebook, ... are names), "any" in the language in use."""
    return _(ANY_PLATFORM) if name == "any" else name


def input_labels(roots: list[Path]) -> list[str]:
    """How the report names each root: nothing for a single folder, the file name for a single file;
    with several roots, each one's path from the folder that holds them all, so that two inputs
    called ``photos`` (or two files called ``x.jpg``) never share a name in the report."""
    if len(roots) == 1:
        return ["" if roots[0].is_dir() else roots[0].name]
    real = [Path(os.path.realpath(r)) for r in roots]
    common = Path(os.path.commonpath([r.parent for r in real]))
    return [r.relative_to(common).as_posix() if r != common else r.name for r in real]


def run_info(inputs: list[Path], copies: Path | None, policy: Policy) -> dict[str, Any]:
    """The report's ``run`` object: inputs with the label their rows carry (``input_labels``)."""
    return {
        "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "inputs": [{"label": label, "path": os.path.realpath(p)} for p, label in zip(inputs, input_labels(inputs))],
        "copies": os.path.realpath(copies) if copies else None,
        "setting": policy.general.setting,
        "platform": policy.platform.name,
        "host": f"{host.system()} {host.machine()}",
    }


def source_of(rel: str, run: dict[str, Any] | None) -> tuple[Path, str] | None:
    """The input folder (or file's folder) and the path inside it of the original behind a row, or
    None when the report does not say (an older report, a renamed duplicate "x (2).jpg")."""
    for item in (run or {}).get("inputs", []):
        root, label = Path(item["path"]), item["label"]
        if not label:
            return root, rel
        if rel == label and not root.is_dir():
            return root.parent, root.name
        if rel.startswith(label + "/") and root.is_dir():
            return root, str(PurePosixPath(rel).relative_to(label))
    return None


def report_policy(document: dict[str, Any]) -> Policy:
    """The default policy at the report's setting and platform: enough to decide its rows again."""
    from ..policy import load_policy

    run = document.get("run") or {}
    setting = run.get("setting") or (document.get("policy") or {}).get("setting") or "classroom"
    return load_policy(None, {"general": {"setting": setting}, "platform": {"name": run.get("platform") or "any"}})
