"""Sliding windows over a padded, flattened input: what convolution and pooling share.

Output sizes come out of here by sliding, never from the shape calculator's formulas, so a
disagreement between the two shows up as a mismatch in `shapecalc run`.

A padded input is one flat list. A window is read as a few contiguous runs of it (`gather`):
with the kernel's last dimension undilated, one run per row of the window instead of one
element per tap, because list slicing copies in C.
"""

from __future__ import annotations

from itertools import product
from math import prod
from typing import Sequence

from .tensor import Shape


def starts(n: int, k: int, s: int, d: int, pad_l: int, pad_r: int, ceil_mode: bool = False) -> range:
    """Where each window begins along one dimension, in padded coordinates.

    Windows step by `s` for as long as the dilated kernel fits in the padded input. With
    `ceil_mode` the last window may run past the end (by less than a stride) but, as in torch,
    must still begin inside the input or its left padding."""
    k_eff = d * (k - 1) + 1
    stop = n + pad_l + pad_r - k_eff + 1
    if ceil_mode:
        stop = min(stop + s - 1, n + pad_l)
    return range(0, stop, s)


def source_index(n: int, pad_l: int, pad_r: int, mode: str) -> list[int | None]:
    """For each padded position, the input position it copies; None where the fill value goes.

    Modes are torch's `padding_mode`: zeros, reflect (mirror without the edge), replicate
    (repeat the edge), circular (wrap around); the calculator refuses the reflect and circular
    paddings that would wrap more than once, as torch does."""
    positions = range(-pad_l, n + pad_r)
    if mode == "reflect":
        return [-i if i < 0 else 2 * (n - 1) - i if i >= n else i for i in positions]
    if mode == "replicate":
        return [min(max(i, 0), n - 1) for i in positions]
    if mode == "circular":
        return [i % n for i in positions]
    return [i if 0 <= i < n else None for i in positions]


def padded_sources(spatial: Shape, pads: Sequence[tuple[int, int]], mode: str) -> tuple[Shape, list[int | None]]:
    """The padded spatial shape, and for each padded position (row-major) the flat input position
    it copies, or None for the fill value."""
    per_dim = [source_index(n, pl, pr, mode) for n, (pl, pr) in zip(spatial, pads)]
    steps = strides(spatial)
    flat = [None if None in src else sum(i * step for i, step in zip(src, steps)) for src in product(*per_dim)]
    return tuple(map(len, per_dim)), flat


def strides(shape: Shape, inner: int = 1) -> list[int]:
    """Flat step of one position along each dimension of a row-major array (`inner` values per position)."""
    return [inner * prod(shape[i + 1:]) for i in range(len(shape))]


def window_bases(slides: Sequence[range], steps: Sequence[int]) -> list[int]:
    """Flat offset of every window's first element, output positions in row-major order."""
    return [sum(b) for b in product(*([start * step for start in slide] for slide, step in zip(slides, steps)))]


def tap_offsets(k: Shape, d: Shape, steps: Sequence[int], run: int) -> tuple[list[int], int]:
    """Offsets of the runs that make up one window, and their length.

    `run` is the number of contiguous values one tap reads (a group's channels for a
    channels-last input, 1 for a single plane). When a tap reads a whole position and the last
    dimension is not dilated, the taps along it are adjacent and merge into one run per row of
    the window."""
    if d[-1] == 1 and run == steps[-1]:
        k, d, steps, run = k[:-1], d[:-1], steps[:-1], run * k[-1]
    offsets = [sum(t * di * step for t, di, step in zip(taps, d, steps)) for taps in product(*map(range, k))]
    return offsets, run


def gather(xp: list[float], base: int, offsets: list[int], run: int) -> list[float]:
    """One window as a flat list: the runs at base + each offset, concatenated."""
    window: list[float] = []
    for offset in offsets:
        start = base + offset
        window += xp[start:start + run]
    return window
