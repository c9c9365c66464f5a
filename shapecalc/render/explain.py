"""`shapecalc explain`'s Explanations as text or Markdown, the text wrapped to the output's
width (output.output_width) between words: a formula too long for its line goes on under
itself, further in, and no number is broken."""

from __future__ import annotations

from ..analysis.calc import Analysis
from ..analysis.explain import Explanation
from ..diagnostics import Diagnostic
from ..layers.base import shape_str
from .narrow import pack_items, paragraph, text_of, words_of
from .output import PIPE_WIDTH
from .table import diagnostic_line, no_layers

#: Explanations in words wrap at this width at most, a measure that reads well, however wide the output.
PROSE = 100


def title(a: Analysis) -> str:
    return f"{a.spec.name or a.spec.path}  input {shape_str(a.spec.input_shape)}"


def unexplained(a: Analysis) -> list[Diagnostic]:
    """The diagnostics no layer's explanation can show, since they belong to no layer: the
    file's and the network's (Y001, Y003, S001, S002, S003, a wrong total in `expect:`). Printed
    after the explanations as check prints them, so that exit code 1 always comes with its reason."""
    names = {r.spec.name for r in a.layers}
    return [d for d in a.diagnostics if d.layer not in names]


def render_text(a: Analysis, explanations: list[Explanation], width: int = PIPE_WIDTH) -> str:
    """The explanations wrapped to width (words to PROSE at most): each label's first line (a
    formula) and the words under it start in one column; diagnostics stay one line each, for editors."""
    labels = max((len(i.label) for e in explanations for i in e.items), default=0) + 2
    empty = no_layers(a)
    out = [*paragraph([(title(a), "")], width), [], *([*paragraph([(empty, "")], width), []] if empty else [])]
    for e in explanations:
        out += paragraph([(f"{e.name} ({e.type})  {e.heading}", "")], width)
        for item in e.items:
            out += pack_items(f"  {item.label}:".ljust(labels + 2), [words_of(item.lines[0], "")], width)
            for line in item.lines[1:]:  # words, flush under the formula
                out += pack_items(" " * (labels + 2), [words_of(line, "")], min(width, PROSE), hanging=0)
        out.append([])
    loose = [[(diagnostic_line(a.spec.path, d).text, "")] for d in unexplained(a)]
    return text_of([*out, *loose] if loose else out[:-1])  # a blank line between explanations and diagnostics


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
