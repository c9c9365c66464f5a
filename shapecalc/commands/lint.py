"""`shapecalc lint`: one report for every spec found, in one of the CI formats."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Sequence

from .status import Exit


def lint(paths: Sequence[str], *, select: Sequence[str] | None, ignore: Sequence[str] | None, strict: bool | None,
         format: str, exclude: Sequence[str] | None, extend_exclude: Sequence[str] | None,
         force_exclude: bool | None) -> Exit:
    """`shapecalc lint`: one report for every spec found; the exit code 0, 1 or 2.

    None means "not given": the configuration's value stands."""
    from ..render.formats import FORMATS, printable, text
    from ..render.output import is_terminal, use_color
    from ..analysis.lint import Configs, ConfigError, Overrides, project_root
    from ..analysis.lint import run as lint_files

    cwd = Path.cwd()
    try:
        overrides = Overrides.parse(select, ignore or (), strict, exclude, extend_exclude or (), force_exclude)
        result = lint_files(paths, Configs.load(cwd, overrides), project_root(cwd))
    except ConfigError as err:  # the working folder's configuration, or one met beside a linted file
        print(f"error: {printable(str(err))}", file=sys.stderr)
        return Exit.CANNOT_RUN
    for problem in result.unreadable:
        print(f"error: {printable(str(problem))}", file=sys.stderr)
    for note in result.notes:
        print(f"warning: {printable(note)}", file=sys.stderr)
    if format == "text":
        sys.stdout.write(text(result, color=use_color(is_terminal(sys.stdout), os.environ)))
    else:
        sys.stdout.write(FORMATS[format](result))
    return Exit(result.exit_code)
