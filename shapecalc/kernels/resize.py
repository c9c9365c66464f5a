"""Layers that move values without arithmetic: zero padding (negative widths crop), centre
cropping, and the pixel shuffles that trade channels for space."""

from __future__ import annotations

from typing import Any

from ..layers.spatial import per_spatial
from .params import Params
from .tensor import Tensor
from .windows import padded_sources


def pad(x: Tensor, pads: list[tuple[int, int]]) -> Tensor:
    """Each channel with (before, after) zeros added per spatial dimension; a negative width
    removes that many positions instead, as torch's ConstantPadNd does."""
    c = x.shape[0]
    shape, sources = padded_sources(x.shape[1:], pads, "zeros")
    plane = len(x.data) // c
    out: list[float] = []
    for ci in range(c):
        xc = x.data[ci * plane:(ci + 1) * plane]
        out += [0.0 if q is None else xc[q] for q in sources]
    return Tensor((c, *shape), out)


def zeropad(x: Tensor, a: dict[str, Any], p: Params) -> Tensor:
    """torch's ZeroPadNd: `padding` is one width for every side, or (left, right, top, bottom,
    front, back), pairs from the last dimension back."""
    ndim = len(x.shape) - 1
    widths = a["padding"] if isinstance(a["padding"], tuple) else (a["padding"],) * (2 * ndim)
    return pad(x, [(widths[2 * i], widths[2 * i + 1]) for i in reversed(range(ndim))])


def centercrop(xs: list[Tensor], a: dict[str, Any], p: Params) -> Tensor:
    """The first input cut to `size`, or to the second input's spatial size, at torchvision's
    offset round((N - n)/2) (Python's round: halves go to the even neighbour)."""
    x = xs[0]
    size = xs[1].shape[1:] if len(xs) == 2 else per_spatial(a["size"], x.shape, "size")
    tops = [int(round((n - s) / 2.0)) for n, s in zip(x.shape[1:], size)]
    return pad(x, [(-top, top + s - n) for n, s, top in zip(x.shape[1:], size, tops)])


def pixelshuffle(x: Tensor, a: dict[str, Any], p: Params) -> Tensor:
    """(C*r*r, H, W) -> (C, H*r, W*r): out[c, h*r + i, w*r + j] = x[c*r*r + i*r + j, h, w], for
    each index of the dimensions before the last three (torch's (*, C*r*r, H, W))."""
    r = a["upscale_factor"]
    *lead, c, h, w = x.shape
    order = [((ci * r + i) * r + j) * h * w + hi * w + wi
             for ci in range(c // (r * r)) for hi in range(h) for i in range(r) for wi in range(w) for j in range(r)]
    return Tensor((*lead, c // (r * r), h * r, w * r), blockwise(x.data, c * h * w, order))


def pixelunshuffle(x: Tensor, a: dict[str, Any], p: Params) -> Tensor:
    """The inverse: (C, H*r, W*r) -> (C*r*r, H, W), out[c*r*r + i*r + j, h, w] = x[c, h*r + i, w*r + j]."""
    r = a["downscale_factor"]
    *lead, c, h, w = x.shape
    order = [(ci * h + hi * r + i) * w + wi * r + j
             for ci in range(c) for i in range(r) for j in range(r) for hi in range(h // r) for wi in range(w // r)]
    return Tensor((*lead, c * r * r, h // r, w // r), blockwise(x.data, c * h * w, order))


def blockwise(data: list[float], block: int, order: list[int]) -> list[float]:
    """Each consecutive block of the flat values read in `order` (offsets within the block)."""
    return [data[base + q] for base in range(0, len(data), block) for q in order]
