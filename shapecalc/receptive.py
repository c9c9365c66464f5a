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

A layer after which the spatial grid is gone (flatten, linear, unflatten, global pooling without
keepdim) has no field (None): each of its outputs depends on the whole input.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction
from math import ceil, gcd
from typing import Any

from .calc import Analysis, LayerResult
from .diagnostics import Diagnostic
from .layers.base import Shape
from .layers.conv import conv_pads
from .layers.window import DIM_LABELS, WindowDim
from .spec import INPUT, LayerSpec

#: The longest period a dimension may need before it is collapsed to an approximate band.
MAX_PERIOD = 4096
#: Type prefixes of the layers that move, widen or drop the field; every other layer that keeps
#: the shape acts on each position alone (norms and softmax are treated so) and passes it on.
SPATIAL = ("conv", "maxpool", "avgpool", "lppool", "subsampling", "adaptive", "global", "pixel", "zeropad",
           "upsample", "linear")

Taps = Callable[[int], "tuple[int, int, int] | None"]  # output index -> (first input, step, count)


@dataclass(frozen=True)
class Axis:
    """The fields along one spatial dimension: output o sees input pixels L(o)..R(o)."""

    jump: Fraction
    lo: tuple[Fraction | None, ...]  # L(o) - jump*o, per phase o mod P (None: no input at all)
    hi: tuple[Fraction | None, ...]
    exact: bool = True

    @property
    def period(self) -> int:
        return len(self.lo)

    @property
    def has_gaps(self) -> bool:
        return any(v is None for v in self.lo)

    def bounds(self, o: int) -> tuple[Fraction, Fraction] | None:
        """First and last input pixel output o depends on (None when it depends on none)."""
        ph = o % self.period
        if self.lo[ph] is None:
            return None
        return self.jump * o + self.lo[ph], self.jump * o + self.hi[ph]

    @property
    def size(self) -> int:
        widths = [h - l for l, h in zip(self.lo, self.hi) if l is not None]
        return ceil(max(widths)) + 1 if widths else 0

    @property
    def start(self) -> Fraction:
        centres = [l + h for l, h in zip(self.lo, self.hi) if l is not None]
        return exact(Fraction(sum(centres), 2 * len(centres))) if centres else 0

    @property
    def steady(self) -> bool:
        """True when every output's field is the same size and centred at start + o*jump."""
        return self.period == 1 and self.exact

    def collapsed(self) -> Axis:
        """One band containing every phase (approximate)."""
        lows = [v for v in self.lo if v is not None]
        highs = [v for v in self.hi if v is not None]
        if not lows:
            return self
        return Axis(self.jump, (min(lows),), (max(highs),), False)


@dataclass(frozen=True)
class Field:
    """A layer's receptive field, one Axis per spatial dimension of the network's input."""

    axes: tuple[Axis, ...]

    @property
    def size(self) -> list[int]:
        return [a.size for a in self.axes]

    @property
    def jump(self) -> list[Fraction]:
        return [a.jump for a in self.axes]

    @property
    def start(self) -> list[Fraction]:
        return [a.start for a in self.axes]

    @property
    def exact(self) -> bool:
        return all(a.exact for a in self.axes)

    def to_dict(self) -> dict[str, list]:
        return {"size": self.size, "jump": [number(v) for v in self.jump], "start": [number(v) for v in self.start]}


INPUT_AXIS = Axis(1, (0,), (0,))  # ints until a division needs a Fraction (much faster)


def exact(value: Fraction) -> Fraction | int:
    """An int when whole: the common case stays in fast integer arithmetic."""
    return value.numerator if value.denominator == 1 else value


def number(value: Fraction) -> int | float:
    """For JSON: an int when whole, else the nearest float (exact for halves, quarters, ...)."""
    return int(value) if value.denominator == 1 else float(value)


def text(value: Fraction) -> str:
    """`5`, `0.5`, `-0.25` (exact decimals for binary fractions), else `1/3`."""
    if value.denominator == 1:
        return str(value.numerator)
    d = value.denominator
    if d & (d - 1) == 0:  # a power of two: the decimal is finite and exact
        digits = d.bit_length() - 1
        return f"{float(value):.{digits}f}".rstrip("0")
    return f"{value.numerator}/{value.denominator}"


