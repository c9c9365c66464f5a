"""What `check` and `lint` do once their options are parsed, and the one declaration of those
options: plain functions returning the exit code, and a table of records.

Two front ends call them with the same values: typer's commands in cli.py, and the fast path
in entry.py, which parses the common command lines itself because typer (0.26 and later)
imports pydantic and builds a validator for every option, about 110 ms at start-up, more than
checking ResNet-50. Both front ends are built from CHECK_OPTIONS and LINT_OPTIONS: cli.py makes
typer's parameters of them, entry.py parses with them, and the functions take every option as a
keyword with no default of their own (a record's default is what a front end passes when the
option is not given). Keeping the work and the table here, free of typer and rich, is what lets
both front ends behave identically without declaring anything twice.
"""

from __future__ import annotations

import json
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Sequence

from .calc import Analysis
from .check import NotASpecFile, check_file
from .cost import CONVENTIONS, DTYPES, OPTIMIZERS, Options
from .diagnostics import has_errors


@dataclass(frozen=True)
class Option:
    """One option of `check` or `lint`: `name` is its keyword in the function below, `flags` its
    names on the command line (the first is the long one), `default` its value when not given.

    `type` is str, int (at least `min` when that is set) or bool: a flag, which `off` (such as
    --no-strict) turns off. A str takes one of `choices` when they are set; `many` collects a
    repeated option's values in a list. `metavar` and `show_default` only shape typer's --help."""

    name: str
    flags: tuple[str, ...]
    default: Any
    help: str
    type: type = str
    choices: tuple[str, ...] | None = None
    min: int | None = None
    many: bool = False
    off: str | None = None
    metavar: str | None = None
    show_default: bool = True


#: `check`'s options, in the order --help lists them; the choices of the cost options are
#: shapecalc.cost's tables (which say what each means).
CHECK_OPTIONS = (
    Option("format", ("--format", "-f"), "text", "text (a table) or json (one document per line).",
           choices=("text", "json")),
    Option("connections", ("--connections",), False, "Add LeCun's connections column (weight uses + biases).",
           type=bool),
    Option("convention", ("--convention",), None, "How MACs are counted: macs (conv and linear, no bias; the "
           "default), or as torchinfo, fvcore or ptflops count. Default from [tool.shapecalc] convention in "
           "pyproject.toml.", choices=CONVENTIONS, show_default=False),
    Option("dtype", ("--dtype",), "float32", "Bytes per parameter and activation.", choices=tuple(DTYPES)),
    Option("batch", ("--batch",), 1, "Batch size for activation memory.", type=int, min=1),
    Option("optimizer", ("--optimizer",), "sgd", "Optimizer state in the training memory estimate: sgd (none), "
           "momentum (1 per parameter), adam (2).", choices=tuple(OPTIMIZERS)),
)

#: `lint`'s options, in the order --help lists them (None: the configuration's value stands).
LINT_OPTIONS = (
    Option("select", ("--select",), None, "Report only these codes or prefixes (F,W001; ALL); replaces the "
           "configured selection.", many=True, metavar="CODES"),
    Option("ignore", ("--ignore",), None, "Do not report these codes or prefixes; adds to the configured ignore.",
           many=True, metavar="CODES"),
    Option("strict", ("--strict",), None, "Warnings fail the run too (exit 1).", type=bool, off="--no-strict",
           show_default=False),
    Option("format", ("--format", "-f"), "text", "text, json, github (Actions annotations), sarif (code scanning) "
           "or junit (XML).", choices=("text", "json", "github", "sarif", "junit")),
    Option("exclude", ("--exclude",), None, "Patterns never searched in folders; replaces the configured and "
           "default list.", many=True, metavar="PATTERN"),
    Option("extend_exclude", ("--extend-exclude",), None, "More patterns never searched in folders.", many=True,
           metavar="PATTERN"),
    Option("force_exclude", ("--force-exclude",), None, "Apply the excludes to files named outright too "
           "(pre-commit).", type=bool, off="--no-force-exclude", show_default=False),
)


def read_spec(path: Path) -> Analysis | str:
    """The analysis of one file, or the reason it could not be read (exit code 2).

    Only regular files are read, and no more than the size limit: a FIFO would block forever
    and /dev/zero never ends."""
    try:
        if path.is_dir():
            return f"{path}: is a directory (give spec files)"
        return check_file(str(path))
    except NotASpecFile:
        return f"{path}: cannot read: not a regular file"
    except OSError as err:
        return f"{path}: cannot read: {err.strerror or err}"


def check(files: Sequence[Path], *, format: str, connections: bool, convention: str | None, dtype: str, batch: int,
          optimizer: str) -> int:
    """`shapecalc check`: a table (or a JSON line) per file; the exit code 0, 1 or 2.

    Without --convention, the convention comes from [tool.shapecalc] in the nearest
    pyproject.toml, as lint's settings do."""
    if convention is None:
        from .lint import ConfigError, find_config, read_config

        config = find_config(Path.cwd().resolve())
        try:
            convention = read_config(config).convention if config else "macs"
        except ConfigError as err:
            print(f"error: {err}", file=sys.stderr)
            return 2
    options = Options(convention, dtype, batch, optimizer)
    status = 0
    for path in files:
        result = read_spec(path)
        if isinstance(result, str):
            print(f"error: {result}", file=sys.stderr)
            status = 2
            continue
        if has_errors(result.diagnostics):
            status = max(status, 1)
        if format == "json":
            from .report import analysis_dict

            sys.stdout.write(json.dumps(analysis_dict(result, options)) + "\n")
        else:
            from .show import show

            show(result, connections, options)
    return status


def lint(paths: Sequence[str], *, select: Sequence[str] | None, ignore: Sequence[str] | None, strict: bool | None,
         format: str, exclude: Sequence[str] | None, extend_exclude: Sequence[str] | None,
         force_exclude: bool | None) -> int:
    """`shapecalc lint`: one report for every spec found; the exit code 0, 1 or 2.

    None means "not given": the configuration's value stands."""
    from .formats import FORMATS, text, use_color
    from .lint import ConfigError, load_settings
    from .lint import run as lint_files

    try:
        settings = load_settings(Path.cwd(), select, ignore or (), strict, exclude, extend_exclude or (),
                                 force_exclude)
    except ConfigError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    result = lint_files(paths, settings)
    for problem in result.unreadable:
        print(f"error: {problem}", file=sys.stderr)
    if format == "text":
        sys.stdout.write(text(result, color=use_color(sys.stdout.isatty(), os.environ)))
    else:
        sys.stdout.write(FORMATS[format](result))
    return result.exit_code
