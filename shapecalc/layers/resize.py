"""Layers that change the spatial size without windows: upsampling, pixel shuffle, padding, cropping."""

from __future__ import annotations

import math
from fractions import Fraction
from functools import cached_property
from math import prod
from typing import TYPE_CHECKING, Any

from .args import (REQUIRED, ArgError, Arg, any_integer, boolean, choice, integer, json_schema, optional,
                   positive_number, schema_of)
from .base import Example, FieldWindow, Inference, LayerError, LayerKind, Shape, ShapeOf, shape_str
from .cost import FREE, ZERO, Costs, View
from .field import Axis, AxisMap, Field, adaptive, resample, transform, window
from .spatial import per_spatial
from .torchcode import EXPORTED, Helper, TorchCode, expression, literal, module

if TYPE_CHECKING:
    from ..kernels.ops import Op

#: torch's interpolation modes and the number of spatial dimensions each needs (None: any).
MODES = {"nearest": None, "nearest-exact": None, "area": None, "linear": 1, "bilinear": 2, "bicubic": 2, "trilinear": 3}


def one_or_list(validate):
    """An argument given once for every dimension or as a list, resolved when the rank is known."""
    inner = schema_of(validate)

    @json_schema(inner and {"anyOf": [inner, {"type": "array", "minItems": 1, "items": inner}]})
    def check(value: Any) -> tuple | Any:
        if isinstance(value, list):
            if not value:
                raise ArgError("S009", "a value or a non-empty list of values", "an empty list")
            return tuple(validate(v) for v in value)
        return validate(value)

    return check


def need_spatial(layer: LayerKind, x: Shape) -> None:
    if len(x) < 2:
        raise LayerError("F003", f"{layer.type} needs a [C, ...spatial] input, found {shape_str(x)}")


def _per_dim(value: Any, nd: int) -> tuple:
    return value if isinstance(value, tuple) else (value,) * nd


def fvcore_upsample(v: View) -> int:
    if len(v.x) != 3:  # only the 2-D kernels have handles; area runs adaptive_avg_pool2d
        return 0
    return {"nearest": v.n_out, "bilinear": 4 * v.n_out, "area": v.n_in}.get(v.a["mode"], 0)


def ptflops_upsample(v: View) -> float:
    """The Upsample hook (output elements), F.interpolate's patch, and area's adaptive_avg_pool."""
    size, scale = v.a["size"], v.a["scale_factor"]
    if size is not None:
        functional: float = v.n_out
    elif isinstance(scale, tuple):
        functional = v.n_in * prod(int(f) for f in scale)  # np.prod(..., dtype=np.int64) truncates each
    else:
        functional = v.n_in * float(scale) ** (len(v.x) - 1)
    return v.n_out + (functional + (v.n_in if v.a["mode"] == "area" else 0))  # ptflops' order of sums


class Resize(LayerKind):
    """A layer that moves values without computing on them: nothing saved, no windows."""

    family = "resize"
    saves_input = False
    counts_batches = False

    def windows(self, x: Shape, a: dict[str, Any]) -> None:
        return None


