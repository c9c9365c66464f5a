"""Convolution (conv1d / conv2d / conv3d): one class, the number of spatial dimensions is data."""

from __future__ import annotations

from fractions import Fraction
from functools import cached_property
from math import gcd, prod
from typing import TYPE_CHECKING, Any

from .args import REQUIRED, Arg, boolean, choice, connection_table, integer, optional, padding, per_dim
from .base import (Example, Inference, LayerError, LayerKind, Problem, Shape, Windowed, check_declared, class_path, expect_rank,
                   fmt)
from .cost import Costs, View
from .field import Axis, AxisMap, text, transform
from .hints import asymmetric_same, kernel_on_a_point
from .spatial import conv_pads
from .window import DIM_LABELS, WindowDim, dims_formula, unread_words
from .torchcode import EXPORTED, Code, Helper, TorchCode, module

if TYPE_CHECKING:
    from ..kernels.ops import Op

LAYOUTS = {1: "[C, L]", 2: "[C, H, W]", 3: "[C, D, H, W]"}
DIM_NAMES = {1: ("length",), 2: ("height", "width"), 3: ("depth", "height", "width")}


def window_dims(x: Shape, k: tuple[int, ...], s: tuple[int, ...], pads: list[tuple[int, int]],
                d: tuple[int, ...], ceil_mode: bool = False) -> list[WindowDim]:
    return [WindowDim(n, ki, si, pl, pr, di, ceil_mode) for n, ki, si, (pl, pr), di in zip(x, k, s, pads, d)]


def window_output(dims: list[WindowDim]) -> tuple[Shape, list[str], list[Problem], list[str]]:
    """Spatial output sizes, the formula, and the misfit / padding-remainder verdicts."""
    for i, w in enumerate(dims):
        if w.out < 1:  # in floor mode exactly when the kernel is larger than the padded input
            raise LayerError(
                "F002",
                f"kernel {w.k_eff} is larger than the padded input {w.padded} "
                f"(input {w.n} + padding {w.pad_l + w.pad_r}) in {DIM_NAMES[len(dims)][i]}",
                "kernel_size",
            )
    formula = dims_formula(dims)
    problems, notes = [], []
    if any(w.misfit for w in dims):
        bad = [i for i, w in enumerate(dims) if w.misfit]
        arithmetic = dims_formula(dims, bad) if len(bad) < len(dims) else formula
        problems.append(Problem(
            "F001",
            f"stride does not fit: {arithmetic}, {unread_words(dims, len(dims))}",
            "stride",
        ))
    elif any(w.exact.denominator != 1 for w in dims):
        if any(w.ceil_mode and w.out > w.exact for w in dims):
            notes.append(f"{formula}: ceil_mode adds a last window that overhangs the input, no real input is lost")
        else:
            reason = "only padding" if all(w.unread_tail == 0 for w in dims) else "no more than a stride gap"
            notes.append(f"{formula}: the remainder drops {reason}, no real input is lost")
    return tuple(w.out for w in dims), [formula], problems, notes


#: Weight standardisation (Qiao et al. 2019, timm's StdConv2d; NFNets' ScaledStdConv2d adds a gain).
STANDARDIZATIONS = ("none", "plain", "scaled")

#: timm's convolution classes: (weight standardisation, TensorFlow SAME padding). Their padding
#: attribute is 0 when they pad in forward; for the *Same standardised ones `same_pad` says whether
#: they do (timm pads statically when it can).
TIMM_CONVS = {"timm.layers.conv2d_same.Conv2dSame": ("none", True),
              "timm.layers.std_conv.StdConv2d": ("plain", False),
              "timm.layers.std_conv.StdConv2dSame": ("plain", None),
              "timm.layers.std_conv.ScaledStdConv2d": ("scaled", False),
              "timm.layers.std_conv.ScaledStdConv2dSame": ("scaled", None)}


