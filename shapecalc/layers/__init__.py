"""The layer kinds shapecalc knows, by type name (torch.nn class names, lower-cased)."""

from __future__ import annotations

from .base import Inference, LayerError, LayerKind, Problem, Shape
from .conv import Conv
from .elementwise import kinds as elementwise_kinds
from .linear import Flatten, Linear
from .norm import BatchNorm, LocalResponseNorm
from .pool import Pool

KINDS: dict[str, LayerKind] = {
    kind.type: kind
    for kind in (
        *(Conv(n) for n in (1, 2, 3)),
        *(Pool(op, n) for op in ("max", "avg") for n in (1, 2, 3)),
        *(BatchNorm(n) for n in (1, 2, 3)),
        Linear(),
        Flatten(),
        LocalResponseNorm(),
        *elementwise_kinds(),
    )
}

#: Friendly names people write for the common layers; documented in the README.
TYPE_ALIASES: dict[str, str] = {
    "conv": "conv2d",
    "fc": "linear",
    "dense": "linear",
    "lrn": "localresponsenorm",
    "maxpool": "maxpool2d",
    "avgpool": "avgpool2d",
    "batchnorm": "batchnorm2d",
}


def lookup(type_name: str) -> LayerKind | None:
    """Find a kind by its name or alias, ignoring case (`Conv2d` as copied from torch works)."""
    name = type_name.lower()
    return KINDS.get(TYPE_ALIASES.get(name, name))


__all__ = ["KINDS", "TYPE_ALIASES", "Inference", "LayerError", "LayerKind", "Problem", "Shape", "lookup"]
