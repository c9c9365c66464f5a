"""The bridge's shape layers, written as models write them: tensor methods on the batched tensor
(`x.permute(0, 2, 3, 1)`, `x.transpose(1, 2)`, `x.reshape(B, N, C)` with B = x.shape[0] as in
timm's attention, `torch.roll(x, shifts, dims)` as in Swin), indexing for slices and positions
(`x[:, 0]`, ViT's class token), and `class_token.expand(n, -1, -1)` for a learned tensor."""

from __future__ import annotations

import torch
from torch import nn

from shapecalc.spec import LayerSpec

from .torch_bridge import BATCH, FUNCTIONS


def index(x: torch.Tensor, dim: int, at: slice | int) -> torch.Tensor:
    """`at` in batched dim `dim` as models index: x[:, :, at], or x[..., at, :] from the end (a
    dim out of range is too many indices: torch's IndexError)."""
    if dim < 0:
        return x[(Ellipsis, at) + (slice(None),) * (-dim - 1)]
    return x[(slice(None),) * dim + (at,)]


def expand(layer: LayerSpec, xs: list[torch.Tensor]) -> torch.Tensor:
    """A learned tensor (a parameter: it has no batch) as ViT expands its class token,
    `class_token.expand(n, -1, -1)`, to the bridge's batch n (BATCH); a batched tensor of rank
    len(size) + 1 keeps its batch the same way; one of lower rank gets its new dims inserted
    after the batch first."""
    (x,) = xs
    size = layer.args["size"]
    if isinstance(x, nn.Parameter) or x.dim() == len(size) + 1:
        return x.expand(BATCH.get(), *size)
    new = len(size) - (x.dim() - 1)
    return x[(slice(None),) + (None,) * new].expand(-1, *size)


def squeeze(layer: LayerSpec, xs: list[torch.Tensor]) -> torch.Tensor:
    """x.squeeze(dim); with dim null, the size-1 dims after the batch (x.squeeze() would take the
    bridge's batch of 1 too)."""
    (x,) = xs
    dim = layer.args["dim"]
    if dim is None:
        dim = tuple(d for d in range(1, x.dim()) if x.shape[d] == 1)
    return x.squeeze(dim)


FUNCTIONS.update({
    "permute": lambda layer, xs: xs[0].permute(*layer.args["dims"]),
    "transpose": lambda layer, xs: xs[0].transpose(layer.args["dim0"], layer.args["dim1"]),
    "reshape": lambda layer, xs: xs[0].reshape(xs[0].shape[0], *layer.args["shape"]),
    "view": lambda layer, xs: xs[0].view(xs[0].shape[0], *layer.args["shape"]),
    "expand": expand,
    "squeeze": squeeze,
    "unsqueeze": lambda layer, xs: xs[0].unsqueeze(layer.args["dim"]),
    "slice": lambda layer, xs: index(xs[0], layer.args["dim"],
                                     slice(layer.args["start"], layer.args["end"], layer.args["step"])),
    "select": lambda layer, xs: index(xs[0], layer.args["dim"], layer.args["index"]),
    "roll": lambda layer, xs: torch.roll(xs[0], layer.args["shifts"], layer.args["dims"]),
})