#: VGG's head in timm (a timm leaf): its `fc1` convolution, then these children. Its forward first
#: pools a map smaller than fc1's kernel up to it; the spec does not, so at such a size check
#: reports the kernel larger than the input (F002) rather than a wrong shape.
TIMM_CONV_MLP = {"timm.models.vgg.ConvMlp": ("act1", "drop", "fc2", "act2")}


def conv_args(ndim: int, transposed: bool) -> tuple[Arg, ...]:
    pad = (Arg("padding", per_dim(ndim, 0), 0, (), "implicit padding removed from each side of the output"),
           Arg("output_padding", per_dim(ndim, 0), 0, (), "extra size added at the end of each output dimension"))
    if not transposed:
        pad = (Arg("padding", padding(ndim), 0, (), "zeros added on each side, or 'same' / 'valid' / 'keras_same'"),)
    modes = ("zeros",) if transposed else ("zeros", "reflect", "replicate", "circular")
    extra = () if transposed else (
        Arg("connection_table", optional(connection_table), None, (), "LeNet-5's sparse maps: input maps per output map"),
        Arg("weight_standardization", choice(*STANDARDIZATIONS), "none", (),
            "each filter's weights normalised before use (timm's StdConv2d); 'scaled' also multiplies "
            "them by a learned gain per filter (ScaledStdConv2d: out_channels more parameters)"),)
    return (
        Arg("out_channels", integer(), REQUIRED, ("filters",), "number of filters"),
        Arg("kernel_size", per_dim(ndim), REQUIRED, ("kernel",), "filter size, per dimension"),
        Arg("stride", per_dim(ndim), 1, (), "step between windows"),
        *pad,
        Arg("dilation", per_dim(ndim), 1, (), "spacing between kernel taps"),
        Arg("groups", integer(), 1, (), "split channels into groups (depthwise: groups = in_channels)"),
        Arg("bias", boolean, True, (), "add a learned bias per filter"),
        Arg("padding_mode", choice(*modes), "zeros", (), "how padding is filled (no effect on shape)"),
        Arg("in_channels", optional(integer()), None, (), "checked against the incoming channels"),
        *extra,
    )


def channels(a: dict[str, Any], x: Shape) -> tuple[int, int, int, list[Problem]]:
    """(in, out, groups) after checking the declared in_channels and that groups divide both."""
    problems = check_declared("in_channels", a["in_channels"], x[0])
    c_in, c_out, g = a["in_channels"] or x[0], a["out_channels"], a["groups"]
    for what, c in (("in_channels", c_in), ("out_channels", c_out)):
        if c % g:
            raise LayerError("F005", f"groups={g} does not divide {what}={c}", "groups")
    return c_in, c_out, g, problems


def bias(v: View) -> int:
    """Bias values of a convolution: one per output channel."""
    return v.y[0] if v.a["bias"] else 0


def gain(v: View) -> int:
    """ScaledStdConv2d's gain: one per output channel."""
    return v.y[0] if v.a.get("weight_standardization") == "scaled" else 0


def weights(v: View) -> int:
    """Weight values (with a connection table, its links only): the parameters without the bias
    and gain."""
    return v.params - bias(v) - gain(v)


def every_parameter(v: View) -> int:
    """torchinfo's and ptflops' conv: weights and bias, at every output position."""
    return v.params * v.positions


def fvcore_conv(v: View) -> int:
    """padding='same'/'valid' reaches aten::_convolution_mode, which fvcore has no handle for."""
    if isinstance(v.a["padding"], str) and v.a["padding"] != "keras_same" and v.a["padding_mode"] == "zeros":
        return 0
    return weights(v) * v.positions


