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

from . import report
from .calc import Analysis, gc_paused
from .cost import Options, human_bytes, layer_costs, memory, totals, whole
from .diagnostics import Diagnostic
from .formats import one_line
from .layers.base import shape_str

#: Width used when the output is not a terminal, so pipes and CI logs get unwrapped rows.
PIPE_WIDTH = 200
#: Tables of more rows than this are drawn plainly (see plain_table) even on a colour terminal:
#: rich lays out about a thousand rows a second, plain_table tens of thousands.
PLAIN_ROWS = 1_000


def make_console(file: TextIO | None = None) -> Console:
    console = Console(file=file, highlight=False)
    if not console.is_terminal:
        console = Console(file=file, highlight=False, width=PIPE_WIDTH)
    return console


def clean(text: str) -> str:
    """User text with control characters escaped: a layer name may not colour the terminal or
    start a new line that looks like another diagnostic. The same escapes as `lint` prints."""
    return one_line(text)


def diagnostic_text(path: str, d: Diagnostic) -> Text:
    """`path:line:col: CODE message`, the format editors and CI logs link to."""
    style = "bold red" if d.severity == "error" else "bold yellow"
    return Text.assemble((f"{clean(path)}:{d.line}:{d.column}:", "bold"), " ", (d.code, style), f" {clean(d.message)}")


def sequential(a: Analysis) -> bool:
    """True when every layer takes the one above it: then an inputs column would say nothing."""
    previous = "input"
    for r in a.layers:
        if r.spec.inputs != [previous]:
            return False
        previous = r.spec.name
    return True


def layer_table(a: Analysis, connections: bool = False, options: Options | None = None) -> Table:
    """One row per layer, indented by block depth, with a subtotal row where each block starts."""
    title = Text(clean(a.spec.name or a.spec.path), style="bold")
    title.append(f"  input {shape_str(a.spec.input_shape)}", style="dim")
    table = Table(title=title, title_justify="left", box=box.SIMPLE_HEAD)
    show_inputs = not sequential(a)  # then the column names only the inputs that are not the row above
    table.add_column("#", justify="right", style="dim")
    table.add_column("name")
    table.add_column("type", style="cyan")
    if show_inputs:
        table.add_column("inputs", style="dim")
    table.add_column("input -> output", justify="right")
    table.add_column("params", justify="right")
    if connections:
        table.add_column("connections", justify="right")
    convention = (options or Options()).convention
    table.add_column("MACs" if convention == "macs" else f"MACs ({convention})", justify="right")
    costs = layer_costs(a, convention)
    macs = {r.spec.name: c.macs for r, c in zip(a.layers, costs) if c is not None}
    table.add_column("arithmetic", style="dim")
    blocks = report.block_dicts(a)
    starts: dict[str, list[dict]] = {}
    for b in blocks:
        starts.setdefault(b["layers"][0] if b["layers"] else "", []).append(b)
    for i, r in enumerate(a.layers, 1):
        for b in starts.get(r.spec.name, []):
            shapes = f"{shape_str(_tuple(b['input_shape']))} -> {shape_str(_tuple(b['output_shape']))}"
            kind = f"{b['block']} x{b['repeat']}" if b["repeat"] > 1 else b["block"]
            row = ["", Text("  " * b["depth"] + clean(b["name"]), style="bold"), Text(clean(kind), style="bold magenta")]
            row += [""] if show_inputs else []
            row += [shapes, Text(f"{b['params']:,}", style="bold")] + ([""] if connections else [])
            row += [Text(f"{whole(sum(macs.get(name, 0) for name in b['layers'])):,}", style="bold"), ""]
            table.add_row(*row)
        multi = len(r.input_shapes) > 1
        into = " + ".join(shape_str(x) for x in r.input_shapes) if multi and len(r.input_shapes) <= 2 else (
            f"{len(r.input_shapes)} inputs" if multi else shape_str(r.input_shape))
        params = f"{r.params:,}" if r.output_shape is not None else "?"
        if not r.spec.trainable and r.params:
            params += " (frozen)"
        row = [str(i), Text("  " * r.spec.depth + clean(r.spec.name)), Text(clean(r.spec.type))]
        previous = a.layers[i - 2].spec.name if i > 1 else "input"
        prefix = f"{r.spec.block}." if r.spec.block else ""
        names = [n[len(prefix):] if prefix and n.startswith(prefix) else n for n in r.spec.inputs]
        row += [Text(clean(", ".join(names)) if r.spec.inputs != [previous] else "")] if show_inputs else []
        row += [f"{into} -> {shape_str(r.output_shape)}", params]
        row += [f"{r.connections:,}" if r.connections else ""] if connections else []
        row += ["?" if r.spec.name not in macs else f"{whole(macs[r.spec.name]):,}" if macs[r.spec.name] else ""]
        table.add_row(*row, Text("\n".join(r.formulas)))
    return table


