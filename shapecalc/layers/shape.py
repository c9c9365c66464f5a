"""Layers that rearrange a tensor without computing on it, as torch's tensor methods do: permute,
transpose, reshape and view, expand, squeeze and unsqueeze, slice (x[:, a:b]), select (x[:, 0])
and roll.

Every `dim` argument counts the batch as 0, as torch's own do on a batched tensor, and negative
ones count back from the end of the batched rank. The batch always stays the first dimension: an
argument that would move it, roll it or take it apart is refused (the output would not be a
per-sample shape). Shapes the arguments give (reshape's `shape`, expand's `size`) are per-sample,
without the batch, like every shape in a spec.

None of them counts a MAC or a FLOP under any convention (tests/oracle/test_cost.py measures each
tool at 0 on them), none saves anything for backward (each backward is the same rearrangement
run in reverse), and none has parameters. A receptive field passes through unchanged where the
spatial dimensions are untouched (the rearrangement is along the channels, or before them); a
slice along a spatial dimension is a window of 1 with the slice's step as stride; anything that
moves, merges or drops spatial dimensions leaves no spatial grid to speak of (None).
"""

from __future__ import annotations

from fractions import Fraction
from functools import cached_property
from math import prod
from typing import TYPE_CHECKING, Any

from .args import (REQUIRED, Arg, ArgError, Validator, any_integer, describe, int_schema, integer, json_schema,
                   optional, schema_of)
from .base import (Example, FieldWindow, Inference, LayerError, LayerKind, Rearrange, Shape, Unbatched, batch_dim,
                   batch_dims,
                   fmt, shape_str)
from .field import POINTWISE, Axis, AxisMap, transform, window
from .resize import one_or_list
from .torchcode import TorchCode, expression, literal

if TYPE_CHECKING:
    from ..kernels.ops import Op

POSITIVE = integer()


@json_schema({"anyOf": [{"const": -1}, int_schema(1)]})
def size_or_minus_one(value: Any) -> int:
    """A size in reshape's `shape` or expand's `size`: positive, or -1 (inferred / kept), as torch takes."""
    if isinstance(value, int) and not isinstance(value, bool) and value == -1:
        return -1
    return POSITIVE(value)


def list_of(item: Validator, expected: str) -> Validator:
    """A non-empty list of `item`s (a list even for one value, as torch's sequence arguments)."""

    @json_schema({"type": "array", "minItems": 1, "items": schema_of(item)})
    def validate(value: Any) -> tuple:
        if not isinstance(value, list) or not value:
            raise ArgError("S009", expected, describe(value))
        try:
            return tuple(item(v) for v in value)
        except ArgError as err:
            raise ArgError(err.code, expected, err.found) from None

    return validate


SIZES = list_of(size_or_minus_one, "a list of positive sizes or -1")


@json_schema(schema_of(SIZES))
def reshape_sizes(value: Any) -> tuple[int, ...]:
    """torch's reshape infers at most one size: "only one dimension can be inferred"."""
    sizes = SIZES(value)
    if sizes.count(-1) > 1:
        raise ArgError("S010", "a list of positive sizes with at most one -1", f"{sizes.count(-1)} of them")
    return sizes


def infer_minus_one(sizes: tuple[int, ...], n: int, arg: str, whole: str) -> tuple[Shape, str]:
    """`sizes` with its -1 worked out, as torch infers it, from the n elements they must hold
    (`whole` names them in messages: "the 12 of 3x4"), and the formula; F004 when the other sizes
    do not divide n (torch raises). Reshape's `shape` and unflatten's `unflattened_size` share it."""
    known = [s for s in sizes if s != -1]
    count = prod(known)
    if n % count:
        raise LayerError("F004", f"{arg} {list(sizes)} has {fmt(count)} elements besides its -1, which do not "
                         f"divide {whole} (torch raises)", arg)
    inferred = n // count
    of = f" / ({'*'.join(map(str, known))})" if len(known) > 1 else f" / {known[0]}" if known else ""
    return tuple(inferred if s == -1 else s for s in sizes), f"-1 = {n}{of} = {inferred}"


def batched(x: Shape) -> str:
    """The batched shape torch sees, for messages: (N, 196, 768)."""
    return "(N" + "".join(f", {n}" for n in x) + ")"


