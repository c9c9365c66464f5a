"""Parameters of the forward pass: declared per layer, then either given (from --weights) or seeded.

Seeded values are uniform on [low, high]. Convolution and linear weights and biases use
+-1/sqrt(fan_in), the bound of torch's default initialisation (kaiming-uniform with a=sqrt(5),
and the bias rule), so activations keep a realistic scale through deep networks; the values
themselves are ours, not torch's. Each row of a weight (one filter, one output feature) is drawn
from its own `random.Random(f"{seed}/{layer}/{param}/{row}")`, so any slice of a layer can be
generated on its own, in any process, and the result never depends on how the work was split;
a vector (bias, batch-norm statistics) is drawn from `random.Random(f"{seed}/{layer}/{param}")`.
The network's input is seeded the same way, uniform on [-1, 1], under the name "input".
Rows are made when a kernel asks for them: the 37.7 million weights of AlexNet's fc6 are never
held in memory at once.

A convolution with a connection_table (LeNet-5's C3) takes a full [out, in, *k] weight whose
unlinked input maps are zero: seeded rows are drawn whole, then those maps are zeroed, so the
convolution itself stays the ordinary one and the values any tool reads are the ones used.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from math import prod
from typing import Iterator, Protocol

from .tensor import Shape


@dataclass(frozen=True)
class ParamDecl:
    """What a layer needs: a shape in PyTorch's layout (`layout` names its dimensions, for error
    messages) and the range seeded values are drawn from (a constant when low == high)."""

    shape: Shape
    layout: str
    low: float
    high: float
    #: For a weight [out, in, *k] under a connection table: the input maps each output map reads;
    #: every other map's weights are 0 (seeded ones are zeroed, given ones must be).
    links: tuple[tuple[int, ...], ...] | None = None
    #: A buffer whose values are part of the layer's definition, not drawn (Swin's
    #: relative_position_index): every value, row-major; given weights may still replace them.
    fixed: tuple[float, ...] | None = None


class Param(Protocol):
    shape: Shape

    def rows(self, start: int, stop: int) -> Iterator[list[float]]:
        """Rows start..stop-1 along the first dimension, each flattened (weights: 2 or more dimensions)."""

    def values(self) -> list[float]:
        """Every value, flattened row-major."""


@dataclass
class Given:
    """A parameter read from a --weights file."""

    shape: Shape
    data: list[float]

    def rows(self, start: int, stop: int) -> Iterator[list[float]]:
        n = prod(self.shape[1:])
        return (self.data[i * n:(i + 1) * n] for i in range(start, stop))

    def values(self) -> list[float]:
        return self.data


@dataclass
class Seeded:
    """A parameter drawn from the seed (see the module docstring for the streams)."""

    shape: Shape
    key: str  # "{seed}/{layer}/{param}"
    low: float
    high: float
    links: tuple[tuple[int, ...], ...] | None = None  # see ParamDecl
    fixed: tuple[float, ...] | None = None  # see ParamDecl

    def _draw(self, key: str, n: int) -> list[float]:
        r, low, span = random.Random(key).random, self.low, self.high - self.low
        return [low + span * r() for _ in range(n)]  # the numbers rng.uniform(low, high) gives

    def rows(self, start: int, stop: int) -> Iterator[list[float]]:
        return (self._row(i) for i in range(start, stop))

    def _row(self, i: int) -> list[float]:
        n = prod(self.shape[1:])
        if self.fixed is not None:
            return list(self.fixed[i * n:(i + 1) * n])
        row = self._draw(f"{self.key}/{i}", n)
        if self.links is None:
            return row
        taps = prod(self.shape[2:])
        return [v if j // taps in self.links[i] else 0.0 for j, v in enumerate(row)]

    def values(self) -> list[float]:
        if self.fixed is not None:
            return list(self.fixed)
        if len(self.shape) == 1:
            return self._draw(self.key, self.shape[0])
        return [v for row in self.rows(0, self.shape[0]) for v in row]


Params = dict[str, Param]


def seeded(seed: int, layer: str, decls: dict[str, ParamDecl]) -> Params:
    return {name: Seeded(d.shape, f"{seed}/{layer}/{name}", d.low, d.high, d.links, d.fixed) for name, d in decls.items()}