def sparse_conv(ndim: int) -> Helper:
    """The convolution with a connection table, in `ndim` dimensions: one class per dimension
    count (as KerasSameConv{n}d), so the import reads a class back as one kind (Conv.from_module)."""
    return Helper(f"SparseConv{ndim}d", f'''
class SparseConv{ndim}d(nn.Module):
    """A convolution with a connection table (LeNet-5's C3): output map i is a convolution of
    the input maps connection_table[i] only, so it has len(row) x kernel weights and one bias;
    torch has no such layer, so it is one small convolution per output map."""

    def __init__(self, connection_table, conv=nn.Conv{ndim}d, **kwargs) -> None:
        super().__init__()
        self.table = [list(row) for row in connection_table]
        self.maps = nn.ModuleList(conv(len(row), 1, **kwargs) for row in self.table)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.cat([conv(x[:, row]) for conv, row in zip(self.maps, self.table)], dim=1)
''')


def keras_same(ndim: int) -> Helper:
    """The convolution that pads as TensorFlow/Keras SAME does, in `ndim` dimensions."""
    return Helper(f"KerasSameConv{ndim}d", f'''
class KerasSameConv{ndim}d(nn.Conv{ndim}d):
    """nn.Conv{ndim}d with TensorFlow/Keras 'SAME' padding: output ceil(n / stride) at any stride,
    the odd padding at the end (torch's padding='same' refuses a stride above 1). The padding
    depends on the input size, so it is computed in forward."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        pads = []
        for n, k, s, d in zip(x.shape[:1:-1], self.kernel_size[::-1], self.stride[::-1], self.dilation[::-1]):
            total = max(0, (-(-n // s) - 1) * s + d * (k - 1) + 1 - n)
            pads += [total // 2, total - total // 2]
        mode = "constant" if self.padding_mode == "zeros" else self.padding_mode
        return super().forward(nn.functional.pad(x, pads, mode=mode))
''')


def standardized(ndim: int, base: str) -> Helper:
    """The convolution with weight standardisation on top of `base` (nn.Conv{n}d or the SAME one)."""
    name = f"StdConv{ndim}d" if base.startswith("nn.") else f"Std{base}"
    return Helper(name, f'''
class {name}({base}):
    """{base} with weight standardisation (timm's StdConv2d): each filter's weights are shifted and
    scaled to zero mean and unit variance before use; 'scaled' (ScaledStdConv2d, NFNets) then
    multiplies them by a learned gain per filter over sqrt(fan-in)."""

    def __init__(self, *args, weight_standardization="plain", eps=1e-6, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.weight_standardization, self.eps = weight_standardization, eps
        scaled = weight_standardization == "scaled"
        self.gain = nn.Parameter(torch.ones(self.out_channels, *[1] * (self.weight.dim() - 1))) if scaled else None

    def _conv_forward(self, x, weight, bias):
        flat = weight.flatten(1)
        mean, var = flat.mean(1, keepdim=True), flat.var(1, unbiased=False, keepdim=True)
        weight = ((flat - mean) / torch.sqrt(var + self.eps)).view_as(weight)
        if self.gain is not None:
            weight = weight * self.gain * weight[0].numel() ** -0.5
        return super()._conv_forward(x, weight, bias)
''')


