"""`shapecalc draw`: the network as 3-D volumes (SVG) or as a Graphviz graph (DOT), from the analysis.

One volume per layer output, sized by height, width and channels on a log scale (a 4096-wide
fully connected layer and a 227x227 input both fit), labelled with its name, type and shape; the
kernel drawn on the volume it slides over, as the lecture slides draw it; a colour per layer
family (the kind's `family`: nothing here switches on a type name) with a legend; branches
stacked across the flow, merges joined, long connections (identity shortcuts, U-Net's skips) as
arcs over the drawing; each repeated block one volume marked "x3" unless `expand`; layers with
errors in red, the diagnostic in a `<title>` tooltip.

Pointwise layers (activations, norms, dropout) are folded into the layer before them and listed
in its label ("+ relu"), when that layer feeds nothing else: a volume per ReLU would double the
picture and show the same shape twice. `fold=False` gives every layer its own volume (as
visualkeras does); `hide` removes types or families altogether.

Linear in the layers (the 100,000-layer benchmark spec is drawn too): one pass builds the graph,
one places it (ranks along the flow by longest path, slots across it), one writes it. Pure and
deterministic: coordinates are rounded to one decimal, nothing depends on dict or set order.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from html import escape
from math import log2

from ..analysis.calc import Analysis, LayerResult, gc_paused
from ..diagnostics import one_line
from ..layers.base import Pointwise, Shape, shape_str
from ..spec import INPUT
from ..spec.model import BlockUse, split_ref


#: Family -> fill colour (Tableau 10, readable on white and in greyscale print), in legend order.
COLOURS: dict[str, str] = {
    "input": "#c7c7c7",
    "convolution": "#4e79a7",
    "pooling": "#f28e2b",
    "normalization": "#76b7b2",
    "activation": "#59a14f",
    "fully-connected": "#edc948",
    "merge": "#b07aa1",
    "resize": "#ff9da7",
    "shape": "#bab0ac",
    "attention": "#9c755f",
    "reduction": "#8cd17d",
    "tensor": "#d4a6c8",
    "other": "#a0a0a0",
    "block": "#8d8fc4",
}
ERROR = "#e15759"
UNKNOWN = "#ffffff"  # a layer whose shape is unknown (after one torch would refuse): an outline

FONT = "Helvetica, Arial, 'Liberation Sans', sans-serif"
SIZE = 11  # label font size (px)
LINE = 13  # label line height (px)
#: Helvetica's advance widths (thousandths of the font size; Arial and Liberation Sans share them).
#: Any other character counts as a full em, so an estimate is never short.
WIDTHS: dict[str, int] = {
    **dict.fromkeys("0123456789", 556), **dict.fromkeys("abdeghnopqu", 556), **dict.fromkeys("ckszvxy", 500),
    "f": 278, "i": 222, "j": 222, "l": 222, "m": 833, "r": 333, "t": 278, "w": 722,
    **dict.fromkeys("ABEKPSVXY", 667), **dict.fromkeys("CDHNRU", 722), **dict.fromkeys("GOQ", 778),
    "F": 611, "I": 278, "J": 500, "L": 556, "M": 833, "T": 611, "W": 944, "Z": 611,
    " ": 278, ".": 278, ",": 278, ":": 278, ";": 278, "!": 278, "/": 278, "\\": 278, "[": 278, "]": 278,
    "-": 333, "(": 333, ")": 333, "_": 556, "+": 584, "=": 584, "<": 584, ">": 584, "~": 584,
    "*": 389, "%": 889, "#": 556, "$": 556, "&": 667, "'": 191, '"': 355, "?": 556, "@": 1015,
    "|": 260, "^": 469, "{": 334, "}": 334, "`": 333,
}
#: Bold is wider; and the viewer may fall back to a wider sans (DejaVu): a margin for both.
BOLD, MARGIN = 1.08, 1.12


def text_width(text: str, size: float = SIZE, bold: bool = False) -> float:
    """The width a label takes, from the fixed table: what keeps labels from overlapping."""
    return sum(WIDTHS.get(c, 1000) for c in text) * size / 1000 * MARGIN * (BOLD if bold else 1)


@dataclass(frozen=True)
class DrawOptions:
    """What `shapecalc draw` takes: the flow's direction, repeated blocks expanded or collapsed,
    flat boxes instead of volumes, types or families to leave out, the volumes' scale, and
    whether pointwise layers are folded into the layer before them."""

    layout: str = "horizontal"
    expand: bool = False
    flat: bool = False
    hide: frozenset[str] = frozenset()
    scale: float = 1.0
    fold: bool = True


@dataclass(slots=True)
class Node:
    """One volume: a layer's output (with the pointwise layers folded into it), the network's
    input, or a collapsed repeated block."""

    name: str
    kind: str  # the type line of the label: a type, or a block's type and "x3"
    family: str
    shape: Shape | None
    inputs: list[int] = field(default_factory=list)  # node ids, first input first, no repeats
    folded: list[str] = field(default_factory=list)  # types folded in, in order
    tip: list[str] = field(default_factory=list)  # the tooltip's lines
    errors: list[str] = field(default_factory=list)
    repeat: int = 1
    kernel: tuple[int, ...] | None = None  # this layer's windows (drawn on its input's volume)
    stride: tuple[int, ...] | None = None
    patch: tuple[int, ...] | None = None  # the kernel a consumer slides over this volume
    parts: list[Shape] | None = None  # every output of a layer that has several (split, chunk)
    rank: int = -1
    slot: int = 0
    # geometry, set by place(): the volume's box (front face w x h, depth offsets dx, dy) and its centre
    w: float = 0.0
    h: float = 0.0
    dx: float = 0.0
    dy: float = 0.0
    x: float = 0.0
    y: float = 0.0
    lines: list[tuple[str, bool]] = field(default_factory=list)  # label lines, bold or not
    label_w: float = 0.0


# -- the graph ----------------------------------------------------------------------------------
def graph(a: Analysis, o: DrawOptions) -> list[Node]:
    """The nodes in spec order (node 0 is the input), each with its input nodes."""
    failed: dict[str, list[str]] = {}
    for d in a.diagnostics:
        if d.severity == "error" and d.layer is not None:
            failed.setdefault(d.layer, []).append(f"{d.code} {d.message}")
    uses: dict[str, int] = {}  # how many references name each layer: folding needs exactly one
    for r in a.layers:
        for ref in r.spec.inputs:
            name = split_ref(ref)[0]
            uses[name] = uses.get(name, 0) + 1
    collapsed = {} if o.expand else repeated(a)
    nodes = [Node(INPUT, "", "input", a.spec.input_shape, tip=[f"input {shape_str(a.spec.input_shape)}"])]
    of: dict[str, int] = {INPUT: 0}
    block_end, block_node = -1, -1
    for i, r in enumerate(a.layers):
        spec, kind = r.spec, r.spec.kind
        name = spec.name
        if i in collapsed:
            b = collapsed[i]
            block_end, block_node = b.end, len(nodes)
            params = sum(x.params for x in a.layers[b.start:b.end])
            nodes.append(Node(b.name, f"{b.type} x{b.repeat}", "block", a.shape_of(b.output), repeat=b.repeat,
                              tip=[f"{b.name}: {b.type} x{b.repeat}, {b.end - b.start:,} layers",
                                   f"{shape_str(a.shape_of(b.source))} -> {shape_str(a.shape_of(b.output))}",
                                   f"{params:,} params"]))
        sources = [of[n] for n in (split_ref(ref)[0] for ref in spec.inputs) if n in of]
        if i < block_end:
            node = nodes[block_node]
            of[name] = block_node
            link(node, (s for s in sources if s != block_node))
            node.errors += [f"{name}: {e}" for e in failed.get(name, ())]
            continue
        family = kind.family if kind is not None else "other"
        errors = failed.get(name)
        if not errors and (spec.type in o.hide or family in o.hide):
            if sources:
                of[name] = sources[0]  # its consumers take what it took
            continue
        host = nodes[sources[0]] if sources else None
        if (o.fold and not errors and host is not None and host.family not in ("input", "block")
                and isinstance(kind, Pointwise) and len(spec.inputs) == 1 and uses.get(spec.inputs[0]) == 1
                and r.output_shape == host.shape):
            host.folded.append(spec.type)
            host.tip += layer_tip(r)
            of[name] = sources[0]
            continue
        node = Node(name, spec.type, family, r.output_shape, tip=layer_tip(r),
                    errors=[f"{name}: {e}" for e in errors or ()], parts=r.parts)
        link(node, sources)
        if kind is not None and r.input_shape is not None and r.output_shape is not None and not kind.merge:
            dims = kind.windows(r.input_shape, spec.args)
            if dims:
                node.kernel, node.stride = tuple(w.k_eff for w in dims), tuple(w.s for w in dims)
                if host is not None and host.patch is None:
                    host.patch = node.kernel
        of[name] = len(nodes)
        nodes.append(node)
    return nodes


def link(node: Node, sources: Iterable[int]) -> None:
    for s in sources:
        if s not in node.inputs:
            node.inputs.append(s)


def repeated(a: Analysis) -> dict[int, BlockUse]:
    """The outermost repeated block uses (repeat > 1), by their first layer's index."""
    out: dict[int, BlockUse] = {}
    end = -1
    for b in sorted(a.spec.blocks, key=lambda b: (b.start, b.depth)):
        if b.start >= end and b.repeat > 1 and b.end > b.start:
            out[b.start] = b
            end = b.end
    return out


