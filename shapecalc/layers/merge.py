"""Merge layers, which take several inputs (`inputs: [a, b]`): elementwise arithmetic, concat and stack."""

from __future__ import annotations

import operator
from functools import cached_property, partial
from typing import TYPE_CHECKING, Any

from .args import Arg, any_integer, number, optional
from .base import Example, Inference, LayerError, LayerKind, Problem, Shape, TENSOR, Unbatched, batch_dim, shape_str
from .cost import FREE
from .field import Axis, Field, aligned, union
from .torchcode import TorchCode, expression, literal

if TYPE_CHECKING:
    from ..kernels.ops import Op


def listing(xs: list[Shape], sources: list[str]) -> str:
    return ", ".join(f"{shape_str(x)} (from {name})" for x, name in zip(xs, sources))


class Merge(LayerKind):
    """A layer whose output position sees what each input sees there: its receptive field is the
    union of its inputs' (exact when their jumps agree), and W006 flags inputs not on one grid."""

    family = "merge"
    merge = True
    field_union = True
    cost = FREE
    counts_batches = False

    def example(self) -> Example:
        return Example((2, 3, 3), inputs=2)

    def windows(self, x: Shape, a: dict[str, Any]) -> None:
        return None

    def joined_axis(self, y: Shape, a: dict[str, Any]) -> int | None:
        """The spatial dimension the inputs are joined along, side by side (None: none)."""
        return None

    def union_field(self, fields: list[Field | None], y: Shape, a: dict[str, Any]) -> tuple[Field | None, list[int]]:
        """The union of the inputs' fields, and the dimensions along which they are not on one grid."""
        if any(f is None for f in fields):
            return None, []
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


#: The batch in a broadcast: per-sample shapes leave it out, so it stands for any size.
BATCH = -1


def broadcast(xs: list[Shape], sources: list[str], what: str) -> Shape:
    """torch's broadcasting of the inputs, each batched one read as (N, *x) and each Unbatched one
    (a parameter, a buffer) as its whole shape: sizes are aligned from the right, and each pair
    must be equal or one of them 1. The batch must stay the leading dimension of the result (a
    tensor of higher rank would move it) and meets only 1s; the result is per-sample again
    (Unbatched when no input has a batch)."""
    full = [x if isinstance(x, Unbatched) else (BATCH, *x) for x in xs]
    rank = max(len(f) for f in full)
    batched = any(not isinstance(x, Unbatched) for x in xs)
    if batched and any(len(x) + 1 != rank for x in xs if not isinstance(x, Unbatched)):
        raise LayerError("F007", f"{what}: broadcasting {listing(xs, sources)} would move a batch away from the "
                         "first dimension (the inputs have different numbers of dimensions, so one input's batch "
                         "would meet another's sizes)", "inputs")
    out = []
    for i in range(rank):
        sizes = {f[len(f) - rank + i] for f in full if len(f) - rank + i >= 0} - {1}
        if len(sizes) > 1:
            where = ("against the batch" if BATCH in sizes else
                     f"in dimension {i}" + (" (counting the batch as 0)" if batched else ""))
            raise LayerError("F007", f"{what} needs shapes that broadcast (each size equal, or 1), found "
                             f"{listing(xs, sources)}: {' vs '.join(map(str, sorted(sizes - {BATCH})))} {where}",
                             "inputs")
        out.append(sizes.pop() if sizes else 1)
    return tuple(out[1:]) if batched else Unbatched(out)


