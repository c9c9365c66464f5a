"""Linear layers, and flatten and unflatten, which usually come next to them."""

from __future__ import annotations

from math import prod, sqrt
from typing import Any

from .params import ParamDecl, Params
from .tensor import Shape, Tensor, dot


def linear(x: Tensor, a: dict[str, Any], p: Params, part: range | None = None) -> Tensor:
    """The output features in `part` (all by default) of y = W v + b, for every vector v along the
    last dimension (as torch applies Linear). Each weight row is fetched once and met by every v,
    so seeded weights are made one row at a time and never all held."""
    n = x.shape[-1]
    vectors = [x.data[i:i + n] for i in range(0, len(x.data), n)]
    weight = p["weight"]
    features = range(weight.shape[0]) if part is None else part
    bias = p["bias"].values()[features.start:features.stop] if "bias" in p else [0.0] * len(features)
    columns = [[b + dot(w, v) for v in vectors] for w, b in zip(weight.rows(features.start, features.stop), bias)]
    return Tensor((*x.shape[:-1], len(features)), [y for row in zip(*columns) for y in row])


def linear_params(x: Shape, a: dict[str, Any]) -> dict[str, ParamDecl]:
    bound = 1 / sqrt(x[-1])
    decls = {"weight": ParamDecl((a["out_features"], x[-1]), "out_features, in_features", -bound, bound)}
    if a["bias"]:
        decls["bias"] = ParamDecl((a["out_features"],), "out_features", -bound, bound)
    return decls


def linear_macs(x: Shape, y: Shape, a: dict[str, Any]) -> int:
    return prod(y) * x[-1]


def flatten(x: Tensor, a: dict[str, Any], p: Params) -> Tensor:
    """Merge dimensions start_dim..end_dim; the dims count torch's batch dimension as 0. The values
    stay where they are: row-major order is the flattened order."""
    rank = len(x.shape) + 1
    start, end = (v % rank - 1 for v in (a["start_dim"], a["end_dim"]))
    return Tensor((*x.shape[:start], prod(x.shape[start:end + 1]), *x.shape[end + 1:]), x.data)


def unflatten(x: Tensor, a: dict[str, Any], p: Params) -> Tensor:
    """Split dimension `dim` (counting the batch as 0) into `unflattened_size`, a -1 in it what
    the others leave; values stay put."""
    axis = a["dim"] % (len(x.shape) + 1) - 1
    sizes = a["unflattened_size"]
    known = prod(s for s in sizes if s != -1)
    sizes = tuple(x.shape[axis] // known if s == -1 else s for s in sizes)
    return Tensor((*x.shape[:axis], *sizes, *x.shape[axis + 1:]), x.data)