def layer_tip(r: LayerResult) -> list[str]:
    """A layer's tooltip lines: what it is, its shapes, parameters and arithmetic."""
    into = " + ".join(map(shape_str, r.input_shapes)) if len(r.input_shapes) > 1 else shape_str(r.input_shape)
    out = f"[{', '.join(map(shape_str, r.parts))}]" if r.parts else shape_str(r.output_shape)
    return [f"{r.spec.name}: {r.spec.type}, {into} -> {out}, {r.params:,} params", *r.formulas]


# -- placing ------------------------------------------------------------------------------------
def size(n: int, unit: float) -> float:
    """A dimension on the compressed scale: 1 is a sliver, each doubling adds `unit`."""
    return 4 + unit * log2(max(n, 1))


def box(node: Node, o: DrawOptions) -> None:
    """The volume's front face (channels across, height up) and its depth (the width, drawn
    obliquely); a vector is a thin tall bar; an unknown shape a medium outline."""
    s = o.scale
    shape = node.shape
    if shape is None:
        w, h, depth = 24.0, 48.0, 20.0
    elif len(shape) <= 1:
        w, h, depth = 8.0, size(shape[0] if shape else 1, 9), 8.0
    else:
        c, height, width = shape[0], shape[-2] if len(shape) >= 3 else shape[-1], shape[-1] if len(shape) >= 3 else 1
        w, h, depth = 3 + 5 * log2(max(c, 1)), size(height, 12), size(width, 12)
    node.w, node.h = max(w, 3.0) * s, h * s
    node.dx = node.dy = 0.0 if o.flat else depth * 0.36 * s