def no_scalar(layer: LayerKind, y: Shape, x: Shape) -> None:
    """torch would give one number per sample; shapecalc's shapes keep at least one dimension."""
    if not y:
        raise LayerError("F003", f"{layer.type} would leave {shape_str(x)} without any per-sample dimension "
                         "(one number per sample, a 1-D batched tensor): shapecalc needs at least one")


def keeps_spatial(touched: list[int]) -> str | None:
    """POINTWISE when every batched dim the layer touches is the batch or the channels (0 or 1):
    the spatial dimensions come out as they went in. None otherwise: no spatial grid is known."""
    return POINTWISE if all(d <= 1 for d in touched) else None


def constant(ax: Axis) -> Axis | None:
    """A size-1 dimension broadcast: every output position sees what input position 0 sees."""
    return transform(ax, Fraction(0), 1, lambda o: (0, 1, 1))


def index_at(dim: int, at: str) -> str:
    """`at` in batched dim `dim` as source: `[:, :, at]`, or `[..., at, :]` counted from the end."""
    if dim < 0:
        return "[" + ", ".join(["...", at] + [":"] * (-dim - 1)) + "]"
    return "[" + ", ".join([":"] * dim + [at]) + "]"


class Permute(Rearrange):
    type = "permute"
    torch_functions = ("torch.permute", "Tensor.permute")
    summary = "Reorder the dimensions (torch.permute; dims lists every dim, the batch 0 first)"
    args = (Arg("dims", list_of(any_integer, "a list of dims"), REQUIRED, (),
                "the new order of every dim of the batched input, dims[0] = 0 (the batch stays first)"),)

    def torch(self, xs: list[Shape], a: dict[str, Any]) -> TorchCode:
        return expression(f"{{x}}.permute({', '.join(map(str, a['dims']))})")

    def example(self) -> Example:
        return Example((2, 3, 4), {"dims": [0, 3, 1, 2]})

    def from_call(self, args: list[Any], kwargs: dict[str, Any], batch: int) -> dict[str, Any] | None:
        """`x.permute(0, 2, 1)` or `torch.permute(x, (0, 2, 1))`: every positional is a dim."""
        args = args[1:]
        dims = kwargs.get("dims", args[0] if len(args) == 1 and isinstance(args[0], (tuple, list)) else args)
        return {"dims": list(dims)}

    def order(self, x: Shape, a: dict[str, Any]) -> list[int]:
        """The batched dims in their new order (the batch first), checked as torch checks them."""
        rank, dims = len(x) + 1, a["dims"]
        if len(dims) != rank:
            raise LayerError("F003", f"dims has {len(dims)} entries but the batched input {batched(x)} has {rank} "
                             "dimensions: permute needs every one of them (torch raises)", "dims")
        order = batch_dims(dims, rank, "dims", None)
        if order[0] != 0:
            raise LayerError("F003", f"dims[0] is {dims[0]}: the batch must stay first (dims[0] = 0)", "dims")
        return order

    def infer(self, x: Shape, a: dict[str, Any]) -> Inference:
        order = self.order(x, a)
        y = tuple(x[d - 1] for d in order[1:])
        return Inference(y, 0, 0, [f"{shape_str(x)} -> ({', '.join(map(str, y))}): dims ({', '.join(map(str, order))})"])

    def field(self, x: Shape, y: Shape, a: dict[str, Any]) -> str | None:
        order = self.order(x, a)
        return keeps_spatial([d for i, d in enumerate(order) if d != i])

    @cached_property
    def forward(self) -> Op:
        from ..kernels.ops import Op
        from ..kernels.shape import permute
        return Op(permute)


