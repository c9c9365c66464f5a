"""`shapecalc explain`'s Explanations as text or Markdown: formulas on one line, words wrapped."""

from __future__ import annotations

import textwrap

from ..analysis.calc import Analysis
from ..analysis.explain import Explanation
from ..diagnostics import Diagnostic
from ..layers.base import shape_str
from .table import diagnostic_line, no_layers

#: Explanations in words wrap at this width in text; formulas stay on one line.
WRAP = 100


def title(a: Analysis) -> str:
    return f"{a.spec.name or a.spec.path}  input {shape_str(a.spec.input_shape)}"


def unexplained(a: Analysis) -> list[Diagnostic]:
    """The diagnostics no layer's explanation can show, since they belong to no layer: the
    file's and the network's (Y001, Y003, S001, S002, S003, a wrong total in `expect:`). Printed
    after the explanations as check prints them, so that exit code 1 always comes with its reason."""
    names = {r.spec.name for r in a.layers}
    return [d for d in a.diagnostics if d.layer not in names]


def render_text(a: Analysis, explanations: list[Explanation]) -> str:
    width = max((len(i.label) for e in explanations for i in e.items), default=0) + 2
    empty = no_layers(a)
    out = [title(a), "", *([empty, ""] if empty else [])]
    for e in explanations:
        out.append(f"{e.name} ({e.type})  {e.heading}")
        for item in e.items:
            label = f"{item.label}:".ljust(width)
            out.append(f"  {label}{item.lines[0]}")
            for line in item.lines[1:]:  # words, wrapped; the arithmetic is never broken
                out += textwrap.wrap(line, WRAP, initial_indent=" " * (width + 2), subsequent_indent=" " * (width + 2))
        out.append("")
    loose = [diagnostic_line(a.spec.path, d).text for d in unexplained(a)]
    return "\n".join([*out, *loose, ""] if loose else out)


def _md(text: str) -> str:
    return text.replace("|", "\\|").replace("*", "\\*").replace("_", "\\_")


def render_markdown(a: Analysis, explanations: list[Explanation]) -> str:
    empty = no_layers(a)
    out = [f"## {_md(a.spec.name or a.spec.path)} (input {shape_str(a.spec.input_shape)})", "",
           *([_md(empty), ""] if empty else [])]
    for e in explanations:
        out.append(f"### {_md(e.name)} ({e.type}): {e.heading.replace('->', '→')}")
        out.append("")
        for item in e.items:
            first = f"`{item.lines[0]}`" if item.code else _md(item.lines[0])
            out.append(f"- **{item.label}**: {first}")
            out += [f"  {_md(line)}" for line in item.lines[1:]]
        out.append("")
    loose = [f"- {_md(diagnostic_line(a.spec.path, d).text)}" for d in unexplained(a)]
    return "\n".join([*out, *loose, ""] if loose else out)
