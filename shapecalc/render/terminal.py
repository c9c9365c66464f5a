"""`check`'s report (table.Report) in colour on a terminal, with rich.

The only module of `check` that imports rich: into a pipe or a file the report is drawn
without it (plain.py), the same characters.
"""

from __future__ import annotations

import os
import sys
from typing import Any, Sequence, TextIO

from rich import box
from rich.console import Console, RenderableType
from rich.segment import Segment, Segments
from rich.table import Table
from rich.text import Text

from ..analysis.calc import Analysis, gc_paused
from ..analysis.cost import Options
from .narrow import paragraph
from .output import is_terminal, output_width, use_color
from .table import Line, Report, Span, full_table, narrow_lines, report

#: Tables of more rows than this are drawn plainly (plain.table) even on a colour terminal:
#: rich lays out about a thousand rows a second, plain.table tens of thousands.
PLAIN_ROWS = 1_000


def make_console(file: TextIO | None = None) -> Console:
    """A console on file (standard output) that colours by output.use_color, the rule of every
    command: rich's own reading of the environment differs (NO_COLOR keeps bold, TERM=dumb
    refuses what FORCE_COLOR asks for), so it is told. As wide as output.output_width says, the
    width rule of every command."""
    file = file or sys.stdout
    color = use_color(is_terminal(file), os.environ)
    options: dict[str, Any] = {"file": file, "highlight": False, "force_terminal": True if color else None,
                               "color_system": "auto" if color else None, "width": output_width(file, os.environ)}
    console = Console(**options)
    if color and console.color_system is None:  # rich detects no colours on a dumb terminal
        console = Console(**options | {"color_system": "standard"})
    return console


def print_trimmed(console: Console, renderable: RenderableType) -> None:
    """Print as console.print does, but with no line ending in blanks: rich pads a table's lines
    to its width and keeps the blank a line was wrapped at, which a pipe, a file or a copied
    terminal would keep."""
    segments: list[Segment] = []
    for line in console.render_lines(renderable, pad=False):
        while line and not line[-1].control and not line[-1].text.strip():
            line.pop()
        if line and not line[-1].control:
            line[-1] = Segment(line[-1].text.rstrip(), line[-1].style)
        segments += [*line, Segment.line()]
    console.print(Segments(segments))


def text_of(spans: Sequence[Span]) -> Text:
    """Styled text, never parsed as markup."""
    return Text.assemble(*((text, style or "") for text, style in spans))


def rich_table(rep: Report, ascii_only: bool = False) -> Table:
    """The report's table for rich. On a console whose encoding is not UTF (ascii_only), where
    rich draws the box in ASCII, a cell too long for its column folds onto more lines instead
    of ending in rich's '\u2026', which the encoding cannot hold (output.write_escapes would
    print six characters in a one-character cell)."""
    table = Table(title=text_of(rep.title), title_justify="left", box=box.SIMPLE_HEAD)
    overflow = "fold" if ascii_only else "ellipsis"
    for column in rep.columns:
        table.add_column(column.header, justify=column.justify, style=column.style or None,  # type: ignore[arg-type]
                         overflow=overflow)
    for row in rep.rows:
        table.add_row(*(Text(text, style=style) for text, style in row))
    return table


def escaped(rep: Report, encoding: str) -> Report:
    """rep with every character the encoding cannot hold already escaped, as output.write_escapes
    would write it ('conv\\xe9'), so that rich measures and aligns what is printed."""

    def escape(spans: Sequence[Span]) -> list[Span]:
        return [(text.encode(encoding, "backslashreplace").decode(encoding), style) for text, style in spans]

    return Report(escape(rep.title), rep.columns, [escape(row) for row in rep.rows],
                  [Line(escape(line.spans), line.soft) for line in rep.lines])


@gc_paused()  # rich makes many objects per row: see calc.gc_paused
def print_report(rep: Report, console: Console) -> None:
    if console.options.ascii_only:
        rep = escaped(rep, console.encoding)
    lines = narrow_lines(rep, console.width, console.options.ascii_only) if rep.columns else None
    if lines is not None:
        for styled in lines:  # laid out to the width already
            console.print(text_of(styled), soft_wrap=True)
    elif rep.columns:
        plain = None
        if console.color_system is None or len(rep.rows) > PLAIN_ROWS:
            simple = not (console.options.ascii_only or console.legacy_windows)  # rich draws other boxes there
            plain = full_table(rep, console.width) if simple else None  # narrow_lines said it fits
        if plain is None:
            print_trimmed(console, rich_table(rep, console.options.ascii_only))
        elif console.record or console.quiet or getattr(console, "_buffer_index", 1):
            console.out(plain, end="", highlight=False)
        else:  # rich writes every print at once outside `with console:`; this is the same, unparsed
            console.file.write(plain)
    for line in rep.lines:
        if line.soft:
            console.print(text_of(line.spans), soft_wrap=True)
        else:
            print_paragraph(console, line.spans)


def print_paragraph(console: Console, spans: Sequence[Span]) -> None:
    """Styled text wrapped to the console's width by narrow.paragraph (items whole, no line
    ending in a blank), not by rich, which breaks a number from its unit."""
    for line in paragraph(spans, console.width):
        console.print(text_of(line), soft_wrap=True)


def render(a: Analysis, console: Console, connections: bool = False, options: Options | None = None) -> None:
    """Print the report of `a` on this console (the tests compare it with the plain text)."""
    print_report(report(a, connections, options), console)