class Transpose(Rearrange):
    type = "transpose"
    #: swapaxes and swapdims are torch's aliases of transpose (MaxViT's SwapAxes calls torch.swapaxes)
    torch_functions = ("torch.transpose", "Tensor.transpose", "torch.swapaxes", "Tensor.swapaxes", "torch.swapdims",
                       "Tensor.swapdims")
    summary = "Swap two dimensions (torch.transpose; neither may be the batch)"
    args = (Arg("dim0", any_integer, REQUIRED, (), "one dim to swap, counting the batch as 0"),
            Arg("dim1", any_integer, REQUIRED, (), "the other"))

    def torch(self, xs: list[Shape], a: dict[str, Any]) -> TorchCode:
        return expression(f"{{x}}.transpose({a['dim0']}, {a['dim1']})")

    def example(self) -> Example:
        return Example((2, 3, 4), {"dim0": 1, "dim1": -1})

    @staticmethod
    def pair(x: Shape, a: dict[str, Any]) -> tuple[int, int]:
        rank, why = len(x) + 1, "transposing it would move the batch"
        return batch_dim(a["dim0"], rank, "dim0", why), batch_dim(a["dim1"], rank, "dim1", why)

    def infer(self, x: Shape, a: dict[str, Any]) -> Inference:
        d0, d1 = self.pair(x, a)
        y = list(x)
        y[d0 - 1], y[d1 - 1] = x[d1 - 1], x[d0 - 1]
        return Inference(tuple(y), 0, 0, [f"{shape_str(x)} -> ({', '.join(map(str, y))}): dims {d0} and {d1} swapped"])

    def field(self, x: Shape, y: Shape, a: dict[str, Any]) -> str | None:
        d0, d1 = self.pair(x, a)
        return keeps_spatial([] if d0 == d1 else [d0, d1])

    @cached_property
    def forward(self) -> Op:
        from ..kernels.ops import Op
        from ..kernels.shape import transpose
        return Op(transpose)


class NewShape(Rearrange):
    """reshape and view: the values in row-major order, read into another per-sample shape (the
    batch is kept), one size of which may be -1, inferred from the element count.

    shapecalc's tensors are contiguous, so the two agree here; torch's view also refuses a tensor
    whose strides cannot take the new shape (after a permute, transpose or expand: call
    .contiguous() first or use reshape), which shapecalc does not track."""

    summary = "New per-sample shape, the batch kept (torch.{type}(N, *shape); one size may be -1)"

    def __init__(self, type_: str) -> None:
        self.type = type_
        self.summary = NewShape.summary.format(type=type_)
        self.torch_functions = (f"Tensor.{type_}",) + ((f"torch.{type_}",) if type_ == "reshape" else ())
        self.args = (Arg("shape", reshape_sizes, REQUIRED, (),
                         "the per-sample shape, without the batch; one size may be -1 (inferred)"),)

    def torch(self, xs: list[Shape], a: dict[str, Any]) -> TorchCode:
        """`x.reshape(N, *shape)`: the shape is per sample, the batch kept (timm's `x.reshape(B, N, C)`)."""
        return expression(f"{{x}}.{self.type}({{x}}.shape[0], {', '.join(map(str, a['shape']))})")

    def example(self) -> Example:
        return Example((2, 3, 4), {"shape": [4, -1]})

    def from_call(self, args: list[Any], kwargs: dict[str, Any], batch: int) -> dict[str, Any] | None:
        """`x.view(N, *shape)` as traced, the sizes folded to numbers: the first must be the batch
        the trace ran with (`batch`), else the call reshapes across samples, which the spec's
        per-sample shape cannot say (None: unmapped)."""
        args = args[1:]
        sizes = kwargs.get("shape", args[0] if len(args) == 1 and isinstance(args[0], (tuple, list)) else args)
        if not sizes or sizes[0] != batch:
            return None
        return {"shape": list(sizes[1:])}

    def infer(self, x: Shape, a: dict[str, Any]) -> Inference:
        n, sizes = prod(x), a["shape"]
        if -1 in sizes:
            y, formula = infer_minus_one(sizes, n, "shape", f"the {fmt(n)} of {shape_str(x)}")
            return Inference(y, 0, 0, [formula])
        count = prod(sizes)
        if count != n:
            raise LayerError("F004", f"shape {list(sizes)} has {fmt(count)} elements, the input {shape_str(x)} has "
                             f"{fmt(n)} (torch raises)", "shape")
        return Inference(sizes, 0, 0, [f"{'*'.join(map(str, x))} = {fmt(n)} = {'*'.join(map(str, sizes))}"])

    def field(self, x: Shape, y: Shape, a: dict[str, Any]) -> str | None:
        """Pointwise when the input's spatial dims are the output's last ones, untouched (only the
        channels were split or merged); a spatial dim merged or split leaves no grid known."""
        spatial = x[1:]
        return POINTWISE if len(y) >= len(spatial) and tuple(y[len(y) - len(spatial):]) == spatial else None

    @cached_property
    def forward(self) -> Op:
        from ..kernels.ops import Op
        from ..kernels.shape import reshape
        return Op(reshape)


