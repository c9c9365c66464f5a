"""Max and average pooling in 1-D, 2-D and 3-D: windows like convolution, no parameters."""

from __future__ import annotations

from typing import Any

from .args import REQUIRED, Arg, boolean, integer, optional, per_dim
from .base import Inference, LayerError, LayerKind, Shape, expect_rank
from .conv import LAYOUTS, window_dims, window_output


class Pool(LayerKind):
    summary = "Pooling (torch.nn.MaxPool{n}d / AvgPool{n}d)"

    def __init__(self, op: str, ndim: int) -> None:
        self.op, self.ndim = op, ndim
        self.type = f"{op}pool{ndim}d"
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
        k, p = a["kernel_size"], a["padding"]
        s = a["stride"] or k
        d = a.get("dilation", (1,) * self.ndim)
        for ki, pi, di in zip(k, p, d):
            if pi > ki // 2 or pi > (di * (ki - 1) + 1) // 2:
                raise LayerError("F006", f"padding {pi} is more than half the kernel {ki} (torch raises)", "padding")
        dims = window_dims(x[1:], k, s, [(pi, pi) for pi in p], d, a["ceil_mode"])
        out, formulas, problems, notes = window_output(dims)
        return Inference((x[0], *out), 0, 0, formulas, problems, notes)
