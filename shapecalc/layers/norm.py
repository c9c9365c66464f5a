"""Normalisation layers: batch norm counts running statistics as buffers, not parameters."""

from __future__ import annotations

from typing import Any

from .args import REQUIRED, Arg, boolean, integer, number, optional
from .base import Inference, LayerKind, Shape, check_declared, expect_rank, fmt


class BatchNorm(LayerKind):
    summary = "Batch normalisation (torch.nn.BatchNorm{n}d)"

    def __init__(self, ndim: int) -> None:
        self.ndim = ndim
        self.type = f"batchnorm{ndim}d"
        self.args = (
            Arg("num_features", optional(integer()), None, (), "checked against the incoming channels"),
            Arg("eps", number(0), 1e-5),
            Arg("momentum", optional(number(0, 1)), 0.1),
            Arg("affine", boolean, True, (), "learn a scale and shift per channel (2C parameters)"),
            Arg("track_running_stats", boolean, True, (), "keep running mean/var (2C + 1 buffer elements)"),
        )

    def infer(self, x: Shape, a: dict[str, Any]) -> Inference:
        layouts = {1: ((1, 2), "[C] or [C, L]"), 2: ((3,), "[C, H, W]"), 3: ((4,), "[C, D, H, W]")}
        expect_rank(self, x, *layouts[self.ndim])
        c = x[0]
        params = 2 * c if a["affine"] else 0
        buffers = 2 * c + 1 if a["track_running_stats"] else 0
        formulas = []
        if params:
            formulas.append(f"2*{c} = {fmt(params)} params (weight, bias)")
        if buffers:
            formulas.append(f"2*{c} + 1 = {fmt(buffers)} buffer elements (running_mean, running_var, num_batches_tracked)")
        return Inference(x, params, buffers, formulas, check_declared("num_features", a["num_features"], c))


class LocalResponseNorm(LayerKind):
    type = "localresponsenorm"
    summary = "Local response normalisation across channels (torch.nn.LocalResponseNorm, AlexNet's NORM)"
    args = (
        Arg("size", integer(), REQUIRED, (), "number of neighbouring channels"),
        Arg("alpha", number(), 1e-4),
        Arg("beta", number(), 0.75),
        Arg("k", number(), 1.0),
    )

    def infer(self, x: Shape, a: dict[str, Any]) -> Inference:
        expect_rank(self, x, (2, 3, 4), "[C, L], [C, H, W] or [C, D, H, W]")
        return Inference(x)
