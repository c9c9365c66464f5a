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
#: Measured on the kernels (benchmarks' 2-core VM): a convolution does about 50 M MACs a second,
#: the elementwise, shape, padding and softmax kernels at most one value every 2 microseconds,
#: about 100 MACs' time. The window kernels that work out every output's window (pooling,
#: adaptive pooling, interpolation) declare their own, up to 600.
VALUE_WORK = 100


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
    so a large layer can be computed in slices, in several processes. `value_work` is the time
    the kernel spends per value it reads or writes (and parameter it makes), in multiply-
    accumulates of a convolution: the work budget counts the larger of it and `macs`, so a layer
    with few MACs but many values (an upsampling from 1x1 to 3000x3000) cannot slip through."""

    kernel: Callable[..., Tensor]
    params: Callable[[Shape, Args], dict[str, ParamDecl]] | None = None
    macs: Callable[[Shape, Shape, Args], int] = elements
    split_axis: int | None = None
    value_work: int = VALUE_WORK
