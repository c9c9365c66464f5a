"""How a layer runs: the Op each layer kind returns from its `forward` property.

A kernel takes the input tensor (channels first, no batch; a list of them for merges), the
layer's validated arguments and its parameters, and returns the output; it works out the
output's shape itself, so that the forward pass checks the calculator's shapes instead of
repeating them.
"""

from __future__ import annotations

from dataclasses import dataclass
from math import prod
from typing import Any, Callable

from .params import ParamDecl
from .tensor import Shape, Tensor

Args = dict[str, Any]


def elements(x: Shape, y: Shape, a: Args) -> int:
    """The default work estimate: one operation per output value."""
    return prod(y)


def input_elements(x: Shape, y: Shape, a: Args) -> int:
    """One read per input value, for layers that reduce."""
    return prod(x)


@dataclass(frozen=True)
class Op:
    """How to run one layer type.

    `params` declares the parameters (shapes in torch's layout) from the input shape and the
    arguments; `macs` estimates the work from the calculator's shapes, before anything runs.
    `split_axis` is set when the kernel accepts `part`, a range along that axis of its output,
    so a large layer can be computed in slices, in several processes."""

    kernel: Callable[..., Tensor]
    params: Callable[[Shape, Args], dict[str, ParamDecl]] | None = None
    macs: Callable[[Shape, Shape, Args], int] = elements
    split_axis: int | None = None
