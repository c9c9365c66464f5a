"""Tables and paragraphs as rich prints them without colour, made with string methods.

`shapecalc check` in CI writes to a pipe or a file, and there rich draws nothing it could not
draw with str.ljust: no colour, no terminal. Importing rich's console and laying out a few
hundred cells with it costs more than checking ResNet-50, so this module draws the same
characters itself, for printable ASCII only; anything else (non-ASCII, wide characters, a cell
too narrow to wrap) returns None and rich draws it. Wrapping follows rich's rules (rich.text's
word wrap with `fold`, rich.table's column collapse); tests/test_perf.py compares the two on
every shipped spec, option and width.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Sequence

_WORD = re.compile(r"\s*\S+\s*")  # rich's "word": the word with the spaces before and after it


@dataclass(frozen=True)
class Column:
    header: str
    justify: str = "left"  # or "right"
    style: str = ""  # rich's style of the column, for the terminal; nothing here


def printable(text: str) -> bool:
    """One-cell characters only: what this module can measure by len()."""
    return text.isascii() and text.isprintable()


def wrap(line: str, width: int, fold: bool = True) -> list[str]:
    """One line of printable ASCII broken to `width` as rich breaks it: at the start of the word
    that does not fit; a word longer than the width folded onto lines of its own (`fold`), or
    else left whole on its line, for the caller to cut; trailing spaces beyond the width dropped,
    those within it kept."""
    breaks: list[int] = []
    offset = 0
    for match in _WORD.finditer(line):
        start, word = match.start(), match.group()
        length = len(word.rstrip())
        if width - offset >= length:
            offset += len(word)
        elif length > width and fold:
            pieces = [word[i:i + width] for i in range(0, len(word), width)]
            for piece in pieces[:-1]:
                if start:
                    breaks.append(start)
                start += len(piece)
            if start:
                breaks.append(start)
            offset = len(pieces[-1])
        elif length > width or offset and start:
            if start:
                breaks.append(start)
            offset = len(word)
    lines = [line[a:b] for a, b in zip([0, *breaks], [*breaks, len(line)])]
    for i, piece in enumerate(lines):
        if len(piece) > width:
            spaces = len(piece) - len(piece.rstrip(" "))
            lines[i] = piece[:len(piece) - min(spaces, len(piece) - width)]
    return lines


def paragraph(text: str, width: int) -> str:
    """`console.print(Text(text))` on a console of this width, newline included."""
    return "".join(piece[:width] + "\n" for line in text.split("\n") for piece in wrap(line, width))


def cut(text: str, width: int) -> str:
    """A table cell's line cut to the width as rich cuts it (the column's overflow, "ellipsis")."""
    return text if len(text) <= width else text[:width - 1] + "\u2026"


def collapse(widths: list[int], room: int) -> list[int]:
    """rich's Table._collapse_widths when every column may wrap: narrow the widest columns
    evenly, down to the next widest at most, until the total fits the room."""
    excess = sum(widths) - room
    while sum(widths) and excess > 0:
        widest = max(widths)
        second = max((w for w in widths if w != widest), default=0)
        cap = min(excess, widest - second)
        remaining, share = excess, widths.count(widest)
        reduced = []
        for w in widths:
            if w == widest:
                cut = min(cap, round(remaining / share))
                reduced.append(w - cut)
                remaining, share = remaining - cut, share - 1
            else:
                reduced.append(w)
        widths = reduced
        excess = sum(widths) - room
    return widths


def table(title: str, columns: Sequence[Column], rows: Sequence[Sequence[str]], width: int) -> str | None:
    """The table as rich draws it with the SIMPLE_HEAD box, a left-justified title and
    padding (0, 1): a blank line, the header, a rule, the rows, a blank line. None when a cell
    is not printable ASCII, a header needs wrapping, or the columns cannot fit the width.

    Whole columns are checked and measured as one string (str methods, not a loop per cell):
    this runs on tables of 100,000 rows."""
    texts = [[column.header, *(row[c] for row in rows)] for c, column in enumerate(columns)]
    natural = []
    for column, column_texts in zip(columns, texts):
        whole = "\n".join(column_texts)
        if not printable(whole.replace("\n", " ")):
            return None
        if column.justify == "right" and (" \n" in whole or whole.endswith(" ")):
            return None  # rich strips the end of right-justified lines
        natural.append(max(map(len, whole.split("\n"))) + 2)
    extra = len(columns) + 1  # the edges and the dividers between columns
    room = width - extra
    widths = [min(w, room) for w in natural]  # rich's measure: no column wider than the room
    if sum(widths) > room:
        widths = collapse(widths, room)
    if sum(widths) > room or min(widths) < 3 or not printable(title):
        return None  # rich's last resort, narrowing every column, is not covered
    cells = [[text.split("\n") for text in column_texts] for column_texts in texts]  # [column][row] -> lines
    for column_cells, w, natural_width in zip(cells, widths, natural):
        if w < natural_width:
            for i, lines in enumerate(column_cells):
                if any(len(line) > w - 2 for line in lines):
                    if i == 0:
                        return None
                    column_cells[i] = [cut(piece, w - 2) for line in lines for piece in wrap(line, w - 2, fold=False)]
    table_width = sum(widths) + extra
    out = [piece.ljust(table_width) for piece in wrap(title, table_width)] if title else []
    out.append(" " * table_width)
    pads = [(w - 2, column.justify == "right") for w, column in zip(widths, columns)]
    for r in range(len(rows) + 1):
        row = [column_cells[r] for column_cells in cells]
        for i in range(max(map(len, row))):
            parts = [(lines[i] if i < len(lines) else "") for lines in row]
            out.append("  " + "   ".join(text.rstrip(" ").rjust(w) if right else text.ljust(w)
                                         for text, (w, right) in zip(parts, pads)) + "  ")
        if r == 0:
            out.append(" " + "\u2500" * (table_width - 2) + " ")
    out.append(" " * table_width)
    return "\n".join(out) + "\n"
