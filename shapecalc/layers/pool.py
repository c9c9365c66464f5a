"""Max and average pooling in 1-D, 2-D and 3-D: windows like convolution, no parameters."""

from __future__ import annotations

from functools import cached_property, partial
from math import prod
from typing import TYPE_CHECKING, Any

from .args import REQUIRED, Arg, boolean, integer, optional, padding, per_dim, positive_number, sizes_or_none
from .base import (Example, FieldWindow, Inference, LayerError, LayerKind, Shape, Windowed, class_path, expect_rank, fmt,
                   window_field)
from .conv import LAYOUTS, window_dims, window_output
from .cost import FREE, ZERO, Costs, View
from .field import AxisMap, adaptive
from .hints import pooling_gaps
from .spatial import pool_pads
from .window import WindowDim
from .torchcode import EXPORTED, Helper, TorchCode, expression, literal, module

if TYPE_CHECKING:
    from ..kernels.ops import Op


def twice_in(v: View) -> int:
    """ptflops' pooling: its module hook and the patched functional call each count the input."""
    return 2 * v.n_in


def ptflops_pool(v: View) -> int:
    """ptflops' max and average pooling: twice the input; a keras_same pool once its padded input.
    Its class (timm's MaxPool2dSame, the export's KerasSameMaxPool2d) is no nn.MaxPool2d to
    ptflops, which looks a module's exact class up, so only the F.max_pool2d it calls on the
    padded input counts (ptflops patches no F.pad)."""
    if v.a["padding"] != "keras_same":
        return twice_in(v)
    return v.x[0] * prod(n + before + after for n, (before, after) in zip(v.x[1:], pool_pads(v.x, v.a)))


def keras_same_pool(op: str, ndim: int) -> Helper:
    """The max or average pool that pads as TensorFlow's SAME first, in `ndim` dimensions."""
    name, fill = f"KerasSame{POOL_NAMES[op]}Pool{ndim}d", "float('-inf')" if op == "max" else "0.0"
    return Helper(name, f'''
class {name}(nn.{POOL_NAMES[op]}Pool{ndim}d):
    """nn.{POOL_NAMES[op]}Pool{ndim}d with TensorFlow 'SAME' padding, as timm's {POOL_NAMES[op]}Pool2dSame: the input padded
    with {fill} to output ceil(n / stride), the odd padding at the end, then pooled unpadded (an
    average counts the padded zeros, whatever count_include_pad). The padding depends on the
    input size, so it is computed in forward."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        k, s, d = (v if isinstance(v, tuple) else (v,) * {ndim}
                   for v in (self.kernel_size, self.stride, getattr(self, "dilation", 1)))
        pads = []
        for n, ki, si, di in zip(x.shape[:1:-1], k[::-1], s[::-1], d[::-1]):
            total = max(0, (-(-n // si) - 1) * si + di * (ki - 1) + 1 - n)
            pads += [total // 2, total - total // 2]
        return super().forward(nn.functional.pad(x, pads, value={fill}))
''')


POOL_NAMES = {"max": "Max", "avg": "Avg", "lp": "LP"}
#: LeNet-5's trainable subsampling as a torch module (torch has none).
SUBSAMPLING = Helper("Subsampling", '''
class Subsampling(nn.Module):
    """LeNet-5's trainable subsampling (S2, S4): the sum of each window times one learned
    coefficient per map, plus one bias per map (torch has no such layer)."""

    def __init__(self, channels: int, kernel_size=2, stride=None) -> None:
        super().__init__()
        self.weight = nn.Parameter(torch.ones(channels))
        self.bias = nn.Parameter(torch.zeros(channels))
        self.pool = nn.AvgPool2d(kernel_size, stride)
        k = kernel_size if isinstance(kernel_size, tuple) else (kernel_size, kernel_size)
        self.taps = k[0] * k[1]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.pool(x) * self.taps * self.weight[:, None, None] + self.bias[:, None, None]
''')