class Arithmetic(Merge):
    """An elementwise operation of two or more inputs with torch's broadcasting (`x + y`, `x * y`,
    `x - y`, `x / y`), or of one input and a number (`other`). A squeeze-and-excitation gate is
    `mul` of a [C, 1, 1] scale and a [C, H, W] map; layer scale is `mul` by a parameter; a
    position embedding `add` of one. For add and sub, two batched inputs of different shapes
    get W007: a residual sum that broadcasts (1x56x56 + 256x56x56) is almost always a wrong
    shortcut, which torch would run without a word. A scalar operand is a Python number, as
    torch takes it: nothing to learn, nothing stored."""

    takes_unbatched = True
    #: `x + y` in a traced forward is operator.add (`+=` operator.iadd), `torch.add` and `x.add` too.
    #: A number operand is `other`; torch.add's `alpha` has no counterpart, so it stays unmapped.
    OPERATORS = {"+": "add", "-": "sub", "*": "mul", "/": "truediv"}

    def __init__(self, type_: str, symbol: str, summary: str, saves_input: bool, warns: bool) -> None:
        self.type, self.symbol, self.summary, self.saves_input, self.warns = type_, symbol, summary, saves_input, warns
        op = self.OPERATORS[symbol]
        self.torch_functions = (f"operator.{op}", f"operator.i{op}", f"torch.{type_}", f"Tensor.{type_}",
                                f"Tensor.{type_}_", f"Tensor.__{op}__", f"Tensor.__i{op}__")
        self.args = (Arg("other", optional(number()), None, (), "a number to combine the one input with, "
                         f"x {symbol} other (instead of a second input)"),)

    def from_call(self, args: list[Any], kwargs: dict[str, Any], batch: int) -> dict[str, Any] | None:
        """`x + y` (the inputs) or `x * 0.5` (`other`); `2 * x` too for + and *, which commute."""
        if kwargs or len(args) != 2:
            return None
        if args[0] is not TENSOR and self.symbol in "+*":
            args = args[::-1]
        if args[0] is not TENSOR:
            return None
        return {} if args[1] is TENSOR else ({"other": args[1]} if isinstance(args[1], (int, float)) else None)

    def torch(self, xs: list[Shape], a: dict[str, Any]) -> TorchCode:
        """Python's operator, left to right, as models write `x + identity`."""
        if a["other"] is not None:
            return expression(f"{{x0}} {self.symbol} {literal(a['other'])}")
        return expression(f" {self.symbol} ".join(f"{{x{i}}}" for i in range(len(xs))))

    def example(self) -> Example:
        return Example((2, 3, 3), inputs=2)

    def merge_field(self, fields: list[Field | None], xs: list[Shape], y: Shape,
                    a: dict[str, Any]) -> tuple[Field | None, list[int]]:
        """The grid is the full-size inputs': an input broadcast over the map (a [C, 1, 1] gate,
        a parameter) scales each value but neither moves nor widens the field, as receptive-field
        calculators treat squeeze-and-excitation (strictly, a gate from global pooling sees the
        whole input; every SE network would then have a global field, which says nothing)."""
        full = [(f, x) for f, x in zip(fields, xs)
                if not isinstance(x, Unbatched) and len(x) == len(y) and tuple(x[1:]) == tuple(y[1:])]
        return self.union_field([f for f, _ in full], y, a) if full else (None, [])

    @cached_property
    def forward(self) -> Op:
        from ..kernels.merge import arithmetic
        from ..kernels.ops import Op
        return Op(partial(arithmetic, op=OPERATORS[self.symbol]))

    def infer_many(self, xs: list[Shape], sources: list[str], a: dict[str, Any]) -> Inference:
        other = a["other"]
        if other is not None and len(xs) != 1:
            raise LayerError("G003", f"{self.type} takes `other` or a second input, not both (found {len(xs)} "
                             "inputs and other)", "other")
        if other is None and len(xs) < 2:
            raise LayerError("G003", f"{self.type} needs at least two inputs, or one and `other` (a number), "
                             f"found {len(xs)}", "inputs")
        if other is not None:
            return Inference(xs[0], 0, 0, [f"{shape_str(xs[0])} {self.symbol} {other:g}"])
        if xs.count(xs[0]) == len(xs) and xs[0].__class__ is not Unbatched:  # a residual sum: nothing to broadcast
            return Inference(xs[0], 0, 0, [f" {self.symbol} ".join([shape_str(xs[0])] * len(xs))])
        y = broadcast(xs, sources, self.type)
        problems = []
        computed = [(x, name) for x, name in zip(xs, sources) if not isinstance(x, Unbatched)]
        if self.warns and len({x for x, _ in computed}) > 1:
            problems.append(Problem("W007", f"{self.type} broadcasts {listing(*map(list, zip(*computed)))}: "
                                    "a sum of layer outputs of different shapes is usually a shortcut of the "
                                    "wrong shape (torch broadcasts it without a word)", "inputs"))
        return Inference(y, 0, 0, [f" {self.symbol} ".join(shape_str(x) for x in xs) + f" -> {shape_str(y)}"],
                         problems)


#: The scalar operation each symbol stands for, as torch computes it on floats.
OPERATORS = {"+": operator.add, "*": operator.mul, "-": operator.sub, "/": operator.truediv}


