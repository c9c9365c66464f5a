"""The forward registry: one Op per layer type, keyed like `shapecalc.layers.KINDS`.

Adding a layer type to `shapecalc run` means writing its kernel and adding one entry here.
A kernel takes the input tensor (channels first, no batch; a list of them for merges), the
layer's validated arguments and its parameters, and returns the output; it works out the
output's shape itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from math import prod
from typing import Any, Callable

from .activations import SCALARS, elementwise, logsoftmax, prelu, prelu_params, softmax
from .conv import conv, conv_macs, conv_params, conv_transpose, conv_transpose_params
from .dense import flatten, linear, linear_macs, linear_params, unflatten
from .merge import add, cat
from .norm import batchnorm, batchnorm_params, localresponsenorm, localresponsenorm_macs
from .params import ParamDecl
from .pool import adaptive_pool, global_pool, pool, pool_macs
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


OPS: dict[str, Op] = {
    **{f"conv{n}d": Op(conv, conv_params, conv_macs, split_axis=0) for n in (1, 2, 3)},
    **{f"convtranspose{n}d": Op(conv_transpose, conv_transpose_params, conv_macs, split_axis=0)
       for n in (1, 2, 3)},
    **{f"{op}pool{n}d": Op(partial(pool, op=op), macs=pool_macs) for op in ("max", "avg") for n in (1, 2, 3)},
    **{f"adaptive{op}pool{n}d": Op(partial(adaptive_pool, op=op), macs=input_elements)
       for op in ("max", "avg") for n in (1, 2, 3)},
    **{f"global{op}pool": Op(partial(global_pool, op=op), macs=input_elements) for op in ("max", "avg")},
    **{f"batchnorm{n}d": Op(batchnorm, batchnorm_params) for n in (1, 2, 3)},
    "linear": Op(linear, linear_params, linear_macs, split_axis=-1),
    "flatten": Op(flatten),
    "unflatten": Op(unflatten),
    "localresponsenorm": Op(localresponsenorm, macs=localresponsenorm_macs),
    "softmax": Op(softmax),
    "logsoftmax": Op(logsoftmax),
    "prelu": Op(prelu, prelu_params),
    **{name: Op(partial(elementwise, f=f)) for name, f in SCALARS.items()},
    "add": Op(add),
    "concat": Op(cat),
}
