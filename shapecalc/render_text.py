"""The human-readable report: a rich table per spec, totals, notes, then the diagnostics.

Only this module imports rich, so machine formats never pay for it. All user-supplied text
goes in as rich `Text` objects, never as markup: a layer called "[conv1]" must print as is.
"""

from __future__ import annotations

from typing import TextIO

from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

from .calc import Analysis
from .diagnostics import Diagnostic
from .layers.base import shape_str

#: Width used when the output is not a terminal, so pipes and CI logs get unwrapped rows.
PIPE_WIDTH = 200


def make_console(file: TextIO | None = None) -> Console:
    console = Console(file=file, highlight=False)
    if not console.is_terminal:
        console = Console(file=file, highlight=False, width=PIPE_WIDTH)
    return console


def diagnostic_text(path: str, d: Diagnostic) -> Text:
    """`path:line:col: CODE message`, the format editors and CI logs link to."""
    style = "bold red" if d.severity == "error" else "bold yellow"
    return Text.assemble((f"{path}:{d.line}:{d.column}:", "bold"), " ", (d.code, style), f" {d.message}")


def layer_table(a: Analysis) -> Table:
    title = Text(a.spec.name or a.spec.path, style="bold")
    title.append(f"  input {shape_str(a.spec.input_shape)}", style="dim")
    table = Table(title=title, title_justify="left", box=box.SIMPLE_HEAD)
    table.add_column("#", justify="right", style="dim")
    table.add_column("name")
    table.add_column("type", style="cyan")
    table.add_column("input -> output", justify="right")
    table.add_column("params", justify="right")
    table.add_column("arithmetic", style="dim")
    for i, r in enumerate(a.layers, 1):
        shapes = f"{shape_str(r.input_shape)} -> {shape_str(r.output_shape)}"
        params = f"{r.params:,}" if r.output_shape is not None else "?"
        if not r.spec.trainable and r.params:
            params += " (frozen)"
        table.add_row(str(i), Text(r.spec.name), Text(r.spec.type), shapes, params, Text("\n".join(r.formulas)))
    return table


def totals_text(a: Analysis) -> Text:
    known = "" if a.complete else " (layers with unknown shapes not counted)"
    return Text(
        f"Total params: {a.total_params:,}  trainable: {a.trainable_params:,}  "
        f"non-trainable: {a.total_params - a.trainable_params:,}  buffers: {a.buffers:,}{known}\n"
        f"Output shape: {shape_str(a.output_shape if a.complete else None)}"
    )


def render(a: Analysis, console: Console) -> None:
    if a.spec.layers:
        console.print(layer_table(a))
        console.print(totals_text(a))
    for r in a.layers:
        for note in r.notes:
            console.print(Text.assemble(("note", "bold blue"), f" {r.spec.name}: {note}"))
    for d in a.diagnostics:
        console.print(diagnostic_text(a.spec.path, d))
    errors = sum(d.severity == "error" for d in a.diagnostics)
    warnings = len(a.diagnostics) - errors
    if errors or warnings:
        console.print(Text(f"{a.spec.path}: {errors} error{'s' * (errors != 1)}, "
                           f"{warnings} warning{'s' * (warnings != 1)}", style="bold"))
    console.print()