def plain_table(table: Table, console: Console) -> str | None:
    """The table exactly as rich draws it without colour, made with string methods; None when
    the table is outside the simple case this covers (rich then draws it).

    rich measures and renders every cell through its layout engine, about a millisecond a row:
    most of `check`'s time on ResNet-50, a minute or more for 100,000 layers. The case covered
    is layer_table's: the SIMPLE_HEAD box with edges, padding (0, 1), one-line headers, left- or
    right-justified columns aligned to the top, printable ASCII in every cell. Column widths are
    rich's: the natural ones, or, when they do not fit the console, what rich's own
    Table._collapse_widths makes of them; the few cells wider than their column are wrapped by
    rich's Text.wrap, as rich does, and so is the title. tests/test_perf.py compares the two on
    every shipped architecture, option and width."""
    options = console.options
    title = table.title
    if (table.box is not box.SIMPLE_HEAD or not table.show_header or table.show_footer or not table.show_edge
            or table.show_lines or table.leading or tuple(table.padding) != (0, 1, 0, 1) or not table.pad_edge
            or table.collapse_padding or table.expand or table.width is not None or table.min_width is not None
            or table.caption is not None or table.row_styles or not table.columns
            or not (title is None or isinstance(title, Text))
            or any(row.style or row.end_section for row in table.rows)
            or options.ascii_only or options.legacy_windows or console.legacy_windows):
        return None

    def lines_of(cell: object) -> list[str] | None:
        """The cell's lines as rich would print them, or None when rich would change the text
        (markup or emoji codes in a str, justification or overflow set on a Text, non-ASCII)."""
        if isinstance(cell, Text):
            if cell.justify is not None or cell.overflow is not None or cell.no_wrap is not None:
                return None
            plain = cell.plain
        elif isinstance(cell, str):
            if "[" in cell or ":" in cell:
                return None
            plain = cell
        else:
            return None
        lines = plain.split("\n")
        return lines if all(line.isascii() and line.isprintable() for line in lines) else None

    columns: list[list[list[str]]] = []  # per column: the header's lines, then each row's
    natural = []
    extra = len(table.columns) + 1  # the edges and the dividers between columns
    room = console.width - extra
    for column in table.columns:
        if (column.justify not in ("left", "right") or column.vertical != "top" or column.width is not None
                or column.min_width is not None or column.max_width is not None or column.ratio is not None):
            return None
        cells = [lines_of(column.header), *(lines_of(cell) for cell in column.cells)]
        if any(lines is None for lines in cells) or len(cells[0]) != 1:
            return None
        if column.justify == "right" and any(line != line.rstrip() for lines in cells for line in lines):
            return None  # rich strips the end of right-justified lines
        columns.append(cells)
        natural.append(min(max(len(line) for lines in cells for line in lines) + 2, room))
    widths = natural
    if sum(widths) > room:
        collapse = getattr(Table, "_collapse_widths", None)  # rich's own rule, if this rich has it
        if collapse is None:
            return None
        widths = collapse(natural, [column.width is None and not column.no_wrap for column in table.columns], room)
        if sum(widths) > room or min(widths) < 3:
            return None  # rich's last resort (narrowing every column) is not covered
    for cells, width, natural_width, column in zip(columns, widths, natural, table.columns):
        if width < natural_width:  # collapsed: wrap the cells that are too wide, as rich does
            for i, lines in enumerate(cells):
                if any(len(line) > width - 2 for line in lines):
                    wrapped = Text("\n".join(lines)).wrap(console, width - 2, justify=column.justify,
                                                          overflow=column.overflow, no_wrap=False)
                    cells[i] = [line.plain[:width - 2] for line in wrapped]
                    if i == 0 or not all(line.isascii() for line in cells[i]):
                        return None
    table_width = sum(widths) + extra
    out = []
    if title is not None:
        justify, overflow = title.justify or table.title_justify, title.overflow or "fold"
        out += [line.plain for line in title.wrap(console, table_width, justify=justify, overflow=overflow,
                                                  no_wrap=bool(title.no_wrap))]
    out.append(" " * table_width)
    right = [column.justify == "right" for column in table.columns]
    for row in range(len(columns[0])):
        cells = [column[row] for column in columns]
        for i in range(max(map(len, cells))):
            parts = []
            for lines, width, rjust in zip(cells, widths, right):
                text = lines[i] if i < len(lines) else ""
                parts.append(text.rjust(width - 2) if rjust else text.ljust(width - 2))
            out.append("  " + "   ".join(parts) + "  ")
        if row == 0:
            out.append(" " + "\u2500" * (table_width - 2) + " ")
    out.append(" " * table_width)
    return "\n".join(out) + "\n"


