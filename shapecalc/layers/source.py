"""Tensors of the network's own: a learned parameter and a fixed buffer of a stated shape.

Models multiply or add such tensors into the graph: ConvNeXt's layer scale (`gamma * x`, a
[C, 1, 1] parameter), ViT's position embedding (`x + pos_embedding`, [1, 197, 768]) and class
token (concatenated after `expand`). In torch they are `nn.Parameter`s or `register_buffer`s of
a module, not layers; here each is a layer with no input whose output is the tensor itself, so
a spec can name it in the `inputs` of the merge that uses it. Its shape is the tensor's whole
shape, with no batch dimension (an `Unbatched` shape): merges broadcast it against (N, *x) as
torch does, and `expand` gives it a batch.
"""

from __future__ import annotations

from functools import cached_property
from math import prod
from typing import TYPE_CHECKING, Any

from .args import REQUIRED, Arg, ArgError, describe, int_schema, integer, json_schema
from .base import Example, Inference, LayerKind, Shape, Unbatched, fmt, shape_str
from .cost import FREE
from .torchcode import Code, TorchCode, literal

if TYPE_CHECKING:
    from ..kernels.ops import Op


@json_schema({"type": "array", "items": int_schema(1)})
def tensor_shape(value: Any) -> tuple[int, ...]:
    """A tensor's whole shape: a list of positive sizes, empty for a scalar (NFNets' skip-init gain)."""
    if not isinstance(value, list):
        raise ArgError("S009", "a list of positive integers (empty for a scalar)", describe(value))
    return tuple(integer()(v) for v in value)


class Source(LayerKind):
    """A tensor with no input: its elements are parameters (learned) or buffer elements (fixed)."""

    family = "tensor"
    source = True
    cost = FREE
    saves_input = False
    counts_batches = False
    #: Whether the elements are learned (parameters) or fixed (buffer elements).
    learned: bool
    args = (Arg("shape", tensor_shape, REQUIRED, (), "the tensor's whole shape (it has no batch dimension)"),)

    def example(self) -> Example:
        return Example((2,), {"shape": [3, 1, 1]})  # the network's input, which it does not take

    def windows(self, x: Shape, a: dict[str, Any]) -> None:
        return None

    def field(self, x: Shape, y: Shape, a: dict[str, Any]) -> None:
        return None  # it sees no input

    def infer(self, x: Shape, a: dict[str, Any]) -> Inference:
        shape, n = Unbatched(a["shape"]), prod(a["shape"])
        what = "params" if self.learned else "buffer elements"
        return Inference(shape, n if self.learned else 0, 0 if self.learned else n,
                         [f"{shape_str(shape)} = {fmt(n)} {what}"])

    @cached_property
    def forward(self) -> Op:
        from ..kernels.merge import source, source_params
        from ..kernels.ops import Op
        return Op(source, source_params, lambda x, y, a: 0)


class Parameter(Source):
    type = "parameter"
    summary = "A learned tensor of its own shape, no input (torch.nn.Parameter: layer scale, position embedding)"
    learned = True

    def torch(self, xs: list[Shape], a: dict[str, Any]) -> TorchCode:
        """An nn.Parameter of zeros (the export builds the network, it does not initialise it)."""
        return TorchCode("nn.Parameter", (("data", Code(f"torch.zeros{literal(a['shape'])}")),), "{m}", holds="learned")



class Buffer(Source):
    type = "buffer"
    summary = "A fixed tensor of its own shape, no input (a module's register_buffer)"
    learned = False

    def torch(self, xs: list[Shape], a: dict[str, Any]) -> TorchCode:
        """A registered buffer of zeros."""
        return TorchCode("torch.zeros", (("size", a["shape"]),), "{m}", holds="fixed")