class Upsample(Resize):
    type = "upsample"
    summary = "Upsampling by size or scale factor (torch.nn.Upsample)"
    cost = Costs(ZERO, ZERO, fvcore_upsample, ptflops_upsample, ZERO, ZERO)
    size_formula = True
    args = (
        Arg("size", optional(one_or_list(integer())), None, (), "output size per spatial dimension"),
        Arg("scale_factor", optional(one_or_list(positive_number)), None, (), "multiplier per spatial dimension"),
        Arg("mode", choice(*MODES), "nearest", (), "interpolation (no effect on shape)"),
        Arg("align_corners", optional(boolean), None, (), "linear modes only (no effect on shape)"),
        Arg("recompute_scale_factor", optional(boolean), None, (), "no effect on shape"),
    )

    def torch(self, xs: list[Shape], a: dict[str, Any]) -> TorchCode:
        return module(self, "Upsample", a)

    def example(self) -> Example:
        return Example((2, 3, 3), {"scale_factor": 2, "mode": "bilinear"})

    def field(self, x: Shape, y: Shape, a: dict[str, Any]) -> list[AxisMap]:
        nd = len(x) - 1
        return [lambda ax, i=i: self.axis_field(ax, a, x[1 + i], y[1 + i], i, nd) for i in range(nd)]

    @staticmethod
    def axis_field(ax: Axis, a: dict[str, Any], n: int, m: int, i: int, nd: int) -> Axis | None:
        """The input pixels torch's interpolation reads with nonzero weight, n -> m along dimension i."""
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

    @cached_property
    def forward(self) -> Op:
        from ..kernels.interpolate import upsample
        from ..kernels.ops import Op
        return Op(upsample, value_work=600)

    def infer(self, x: Shape, a: dict[str, Any]) -> Inference:
        need_spatial(self, x)
        if (a["size"] is None) == (a["scale_factor"] is None):
            raise LayerError("F006", "give exactly one of size and scale_factor", "size" if a["size"] else None)
        if len(x) - 1 > 3:
            raise LayerError("F003", f"upsample handles 1 to 3 spatial dimensions, found {shape_str(x)} (torch raises)")
        if a["size"] is not None and a["recompute_scale_factor"]:
            raise LayerError("F010", "recompute_scale_factor means nothing with an explicit size (torch raises)",
                             "recompute_scale_factor")
        needs = MODES[a["mode"]]
        if needs is not None and needs != len(x) - 1:
            raise LayerError("F003", f"mode '{a['mode']}' needs {needs} spatial dimension{'s' * (needs > 1)}, "
                             f"found {shape_str(x)}", "mode")
        if a["align_corners"] is not None and needs is None:
            raise LayerError("F006", "align_corners only applies to the linear, bilinear, bicubic and trilinear modes",
                             "align_corners")
        if a["size"] is not None:
            out = per_spatial(a["size"], x, "size")
            return Inference((x[0], *out), 0, 0, [f"size {' x '.join(map(str, out))} as asked"])
        scales = per_spatial(a["scale_factor"], x, "scale_factor")
        out = tuple(math.floor(n * f) for n, f in zip(x[1:], scales))
        if min(out) < 1:
            raise LayerError("F002", f"scale_factor gives an output of {shape_str(out)}", "scale_factor")
        formula = "; ".join(f"floor({n}*{f:g}) = {o}" for n, f, o in zip(x[1:], scales, out))
        return Inference((x[0], *out), 0, 0, [formula])


