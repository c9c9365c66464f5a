"""Layers with several outputs: split (by sizes) and chunk (by count), as torch.split and
torch.chunk. Later layers name one output as `layer[i]` (CSPNet's and ShuffleNetV2's halves,
Res2Net's groups); the table shows all of them, and `--format json` lists them as `parts`.
"""

from __future__ import annotations

from functools import cached_property, partial
from typing import TYPE_CHECKING, Any

from .args import REQUIRED, Arg, ArgError, any_integer, describe, int_schema, integer, json_schema
from .base import Example, Inference, LayerError, Rearrange, Shape, batch_dim
from .field import POINTWISE, AxisMap
from .torchcode import TorchCode, expression, literal

if TYPE_CHECKING:
    from ..kernels.ops import Op

#: Unlike torch.split and torch.chunk, whose default dim 0 is the batch, the default is the
#: channels, as for concat.
DIM = Arg("dim", any_integer, 1, (), "the dimension to cut, counting the batch as 0 (default: the channels)")


@json_schema({"oneOf": [int_schema(1), {"type": "array", "minItems": 1, "items": int_schema(0)}]})
def size_or_sections(value: Any) -> int | tuple[int, ...]:
    """torch.split's `split_size_or_sections`: one size (the last piece may be smaller) or the
    size of every piece (0 allowed, as torch allows it)."""
    if isinstance(value, list):
        if not value:
            raise ArgError("S009", "a positive size or a list of sizes", "an empty list")
        return tuple(integer(0)(v) for v in value)
    if isinstance(value, bool) or not isinstance(value, int):
        raise ArgError("S009", "a positive size or a list of sizes", describe(value))
    return integer()(value)


class Cut(Rearrange):
    """A layer that cuts its input along `dim` into pieces: each piece sees what the input saw
    when the cut is along the channels."""

    def field(self, x: Shape, y: Shape, a: dict[str, Any]) -> list[AxisMap] | str | None:
        return POINTWISE if self.axis(x, a) == 0 else None

    def axis(self, x: Shape, a: dict[str, Any]) -> int:
        """The per-sample axis of `dim` (the batch refused)."""
        return batch_dim(a["dim"], len(x) + 1, "dim", f"{self.type} would cut the batch into pieces") - 1

    def sizes(self, n: int, a: dict[str, Any]) -> list[int]:
        raise NotImplementedError

    def infer(self, x: Shape, a: dict[str, Any]) -> Inference:
        axis = self.axis(x, a)
        sizes = self.sizes(x[axis], a)
        parts = [(*x[:axis], s, *x[axis + 1:]) for s in sizes]
        formula = f"{x[axis]} = {' + '.join(map(str, sizes))} along dim {a['dim']}: {len(parts)} outputs"
        return Inference(parts[0], 0, 0, [formula], parts=parts)

    @cached_property
    def forward(self) -> Op:
        from ..kernels.ops import Op
        from ..kernels.split import cut
        return Op(partial(cut, sizes_of=self.sizes))


class Split(Cut):
    type = "split"
    torch_functions = ("torch.split", "torch.functional.split", "Tensor.split")
    summary = "Cut into pieces of the given sizes (torch.split): several outputs, named split[i]"
    args = (Arg("split_size_or_sections", size_or_sections, REQUIRED, (),
                "one size (the last piece may be smaller), or the size of every piece"), DIM)

    def torch(self, xs: list[Shape], a: dict[str, Any]) -> TorchCode:
        sizes = a["split_size_or_sections"]
        sizes = list(sizes) if isinstance(sizes, tuple) else sizes
        return expression(f"torch.split({{x}}, {literal(sizes)}, dim={a['dim']})")

    def example(self) -> Example:
        return Example((5, 2, 2), {"split_size_or_sections": [2, 3]})

    def sizes(self, n: int, a: dict[str, Any]) -> list[int]:
        given = a["split_size_or_sections"]
        if isinstance(given, int):
            return [min(given, n - i) for i in range(0, n, given)]
        if sum(given) != n:
            raise LayerError("F004", f"split_size_or_sections {list(given)} adds up to {sum(given)}, dimension "
                             f"{a['dim']} has {n}", "split_size_or_sections")
        return list(given)


class Chunk(Cut):
    type = "chunk"
    torch_functions = ("torch.chunk", "Tensor.chunk")
    summary = "Cut into `chunks` pieces of ceil(n/chunks) (torch.chunk; fewer when they run out)"
    args = (Arg("chunks", integer(), REQUIRED, (), "how many pieces (torch may give fewer)"), DIM)

    def torch(self, xs: list[Shape], a: dict[str, Any]) -> TorchCode:
        return expression(f"torch.chunk({{x}}, {a['chunks']}, dim={a['dim']})")

    def example(self) -> Example:
        return Example((4, 3), {"chunks": 2})

    def sizes(self, n: int, a: dict[str, Any]) -> list[int]:
        """torch.chunk: pieces of ceil(n / chunks), the last one what is left; so 5 in 4 chunks
        is 2 + 2 + 1, three pieces, not four."""
        size = -(-n // a["chunks"])
        return [min(size, n - i) for i in range(0, n, size)]