def label(node: Node) -> None:
    kind = node.kind
    if node.kernel:
        kind += " " + "x".join(map(str, node.kernel))
        if node.stride and any(v != 1 for v in node.stride):
            kind += " /" + "x".join(map(str, node.stride)) if len(set(node.stride)) > 1 else f" /{node.stride[0]}"
    lines = [(one_line(node.name), True)] + ([(one_line(kind), False)] if kind else [])
    if node.folded:
        lines.append(("+ " + ", ".join(node.folded), False))
    lines.append((parts_text(node.parts) if node.parts else shape_str(node.shape), False))
    node.lines = lines
    node.label_w = max(text_width(t, bold=b) for t, b in lines)


def parts_text(parts: list[Shape]) -> str:
    """A split's outputs in its label: `2 x 3x4x4` when they are alike, else `[2x4x4, 4x4x4]`.
    The volume is drawn as the first output, the label says there are more."""
    if len(set(parts)) == 1:
        return f"{len(parts)} x {shape_str(parts[0])}"
    return f"[{', '.join(map(shape_str, parts))}]"


GAP = 26.0  # between columns along the flow
SLOT_GAP = 18.0  # between rows across it
LABEL_GAP = 6.0  # between a volume and its label
PAD = 20.0
TITLE = 40.0


