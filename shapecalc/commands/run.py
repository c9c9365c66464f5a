"""`shapecalc run`: the network executed in pure Python, every layer's shape checked against the table."""

from __future__ import annotations

import sys
from pathlib import Path

from ..diagnostics import one_line
from ..render.output import json_text
from .check import read_spec
from .status import Exit, write_out


def run(file: Path, *, seed: int, input: Path | None, weights: Path | None, max_macs: int, format: str,
        save: Path | None, progress: bool, max_values: int) -> Exit:
    """0 when every layer matches; 1 for a mismatch, a bad --input/--weights file, or spec errors
    that stop the run; 2 when a file cannot be read or written, or the work is over --max-macs or
    the memory over --max-values (both bounds checked before anything is read or computed)."""
    from ..analysis.forward import blockers, execute, held, prepare, work
    from ..spec.tensors import DataError, Unreadable

    analysis = read_spec(file)
    if isinstance(analysis, str):
        print(f"error: {analysis}", file=sys.stderr)
        return Exit.CANNOT_RUN
    problems = blockers(analysis)
    if problems:
        for d in analysis.diagnostics:
            print(one_line(f"{analysis.spec.path}:{d.line}:{d.column}: {d.code} {d.message}"), file=sys.stderr)
        print("\n".join(f"error: {p}" for p in problems), file=sys.stderr)
        return Exit.PROBLEMS
    macs = work(analysis)
    if macs > max_macs:
        print(f"error: {file}: the forward pass needs about {macs:,} multiply-accumulates, more than the "
              f"budget of {max_macs:,}; allow it with --max-macs {macs}", file=sys.stderr)
        return Exit.CANNOT_RUN
    values = held(analysis, keep=save is not None, weights=weights is not None)
    if values > max_values:
        print(f"error: {file}: the forward pass holds up to {values:,} values at once (32 bytes or more each), "
              f"more than the limit of {max_values:,}; allow it with --max-values {values}", file=sys.stderr)
        return Exit.CANNOT_RUN
    try:
        setup = prepare(analysis, seed, input, weights)
    except Unreadable as err:
        print(f"error: {err}", file=sys.stderr)
        return Exit.CANNOT_RUN
    except DataError as err:
        print("\n".join(f"error: {p}" for p in err.problems), file=sys.stderr)
        return Exit.PROBLEMS
    if progress and sys.stdout.isatty():
        from ..render.run import LayerProgress
        from ..render.terminal import make_console

        with LayerProgress([r.spec.name for r in analysis.layers], setup, make_console(sys.stderr)) as report:
            result = execute(analysis, setup, keep=save is not None, progress=report)
    else:
        result = execute(analysis, setup, keep=save is not None)
    if save is not None:
        from ..render.run_report import saved_dict

        if not write_out(json_text(saved_dict(result)), save):
            return Exit.CANNOT_RUN
    if format == "json":
        from ..render.run_report import run_dict

        sys.stdout.write(json_text(run_dict(result)) + "\n")
    else:
        from ..render.terminal import make_console
        from ..render.run import render

        render(result, make_console())
    return Exit.of(not result.ok)
