"""The `shapecalc` console script: a fast path for the everyday `check` and `lint` lines, typer
for everything else.

Typer (0.26 and later) imports pydantic and builds a validator for every option of a command
before it runs: about 110 ms at start-up (benchmarks/run.py), more than the whole check of
ResNet-50, and `shapecalc check` runs on every commit (issue 7: start-up within 1.3x the bare
import of the dependencies). So a command line made only of options and values that cannot mean
anything but one thing (`check a.yaml -f json`, `lint --select F,W .`) is parsed here and handed
to the same functions typer's commands call (shapecalc.commands). It is parsed with the records typer's
options are built from (commands/options.py), so there is nothing to keep in
step; they are imported only for a line naming `check` or `lint`, typer only for a line declined
here. Anything else (help, completion, a typo, a repeated option, a value that needs typer's
judgement) is declined and typer parses it as always, errors and all. Both paths then end the
same way (main). tests/test_entry.py runs both paths on the same lines and compares the bytes
printed and the exit codes.
"""

from __future__ import annotations

import os
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Mapping, Sequence

from ..commands.status import Exit
from ..render.output import write_escapes

if TYPE_CHECKING:
    from ..commands.options import Option

#: An integer option's value taken without typer: plain decimal digits, no sign, no leading zero.
_DECIMAL = re.compile(r"0|[1-9][0-9]*")


def _value(option: Option, text: str) -> Any:
    """The value of option as shapecalc.commands takes it, or None when only typer should judge it
    (typer reads a number with the same whole_number, and says what is wrong with it)."""
    if option.choices is not None:
        return text if text in option.choices else None
    if option.type is int:
        from ..commands.options import whole_number

        try:
            return whole_number(text, option.min) if _DECIMAL.fullmatch(text) else None
        except ValueError:
            return None
    return text


@dataclass(frozen=True)
class Command:
    options: tuple[Option, ...]  # commands/options.py's CHECK_OPTIONS or LINT_OPTIONS
    function: Callable[..., int]  # commands/check.py's check or commands/lint.py's lint
    paths: Callable[[str], Any]  # what a positional argument becomes; None: only typer may judge it

    def lookup(self, name: str) -> Option | None:
        for option in self.options:
            if name in option.flags or name == option.off:
                return option
        return None

    def run(self, paths: list[Any], given: Mapping[str, Any]) -> int:
        """The function's exit code, with the table's default for every option not given."""
        return self.function(paths, **{option.name: given.get(option.name, option.default) for option in self.options})


def _spec_path(text: str) -> Path | None:
    """A FILE of `check` as typer gives it, a Path; None where typer refuses it before the
    command runs: a path that exists but cannot be read (typer's Path options check os.access)."""
    path = Path(text)
    try:
        os.stat(path)
    except OSError:
        return path  # missing, or not even stat-able: the command itself says why
    return path if os.access(path, os.R_OK) else None


def _commands() -> dict[str, Command]:
    """The fast path's commands; imported only when the command line names one of them."""
    from ..commands.check import check
    from ..commands.lint import lint
    from ..commands.options import CHECK_OPTIONS, LINT_OPTIONS

    return {
        "check": Command(CHECK_OPTIONS, check, _spec_path),
        "lint": Command(LINT_OPTIONS, lint, str),
    }


#: The commands of _commands(), named without importing it (it imports the calculator).
FAST = ("check", "lint")


def parse(command: Command, args: Sequence[str]) -> tuple[list[Any], dict[str, Any]] | None:
    """The paths and the keyword arguments for command.run, or None to leave the line to typer.

    Click's grammar, narrowed to the cases without doubt: `--name value`, `--name=value`,
    `-f value`, `-fvalue`, flags, `--` before file names, options between file names. An
    option given twice (click keeps the last), a value starting with '-', an unknown option
    and a value outside the choices are all declined: typer then says what is wrong."""
    kwargs: dict[str, Any] = {}
    positional: list[str] = []
    tokens = iter(args)
    for token in tokens:
        if token == "--":
            positional.extend(tokens)
            break
        if token == "-" or not token.startswith("-"):
            positional.append(token)
            continue
        if token.startswith("--"):
            name, equals, inline = token.partition("=")
        else:
            name, inline = token[:2], token[2:]
            equals = "=" if inline else ""
        option = command.lookup(name)
        if option is None or (option.name in kwargs and not option.many):
            return None
        if option.type is bool:
            if equals:
                return None
            kwargs[option.name] = name != option.off
            continue
        text = inline if equals else next(tokens, None)
        if text is None or text.startswith("-"):
            return None
        value = _value(option, text)
        if value is None:
            return None
        if option.many:
            kwargs.setdefault(option.name, []).append(value)
        else:
            kwargs[option.name] = value
    paths = [command.paths(p) for p in positional]
    if not paths or None in paths:
        return None
    return paths, kwargs


def plan(argv: Sequence[str], env: Mapping[str, str]) -> tuple[Command, list[Any], dict[str, Any]] | None:
    """The command and its arguments when the fast path may run this line, else None.

    Shell completion (click reads _SHAPECALC_COMPLETE) always goes to typer."""
    if len(argv) < 2 or argv[0] not in FAST or any(key.startswith(("_SHAPECALC_COMPLETE", "_TYPER_")) for key in env):
        return None
    command = _commands()[argv[0]]
    parsed = parse(command, argv[1:])
    return None if parsed is None else (command, *parsed)


def main() -> None:
    """Run `shapecalc` with sys.argv, by the fast path or by typer, and exit the same way from
    both: quietly with code 1 when the reader of the output goes away (`| head`), as click
    does, with nothing written when an output was closed before the start (`>&-`), and with
    what the output's encoding cannot hold written as escapes (render/output.py)."""
    for name in ("stdout", "stderr"):
        if getattr(sys, name) is None:  # Python leaves a stream None when its descriptor is closed
            setattr(sys, name, open(os.devnull, "w", encoding="utf-8"))
    write_escapes(sys.stdout, sys.stderr)
    planned = plan(sys.argv[1:], os.environ)
    try:
        if planned is None:
            from .app import main as typer_main

            typer_main()  # always ends in SystemExit
            status: Any = 0
        else:
            command, paths, kwargs = planned
            status = command.run(paths, kwargs)
    except SystemExit as done:
        status = done.code
    except KeyboardInterrupt:
        status = Exit.INTERRUPTED
    except BrokenPipeError:
        status = Exit.PROBLEMS  # the reader went away, as click exits
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except BrokenPipeError:  # what is still buffered has no reader: drop it, not complain at exit
            os.dup2(os.open(os.devnull, os.O_WRONLY), stream.fileno())
            status = Exit.PROBLEMS
    sys.exit(status)