# --- one layer, one dimension ----------------------------------------------------------------


def _reduce(lo: list, hi: list) -> tuple[tuple, tuple]:
    """The shortest period that repeats."""
    n = len(lo)
    for q in range(1, n + 1):
        if n % q == 0 and all(lo[i] == lo[i % q] and hi[i] == hi[i % q] for i in range(q, n)):
            return tuple(lo[:q]), tuple(hi[:q])
    return tuple(lo), tuple(hi)


def _ends(a: Axis, first: int, step: int, count: int) -> tuple[Fraction, Fraction] | None:
    """The leftmost and rightmost input pixel seen through inputs first, first + step, ... (count
    of them). L and R need not grow with the index (a dilated transposed convolution interleaves
    its taps), but j*i does and the rest repeats every P: the ends are within P terms of each end."""
    if a.period == 1:
        if a.lo[0] is None:
            return None
        return a.jump * first + a.lo[0], a.jump * (first + (count - 1) * step) + a.hi[0]
    span = min(count, a.period)
    lows = [a.jump * i + a.lo[i % a.period] for i in (first + t * step for t in range(span))
            if a.lo[i % a.period] is not None]
    highs = [a.jump * i + a.hi[i % a.period] for i in (first + (count - 1 - t) * step for t in range(span))
             if a.hi[i % a.period] is not None]
    if not lows or not highs:
        return None
    return min(lows), max(highs)


def transform(a: Axis, ratio: Fraction, base: int, taps: Taps) -> Axis | None:
    """The output axis of a layer whose output o reads the inputs taps(o), where taps(o + base)
    is taps(o) moved by ratio*base (an integer). None when the period cannot be kept."""
    if base > MAX_PERIOD:
        return None
    if base * a.period > MAX_PERIOD:
        a = a.collapsed()
    period = base * a.period
    jump = exact(a.jump * ratio)
    lo: list[Fraction | None] = []
    hi: list[Fraction | None] = []
    for o in range(period):
        prog = taps(o)
        ends = _ends(a, *prog) if prog is not None and prog[2] > 0 else None
        if ends is None:
            lo.append(None)
            hi.append(None)
            continue
        lo.append(exact(Fraction(ends[0] - jump * o)))
        hi.append(exact(Fraction(ends[1] - jump * o)))
    if all(v is None for v in lo):
        return None
    lo_t, hi_t = _reduce(lo, hi)
    return Axis(jump, lo_t, hi_t, a.exact)


def window(a: Axis, k_eff: int, s: int, pad_left: int, d: int = 1) -> Axis | None:
    """Convolution and pooling: output o reads o*s - p, then every d-th input, k of them."""
    k = (k_eff - 1) // d + 1
    if a.period == 1 and not a.has_gaps:  # the closed form (and the fast path)
        j = a.jump
        return Axis(j * s, (a.lo[0] - j * pad_left,), (a.hi[0] + j * (k_eff - 1 - pad_left),), a.exact)
    return transform(a, Fraction(s), 1, lambda o: (o * s - pad_left, d, k))