class Pool(Windowed):
    family = "pooling"
    summary = "Pooling (torch.nn.MaxPool{n}d / AvgPool{n}d / LPPool{n}d)"
    counts_batches = False

    def __init__(self, op: str, ndim: int) -> None:
        self.op, self.ndim = op, ndim
        self.type = f"{op}pool{ndim}d"
        # F.avg_pool2d is torch's C function itself: its module is torch._C._nn
        self.torch_functions = (f"torch.nn.functional.{op}_pool{ndim}d", f"torch._C._nn.{op}_pool{ndim}d")
        #: F.max_pool2d(x, kernel_size, stride, padding, dilation, ceil_mode, return_indices);
        #: F.avg_pool2d(x, kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override)
        self.call_args = {"max": ("kernel_size", "stride", "padding", "dilation", "ceil_mode", "return_indices"),
                          "avg": ("kernel_size", "stride", "padding", "ceil_mode", "count_include_pad",
                                  "divisor_override"),
                          "lp": ("norm_type", "kernel_size", "stride", "ceil_mode")}[op]
        # LPPool is F.avg_pool of x**p, then relu and mul on the result: ptflops patches all three
        lp = op == "lp"
        self.cost = Costs(ZERO, ZERO, ZERO, (lambda v: v.n_in + 2 * v.n_out) if lp else ptflops_pool, ZERO, ZERO)
        self.saves_input = op != "avg"  # the maximum's position, the p-norm's input
        if not lp:  # the SAME pools, timm's (2-D only) and the export's
            self.torch_classes = (f"{EXPORTED}.KerasSame{POOL_NAMES[op]}Pool{ndim}d",
                                  *((f"timm.layers.pool2d_same.{POOL_NAMES[op]}Pool2dSame",) if ndim == 2 else ()))
        if op == "lp":  # torch's LPPool: no padding, no dilation
            self.args = (
                Arg("norm_type", positive_number, REQUIRED, (), "the p of the p-norm"),
                Arg("kernel_size", per_dim(ndim), REQUIRED, ("kernel",), "window size, per dimension"),
                Arg("stride", optional(per_dim(ndim)), None, (), "step between windows (default: kernel_size)"),
                Arg("ceil_mode", boolean, False, (), "round the output size up instead of down"),
            )
            return
        common = (
            Arg("kernel_size", per_dim(ndim), REQUIRED, ("kernel",), "window size, per dimension"),
            Arg("stride", optional(per_dim(ndim)), None, (), "step between windows (default: kernel_size)"),
            Arg("padding", padding(ndim, ("keras_same",)), 0, (), "implicit padding on each side, at most half the "
                "kernel, or 'keras_same' (TensorFlow's SAME, timm's MaxPool2dSame / AvgPool2dSame)"),
            Arg("ceil_mode", boolean, False, (), "round the output size up instead of down"),
        )
        if op == "max":
            self.args = common + (
                Arg("dilation", per_dim(ndim), 1, (), "spacing between window taps"),
                Arg("return_indices", boolean, False, (), "no effect on shape"),
            )
        else:
            self.args = common + (
                Arg("count_include_pad", boolean, True, (), "average over padding too (no effect on shape)"),
            ) + ((Arg("divisor_override", optional(integer()), None, (), "fixed divisor (no effect on shape)"),)
                 if ndim > 1 else ())

    def from_module(self, module: Any) -> dict[str, Any]:
        """torch's pooling modules store the default stride as the kernel size: left out again.
        timm's SAME pools and the export's KerasSame classes (torch_classes) are padding
        keras_same: their own padding is 0, the SAME padding done in forward."""
        out = super().from_module(module)
        if "stride" in out and out["stride"] == out.get("kernel_size"):
            del out["stride"]
        cls = type(module)
        if class_path(cls) in self.torch_classes:
            out["padding"] = "keras_same"
        return out

    def torch(self, xs: list[Shape], a: dict[str, Any]) -> TorchCode:
        """nn.{Max,Avg}Pool{n}d; `keras_same` its subclass that pads as TensorFlow does first."""
        cls = f"{POOL_NAMES[self.op]}Pool{self.ndim}d"
        if a.get("padding") == "keras_same":
            return module(self, f"KerasSame{cls}", a, skip=("padding",), helpers=(keras_same_pool(self.op, self.ndim),))
        return module(self, cls, a)

    def example(self) -> Example:
        lp = {"norm_type": 2} if self.op == "lp" else {}
        return Example((2, *(7,) * self.ndim), {"kernel_size": 3, "stride": 2, **lp})

    def windows(self, x: Shape, a: dict[str, Any]) -> list[WindowDim]:
        k = a["kernel_size"]
        return window_dims(x[1:], k, a["stride"] or k, pool_pads(x, a), a.get("dilation", (1,) * self.ndim),
                           a["ceil_mode"])

    @cached_property
    def forward(self) -> Op:
        from ..kernels.ops import Op
        from ..kernels.pool import lppool, pool, pool_macs
        return Op(lppool if self.op == "lp" else partial(pool, op=self.op), macs=pool_macs, value_work=200)

    def infer(self, x: Shape, a: dict[str, Any]) -> Inference:
        expect_rank(self, x, (self.ndim + 1,), LAYOUTS[self.ndim])
        k, p = a["kernel_size"], a.get("padding", (0,) * self.ndim)
        d = a.get("dilation", (1,) * self.ndim)
        same = p == "keras_same"  # padded before the pool (F.pad), which then has none of its own
        for ki, pi, di in zip(k, () if same else p, d):
            if pi > ki // 2 or pi > (di * (ki - 1) + 1) // 2:
                raise LayerError("F006", f"padding {pi} is more than half the kernel {ki} (torch raises)", "padding")
        if self.op != "max" and self.ndim == 3 and not same and any(n < ki for n, ki in zip(x[1:], k)):
            # aten's avg_pool3d checks the unpadded input against the kernel, whatever the padding
            # or ceil_mode; torch's LPPool3d is avg_pool3d of x**p, so it refuses the same inputs
            # (a SAME pool's padded input always holds its kernel)
            raise LayerError("F002", f"{self.type} needs every input dimension at least the kernel "
                             f"{'x'.join(map(str, k))}, found {'x'.join(map(str, x[1:]))} (torch raises)", "kernel_size")
        dims = self.windows(x, a)
        out, formulas, problems, notes = window_output(dims)
        problems = problems or pooling_gaps(dims)  # F001 already says input is lost
        return Inference((x[0], *out), 0, 0, formulas, problems, notes)


