"""What `check` and `lint` do once their options are parsed: plain functions returning the exit code.

Two front ends call them with the same values: typer's commands in cli.py, and the fast path
in entry.py, which parses the common command lines itself because typer (0.26 and later)
builds a pydantic validator for every option, which costs more than checking ResNet-50. Keeping
the work here, free of typer, is what lets both front ends behave identically.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Sequence

from .calc import Analysis, NotASpecFile, check_file
from .cost import Options
from .diagnostics import has_errors

#: The choices of check's and lint's --format, in the order --help lists them.
CHECK_FORMATS = ("text", "json")
LINT_FORMATS = ("text", "json", "github", "sarif", "junit")


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


def check(files: Sequence[Path], format: str = "text", connections: bool = False, convention: str | None = None,
          dtype: str = "float32", batch: int = 1, optimizer: str = "sgd") -> int:
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
            from .render_text import show

            show(result, connections, options)
    return status


def lint(paths: Sequence[str], select: Sequence[str] | None = None, ignore: Sequence[str] | None = None,
         strict: bool | None = None, format: str = "text", exclude: Sequence[str] | None = None,
         extend_exclude: Sequence[str] | None = None, force_exclude: bool | None = None) -> int:
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
