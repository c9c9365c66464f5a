"""Merges, which take several inputs (a list of tensors): elementwise arithmetic with
broadcasting, concat and stack; and the tensors of a network's own (parameters, buffers)."""

from __future__ import annotations

from typing import Any, Callable

from ..layers.base import Unbatched
from .params import ParamDecl, Params
from .tensor import Shape, Tensor, concat


def batched_shape(t: Tensor) -> Shape:
    """The tensor's shape with the batch of the forward pass (1) in front, unless it has none."""
    return t.shape if isinstance(t.shape, Unbatched) else (1, *t.shape)


def expanded(data: list[float], shape: Shape, out: Shape) -> list[float]:
    """Values of a tensor broadcast to `out` (its shape right-aligned to it, sizes 1 repeated):
    from the innermost dimension out, each block of a size-1 dimension is repeated in place."""
    shape = (1,) * (len(out) - len(shape)) + tuple(shape)
    inner = 1
    for k in reversed(range(len(out))):
        if shape[k] == 1 and out[k] != 1:
            data = [v for i in range(0, len(data), inner) for v in data[i:i + inner] * out[k]]
        inner *= out[k]
    return data


def arithmetic(xs: list[Tensor], a: dict[str, Any], p: Params, op: Callable[[float, float], float]) -> Tensor:
    """x op y op ..., left to right as torch evaluates `x * y * z`, broadcast; or x op other."""
    if a["other"] is not None:
        other = a["other"]
        return Tensor(xs[0].shape, [op(v, other) for v in xs[0].data])
    shapes = [batched_shape(x) for x in xs]
    rank = max(map(len, shapes))
    padded = [(1,) * (rank - len(s)) + s for s in shapes]
    out = tuple(max(sizes) for sizes in zip(*padded))
    data = expanded(xs[0].data, shapes[0], out)
    for x, shape in zip(xs[1:], shapes[1:]):
        data = list(map(op, data, expanded(x.data, shape, out)))
    batched = any(not isinstance(x.shape, Unbatched) for x in xs)
    return Tensor(out[1:] if batched else Unbatched(out), data)


def source(x: None, a: dict[str, Any], p: Params) -> Tensor:
    """A parameter's or buffer's values: the tensor itself, without a batch."""
    return Tensor(Unbatched(a["shape"]), p["value"].values())


def source_params(x: Shape | None, a: dict[str, Any]) -> dict[str, ParamDecl]:
    """One tensor of the stated shape, seeded on [-1, 1] like the network's input."""
    shape = tuple(a["shape"])
    return {"value": ParamDecl(shape, "x".join(f"d{i}" for i in range(len(shape))), -1.0, 1.0)}


def cat(xs: list[Tensor], a: dict[str, Any], p: Params) -> Tensor:
    """torch.cat along `dim`, which counts the batch dimension as 0."""
    rank = len(xs[0].shape) + 1
    return concat(xs, a["dim"] % rank - 1)


def stack(xs: list[Tensor], a: dict[str, Any], p: Params) -> Tensor:
    """torch.stack along `dim` (the output's, counting the batch as 0): each input with a size-1
    dim there, concatenated along it."""
    i = a["dim"] % (len(xs[0].shape) + 2) - 1
    return concat([Tensor((*x.shape[:i], 1, *x.shape[i:]), x.data) for x in xs], i)
