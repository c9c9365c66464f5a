"""Max and average pooling in 1-D, 2-D and 3-D: windows like convolution, no parameters."""

from __future__ import annotations

from typing import Any

from math import prod

from .args import REQUIRED, Arg, boolean, integer, optional, per_dim, positive_number, sizes_or_none
from .base import Inference, LayerError, LayerKind, Shape, expect_rank, fmt
from .conv import LAYOUTS, window_dims, window_output
from .hints import pooling_gaps


class Pool(LayerKind):
    summary = "Pooling (torch.nn.MaxPool{n}d / AvgPool{n}d / LPPool{n}d)"

    def __init__(self, op: str, ndim: int) -> None:
        self.op, self.ndim = op, ndim
        self.type = f"{op}pool{ndim}d"
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
            Arg("padding", per_dim(ndim, 0), 0, (), "implicit padding on each side, at most half the kernel"),
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

    def infer(self, x: Shape, a: dict[str, Any]) -> Inference:
        expect_rank(self, x, (self.ndim + 1,), LAYOUTS[self.ndim])
        k, p = a["kernel_size"], a.get("padding", (0,) * self.ndim)
        s = a["stride"] or k
        d = a.get("dilation", (1,) * self.ndim)
        for ki, pi, di in zip(k, p, d):
            if pi > ki // 2 or pi > (di * (ki - 1) + 1) // 2:
                raise LayerError("F006", f"padding {pi} is more than half the kernel {ki} (torch raises)", "padding")
        if self.op == "avg" and self.ndim == 3 and any(n < ki for n, ki in zip(x[1:], k)):
            # aten's avg_pool3d checks the unpadded input against the kernel, whatever the padding
            raise LayerError("F002", f"avgpool3d needs every input dimension at least the kernel "
                             f"{'x'.join(map(str, k))}, found {'x'.join(map(str, x[1:]))} (torch raises)", "kernel_size")
        dims = window_dims(x[1:], k, s, [(pi, pi) for pi in p], d, a["ceil_mode"])
        out, formulas, problems, notes = window_output(dims)
        problems = problems or pooling_gaps(dims)  # F001 already says input is lost
        return Inference((x[0], *out), 0, 0, formulas, problems, notes)


class Subsampling(LayerKind):
    """LeNet-5's trainable subsampling (S2, S4): the sum of each window times one learned
    coefficient per map, plus one bias per map. Not a torch layer; the shape is avgpool's."""

    type = "subsampling"
    summary = "LeNet-5 trainable subsampling: window sum x coefficient + bias, per map"
    args = (
        Arg("kernel_size", per_dim(2), 2, ("kernel",), "window size"),
        Arg("stride", optional(per_dim(2)), None, (), "step between windows (default: kernel_size)"),
    )

    def infer(self, x: Shape, a: dict[str, Any]) -> Inference:
        expect_rank(self, x, (3,), "[C, H, W]")
        k = a["kernel_size"]
        dims = window_dims(x[1:], k, a["stride"] or k, [(0, 0), (0, 0)], (1, 1))
        out, formulas, problems, notes = window_output(dims)
        c = x[0]
        formulas.append(f"2*{c} = {fmt(2 * c)} params (a coefficient and a bias per map)")
        connections = c * prod(out) * (prod(k) + 1)
        return Inference((c, *out), 2 * c, 0, formulas, problems, notes, connections)


class AdaptivePool(LayerKind):
    """Adaptive pooling: the output size is asked for; torch derives the windows
    (window i spans floor(i*n/o) to ceil((i+1)*n/o)), so it always fits."""

    summary = "Adaptive pooling (torch.nn.AdaptiveAvgPool{n}d / AdaptiveMaxPool{n}d)"

    def __init__(self, op: str, ndim: int) -> None:
        self.op, self.ndim = op, ndim
        self.type = f"adaptive{op}pool{ndim}d"
        self.args = (Arg("output_size", sizes_or_none(ndim), REQUIRED, (), "output size per dimension; null keeps it"),)
        if op == "max":
            self.args += (Arg("return_indices", boolean, False, (), "no effect on shape"),)

    def infer(self, x: Shape, a: dict[str, Any]) -> Inference:
        expect_rank(self, x, (self.ndim + 1,), LAYOUTS[self.ndim])
        out = tuple(n if o is None else o for n, o in zip(x[1:], a["output_size"]))
        return Inference((x[0], *out), 0, 0, [f"output size {' x '.join(map(str, out))} as asked"])


class GlobalPool(LayerKind):
    """Pool every spatial dimension to one value per channel, in any number of dimensions.
    Not a torch class: torch writes AdaptiveAvgPool2d(1) (and flatten); Keras's
    GlobalAveragePooling2D gives [C], which `keepdim: false` (the default) matches."""

    summary = "Global pooling over all spatial dimensions"

    def __init__(self, op: str) -> None:
        self.op = op
        self.type = f"global{op}pool"
        self.args = (Arg("keepdim", boolean, False, (), "keep the spatial dimensions as 1s (torch's AdaptiveAvgPool(1))"),)

    def infer(self, x: Shape, a: dict[str, Any]) -> Inference:
        if len(x) < 2:
            raise LayerError("F003", f"{self.type} needs spatial dimensions, found a 1-D input {x[0]}")
        out = (x[0], *(1,) * (len(x) - 1)) if a["keepdim"] else (x[0],)
        return Inference(out, 0, 0, [f"{'*'.join(map(str, x[1:]))} positions -> 1 per channel"])