class Expand(Rearrange):
    """torch's expand on a per-sample shape: `size` is aligned with the input from the right; -1
    keeps a dimension, a size-1 dimension may grow to any size, and new leading dimensions go
    after the batch. An Unbatched input (a learned tensor, such as ViT's class token of shape
    (1, 1, 768)) is what `class_token.expand(n, -1, -1)` reads: when `size` has one entry fewer
    than it has dimensions, its leading dimension lines up with the batch n and must be 1; with
    as many entries or more, n is a new dimension in front of all of them, as torch aligns it."""

    type = "expand"
    summary = "Broadcast size-1 dims to a per-sample size (torch.expand; -1 keeps a dim)"
    takes_unbatched = True
    torch_functions = ("Tensor.expand", "Tensor.expand_as")
    torch_shape_of = {"Tensor.expand_as": 1}  # ECA's y.expand_as(x): x's shape, the batch first

    def from_call(self, args: list[Any], kwargs: dict[str, Any], batch: int) -> dict[str, Any] | None:
        """`token.expand(n, -1, -1)` or `x.expand(-1, 4, -1)`: the first size is the batch (n, or
        -1 that keeps it), the rest per sample."""
        sizes = args[1:]
        sizes = list(sizes[0]) if len(sizes) == 1 and isinstance(sizes[0], (tuple, list)) else list(sizes)
        if kwargs or not sizes or sizes[0] not in (batch, -1):
            return None
        return {"size": sizes[1:]}
    args = (Arg("size", SIZES, REQUIRED, (), "the per-sample size, without the batch; -1 keeps a dimension"),)

    def torch(self, xs: list[Shape], a: dict[str, Any]) -> TorchCode:
        """A learned tensor as ViT expands its class token, `class_token.expand(n, -1, -1)`; a
        batched tensor keeps its batch, its new dims inserted after it first."""
        (x,), size = xs, ", ".join(map(str, a["size"]))
        if isinstance(x, Unbatched):
            return expression(f"{{x}}.expand({{batch}}, {size})")
        new = len(a["size"]) - len(x)
        index = f"[:{', None' * new}]" if new else ""
        return expression(f"{{x}}{index}.expand(-1, {size})")

    def example(self) -> Example:
        return Example((1, 3), {"size": [2, 4, -1]})

    @staticmethod
    def aligned_part(x: Shape, a: dict[str, Any]) -> Shape:
        """The part of x that `size` is aligned with (all of it, or an unbatched leading 1 left off)."""
        size = a["size"]
        if isinstance(x, Unbatched) and len(size) == len(x) - 1:
            if x[0] != 1:
                raise LayerError("F004", f"size has {len(size)} entries, so the leading dim of the unbatched "
                                 f"{shape_str(x)} lines up with the batch, and it is {x[0]}, not 1 (torch raises)", "size")
            return tuple(x[1:])
        if len(size) < len(x):
            fewest = len(x) - 1 if isinstance(x, Unbatched) else len(x)
            raise LayerError("F003", f"size has {len(size)} entries, the input {shape_str(x)} needs at least {fewest} "
                             "(torch raises)", "size")
        return tuple(x)

    def infer(self, x: Shape, a: dict[str, Any]) -> Inference:
        xs, size = self.aligned_part(x, a), a["size"]
        new = len(size) - len(xs)
        if -1 in size[:new]:
            raise LayerError("F010", f"size[{size[:new].index(-1)}] is -1 for a new leading dimension, which has "
                             "no size to keep (torch raises)", "size")
        y, steps = list(size[:new]), []
        for i, (n, s) in enumerate(zip(xs, size[new:])):
            if s == -1 or s == n:
                y.append(n)
            elif n == 1:
                y.append(s)
                steps.append(f"dim {new + i + 1}: 1 -> {s}")
            else:
                raise LayerError("F004", f"size[{new + i}] is {s} but that dimension of {shape_str(xs)} is {n}: "
                                 "only a size-1 dimension can be expanded (torch raises)", "size")
        if new:
            steps.insert(0, f"new dim{'s' * (new > 1)} {', '.join(map(str, size[:new]))} in front")
        lead = f"{shape_str(x)}: its leading 1 is the batch; " if len(xs) < len(x) else ""
        how = f" ({'; '.join(steps)})" if steps else ""
        return Inference(tuple(y), 0, 0, [f"{lead}{shape_str(xs)} -> {shape_str(tuple(y))}{how}"])

    def field(self, x: Shape, y: Shape, a: dict[str, Any]) -> list[AxisMap] | str | None:
        if isinstance(x, Unbatched):
            return None  # a learned tensor: no positions of the network's input
        grown = [n != m for n, m in zip(x[1:], y[len(y) - len(x) + 1:])]
        if not any(grown):
            return POINTWISE
        return [constant if g else (lambda ax: ax) for g in grown]

    @cached_property
    def forward(self) -> Op:
        from ..kernels.ops import Op
        from ..kernels.shape import expand
        return Op(expand)


