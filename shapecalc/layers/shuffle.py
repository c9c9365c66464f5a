"""Channel shuffle (torch.nn.ChannelShuffle, ShuffleNet's): the channels regrouped, nothing computed.

With C channels in g groups, torch views them as (g, C/g), transposes to (C/g, g) and flattens
back: output channel i*g + j is input channel j*(C/g) + i. The shape is kept, there are no
parameters, each output position sees only its own input position, and no counting convention
has anything to count (it is a copy).
"""

from __future__ import annotations

from functools import cached_property
from typing import TYPE_CHECKING, Any

from .args import REQUIRED, Arg, integer
from .base import Example, Inference, LayerError, Pointwise, Shape, shape_str
from .cost import FREE
from .torchcode import TorchCode, module

if TYPE_CHECKING:
    from ..kernels.ops import Op
    from ..kernels.params import Params
    from ..kernels.tensor import Tensor


class ChannelShuffle(Pointwise):
    type = "channelshuffle"
    family = "shape"
    summary = "Channel shuffle across groups (torch.nn.ChannelShuffle, ShuffleNet)"
    args = (Arg("groups", integer(), REQUIRED, (), "the channels are split into this many groups, then interleaved"),)
    cost = FREE
    saves_input = False  # a permutation: its backward is the inverse permutation
    counts_batches = False

    def torch(self, xs: list[Shape], a: dict[str, Any]) -> TorchCode:
        return module(self, "ChannelShuffle", a)

    def example(self) -> Example:
        return Example((6, 2, 3), {"groups": 2})

    def infer(self, x: Shape, a: dict[str, Any]) -> Inference:
        if len(x) < 2:  # torch: "channel_shuffle expects input with > 2 dims" (counting the batch)
            raise LayerError("F003", f"channelshuffle expects a [C, ...spatial] input, found {shape_str(x)}")
        c, g = x[0], a["groups"]
        if c % g:
            raise LayerError("F005", f"groups={g} does not divide the {c} channels", "groups")
        return Inference(x, 0, 0, [f"{c} channels = {g} groups of {c // g}, interleaved"])

    @cached_property
    def forward(self) -> Op:
        from ..kernels.ops import Op
        return Op(shuffle)


def shuffle(x: Tensor, a: dict[str, Any], p: Params) -> Tensor:
    """Output channel i*g + j is input channel j*(C/g) + i (each channel a contiguous run of values)."""
    g, c = a["groups"], x.shape[0]
    per, size = c // g, len(x.data) // c
    out: list[float] = []
    for o in range(c):
        i, j = divmod(o, g)
        start = (j * per + i) * size
        out += x.data[start:start + size]
    return type(x)(x.shape, out)
