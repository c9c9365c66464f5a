"""`shapecalc run`: the network executed in pure Python, every layer's shape checked against the table."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from ..diagnostics import one_line
from .check import read_spec
from .status import Exit


def run(file: Path, *, seed: int, input: Path | None, weights: Path | None, max_macs: int, format: str,
        save: Path | None, progress: bool) -> Exit:
    """0 when every layer matches; 1 for a mismatch, a bad --input/--weights file, or spec errors
    that stop the run; 2 when a file cannot be read or written, or the work is over --max-macs."""
    from ..analysis.forward import blockers, estimate, execute, prepare
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
    macs = sum(estimate(analysis))
    if macs > max_macs:
        print(f"error: {file}: the forward pass needs about {macs:,} multiply-accumulates, more than the "
              f"budget of {max_macs:,}; allow it with --max-macs {macs}", file=sys.stderr)
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
        from rich.console import Console

        from ..render.run import LayerProgress

        with LayerProgress([r.spec.name for r in analysis.layers], setup, Console(stderr=True)) as report:
            result = execute(analysis, setup, keep=save is not None, progress=report)
    else:
        result = execute(analysis, setup, keep=save is not None)
    if save is not None:
        from ..render.run_report import saved_dict

        try:
            save.write_text(json.dumps(saved_dict(result)))
        except OSError as err:
            print(f"error: {save}: cannot write: {err.strerror or err}", file=sys.stderr)
            return Exit.CANNOT_RUN
    if format == "json":
        from ..render.run_report import run_dict

        sys.stdout.write(json.dumps(run_dict(result)) + "\n")
    else:
        from ..render.terminal import make_console
        from ..render.run import render

        render(result, make_console())
    return Exit.of(not result.ok)
