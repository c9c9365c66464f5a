"""The human-readable report of `shapecalc run`: a table of layers (the calculator's shape, the
forward pass's, whether they match, the work and the time), then notes and the output values.

Built as check's report is (a table.Report: styled text, never markup) and drawn by the same
terminal.print_report, so it follows the same width rule and layouts; with the progress bars,
the only place rich is imported for this command.
"""

from __future__ import annotations

from typing import Callable, Iterator

from rich.console import Console
from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn, TimeElapsedColumn

from ..diagnostics import one_line
from ..analysis.forward import Run, Setup
from ..kernels.tensor import Tensor
from ..layers.base import shape_str
from .plain import Column
from .terminal import print_report
from .table import Line, Report, diagnostic_line

#: Outputs up to this many values are printed in full; larger ones are summarised.
SHOW_VALUES = 100


def seconds_str(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms" if seconds < 1 else f"{seconds:.2f} s"


def layer_table(run: Run) -> Report:
    """The layers as check's table is (a Report with no lines), so that it is laid out to the
    width by the same rule: full width when it fits, else narrow.py's layouts."""
    a = run.analysis
    title = [(one_line(a.spec.name or a.spec.path), "bold"), (f"  input {shape_str(a.spec.input_shape)}", "dim")]
    columns = [Column("#", "right", "dim"), Column("layer", fold=True), Column("type", style="cyan", fold=True),
               Column("calculator", "right", label="calculator"), Column("forward", "right", label="forward"),
               Column("match", label="match"), Column("MACs", "right", label="MACs"),
               Column("time", "right", label="time")]
    rows = []
    for i, layer in enumerate(run.layers, 1):
        ran = layer.shape is not None
        match = ("yes", "green") if layer.match else ("NO", "bold red") if ran else ("-", "dim")
        rows.append([(str(i), ""), (one_line(layer.result.spec.name), ""), (one_line(layer.result.spec.type), ""),
                     (shape_str(layer.result.output_shape), ""), (shape_str(layer.shape) if ran else "-", ""),
                     match, (f"{layer.macs:,}", ""), (seconds_str(layer.seconds) if ran else "-", "")])
    return Report(title, columns, rows)


def value_lines(t: Tensor) -> Iterator[str]:
    """The values laid out as the tensor is: a line per row of the last dimension (a vector in
    lines of ten), under a header per channel when there are rows in a channel."""
    cells = [f"{v:.6g}" for v in t.data]
    width = max(map(len, cells))
    row = t.shape[-1] if len(t.shape) > 1 else 10
    rows = [" ".join(c.rjust(width) for c in cells[i:i + row]) for i in range(0, len(cells), row)]
    if len(t.shape) < 3:
        yield from ("  " + line for line in rows)
        return
    per_channel = len(rows) // t.shape[0]
    for c in range(t.shape[0]):
        yield f"  channel {c}:"
        yield from ("    " + line for line in rows[c * per_channel:(c + 1) * per_channel])


def sources_text(run: Run) -> str:
    """Where the input and the parameters came from; the layers that got seeded ones are named."""
    setup = run.setup
    lines = [f"input: {setup.input_file}" if setup.input_file else f"input: seeded, uniform(-1, 1), seed {setup.seed}"]
    if setup.weights_file is None:
        lines.append(f"weights: seeded, seed {setup.seed}")
    else:
        lines.append(f"weights: {setup.weights_file}")
        seeded = [f"{layer.result.spec.name}" + ("" if layer.weights == "seeded" else f" ({layer.weights})")
                  for layer in run.layers if layer.weights and layer.weights != "file"]
        if seeded:
            lines.append(f"seeded (seed {setup.seed}), not in the weights file: {', '.join(seeded)}")
    return "\n".join(lines)


def output_lines(out: Tensor) -> Iterator[str]:
    yield f"output {shape_str(out.shape)}:"
    if len(out.data) <= SHOW_VALUES:
        yield from value_lines(out)
    else:
        yield (f"  {len(out.data):,} values, min {min(out.data):.6g}, max {max(out.data):.6g} "
               "(all of them: --format json or --save)")


def run_report(run: Run) -> Report:
    """The whole report: the table, where the values came from, the diagnostics (one line each),
    the output and the verdict, laid out as check's report is."""
    rep = layer_table(run)
    path = run.analysis.spec.path
    rep.lines.append(Line([(sources_text(run), "")]))
    rep.lines += [diagnostic_line(path, d) for d in run.analysis.diagnostics]
    if run.output is not None:
        rep.lines.append(Line([("\n".join(output_lines(run.output)), "")]))
    macs = sum(run.setup.macs)
    if run.ok:
        n = len(run.layers)
        speed = f", {macs / run.seconds / 1e6:,.1f} M MAC/s" if run.seconds > 0 else ""
        split = [layer.result.spec.name for layer in run.layers if layer.processes > 1]
        processes = f"; {', '.join(split)} in {run.workers} processes" if split else ""
        rep.lines.append(Line([(f"every layer matches the calculator: {n} layer{'s' * (n != 1)}, {macs:,} MACs "
                                f"in {seconds_str(run.seconds)}{speed}{processes}", "bold green")]))
    rep.lines += [Line([("error", "bold red"), (f" {path}: {layer.error}", "")]) for layer in run.layers if layer.error]
    rep.lines.append(Line([]))
    return rep


def render(run: Run, console: Console) -> None:
    print_report(run_report(run), console)


class LayerProgress:
    """A progress bar over the whole run (by MACs) and one for the layer being computed, drawn on
    demand from the driver's callback: no refresh thread, so the driver may fork safely."""

    def __init__(self, names: list[str], setup: Setup, console: Console) -> None:
        self.names, self.macs = names, [max(m, 1) for m in setup.macs]
        self.progress = Progress(TextColumn("{task.description}"), BarColumn(), TaskProgressColumn(),
                                 TimeElapsedColumn(), console=console, transient=True, auto_refresh=False)
        self.total = self.progress.add_task("total", total=sum(self.macs))
        self.layer = self.progress.add_task("", total=1.0)

    def __enter__(self) -> Callable[[int, float], None]:
        self.progress.start()
        return self.update

    def __exit__(self, *exc: object) -> None:
        self.progress.stop()

    def update(self, index: int, done: float) -> None:
        self.progress.update(self.total, completed=sum(self.macs[:index]) + done * self.macs[index])
        self.progress.update(self.layer, completed=done, description=f"{self.names[index]} ({self.macs[index]:,} MACs)")
        self.progress.refresh()