@dataclass
class Placed:
    """The nodes with coordinates, the canvas, and the connections to draw."""

    nodes: list[Node]
    width: float
    height: float
    edges: list[tuple[int, int, bool]]  # source, target, arc (over the drawing) or direct
    lift: dict[tuple[int, int], float]  # an arc's height
    top: list[float]  # each slot's band start across the flow


def place(nodes: list[Node], o: DrawOptions) -> Placed:
    """Ranks along the flow (longest path from the input), slots across it (a branch takes the
    next free slot of its rank, a chain keeps its input's), then each column as wide and each
    row as tall as its largest volume and label."""
    vertical = o.layout == "vertical"
    used: list[int] = []  # per rank, the highest slot taken
    taken: set[tuple[int, int]] = set()
    for node in nodes:
        box(node, o)
        label(node)
        ins = [nodes[i] for i in node.inputs]
        known = [n.rank for n in ins if n.rank >= 0]
        base = max(known, default=-1)
        for n in ins:
            if n.rank < 0:  # a tensor of the network's own: placed beside what it merges with
                n.rank = max(base, 0)
                n.slot = used[n.rank] + 1 if n.rank < len(used) else 0
                take(used, taken, n)
        node.rank = max([n.rank for n in ins], default=-1) + 1 if ins else (0 if node.family == "input" else -1)
        if node.rank < 0:
            continue  # a source: placed by its first consumer
        pref = ins[0].slot if ins else 0
        node.slot = max(pref, used[node.rank] + 1) if node.rank < len(used) else pref
        take(used, taken, node)
    for node in nodes:
        if node.rank < 0:  # a tensor nothing takes
            node.rank = 0
            node.slot = used[0] + 1
            take(used, taken, node)
    ranks, slots = len(used), max(used, default=0) + 1
    # extents: along the flow (main) and across it (cross), box and label apart
    main = [0.0] * ranks
    cross_box = [0.0] * slots
    cross_label = [0.0] * slots
    for n in nodes:
        bw, bh = n.w + n.dx, n.h + n.dy
        label_h = LINE * len(n.lines)
        if vertical:
            main[n.rank] = max(main[n.rank], bh, label_h)
            cross_box[n.slot] = max(cross_box[n.slot], bw)
            cross_label[n.slot] = max(cross_label[n.slot], n.label_w)
        else:
            main[n.rank] = max(main[n.rank], bw, n.label_w)
            cross_box[n.slot] = max(cross_box[n.slot], bh)
            cross_label[n.slot] = max(cross_label[n.slot], label_h)
    edges: list[tuple[int, int, bool]] = []
    lift: dict[tuple[int, int], float] = {}
    arc_room = [0.0] * slots  # how far arcs rise beyond each slot's band
    for t, n in enumerate(nodes):
        for s in n.inputs:
            src = nodes[s]
            span = n.rank - src.rank
            blocked = src.slot == n.slot and span > 1 and (
                span > 8 or any((r, n.slot) in taken for r in range(src.rank + 1, n.rank)))
            edges.append((s, t, blocked))
            if blocked:
                lift[s, t] = 16 + 12 * log2(span)
                arc_room[n.slot] = max(arc_room[n.slot], lift[s, t])
    # positions: main axis
    start = PAD + TITLE
    centre_main: list[float] = []
    pos = PAD if not vertical else start
    for m in main:
        centre_main.append(pos + m / 2)
        pos += m + GAP
    main_total = pos - GAP + PAD
    # cross axis: slot 0's arcs above (left of) its band, the others' below (right of) theirs
    top: list[float] = []
    pos = (start if not vertical else PAD) + arc_room[0]
    for k in range(slots):
        top.append(pos)
        pos += cross_box[k] + LABEL_GAP + cross_label[k] + SLOT_GAP + (arc_room[k] if k else 0)
    cross_total = pos - SLOT_GAP + PAD
    for n in nodes:
        m, c = centre_main[n.rank], top[n.slot] + cross_box[n.slot] / 2
        n.x, n.y = (c, m) if vertical else (m, c)
    width, height = (cross_total, main_total) if vertical else (main_total, cross_total)
    return Placed(nodes, max(width, 320.0), height, edges, lift, top)


