"""The bridge's attention layers: nn.MultiheadAttention called as torchvision's ViT calls it,
torch.matmul, and F.scaled_dot_product_attention as timm's Attention calls it."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from .torch_bridge import FUNCTIONS, MODULES


class SelfAttention(nn.Module):
    """torchvision's EncoderBlock around its nn.MultiheadAttention:
    `x, _ = self.self_attention(x, x, x, need_weights=False)` (one input: the same tensor three
    times, which the fused fast path requires), or query, key, value. `wrapped` is the module
    whose parameters shapecalc's layout names (in_proj_weight, out_proj.weight, ...)."""

    def __init__(self, **kwargs) -> None:
        super().__init__()
        self.self_attention = nn.MultiheadAttention(**kwargs)

    @property
    def wrapped(self) -> nn.Module:
        return self.self_attention

    def forward(self, *xs: torch.Tensor) -> torch.Tensor:
        q, k, v = xs * 3 if len(xs) == 1 else xs
        x, _ = self.self_attention(q, k, v, need_weights=False)
        return x


def attention(layer, shapes) -> SelfAttention:
    kwargs = dict(layer.args)
    kwargs["embed_dim"] = kwargs["embed_dim"] or shapes[0][-1]
    return SelfAttention(**kwargs)


def sdpa(layer, xs):
    """timm's Attention: dropout_p only in training (`self.attn_drop.p if self.training else 0.`)."""
    a = layer.args
    return F.scaled_dot_product_attention(*xs, dropout_p=0.0, is_causal=a["is_causal"], scale=a["scale"],
                                          enable_gqa=a["enable_gqa"])


MODULES["multiheadattention"] = attention
FUNCTIONS["matmul"] = lambda layer, xs: torch.matmul(*xs)
FUNCTIONS["scaleddotproductattention"] = sdpa
