"""The commands after a screen: ``review`` (the local app), ``caption`` (a post's text) and ``export``."""

from __future__ import annotations

from pathlib import Path
from typing import Optional
import typer
import sys


from .. import i18n
from .common import (EXIT_FINDINGS, EXIT_INTERNAL, EXIT_OK, EXIT_USAGE, VERBOSE_HELP, app, fail, guarded,
                     policy_or_exit, printable, regular_file)


@app.command()
@guarded
def review(
    report_dir: Path = typer.Argument(..., file_okay=False, metavar="REPORT_DIR", help=i18n._("The --out folder of a scan, redact or batch run.")),
    port: int = typer.Option(0, "--port", min=0, max=65535, help=i18n._("Port on 127.0.0.1 (default: a free one).")),
    who: Optional[str] = typer.Option(None, "--who", help=i18n._("Name recorded with each decision (default: your login).")),
    export_to: Optional[Path] = typer.Option(
        None, "--export-to", file_okay=False,
        help=i18n._("Folder the page's Export writes into, each export a new folder in it (default: the report "
                    "folder's name with -approved, beside it).")),
    verbose: bool = typer.Option(False, "--verbose", help=VERBOSE_HELP),
) -> None:
    """Open a local web app to approve or reject each photo, add or remove covers on its safe copy
    (the copy is then made again and screened again) and keep notes.

    Listens on 127.0.0.1 only and prints the address to open, with a random token: requests without
    it are refused. Decisions are kept in REPORT_DIR/review.sqlite (see docs/review.md). Ctrl-C stops it.
    """
    from ..review.app import PortUnavailable, serve
    from ..review.folder import NotAReport
    from ..review.page_export import ExportRootRefused
    from ..review.store import DB_NAME, StoreError

    try:
        serve(report_dir, port, who,
              on_ready=lambda url: typer.echo(i18n._("photoscreen review: open {url}").format(url=url)),
              export_to=export_to)
    except (NotAReport, StoreError, PortUnavailable, ExportRootRefused) as exc:
        fail(str(exc))
        raise typer.Exit(EXIT_USAGE)
    except KeyboardInterrupt:
        pass  # Ctrl-C, raised again by the server once it has stopped (or before it started)
    # Ctrl-C (or SIGTERM) is how the app is stopped, not a run cut short: the server returns, or raises the signal
    # again when Ctrl-C is not ignored in this process. Each decision and fix was saved as it was made, so say that
    # (not guarded's "run the command again to finish") and exit 0
    typer.echo(i18n._("photoscreen review stopped. Every decision and fix is saved in {path}; run the same "
                      "command to go on where you left off.").format(path=printable(str(report_dir / DB_NAME))))
    raise typer.Exit(EXIT_OK)


@app.command()
@guarded
def caption(
    text: str = typer.Argument(..., metavar="TEXT", help=i18n._("The caption, post or alt text to check (- reads it from stdin).")),
    roster: Optional[Path] = typer.Option(None, "--roster", exists=True, dir_okay=False, callback=regular_file,
                                          help=i18n._("Class roster CSV: names on it are looked for in the text.")),
    policy_file: Optional[Path] = typer.Option(None, "--policy", exists=True, dir_okay=False, callback=regular_file,
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
    from ..findings import CAPTION_CATEGORIES
    from ..stages.captions import check, hint_in_language, why_in_language
    from ..screen.verdict import decide

    policy = policy_or_exit(policy_file, None, None, roster, check_ocr=False)
    findings = check(sys.stdin.read() if text == "-" else text, policy)
    # every line in the language asked for: the category's word, why, and the line itself
    width = max(len(i18n._(c)) for c in CAPTION_CATEGORIES)
    for f in findings:
        typer.echo(i18n._("{category}  {hint}  ({why}, score {score})").format(
            category=f"{i18n._(f.category):{width}}", hint=hint_in_language(f.hint), why=why_in_language(f), score=f"{f.score:.2f}"))
    verdict, reasons = decide(findings, policy)
    typer.echo(i18n._("{verdict}: {reasons}").format(verdict=i18n._(verdict.value), reasons="; ".join(reasons))
               if findings else i18n._("ok: nothing found"))
    raise typer.Exit(EXIT_FINDINGS if findings else EXIT_OK)


@app.command()
@guarded
def export(
    report_dir: Path = typer.Argument(..., file_okay=False, metavar="REPORT_DIR", help=i18n._("The report folder reviewed with `photoscreen review`.")),
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
    from ..review.export import ExportFailed, ExportRefused, export as run_export
    from ..review.folder import NotAReport, ReportFolder
    from ..review.listing import Listing
    from ..review.store import Store, StoreError

    try:
        folder = ReportFolder(report_dir)
        result = run_export(folder, Listing(folder, Store(folder.root)), to, include_blocked)
    except (NotAReport, StoreError, ExportRefused) as exc:
        fail(str(exc))
        raise typer.Exit(EXIT_USAGE)
    except ExportFailed as exc:
        fail(str(exc))
        raise typer.Exit(EXIT_INTERNAL)
    overridden = dict(result.overridden)
    for path, name in result.copied:
        line = i18n._("copied  {path}").format(path=printable(path)) + (f" -> {printable(name)}" if name != path else "")
        if path in overridden:
            line += "  " + i18n._("(blocked, approved anyway: {why})").format(why=printable(overridden[path]))
        typer.echo(line)
    for path, why in result.left_out:
        typer.echo(i18n._("left out  {path}: {why}").format(path=printable(path), why=printable(i18n._(why))))
    typer.echo(i18n._("{n} photos exported to {to}; {left} left out").format(n=len(result.copied), to=printable(str(to)),
                                                                      left=len(result.left_out)) +
               ("; " + i18n._("{k} of them blocked and approved anyway (--include-blocked)").format(
                   k=len(overridden)) if overridden else ""))
    raise typer.Exit(EXIT_FINDINGS if result.left_out else EXIT_OK)
