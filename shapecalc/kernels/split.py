"""Cutting a tensor into pieces along one axis (split, chunk): several output tensors."""

from __future__ import annotations

from math import prod
from typing import Any, Callable

from .params import Params
from .tensor import Tensor


def cut(x: Tensor, a: dict[str, Any], p: Params, sizes_of: Callable[[int, dict[str, Any]], list[int]]) -> list[Tensor]:
    """The pieces along `dim` (counting the batch as 0), each a contiguous copy; `sizes_of` is
    the kind's own rule for the piece sizes."""
    axis = a["dim"] % (len(x.shape) + 1) - 1
    sizes = sizes_of(x.shape[axis], a)
    outer, inner = prod(x.shape[:axis]), prod(x.shape[axis + 1:])
    n = x.shape[axis]
    pieces, start = [], 0
    for size in sizes:
        data = []
        for o in range(outer):
            base = (o * n + start) * inner
            data += x.data[base:base + size * inner]
        pieces.append(Tensor((*x.shape[:axis], size, *x.shape[axis + 1:]), data))
        start += size
    return pieces
