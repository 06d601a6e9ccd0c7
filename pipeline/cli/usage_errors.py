"""Typer's own errors (usage errors, exit 2: an unknown option or command, a missing argument, an
invalid value) in the language in use. Typer vendors click with its messages in English f-strings,
not gettext, so ``run_app`` calls the app in non-standalone mode and shows each error here, made
again from the exception's fields with our templates (the French comes from our catalogue). The
English is what typer prints; a message none of the templates fits (a ``typer.BadParameter`` our
own code raised, already in the language in use) is shown as it is. Parameter names and choice
values are never translated."""

from __future__ import annotations

import re
import sys
from typing import NoReturn

import typer
try:  # typer from 0.2x on carries its own click (the version constraints.txt pins)
    from typer._click.exceptions import (BadOptionUsage, BadParameter, ClickException, MissingParameter,
                                         NoArgsIsHelpError, NoSuchOption, UsageError)
except ImportError:  # an older typer (pyproject allows >= 0.12) uses click itself
    from click.exceptions import (BadOptionUsage, BadParameter, ClickException, MissingParameter,  # type: ignore
                                  NoArgsIsHelpError, NoSuchOption, UsageError)

from .. import i18n

# typer's messages that carry no fields of their own: the fields are read back from the English text
COMMAND_MESSAGES = (
    i18n.N_("No such command {name}. Did you mean {suggestions}?"),
    i18n.N_("No such command {name}."),
    i18n.N_("Missing command."),
    i18n.N_("Got unexpected extra argument(s) ({args})"),
    i18n.N_("Argument {name} takes {n} values."),
)
OPTION_MESSAGES = (
    i18n.N_("Option {name} requires an argument."),
    i18n.N_("Option {name} requires {n} arguments."),
    i18n.N_("Option {name} does not take a value."),
)
NO_SUCH_OPTION = i18n.N_("No such option: {name}")
VALUE_MESSAGES = (
    i18n.N_("Value error, {value} is not one of {choices}."),
    i18n.N_("file {path} does not exist."),
    i18n.N_("file {path} is a directory."),
    i18n.N_("file {path} is not readable."),
    i18n.N_("file {path} is not writable."),
)
# pydantic's messages for a number option (--workers, --port), by the error's type
NUMBER_MESSAGES = {
    "int_parsing": i18n.N_("Input should be a valid integer, unable to parse string as an integer"),
    "float_parsing": i18n.N_("Input should be a valid number, unable to parse string as a number"),
    "greater_than_equal": i18n.N_("Input should be greater than or equal to {ge}"),
    "less_than_equal": i18n.N_("Input should be less than or equal to {le}"),
    "greater_than": i18n.N_("Input should be greater than {gt}"),
    "less_than": i18n.N_("Input should be less than {lt}"),
}
MISSING = {"argument": i18n.N_("Missing argument {name}."), "option": i18n.N_("Missing option {name}."),
           "parameter": i18n.N_("Missing parameter {name}.")}
CHOOSE_FROM = "Choose from:"


def run_app(app: typer.Typer) -> NoReturn:
    """Run ``app`` as typer's standalone mode does (same output in English, same exit codes: 2 for a
    usage error, 1 for Abort, 130 for Ctrl-C outside a command, a command's ``typer.Exit`` code), with
    typer's errors in the language in use. (Non-standalone mode returns a typer.Exit's code or what
    the command returned: photoscreen's commands return None and end with typer.Exit for a code.)"""
    try:
        code = app(standalone_mode=False)
    except ClickException as error:
        show(error)
        sys.exit(error.exit_code)
    except typer.Abort:
        typer.echo(i18n._("Aborted!"), err=True)
        sys.exit(1)
    # a typer.Exit's code; what a command returned is no exit code (standalone mode exits 0 then)
    sys.exit(code if isinstance(code, int) and not isinstance(code, bool) else 0)


