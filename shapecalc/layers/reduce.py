"""Reductions over dimensions (mean, sum, amax, amin, the vector norm) and F.normalize.

Real models write these as tensor methods, not modules: `x.mean((2, 3), keepdim=True)` in a
squeeze-and-excitation block, `x.amax(...)` in CBAM, `x.norm(p=2, dim=(1, 2), keepdim=True)` in
ConvNeXt V2's global response norm, `F.normalize(x, dim=1)` before a cosine similarity. Like
torch's own, their `dim` arguments count the batch dimension as 0 (so 1 is the channels, and
negative dims count from the end of the batched tensor); reducing the batch would mix samples,
so it is refused. No tool counts them: torchinfo sees no module, fvcore has no handle for
aten::mean, sum, amax, amin or linalg_vector_norm, ptflops patches none of these methods (nor
F.normalize), and FlopCounterMode counts only matrix products. shapecalc's "macs" counts no
multiply-accumulate either and, as for global average pooling, leaves their adds out of the FLOPs.
"""

from __future__ import annotations

import math
from functools import cached_property, partial
from typing import TYPE_CHECKING, Any, Callable

from .args import INT64_MAX, REQUIRED, Arg, ArgError, any_integer, boolean, int_schema, json_schema, number
from .base import (Example, FieldWindow, Inference, LayerError, LayerKind, Pointwise, Shape, batch_dim, batch_dims,
                   shape_str)
from .cost import FREE
from .field import POINTWISE, AxisMap, window
from .torchcode import TorchCode, expression, literal

if TYPE_CHECKING:
    from types import ModuleType

    from ..kernels.ops import Op
    from ..kernels.reduce import Reducer


@json_schema({"anyOf": [int_schema(-INT64_MAX), {"type": "array", "minItems": 1, "items": int_schema(-INT64_MAX)}]})
def dims(value: Any) -> tuple[int, ...]:
    """torch's `dim` of a reduction: an int or a non-empty list of ints. torch reads an empty list
    as every dimension, the batch included, which a per-sample shape cannot be."""
    if isinstance(value, list):
        if not value:
            raise ArgError("S010", "an integer or a non-empty list of integers (an empty list reduces the batch too)",
                           "an empty list")
        return tuple(any_integer(v) for v in value)
    return (any_integer(value),)


@json_schema({"type": "number"})
def norm_order(value: Any) -> float:
    """The p of a vector norm: any number, or inf / -inf (YAML's .inf and -.inf): the largest and
    the smallest absolute value. p = 0 counts the nonzero values, as torch.linalg.vector_norm does."""
    if isinstance(value, float) and math.isinf(value):
        return value
    try:
        return number()(value)
    except ArgError as err:
        raise ArgError(err.code, "a number, .inf or -.inf", err.found) from None


def mixes(type_: str) -> str:
    return f"{type_} over it would mix the samples of a batch, which is not a per-sample shape"


def batched_axis(type_: str, x: Shape, dim: int, arg: str = "dim") -> int:
    """The axis of the batch-less shape that torch's `dim` names (the batch is 0, negatives count
    from the end of the batched rank); F003 when out of range or the batch itself."""
    return batch_dim(dim, len(x) + 1, arg, mixes(type_)) - 1


def reduced_axes(type_: str, x: Shape, a: dict[str, Any]) -> tuple[int, ...]:
    """The axes `dim` reduces, each checked; torch refuses a dim named twice (as 1 and -3, say)."""
    return tuple(sorted(d - 1 for d in batch_dims(a["dim"], len(x) + 1, "dim", mixes(type_))))


