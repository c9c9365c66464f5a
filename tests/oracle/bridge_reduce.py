"""The bridge's reductions, F.normalize and LayerNorm2d, written as real models write them:
tensor methods (`x.mean((2, 3), keepdim=True)` in timm's SqueezeExcite, `x.norm(p=2, dim=(1, 2),
keepdim=True)` in ConvNeXt V2's GRN), F.normalize, and torchvision's convnext.LayerNorm2d module
itself, so that each tool counts what it counts on those models."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn
from torchvision.models.convnext import LayerNorm2d

from shapecalc.spec import LayerSpec

from .torch_bridge import FUNCTIONS, MODULES


def reduction(layer: LayerSpec, xs: list[torch.Tensor]) -> torch.Tensor:
    (x,) = xs
    a = layer.args
    if layer.type == "norm":
        return x.norm(a["p"], a["dim"], a["keepdim"])
    return getattr(x, layer.type)(a["dim"], keepdim=a["keepdim"])


def normalize(layer: LayerSpec, xs: list[torch.Tensor]) -> torch.Tensor:
    a = layer.args
    return F.normalize(xs[0], a["p"], a["dim"], a["eps"])


def layernorm2d(layer: LayerSpec, shapes: list[tuple[int, ...]]) -> nn.Module:
    a = layer.args
    return LayerNorm2d(shapes[0][0], eps=a["eps"], elementwise_affine=a["elementwise_affine"], bias=a["bias"])


FUNCTIONS.update((name, reduction) for name in ("mean", "sum", "amax", "amin", "norm"))
FUNCTIONS["normalize"] = normalize
MODULES["layernorm2d"] = layernorm2d
