"""Upsampling (torch.nn.Upsample, that is F.interpolate) in every mode, with the source positions
torch's CPU kernels compute in float64 (aten's UpSample.h and cpu/UpSampleKernel.cpp).

Each output position along a dimension reads a few input positions (its taps) with weights; the
modes differ only in choosing them, and a resize is one pass per dimension. torch's rules are
kept where they surprise:

- The scale. With scale_factor, unless recompute_scale_factor is true, a source position is the
  output position divided by scale_factor; otherwise times in/out. align_corners maps the corner
  pixels' centres onto each other: (in - 1)/(out - 1), whatever the scale_factor.
- Source positions go through C's floorf, which rounds them to float32 before the floor.
- 2-D nearest with a small output (height + width <= 128) runs torch's vectorised kernel and its
  legacy rule: a float32 scale, and an output of the same or double size indexed as such.
- Linear modes copy when out == in, whatever the scale; bicubic does not.
- area is adaptive average pooling to the output size.
"""

from __future__ import annotations

from math import floor, prod
from struct import pack, unpack
from typing import Any

from ..layers.spatial import per_spatial
from .params import Params
from .pool import adaptive_pool
from .tensor import Tensor, dot

Taps = list[tuple[int, float]]  # (input position, weight) for one output position

#: Keys' cubic convolution parameter; torch uses OpenCV's -0.75 (Pillow's -0.5 is for antialias).
A = -0.75


def f32(v: float) -> float:
    """v rounded to float32, as passing it to floorf does."""
    return unpack("f", pack("f", v))[0]


def scale_of(n: int, o: int, scale: float | None, align: bool) -> float:
    """Input positions per output position (aten's area_pixel_compute_scale)."""
    if align:
        return (n - 1) / (o - 1) if o > 1 else 0.0
    return 1 / scale if scale else n / o


def nearest(n: int, o: int, scale: float | None, exact: bool) -> list[int]:
    """floor(i * s); for nearest-exact, the source position s(i + 0.5) - 0.5 rounded half up."""
    s = scale_of(n, o, scale, False)
    if exact:
        return [min(floor(f32(s * (i + 0.5) - 0.5 + 0.5)), n - 1) for i in range(o)]
    return [min(floor(f32(s * i)), n - 1) for i in range(o)]


def nearest_legacy(n: int, o: int, scale: float | None, exact: bool) -> list[int]:
    """The same in float32 arithmetic, and with the old shortcuts for out = in and out = 2 in."""
    s = f32(1 / scale if scale else n / o)
    if exact:
        return [min(floor(f32((i + 0.5) * s)), n - 1) for i in range(o)]
    if o in (n, 2 * n):
        return [i * n // o for i in range(o)]
    return [min(floor(f32(i * s)), n - 1) for i in range(o)]


def linear(n: int, o: int, scale: float | None, align: bool) -> list[Taps]:
    """The two input pixels around the source position, weighted by closeness."""
    if o == n:
        return [[(i, 1.0)] for i in range(n)]
    s, taps = scale_of(n, o, scale, align), []
    for i in range(o):
        real = s * i if align else max(s * (i + 0.5) - 0.5, 0.0)
        i0 = min(floor(f32(real)), n - 1)
        t = min(max(real - i0, 0.0), 1.0)
        taps.append([(i0, 1.0 - t), (i0 + (i0 < n - 1), t)])
    return taps


def cubic(n: int, o: int, scale: float | None, align: bool) -> list[Taps]:
    """Four input pixels around the source position (the edge ones repeated past the border),
    weighted by Keys' cubic convolution kernel at their distances t + 1, t, 1 - t, 2 - t."""

    def near(d: float) -> float:  # |d| <= 1
        return ((A + 2) * d - (A + 3)) * d * d + 1

    def far(d: float) -> float:  # 1 < |d| < 2
        return ((A * d - 5 * A) * d + 8 * A) * d - 4 * A

    s, taps = scale_of(n, o, scale, align), []
    for i in range(o):
        real = s * i if align else s * (i + 0.5) - 0.5
        i0 = min(floor(f32(real)), n - 1)
        t = min(max(real - i0, 0.0), 1.0)
        weights = [far(t + 1.0), near(t), near(1.0 - t), far((1.0 - t) + 1.0)]
        taps.append([(min(max(i0 - 1 + j, 0), n - 1), w) for j, w in enumerate(weights)])
    return taps


def resample(x: Tensor, axis: int, taps: list[Taps]) -> Tensor:
    """One pass: along `axis`, output position j is the weighted sum of the inputs its taps name."""
    n, inner = x.shape[axis], prod(x.shape[axis + 1:])
    out: list[float] = []
    for block in range(0, len(x.data), n * inner):
        rows = [x.data[block + i * inner:block + (i + 1) * inner] for i in range(n)]
        for tap in taps:
            weights = [w for _, w in tap]
            out += [dot(weights, column) for column in zip(*(rows[i] for i, _ in tap))]
    return Tensor((*x.shape[:axis], len(taps), *x.shape[axis + 1:]), out)


def upsample(x: Tensor, a: dict[str, Any], p: Params) -> Tensor:
    """Resize to `size`, or by `scale_factor` (to floor(n * factor)), with torch's rules above."""
    spatial, mode = x.shape[1:], a["mode"]  # 1 to 3 dimensions: the calculator refuses more (F003)
    if a["size"] is not None:
        sizes, scales = per_spatial(a["size"], x.shape, "size"), (None,) * len(spatial)
    else:
        factors = per_spatial(a["scale_factor"], x.shape, "scale_factor")
        sizes = tuple(floor(n * f) for n, f in zip(spatial, factors))
        scales = (None,) * len(spatial) if a["recompute_scale_factor"] or mode == "area" else factors
    if mode == "area":
        return adaptive_pool(x, {"output_size": sizes}, p, "avg")
    align = bool(a["align_corners"])
    legacy = len(spatial) == 2 and sum(sizes) <= 128
    for axis, (n, o, scale) in enumerate(zip(spatial, sizes, scales), start=1):
        if mode in ("nearest", "nearest-exact"):
            pick = nearest_legacy if legacy else nearest
            taps = [[(i, 1.0)] for i in pick(n, o, scale, mode == "nearest-exact")]
        else:
            taps = (cubic if mode == "bicubic" else linear)(n, o, scale, align)
        x = resample(x, axis, taps)
    return x