class Reduction(LayerKind):
    """A reduction over the dims `dim`: the output drops them, or keeps them as 1s (keepdim).

    Receptive field: a reduced spatial dimension kept as a 1 is one window over the whole of it
    (as global pooling with keepdim), the others pass unchanged; reducing only the channels with
    keepdim is pointwise. Without keepdim the rank drops, so what follows no longer reads the
    same grid (the channels-first layout moves): no field, as after global pooling without keepdim."""

    family = "reduction"
    cost = FREE
    counts_batches = False

    def __init__(self, type_: str, summary: str, saves_input: bool, reducer: Callable[[ModuleType], Reducer],
                 *leading: Arg, note: str = "") -> None:
        self.type, self.summary, self.saves_input = type_, summary, saves_input
        self.torch_functions = (f"torch.{type_}", f"Tensor.{type_}")
        self.reducer = reducer  # picks the kernel's function of one group from kernels/reduce.py
        self.args = (
            *leading,
            Arg("dim", dims, REQUIRED, (), "dimension(s) to reduce, counting the batch as 0 (1: the channels)" + note),
            Arg("keepdim", boolean, False, (), "keep the reduced dimensions as 1s"),
        )

    def torch(self, xs: list[Shape], a: dict[str, Any]) -> TorchCode:
        """The tensor method of the layer's name, as models call it: `x.mean((2, 3), keepdim=True)`."""
        lead = f"{literal(a['p'])}, " if "p" in a else ""
        keep = ", keepdim=True" if a["keepdim"] else ""
        return expression(f"{{x}}.{self.type}({lead}{literal(a['dim'])}{keep})")

    def example(self) -> Example:
        return Example((3, 4, 5), {"dim": [1, -1], "keepdim": True})

    def windows(self, x: Shape, a: dict[str, Any]) -> None:
        return None

    def field(self, x: Shape, y: Shape, a: dict[str, Any]) -> list[AxisMap] | str | None:
        if len(y) != len(x):
            return None
        axes = reduced_axes(self.type, x, a)
        if all(axis == 0 for axis in axes):
            return POINTWISE
        return [(lambda ax, n=n: window(ax, n, n, 0)) if i + 1 in axes else (lambda ax: ax)
                for i, n in enumerate(x[1:])]

    def field_window(self, x: Shape, a: dict[str, Any], i: int) -> FieldWindow | None:
        n = x[1 + i]
        return FieldWindow(n, n, 0, whole=True) if i + 1 in reduced_axes(self.type, x, a) else None

    @cached_property
    def forward(self) -> Op:
        from ..kernels import reduce
        from ..kernels.ops import Op, input_elements
        return Op(partial(reduce.reduce, f=self.reducer(reduce)), macs=input_elements)

    def infer(self, x: Shape, a: dict[str, Any]) -> Inference:
        axes = reduced_axes(self.type, x, a)
        if not a["keepdim"] and len(axes) == len(x):
            raise LayerError("F003", f"{self.type} over every dimension of {shape_str(x)} leaves one value per sample "
                             "with no dimension at all, which no later layer can take; add keepdim: true", "dim")
        out = tuple(1 if i in axes else n for i, n in enumerate(x) if a["keepdim"] or i not in axes)
        over = "*".join(str(x[i]) for i in axes)
        return Inference(out, 0, 0, [f"{self.type} of {over} value{'s' if over != '1' else ''} each: "
                                     f"{shape_str(x)} -> {shape_str(out)}"])


class Normalize(Pointwise):
    """F.normalize: x / max(||x||_p, eps), the norm taken along `dim` (one dimension, counting the
    batch as 0). The shape is kept. Pointwise for the receptive field whatever `dim` is, as the
    other normalisations and softmax are (their statistics over the map are not counted)."""

    type = "normalize"
    family = "normalization"
    torch_functions = ("torch.nn.functional.normalize",)
    summary = "Divide by the p-norm along dim (torch.nn.functional.normalize)"
    args = (
        Arg("p", norm_order, 2.0, (), "the p of the norm (.inf: the largest absolute value)"),
        Arg("dim", any_integer, 1, (), "the dimension the norm is taken along, counting the batch as 0"),
        Arg("eps", number(0), 1e-12, (), "the smallest divisor"),
    )
    cost = FREE
    saves_input = True
    counts_batches = False

    def torch(self, xs: list[Shape], a: dict[str, Any]) -> TorchCode:
        return expression(f"nn.functional.normalize({{x}}, p={literal(a['p'])}, dim={a['dim']}, eps={a['eps']!r})")

    def example(self) -> Example:
        return Example((3, 4, 5), {"p": 3, "dim": 2})

    @cached_property
    def forward(self) -> Op:
        from ..kernels.ops import Op, input_elements
        from ..kernels.reduce import normalize
        return Op(normalize, macs=input_elements)

    def infer(self, x: Shape, a: dict[str, Any]) -> Inference:
        axis = batched_axis(self.type, x, a["dim"])
        return Inference(x, 0, 0, [f"p-norm over {x[axis]} values along dim {a['dim']}, shape kept"])


def kinds() -> list[LayerKind]:
    p = Arg("p", norm_order, 2.0, (), "the p of the norm (.inf: the largest absolute value, 0: the nonzero count)")
    return [
        Reduction("mean", "Mean over dim (torch.mean, x.mean(dim, keepdim))", False, lambda k: k.average),
        # `sum` was an alias of `add` before torch's reduction took the name: the hint says so
        Reduction("sum", "Sum over dim (torch.sum, x.sum(dim, keepdim))", False, lambda k: k.total,
                  note="; the elementwise sum of several inputs is `add`"),
        Reduction("amax", "Maximum over dim (torch.amax)", True, lambda k: k.largest),
        Reduction("amin", "Minimum over dim (torch.amin)", True, lambda k: k.smallest),
        Reduction("norm", "Vector p-norm over dim (x.norm(p, dim, keepdim), torch.linalg.vector_norm)", True,
                  lambda k: k.p_norm, p),
        Normalize(),
    ]
