"""`shapecalc fit`: the input sizes for which every layer fits, and the fixes for those that do not."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from ..analysis.fit import MAX_SIZES
from .check import read_spec
from .options import quoted, whole_number
from .status import Exit


def fit(file: Path, range_: str | None, dims: list[str] | None, format: str = "text") -> Exit:
    """The report, as text or JSON; 0 when the spec's own input fits, 1 when it does not, 2 for
    an unreadable file or a bad --range or --dim."""
    from ..analysis.fit import fit as fit_sizes
    from ..analysis.fit import labels_of
    from ..render.fit import json_report, render
    from ..render.output import output_width

    analysis = read_spec(file)
    if isinstance(analysis, str):
        print(f"error: {analysis}", file=sys.stderr)
        return Exit.CANNOT_RUN
    low = high = None
    try:
        if range_ is not None:
            low, high = parse_range(range_)
    except ValueError as err:
        print(f"error: {err}", file=sys.stderr)
        return Exit.CANNOT_RUN
    shape = analysis.spec.input_shape
    if dims and shape is not None:
        labels = labels_of(shape)
        unknown = [d for d in dims if d.upper() not in labels]
        if unknown:
            print(f"error: --dim: the input {'x'.join(map(str, shape))} has spatial dimensions "
                  f"{', '.join(labels) or 'none'}, not {', '.join(unknown)}", file=sys.stderr)
            return Exit.CANNOT_RUN
        dims = [d.upper() for d in dims]
    report = fit_sizes(analysis, low, high, dims or None)
    if format == "json":
        sys.stdout.write(json_report(report, analysis.diagnostics))
        return Exit.of(not report.fits)
    sys.stdout.write(render(report, output_width(sys.stdout, os.environ)))
    if report.problem:  # nothing scanned: the errors that stopped it, as check prints them
        from ..render.table import diagnostic_line

        sys.stdout.write("".join(f"{diagnostic_line(analysis.spec.path, d).text}\n"
                                 for d in analysis.diagnostics if d.severity == "error"))
    return Exit.of(not report.fits)


def parse_range(text: str) -> tuple[int, int]:
    """'MIN:MAX' -> (MIN, MAX); raises ValueError with the reason. Each is read as every
    whole-number option is (options.whole_number: 5,000 digits are one error, not a traceback)."""
    parts = text.split(":")
    if len(parts) != 2:
        raise ValueError(f"--range: expected MIN:MAX (two whole numbers), found {quoted(text)}")
    bounds = []
    for name, part in zip(("MIN", "MAX"), parts):
        try:
            bounds.append(whole_number(part))
        except ValueError as err:
            raise ValueError(f"--range: {name} of MIN:MAX: {err}") from None
    low, high = bounds
    if not 1 <= low <= high:
        raise ValueError(f"--range: expected 1 <= MIN <= MAX, found {low}:{high}")
    if high - low + 1 > MAX_SIZES:
        raise ValueError(f"--range: at most {MAX_SIZES:,} sizes per dimension, found {high - low + 1:,}")
    return low, high
