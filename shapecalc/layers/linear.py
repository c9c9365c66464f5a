"""Linear (fully connected) layers and flatten, which usually comes just before them."""

from __future__ import annotations

from functools import cached_property
from math import prod
from typing import TYPE_CHECKING, Any

from .args import REQUIRED, Arg, ArgError, any_integer, boolean, describe, int_schema, integer, json_schema, optional
from .base import (Example, Inference, LayerError, LayerKind, Problem, Rearrange, Shape, check_declared, fmt,
                   shape_str)
from .cost import Costs, View, params
from .field import POINTWISE, AxisMap
from .shape import infer_minus_one, reshape_sizes
from .torchcode import TorchCode, module

if TYPE_CHECKING:
    from ..kernels.ops import Op


def bias(v: View) -> int:
    """Bias values of a linear layer: one per output feature."""
    return v.y[-1] if v.a["bias"] else 0


def weights(v: View) -> int:
    return v.params - bias(v)


class Reshape(Rearrange):
    """Flatten and unflatten: a receptive field only when the shape is left as it was
    (flattening one dimension)."""

    def field(self, x: Shape, y: Shape, a: dict[str, Any]) -> list[AxisMap] | str | None:
        return POINTWISE if tuple(y) == tuple(x) else None


class Linear(LayerKind):
    type = "linear"
    inferred_args = ("in_features",)
    family = "fully-connected"
    summary = "Fully connected layer (torch.nn.Linear), applied to the last dimension"
    torch_classes = ("timm.layers.linear.Linear",)  # an nn.Linear whose forward calls F.linear
    args = (
        Arg("out_features", integer(), REQUIRED, ("units",), "number of outputs"),
        Arg("bias", boolean, True, (), "add a learned bias per output"),
        Arg("in_features", optional(integer()), None, (), "checked against the incoming last dimension"),
    )
    cost = Costs(
        macs=lambda v: weights(v) * v.rows,
        torchinfo=params,  # not a conv class: its parameters, once
        fvcore=lambda v: weights(v) * v.rows,
        ptflops=lambda v: v.params * v.rows,  # bias included
        extra_flops=lambda v: bias(v) * v.rows,
        torch=lambda v: weights(v) * v.rows,  # aten.addmm / mm, bias left out
    )
    saves_input = True
    counts_batches = False

    def torch(self, xs: list[Shape], a: dict[str, Any]) -> TorchCode:
        return module(self, "Linear", a, {"in_features": xs[0][-1]}, ("in_features",))

    def example(self) -> Example:
        return Example((2, 3, 5), {"out_features": 4})

    def windows(self, x: Shape, a: dict[str, Any]) -> None:
        return None

    def field(self, x: Shape, y: Shape, a: dict[str, Any]) -> None:
        return None  # every output sees every input feature

    @cached_property
    def forward(self) -> Op:
        from ..kernels.dense import linear, linear_macs, linear_params
        from ..kernels.ops import Op
        return Op(linear, linear_params, linear_macs, split_axis=-1)

    def explain_macs(self, v: View, count: int) -> str:
        if weights(v) * v.rows != count:
            return f"{count:,}"
        rows = f"{v.rows:,} rows x " if v.rows != 1 else ""
        return f"{rows}{v.x[-1]}*{v.y[-1]} weights = {count:,}"

    def answer_macs(self, v: View, count: int) -> str:
        return f"{v.rows:,} output rows x {weights(v):,} weights = {count:,} MACs"

    def infer(self, x: Shape, a: dict[str, Any]) -> Inference:
        n_in, n_out = x[-1], a["out_features"]
        problems = check_declared("in_features", a["in_features"], n_in)
        n_in = a["in_features"] or n_in
        if len(x) > 1:
            problems.append(Problem(
                "W001",
                f"linear acts on the last dimension of {shape_str(x)} (torch does this); "
                "add a flatten layer before it if you meant all features",
            ))
        bias = n_out if a["bias"] else 0
        formula = f"{n_in}*{n_out}" + (f" + {n_out}" if bias else "") + f" = {fmt(n_in * n_out + bias)} params"
        connections = prod(x[:-1]) * (n_in * n_out + bias)
        return Inference((*x[:-1], n_out), n_in * n_out + bias, 0, [formula], problems, [], connections)


