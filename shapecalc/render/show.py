"""Where check's report goes: plainly into a pipe or a file (no rich import), else drawn by rich.

table.py builds the report and draws it plainly, terminal.py draws it in colour; this module
chooses between them, so neither renderer needs the other's choice (and rich stays unimported in
the common CI case: importing it costs about as much as checking ResNet-50).
"""

from __future__ import annotations

import os
import sys
from typing import Mapping, TextIO

from ..analysis.cost import Options
from ..analysis.calc import Analysis
from .output import output_width
from .table import plain_text, report


def is_pipe(file: TextIO, env: Mapping[str, str]) -> bool:
    """True where rich would print without colour with its usual box characters:
    a UTF-8 file that is not a terminal, and none of the variables that make rich treat it as
    one (FORCE_COLOR, TTY_COMPATIBLE)."""
    if "FORCE_COLOR" in env or "TTY_COMPATIBLE" in env:
        return False
    if not (getattr(file, "encoding", None) or "utf-8").lower().startswith("utf"):
        return False
    try:
        return not file.isatty()
    except (AttributeError, ValueError):
        return False


def show(a: Analysis, connections: bool = False, options: Options | None = None, file: TextIO | None = None) -> None:
    """Print the report to `file` (standard output): plainly into a pipe or a file, else with rich."""
    file = file or sys.stdout
    rep = report(a, connections, options)
    text = plain_text(rep, output_width(file, os.environ)) if is_pipe(file, os.environ) else None
    if text is not None:
        file.write(text)
        return
    from .terminal import make_console, print_report  # rich only when drawing for a terminal

    print_report(rep, make_console(file))