def _tuple(shape: list[int] | None) -> tuple[int, ...] | None:
    return None if shape is None else tuple(shape)


def totals_text(a: Analysis, connections: bool = False, options: Options | None = None) -> Text:
    known = "" if a.complete else " (layers with unknown shapes not counted)"
    outputs = ", ".join(shape_str(x) for x in a.output_shapes) if len(a.output_shapes) > 1 else shape_str(
        a.output_shape if a.complete else None)
    return Text(
        f"Total params: {a.total_params:,}  trainable: {a.trainable_params:,}  "
        f"non-trainable: {a.total_params - a.trainable_params:,}  buffers: {a.buffers:,}"
        + (f"  connections: {a.connections:,}" if connections else "") + f"{known}\n"
        + cost_text(a, options or Options()) + "\n"
        f"Output shape{'s' * (len(a.output_shapes) > 1)}: {outputs}"
    )


def cost_text(a: Analysis, o: Options) -> str:
    """Two lines: MACs and FLOPs under the convention, then memory (exact bytes are in the JSON)."""
    total, m = totals(layer_costs(a, o.convention)), memory(a, o.dtype, o.batch, o.optimizer)
    return (f"Total MACs: {total.macs:,}  FLOPs: {total.flops:,}  (convention: {o.convention})\n"
            f"Memory ({o.dtype}, batch {o.batch}): parameters {human_bytes(m.param_bytes)}  "
            f"buffers {human_bytes(m.buffer_bytes)}  activations {human_bytes(m.activation_bytes)}  "
            f"training with {o.optimizer} {human_bytes(m.training_bytes)}")


@gc_paused()  # rich makes many objects per row: see calc.gc_paused
def render(a: Analysis, console: Console, connections: bool = False, options: Options | None = None) -> None:
    if a.spec.layers:
        table = layer_table(a, connections, options)
        plain = plain_table(table, console) if console.color_system is None or table.row_count > PLAIN_ROWS else None
        if plain is None:
            console.print(table)
        elif console.record or console.quiet or getattr(console, "_buffer_index", 1):
            console.out(plain, end="", highlight=False)
        else:  # rich writes every print at once outside `with console:`; this is the same, unparsed
            console.file.write(plain)
        console.print(totals_text(a, connections, options))
    for r in a.layers:
        for note in r.notes:
            console.print(Text.assemble(("note", "bold blue"), f" {r.spec.name}: {note}"))
    for d in a.diagnostics:
        console.print(diagnostic_text(a.spec.path, d), soft_wrap=True)  # one line each, however long
    if a.answers:
        wrong = sum(not ans.correct for ans in a.answers)
        console.print(Text(f"{len(a.answers)} answer{'s' * (len(a.answers) != 1)} checked"
                           + (f", {wrong} wrong" if wrong else ", all right"), style="bold"))
    errors = sum(d.severity == "error" for d in a.diagnostics)
    warnings = len(a.diagnostics) - errors
    if errors or warnings:
        console.print(Text(f"{a.spec.path}: {errors} error{'s' * (errors != 1)}, "
                           f"{warnings} warning{'s' * (warnings != 1)}", style="bold"))
    console.print()