class Flatten(Reshape):
    type = "flatten"
    torch_functions = ("torch.flatten", "Tensor.flatten")
    summary = "Flatten dimensions start_dim..end_dim (torch.nn.Flatten; dims count the batch as 0)"
    args = (
        Arg("start_dim", any_integer, 1, (), "first dimension to flatten, counting the batch dimension as 0"),
        Arg("end_dim", any_integer, -1, (), "last dimension to flatten, counting the batch dimension as 0"),
    )

    def torch(self, xs: list[Shape], a: dict[str, Any]) -> TorchCode:
        return module(self, "Flatten", a)

    def example(self) -> Example:
        return Example((2, 3, 4))

    @cached_property
    def forward(self) -> Op:
        from ..kernels.dense import flatten
        from ..kernels.ops import Op
        return Op(flatten)

    def infer(self, x: Shape, a: dict[str, Any]) -> Inference:
        rank = len(x) + 1  # torch sees a batch dimension in front
        start, end = (v + rank if v < 0 else v for v in (a["start_dim"], a["end_dim"]))
        for arg, v in (("start_dim", start), ("end_dim", end)):
            if not 0 <= v < rank:
                raise LayerError("F003", f"{arg}={a[arg]} is out of range for a {rank}-D batched input", arg)
        if start == 0 and end > 0:
            raise LayerError("F003", f"start_dim={a['start_dim']} is the batch dimension: flattening it into the "
                             "features is not a per-sample shape", "start_dim")
        if start == end:  # flattening one dimension changes nothing (torch returns the input)
            return Inference(x, 0, 0, ["one dimension: unchanged"])
        if start > end:
            raise LayerError("F003", f"start_dim={a['start_dim']} comes after end_dim={a['end_dim']}", "start_dim")
        kept = x[start - 1:end]
        out = (*x[:start - 1], prod(kept), *x[end:])
        return Inference(out, 0, 0, ["*".join(map(str, kept)) + f" = {fmt(prod(kept))}"])


@json_schema({"type": "array", "minItems": 1, "items": int_schema(1)})
def sizes(value: Any) -> tuple[int, ...]:
    if not isinstance(value, list) or not value:
        raise ArgError("S009", "a list of positive integers", describe(value))
    return tuple(integer()(v) for v in value)


class Unflatten(Reshape):
    type = "unflatten"
    summary = "Split one dimension into several (torch.nn.Unflatten; dim counts the batch as 0)"
    args = (
        Arg("dim", any_integer, REQUIRED, (), "the dimension to split, counting the batch dimension as 0"),
        Arg("unflattened_size", reshape_sizes, REQUIRED, (),
            "the sizes it splits into; their product must equal it; one may be -1 (inferred)"),
    )

    def torch(self, xs: list[Shape], a: dict[str, Any]) -> TorchCode:
        return module(self, "Unflatten", a)

    def example(self) -> Example:
        return Example((12,), {"dim": 1, "unflattened_size": [3, 4]})

    @cached_property
    def forward(self) -> Op:
        from ..kernels.dense import unflatten
        from ..kernels.ops import Op
        return Op(unflatten)

    def infer(self, x: Shape, a: dict[str, Any]) -> Inference:
        rank = len(x) + 1
        dim = a["dim"] + rank if a["dim"] < 0 else a["dim"]
        if not 1 <= dim < rank:
            raise LayerError("F003", f"dim={a['dim']} is out of range (or the batch) for a {rank}-D batched input", "dim")
        sizes_, n = a["unflattened_size"], x[dim - 1]
        if -1 in sizes_:  # torch infers it as reshape does
            sizes_, formula = infer_minus_one(sizes_, n, "unflattened_size", f"the {fmt(n)} of dimension {a['dim']}")
        elif prod(sizes_) != n:
            raise LayerError("F004", f"unflattened_size {shape_str(sizes_)} has {fmt(prod(sizes_))} elements, "
                             f"dimension {a['dim']} has {fmt(n)}", "unflattened_size")
        else:
            formula = f"{n} = {'*'.join(map(str, sizes_))}"
        return Inference((*x[:dim - 1], *sizes_, *x[dim:]), 0, 0, [formula])

