"""`shapecalc export FILE --to torch`: the spec as PyTorch source."""

from __future__ import annotations

import sys
from pathlib import Path

from .check import read_spec
from .status import Exit, write_out

TARGETS = ("torch",)


def export(file: Path, to: str, output: Path | None) -> Exit:
    """Write the source to `output` (stdout without it): 0 written; 1 the spec has errors (listed
    on stderr as check lists them, nothing written: a wrong network is worse than none); 2 the
    file cannot be read, the target is unknown or the output cannot be written. F001 alone does
    not stop the export: torch runs a stride that does not fit, as the table shows."""
    from ..render.table import diagnostic_line
    from ..torch.export import ExportError, export_analysis

    analysis = read_spec(file) if to in TARGETS else f"--to: expected {', '.join(TARGETS)}, found '{to}'"
    if isinstance(analysis, str):  # why the command cannot run
        print(f"error: {analysis}", file=sys.stderr)
        return Exit.CANNOT_RUN
    try:
        text = export_analysis(analysis, str(file))
    except ExportError as err:
        for d in err.diagnostics:
            print(diagnostic_line(analysis.spec.path, d).text, file=sys.stderr)
        print(f"error: {err}", file=sys.stderr)
        return Exit.PROBLEMS
    return Exit.OK if write_out(text, output) else Exit.CANNOT_RUN
