"""`shapecalc draw`: the network as an SVG of volumes, or as Graphviz source."""

from __future__ import annotations

import sys
from pathlib import Path

from ..diagnostics import has_errors
from ..layers import KINDS, lookup
from ..spec import did_you_mean
from .check import read_spec
from .status import Exit, write_out

FORMATS = ("svg", "dot")


def hidden(values: list[str]) -> frozenset[str] | str:
    """--hide's types (any alias, any case) and families, comma-separated or repeated, as the
    drawing matches them (canonical type names); or why one is neither."""
    families = sorted({kind.family for kind in KINDS.values()})
    out = set()
    for word in (w.strip() for value in values for w in value.split(",")):
        if not word:
            continue
        kind = lookup(word)
        if kind is not None:
            out.add(kind.type)
        elif word.lower() in families:
            out.add(word.lower())
        else:
            return (f"--hide: '{word}' is neither a layer type nor a family ({', '.join(families)})"
                    f"{did_you_mean(word, [*KINDS, *families])}")
    return frozenset(out)


def draw(file: Path, output: Path | None, format: str, vertical: bool, expand: bool, flat: bool,
         hide: list[str], scale: float, fold: bool) -> Exit:
    """Write the drawing to `output` (stdout without it); 0, 1 when the spec has errors (drawn in
    the error colour, and listed on stderr as check lists them), 2 when it cannot be read, an
    option is wrong or the output cannot be written."""
    from ..render.draw import DrawOptions, dot, svg
    from ..render.table import diagnostic_line

    hide_set = hidden(hide)
    if isinstance(hide_set, str):
        print(f"error: {hide_set}", file=sys.stderr)
        return Exit.CANNOT_RUN
    if format not in FORMATS or not 0.1 <= scale <= 10:
        what = f"--format: expected svg or dot, found '{format}'" if format not in FORMATS else (
            f"--scale: expected 0.1 to 10, found {scale:g}")
        print(f"error: {what}", file=sys.stderr)
        return Exit.CANNOT_RUN
    analysis = read_spec(file)
    if isinstance(analysis, str):
        print(f"error: {analysis}", file=sys.stderr)
        return Exit.CANNOT_RUN
    options = DrawOptions("vertical" if vertical else "horizontal", expand, flat, hide_set, scale, fold)
    text = (svg if format == "svg" else dot)(analysis, options)
    for d in analysis.diagnostics:
        if d.severity == "error":
            print(diagnostic_line(analysis.spec.path, d).text, file=sys.stderr)
    if not write_out(text, output):
        return Exit.CANNOT_RUN
    return Exit.of(has_errors(analysis.diagnostics))
