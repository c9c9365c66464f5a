"""Tables too wide for their output, laid out again so that nothing is cut.

A table whose columns fit side by side at their full width is drawn as rich draws it (plain.py,
terminal.py). Narrower than that, rich would narrow every column and cut numbers with an
ellipsis (`16,781,3…`); this module draws instead the first of two layouts that fits:

- compact: the columns side by side, two blanks apart (one after a column of names when that
  is what it takes to fit), numbers and shapes at their full width, names folded in narrower
  columns (never below FOLD_FLOOR), and the `below` column (check's arithmetic) on lines of its
  own under each row;
- stacked: each row as a head line (its number, name and type), then its values as
  `label value` items packed onto indented lines (a shape too long for a line breaks after its
  `->`), then the `below` lines.

Only names fold inside a word; everything else wraps between words, so a number or a shape is
never broken (one longer than the whole width overflows it: nothing narrower can hold it). No
line ends in a blank. Pure functions of text: the lines come back as styled spans for
terminal.py to colour and for table.py to print plainly.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Sequence

from .plain import Column

Span = tuple[str, str]  # a piece of text and its rich style ("" for none)
StyledLine = list[Span]
Word = list[Span]  # a word's pieces: one per style it is written in
Item = list[Word]  # a run of words one blank apart, kept on one line when it fits

_WORDS = re.compile(r"( *)(\S+)")

GAP = 2  # blanks between columns, and between items of a stacked row
LEAD = 1  # blanks before the first column, as rich's table has
FOLD_FLOOR = 12  # a column of names is never folded narrower than this


def cells(text: str) -> int:
    """Terminal cells the text takes: two for a wide (East Asian) character, none for a combining one."""
    if text.isascii():
        return len(text)
    return sum(0 if unicodedata.combining(ch) else 2 if unicodedata.east_asian_width(ch) in "WF" else 1
               for ch in text)


def tokens(text: str) -> list[str]:
    """The words a line may wrap between; an arrow stays with the shape before it (`3x227x227 ->`)."""
    out: list[str] = []
    for word in text.split():
        if word == "->" and out:
            out[-1] += " ->"
        else:
            out.append(word)
    return out


def fold(word: str, width: int) -> list[str]:
    """A name longer than the width in pieces that fit, broken after a '.', '_' or '-' where one
    is in the second half of a piece (`layer1.0.` / `conv1`), else at the width."""
    pieces = []
    while cells(word) > width:
        cut = 1
        while cut < len(word) and cells(word[:cut + 1]) <= width:
            cut += 1
        mark = max(word.rfind(ch, 0, cut) for ch in "._-")
        if mark + 1 > cut // 2:
            cut = mark + 1
        pieces.append(word[:cut])
        word = word[cut:]
    return [*pieces, word]


def wrap(text: str, width: int) -> list[str]:
    """A cell's words packed onto lines of at most width cells, a word longer than that folded
    (only a column of names is ever narrower than its cells); leading blanks (a block's indent)
    start every line."""
    indent = text[:len(text) - len(text.lstrip(" "))]
    room = max(width - len(indent), 1)
    lines: list[str] = []
    current = ""
    for word in tokens(text):
        joined = f"{current} {word}" if current else word
        if cells(joined) <= room:
            current = joined
            continue
        if current:
            lines.append(current)
        pieces = fold(word, room)
        lines += pieces[:-1]
        current = pieces[-1]
    return [indent + line for line in [*lines, current]]


def hang(text: str, style: str, indent: int, width: int) -> list[StyledLine]:
    """Each line of text (a row's arithmetic) indented and wrapped to the width between words,
    its continuation lines further in, so that they read as one formula."""
    return [line for part in text.split("\n") if part for line in items_lines(" " * indent, [(part, style)], width)]


def items_lines(indent: str, items: list[Span], width: int, hanging: int = GAP) -> list[StyledLine]:
    """Styled items GAP apart after the indent: one line when they fit (the common case, kept
    cheap: this runs for every row of a narrow table), else pack_items' lines."""
    if len(indent) + sum(cells(text) for text, _ in items) + GAP * (len(items) - 1) <= width:
        line: StyledLine = [(indent, "")]
        for n, item in enumerate(items):
            line += [(" " * GAP, ""), item] if n else [item]
        return [line]
    return pack_items(indent, [words_of(text, style) for text, style in items], width, hanging)


def trim(line: StyledLine) -> StyledLine:
    """The line without the blanks it ends with."""
    line = list(line)
    while line and not line[-1][0].strip():
        line.pop()
    if line:
        text, style = line[-1]
        line[-1] = (text.rstrip(), style)
    return line


def style_of(column: Column, span: Span) -> str:
    return " ".join(s for s in (column.style, span[1]) if s)


def table_width(columns: Sequence[Column], rows: Sequence[Sequence[Span]]) -> int:
    """The width rich's table takes with every column at its full width (padding 1 each side,
    a blank edge either side and between columns): wider than the output, it is laid out here."""
    widest = []
    for c, column in enumerate(columns):  # a column as one string: this runs on 100,000 rows
        lines = "\n".join([column.header, *(row[c][0] for row in rows)]).split("\n")
        widest.append(max(map(len if all(map(str.isascii, lines)) else cells, lines)))
    return sum(widest) + 2 * len(columns) + len(columns) + 1


def layout(title: Sequence[Span], columns: Sequence[Column], rows: Sequence[Sequence[Span]],
           width: int, rule: str = "\u2500") -> list[StyledLine]:
    """The table at this width: compact if its columns can fit side by side, else stacked. The
    title comes first, wrapped, then a blank line; a blank line ends the table. `rule` draws
    the line under the header ("-" where the output's encoding has no box characters)."""
    body = compact(columns, rows, width, rule)
    return [*paragraph(title, width), [], *(body if body is not None else stacked(columns, rows, width)), []]


def compact(columns: Sequence[Column], rows: Sequence[Sequence[Span]], width: int,
            rule: str = "\u2500") -> list[StyledLine] | None:
    """Columns side by side with the `below` column under each row; None if they cannot fit."""
    side = [c for c, column in enumerate(columns) if not column.below]
    below = [c for c, column in enumerate(columns) if column.below]
    texts = {c: [columns[c].header, *(row[c][0] for row in rows)] for c in side}
    full = {c: max(map(cells, texts[c])) for c in side}
    least = dict(full)  # only names fold here; a shape broken in two would make every row two lines
    for c in side:
        if columns[c].fold:  # a block's indent comes on top of the floor
            indent = max(len(text) - len(text.lstrip(" ")) for text in texts[c])
            least[c] = min(full[c], indent + max([FOLD_FLOOR, *map(cells, tokens(columns[c].header))]))
    # Before any name is folded, the blanks after the text columns (name, type) go down to one:
    # `localresponsenorm` whole beats `localresponseno` / `rm` (AlexNet at 80 columns). Numbers
    # keep two blanks between them, so `34,944  105,415,200` never reads as one figure.
    gaps = [GAP] * (len(side) - 1)
    if sum(full.values()) + sum(gaps) > width - LEAD:
        gaps = [1 if columns[c].justify != "right" else GAP for c in side[:-1]]
    spare = width - LEAD - sum(gaps)
    if sum(least.values()) > spare:
        return None
    widths = dict(full)
    while sum(widths.values()) > spare:  # the widest column of names gives up a cell, then the next
        widest = max((c for c in side if widths[c] > least[c]), key=lambda c: widths[c])
        widths[widest] -= 1
    header = [(columns[c].header, "bold") for c in side]
    out = grid(side, columns, header, widths, gaps)
    out.append([(" " * LEAD + rule * (sum(widths.values()) + sum(gaps)), "")])
    first = side[1] if len(side) > 1 else side[0]  # the name column, which arithmetic goes under
    start = LEAD + sum(widths[c] + g for c, g in zip(side[:side.index(first)], gaps))
    for row in rows:
        out += grid(side, columns, [row[c] for c in side], widths, gaps)
        name = row[first][0]
        indent = min(start + len(name) - len(name.lstrip(" ")) + 2, width // 3)
        for c in below:
            out += hang(row[c][0], style_of(columns[c], row[c]), indent, width)
    return out


def grid(side: list[int], columns: Sequence[Column], row: list[Span], widths: dict[int, int],
         gaps: Sequence[int]) -> list[StyledLine]:
    """A row's cells side by side, each wrapped in its column and justified, with gaps[n] blanks
    between column n and the next."""
    lines = [[text] if cells(text) <= widths[c] else wrap(text, widths[c]) for c, (text, _) in zip(side, row)]
    out = []
    for i in range(max(map(len, lines))):
        line: StyledLine = [(" " * LEAD, "")]
        for n, (c, span, cell_lines) in enumerate(zip(side, row, lines)):
            text = cell_lines[i] if i < len(cell_lines) else ""
            pad = " " * (widths[c] - cells(text))
            text = pad + text if columns[c].justify == "right" else text + pad
            line += ([(" " * gaps[n - 1], "")] if n else []) + [(text, style_of(columns[c], span))]
        out.append(trim(line))
    return out


def stacked(columns: Sequence[Column], rows: Sequence[Sequence[Span]], width: int) -> list[StyledLine]:
    """Each row as lines: the head (the columns without a label: number, name, type), then
    `label value` items packed onto lines under the name, then the `below` lines."""
    heads = [c for c, column in enumerate(columns) if column.label is None and not column.below]
    number = max((cells(row[heads[0]][0]) for row in rows), default=0)
    out: list[StyledLine] = []
    for row in rows:
        first, name = row[heads[0]][0], row[heads[1]][0]
        depth = len(name) - len(name.lstrip(" "))  # a block's layers are indented under it
        lead = LEAD + number - cells(first) if first else LEAD + number + GAP + depth
        texts = [first, " " * depth * bool(first) + name.lstrip(" "), *(row[c][0] for c in heads[2:])]
        head = [(text, style_of(columns[c], row[c])) for c, text in zip(heads, texts) if text.strip()]
        out += items_lines(" " * lead, head, width)
        indent = min(LEAD + number + GAP + depth + 2, width // 3)
        items = [(f"{column.label} {row[c][0]}".strip(), style_of(column, row[c]))
                 for c, column in enumerate(columns) if column.label is not None and row[c][0]]
        out += items_lines(" " * indent, items, width, hanging=0) if items else []
        for c in (c for c, column in enumerate(columns) if column.below):
            out += hang(row[c][0], style_of(columns[c], row[c]), indent, width)
    return out


def paragraph(spans: Sequence[Span], width: int) -> list[StyledLine]:
    """Styled text (it may hold newlines) wrapped to the width. A line that fits is kept as it
    is (a tensor's aligned values too); a longer one is broken between its items, the runs of
    words two blanks apart (`parameters 237.95 MiB  buffers 0 B`), which stay whole when they
    fit, so that a number stays with its unit; its continuation lines are indented two blanks
    further. A word wider than the whole line overflows it."""
    lines: list[StyledLine] = [[]]
    for text, style in spans:
        for n, part in enumerate(text.split("\n")):
            if n:
                lines.append([])
            if part:
                lines[-1].append((part, style))
    out: list[StyledLine] = []
    for line in lines:
        if cells("".join(text for text, _ in line)) <= width:
            out.append(trim(line))
            continue
        indent, items = "", list[Item]()
        for text, style in line:
            for blanks, word in _WORDS.findall(text):
                if not items:
                    indent += blanks
                    items.append([[(word, style)]])
                elif len(blanks) >= 2:
                    items.append([[(word, style)]])
                elif blanks:
                    items[-1].append([(word, style)])
                else:  # the word goes on in another style
                    items[-1][-1].append((word, style))
        out += pack_items(indent, items, width)
    return out


def pack_items(indent: str, items: list[Item], width: int, hanging: int = GAP) -> list[StyledLine]:
    """Items GAP apart on lines of at most width cells after the indent, the continuation
    lines indented `hanging` further; an item too long for the rest of a line starts the next
    one, and one too long for a line of its own wraps between its words (a word is never broken)."""
    def size(word: Word) -> int:
        return sum(cells(text) for text, _ in word)

    rest = " " * (len(indent) + hanging)
    out: list[StyledLine] = []
    line, used, fresh = [(indent, "")], len(indent), True
    for item in items:
        if not fresh:
            if used + GAP + sum(map(size, item)) + len(item) - 1 <= width:
                line.append((" " * GAP, ""))
                used += GAP
            else:
                out.append(trim(line))
                line, used = [(rest, "")], len(rest)
        for n, word in enumerate(item):
            if n and used + 1 + size(word) > width:
                out.append(trim(line))
                line, used = [(rest, "")], len(rest)
            elif n:
                line.append((" ", ""))
                used += 1
            line += word
            used += size(word)
            fresh = False
    out.append(trim(line))
    return out


def words_of(text: str, style: str) -> Item:
    """The text as an item of words in one style (an arrow kept with the shape before it)."""
    return [[(word, style)] for word in tokens(text)]


def text_of(lines: list[StyledLine]) -> str:
    """Styled lines as plain text, each ending in a newline."""
    return "".join("".join(text for text, _ in line) + "\n" for line in lines)
