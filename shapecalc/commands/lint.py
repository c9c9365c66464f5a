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
    from ..analysis.lint import ConfigError, load_settings
    from ..analysis.lint import run as lint_files

    try:
        settings = load_settings(Path.cwd(), select, ignore or (), strict, exclude, extend_exclude or (),
                                 force_exclude)
    except ConfigError as err:
        print(f"error: {printable(str(err))}", file=sys.stderr)
        return Exit.CANNOT_RUN
    result = lint_files(paths, settings)
    for problem in result.unreadable:
        print(f"error: {printable(str(problem))}", file=sys.stderr)
    if format == "text":
        sys.stdout.write(text(result, color=use_color(is_terminal(sys.stdout), os.environ)))
    else:
        sys.stdout.write(FORMATS[format](result))
    return Exit(result.exit_code)