class Squeeze(Rearrange):
    type = "squeeze"
    torch_functions = ("torch.squeeze", "Tensor.squeeze")
    summary = "Remove size-1 dims (torch.squeeze; dim null: every one but the batch)"
    args = (Arg("dim", optional(one_or_list(any_integer)), None, (),
                "a dim or a list of them, counting the batch as 0 (null: every size-1 dim); others are left"),)

    def torch(self, xs: list[Shape], a: dict[str, Any]) -> TorchCode:
        """x.squeeze(dims); with dim null the size-1 dims after the batch, named (x.squeeze() would
        take a batch of 1 too)."""
        dim = a["dim"]
        if dim is None:
            dim = tuple(d + 1 for d, n in enumerate(xs[0]) if n == 1)
        return expression(f"{{x}}.squeeze({literal(dim)})")

    def example(self) -> Example:
        return Example((1, 3, 1), {"dim": [1, -1]})

    @staticmethod
    def removed(x: Shape, a: dict[str, Any]) -> list[int]:
        """The batched dims that go: the named ones (or all) that have size 1, as torch 2.x does."""
        rank, dim = len(x) + 1, a["dim"]
        if dim is None:
            return [d for d in range(1, rank) if x[d - 1] == 1]
        dims = batch_dims(dim if isinstance(dim, tuple) else (dim,), rank, "dim", "the batch is kept")
        return sorted(d for d in dims if x[d - 1] == 1)

    def infer(self, x: Shape, a: dict[str, Any]) -> Inference:
        removed = self.removed(x, a)
        y = tuple(n for d, n in enumerate(x, 1) if d not in removed)
        no_scalar(self, y, x)
        if not removed:
            return Inference(y, 0, 0, [f"{shape_str(x)}: no size-1 dim to remove, unchanged"])
        which = ", ".join(map(str, removed))
        return Inference(y, 0, 0, [f"{shape_str(x)} -> {shape_str(y)}: size-1 dim{'s' * (len(removed) > 1)} {which} removed"])

    def field(self, x: Shape, y: Shape, a: dict[str, Any]) -> str | None:
        return keeps_spatial(self.removed(x, a))

    @cached_property
    def forward(self) -> Op:
        from ..kernels.ops import Op
        from ..kernels.shape import squeeze
        return Op(squeeze)


class Unsqueeze(Rearrange):
    type = "unsqueeze"
    torch_functions = ("torch.unsqueeze", "Tensor.unsqueeze")
    summary = "Insert a size-1 dim (torch.unsqueeze; dim counts the output's dims, the batch 0)"
    args = (Arg("dim", any_integer, REQUIRED, (), "where the new dim goes in the output, counting the batch as 0"),)

    def torch(self, xs: list[Shape], a: dict[str, Any]) -> TorchCode:
        return expression(f"{{x}}.unsqueeze({a['dim']})")

    def example(self) -> Example:
        return Example((2, 3), {"dim": -1})

    @staticmethod
    def position(x: Shape, a: dict[str, Any]) -> int:
        return batch_dim(a["dim"], len(x) + 2, "dim", "the batch stays first (unsqueeze at 1 or after)", "output")

    def infer(self, x: Shape, a: dict[str, Any]) -> Inference:
        d = self.position(x, a)
        y = (*x[:d - 1], 1, *x[d - 1:])
        return Inference(y, 0, 0, [f"{shape_str(x)} -> {shape_str(y)}: size-1 dim inserted at dim {d}"])

    def field(self, x: Shape, y: Shape, a: dict[str, Any]) -> str | None:
        return POINTWISE if self.position(x, a) <= 2 else None  # before the spatial dims: they are kept

    @cached_property
    def forward(self) -> Op:
        from ..kernels.ops import Op
        from ..kernels.shape import unsqueeze
        return Op(unsqueeze)


