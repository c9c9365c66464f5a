"""Merge layers, which take several inputs (`inputs: [a, b]`): add and concat."""

from __future__ import annotations

from functools import cached_property
from typing import TYPE_CHECKING, Any

from .args import Arg, any_integer
from .base import Example, Inference, LayerError, LayerKind, Shape, shape_str
from .cost import FREE
from .field import Axis, Field, aligned, union

if TYPE_CHECKING:
    from ..kernels.ops import Op


def listing(xs: list[Shape], sources: list[str]) -> str:
    return ", ".join(f"{shape_str(x)} (from {name})" for x, name in zip(xs, sources))


class Merge(LayerKind):
    """A layer whose output position sees what each input sees there: its receptive field is the
    union of its inputs' (exact when their jumps agree), and W006 flags inputs not on one grid."""

    merge = True
    field_union = True
    cost = FREE
    saves_input = False
    counts_batches = False

    def example(self) -> Example:
        return Example((2, 3, 3), inputs=2)

    def windows(self, x: Shape, a: dict[str, Any]) -> None:
        return None

    def joined_axis(self, y: Shape, a: dict[str, Any]) -> int | None:
        """The spatial dimension the inputs are joined along, side by side (None: none)."""
        return None

    def merge_field(self, fields: list[Field], xs: list[Shape], y: Shape,
                    a: dict[str, Any]) -> tuple[Field | None, list[int]]:
        nd = len(fields[0].axes)
        if len(y) != nd + 1:
            return None, []
        along = self.joined_axis(y, a)
        axes, bad = [], []
        for i in range(nd):
            group = [f.axes[i] for f in fields]
            if along == i:  # joined side by side along this dimension: not one grid, nothing to align
                merged = max(group, key=lambda g: g.size)
                axes.append(Axis(merged.jump, merged.lo, merged.hi, False))
                continue
            if not aligned(group):
                bad.append(i)
            axes.append(union(group)[0])
        return Field(tuple(axes)), bad


class Add(Merge):
    """Elementwise sum, as in a residual connection: the shapes must be equal (no broadcasting,
    which would hide a wrong shortcut)."""

    type = "add"
    summary = "Elementwise sum of two or more inputs of equal shape (x + y)"
    args = ()

    @cached_property
    def forward(self) -> Op:
        from ..kernels.merge import add
        from ..kernels.ops import Op
        return Op(add)

    def infer_many(self, xs: list[Shape], sources: list[str], a: dict[str, Any]) -> Inference:
        if len(xs) < 2:
            raise LayerError("G003", f"add needs at least two inputs, found {len(xs)}", "inputs")
        if any(x != xs[0] for x in xs):
            raise LayerError("F007", f"add needs equal shapes, found {listing(xs, sources)}", "inputs")
        return Inference(xs[0], 0, 0, [" + ".join(shape_str(x) for x in xs)])


class Concat(Merge):
    """torch.cat along `dim`; like torch's own `dim` arguments it counts the batch as 0, so the
    default 1 is the channels."""

    type = "concat"
    summary = "Concatenation along dim (torch.cat; dim 1, the channels, by default)"
    args = (Arg("dim", any_integer, 1, (), "dimension to join along, counting the batch as 0"),)

    def joined_axis(self, y: Shape, a: dict[str, Any]) -> int | None:
        rank = len(y) + 1
        dim = a["dim"] + rank if a["dim"] < 0 else a["dim"]
        return None if dim == 1 else dim - 2

    @cached_property
    def forward(self) -> Op:
        from ..kernels.merge import cat
        from ..kernels.ops import Op
        return Op(cat)

    def infer_many(self, xs: list[Shape], sources: list[str], a: dict[str, Any]) -> Inference:
        if len(xs) < 2:
            raise LayerError("G003", f"concat needs at least two inputs, found {len(xs)}", "inputs")
        rank = len(xs[0]) + 1
        if any(len(x) + 1 != rank for x in xs):
            raise LayerError("F007", f"concat needs inputs of equal rank, found {listing(xs, sources)}", "inputs")
        dim = a["dim"] + rank if a["dim"] < 0 else a["dim"]
        if not 1 <= dim < rank:
            raise LayerError("F003", f"dim={a['dim']} is out of range (or the batch) for {rank}-D batched inputs", "dim")
        axis = dim - 1
        if any(x[:axis] + x[axis + 1:] != xs[0][:axis] + xs[0][axis + 1:] for x in xs):
            raise LayerError("F007", f"concat along dim {a['dim']} needs the other dimensions equal, found "
                             f"{listing(xs, sources)}", "inputs")
        out = list(xs[0])
        out[axis] = sum(x[axis] for x in xs)
        return Inference(tuple(out), 0, 0, [" + ".join(str(x[axis]) for x in xs) + f" = {out[axis]} along dim {a['dim']}"])
