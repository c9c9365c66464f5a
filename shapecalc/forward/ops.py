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
from .interpolate import upsample
from .merge import add, cat
from .norm import (batchnorm, batchnorm_params, groupnorm, groupnorm_params, layernorm, layernorm_params,
                   localresponsenorm, localresponsenorm_macs)
from .params import ParamDecl
from .pool import adaptive_pool, global_pool, lppool, pool, pool_macs, subsampling, subsampling_params
from .resize import centercrop, pixelshuffle, pixelunshuffle, zeropad
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
    **{f"lppool{n}d": Op(lppool, macs=pool_macs) for n in (1, 2, 3)},
    **{f"adaptive{op}pool{n}d": Op(partial(adaptive_pool, op=op), macs=input_elements)
       for op in ("max", "avg") for n in (1, 2, 3)},
    **{f"global{op}pool": Op(partial(global_pool, op=op), macs=input_elements) for op in ("max", "avg")},
    "subsampling": Op(subsampling, subsampling_params, pool_macs),
    **{f"batchnorm{n}d": Op(batchnorm, batchnorm_params) for n in (1, 2, 3)},
    # instance norm in eval mode is batch norm on a batch of one: same statistics, same parameters
    **{f"instancenorm{n}d": Op(batchnorm, batchnorm_params) for n in (1, 2, 3)},
    "groupnorm": Op(groupnorm, groupnorm_params),
    "layernorm": Op(layernorm, layernorm_params),
    "linear": Op(linear, linear_params, linear_macs, split_axis=-1),
    "flatten": Op(flatten),
    "unflatten": Op(unflatten),
    "upsample": Op(upsample),
    "pixelshuffle": Op(pixelshuffle),
    "pixelunshuffle": Op(pixelunshuffle),
    **{f"zeropad{n}d": Op(zeropad) for n in (1, 2, 3)},
    "localresponsenorm": Op(localresponsenorm, macs=localresponsenorm_macs),
    "softmax": Op(softmax),
    "logsoftmax": Op(logsoftmax),
    "prelu": Op(prelu, prelu_params),
    **{name: Op(partial(elementwise, f=f)) for name, f in SCALARS.items()},
    "add": Op(add),
    "concat": Op(cat),
    "centercrop": Op(centercrop),
}
