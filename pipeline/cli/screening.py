"""The commands that screen: ``scan``, ``batch`` and ``redact``."""

from __future__ import annotations

import sys
from enum import Enum
from pathlib import Path
from typing import Optional

import typer

from .. import i18n
from .common import (EXIT_ERRORS, EXIT_USAGE, VERBOSE_HELP, app, candidates_or_exit, captions_or_exit,
                     each_with_progress, fail, guarded, Platform, policy_or_exit, printable, progress_bar,
                     regular_file, roots_or_exit, say_linked_folders, Setting, write_and_list)


@app.command()
@guarded
def scan(
    paths: list[Path] = typer.Argument(..., metavar="PATH", help=i18n._("Photos or folders to screen (folders are walked recursively).")),
    out: Path = typer.Option(Path("photoscreen-report"), "--out", "-o", file_okay=False,
                             help=i18n._("Folder for report.json, report.csv, report.html and thumbs/ (created if "
                                         "missing).")),
    policy_file: Optional[Path] = typer.Option(None, "--policy", exists=True, dir_okay=False, callback=regular_file,
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
    roster: Optional[Path] = typer.Option(None, "--roster", exists=True, dir_okay=False, callback=regular_file,
                                          help=i18n._("Class roster CSV (first and last names): names on it are "
                                               "looked for in the photos' text.")),
    captions: Optional[Path] = typer.Option(
        None, "--captions", exists=True, dir_okay=False, callback=regular_file,
        help=i18n._("CSV of the posts planned for the photos, columns path,caption (alt_text optional; path as in the "
             "report): a caption that names (roster), tags (@handle) or singles out students (special "
             "education, IEP, ELL, élèves allophones, ...), or gives an ID or a grade, blocks its photo. A file "
             "that yields no caption, has bad columns or names a photo not screened is exit 2.")),
    progress: bool = typer.Option(True, "--progress/--no-progress",
                                  help=i18n._("Show a progress bar on the terminal (stderr).")),
    quiet: bool = typer.Option(False, "--quiet", "-q", help=i18n._("Print only the summary line.")),
    verbose: bool = typer.Option(False, "--verbose", help=VERBOSE_HELP),
) -> None:
    """Screen photos and videos and write report.json, report.csv and report.html (a contact sheet,
    with its thumbnails in thumbs/), as batch writes them.

    Videos (MP4, MOV, M4V, WebM, AVI) get one row each ("media": "video", duration, fps, frames):
    frames sampled 2 a second and at scene changes are screened for faces, text and quality, and
    findings carry their frame and time ("t", seconds); the container's tags (GPS, device,
    comments, names) are checked like a photo's metadata.

    Each photo gets a verdict: block (do not post), review (a person should look), ok, or error
    (could not be screened; never counted as ok). Originals are never modified.
    """
    from ..models import ModelError
    from ..owned import OwnedFolder
    from ..screen.photo import Screener
    from ..runs.scan import exit_code, walk
    from ..runs.work import save_thumbnail

    roots_or_exit(paths)
    policy = policy_or_exit(policy_file, setting, platform, roster)
    # photos inside --out are screened like any other; only our own thumbnails there are left out
    found = walk(paths, exclude=[out / "thumbs"])
    candidates_or_exit(found, paths)
    say_linked_folders(found)
    posts = captions_or_exit(captions, {c.rel for c in found.candidates}) if captions else None
    report_folder = OwnedFolder(out)
    report_folder.check_writable()  # an --out we cannot write stops the run now, not after the screening
    try:
        screener = Screener(policy, captions=posts)
    except ModelError as exc:
        fail(str(exc))
        raise typer.Exit(EXIT_ERRORS)
    report_folder.clean_temporaries()  # left by a run that was killed

    def screen_one(candidate):
        """The photo's report and its thumbnail for report.html, written as batch writes it."""
        report, image = screener.screen_keep_image(candidate)
        return report, save_thumbnail(report_folder, report, image)

    screened = each_with_progress(found.candidates, screen_one, "screening", progress and not quiet)
    reports = [report for report, _thumb in screened]
    thumbs = {report.path: thumb for report, thumb in screened if thumb}
    document, json_path, csv_path = write_and_list(out, reports, found.skipped, policy, quiet, paths, thumbs=thumbs)
    s = document["summary"]
    typer.echo(i18n._("{n} photos screened: {block} block, {review} review, {ok} ok, {error} error; {skipped} other "
                 "files skipped. Reports: {json}, {csv}, {html}").format(
                     n=len(reports), json=json_path, csv=csv_path, html=report_folder.root / "report.html", **s))
    raise typer.Exit(exit_code([r.verdict.value for r in reports]))


@app.command()
@guarded
def batch(
    root: Path = typer.Argument(..., metavar="ROOT", help=i18n._("The photo folder (walked recursively). A missing or empty folder (an "
                                          "unmounted share) is exit 3 and changes nothing.")),
    out: Path = typer.Option(..., "--out", "-o", file_okay=False,
                             help=i18n._("Report folder: report.json, report.csv, report.html (contact sheet), "
                                  "thumbs/, photoscreen.log and, by default, the state file.")),
    state: Optional[Path] = typer.Option(None, "--state", dir_okay=False, callback=regular_file,
                                         help=i18n._("SQLite state file (default: REPORT_DIR/state.sqlite).")),
    workers: int = typer.Option(0, "--workers", "-j", min=0,
                                help=i18n._("Worker processes, each loading the models once (default: one per core).")),
    redact_to: Optional[Path] = typer.Option(
        None, "--redact-to", file_okay=False,
        help=i18n._("Also write a safe copy of every photo here, as `photoscreen redact` does (outside ROOT). The batch "
             "owns this folder: copies of changed photos are replaced, copies of removed photos and of "
             "photos with no safe copy are deleted; only copies photoscreen wrote (listed with their SHA-256 "
             "in .photoscreen-copies.sqlite there) are ever replaced or deleted.")),
    policy_file: Optional[Path] = typer.Option(None, "--policy", exists=True, dir_okay=False, callback=regular_file,
                                               help=i18n._("Policy TOML laid over the defaults.")),
    setting: Optional[Setting] = typer.Option(None, "--setting", help=i18n._("classroom (default) or public_event.")),
    platform: Optional[Platform] = typer.Option(None, "--platform", help=i18n._("Target platform for the shape check.")),
    roster: Optional[Path] = typer.Option(None, "--roster", exists=True, dir_okay=False, callback=regular_file,
                                          help=i18n._("Class roster CSV.")),
    no_audio: bool = typer.Option(False, "--no-audio", help=i18n._("Videos: drop the sound from the --redact-to copies.")),
    progress: bool = typer.Option(True, "--progress/--no-progress", help=i18n._("Show a progress bar (stderr).")),
    scheduler: Optional[str] = typer.Option(
        None, "--scheduler", metavar="tcp://HOST:8786",
        help=i18n._("Screen on this existing Dask cluster instead of local worker processes (docs/dask.md). Workers "
             "read each photo from its path here, so the share must be mounted at the same path on every "
             "worker (or use --send-files); this process alone writes the state, reports, thumbnails and "
             "the --redact-to copies, which the workers make and send back.")),
    send_files: bool = typer.Option(
        False, "--send-files", help=i18n._("With --scheduler: send each photo's bytes from here to the worker, for "
                                    "workers that do not see the photo share.")),
    captions: Optional[Path] = typer.Option(
        None, "--captions", exists=True, dir_okay=False, callback=regular_file,
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

    from ..runs.batch import NothingToScreen, run_batch
    from ..runs.work import ClusterError
    from ..models import ModelError
    from ..stages.captions import CaptionsError
    from ..owned import OwnedFolder
    from ..runs.scan import exit_code

    roots_or_exit([root])
    if send_files and scheduler is None:
        fail(i18n._("--send-files needs --scheduler"))
        raise typer.Exit(EXIT_USAGE)
    not_a_scheduler: tuple[type[Exception], ...] = ()  # a usage error (exit 2), not a cluster that is down
    if scheduler is not None:
        from ..runs.dask_executor import SchedulerAddressError, check_address

        not_a_scheduler = (SchedulerAddressError,)
        try:
            check_address(scheduler)
        except SchedulerAddressError as exc:
            fail(str(exc))
            raise typer.Exit(EXIT_USAGE)
    policy = policy_or_exit(policy_file, setting, platform, roster,
                             {"video": {"keep_audio": False}} if no_audio else None)
    if redact_to is not None:
        from ..redaction.names import UnsafeOutput, check_output_folder

        try:
            check_output_folder(redact_to, [root])
        except UnsafeOutput as exc:
            fail(str(exc).replace('--out', '--redact-to'))
            raise typer.Exit(EXIT_USAGE)
    handler = logging.FileHandler(OwnedFolder(out).path("photoscreen.log"), encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
    logging.getLogger("photoscreen").addHandler(handler)
    logging.getLogger("photoscreen").setLevel(logging.INFO)
    bar = None
    try:
        if progress and sys.stderr.isatty():
            bar = progress_bar()
            bar.start()
            task = bar.add_task(i18n._("screening"), total=None)
            result = run_batch(root, out, policy, state, workers, redact_to=redact_to, scheduler=scheduler,
                               send_files=send_files, captions=captions,
                               on_progress=lambda done, total: bar.update(task, completed=done, total=total))
        else:
            result = run_batch(root, out, policy, state, workers, redact_to=redact_to, scheduler=scheduler,
                               send_files=send_files, captions=captions)
    except CaptionsError as exc:
        fail(printable(str(exc)))
        raise typer.Exit(EXIT_USAGE)
    except not_a_scheduler as exc:  # --scheduler's port answers, but not as a Dask scheduler
        fail(str(exc))
        raise typer.Exit(EXIT_USAGE)
    except (ModelError, NothingToScreen, ClusterError) as exc:
        fail(str(exc))
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
@guarded
def redact(
    paths: list[Path] = typer.Argument(..., metavar="PATH", help=i18n._("Photos or folders to redact (folders are walked recursively).")),
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
             "and 40 percent of the photo's short side (at most 60 percent of it); when no such crop exists, the copy covers the faces instead and the row says why.")),
    no_audio: bool = typer.Option(False, "--no-audio",
                                  help=i18n._("Videos: drop the sound from the copies (by default it is kept as it is, "
                                       "stream-copied, not re-encoded).")),
    overwrite: bool = typer.Option(False, "--overwrite",
                                   help=i18n._("Make every copy again. Without it, a copy an earlier run made from the same "
                                        "original with the same settings is kept (its row says so), and a changed "
                                        "original or changed settings get a new copy.")),
    policy_file: Optional[Path] = typer.Option(None, "--policy", exists=True, dir_okay=False, callback=regular_file,
                                               help=i18n._("Policy TOML laid over the defaults ([redact] section).")),
    setting: Optional[Setting] = typer.Option(None, "--setting", help=i18n._("classroom (default) or public_event.")),
    platform: Optional[Platform] = typer.Option(None, "--platform",
                                                help=i18n._("Target platform: the crop's shape, and the shape check.")),
    roster: Optional[Path] = typer.Option(None, "--roster", exists=True, dir_okay=False, callback=regular_file,
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
    from ..models import ModelError
    from ..redaction.copies import Redactor
    from ..redaction.names import UnsafeOutput, check_output_folder, with_copy_names
    from ..owned import OwnedFolder
    from ..runs.scan import exit_code, walk

    roots_or_exit(paths)
    overrides = {"redact": {"face_mode": mode.value}} if mode else {}
    if no_audio:
        overrides["video"] = {"keep_audio": False}
    policy = policy_or_exit(policy_file, setting, platform, roster, overrides)
    try:
        check_output_folder(out, paths)
    except UnsafeOutput as exc:
        fail(str(exc))
        raise typer.Exit(EXIT_USAGE)
    OwnedFolder(out).check_writable()  # an --out we cannot write stops the run now, not after the redacting
    try:
        redactor = Redactor(policy, out, crop.value if crop else None, overwrite)
    except ModelError as exc:
        fail(str(exc))
        raise typer.Exit(EXIT_ERRORS)
    found = walk(paths)
    candidates_or_exit(found, paths)
    say_linked_folders(found)
    redactor.out.clean_temporaries()  # left by a run that was killed
    # each photo its own copy: a name taken by another photo's copy, or too long, is changed (copy_names)
    candidates = with_copy_names(found.candidates, redactor.out.name_max())
    reports = each_with_progress(candidates, redactor.redact, "redacting", progress and not quiet)
    _, json_path, csv_path = write_and_list(out, reports, found.skipped, policy, quiet, paths, out)
    written = sum(1 for r in reports if r.redaction and r.redaction.output)
    typer.echo(i18n._("{n} photos: {written} safe copies written to {out}, {withheld} withheld, {errors} errors. "
                      "Reports: {json}, {csv}").format(
        n=len(reports), written=written, out=out, withheld=sum(1 for r in reports if r.redaction and not r.redaction.output),
        errors=sum(1 for r in reports if r.error), json=json_path, csv=csv_path))
    raise typer.Exit(exit_code([r.verdict.value for r in reports]))
