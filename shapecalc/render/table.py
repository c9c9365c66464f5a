"""The human-readable report of `check`: a table per spec, totals, notes, then the diagnostics.

Built once as data (text with rich style names, pure: `report`), drawn two ways: plain.py for
a pipe or a file, the common case in CI, without importing rich; terminal.py in colour on a
terminal. Both print the same characters. User text is escaped here (`one_line`: control
characters, as `lint` escapes them) and goes to rich as Text, never as markup: a layer called
"[conv1]" prints as is.
"""

from __future__ import annotations

from dataclasses import dataclass, field


from . import narrow, plain
from . import report as json_report
from ..analysis.calc import Analysis, gc_paused
from ..analysis.cost import Cost, Options, human_bytes, layer_costs, memory, totals, whole
from ..diagnostics import Diagnostic, has_errors, one_line
from ..layers.base import shape_str

Span = tuple[str, str]  # a piece of text and its rich style ("" for none)


@dataclass
class Line:
    """A paragraph printed after the table (it may hold newlines), wrapped by narrow.paragraph,
    which keeps the items two blanks apart whole. `soft` lines are never wrapped: a diagnostic
    stays on one line however long, for editors and CI logs."""

    spans: list[Span]
    soft: bool = False

    @property
    def text(self) -> str:
        return "".join(text for text, _ in self.spans)


@dataclass
class Report:
    title: list[Span]
    columns: list[plain.Column] = field(default_factory=list)
    rows: list[list[Span]] = field(default_factory=list)  # one span per cell
    lines: list[Line] = field(default_factory=list)


def diagnostic_line(path: str, d: Diagnostic) -> Line:
    """`path:line:col: CODE message`, the format editors and CI logs link to."""
    style = "bold red" if d.severity == "error" else "bold yellow"
    return Line([(f"{one_line(path)}:{d.line}:{d.column}:", "bold"), (" ", ""), (d.code, style),
                 (f" {one_line(d.message)}", "")], soft=True)


def sequential(a: Analysis) -> bool:
    """True when every layer takes the one above it: then an inputs column would say nothing."""
    previous = "input"
    for r in a.layers:
        if r.spec.inputs != [previous]:
            return False
        previous = r.spec.name
    return True


def _tuple(shape: list[int] | None) -> tuple[int, ...] | None:
    return None if shape is None else tuple(shape)