def show(error: ClickException) -> None:
    """What typer prints for ``error`` on stderr, in the language in use."""
    if isinstance(error, NoArgsIsHelpError):  # the help (a group called alone): its texts are translated
        error.show()
        return
    ctx = error.ctx if isinstance(error, UsageError) else None
    color = ctx.color if ctx is not None else (None if isinstance(error, UsageError) else error.show_color)
    if ctx is not None:
        hint = ""
        if ctx.command.get_help_option(ctx) is not None:
            hint = i18n._("Try '{command} {option}' for help.").format(command=ctx.command_path,
                                                                       option=ctx.help_option_names[0]) + "\n"
        typer.echo(f"{usage(ctx)}\n{hint}", err=True, color=color)
    typer.echo(i18n._("Error: {message}").format(message=message(error)), err=True, color=color)


def usage(ctx) -> str:
    """The command's usage line, as ``ctx.get_usage()`` writes it, after our "Usage:"."""
    formatter = ctx.make_formatter()
    formatter.write_usage(ctx.command_path, " ".join(ctx.command.collect_usage_pieces(ctx)),
                          prefix=i18n._("Usage:") + " ")
    return formatter.getvalue().rstrip("\n")


def message(error: ClickException) -> str:
    """The text after "Error:"."""
    if isinstance(error, MissingParameter):
        return missing_message(error)
    if isinstance(error, BadParameter):
        hint = param_hint(error)
        value = value_message(error)
        if hint is None:
            return i18n._("Invalid value: {message}").format(message=value)
        return i18n._("Invalid value for {name}: {message}").format(name=hint, message=value)
    if isinstance(error, NoSuchOption):
        said = translated(error.message, (NO_SUCH_OPTION,))
        if not error.possibilities:
            return said
        return i18n._("{message} (Possible options: {options})").format(
            message=said, options=", ".join(sorted(error.possibilities)))
    if isinstance(error, BadOptionUsage):
        return translated(error.message, OPTION_MESSAGES)
    if isinstance(error, UsageError):
        return translated(error.message, COMMAND_MESSAGES)
    return error.format_message()


def param_hint(error: BadParameter) -> str | None:
    hint = error.param_hint
    if hint is None and error.param is not None:
        hint = error.param.get_error_hint()
    if hint is not None and not isinstance(hint, str):
        hint = " / ".join(repr(x) for x in hint)
    return hint


def missing_message(error: MissingParameter) -> str:
    """"Missing argument 'paths'." (and, for a choice, the choices: typer's lines after it)."""
    english = error.format_message()
    kind = error.param_type or (error.param.param_type_name if error.param is not None else None)
    hint = param_hint(error)
    if kind not in MISSING or not hint:
        return english
    head = MISSING[kind].format(name=hint)
    if not english.startswith(head):
        return english
    rest = english[len(head):]
    if rest.startswith(" " + CHOOSE_FROM):
        rest = " " + i18n._("Choose from:") + rest[len(CHOOSE_FROM) + 1:]
    return i18n._(MISSING[kind]).format(name=hint) + rest


def value_message(error: BadParameter) -> str:
    """What is wrong with the value: typer's own messages translated, ours as they are."""
    from pydantic import ValidationError  # typer checks the values with it

    cause = error.__cause__
    if isinstance(cause, ValidationError):  # for a number option
        details = cause.errors()
        if details and details[0].get("type") in NUMBER_MESSAGES:
            template = NUMBER_MESSAGES[details[0]["type"]]
            fields = {k: str(v) for k, v in (details[0].get("ctx") or {}).items()}
            try:
                if template.format(**fields) == error.message:
                    return i18n._(template).format(**fields)
            except (KeyError, IndexError):
                pass
    return translated(error.message, VALUE_MESSAGES)


def translated(text: str, templates) -> str:
    """``text`` in the language in use when it is one of ``templates`` (English, with {fields}) filled in;
    else ``text`` as it is."""
    for template in templates:
        match = pattern(template).fullmatch(text)
        if match:
            return i18n._(template).format(**match.groupdict())
    return text


def pattern(template: str) -> re.Pattern:
    parts = re.split(r"\{(\w+)\}", template)  # text, field, text, field, ..., text
    return re.compile("".join(re.escape(p) if i % 2 == 0 else f"(?P<{p}>.+?)" for i, p in enumerate(parts)),
                      re.DOTALL)
