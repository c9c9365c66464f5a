"""`shapecalc check`: every file's table (or JSON document, Markdown, one HTML page); and reading one
spec for any command."""

from __future__ import annotations

import io
import sys
from pathlib import Path
from typing import Sequence

from ..analysis.calc import Analysis
from ..analysis.check import NotASpecFile, check_file
from ..analysis.cost import Options
from ..diagnostics import has_errors
from .status import Exit, write_out


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


def check(files: Sequence[Path], *, format: str, output: str | None, connections: bool, convention: str | None,
          dtype: str, batch: int, optimizer: str) -> Exit:
    """`shapecalc check`: a table (a JSON line, a Markdown section) per file, or one HTML page for
    them all; the exit code 0, 1 or 2.

    Without --convention, each file's convention comes from [tool.shapecalc] in the
    pyproject.toml nearest to it, as lint's settings do (ruff's rule: a spec in a subproject
    is counted as that subproject says, whichever folder check runs from). With --output the report is built in memory and the
    file written once at the end: opened first, `check net.yaml -o net.yaml` would empty the
    spec before reading it, and a run that fails halfway leaves no half-written page."""
    conventions: dict[Path, str] = {}  # folder -> its configured convention, read once

    def options_for(path: Path) -> Options | str:
        """The options of one file, or why its configuration cannot be read (exit code 2)."""
        if convention is not None:  # given: no configuration is read (nor lint imported)
            return Options(convention, dtype, batch, optimizer)
        from ..analysis.lint import ConfigError, load_config

        folder = path.resolve().parent
        if folder not in conventions:
            try:
                conventions[folder] = load_config(folder).convention
            except ConfigError as err:
                return str(err)
        return Options(conventions[folder], dtype, batch, optimizer)

    buffer = io.StringIO()
    out = sys.stdout if output is None else buffer
    status = Exit.OK
    pages: list[tuple[Analysis, Options]] = []  # --format html: one page for all, written after the last
    for path in files:
        result = read_spec(path)
        if isinstance(result, str):
            print(f"error: {result}", file=sys.stderr)
            status = Exit.CANNOT_RUN
            continue
        options = options_for(path)
        if isinstance(options, str):
            print(f"error: {options}", file=sys.stderr)
            return Exit.CANNOT_RUN
        if has_errors(result.diagnostics):
            status = max(status, Exit.PROBLEMS)
        if format == "json":
            from ..render.output import json_text
            from ..render.report import analysis_dict

            out.write(json_text(analysis_dict(result, options)) + "\n")
        elif format == "markdown":
            from ..render.markdown import markdown

            out.write(markdown(result, connections, options))
        elif format == "html":
            pages.append((result, options))
        else:
            from ..render.show import show

            show(result, connections, options, file=out)
    if pages:
        from ..render.html import page

        out.write(page([a for a, _ in pages], [o for _, o in pages], connections))
    if output is not None and not write_out(buffer.getvalue(), output):
        return Exit.CANNOT_RUN
    return status