class Conv(Windowed):
    family = "convolution"
    summary = "Convolution (torch.nn.Conv{n}d)"
    cost = Costs(
        macs=lambda v: weights(v) * v.positions,  # connection tables: their links only
        torchinfo=every_parameter,
        fvcore=fvcore_conv,
        ptflops=every_parameter,
        extra_flops=lambda v: bias(v) * v.positions,
        torch=lambda v: weights(v) * v.positions,  # aten.convolution, bias left out
    )
    saves_input = True  # the weight gradient needs the input
    counts_batches = False
    inferred_args = ("in_channels",)

    def __init__(self, ndim: int) -> None:
        self.ndim = ndim
        self.type = f"conv{ndim}d"
        self.args = conv_args(ndim, transposed=False)
        #: the export's own classes (torch() below), run under shapecalc.torch's module name, and
        #: timm's SAME and standardised convolutions and its VGG head
        self.torch_classes = (*(f"{EXPORTED}.{c}{ndim}d" for c in ("SparseConv", "KerasSameConv", "StdConv",
                                                                            "StdKerasSameConv")),
                              *(TIMM_CONVS if ndim == 2 else ()), *(TIMM_CONV_MLP if ndim == 2 else ()))
        self.torch_followed_by = TIMM_CONV_MLP if ndim == 2 else {}

    def torch(self, xs: list[Shape], a: dict[str, Any]) -> TorchCode:
        """nn.Conv{n}d; a connection table is one small convolution per output map (SparseConv),
        `keras_same` a convolution that pads as TensorFlow does first (KerasSameConv{n}d), weight
        standardisation one that normalises its filters first (StdConv{n}d, on either)."""
        cls = f"Conv{self.ndim}d"
        helpers: tuple[Helper, ...] = ()
        skip: tuple[str, ...] = ("in_channels", "connection_table")
        if a["padding"] == "keras_same":
            cls, helpers, skip = f"KerasSameConv{self.ndim}d", (keras_same(self.ndim),), skip + ("padding",)
        if a["weight_standardization"] == "none":
            skip += ("weight_standardization",)
        else:
            std = standardized(self.ndim, cls if helpers else f"nn.{cls}")
            cls, helpers = std.name, helpers + (std,)
        first = {"in_channels": xs[0][0]}
        if a.get("connection_table") is not None:
            first = {"connection_table": a["connection_table"], **({"conv": Code(cls)} if helpers else {})}
            return module(self, f"SparseConv{self.ndim}d", a, first, skip + ("groups", "out_channels"),
                          helpers + (sparse_conv(self.ndim),))
        return module(self, cls, a, first, skip, helpers)

    def from_module(self, module: Any) -> dict[str, Any]:
        """nn.Conv{n}d's attributes, and what a class says by itself: the export's SparseConv{n}d
        is its table (`table`) and the arguments its per-map convolutions (`maps`) share, one
        output channel per row; a KerasSameConv{n}d (or its standardised subclass) is padding
        keras_same (its own padding is 0); timm's SAME and standardised classes say so by their
        class (TIMM_CONVS), the exported StdConv by its `weight_standardization` attribute."""
        if hasattr(module, "table") and hasattr(module, "maps"):
            out = self.from_module(module.maps[0])
            out.update(out_channels=len(module.maps), connection_table=[list(row) for row in module.table])
            return out
        cls = type(module)
        path = class_path(cls)
        if path in TIMM_CONV_MLP:  # its fc1; act1, drop, fc2, act2 follow
            return self.from_module(module.fc1)
        out = super().from_module(module)
        standardization, same = TIMM_CONVS.get(path, (None, False))
        if standardization is not None:
            out.update({"weight_standardization": standardization} if standardization != "none" else {})
        if (module.same_pad if same is None else same) or any(c.__name__ == f"KerasSameConv{self.ndim}d" for c in cls.__mro__):
            out["padding"] = "keras_same"
        return out

    def example(self) -> Example:
        return Example((2, *(5,) * self.ndim), {"out_channels": 4, "kernel_size": 3, "padding": 1, "stride": 2})

    def windows(self, x: Shape, a: dict[str, Any]) -> list[WindowDim]:
        k, s, d = a["kernel_size"], a["stride"], a["dilation"]
        return window_dims(x[1:], k, s, conv_pads(a["padding"], x[1:], k, s, d), d)

    @cached_property
    def forward(self) -> Op:
        from ..kernels.conv import conv, conv_macs, conv_params
        from ..kernels.ops import Op
        return Op(conv, conv_params, conv_macs, split_axis=0)

    def explain_macs(self, v: View, count: int) -> str:
        if weights(v) * v.positions != count:
            return f"{count:,}"
        return f"{v.positions:,} output positions x {weights(v):,} weights = {count:,}"

    def answer_macs(self, v: View, count: int) -> str:
        return f"{v.positions:,} output positions x {weights(v):,} weights = {count:,} MACs"

    def infer(self, x: Shape, a: dict[str, Any]) -> Inference:
        expect_rank(self, x, (self.ndim + 1,), LAYOUTS[self.ndim])
        c_in, c_out, g, problems = channels(a, x)
        k, s, d = a["kernel_size"], a["stride"], a["dilation"]
        pads = conv_pads(a["padding"], x[1:], k, s, d)
        mode = a["padding_mode"]
        for n, (before, after) in zip(x[1:], pads):
            if (mode == "reflect" and max(before, after) >= n) or (mode == "circular" and max(before, after) > n):
                limit = "less than" if mode == "reflect" else "at most"
                raise LayerError("F006", f"padding_mode '{mode}' needs padding {limit} the input size "
                                 f"{n}, found {max(before, after)} (torch raises)", "padding")
        out, formulas, more, notes = window_output(self.windows(x, a))
        more += asymmetric_same(a["padding"], k, pads) + kernel_on_a_point(x, k)
        # a bias and ScaledStdConv2d's gain: one value per filter each
        bias = c_out * (bool(a["bias"]) + (a["weight_standardization"] == "scaled"))
        kernel = "*".join(str(ki) for ki in k)
        table = a.get("connection_table")
        if table is not None:
            if a["weight_standardization"] != "none":
                raise LayerError("F006", "weight_standardization with a connection_table: the filters' statistics "
                                 "would count the unlinked maps' zeros; use one or the other", "weight_standardization")
            self.check_table(table, c_in, c_out, g)
            links = sum(len(row) for row in table)
            weights = prod(k) * links
            formulas.append(f"({kernel})*{links} map links" + (f" + {bias}" if bias else "")
                            + f" = {fmt(weights + bias)} params")
        else:
            weights = prod(k) * (c_in // g) * c_out
            formulas.append(f"({kernel}*{c_in // g})*{c_out}" + (f" + {bias}" if bias else "")
                            + f" = {fmt(weights + bias)} params ({fmt((weights + bias) // c_out)} per filter)")
        connections = prod(out) * (weights + bias)
        return Inference((c_out, *out), weights + bias, 0, formulas, problems + more, notes, connections)

    @staticmethod
    def check_table(table: tuple[tuple[int, ...], ...], c_in: int, c_out: int, g: int) -> None:
        if g != 1:
            raise LayerError("F006", "connection_table replaces groups: use one or the other", "connection_table")
        if len(table) != c_out:
            raise LayerError("F004", f"connection_table has {len(table)} rows but out_channels is {c_out}",
                             "connection_table")
        if max(max(row) for row in table) >= c_in:
            raise LayerError("F004", f"connection_table names input map {max(max(r) for r in table)} "
                             f"but the input has {c_in} maps (0 to {c_in - 1})", "connection_table")


class ConvTranspose(LayerKind):
    family = "convolution"
    summary = "Transposed convolution (torch.nn.ConvTranspose{n}d)"
    cost = Costs(
        macs=lambda v: weights(v) * v.in_positions,  # every input value times every tap
        torchinfo=every_parameter,
        fvcore=lambda v: weights(v) * v.in_positions,
        ptflops=lambda v: weights(v) * v.in_positions + bias(v) * v.positions,
        extra_flops=lambda v: bias(v) * v.positions,
        torch=lambda v: weights(v) * v.in_positions,
    )
    saves_input = True
    counts_batches = False
    size_formula = True

    inferred_args = ("in_channels",)

    def __init__(self, ndim: int) -> None:
        self.ndim = ndim
        self.type = f"convtranspose{ndim}d"
        self.args = conv_args(ndim, transposed=True)

    def torch(self, xs: list[Shape], a: dict[str, Any]) -> TorchCode:
        return module(self, f"ConvTranspose{self.ndim}d", a, {"in_channels": xs[0][0]}, ("in_channels",))

    def example(self) -> Example:
        return Example((3, *(4,) * self.ndim), {"out_channels": 2, "kernel_size": 3, "stride": 2, "padding": 1,
                                                "output_padding": 1})

    def windows(self, x: Shape, a: dict[str, Any]) -> None:
        return None  # it scatters each input over a window of outputs: see field

    def field(self, x: Shape, y: Shape, a: dict[str, Any]) -> list[AxisMap]:
        return [lambda ax, i=i: transposed(ax, a["kernel_size"][i], a["stride"][i], a["padding"][i],
                                           a["dilation"][i]) for i in range(len(x) - 1)]

    def field_text(self, i: int, before: Axis, after: Axis, a: dict[str, Any]) -> str | None:
        if not before.steady or after.has_gaps:
            return None
        k, s, p, d = a["kernel_size"][i], a["stride"][i], a["padding"][i], a["dilation"][i]
        k_eff = d * (k - 1) + 1
        if d != 1 or after.size != before.size + (-(-k_eff // s) - 1) * before.jump:
            return None
        phases = f" (on average over {after.period} output phases)" if after.period > 1 else ""
        return (f"r = {before.size} + (ceil({k_eff}/{s}) - 1)*{text(before.jump)} = {after.size}, jump "
                f"{text(before.jump)}/{s} = {text(after.jump)}, start {text(before.start)} + ({p} - ({k_eff} - 1)/2)/"
                f"{s}*{text(before.jump)} = {text(after.start)}{phases}")

    @cached_property
    def forward(self) -> Op:
        from ..kernels.conv import conv_macs, conv_transpose, conv_transpose_params
        from ..kernels.ops import Op
        return Op(conv_transpose, conv_transpose_params, conv_macs, split_axis=0)

    def explain_macs(self, v: View, count: int) -> str:
        if weights(v) * v.in_positions != count:
            return f"{count:,}"
        return (f"{v.in_positions:,} input position{'s' * (v.in_positions != 1)} x "
                f"{weights(v):,} weights = {count:,}")

    def infer(self, x: Shape, a: dict[str, Any]) -> Inference:
        expect_rank(self, x, (self.ndim + 1,), LAYOUTS[self.ndim])
        c_in, c_out, g, problems = channels(a, x)
        k, s, p, d, op = a["kernel_size"], a["stride"], a["padding"], a["dilation"], a["output_padding"]
        out, texts = [], []
        for i, (n, ki, si, pi, di, opi) in enumerate(zip(x[1:], k, s, p, d, op)):
            if opi >= si and opi >= di:
                raise LayerError("F006", f"output_padding {opi} must be smaller than either stride {si} or "
                                 f"dilation {di} (torch raises)", "output_padding")
            size = (n - 1) * si - 2 * pi + di * (ki - 1) + opi + 1
            if size < 1:
                raise LayerError("F002", f"output size {size} in {DIM_NAMES[self.ndim][i]} is less than 1", "padding")
            out.append(size)
            texts.append(f"({n} - 1)*{si} - 2*{pi} + {di}*({ki} - 1) + {opi} + 1 = {size}")
        formula = texts[0] if len(set(texts)) == 1 else "; ".join(
            f"{DIM_LABELS[self.ndim][i]}: {t}" for i, t in enumerate(texts))
        weights = c_in * (c_out // g) * prod(k)
        bias = c_out if a["bias"] else 0
        params = f"({'*'.join(map(str, k))}*{c_in})*{c_out // g}" + (f" + {c_out}" if bias else "")
        connections = prod(x[1:]) * weights + prod(out) * bias
        return Inference((c_out, *out), weights + bias, 0, [formula, f"{params} = {fmt(weights + bias)} params"],
                         problems, [], connections)


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
