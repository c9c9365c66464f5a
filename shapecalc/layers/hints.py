"""Warnings about layers that are legal but probably not what was meant (W003, W004, W005).

Kept apart from the shape rules: a hint never changes an output shape or stops the calculation,
it only adds a Problem, and `shapecalc lint` reports it as a warning (an error under --strict).
"""

from __future__ import annotations

from .base import Problem, Shape
from .window import DIM_WORDS, WindowDim


def _dims_text(values: list[int] | tuple[int, ...]) -> str:
    """`4` when every dimension agrees, else `4x3`."""
    return str(values[0]) if len(set(values)) == 1 else "x".join(map(str, values))


def asymmetric_same(padding: object, kernel: tuple[int, ...], pads: list[tuple[int, int]]) -> list[Problem]:
    """W003: torch's padding='same' puts the odd one out after, so an even kernel shifts the
    output half a pixel against the input (torch only mentions it in a UserWarning)."""
    if padding != "same" or all(before == after for before, after in pads):
        return []
    words = DIM_WORDS[len(pads)]
    sides = "; ".join(f"{words[i][1]}: {before} before, {after} after"
                      for i, (before, after) in enumerate(pads) if before != after)
    return [Problem("W003", f"padding='same' with kernel {_dims_text(kernel)} is asymmetric ({sides}): the output "
                    "shifts half a pixel against the input; use an odd kernel or explicit padding", "padding")]


def kernel_on_a_point(x: Shape, kernel: tuple[int, ...]) -> list[Problem]:
    """W005: a convolution wider than 1 on a 1x1 map sees one real pixel and padding around it;
    the network shrank its input too early. (A 1x1 kernel there is a linear layer: fine.)"""
    spatial = x[1:]
    if not spatial or any(n != 1 for n in spatial) or all(k == 1 for k in kernel):
        return []
    sizes, window = "x".join(map(str, spatial)), "x".join(map(str, kernel))
    return [Problem("W005", f"the input is {sizes} spatially, so the {window} kernel sees one real pixel and "
                    "padding around it; shrink the input less before this layer, or use kernel_size 1", "kernel_size")]


def pooling_gaps(dims: list[WindowDim]) -> list[Problem]:
    """W004: a pooling stride wider than its window never pools the input between windows.

    F001 stays quiet about this (for a strided 1x1 convolution it is the design), but for pooling
    it silently drops input. Pooling padding is at most half the window, so every gap between
    two windows lies in real input: (out - 1) gaps, plus any unread tail."""
    skipped = [(w.out - 1) * w.gap + w.unread_tail if w.gap else 0 for w in dims]
    if not any(skipped):
        return []
    words = DIM_WORDS[len(dims)]
    parts = [f"{count} of {w.n} input {words[i][1]}" for i, (w, count) in enumerate(zip(dims, skipped)) if count]
    verb = "is" if len(parts) == 1 and max(skipped) == 1 else "are"
    return [Problem("W004", f"{' and '.join(parts)} {verb} never pooled: the stride {_dims_text([w.s for w in dims])} "
                    f"is wider than the window {_dims_text([w.k_eff for w in dims])}", "stride")]
