"""`shapecalc explain`: every layer's worked arithmetic, as text or Markdown."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from ..diagnostics import has_errors
from ..spec import did_you_mean
from .check import read_spec
from .status import Exit


def explain(file: Path, layers: list[str] | None, format: str) -> Exit:
    """The explanations of every layer (or of those named); 1 when the spec has errors (they are
    explained too), 2 for an unreadable file or a layer name the spec does not have."""
    from ..analysis.explain import explain as explain_layers
    from ..render.explain import render_markdown, render_text

    analysis = read_spec(file)
    if isinstance(analysis, str):
        print(f"error: {analysis}", file=sys.stderr)
        return Exit.CANNOT_RUN
    names = [r.spec.name for r in analysis.layers]
    for name in layers or []:
        if name not in names:
            print(f"error: {file}: no layer named '{name}'{did_you_mean(name, names)}", file=sys.stderr)
            return Exit.CANNOT_RUN
    explanations = explain_layers(analysis, layers or None)
    if format == "markdown":
        sys.stdout.write(render_markdown(analysis, explanations))
    else:
        from ..render.output import output_width

        sys.stdout.write(render_text(analysis, explanations, output_width(sys.stdout, os.environ)))
    return Exit.of(has_errors(analysis.diagnostics))
