"""Receptive fields: for every layer and every spatial dimension, which input pixels each output sees.

Pure: an Analysis in, one Field (or None) per layer out, plus W006 where a merge joins inputs whose
grids are not aligned. The model is Araujo, Norris and Sim, "Computing Receptive Fields of
Convolutional Neural Networks" (Distill, 2019), in its forward form: for a window layer with
kernel k, dilation d (k_eff = d(k - 1) + 1), stride s and left padding p,

    jump  j_out = j_in * s
    size  r_out = r_in + (k_eff - 1) * j_in
    start c_out = c_in + ((k_eff - 1)/2 - p) * j_in

from r = 1, j = 1, c = 0 at the input. Coordinates are 0-based input pixel indices: pixel i is
centred at i, so `start` is where output 0's field is centred (Distill's library gives the same
number as -effective_padding + (r - 1)/2; the "start = 0.5" convention of the Medium guide is ours
plus 0.5). A field is the theoretical one: the map is taken to go on forever, as Distill does, so
a field near a border counts the padding around the image, and after a crop it counts pixels the
crop removed. Normalisation layers and softmax are treated as pointwise (their statistics over the
whole map are not counted, as every receptive-field calculator does).

Exactness. Internally each spatial dimension keeps, for every output index o, the exact first and
last input pixel of its field: L(o) = j*o + lo[o mod P], R(o) = j*o + hi[o mod P], with P a small
period. For convolution and pooling P stays 1 and the three numbers above say everything. Layers
that enlarge the map (transposed convolution, upsampling, pixel shuffle, adaptive pooling to a
size that does not divide the input) make neighbouring outputs share input pixels unevenly: a
2x2 stride-2 transposed convolution gives outputs 0 and 1 the same input pixel 0. There

    jump = j_in / s  (the average step: upsampling by s divides it),
    size = the largest field over the outputs (r_in + (ceil(k_eff/s) - 1) * j_in for a
           transposed convolution after convolutions only),
    start = the average centre over the phases: c_in + (p - (k_eff - 1)/2) / s * j_in for a
           transposed convolution (start + o*jump is then output o's centre on average),

and the periodic table keeps every later layer exact. Merges (add, concat) take the union of the
inputs' fields, exactly when their jumps agree (the largest field when the grids are aligned);
when the jumps differ there is no single grid, the layer takes the largest input field and W006
says so. Only then, along a dimension a concat joins side by side, or when the period would pass
MAX_PERIOD, is a field approximate (`exact` False).

Each layer kind states its map (`LayerKind.field`, with the Axis arithmetic in layers/field.py);
this module walks the network, checks merges for alignment and writes the worked steps.

A layer after which the spatial grid is gone (flatten, linear, unflatten, global pooling without
keepdim) has no field (None): each of its outputs depends on the whole input.
"""

from __future__ import annotations

from .calc import Analysis, LayerResult
from ..diagnostics import Diagnostic
from ..layers.field import INPUT_AXIS, POINTWISE, Field, text
from ..layers.window import DIM_LABELS
from ..spec import INPUT


# --- the whole network -------------------------------------------------------------------------


def layer_field(r: LayerResult, inputs: list[Field | None]) -> tuple[Field | None, list[int]]:
    """The field of one layer from its inputs' fields, and the dimensions along which a merge's
    inputs are not aligned (empty when they are, or for a single input)."""
    if r.output_shape is None or not inputs:
        return None, []
    kind, y = r.spec.kind, r.output_shape
    if kind.merge:  # it decides what an input without a field means (a broadcast gate, a parameter)
        return kind.merge_field(inputs, r.input_shapes, y, r.spec.args)
    if inputs[0] is None:
        return None, []
    x = r.input_shapes[0]
    if len(x) != len(inputs[0].axes) + 1:
        return None, []
    maps = kind.field(x, y, r.spec.args)
    if maps is POINTWISE:  # the common case, kept cheap
        return inputs[0], []
    if maps is None:
        return None, []
    axes = [f(ax) for f, ax in zip(maps, inputs[0].axes)]
    return (Field(tuple(axes)) if all(ax is not None for ax in axes) else None), []


def fields(a: Analysis) -> tuple[list[Field | None], list[Diagnostic]]:
    """Every layer's field, and W006 for each merge whose inputs are not on one grid."""
    shape = a.spec.input_shape
    start = Field((INPUT_AXIS,) * (len(shape) - 1)) if shape is not None and len(shape) > 1 else None
    known: dict[str, Field | None] = {INPUT: start}
    out: list[Field | None] = []
    diagnostics: list[Diagnostic] = []
    for r in a.layers:
        inputs = [known.get(name) for name in r.spec.inputs]
        field, bad = layer_field(r, inputs)
        known[r.spec.name] = field
        out.append(field)
        if bad:
            diagnostics.append(misaligned(r, inputs, bad))
    return out, diagnostics