def take(used: list[int], taken: set[tuple[int, int]], n: Node) -> None:
    while len(used) <= n.rank:
        used.append(-1)
    used[n.rank] = max(used[n.rank], n.slot)
    taken.add((n.rank, n.slot))


# -- writing SVG ----------------------------------------------------------------------------------
def num(v: float) -> str:
    """One decimal, no trailing .0: short, and the same bytes on every machine."""
    text = f"{v:.1f}"
    return text[:-2] if text.endswith(".0") else text


def shade(colour: str, amount: float) -> str:
    """The colour lightened (amount > 0, towards white) or darkened (< 0): the faces of a volume."""
    rgb = [int(colour[i:i + 2], 16) for i in (1, 3, 5)]
    out = [round(v + (255 - v) * amount) if amount > 0 else round(v * (1 + amount)) for v in rgb]
    return "#" + "".join(f"{v:02x}" for v in out)


def points(*xy: float) -> str:
    return " ".join(f"{num(xy[i])},{num(xy[i + 1])}" for i in range(0, len(xy), 2))


def volume(n: Node, out: list[str], o: DrawOptions) -> None:
    """The volume (or flat box) with its kernel patch and tooltip, as one group."""
    colour = ERROR if n.errors else UNKNOWN if n.shape is None else COLOURS.get(n.family, COLOURS["other"])
    stroke = "#7a1f20" if n.errors else "#333"
    dash = ' stroke-dasharray="4 3"' if n.shape is None else ""
    x0 = n.x - (n.w + n.dx) / 2  # front face, top left
    y0 = n.y - (n.h + n.dy) / 2 + n.dy
    w, h, dx, dy = n.w, n.h, n.dx, n.dy
    tip = [*n.errors, *n.tip] if n.errors else n.tip
    out.append(f'<g class="layer {escape(n.family)}"><title>{escape(chr(10).join(map(one_line, tip)))}</title>')
    if n.repeat > 1:  # a stack: the copies behind the first
        for k in (2, 1):
            off = 4 * k
            out.append(f'<rect x="{num(x0 + off)}" y="{num(y0 - off)}" width="{num(w + dx)}" height="{num(h)}" '
                       f'fill="{shade(colour, 0.45)}" stroke="{stroke}" stroke-width="0.6"/>')
    common = f'stroke="{stroke}" stroke-width="0.8" stroke-linejoin="round"{dash}'
    out.append(f'<rect x="{num(x0)}" y="{num(y0)}" width="{num(w)}" height="{num(h)}" fill="{colour}" {common}/>')
    if not o.flat:
        out.append(f'<polygon points="{points(x0, y0, x0 + dx, y0 - dy, x0 + w + dx, y0 - dy, x0 + w, y0)}" '
                   f'fill="{shade(colour, 0.35)}" {common}/>')
        out.append(f'<polygon points="{points(x0 + w, y0, x0 + w + dx, y0 - dy, x0 + w + dx, y0 - dy + h, x0 + w, y0 + h)}" '
                   f'fill="{shade(colour, -0.22)}" {common}/>')
    if n.patch and n.shape is not None and len(n.shape) >= 2:
        kernel_patch(n, n.patch, x0, y0, out, o)
    if n.repeat > 1:
        out.append(f'<text x="{num(x0 + w + dx + 3)}" y="{num(y0 - dy - 2)}" font-weight="bold" '
                   f'font-size="12">x{n.repeat}</text>')
    out.append("</g>")


