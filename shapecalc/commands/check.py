"""`shapecalc check`: every file's table (or JSON document); and reading one spec for any command."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Sequence

from ..analysis.calc import Analysis
from ..analysis.check import NotASpecFile, check_file
from ..analysis.cost import Options
from ..diagnostics import has_errors
from .status import Exit


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
          optimizer: str) -> Exit:
    """`shapecalc check`: a table (or a JSON line) per file; the exit code 0, 1 or 2.

    Without --convention, the convention comes from [tool.shapecalc] in the nearest
    pyproject.toml, as lint's settings do."""
    if convention is None:
        from ..analysis.lint import ConfigError, find_config, read_config

        config = find_config(Path.cwd().resolve())
        try:
            convention = read_config(config).convention if config else "macs"
        except ConfigError as err:
            print(f"error: {err}", file=sys.stderr)
            return Exit.CANNOT_RUN
    options = Options(convention, dtype, batch, optimizer)
    status = Exit.OK
    for path in files:
        result = read_spec(path)
        if isinstance(result, str):
            print(f"error: {result}", file=sys.stderr)
            status = Exit.CANNOT_RUN
            continue
        if has_errors(result.diagnostics):
            status = max(status, Exit.PROBLEMS)
        if format == "json":
            from ..render.report import analysis_dict

            sys.stdout.write(json.dumps(analysis_dict(result, options)) + "\n")
        else:
            from ..render.show import show

            show(result, connections, options)
    return status