def arithmetic_kinds() -> list[Arithmetic]:
    return [
        Arithmetic("add", "+", "Elementwise sum of two or more inputs, broadcast as torch does (x + y)", False, True),
        Arithmetic("sub", "-", "Elementwise difference, broadcast (x - y)", False, True),
        Arithmetic("mul", "*", "Elementwise product, broadcast (x * y: gates, squeeze-and-excitation, layer scale)",
                   True, False),
        Arithmetic("div", "/", "Elementwise quotient, broadcast (x / y)", True, False),
    ]


class Concat(Merge):
    """torch.cat along `dim`; like torch's own `dim` arguments it counts the batch as 0, so the
    default 1 is the channels."""

    type = "concat"
    torch_functions = ("torch.cat", "torch.concat", "torch.concatenate")
    summary = "Concatenation along dim (torch.cat; dim 1, the channels, by default)"
    saves_input = False  # its backward only slices the gradient
    args = (Arg("dim", any_integer, 1, (), "dimension to join along, counting the batch as 0"),)

    def merge_field(self, fields: list[Field | None], xs: list[Shape], y: Shape,
                    a: dict[str, Any]) -> tuple[Field | None, list[int]]:
        return self.union_field(fields, y, a)

    def joined_axis(self, y: Shape, a: dict[str, Any]) -> int | None:
        rank = len(y) + 1
        dim = a["dim"] + rank if a["dim"] < 0 else a["dim"]
        return None if dim == 1 else dim - 2

    def torch(self, xs: list[Shape], a: dict[str, Any]) -> TorchCode:
        return expression(f"torch.cat([{{xs}}], dim={a['dim']})")

    @cached_property
    def forward(self) -> Op:
        from ..kernels.merge import cat
        from ..kernels.ops import Op
        return Op(cat)

    def infer_many(self, xs: list[Shape], sources: list[str], a: dict[str, Any]) -> Inference:
        if len(xs) == 1:  # torch.cat of a one-tensor list (DenseNet's first dense layer) is that tensor
            return Inference(xs[0], 0, 0, [f"{shape_str(xs[0])}: one input, unchanged"],
                             notes=["concat of a single input is that input (torch.cat accepts a one-tensor list)"])
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


class Stack(Merge):
    """torch.stack along `dim`: inputs of one shape joined along a new dimension of their number
    (SKNet's selective kernel, timm's SelectiveKernel, stacks its branches to weigh them, and
    sums them over it). Like unsqueeze, `dim` counts the output's dims with the batch as 0, so
    the default 1 puts the new dim in front of the channels; 0, in front of the batch, is refused."""

    type = "stack"
    torch_functions = ("torch.stack",)
    summary = "Join inputs of one shape along a new dim (torch.stack; dim 1, before the channels, by default)"
    saves_input = False  # its backward only selects from the gradient
    args = (Arg("dim", any_integer, 1, (), "where the new dim goes in the output, counting the batch as 0"),)

    def position(self, xs: list[Shape], a: dict[str, Any]) -> int:
        """The output's batched dim of the new dimension (the batch refused)."""
        return batch_dim(a["dim"], len(xs[0]) + 2, "dim", "the batch stays first (stack at 1 or after)", "output")

    def merge_field(self, fields: list[Field | None], xs: list[Shape], y: Shape,
                    a: dict[str, Any]) -> tuple[Field | None, list[int]]:
        """The union of the inputs' fields when the new dim goes before the spatial dims (which
        it then leaves as they were, as unsqueeze there does); none when it goes among them."""
        return self.union_field(fields, xs[0], a) if self.position(xs, a) <= 2 else (None, [])

    def torch(self, xs: list[Shape], a: dict[str, Any]) -> TorchCode:
        return expression(f"torch.stack([{{xs}}], dim={a['dim']})")

    @cached_property
    def forward(self) -> Op:
        from ..kernels.merge import stack
        from ..kernels.ops import Op
        return Op(stack)

    def infer_many(self, xs: list[Shape], sources: list[str], a: dict[str, Any]) -> Inference:
        if any(x != xs[0] for x in xs):
            raise LayerError("F007", f"stack needs inputs of one shape (torch.stack raises), found "
                             f"{listing(xs, sources)}", "inputs")
        d = self.position(xs, a)
        y = (*xs[0][:d - 1], len(xs), *xs[0][d - 1:])
        return Inference(y, 0, 0, [f"{len(xs)} x {shape_str(xs[0])} -> {shape_str(y)}: new dim of {len(xs)} "
                                   f"at dim {d}"])
