"""The bridge's elementwise arithmetic, the network's own tensors (parameters, buffers), and the
layers with several outputs (split, chunk).

Arithmetic is written with Python's operators, as models write it (`scale * x` in torchvision's
SqueezeExcitation, `x + pos_embedding` in its ViT), so each tool counts what it counts on them.
"""

from __future__ import annotations

import operator
from functools import reduce

import torch
from torch import nn

from shapecalc.spec import LayerSpec

from .torch_bridge import FUNCTIONS, MODULES

OPERATORS = {"add": operator.add, "sub": operator.sub, "mul": operator.mul, "div": operator.truediv}


def arithmetic(layer: LayerSpec, xs: list[torch.Tensor]) -> torch.Tensor:
    op = OPERATORS[layer.type]
    if layer.args["other"] is not None:
        return op(xs[0], layer.args["other"])
    return reduce(op, xs[1:], xs[0])


class Learned(nn.Module):
    """A layer scale or position embedding as a module holds it: one nn.Parameter."""

    def __init__(self, shape: tuple[int, ...]) -> None:
        super().__init__()
        self.value = nn.Parameter(torch.zeros(shape))

    def forward(self) -> torch.Tensor:
        return self.value


class Fixed(nn.Module):
    """A registered buffer."""

    def __init__(self, shape: tuple[int, ...]) -> None:
        super().__init__()
        self.register_buffer("value", torch.zeros(shape))

    def forward(self) -> torch.Tensor:
        return self.value


FUNCTIONS.update((name, arithmetic) for name in OPERATORS)
MODULES["parameter"] = lambda layer, shapes: Learned(tuple(layer.args["shape"]))
MODULES["buffer"] = lambda layer, shapes: Fixed(tuple(layer.args["shape"]))


def split(layer: LayerSpec, xs: list[torch.Tensor]) -> tuple[torch.Tensor, ...]:
    sizes = layer.args["split_size_or_sections"]
    return torch.split(xs[0], list(sizes) if isinstance(sizes, tuple) else sizes, dim=layer.args["dim"])


FUNCTIONS["split"] = split
FUNCTIONS["chunk"] = lambda layer, xs: torch.chunk(xs[0], layer.args["chunks"], dim=layer.args["dim"])
