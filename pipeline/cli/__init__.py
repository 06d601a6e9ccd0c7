"""The ``photoscreen`` command (typer). Heavy imports (models, OpenCV) happen inside the commands, so
``--help`` and ``--version`` answer at once. ``common.py`` holds the app and what the commands share;
the commands are in ``screening.py``, ``reviewing.py`` and ``model_files.py``."""

from __future__ import annotations

import sys

from .. import i18n
from . import model_files, reviewing, screening  # noqa: F401  (importing them registers the commands)
from .common import app, models_app

COMMAND_MODULES = ("pipeline.cli.common", "pipeline.cli.screening", "pipeline.cli.reviewing", "pipeline.cli.model_files",
                   "pipeline.cli")


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
    ``--lang`` in another one, the module is loaded again in that language first. Typer's own
    usage errors are shown in that language too (``usage_errors``)."""
    import importlib

    from ..quiet import native_logs_silenced
    from .usage_errors import run_app

    command = app
    lang = _lang_in_argv()
    if lang in i18n.LANGUAGES and lang != i18n.language():
        i18n.set_language(lang)
        for name in COMMAND_MODULES:  # the help texts are made at import: make them again in that language
            importlib.reload(sys.modules[name]) if name in sys.modules else importlib.import_module(name)
        command = sys.modules["pipeline.cli"].app
    with native_logs_silenced("--verbose" not in sys.argv[1:], restore=False):
        run_app(command)



_translate_command_help()