class Subsampling(Windowed):
    """LeNet-5's trainable subsampling (S2, S4): the sum of each window times one learned
    coefficient per map, plus one bias per map. Not a torch layer; the shape is avgpool's.
    Its torch module holds an AvgPool2d, so it is not a leaf and torchinfo counts 0."""

    type = "subsampling"
    family = "pooling"
    cost = Costs(
        macs=lambda v: v.n_out,  # one coefficient multiply per output
        torchinfo=ZERO,
        fvcore=ZERO,
        ptflops=twice_in,
        extra_flops=lambda v: v.n_out * prod(v.a["kernel_size"]),  # k*k - 1 adds, and the bias
        torch=ZERO,  # an average pool and a product: no matrix product
    )
    saves_input = True
    counts_batches = False
    summary = "LeNet-5 trainable subsampling: window sum x coefficient + bias, per map"
    args = (
        Arg("kernel_size", per_dim(2), 2, ("kernel",), "window size"),
        Arg("stride", optional(per_dim(2)), None, (), "step between windows (default: kernel_size)"),
    )

    def torch(self, xs: list[Shape], a: dict[str, Any]) -> TorchCode:
        return module(self, "Subsampling", a, {"channels": xs[0][0]}, helpers=(SUBSAMPLING,))

    def example(self) -> Example:
        return Example((3, 8, 8))

    def windows(self, x: Shape, a: dict[str, Any]) -> list[WindowDim]:
        k = a["kernel_size"]
        return window_dims(x[1:], k, a["stride"] or k, [(0, 0), (0, 0)], (1, 1))

    @cached_property
    def forward(self) -> Op:
        from ..kernels.ops import Op
        from ..kernels.pool import pool_macs, subsampling, subsampling_params
        return Op(subsampling, subsampling_params, pool_macs, value_work=200)

    def infer(self, x: Shape, a: dict[str, Any]) -> Inference:
        expect_rank(self, x, (3,), "[C, H, W]")
        k = a["kernel_size"]
        out, formulas, problems, notes = window_output(self.windows(x, a))
        c = x[0]
        formulas.append(f"2*{c} = {fmt(2 * c)} params (a coefficient and a bias per map)")
        connections = c * prod(out) * (prod(k) + 1)
        return Inference((c, *out), 2 * c, 0, formulas, problems, notes, connections)