class PixelShuffle(Resize):
    """(C*r*r, H, W) -> (C, H*r, W*r), or back with pixelunshuffle: channels traded for space.
    Like torch, on the last three dimensions of any input that has them, the ones before left as
    they are; a [C, L] input is refused, since torch would take the batch for the channels."""

    summary = "Sub-pixel shuffle (torch.nn.PixelShuffle / PixelUnshuffle)"

    cost = FREE

    def __init__(self, unshuffle: bool) -> None:
        self.unshuffle = unshuffle
        self.type = "pixelunshuffle" if unshuffle else "pixelshuffle"
        factor = "downscale_factor" if unshuffle else "upscale_factor"
        self.args = (Arg(factor, integer(), REQUIRED, (), "r"),)

    def torch(self, xs: list[Shape], a: dict[str, Any]) -> TorchCode:
        return module(self, "PixelUnshuffle" if self.unshuffle else "PixelShuffle", a)

    def example(self) -> Example:
        return Example((2, 4, 6), {"downscale_factor": 2}) if self.unshuffle else Example((8, 2, 3), {"upscale_factor": 2})

    def field(self, x: Shape, y: Shape, a: dict[str, Any]) -> list[AxisMap] | None:
        if len(x) != 3:  # the channels it trades are not the first dimension: no spatial grid known
            return None
        if self.unshuffle:  # each output reads an r x r block: a window
            r = a["downscale_factor"]
            return [lambda ax: window(ax, r, r, 0)] * (len(x) - 1)
        r = a["upscale_factor"]
        return [lambda ax: transform(ax, Fraction(1, r), r, lambda o: (o // r, 1, 1))] * (len(x) - 1)

    def field_window(self, x: Shape, a: dict[str, Any], i: int) -> FieldWindow | None:
        if not self.unshuffle or len(x) != 3:
            return None
        r = a["downscale_factor"]
        return FieldWindow(r, r, 0)

    @cached_property
    def forward(self) -> Op:
        from ..kernels.ops import Op
        from ..kernels.resize import pixelshuffle, pixelunshuffle
        return Op(pixelunshuffle if self.unshuffle else pixelshuffle)

    def infer(self, x: Shape, a: dict[str, Any]) -> Inference:
        if len(x) < 3:
            raise LayerError("F003", f"{self.type} expects a [C, H, W] input (or more dimensions before them), "
                             f"found {shape_str(x)}: torch would take the batch for the channels")
        *lead, c, h, w = x
        if self.unshuffle:
            r = a["downscale_factor"]
            if h % r or w % r:
                raise LayerError("F004", f"height {h} and width {w} must be divisible by downscale_factor {r}",
                                 "downscale_factor")
            return Inference((*lead, c * r * r, h // r, w // r), 0, 0,
                             [f"{c}*{r}*{r} = {c * r * r} channels, {h}/{r} x {w}/{r}"])
        r = a["upscale_factor"]
        if c % (r * r):
            raise LayerError("F004", f"channels {c} must be divisible by upscale_factor^2 = {r * r}", "upscale_factor")
        return Inference((*lead, c // (r * r), h * r, w * r), 0, 0,
                         [f"{c}/{r}^2 = {c // (r * r)} channels, {h}*{r} x {w}*{r}"])


class ZeroPad(Resize):
    """Explicit zero padding; torch's order is the last dimension first: (left, right, top,
    bottom, front, back). Negative values crop, as in torch."""

    summary = "Zero padding (torch.nn.ZeroPad{n}d)"
    cost = FREE

    def __init__(self, ndim: int) -> None:
        self.ndim = ndim
        self.type = f"zeropad{ndim}d"
        # a constant pad of zeros (ResNet-V2 BiT's stem), F.pad's default; other values are no zeropad
        self.torch_classes = (f"ConstantPad{ndim}d",)
        self.torch_functions = ("torch.nn.functional.pad",) if ndim == 2 else ()
        self.args = (Arg("padding", one_or_list(any_integer), REQUIRED, (),
                         f"an int, or {2 * ndim} ints: (left, right{', top, bottom' if ndim > 1 else ''}"
                         f"{', front, back' if ndim > 2 else ''})"),)

    def torch(self, xs: list[Shape], a: dict[str, Any]) -> TorchCode:
        return module(self, f"ZeroPad{self.ndim}d", a)

    def from_module(self, module: Any) -> dict[str, Any] | None:
        """nn.ZeroPad{n}d's padding; an nn.ConstantPad{n}d's only when it pads with zeros."""
        return None if getattr(module, "value", 0) != 0 else super().from_module(module)

    def from_call(self, args: list[Any], kwargs: dict[str, Any], batch: int) -> dict[str, Any] | None:
        """F.pad(x, pad) of zeros: `mode="constant"` and `value=0` (its defaults) or nothing else.
        F.pad lists every dimension it pads, last first: 2 per spatial dimension here."""
        pad, mode, value = (list(args[1:]) + [None, "constant", None])[:3] if len(args) <= 4 else (None, None, None)
        mode, value = kwargs.get("mode", mode), kwargs.get("value", value)
        if (mode or "constant") != "constant" or (value or 0) != 0 or not isinstance(pad, (list, tuple)) \
                or len(pad) != 2 * self.ndim or set(kwargs) - {"mode", "value"}:
            return None
        return {"padding": list(pad) if len(set(pad)) > 1 else pad[0]}

    def example(self) -> Example:
        return Example((2, *(3,) * self.ndim), {"padding": 1})

    def field(self, x: Shape, y: Shape, a: dict[str, Any]) -> list[AxisMap]:
        nd = len(x) - 1
        pad = _per_dim(a["padding"], 2 * nd)  # torch's order: the last dimension first
        return [lambda ax, i=i: window(ax, 1, 1, pad[2 * (nd - 1 - i)]) for i in range(nd)]

    @cached_property
    def forward(self) -> Op:
        from ..kernels.ops import Op
        from ..kernels.resize import zeropad
        return Op(zeropad)

    def zero_margins(self, x: Shape, a: dict[str, Any]) -> list[tuple[int, int]]:
        """The zeros it puts before and after the input along each spatial dimension (first
        dimension first), which the stride check counts as padding, not as input."""
        nd = len(x) - 1
        pad = _per_dim(a["padding"], 2 * nd)
        return [(max(0, pad[2 * (nd - 1 - i)]), max(0, pad[2 * (nd - 1 - i) + 1])) for i in range(nd)]

    def infer(self, x: Shape, a: dict[str, Any]) -> Inference:
        if len(x) != self.ndim + 1:
            raise LayerError("F003", f"{self.type} expects {self.ndim} spatial dimension{'s' * (self.ndim > 1)}, "
                             f"found {shape_str(x)}")
        pad = a["padding"]
        pad = (pad,) * (2 * self.ndim) if not isinstance(pad, tuple) else pad
        if len(pad) != 2 * self.ndim:
            raise LayerError("F003", f"padding needs 1 or {2 * self.ndim} values, found {len(pad)}", "padding")
        spatial = list(x[1:])
        for i in range(self.ndim):  # pairs apply to the last dimension first
            before, after = pad[2 * i], pad[2 * i + 1]
            if spatial[-1 - i] + min(0, before) + min(0, after) < 0:  # torch crops before it pads
                raise LayerError("F002", f"negative padding {before}, {after} crops more than the "
                                 f"{spatial[-1 - i]} positions there (torch raises)", "padding")
            spatial[-1 - i] += before + after
        if min(spatial) < 1:
            raise LayerError("F002", f"negative padding crops the input {shape_str(x)} to nothing", "padding")
        return Inference((x[0], *spatial), 0, 0, [f"{shape_str(x[1:])} padded to {shape_str(tuple(spatial))}"])


CENTER_CROP = Helper("center_crop", '''
def center_crop(x: torch.Tensor, size) -> torch.Tensor:
    """The centre of x's spatial dimensions cut to `size`, offset round((n - s) / 2) in each, as
    torchvision's center_crop (U-Net's copy-and-crop); torch.nn has no such layer."""
    index = [slice(None), slice(None)]
    for n, s in zip(x.shape[2:], size):
        top = int(round((n - s) / 2.0))
        index.append(slice(top, top + s))
    return x[tuple(index)]


torch.fx.wrap("center_crop")  # torch.fx records it as one call: its offsets depend on the sizes
''')


class CenterCrop(Resize):
    """U-Net's copy-and-crop: cut the centre out of a feature map, to `size`, or to the spatial
    size of a second input. The offset is torchvision's: round((N - n)/2)."""

    type = "centercrop"
    #: the function the export writes (center_crop(x, size)), as shapecalc.torch.build runs it
    torch_functions = (f"{EXPORTED}.center_crop", "torchvision.transforms.functional.center_crop")
    summary = "Centre crop to a size, or to a second input's spatial size (torchvision's center_crop)"
    merge = True
    cost = FREE
    args = (Arg("size", optional(one_or_list(integer())), None, (), "spatial size; or give two inputs"),)

    def torch(self, xs: list[Shape], a: dict[str, Any]) -> TorchCode:
        """torchvision's centre crop as a function of the file: to `size`, or to the second input's size."""
        if len(xs) == 2:
            return expression("center_crop({x0}, {x1}.shape[2:])", CENTER_CROP)
        size = a["size"] if isinstance(a["size"], tuple) else (a["size"],) * (len(xs[0]) - 1)
        return expression(f"center_crop({{x}}, {literal(size)})", CENTER_CROP)

    def from_call(self, args: list[Any], kwargs: dict[str, Any], batch: int) -> dict[str, Any] | None:
        """`center_crop(x, x1.shape[2:])`, the export's call to a second input's size, is that
        second input (the importer folds the size; ShapeOf says which tensor it came from);
        any other size is `size`."""
        size = args[1] if len(args) == 2 and not kwargs else None
        if isinstance(size, ShapeOf) and size.dims == tuple(range(2, size.rank)):
            return {"inputs": [size]}
        return super().from_call(args, kwargs, batch)

    def example(self) -> Example:
        return Example((2, 6, 5), {"size": 4})

    def merge_field(self, fields: list[Field], xs: list[Shape], y: Shape,
                    a: dict[str, Any]) -> tuple[Field | None, list[int]]:
        """The crop reads the first input; a second only gives the size. An input with no spatial
        grid left (after a concat whose parts' grids differ) gives none."""
        x = xs[0]
        if fields[0] is None or len(y) != len(fields[0].axes) + 1:
            return None, []
        offsets = [round((n - m) / 2.0) for n, m in zip(x[1:], y[1:])]  # torchvision's
        axes = [window(ax, 1, 1, -off) for ax, off in zip(fields[0].axes, offsets)]
        return (Field(tuple(axes)) if all(axes) else None), []

    @cached_property
    def forward(self) -> Op:
        from ..kernels.ops import Op
        from ..kernels.resize import centercrop
        return Op(centercrop)

    def infer_many(self, xs: list[Shape], sources: list[str], a: dict[str, Any]) -> Inference:
        x = xs[0]
        need_spatial(self, x)
        if len(xs) == 2 and a["size"] is None:
            size = xs[1][1:]
            if len(size) != len(x) - 1:
                raise LayerError("F003", f"cannot crop {shape_str(x)} (from {sources[0]}) to the size of "
                                 f"{shape_str(xs[1])} (from {sources[1]})", "inputs")
        elif len(xs) == 1 and a["size"] is not None:
            size = per_spatial(a["size"], x, "size")
        else:
            raise LayerError("F006", "give either size or a second input to take the size from", "inputs")
        if any(s > n for s, n in zip(size, x[1:])):
            raise LayerError("F002", f"crop {shape_str(tuple(size))} is larger than the input {shape_str(x[1:])}", "size")
        offsets = [int(round((n - s) / 2.0)) for n, s in zip(x[1:], size)]
        return Inference((x[0], *size), 0, 0, [f"{shape_str(x[1:])} cropped to {shape_str(tuple(size))} at offset "
                                               f"{', '.join(map(str, offsets))}"])



