"""Kernels of the shape-keeping layers: a scalar function applied to every value (each
activation kind carries its own, in shapecalc/layers/elementwise.py), softmax, and PReLU.
"""

from __future__ import annotations

from math import exp, log, prod
from typing import Any, Callable

from .params import ParamDecl, Params
from .tensor import Shape, Tensor

Scalar = Callable[[float, dict[str, Any]], float]


def elementwise(x: Tensor, a: dict[str, Any], p: Params, f: Scalar) -> Tensor:
    return Tensor(x.shape, [f(v, a) for v in x.data])


def softmax_axis(shape: Shape, dim: int | None) -> int:
    """The axis of our batch-less tensor that `dim` names (it counts torch's batch as 0); -1 for
    the batch itself. dim=None follows torch's legacy rule: 0 for 0-, 1- and 3-D inputs, else 1."""
    rank = len(shape) + 1
    if dim is None:
        dim = 0 if rank in (0, 1, 3) else 1
    return dim % rank - 1


def softmax(x: Tensor, a: dict[str, Any], p: Params, log_: bool = False) -> Tensor:
    """e^(x - max) / sum, or its log, along one axis. Along the batch axis (size 1 here) every
    value is alone: softmax gives 1 and log-softmax 0, as torch does."""
    axis = softmax_axis(x.shape, a["dim"])
    if axis < 0:
        return Tensor(x.shape, [0.0 if log_ else 1.0] * len(x.data))
    n, inner = x.shape[axis], prod(x.shape[axis + 1:])
    out = list(x.data)
    for block in range(0, len(x.data), n * inner):
        for i in range(block, block + inner):
            out[i:i + n * inner:inner] = normalised(x.data[i:i + n * inner:inner], log_)
    return Tensor(x.shape, out)


def normalised(v: list[float], log_: bool = False) -> list[float]:
    """Softmax (or log-softmax) of one list, stably: e^(v - max) / sum, as torch's kernels shift by
    the maximum so that no exp overflows. Attention's rows use it too (kernels/attention.py)."""
    m = max(v)
    total = sum(exp(vi - m) for vi in v)
    return [vi - m - log(total) for vi in v] if log_ else [exp(vi - m) / total for vi in v]


def logsoftmax(x: Tensor, a: dict[str, Any], p: Params) -> Tensor:
    return softmax(x, a, p, log_=True)


def prelu(x: Tensor, a: dict[str, Any], p: Params) -> Tensor:
    """x if x > 0 else slope * x, with one slope, or one per channel (axis 0 here)."""
    slopes = p["weight"].values()
    n = len(x.data) // len(slopes)
    return Tensor(x.shape, [v if v > 0 else slopes[i // n] * v for i, v in enumerate(x.data)])


def prelu_params(x: Shape, a: dict[str, Any]) -> dict[str, ParamDecl]:
    """Seeded slopes are the layer's `init`, as torch starts them."""
    return {"weight": ParamDecl((a["num_parameters"],), "num_parameters", a["init"], a["init"])}
