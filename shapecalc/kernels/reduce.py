"""Reductions over dimensions (torch.mean, torch.sum, torch.amax, torch.amin and
torch.linalg.vector_norm, which `x.norm(p, dim)` calls for a numeric p) and F.normalize, which
divides by such a norm. The dims count torch's batch dimension as 0, as the layer arguments do;
the layer refuses the batch itself, so every dim here names an axis of the batch-less tensor."""

from __future__ import annotations

from itertools import product
from math import inf
from typing import Any, Callable

from .params import Params
from .tensor import Shape, Tensor
from .windows import strides


def axes_of(shape: Shape, dims: tuple[int, ...]) -> tuple[int, ...]:
    """The axes of the batch-less tensor that torch's dims (batch = 0, negatives from the end) name."""
    rank = len(shape) + 1
    return tuple(sorted(d % rank - 1 for d in dims))


def groups(shape: Shape, axes: tuple[int, ...]) -> list[list[int]]:
    """For each output value (the kept axes in row-major order), the flat indices of the input
    values reduced into it (the reduced axes in row-major order)."""
    steps = strides(shape)

    def offsets(which: list[int]) -> list[int]:
        return [sum(t) for t in product(*([j * steps[i] for j in range(shape[i])] for i in which))]

    kept = [i for i in range(len(shape)) if i not in axes]
    inner = offsets(list(axes))
    return [[base + o for o in inner] for base in offsets(kept)]


def vector_norm(v: list[float], p: float) -> float:
    """torch.linalg.vector_norm of one group: max |x| for p = inf, min |x| for -inf, the count of
    nonzeros for p = 0, else (sum |x|^p)^(1/p). A negative p with a zero (or a power past the
    largest float) makes the sum inf, as in torch, and inf^(1/p) is then 0 or inf."""
    if p == inf:
        return max(abs(x) for x in v)
    if p == -inf:
        return min(abs(x) for x in v)
    if p == 0:
        return float(sum(1 for x in v if x != 0))
    try:
        total = sum(abs(x) ** p for x in v)
    except (OverflowError, ZeroDivisionError):
        total = inf
    try:
        return total ** (1 / p)
    except OverflowError:
        return inf


def total(v: list[float], a: dict[str, Any]) -> float:
    return sum(v)


def average(v: list[float], a: dict[str, Any]) -> float:
    return sum(v) / len(v)


def largest(v: list[float], a: dict[str, Any]) -> float:
    return max(v)


def smallest(v: list[float], a: dict[str, Any]) -> float:
    return min(v)


def p_norm(v: list[float], a: dict[str, Any]) -> float:
    return vector_norm(v, a["p"])


Reducer = Callable[[list[float], dict[str, Any]], float]


def reduce(x: Tensor, a: dict[str, Any], p: Params, f: Reducer) -> Tensor:
    """f of each group of the reduced axes; keepdim leaves those axes as 1s, else drops them."""
    axes = axes_of(x.shape, a["dim"])
    out = [f([x.data[i] for i in g], a) for g in groups(x.shape, axes)]
    shape = tuple(1 if i in axes else n for i, n in enumerate(x.shape) if a["keepdim"] or i not in axes)
    return Tensor(shape, out)


def normalize(x: Tensor, a: dict[str, Any], p: Params) -> Tensor:
    """F.normalize: x / max(||x||_p, eps), the norm along `dim` (torch's clamp_min(eps))."""
    out = list(x.data)
    for g in groups(x.shape, axes_of(x.shape, (a["dim"],))):
        v = [x.data[i] for i in g]
        denominator = max(vector_norm(v, a["p"]), a["eps"])
        for i, vi in zip(g, v):
            out[i] = vi / denominator
    return Tensor(x.shape, out)