def bounds(x: Shape, a: dict[str, Any]) -> tuple[int, int, int, int]:
    """Slice's batched dim and its start, stop, step clamped as Python's and torch's slicing do."""
    d = batch_dim(a["dim"], len(x) + 1, "dim", "slicing it would pick samples, not a per-sample shape")
    return (d, *slice(a["start"], a["end"], a["step"]).indices(x[d - 1]))


class Slice(Rearrange):
    """x[:, start:end:step] along one dim (torch.narrow when step is 1): Python's slicing, so
    indices past either end are clamped and negative ones count from the end."""

    type = "slice"
    torch_functions = ("operator.getitem",)

    def from_call(self, args: list[Any], kwargs: dict[str, Any], batch: int) -> dict[str, Any] | None:
        """`x[:, :, 1:-1:2]`: one slice that is not `:`, every dim before it `:` (else not this kind)."""
        index = indexed(args)
        if index is None or not index or not isinstance(index[-1], slice) or index[-1] == slice(None):
            return None
        last = index[-1]
        out = {"dim": len(index) - 1, "start": last.start, "end": last.stop, "step": last.step}
        return {k: v for k, v in out.items() if v is not None}
    summary = "Keep positions start:end:step along one dim (x[:, a:b], torch.narrow)"
    args = (Arg("dim", any_integer, REQUIRED, (), "the dim to slice, counting the batch as 0"),
            Arg("start", optional(any_integer), None, (), "first position kept (null: 0; negative: from the end)"),
            Arg("end", optional(any_integer), None, (), "the position it stops before (null: the end)"),
            Arg("step", integer(), 1, (), "keep every step-th position (torch: positive only)"))

    def torch(self, xs: list[Shape], a: dict[str, Any]) -> TorchCode:
        """Indexing, as models slice: `x[:, :, 1:5:2]`."""
        part = ":".join("" if v is None else str(v) for v in (a["start"], a["end"]))
        if a["step"] != 1:
            part += f":{a['step']}"
        return expression("{x}" + index_at(a["dim"], part))

    def example(self) -> Example:
        return Example((2, 5, 3), {"dim": 2, "start": 1, "end": -1, "step": 2})

    def infer(self, x: Shape, a: dict[str, Any]) -> Inference:
        d, start, stop, step = bounds(x, a)
        n, m = x[d - 1], len(range(start, stop, step))
        if m == 0:
            raise LayerError("F002", f"positions {start}:{stop}:{step} of dim {d} (size {n}) are none: the slice "
                             "is empty (torch gives a 0-size dimension)", "start")
        y = (*x[:d - 1], m, *x[d:])
        if step == 1:
            return Inference(y, 0, 0, [f"dim {d}: {start}:{stop} of {n} -> {stop} - {start} = {m}"])
        return Inference(y, 0, 0, [f"dim {d}: {start}:{stop}:{step} of {n} -> ceil(({stop} - {start})/{step}) = {m}"])

    def field(self, x: Shape, y: Shape, a: dict[str, Any]) -> list[AxisMap] | str:
        d, start, _, step = bounds(x, a)
        if d == 1:
            return POINTWISE
        return [(lambda ax: window(ax, 1, step, -start)) if i == d - 2 else (lambda ax: ax) for i in range(len(x) - 1)]

    def field_window(self, x: Shape, a: dict[str, Any], i: int) -> FieldWindow | None:
        """Along the sliced spatial dim, output o is input start + o*step: a window of 1."""
        d, start, _, step = bounds(x, a)
        return FieldWindow(1, step, -start) if i == d - 2 else None

    @cached_property
    def forward(self) -> Op:
        from ..kernels.ops import Op
        from ..kernels.shape import slice_
        return Op(slice_)


