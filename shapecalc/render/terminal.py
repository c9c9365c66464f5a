"""`check`'s report (table.Report) in colour on a terminal, with rich.

The only module of `check` that imports rich: into a pipe or a file the report is drawn
without it (plain.py), the same characters.
"""

from __future__ import annotations

from typing import Sequence, TextIO

from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

from ..analysis.calc import Analysis, gc_paused
from ..analysis.cost import Options
from .table import PIPE_WIDTH, Report, Span, report, table_text

#: Tables of more rows than this are drawn plainly (plain.table) even on a colour terminal:
#: rich lays out about a thousand rows a second, plain.table tens of thousands.
PLAIN_ROWS = 1_000


def make_console(file: TextIO | None = None) -> Console:
    console = Console(file=file, highlight=False)
    if not console.is_terminal:
        console = Console(file=file, highlight=False, width=PIPE_WIDTH)
    return console


def text_of(spans: Sequence[Span]) -> Text:
    """Styled text, never parsed as markup."""
    return Text.assemble(*((text, style or "") for text, style in spans))


def rich_table(rep: Report) -> Table:
    table = Table(title=text_of(rep.title), title_justify="left", box=box.SIMPLE_HEAD)
    for column in rep.columns:
        table.add_column(column.header, justify=column.justify, style=column.style or None)  # type: ignore[arg-type]
    for row in rep.rows:
        table.add_row(*(Text(text, style=style) for text, style in row))
    return table


@gc_paused()  # rich makes many objects per row: see calc.gc_paused
def print_report(rep: Report, console: Console) -> None:
    if rep.columns:
        plain = None
        if console.color_system is None or len(rep.rows) > PLAIN_ROWS:
            simple = not (console.options.ascii_only or console.legacy_windows)  # rich draws other boxes there
            plain = table_text(rep, console.width) if simple else None
        if plain is None:
            console.print(rich_table(rep))
        elif console.record or console.quiet or getattr(console, "_buffer_index", 1):
            console.out(plain, end="", highlight=False)
        else:  # rich writes every print at once outside `with console:`; this is the same, unparsed
            console.file.write(plain)
    for line in rep.lines:
        console.print(text_of(line.spans), soft_wrap=line.soft)


def render(a: Analysis, console: Console, connections: bool = False, options: Options | None = None) -> None:
    """Print the report of `a` on this console (the tests compare it with the plain text)."""
    print_report(report(a, connections, options), console)