def kernel_patch(n: Node, k: tuple[int, ...], x0: float, y0: float, out: list[str], o: DrawOptions) -> None:
    """The kernel on the face it slides over (height x width, the right face), on the volume's
    own compressed scale, as the slides draw a 5x5 filter on a 32x32 image."""
    shape = n.shape
    kh = k[-2] if len(k) >= 2 else k[-1]
    kw = k[-1] if len(k) >= 2 else 1
    height, width = (shape[-2], shape[-1]) if len(shape) >= 3 else (shape[-1], 1)
    ph = min(size(kh, 12) * o.scale, n.h * 0.8) if kh < height else n.h
    if o.flat:
        pw = min(n.w, ph)
        px, py = x0 + n.w - pw, y0 + (n.h - ph) / 2
        out.append(f'<rect class="kernel" x="{num(px)}" y="{num(py)}" width="{num(pw)}" height="{num(ph)}" '
                   'fill="#222" fill-opacity="0.55" stroke="#111" stroke-width="0.6"/>')
        return
    fu = min(size(kw, 12) / size(width, 12), 0.8) if kw < width else 1.0
    u0, v0 = (1 - fu) / 2, (n.h - ph) / 2
    fx, fy = x0 + n.w, y0  # the right face starts at the front face's right edge

    def at(u: float, v: float) -> tuple[float, float]:
        return fx + u * n.dx, fy - u * n.dy + v

    corners = [*at(u0, v0), *at(u0 + fu, v0), *at(u0 + fu, v0 + ph), *at(u0, v0 + ph)]
    out.append(f'<polygon class="kernel" points="{points(*corners)}" fill="#222" fill-opacity="0.55" '
               'stroke="#111" stroke-width="0.6"/>')


def text_lines(n: Node, vertical: bool, out: list[str]) -> None:
    """The label: under the volume (horizontal flow) or to its right (vertical)."""
    if vertical:
        x = n.x + (n.w + n.dx) / 2 + LABEL_GAP
        y = n.y - LINE * len(n.lines) / 2 + SIZE
        anchor = "start"
    else:
        x = n.x
        y = n.y + (n.h + n.dy) / 2 + LABEL_GAP + SIZE
        anchor = "middle"
    out.append(f'<text x="{num(x)}" y="{num(y)}" text-anchor="{anchor}">')
    for i, (line, bold) in enumerate(n.lines):
        weight = ' font-weight="bold"' if bold else ""
        out.append(f'<tspan x="{num(x)}" dy="{0 if i == 0 else LINE}"{weight}>{escape(line)}</tspan>')
    out.append("</text>")


def connection(p: Placed, s: int, t: int, arc: bool, vertical: bool) -> str:
    """A connection from a volume's far side to the next one's near side, or an arc over the
    drawing for one that would cross the volumes between."""
    a, b = p.nodes[s], p.nodes[t]
    if arc:
        lift = p.lift[s, t]
        if vertical:
            side = -1 if b.slot == 0 else 1
            ax, bx = a.x + side * (a.w + a.dx) / 2, b.x + side * (b.w + b.dx) / 2
            edge = (p.top[b.slot] if side < 0 else max(ax, bx)) + side * lift
            return f"M{num(ax)},{num(a.y)} C{num(edge)},{num(a.y)} {num(edge)},{num(b.y)} {num(bx)},{num(b.y)}"
        side = -1 if b.slot == 0 else 1
        ay, by = a.y + side * (a.h + a.dy) / 2, b.y + side * (b.h + b.dy) / 2
        band = p.top[b.slot] if side < 0 else max(ay, by) + 4 + LINE * 4
        edge = band + side * lift
        return f"M{num(a.x)},{num(ay)} C{num(a.x)},{num(edge)} {num(b.x)},{num(edge)} {num(b.x)},{num(by)}"
    if vertical:
        ay, by = a.y + (a.h + a.dy) / 2, b.y - (b.h + b.dy) / 2
        mid = (by - ay) / 2
        return f"M{num(a.x)},{num(ay)} C{num(a.x)},{num(ay + mid)} {num(b.x)},{num(by - mid)} {num(b.x)},{num(by)}"
    ax, bx = a.x + (a.w + a.dx) / 2, b.x - (b.w + b.dx) / 2
    mid = (bx - ax) / 2
    return f"M{num(ax)},{num(a.y)} C{num(ax + mid)},{num(a.y)} {num(bx - mid)},{num(b.y)} {num(bx)},{num(b.y)}"