def layer_rows(a: Analysis, connections: bool, options: Options,
               costs: list[Cost | None]) -> tuple[list[plain.Column], list[list[Span]]]:
    """One row per layer, indented by block depth, with a subtotal row where each block starts."""
    show_inputs = not sequential(a)  # then the column names only the inputs that are not the row above
    Column = plain.Column
    columns = [Column("#", "right", "dim"), Column("name", fold=True), Column("type", style="cyan", fold=True)]
    columns += [Column("inputs", style="dim", fold=True, label="inputs")] if show_inputs else []
    columns += [Column("input -> output", "right", label=""), Column("params", "right", label="params")]
    columns += [Column("connections", "right", label="connections")] if connections else []
    macs = "MACs" if options.convention == "macs" else f"MACs ({options.convention})"
    columns += [Column(macs, "right", label=macs), Column("arithmetic", style="dim", below=True)]
    work = [None if c is None else c.macs for c in costs]  # per layer, in order; None: unknown
    starts: dict[str, list[dict]] = {}
    for b in json_report.block_dicts(a):
        starts.setdefault(b["layers"][0] if b["layers"] else "", []).append(b)
    rows: list[list[Span]] = []
    for i, r in enumerate(a.layers, 1):
        for b in starts.get(r.spec.name, []):
            shapes = f"{shape_str(_tuple(b['input_shape']))} -> {shape_str(_tuple(b['output_shape']))}"
            kind = f"{b['block']} x{b['repeat']}" if b["repeat"] > 1 else b["block"]
            row = [("", ""), ("  " * b["depth"] + one_line(b["name"]), "bold"), (one_line(kind), "bold magenta")]
            row += [("", "")] if show_inputs else []
            row += [(shapes, ""), (f"{b['params']:,}", "bold")] + ([("", "")] if connections else [])
            inside = work[i - 1:i - 1 + len(b["layers"])]  # a block's layers are consecutive, from here
            row += [(f"{whole(sum(m or 0 for m in inside)):,}", "bold"), ("", "")]
            rows.append(row)
        multi = len(r.input_shapes) > 1
        into = " + ".join(shape_str(x) for x in r.input_shapes) if multi and len(r.input_shapes) <= 2 else (
            f"{len(r.input_shapes)} inputs" if multi else "" if not r.input_shapes else shape_str(r.input_shape))
        out = f"[{', '.join(map(shape_str, r.parts))}]" if r.parts else shape_str(r.output_shape)
        params = f"{r.params:,}" if r.output_shape is not None else "?"
        if not r.spec.trainable and r.params:
            params += " (frozen)"
        row = [(str(i), ""), ("  " * r.spec.depth + one_line(r.spec.name), ""), (one_line(r.spec.type), "")]
        previous = a.layers[i - 2].spec.name if i > 1 else "input"
        prefix = f"{r.spec.block}." if r.spec.block else ""
        names = [n[len(prefix):] if prefix and n.startswith(prefix) else n for n in r.spec.inputs]
        row += [(one_line(", ".join(names)) if r.spec.inputs != [previous] else "", "")] if show_inputs else []
        row += [(f"{into} -> {out}".lstrip(), ""), (params, "")]
        row += [(f"{r.connections:,}" if r.connections else "", "")] if connections else []
        cost = "?" if work[i - 1] is None else f"{whole(work[i - 1]):,}" if work[i - 1] else ""
        rows.append(row + [(cost, ""), ("\n".join(r.formulas), "")])
    return columns, rows


def totals_text(a: Analysis, connections: bool, options: Options, costs: list[Cost | None]) -> str:
    known = "" if a.complete else " (layers with unknown shapes not counted)"
    outputs = ", ".join(shape_str(x) for x in a.output_shapes) if len(a.output_shapes) > 1 else shape_str(
        a.output_shape if a.complete else None)
    return (f"Total params: {a.total_params:,}  trainable: {a.trainable_params:,}  "
            f"non-trainable: {a.total_params - a.trainable_params:,}  buffers: {a.buffers:,}"
            + (f"  connections: {a.connections:,}" if connections else "") + f"{known}\n"
            + cost_text(a, options, costs) + "\n"
            f"Output shape{'s' * (len(a.output_shapes) > 1)}: {outputs}")


def cost_text(a: Analysis, o: Options, costs: list[Cost | None]) -> str:
    """Three lines: MACs and FLOPs under the convention, the memory of inference, then that of a
    training step as the sum it is (exact bytes are in the JSON), its terms two blanks apart so a
    narrow output breaks between them (narrow.paragraph), never between a term and its figure.
    Training counts only the activations backward keeps, so it can be less than all the
    activations: the sum says why."""
    total, m = totals(costs), memory(a, o.dtype, o.batch, o.optimizer)
    return (f"Total MACs: {total.macs:,}  FLOPs: {total.flops:,}  (convention: {o.convention})\n"
            f"Memory ({o.dtype}, batch {o.batch}): parameters {human_bytes(m.param_bytes)}  "
            f"buffers {human_bytes(m.buffer_bytes)}  activations {human_bytes(m.activation_bytes)}\n"
            f"Training with {o.optimizer}: {human_bytes(m.training_bytes)}  = parameters {human_bytes(m.param_bytes)}  "
            f"+ buffers {human_bytes(m.buffer_bytes)}  + gradients {human_bytes(m.gradient_bytes)}  "
            f"+ optimizer state {human_bytes(m.optimizer_state_bytes)}  "
            f"+ activations saved for backward {human_bytes(m.saved_activation_bytes)}")