def transposed(a: Axis, k: int, s: int, p: int, d: int) -> Axis | None:
    """Output o of a transposed convolution gets input i through tap t when i*s - p + t*d = o."""
    g = gcd(d, s)
    m = s // g
    inverse = pow(d // g, -1, m) if m > 1 else 0

    def taps(o: int) -> tuple[int, int, int] | None:
        r = (o + p) % s
        if r % g:
            return None
        t0 = (r // g) * inverse % m if m > 1 else 0
        if t0 > k - 1:
            return None
        count = (k - 1 - t0) // m + 1
        t_max = t0 + (count - 1) * m
        return (o + p - t_max * d) // s, d // g, count

    return transform(a, Fraction(1, s), s, taps)


def adaptive(a: Axis, n: int, m: int) -> Axis | None:
    """Adaptive pooling n -> m: window o spans floor(o*n/m) to ceil((o+1)*n/m) - 1 (torch's)."""
    if n == m:
        return a
    g = gcd(n, m)

    def taps(o: int) -> tuple[int, int, int]:
        first = o * n // m
        last = -(-(o + 1) * n // m) - 1
        return first, 1, last - first + 1

    return transform(a, Fraction(n, m), m // g, taps)


def resample(a: Axis, scale: Fraction, mode: str, align_corners: bool) -> Axis | None:
    """Upsampling: output o reads the input pixels torch's interpolation uses with nonzero weight.

    `scale` is torch's input-per-output ratio (1/scale_factor, or in/out)."""
    if align_corners:  # source o*scale, scale = (in - 1)/(out - 1)
        offset, mult = Fraction(0), scale
    else:
        offset, mult = scale / 2 - Fraction(1, 2), scale  # (o + 1/2)*scale - 1/2
    base = mult.denominator

    if mode in ("nearest", "nearest-exact"):
        shift = Fraction(0) if mode == "nearest" else scale / 2

        def taps(o: int) -> tuple[int, int, int]:
            return int((o * scale + shift) // 1), 1, 1
    else:
        cubic = mode == "bicubic"

        def taps(o: int) -> tuple[int, int, int]:
            x = o * mult + offset
            i0 = int(x // 1)
            if x == i0:
                return i0, 1, 1
            return (i0 - 1, 1, 4) if cubic else (i0, 1, 2)

    return transform(a, scale, base, taps)


def union(axes: list[Axis]) -> tuple[Axis, bool]:
    """The fields of a merge: per output, from the leftmost to the rightmost of the inputs'.

    Exact when every input has the same jump; otherwise (second value False) the largest field."""
    jumps = {x.jump for x in axes}
    if len(jumps) > 1:
        widest = max(axes, key=lambda x: x.size)
        return Axis(widest.jump, widest.lo, widest.hi, False), False
    period = 1
    for x in axes:
        period = period * x.period // gcd(period, x.period)
    if period > MAX_PERIOD:
        axes, period = [x.collapsed() for x in axes], 1
    lo: list[Fraction | None] = []
    hi: list[Fraction | None] = []
    for ph in range(period):
        ls = [x.lo[ph % x.period] for x in axes if x.lo[ph % x.period] is not None]
        hs = [x.hi[ph % x.period] for x in axes if x.hi[ph % x.period] is not None]
        lo.append(min(ls) if ls else None)
        hi.append(max(hs) if hs else None)
    lo_t, hi_t = _reduce(lo, hi)
    return Axis(axes[0].jump, lo_t, hi_t, all(x.exact for x in axes)), True


def aligned(axes: list[Axis]) -> bool:
    """Inputs are on one grid when their jumps and (average) centres agree."""
    return len({(x.jump, x.start) for x in axes}) == 1


# --- the geometry of each layer kind -----------------------------------------------------------


def window_dims(layer: LayerSpec, x: Shape) -> list[WindowDim] | None:
    """The sliding-window arithmetic of a conv or pooling layer on input x (None for others)."""
    a, t = layer.args, layer.type
    n = x[1:]
    nd = len(n)
    if t.startswith("conv") and not t.startswith("convtranspose"):
        pads = conv_pads(a["padding"], n, a["kernel_size"], a["stride"], a["dilation"])
        return [WindowDim(*v) for v in zip(n, a["kernel_size"], a["stride"], (p for p, _ in pads),
                                           (q for _, q in pads), a["dilation"])]
    if t[:-2] in ("maxpool", "avgpool", "lppool") or t == "subsampling":
        k = a["kernel_size"]
        s = a.get("stride") or k
        p = a.get("padding") or (0,) * nd
        d = a.get("dilation") or (1,) * nd
        ceil = a.get("ceil_mode", False)
        return [WindowDim(ni, ki, si, pi, pi, di, ceil) for ni, ki, si, pi, di in zip(n, k, s, p, d)]
    return None


def _per_dim(value: Any, nd: int) -> tuple:
    return value if isinstance(value, tuple) else (value,) * nd


def geometry(layer: LayerSpec, x: Shape, y: Shape) -> list[Callable[[Axis], Axis | None]] | None:
    """One function per spatial dimension mapping the input's axis to the output's; None when the
    layer keeps no spatial grid. Layers not named here keep the shape and pass the field on."""
    t, a = layer.type, layer.args
    nd = len(x) - 1
    dims = window_dims(layer, x)
    if dims is not None:
        return [lambda ax, w=w: window(ax, w.k_eff, w.s, w.pad_l, w.d) for w in dims]
    if t.startswith("convtranspose"):
        return [lambda ax, i=i: transposed(ax, a["kernel_size"][i], a["stride"][i], a["padding"][i], a["dilation"][i])
                for i in range(nd)]
    if t.startswith("adaptive"):
        return [lambda ax, i=i: adaptive(ax, x[1 + i], y[1 + i]) for i in range(nd)]
    if t.startswith("global"):
        if not a["keepdim"]:
            return None
        return [lambda ax, i=i: window(ax, x[1 + i], x[1 + i], 0) for i in range(nd)]
    if t == "pixelshuffle":
        r = a["upscale_factor"]
        return [lambda ax: transform(ax, Fraction(1, r), r, lambda o: (o // r, 1, 1))] * nd
    if t == "pixelunshuffle":
        r = a["downscale_factor"]
        return [lambda ax: window(ax, r, r, 0)] * nd
    if t.startswith("zeropad"):
        pad = _per_dim(a["padding"], 2 * nd)
        return [lambda ax, i=i: window(ax, 1, 1, pad[2 * (nd - 1 - i)]) for i in range(nd)]
    if t == "upsample":
        return [lambda ax, i=i: _upsample(ax, a, x[1 + i], y[1 + i], i, nd) for i in range(nd)]
    if tuple(y) == tuple(x) and t != "linear":  # pointwise, or a flatten of one dimension (a no-op)
        return [lambda ax: ax] * nd
    return None  # linear, flatten, unflatten, or a shape change this module does not know


def _upsample(ax: Axis, a: dict[str, Any], n: int, m: int, i: int, nd: int) -> Axis | None:
    mode = a["mode"]
    if mode == "area":
        return adaptive(ax, n, m)
    align = bool(a["align_corners"]) and mode not in ("nearest", "nearest-exact")
    if align:
        scale = Fraction(n - 1, m - 1) if m > 1 else Fraction(0)
    elif a["scale_factor"] is not None and not a["recompute_scale_factor"]:
        scale = 1 / Fraction(str(_per_dim(a["scale_factor"], nd)[i]))
    else:
        scale = Fraction(n, m)
    if scale == 0:
        return None
    return resample(ax, scale, mode, align)


# --- the whole network -------------------------------------------------------------------------


def _concat_axis(r: LayerResult) -> int | None:
    """The spatial dimension a concat joins along (None: the channels)."""
    rank = len(r.output_shape) + 1
    dim = r.spec.args["dim"]
    dim = dim + rank if dim < 0 else dim
    return None if dim == 1 else dim - 2


def layer_field(r: LayerResult, inputs: list[Field | None]) -> tuple[Field | None, bool]:
    """The field of one layer from its inputs' fields; the second value is False when a merge's
    inputs are not aligned."""
    if r.output_shape is None or not inputs or any(f is None for f in inputs):
        return None, True
    layer, y = r.spec, r.output_shape
    nd = len(inputs[0].axes)
    if layer.kind is not None and layer.kind.merge:
        if layer.type == "centercrop":  # the crop reads the first input; a second only gives the size
            x = r.input_shapes[0]
            if len(y) != nd + 1:
                return None, True
            offsets = [round((n - m) / 2.0) for n, m in zip(x[1:], y[1:])]  # torchvision's
            axes = [window(ax, 1, 1, -off) for ax, off in zip(inputs[0].axes, offsets)]
            return (Field(tuple(axes)) if all(axes) else None), True
        if len(y) != nd + 1:
            return None, True
        along = _concat_axis(r) if layer.type == "concat" else None
        axes, ok = [], True
        for i in range(nd):
            group = [f.axes[i] for f in inputs]
            if along == i:  # joined side by side along this dimension: not one grid, nothing to align
                merged = max(group, key=lambda g: g.size)
                axes.append(Axis(merged.jump, merged.lo, merged.hi, False))
                continue
            ok = ok and aligned(group)
            axes.append(union(group)[0])
        return Field(tuple(axes)), ok
    x = r.input_shapes[0]
    if len(x) != nd + 1:
        return None, True
    if y == x and not layer.type.startswith(SPATIAL):  # pointwise: the common case, kept cheap
        return inputs[0], True
    maps = geometry(layer, x, y)
    if maps is None:
        return None, True
    axes = [f(ax) for f, ax in zip(maps, inputs[0].axes)]
    return (Field(tuple(axes)) if all(ax is not None for ax in axes) else None), True


def fields(a: Analysis) -> tuple[list[Field | None], list[Diagnostic]]:
    """Every layer's field, and W006 for each merge whose inputs are not on one grid."""
    shape = a.spec.input_shape
    start = Field((INPUT_AXIS,) * (len(shape) - 1)) if shape is not None and len(shape) > 1 else None
    known: dict[str, Field | None] = {INPUT: start}
    out: list[Field | None] = []
    diagnostics: list[Diagnostic] = []
    for r in a.layers:
        inputs = [known.get(name) for name in r.spec.inputs]
        field, ok = layer_field(r, inputs)
        known[r.spec.name] = field
        out.append(field)
        if not ok:
            diagnostics.append(misaligned(r, inputs))
    return out, diagnostics


def misaligned(r: LayerResult, inputs: list[Field]) -> Diagnostic:
    nd = len(inputs[0].axes)
    labels = DIM_LABELS.get(nd, tuple(str(i) for i in range(nd)))
    along = _concat_axis(r) if r.spec.type == "concat" else None
    bad = [i for i in range(nd) if i != along and not aligned([f.axes[i] for f in inputs])] or list(range(nd))
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


def _window_of(layer: LayerSpec, x: Shape, i: int) -> tuple[int, int, int, int] | None:
    """(k_eff, s, left padding, d) when the layer is a window in dimension i, else None."""
    dims = window_dims(layer, x)
    if dims is not None:
        w = dims[i]
        return w.k_eff, w.s, w.pad_l, w.d
    t, n = layer.type, x[1 + i]
    if t.startswith("global") or (t.startswith("adaptive") and layer.args["output_size"][i] == 1):
        return n, n, 0, 1
    if t == "pixelunshuffle":
        r = layer.args["downscale_factor"]
        return r, r, 0, 1
    return None


def _dim_step(r: LayerResult, i: int, ins: list[Field], f: Field) -> str:
    ax, before = f.axes[i], ins[0].axes[i]
    size, jump, start = ax.size, text(ax.jump), text(ax.start)
    plain = f"r = {size}, jump {jump}, start {start}"
    if len(ins) > 1 and r.spec.type != "centercrop":
        sizes = [x.axes[i].size for x in ins]
        if not ax.exact:
            return f"{plain} (the largest input field: the inputs' jumps differ, so no single grid)"
        if size == max(sizes):
            return f"r = max({', '.join(map(str, sizes))}) = {size}, jump {jump}, start {start}"
        return f"{plain} (the union of the inputs' fields, wider than each: they are centred differently)"
    if ax is before:
        return f"unchanged: {plain}"
    x = r.input_shapes[0]
    win = _window_of(r.spec, x, i)
    r_in, j_in, c_in = before.size, text(before.jump), text(before.start)
    if win is not None and before.steady and ax.steady:
        k_eff, s, p, _ = win
        whole = (" (each output sees the whole input)" if r.spec.type.startswith(("global", "adaptive"))
                 else "")
        return (f"r = {r_in} + ({k_eff} - 1)*{j_in} = {size}, jump {j_in}*{s} = {jump}, "
                f"start {c_in} + (({k_eff} - 1)/2 - {p})*{j_in} = {start}{whole}")
    if r.spec.type.startswith("convtranspose") and before.steady and not ax.has_gaps:
        a = r.spec.args
        k, s, p, d = a["kernel_size"][i], a["stride"][i], a["padding"][i], a["dilation"][i]
        k_eff = d * (k - 1) + 1
        if d == 1 and size == before.size + (-(-k_eff // s) - 1) * before.jump:
            phases = f" (on average over {ax.period} output phases)" if ax.period > 1 else ""
            return (f"r = {r_in} + (ceil({k_eff}/{s}) - 1)*{j_in} = {size}, jump {j_in}/{s} = {jump}, "
                    f"start {c_in} + ({p} - ({k_eff} - 1)/2)/{s}*{j_in} = {start}{phases}")
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
    if f is None:
        shape = a.spec.input_shape
        if shape is None or len(shape) < 2:
            why = "the network's input has no spatial dimensions"
        elif len(r.output_shape) == len(shape) and not (r.spec.kind and r.spec.kind.merge) and \
                r.spec.type not in ("linear", "flatten", "unflatten"):
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