def legend(p: Placed, out: list[str]) -> float:
    """Swatches for the families drawn (in COLOURS' order), and the error colour if used; wrapped
    to the drawing's width. Returns the height taken."""
    present = {n.family for n in p.nodes}
    entries = [(f, COLOURS[f]) for f in COLOURS if f in present]
    entries += [(f, COLOURS["other"]) for f in sorted(present - COLOURS.keys())]
    if any(n.errors for n in p.nodes):
        entries.append(("error (hover for the arithmetic)", ERROR))
    x, y = PAD, p.height + 4
    rows = 1
    out.append('<g class="legend">')
    for name, colour in entries:
        span = 18 + text_width(name) + 16
        if x + span > p.width - PAD and x > PAD:
            x, y, rows = PAD, y + 18, rows + 1
        out.append(f'<rect x="{num(x)}" y="{num(y)}" width="12" height="12" fill="{colour}" stroke="#333" '
                   'stroke-width="0.6"/>')
        out.append(f'<text x="{num(x + 17)}" y="{num(y + 10)}">{escape(name)}</text>')
        x += span
    out.append("</g>")
    return rows * 18 + 10


@gc_paused()  # a few strings per layer: see calc.gc_paused
def svg(a: Analysis, options: DrawOptions) -> str:
    """The drawing as one SVG document (UTF-8 text, no external references)."""
    vertical = options.layout == "vertical"
    p = place(graph(a, options), options)
    body: list[str] = []
    for s, t, arc in p.edges:
        marker = "" if arc else ' marker-end="url(#arrow)"'
        style = ' stroke-dasharray="5 3"' if arc else ""
        body.append(f'<path d="{connection(p, s, t, arc, vertical)}" fill="none" stroke="#555" '
                    f'stroke-width="1.2"{style}{marker}/>')
    for n in p.nodes:
        volume(n, body, options)
        text_lines(n, vertical, body)
    errors = sum(len(n.errors) for n in p.nodes)
    title = f"{a.spec.name or a.spec.path}   input {shape_str(a.spec.input_shape)}   {a.total_params:,} params"
    if errors:
        title += f"   {errors} error{'s' * (errors > 1)}"
    p.width = max(p.width, text_width(title, 15, bold=True) + 2 * PAD)
    legend_height = legend(p, body)
    width, height = p.width, p.height + legend_height
    head = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{num(width)}" height="{num(height)}" '
        f'viewBox="0 0 {num(width)} {num(height)}" font-family="{FONT}" font-size="{SIZE}" fill="#222">',
        f"<title>{escape(one_line(title))}</title>",
        '<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" '
        'orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#555"/></marker></defs>',
        f'<rect width="{num(width)}" height="{num(height)}" fill="#fff"/>',
        f'<text x="{num(PAD)}" y="{num(PAD + 8)}" font-size="15" font-weight="bold">{escape(one_line(title))}</text>',
    ]
    return "\n".join(head + body + ["</svg>"]) + "\n"


# -- writing DOT ----------------------------------------------------------------------------------
def quoted(text: str) -> str:
    """A DOT string's inside: quotes and backslashes escaped, control characters as escapes."""
    return one_line(text).replace("\\", "\\\\").replace('"', '\\"')


def lines(texts: Iterable[str]) -> str:
    """Several lines as one DOT string, each centred (Graphviz's `\\n`)."""
    return '"' + "\\n".join(map(quoted, texts)) + '"'


@gc_paused()
def dot(a: Analysis, options: DrawOptions) -> str:
    """The same graph as Graphviz source (folding, hiding and collapsing as in the SVG)."""
    nodes = graph(a, options)
    rankdir = "TB" if options.layout == "vertical" else "LR"
    out = [f"digraph {lines([a.spec.name or a.spec.path])} {{", f"  rankdir={rankdir};",
           '  node [shape=box, style="rounded,filled", fontname="Helvetica", fontsize=10];',
           '  edge [color="#555555"];']
    for i, n in enumerate(nodes):
        label(n)
        colour = ERROR if n.errors else UNKNOWN if n.shape is None else COLOURS.get(n.family, COLOURS["other"])
        out.append(f'  n{i} [label={lines(t for t, _ in n.lines)}, fillcolor="{colour}", '
                   f'tooltip={lines([*n.errors, *n.tip])}'
                   + (', peripheries=2' if n.repeat > 1 else "") + "];")
    for t, n in enumerate(nodes):
        for s in n.inputs:
            out.append(f"  n{s} -> n{t};")
    out.append("}")
    return "\n".join(out) + "\n"