class AdaptivePool(LayerKind):
    """Adaptive pooling: the output size is asked for; torch derives the windows
    (window i spans floor(i*n/o) to ceil((i+1)*n/o)), so it always fits."""

    family = "pooling"
    summary = "Adaptive pooling (torch.nn.AdaptiveAvgPool{n}d / AdaptiveMaxPool{n}d)"
    counts_batches = False

    def __init__(self, op: str, ndim: int) -> None:
        self.op, self.ndim = op, ndim
        self.type = f"adaptive{op}pool{ndim}d"
        self.torch_functions = (f"torch.nn.functional.adaptive_{op}_pool{ndim}d",)
        self.args = (Arg("output_size", sizes_or_none(ndim), REQUIRED, (), "output size per dimension; null keeps it"),)
        if op == "max":
            self.args += (Arg("return_indices", boolean, False, (), "no effect on shape"),)
        # fvcore has a handle for aten::adaptive_avg_pool2d only (the input elements)
        fvcore = (lambda v: v.n_in if len(v.x) == 3 else 0) if op == "avg" else ZERO
        self.cost = Costs(ZERO, ZERO, fvcore, twice_in, ZERO, ZERO)
        self.saves_input = op == "max"

    def torch(self, xs: list[Shape], a: dict[str, Any]) -> TorchCode:
        return module(self, f"Adaptive{POOL_NAMES[self.op]}Pool{self.ndim}d", a)

    def example(self) -> Example:
        return Example((2, *(7,) * self.ndim), {"output_size": 3})

    def windows(self, x: Shape, a: dict[str, Any]) -> None:
        return None  # windows of uneven size: see field

    def field(self, x: Shape, y: Shape, a: dict[str, Any]) -> list[AxisMap]:
        return [lambda ax, i=i: adaptive(ax, x[1 + i], y[1 + i]) for i in range(len(x) - 1)]

    def field_window(self, x: Shape, a: dict[str, Any], i: int) -> FieldWindow | None:
        n = x[1 + i]
        return FieldWindow(n, n, 0, whole=True) if a["output_size"][i] == 1 else None

    @cached_property
    def forward(self) -> Op:
        from ..kernels.ops import Op, input_elements
        from ..kernels.pool import adaptive_pool
        return Op(partial(adaptive_pool, op=self.op), macs=input_elements, value_work=400)

    def infer(self, x: Shape, a: dict[str, Any]) -> Inference:
        expect_rank(self, x, (self.ndim + 1,), LAYOUTS[self.ndim])
        out = tuple(n if o is None else o for n, o in zip(x[1:], a["output_size"]))
        return Inference((x[0], *out), 0, 0, [f"output size {' x '.join(map(str, out))} as asked"])


class GlobalPool(LayerKind):
    """Pool every spatial dimension to one value per channel, in any number of dimensions.
    Not a torch class: torch writes AdaptiveAvgPool2d(1) (and flatten); Keras's
    GlobalAveragePooling2D gives [C], which `keepdim: false` (the default) matches."""

    family = "pooling"
    summary = "Global pooling over all spatial dimensions"
    cost = FREE
    counts_batches = False

    def __init__(self, op: str) -> None:
        self.op = op
        self.type = f"global{op}pool"
        self.args = (Arg("keepdim", boolean, False, (), "keep the spatial dimensions as 1s (torch's AdaptiveAvgPool(1))"),)
        self.saves_input = op == "max"

    def torch(self, xs: list[Shape], a: dict[str, Any]) -> TorchCode:
        """x.mean over every spatial dimension (torch writes AdaptiveAvgPool(1) and a flatten)."""
        dims = tuple(range(2, len(xs[0]) + 1))
        method = "mean" if self.op == "avg" else "amax"
        return expression(f"{{x}}.{method}({literal(dims)}{', keepdim=True' if a['keepdim'] else ''})")

    def example(self) -> Example:
        return Example((3, 4, 5))

    def windows(self, x: Shape, a: dict[str, Any]) -> None:
        return None

    def field(self, x: Shape, y: Shape, a: dict[str, Any]) -> list[AxisMap] | None:
        if not a["keepdim"]:
            return None
        return window_field([WindowDim(n, n, n, 0, 0) for n in x[1:]])

    def field_window(self, x: Shape, a: dict[str, Any], i: int) -> FieldWindow:
        return FieldWindow(x[1 + i], x[1 + i], 0, whole=True)

    @cached_property
    def forward(self) -> Op:
        from ..kernels.ops import Op, input_elements
        from ..kernels.pool import global_pool
        return Op(partial(global_pool, op=self.op), macs=input_elements)

    def infer(self, x: Shape, a: dict[str, Any]) -> Inference:
        if len(x) < 2:
            raise LayerError("F003", f"{self.type} needs spatial dimensions, found a 1-D input {x[0]}")
        out = (x[0], *(1,) * (len(x) - 1)) if a["keepdim"] else (x[0],)
        return Inference(out, 0, 0, [f"{'*'.join(map(str, x[1:]))} positions -> 1 per channel"])
