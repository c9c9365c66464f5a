"""`shapecalc explain`'s Explanations as text or Markdown: formulas on one line, words wrapped."""

from __future__ import annotations

import textwrap

from ..analysis.calc import Analysis
from ..analysis.explain import Explanation
from ..layers.base import shape_str

#: Explanations in words wrap at this width in text; formulas stay on one line.
WRAP = 100


def title(a: Analysis) -> str:
    return f"{a.spec.name or a.spec.path}  input {shape_str(a.spec.input_shape)}"


def render_text(a: Analysis, explanations: list[Explanation]) -> str:
    width = max((len(i.label) for e in explanations for i in e.items), default=0) + 2
    out = [title(a), ""]
    for e in explanations:
        out.append(f"{e.name} ({e.type})  {e.heading}")
        for item in e.items:
            label = f"{item.label}:".ljust(width)
            out.append(f"  {label}{item.lines[0]}")
            for line in item.lines[1:]:  # words, wrapped; the arithmetic is never broken
                out += textwrap.wrap(line, WRAP, initial_indent=" " * (width + 2), subsequent_indent=" " * (width + 2))
        out.append("")
    return "\n".join(out)


def _md(text: str) -> str:
    return text.replace("|", "\\|").replace("*", "\\*").replace("_", "\\_")


def render_markdown(a: Analysis, explanations: list[Explanation]) -> str:
    out = [f"## {_md(a.spec.name or a.spec.path)} (input {shape_str(a.spec.input_shape)})", ""]
    for e in explanations:
        out.append(f"### {_md(e.name)} ({e.type}): {e.heading.replace('->', '→')}")
        out.append("")
        for item in e.items:
            first = f"`{item.lines[0]}`" if item.code else _md(item.lines[0])
            out.append(f"- **{item.label}**: {first}")
            out += [f"  {_md(line)}" for line in item.lines[1:]]
        out.append("")
    return "\n".join(out)
