"""The tensor of the forward pass: a flat list of floats and a shape, channels first, no batch.

A flat list (row-major, like torch's contiguous layout) rather than nested lists, because the
kernels' speed comes from slicing runs out of one list and from C-level `sum(map(...))` over
flat lists; nested lists exist only at the edges (JSON in and out).
"""

from __future__ import annotations

import math
import operator
from dataclasses import dataclass
from math import prod
from typing import Any, Callable, Sequence

Shape = tuple[int, ...]


class ForwardError(Exception):
    """A layer that cannot be computed on these values (torch would raise, or the math has no real
    answer); the driver adds the layer's name and reports it instead of a traceback."""


def _sum_of_products(a: Sequence[float], b: Sequence[float]) -> float:
    return sum(map(operator.mul, a, b))


#: The dot product of two equal-length lists: the one inner loop every conv and linear layer spends
#: its time in. `math.sumprod` (Python 3.12+) is the same loop in C, about 3x faster; before 3.12,
#: `sum(map(mul, ...))` keeps the loop in C too, which is 5-7x faster than a Python `for`.
dot: Callable[[Sequence[float], Sequence[float]], float] = getattr(math, "sumprod", _sum_of_products)


@dataclass
class Tensor:
    shape: Shape
    data: list[float]

    def nested(self) -> Any:
        """Nested lists (for JSON), innermost dimension last, as torch's `tolist()` gives."""
        rows: list[Any] = self.data
        for n in reversed(self.shape[1:]):
            rows = [rows[i:i + n] for i in range(0, len(rows), n)]
        return rows


def concat(parts: list[Tensor], axis: int) -> Tensor:
    """Join tensors along `axis` (negative counts from the end); the other dimensions must agree.

    Used to reassemble a layer computed in slices (output channels, or output features)."""
    first = parts[0].shape
    axis %= len(first)
    outer = prod(first[:axis])
    data: list[float] = []
    for i in range(outer):
        for part in parts:
            inner = prod(part.shape[axis:])
            data += part.data[i * inner:(i + 1) * inner]
    size = sum(part.shape[axis] for part in parts)
    return Tensor((*first[:axis], size, *first[axis + 1:]), data)
