"""Tables and paragraphs as rich prints them without colour, made with string methods.

`shapecalc check` in CI writes to a pipe or a file, and there rich draws nothing it could not
draw with str.ljust: no colour, no terminal. Importing rich's console and laying out a few
hundred cells with it costs more than checking ResNet-50, so this module draws the same
characters itself, for printable ASCII only; anything else (non-ASCII, wide characters) returns
None and rich draws it. Tables are drawn only at their full width, where rich neither wraps nor
cuts a cell (narrower ones are narrow.py's); a title longer than the table wraps by rich's rules
(rich.text's word wrap with `fold`). tests/test_perf.py compares the two on every shipped spec,
option and width.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Sequence

_WORD = re.compile(r"\s*\S+\s*")  # rich's "word": the word with the spaces before and after it


@dataclass(frozen=True)
class Column:
    """A table column; the last three say how narrow.py may lay it out when the table is wider
    than the output (here every column is drawn at its full width)."""

    header: str
    justify: str = "left"  # or "right"
    style: str = ""  # rich's style of the column, for the terminal; nothing here
    fold: bool = False  # names, which may fold in a narrowed column; other columns keep their width
    label: str | None = None  # stacked, a value is printed `label value`; None: part of the row's head
    below: bool = False  # printed under its row (check's arithmetic) rather than beside it


def printable(text: str) -> bool:
    """One-cell characters only: what this module can measure by len()."""
    return text.isascii() and text.isprintable()


def wrap(line: str, width: int) -> list[str]:
    """One line of printable ASCII broken to `width` as rich breaks it: at the start of the word
    that does not fit; a word longer than the width folded onto lines of its own; trailing
    spaces beyond the width dropped, those within it kept."""
    breaks: list[int] = []
    offset = 0
    for match in _WORD.finditer(line):
        start, word = match.start(), match.group()
        length = len(word.rstrip())
        if width - offset >= length:
            offset += len(word)
        elif length > width:
            pieces = [word[i:i + width] for i in range(0, len(word), width)]
            for piece in pieces[:-1]:
                if start:
                    breaks.append(start)
                start += len(piece)
            if start:
                breaks.append(start)
            offset = len(pieces[-1])
        elif offset and start:
            breaks.append(start)
            offset = len(word)
    lines = [line[a:b] for a, b in zip([0, *breaks], [*breaks, len(line)])]
    for i, piece in enumerate(lines):
        if len(piece) > width:
            spaces = len(piece) - len(piece.rstrip(" "))
            lines[i] = piece[:len(piece) - min(spaces, len(piece) - width)]
    return lines


def table(title: str, columns: Sequence[Column], rows: Sequence[Sequence[str]], width: int) -> str | None:
    """The table as rich draws it with the SIMPLE_HEAD box, a left-justified title and
    padding (0, 1), every column at its full width: a blank line, the header, a rule, the rows,
    a blank line, each line without its trailing blanks (terminal.py trims rich's the same way).
    None when a cell is not printable ASCII or the columns do not fit the width (then
    narrow.py lays the table out).

    Whole columns are checked and measured as one string (str methods, not a loop per cell):
    this runs on tables of 100,000 rows."""
    texts = [[column.header, *(row[c] for row in rows)] for c, column in enumerate(columns)]
    widths = []
    for column, column_texts in zip(columns, texts):
        whole = "\n".join(column_texts)
        if not printable(whole.replace("\n", " ")):
            return None
        if column.justify == "right" and (" \n" in whole or whole.endswith(" ")):
            return None  # rich strips the end of right-justified lines
        widths.append(max(map(len, whole.split("\n"))) + 2)
    table_width = sum(widths) + len(columns) + 1  # the edges and the dividers between columns
    if table_width > width or not printable(title):
        return None
    cells = [[text.split("\n") for text in column_texts] for column_texts in texts]  # [column][row] -> lines
    out = [piece.rstrip(" ") for piece in wrap(title, table_width)] if title else []
    out.append("")
    pads = [(w - 2, column.justify == "right") for w, column in zip(widths, columns)]
    for r in range(len(rows) + 1):
        row = [column_cells[r] for column_cells in cells]
        for i in range(max(map(len, row))):
            parts = [(lines[i] if i < len(lines) else "") for lines in row]
            out.append(("  " + "   ".join(text.rstrip(" ").rjust(w) if right else text.ljust(w)
                                          for text, (w, right) in zip(parts, pads))).rstrip(" "))
        if r == 0:
            out.append(" " + "\u2500" * (table_width - 2))
    out.append("")
    return "\n".join(out) + "\n"
