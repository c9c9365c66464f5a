"""Convolution (conv1d / conv2d / conv3d): one class, the number of spatial dimensions is data."""

from __future__ import annotations

from math import prod
from typing import Any

from .args import REQUIRED, Arg, boolean, choice, integer, optional, padding, per_dim
from .base import Inference, LayerError, LayerKind, Problem, Shape, check_declared, expect_rank, fmt
from .window import WindowDim, dims_formula, unread_words

LAYOUTS = {1: "[C, L]", 2: "[C, H, W]", 3: "[C, D, H, W]"}
DIM_NAMES = {1: ("length",), 2: ("height", "width"), 3: ("depth", "height", "width")}


def window_dims(x: Shape, k: tuple[int, ...], s: tuple[int, ...], pads: list[tuple[int, int]],
                d: tuple[int, ...], ceil_mode: bool = False) -> list[WindowDim]:
    return [WindowDim(n, ki, si, pl, pr, di, ceil_mode) for n, ki, si, (pl, pr), di in zip(x, k, s, pads, d)]


def window_output(dims: list[WindowDim]) -> tuple[Shape, list[str], list[Problem], list[str]]:
    """Spatial output sizes, the formula, and the misfit / padding-remainder verdicts."""
    for i, w in enumerate(dims):
        if w.padded < w.k_eff or w.out < 1:
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
        reason = "only padding" if all(w.unread_tail == 0 for w in dims) else "no more than a stride gap"
        notes.append(f"{formula}: the remainder drops {reason}, no real input is lost")
    return tuple(w.out for w in dims), [formula], problems, notes


class Conv(LayerKind):
    summary = "Convolution (torch.nn.Conv{n}d)"

    def __init__(self, ndim: int) -> None:
        self.ndim = ndim
        self.type = f"conv{ndim}d"
        self.args = (
            Arg("out_channels", integer(), REQUIRED, ("filters",), "number of filters"),
            Arg("kernel_size", per_dim(ndim), REQUIRED, ("kernel",), "filter size, per dimension"),
            Arg("stride", per_dim(ndim), 1, (), "step between windows"),
            Arg("padding", padding(ndim), 0, (), "zeros added on each side, or 'same' / 'valid'"),
            Arg("dilation", per_dim(ndim), 1, (), "spacing between kernel taps"),
            Arg("groups", integer(), 1, (), "split channels into groups (depthwise: groups = in_channels)"),
            Arg("bias", boolean, True, (), "add a learned bias per filter"),
            Arg("padding_mode", choice("zeros", "reflect", "replicate", "circular"), "zeros", (), "how padding is filled (no effect on shape)"),
            Arg("in_channels", optional(integer()), None, (), "checked against the incoming channels"),
        )

    def infer(self, x: Shape, a: dict[str, Any]) -> Inference:
        expect_rank(self, x, (self.ndim + 1,), LAYOUTS[self.ndim])
        c_in, spatial = x[0], x[1:]
        c_out, k, s, d, g = a["out_channels"], a["kernel_size"], a["stride"], a["dilation"], a["groups"]
        problems = check_declared("in_channels", a["in_channels"], c_in)
        c_in = a["in_channels"] or c_in
        for what, channels in (("in_channels", c_in), ("out_channels", c_out)):
            if channels % g:
                raise LayerError("F005", f"groups={g} does not divide {what}={channels}", "groups")
        pad = a["padding"]
        if pad == "same":
            if any(si != 1 for si in s):
                raise LayerError("F006", "padding='same' is not supported for strided convolutions (torch raises)", "padding")
            pads = [(di * (ki - 1) // 2, di * (ki - 1) - di * (ki - 1) // 2) for ki, di in zip(k, d)]
        elif pad == "valid":
            pads = [(0, 0)] * self.ndim
        else:
            pads = [(p, p) for p in pad]
        out, formulas, more, notes = window_output(window_dims(spatial, k, s, pads, d))
        weights = prod(k) * (c_in // g) * c_out
        bias = c_out if a["bias"] else 0
        per_filter = "*".join(str(ki) for ki in k) + f"*{c_in // g}"
        per_filter_params = (weights + bias) // c_out
        formulas.append(f"({per_filter})*{c_out}" + (f" + {c_out}" if bias else "")
                        + f" = {fmt(weights + bias)} params ({fmt(per_filter_params)} per filter)")
        return Inference((c_out, *out), weights + bias, 0, formulas, problems + more, notes)
