"""`check --format markdown`: the text report as GitHub-flavoured Markdown, to paste into a pull
request or a homework answer.

It is table.py's report (the same rows, totals, notes and diagnostics, so the numbers cannot
drift from the text table), written as a GFM table and a list. User text (layer names, paths,
messages) is escaped for Markdown: `|` would end a cell, a backtick open code, `*` and `_`
emphasis, `<` start raw HTML, `[` a link, `&` an entity, `~` strikethrough, `$` GitHub's math;
each becomes a backslash escape, which CommonMark defines for any ASCII punctuation. The
arithmetic goes in code spans instead (`(5*5*1)*6 + 6` reads better without backslashes),
where only `|` needs one (GFM splits cells first). Control characters were already escaped by
the report (diagnostics.one_line).
"""

from __future__ import annotations

import re

from ..analysis.calc import Analysis
from ..analysis.cost import Options
from . import plain
from .table import Line, Report, Span, report

_SPECIAL = re.compile(r"([\\`*_\[\]<|~&$])")


def escape(text: str) -> str:
    """Text that Markdown shows as written, inside a table cell too."""
    return _SPECIAL.sub(r"\\\1", text)


def _spans(spans: list[Span]) -> str:
    """Spans the text report prints in bold (locations, codes, block rows) in bold here too."""
    return "".join(f"**{escape(text)}**" if "bold" in style and text.strip() else escape(text)
                   for text, style in spans)


def code(text: str) -> str:
    """text as a code span inside a table cell: a fence longer than any run of backticks in it."""
    fence = "`" * (max(map(len, re.findall("`+", text)), default=0) + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text.replace('|', chr(92) + '|')}{pad}{fence}"


def _cell(text: str, style: str, literal: bool = False) -> str:
    """One cell: block depth (leading spaces) as non-breaking spaces, lines joined with <br>;
    `literal` (the arithmetic) as code spans."""
    depth = len(text) - len(text.lstrip(" "))
    lines = [(code if literal else escape)(line) for line in text.strip(" ").split("\n") if line or not literal]
    body = "<br>".join(f"**{line}**" if "bold" in style and line else line for line in lines)
    return "&nbsp;" * depth + body


def _table(columns: list[plain.Column], rows: list[list[Span]]) -> list[str]:
    align = {"right": "---:", "left": ":---"}
    out = ["| " + " | ".join(escape(c.header) for c in columns) + " |",
           "|" + "|".join(align[c.justify] for c in columns) + "|"]
    literal = [c.header == "arithmetic" for c in columns]
    out += ["| " + " | ".join(_cell(text, style, lit) for (text, style), lit in zip(row, literal)) + " |"
            for row in rows]
    return out


def _lines(line: Line) -> list[str]:
    """A paragraph of the text report as list items, one per line it prints."""
    items: list[list[Span]] = [[]]
    for text, style in line.spans:
        first, *rest = text.split("\n")
        items[-1].append((first, style))
        items += [[(piece, style)] for piece in rest]
    return [f"- {_spans(spans)}" for spans in items if "".join(t for t, _ in spans).strip()]


def document(rep: Report) -> str:
    """One spec's part: a heading, the table, then totals, notes and diagnostics as a list."""
    out = [f"### {escape(''.join(text for text, _ in rep.title))}", ""]
    if rep.columns:
        out += [*_table(rep.columns, rep.rows), ""]
    items = [item for line in rep.lines for item in _lines(line)]
    return "\n".join(out + items + ([""] if items else []))


def markdown(a: Analysis, connections: bool = False, options: Options | None = None) -> str:
    """The Markdown for one checked spec (several specs' parts are written one after the other)."""
    return document(report(a, connections, options)) + "\n"