def no_layers(a: Analysis) -> str | None:
    """What to say of a network without layers (`layers: []`, or every one `when: false`), which
    is no mistake: its output is its input. None when there are layers, or errors to say instead."""
    if a.spec.layers or has_errors(a.diagnostics):
        return None
    return ("no layers (an empty list, or every layer `when: false`): the output is the input, "
            f"{shape_str(a.output_shape)}")


@gc_paused()  # a few objects per cell: see calc.gc_paused
def report(a: Analysis, connections: bool = False, options: Options | None = None) -> Report:
    options = options or Options()
    out = Report([(one_line(a.spec.name or a.spec.path), "bold"), (f"  input {shape_str(a.spec.input_shape)}", "dim")])
    if a.spec.layers:
        costs = layer_costs(a, options.convention)  # once: a pass over 100,000 layers is felt
        out.columns, out.rows = layer_rows(a, connections, options, costs)
        out.lines.append(Line([(totals_text(a, connections, options, costs), "")]))
    elif empty := no_layers(a):  # no table to carry the title: it heads the lines
        out.lines += [Line(out.title), Line([(empty, "")]), Line([(totals_text(a, connections, options, []), "")])]
    for r in a.layers:
        for note in r.notes:
            out.lines.append(Line([("note", "bold blue"), (f" {one_line(r.spec.name)}: {note}", "")]))
    out.lines += [diagnostic_line(a.spec.path, d) for d in a.diagnostics]
    if a.answers:
        wrong = sum(not ans.correct for ans in a.answers)
        out.lines.append(Line([(f"{len(a.answers)} answer{'s' * (len(a.answers) != 1)} checked"
                                + (f", {wrong} wrong" if wrong else ", all right"), "bold")]))
    errors = sum(d.severity == "error" for d in a.diagnostics)
    warnings = len(a.diagnostics) - errors
    if errors or warnings:
        out.lines.append(Line([(f"{a.spec.path}: {errors} error{'s' * (errors != 1)}, "
                                f"{warnings} warning{'s' * (warnings != 1)}", "bold")]))
    out.lines.append(Line([]))
    return out


def narrow_lines(rep: Report, width: int, ascii_only: bool = False) -> list[narrow.StyledLine] | None:
    """The table laid out by narrow.py when its columns do not fit side by side at full width
    (so that no number is cut), or None when they do: then rich's table (or plain.table, the
    same characters) draws it. ascii_only: the output cannot hold box characters."""
    if narrow.table_width(rep.columns, rep.rows) <= width:
        return None
    return narrow.layout(rep.title, rep.columns, rep.rows, width, "-" if ascii_only else "\u2500")


def table_text(rep: Report, width: int) -> str | None:
    """The table drawn plainly at this width (plain.table or narrow.py), or None when rich must
    draw it (text beyond printable ASCII at full width)."""
    lines = narrow_lines(rep, width)
    if lines is not None:
        return narrow.text_of(lines)
    return full_table(rep, width)


def full_table(rep: Report, width: int) -> str | None:
    """The table at its full width, drawn plainly (plain.table), for a caller that knows it fits
    (narrow_lines said None), or None when rich must draw it (text beyond printable ASCII)."""
    title = "".join(text for text, _ in rep.title)
    return plain.table(title, rep.columns, [[text for text, _ in row] for row in rep.rows], width)


@gc_paused()  # lists of strings per cell: see calc.gc_paused
def plain_text(rep: Report, width: int) -> str | None:
    """The whole report as printed without colour at this width, or None when only rich can
    (text beyond printable ASCII in a full-width table)."""
    out = []
    if rep.columns:
        table = table_text(rep, width)
        if table is None:
            return None
        out.append(table)
    for line in rep.lines:
        out.append(line.text + "\n" if line.soft else narrow.text_of(narrow.paragraph(line.spans, width)))
    return "".join(out)
