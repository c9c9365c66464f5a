"""Per-dimension arguments resolved against an actual input: convolution padding written any way
(numbers, 'same', 'valid', 'keras_same') and pooling padding (numbers, 'keras_same'), and sizes or scales given once or per dimension.

Shared by the layer kinds (shapes) and their kernels (shapecalc.kernels), so both read an argument
the same way.
"""

from __future__ import annotations

from typing import Any

from .base import LayerError, Shape, shape_str


def conv_pads(pad: tuple[int, ...] | str, n: Shape, k: tuple[int, ...], s: tuple[int, ...],
              d: tuple[int, ...]) -> list[tuple[int, int]]:
    """(before, after) padding per dimension for every way of writing `padding`."""
    if pad == "valid":
        return [(0, 0)] * len(n)
    if pad == "same":  # torch: stride 1 only; the odd one out goes after
        if any(si != 1 for si in s):
            raise LayerError("F006", "padding='same' is not supported for strided convolutions (torch raises); "
                             "use 'keras_same' for TensorFlow's rule", "padding")
        return [(di * (ki - 1) // 2, di * (ki - 1) - di * (ki - 1) // 2) for ki, di in zip(k, d)]
    if pad == "keras_same":  # TensorFlow/Keras SAME: output ceil(N/S), the extra pad at the end
        totals = [max(0, (-(-ni // si) - 1) * si + di * (ki - 1) + 1 - ni) for ni, ki, si, di in zip(n, k, s, d)]
        return [(t // 2, t - t // 2) for t in totals]
    return [(p, p) for p in pad]


def pool_pads(x: Shape, a: dict[str, Any]) -> list[tuple[int, int]]:
    """(before, after) padding per spatial dimension: `padding` on both sides, or TensorFlow's
    SAME (`keras_same`: output ceil(n / stride), the odd one after), as timm's pad_same works it
    out for MaxPool2dSame and AvgPool2dSame (timm/layers/pool2d_same.py, padding.py)."""
    k = a["kernel_size"]
    return conv_pads(a.get("padding", (0,) * len(k)), x[1:], k, a["stride"] or k, a.get("dilation", (1,) * len(k)))


def per_spatial(value: Any, x: Shape, arg: str) -> tuple:
    """One value for every spatial dimension of x, or a list of one per dimension (checked)."""
    spatial = len(x) - 1
    if not isinstance(value, tuple):
        return (value,) * spatial
    if len(value) != spatial:
        raise LayerError("F003", f"{arg} has {len(value)} values but the input {shape_str(x)} has {spatial} spatial dimensions", arg)
    return value
