"""Normalisation in eval mode: batch and instance norm (per channel), group norm (per group of
channels), layer norm (over the trailing dimensions, or over the channels at each position), and
local response normalisation."""

from __future__ import annotations

from math import pow, prod, sqrt
from typing import Any

from .params import ParamDecl, Params
from .tensor import ForwardError, Shape, Tensor


def moments(v: list[float]) -> tuple[float, float]:
    """Mean and variance, the variance divided by n (biased), as torch's norms use it."""
    m = sum(v) / len(v)
    return m, sum((vi - m) ** 2 for vi in v) / len(v)


def batchnorm(x: Tensor, a: dict[str, Any], p: Params) -> Tensor:
    """y = (x - mean) / sqrt(var + eps) * weight + bias, per channel, in eval mode.

    mean and var are the running statistics; without them (track_running_stats: false) torch
    uses the input's own, over each channel's values (biased variance), even in eval mode.
    Instance norm is the same computation: its statistics are per sample, and there is one."""
    c = x.shape[0]
    n = len(x.data) // c
    planes = [x.data[i * n:(i + 1) * n] for i in range(c)]
    if "running_mean" in p:
        stats = list(zip(p["running_mean"].values(), p["running_var"].values()))
    elif n == 1:
        raise ForwardError("batch statistics need more than 1 value per channel (torch raises); "
                           "set track_running_stats: true")
    else:
        stats = [moments(v) for v in planes]
    weight = p["weight"].values() if "weight" in p else [1.0] * c
    bias = p["bias"].values() if "bias" in p else [0.0] * c
    out: list[float] = []
    for v, (m, s2), w, b in zip(planes, stats, weight, bias):
        scale = w / sqrt(s2 + a["eps"])
        out += [(vi - m) * scale + b for vi in v]
    return Tensor(x.shape, out)


def batchnorm_params(x: Shape, a: dict[str, Any]) -> dict[str, ParamDecl]:
    """Seeded statistics and affine terms are spread around torch's defaults (1, 0, 0, 1) rather
    than equal to them, so that a test of this layer cannot pass by the layer doing nothing."""
    c = (x[0],)
    decls = {}
    if a["affine"]:
        decls["weight"] = ParamDecl(c, "num_features", 0.5, 1.5)
        decls["bias"] = ParamDecl(c, "num_features", -0.5, 0.5)
    if a["track_running_stats"]:
        decls["running_mean"] = ParamDecl(c, "num_features", -0.5, 0.5)
        decls["running_var"] = ParamDecl(c, "num_features", 0.5, 1.5)
    return decls


def groupnorm(x: Tensor, a: dict[str, Any], p: Params) -> Tensor:
    """y = (x - mean) / sqrt(var + eps) * weight + bias: mean and variance over each group of
    C/num_groups consecutive channels (all their positions), weight and bias per channel."""
    c, g = x.shape[0], a["num_groups"]
    n, plane = len(x.data) // g, len(x.data) // c
    weight = p["weight"].values() if "weight" in p else [1.0] * c
    bias = p["bias"].values() if "bias" in p else [0.0] * c
    out: list[float] = []
    for group in range(g):
        m, s2 = moments(x.data[group * n:(group + 1) * n])
        for ci in range(group * c // g, (group + 1) * c // g):
            scale = weight[ci] / sqrt(s2 + a["eps"])
            out += [(v - m) * scale + bias[ci] for v in x.data[ci * plane:(ci + 1) * plane]]
    return Tensor(x.shape, out)


def groupnorm_params(x: Shape, a: dict[str, Any]) -> dict[str, ParamDecl]:
    """Spread around torch's defaults (1, 0), as batch norm's are."""
    if not a["affine"]:
        return {}
    c = (x[0],)
    return {"weight": ParamDecl(c, "num_channels", 0.5, 1.5), "bias": ParamDecl(c, "num_channels", -0.5, 0.5)}


def layernorm(x: Tensor, a: dict[str, Any], p: Params) -> Tensor:
    """y = (x - mean) / sqrt(var + eps) * weight + bias over each block of the trailing
    normalized_shape dimensions; weight and bias have that shape, one value per element."""
    n = prod(a["normalized_shape"])
    weight = p["weight"].values() if "weight" in p else [1.0] * n
    bias = p["bias"].values() if "bias" in p else [0.0] * n
    out: list[float] = []
    for start in range(0, len(x.data), n):
        v = x.data[start:start + n]
        m, s2 = moments(v)
        scale = 1 / sqrt(s2 + a["eps"])
        out += [(vi - m) * scale * w + b for vi, w, b in zip(v, weight, bias)]
    return Tensor(x.shape, out)


def affine_params(shape: Shape, layout: str, a: dict[str, Any]) -> dict[str, ParamDecl]:
    """A layer norm's weight (and bias, unless bias: false) of this shape, spread like the others."""
    decls = {}
    if a["elementwise_affine"]:
        decls["weight"] = ParamDecl(shape, layout, 0.5, 1.5)
        if a["bias"]:
            decls["bias"] = ParamDecl(shape, layout, -0.5, 0.5)
    return decls


def layernorm_params(x: Shape, a: dict[str, Any]) -> dict[str, ParamDecl]:
    """One weight (and bias) per normalised element."""
    return affine_params(a["normalized_shape"], "normalized_shape", a)


def layernorm2d(x: Tensor, a: dict[str, Any], p: Params) -> Tensor:
    """y = (x - mean) / sqrt(var + eps) * weight + bias over the C channels at each position:
    F.layer_norm over the last dimension of the channels-last map, weight and bias per channel."""
    c = x.shape[0]
    n = len(x.data) // c
    weight = p["weight"].values() if "weight" in p else [1.0] * c
    bias = p["bias"].values() if "bias" in p else [0.0] * c
    out = [0.0] * len(x.data)
    for j in range(n):
        v = x.data[j::n]
        m, s2 = moments(v)
        scale = 1 / sqrt(s2 + a["eps"])
        out[j::n] = [(vi - m) * scale * w + b for vi, w, b in zip(v, weight, bias)]
    return Tensor(x.shape, out)


def layernorm2d_params(x: Shape, a: dict[str, Any]) -> dict[str, ParamDecl]:
    """One weight (and bias) per channel."""
    return affine_params((x[0],), "num_channels", a)


def localresponsenorm(x: Tensor, a: dict[str, Any], p: Params) -> Tensor:
    """y_c = x_c / (k + alpha * mean of x^2 over channels c - size//2 .. c + (size-1)//2)^beta,
    the mean always dividing by `size` (torch zero-pads the channel axis). `math.pow` rather than
    `**`, which would return a complex number for a negative base."""
    c, size = x.shape[0], a["size"]
    n = len(x.data) // c
    planes = [x.data[i * n:(i + 1) * n] for i in range(c)]
    squares = [[v * v for v in plane] for plane in planes]
    out: list[float] = []
    for ci, plane in enumerate(planes):
        near = squares[max(0, ci - size // 2):ci + (size - 1) // 2 + 1]
        sums = [sum(column) for column in zip(*near)]
        out += [v / pow(s / size * a["alpha"] + a["k"], a["beta"]) for v, s in zip(plane, sums)]
    return Tensor(x.shape, out)


def localresponsenorm_macs(x: Shape, y: Shape, a: dict[str, Any]) -> int:
    return prod(x) * a["size"]
