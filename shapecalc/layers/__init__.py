"""The layer kinds shapecalc knows, by type name (torch.nn class names, lower-cased)."""

from __future__ import annotations

from .base import Inference, LayerError, LayerKind, Problem, Shape, Unbatched
from .attention import Matmul, MultiheadAttention, ScaledDotProductAttention
from .conv import Conv, ConvTranspose
from .elementwise import kinds as elementwise_kinds
from .linear import Flatten, Linear, Unflatten
from .merge import Concat, Stack, arithmetic_kinds
from .norm import BatchNorm, GroupNorm, InstanceNorm, LayerNorm, LayerNorm2d, LocalResponseNorm
from .pool import AdaptivePool, GlobalPool, Pool, Subsampling
from .reduce import kinds as reduce_kinds
from .resize import CenterCrop, PixelShuffle, Upsample, ZeroPad
from .shape import kinds as shape_kinds
from .shuffle import ChannelShuffle
from .source import Buffer, Parameter
from .split import Chunk, Split
from .windowed import PatchMerge, RelativePositionalMultiHeadAttention, ShiftedWindowAttention

KINDS: dict[str, LayerKind] = {
    kind.type: kind
    for kind in (
        *(Conv(n) for n in (1, 2, 3)),
        *(ConvTranspose(n) for n in (1, 2, 3)),
        *(Pool(op, n) for op in ("max", "avg", "lp") for n in (1, 2, 3)),
        *(AdaptivePool(op, n) for op in ("avg", "max") for n in (1, 2, 3)),
        GlobalPool("avg"),
        GlobalPool("max"),
        Subsampling(),
        *(BatchNorm(n) for n in (1, 2, 3)),
        *(InstanceNorm(n) for n in (1, 2, 3)),
        GroupNorm(),
        LayerNorm(),
        LayerNorm2d(),
        LocalResponseNorm(),
        Linear(),
        Flatten(),
        Unflatten(),
        Upsample(),
        PixelShuffle(unshuffle=False),
        PixelShuffle(unshuffle=True),
        ChannelShuffle(),
        *(ZeroPad(n) for n in (1, 2, 3)),
        CenterCrop(),
        *arithmetic_kinds(),
        Concat(),
        Stack(),
        MultiheadAttention(),
        Matmul(),
        ScaledDotProductAttention(),
        ShiftedWindowAttention(),
        PatchMerge(),
        RelativePositionalMultiHeadAttention(),
        Parameter(),
        Buffer(),
        Split(),
        Chunk(),
        *elementwise_kinds(),
        *reduce_kinds(),
        *shape_kinds(),
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
    "deconv": "convtranspose2d",
    "cat": "concat",
}


def lookup(type_name: str) -> LayerKind | None:
    """Find a kind by its name or alias, ignoring case (`Conv2d` as copied from torch works)."""
    name = type_name.lower()
    return KINDS.get(TYPE_ALIASES.get(name, name))


__all__ = ["KINDS", "TYPE_ALIASES", "Inference", "LayerError", "LayerKind", "Problem", "Shape", "Unbatched", "lookup"]