class Select(Rearrange):
    type = "select"
    torch_functions = ("operator.getitem",)

    def from_call(self, args: list[Any], kwargs: dict[str, Any], batch: int) -> dict[str, Any] | None:
        """`x[:, 0]`: one int index, every dim before it `:` (else not this kind)."""
        index = indexed(args)
        if index is None or not index or not isinstance(index[-1], int) or isinstance(index[-1], bool):
            return None
        return {"dim": len(index) - 1, "index": index[-1]}
    summary = "Take one position along a dim, removing it (x[:, i], torch.select; ViT's class token)"
    args = (Arg("dim", any_integer, REQUIRED, (), "the dim, counting the batch as 0"),
            Arg("index", any_integer, REQUIRED, (), "the position taken (negative: from the end)"))

    def torch(self, xs: list[Shape], a: dict[str, Any]) -> TorchCode:
        """Indexing, as ViT takes its class token: `x[:, 0]`."""
        return expression("{x}" + index_at(a["dim"], str(a["index"])))

    def example(self) -> Example:
        return Example((3, 4), {"dim": 1, "index": -1})

    @staticmethod
    def place(x: Shape, a: dict[str, Any]) -> tuple[int, int]:
        d = batch_dim(a["dim"], len(x) + 1, "dim", "selecting along it would pick a sample")
        n, index = x[d - 1], a["index"]
        if not -n <= index < n:
            raise LayerError("F003", f"index {index} is out of range for dim {d} of size {n} "
                             f"(torch takes {-n} to {n - 1}: IndexError)", "index")
        return d, index % n

    def infer(self, x: Shape, a: dict[str, Any]) -> Inference:
        d, index = self.place(x, a)
        y = (*x[:d - 1], *x[d:])
        no_scalar(self, y, x)
        return Inference(y, 0, 0, [f"{shape_str(x)} -> {shape_str(y)}: position {index} of {x[d - 1]} along dim {d}"])

    def field(self, x: Shape, y: Shape, a: dict[str, Any]) -> str | None:
        return keeps_spatial([self.place(x, a)[0]])

    @cached_property
    def forward(self) -> Op:
        from ..kernels.ops import Op
        from ..kernels.shape import select
        return Op(select)


class Roll(Rearrange):
    """torch.roll with dims: along each dim, position i moves to (i + shift) mod n."""

    type = "roll"
    summary = "Shift values cyclically along dims (torch.roll; Swin's shifted windows)"
    args = (Arg("shifts", one_or_list(any_integer), REQUIRED, (), "a shift, or one per dim"),
            Arg("dims", one_or_list(any_integer), REQUIRED, (), "a dim or a list of them, counting the batch as 0"))

    def torch(self, xs: list[Shape], a: dict[str, Any]) -> TorchCode:
        return expression(f"torch.roll({{x}}, {literal(a['shifts'])}, {literal(a['dims'])})")

    def example(self) -> Example:
        return Example((2, 3, 4), {"shifts": [1, -2], "dims": [2, 3]})

    @staticmethod
    def pairs(x: Shape, a: dict[str, Any]) -> list[tuple[int, int]]:
        """(batched dim, shift) pairs; a dim may come twice (torch then rolls it twice)."""
        shifts, dims = (v if isinstance(v, tuple) else (v,) for v in (a["shifts"], a["dims"]))
        if len(shifts) != len(dims):
            raise LayerError("F010", f"{len(shifts)} shift{'s' * (len(shifts) != 1)} for {len(dims)} "
                             f"dim{'s' * (len(dims) != 1)}: torch needs one per dim (they must align)", "shifts")
        rank = len(x) + 1
        return [(batch_dim(d, rank, "dims", "rolling it would move samples"), s) for d, s in zip(dims, shifts)]

    def infer(self, x: Shape, a: dict[str, Any]) -> Inference:
        steps = [f"dim {d} by {s} (mod {x[d - 1]} = {s % x[d - 1]})" for d, s in self.pairs(x, a)]
        return Inference(x, 0, 0, [f"{shape_str(x)} unchanged, rolled along {'; '.join(steps)}"])

    def field(self, x: Shape, y: Shape, a: dict[str, Any]) -> str | None:
        return keeps_spatial([d for d, _ in self.pairs(x, a)])

    @cached_property
    def forward(self) -> Op:
        from ..kernels.ops import Op
        from ..kernels.shape import roll
        return Op(roll)


def indexed(args: list[Any]) -> list[Any] | None:
    """A traced `x[...]`'s index as one entry per dim, when all but the last are `:` (None else)."""
    if len(args) != 2:
        return None
    index = list(args[1]) if isinstance(args[1], tuple) else [args[1]]
    while len(index) > 1 and index[-1] == slice(None):  # `x[:, :k, :, :]`: the `:`s after it change nothing
        index.pop()
    if any(i != slice(None) for i in index[:-1]) or any(i is Ellipsis or i is None for i in index):
        return None
    return index


def kinds() -> list[LayerKind]:
    return [Permute(), Transpose(), NewShape("reshape"), NewShape("view"), Expand(), Squeeze(), Unsqueeze(),
            Slice(), Select(), Roll()]
