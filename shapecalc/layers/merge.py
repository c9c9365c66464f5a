"""Merge layers, which take several inputs (`inputs: [a, b]`): add and concat."""

from __future__ import annotations

from typing import Any

from .args import Arg, any_integer
from .base import Inference, LayerError, LayerKind, Shape, shape_str


def listing(xs: list[Shape], sources: list[str]) -> str:
    return ", ".join(f"{shape_str(x)} (from {name})" for x, name in zip(xs, sources))


class Add(LayerKind):
    """Elementwise sum, as in a residual connection: the shapes must be equal (no broadcasting,
    which would hide a wrong shortcut)."""

    type = "add"
    summary = "Elementwise sum of two or more inputs of equal shape (x + y)"
    merge = True
    args = ()

    def infer_many(self, xs: list[Shape], sources: list[str], a: dict[str, Any]) -> Inference:
        if len(xs) < 2:
            raise LayerError("G003", f"add needs at least two inputs, found {len(xs)}", "inputs")
        if any(x != xs[0] for x in xs):
            raise LayerError("F007", f"add needs equal shapes, found {listing(xs, sources)}", "inputs")
        return Inference(xs[0], 0, 0, [" + ".join(shape_str(x) for x in xs)])


class Concat(LayerKind):
    """torch.cat along `dim`; like torch's own `dim` arguments it counts the batch as 0, so the
    default 1 is the channels."""

    type = "concat"
    summary = "Concatenation along dim (torch.cat; dim 1, the channels, by default)"
    merge = True
    args = (Arg("dim", any_integer, 1, (), "dimension to join along, counting the batch as 0"),)

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