def misaligned(r: LayerResult, inputs: list[Field], bad: list[int]) -> Diagnostic:
    """W006: the jumps and starts of the inputs along the dimensions `bad` where they differ."""
    nd = len(inputs[0].axes)
    labels = DIM_LABELS.get(nd, tuple(str(i) for i in range(nd)))
    parts = []
    for name, f in zip(r.spec.inputs, inputs):
        js = ", ".join(text(f.axes[i].jump) for i in bad)
        cs = ", ".join(text(f.axes[i].start) for i in bad)
        parts.append(f"{name} has jump {js}, start {cs}")
    where = "" if len(bad) == nd else f" in {', '.join(labels[i] for i in bad)}"
    why = "; ".join(parts) + where
    loc = r.spec.where("inputs")
    return Diagnostic("W006", f"{r.spec.name}: the merged inputs' receptive fields are not aligned: {why}; "
                      "features at one output position are centred on different input pixels",
                      loc.line, loc.column, r.spec.name)


def annotate(a: Analysis) -> list[Diagnostic]:
    """Set `receptive_field` on every layer result; the W006 diagnostics."""
    found, diagnostics = fields(a)
    for r, f in zip(a.layers, found):
        r.receptive_field = f
    return diagnostics


def field_of(a: Analysis, name: str) -> Field | None:
    """The field of the layer with this full name ("input": the network's input)."""
    if name == INPUT:
        shape = a.spec.input_shape
        return Field((INPUT_AXIS,) * (len(shape) - 1)) if shape is not None and len(shape) > 1 else None
    result = a.layer(name)
    return result.receptive_field if result is not None else None


# --- the worked step, for explain and for answers ----------------------------------------------


def _dim_step(r: LayerResult, i: int, ins: list[Field], f: Field) -> str:
    ax, before = f.axes[i], ins[0].axes[i]
    size, jump, start = ax.size, text(ax.jump), text(ax.start)
    plain = f"r = {size}, jump {jump}, start {start}"
    if len(ins) > 1 and r.spec.kind.field_union:
        sizes = [x.axes[i].size for x in ins]
        if not ax.exact:
            return f"{plain} (the largest input field: the inputs' jumps differ, so no single grid)"
        if size == max(sizes):
            return f"r = max({', '.join(map(str, sizes))}) = {size}, jump {jump}, start {start}"
        return f"{plain} (the union of the inputs' fields, wider than each: they are centred differently)"
    if ax is before:
        return f"unchanged: {plain}"
    x, kind = r.input_shapes[0], r.spec.kind
    win = kind.field_window(x, r.spec.args, i)
    r_in, j_in, c_in = before.size, text(before.jump), text(before.start)
    if win is not None and before.steady and ax.steady:
        whole = " (each output sees the whole input)" if win.whole else ""
        return (f"r = {r_in} + ({win.k_eff} - 1)*{j_in} = {size}, jump {j_in}*{win.s} = {jump}, "
                f"start {c_in} + (({win.k_eff} - 1)/2 - {win.pad_l})*{j_in} = {start}{whole}")
    special = kind.field_text(i, before, ax, r.spec.args)
    if special is not None:
        return special
    if ax.period > 1:
        return f"{plain} (the largest field over {ax.period} output phases; start is their average centre)"
    return plain


def step_texts(a: Analysis, r: LayerResult) -> list[tuple[str | None, str]]:
    """The receptive field arithmetic of one layer, as a student writes it: `r = 1 + (11 - 1)*1 =
    11, jump 1*4 = 4, start 0 + ((11 - 1)/2 - 0)*1 = 5`. One (None, text) when every dimension
    computes alike, else one (label, text) per dimension; empty when the shape is unknown."""
    if r.output_shape is None:
        return []
    f = r.receptive_field
    if f is None and r.spec.kind.source:
        return [(None, "none: a tensor of the network's own, it sees no input")]
    if f is None:
        shape = a.spec.input_shape
        if shape is None or len(shape) < 2:
            why = "the network's input has no spatial dimensions"
        elif len(r.output_shape) == len(shape) and not r.spec.kind.merge and \
                r.spec.kind.field(r.input_shape, r.output_shape, r.spec.args) is not None:
            why = "the spatial grid was lost before this layer (a flatten, linear or unflatten on the way)"
        else:
            why = "no spatial grid after this layer"
        return [(None, f"none: {why}, every output depends on the whole input")]
    ins = [field_of(a, name) for name in r.spec.inputs]
    if any(x is None for x in ins):
        return [(None, f"r = {', '.join(map(str, f.size))}")]
    texts = [_dim_step(r, i, ins, f) for i in range(len(f.axes))]
    if not f.exact:
        texts = [t if "approximate" in t or "no single grid" in t else t + " (approximate)" for t in texts]
    if len(set(texts)) == 1:
        return [(None, texts[0])]
    labels = DIM_LABELS.get(len(texts), tuple(str(i) for i in range(len(texts))))
    return list(zip(labels, texts))


def step_text(a: Analysis, r: LayerResult) -> str | None:
    """step_texts on one line (`H: ...; W: ...` when the dimensions differ); None if unknown."""
    parts = step_texts(a, r)
    if not parts:
        return None
    return "; ".join(t if label is None else f"{label}: {t}" for label, t in parts)
