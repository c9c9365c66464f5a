"""The bridge's windowed attention: torchvision's own ShiftedWindowAttention(V2) module and its
_patch_merging_pad, and MaxViT's RelativePositionalMultiHeadAttention: the code shapecalc's kinds
(shapecalc/layers/windowed.py) describe."""

from __future__ import annotations

import torch
from torchvision.models import maxvit, swin_transformer as swin

from .torch_bridge import FUNCTIONS, MODULES


def window_attention(layer, shapes) -> torch.nn.Module:
    a = layer.args
    cls = swin.ShiftedWindowAttentionV2 if a["v2"] else swin.ShiftedWindowAttention
    return cls(shapes[0][-1], list(a["window_size"]), list(a["shift_size"]), a["num_heads"], qkv_bias=a["qkv_bias"],
               proj_bias=a["proj_bias"], attention_dropout=a["attention_dropout"], dropout=a["dropout"])


MODULES["shiftedwindowattention"] = window_attention
FUNCTIONS["patchmerge"] = lambda layer, xs: swin._patch_merging_pad(*xs)
MODULES["relativepositionalmultiheadattention"] = lambda layer, shapes: maxvit.RelativePositionalMultiHeadAttention(
    shapes[0][-1], layer.args["head_dim"], shapes[0][-2])
