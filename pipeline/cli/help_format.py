"""``--help`` in the language in use, its fixed words included. The commands' and options' own texts
come from our catalogue already; the words typer adds around them ("Usage:", the "Arguments",
"Options" and "Commands" headings, "[default: ...]", "[required]", the help option's "Show this
message and exit.") are English in typer, hard-coded or through the ``messages`` gettext domain
that photoscreen does not own. They are put in the language in use where typer offers a hook for
it: the help formatter of the commands' context (``Context.formatter_class``), set through the
command classes that ``PhotoscreenTyper`` gives every command and group. Option names, the
arguments' placeholders (PATH, ROOT, REPORT_DIR, TEXT: the README's words) and choice values stay as
they are typed."""

from __future__ import annotations

import re
from contextlib import contextmanager
from typing import Any, Iterator, Sequence

import typer
import typer.core

from .. import i18n

HEADINGS = (i18n.N_("Arguments"), i18n.N_("Options"), i18n.N_("Commands"))
HELP_OPTION = i18n.N_("Show this message and exit.")
HEADING = i18n.N_("{heading}:")
USAGE = i18n.N_("Usage:")
COMMAND_ARGS = "COMMAND [ARGS]..."
COMMAND_ARGS_SHOWN = i18n.N_("COMMAND [ARGS]...")
# the bracket typer appends to an option's help: "[default: x; required]", parts joined by "; "
EXTRA = re.compile(r"\[([^\[\]]*)\]\s*$")
EXTRA_PARTS = {"default: ": i18n.N_("default: {value}"), "env var: ": i18n.N_("env var: {value}")}
REQUIRED = i18n.N_("required")


def translated_extra(part: str) -> str:
    if part == "required":
        return i18n._(REQUIRED)
    for prefix, template in EXTRA_PARTS.items():
        if part.startswith(prefix):
            return i18n._(template).format(value=part[len(prefix):])
    return part  # a number range ("x>=1"): symbols, no words


def translated_help(text: str) -> str:
    """One option's help as typer made it, its fixed words in the language in use."""
    if text == HELP_OPTION:
        return i18n._(HELP_OPTION)
    match = EXTRA.search(text)
    if not match:
        return text
    parts = "; ".join(translated_extra(part) for part in match.group(1).split("; "))
    return f"{text[:match.start()]}[{parts}]"


class TranslatedHelpFormatter(typer.Context.formatter_class):  # type: ignore[misc, valid-type]
    def write_usage(self, prog: str, args: str = "", prefix: str | None = None) -> None:
        if args.endswith(COMMAND_ARGS):
            args = args[: -len(COMMAND_ARGS)] + i18n._(COMMAND_ARGS_SHOWN)
        super().write_usage(prog, args, i18n._(USAGE) + " " if prefix is None else prefix)

    def write_heading(self, heading: str) -> None:
        self.write(f"{'':>{self.current_indent}}{i18n._(HEADING).format(heading=heading)}\n")

    @contextmanager
    def section(self, name: str) -> Iterator[None]:
        with super().section(i18n._(name) if name in HEADINGS else name):
            yield

    def write_dl(self, rows: Sequence[tuple[str, str]], *args: Any, **kwargs: Any) -> None:
        super().write_dl([(term, translated_help(text)) for term, text in rows], *args, **kwargs)


class TranslatedContext(typer.Context):
    formatter_class = TranslatedHelpFormatter


class TranslatedCommand(typer.core.TyperCommand):
    context_class = TranslatedContext


class TranslatedGroup(typer.core.TyperGroup):
    context_class = TranslatedContext


class PhotoscreenTyper(typer.Typer):
    """A ``typer.Typer`` whose commands and groups write their help in the language in use."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("cls", TranslatedGroup)
        super().__init__(**kwargs)

    def command(self, *args: Any, **kwargs: Any) -> Any:
        kwargs.setdefault("cls", TranslatedCommand)
        return super().command(*args, **kwargs)
