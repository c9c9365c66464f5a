"""Attention within windows of tokens, as torchvision writes it: the Swin Transformer's shifted-window
attention and patch merging (torchvision/models/swin_transformer.py; Liu et al., "Swin Transformer:
Hierarchical Vision Transformer using Shifted Windows", ICCV 2021, and "Swin Transformer V2", CVPR
2022), and MaxViT's attention within its block and grid partitions (torchvision/models/maxvit.py;
Tu et al., "MaxViT: Multi-Axis Vision Transformer", ECCV 2022). Each attends with a learned bias
per head and relative position in the window, a table indexed by the buffer
relative_position_index.

Swin's tensors are channels last: a sample is (H, W, C), torchvision's (B, H, W, C) without the B,
which the patch embedding's Permute([0, 2, 3, 1]) makes. Both Swin kinds read the last dimension as
the features and the two before it as the grid.

- `shiftedwindowattention`: torchvision's ShiftedWindowAttention (`v2: true`:
  ShiftedWindowAttentionV2), one module. The grid is padded at the end to whole windows of
  `window_size`, rolled by -`shift_size` (no shift along a dimension the padded grid fits in one
  window), cut into windows of N = Wh*Ww tokens that attend among themselves with `num_heads`
  heads and a learned relative position bias (with a shift, tokens that were not neighbours
  before the roll are masked apart), then projected, rolled back and unpadded: output (H, W, C).
  V1's bias is a table of (2Wh-1)(2Ww-1) x num_heads parameters indexed by the buffer
  relative_position_index ((N^2) int64); V2's is 16*sigmoid of a two-layer MLP (2 -> 512 -> heads,
  cpb_mlp) on the buffer relative_coords_table (1, 2Wh-1, 2Ww-1, 2), and its attention is cosine
  similarity times exp(min(logit_scale, log 100)), a parameter per head; V2 zeroes the key's
  third of the qkv bias at every call (still parameters). Arguments: `num_heads`, `window_size`,
  `shift_size` (default 0), `qkv_bias`, `proj_bias` (default true), `attention_dropout`,
  `dropout` (training only), `v2`.
- `patchmerge`: torchvision's _patch_merging_pad, the first step of PatchMerging(V2): an odd H or
  W is padded by one, then each 2x2 patch's four vectors are concatenated, in the order (0, 0),
  (1, 0), (0, 1), (1, 1): (H, W, C) -> (ceil(H/2), ceil(W/2), 4C). PatchMerging's LayerNorm and
  Linear are ordinary layers after it.
- `relativepositionalmultiheadattention`: torchvision's RelativePositionalMultiHeadAttention, the
  attention of MaxViT's PartitionAttentionLayer: a sample (G, P, D) is G windows of P = s*s
  tokens (s: the partition size; P must be a square, torchvision's max_seq_len) of D features,
  attending within each window with D / `head_dim` heads: to_qkv (D -> 3D, bias), softmax(q
  (k / sqrt(D)) + bias) v (torchvision scales by the features, not the head size), merge (D -> D,
  bias); output (G, P, D). The bias table is (2s-1)^2 x heads, its index (P, P) int64.

What the counters see (measured on torchvision 0.29.1's modules, torch 2.14.1; tests/test_cost.py's
"swin" and "maxvit" cases check every convention against the tools, tests/oracle/test_import.py
the six torchvision Swins and maxvit_t against FlopCounterMode): FlopCounterMode counts the
projections and the two attention products (QK^T and AV: bmm, no fused kernel is called; MaxViT's
einsums become bmm), and in V2 the bias MLP, which runs once per forward whatever the batch
(counted here per input: exact at batch 1); fvcore the same, its einsum rounded (rpa_fvcore).
torchinfo counts only called leaf modules: Swin V1 nothing, V2 the MLP's Linears, MaxViT its two
Linears. ptflops sees only the calls it patches (swa_ptflops, rpa_ptflops).
"""

from __future__ import annotations

from functools import cached_property
from math import isqrt, log2, prod, sqrt
from typing import TYPE_CHECKING, Any

from .args import REQUIRED, Arg, boolean, integer, number, per_dim
from .base import Example, Inference, LayerError, LayerKind, Rearrange, Shape, expect_rank, fmt, keep, shape_str
from .cost import Costs, View
from .torchcode import EXPORTED, Helper, TorchCode, expression, module

if TYPE_CHECKING:
    from ..kernels.ops import Op
    from ..kernels.params import ParamDecl

#: The hidden size of V2's continuous position bias MLP (torchvision's cpb_mlp: 2 -> 512 -> heads).
CPB_HIDDEN = 512


#: Swin's layout: what both of its kinds take (base.expect_rank's wording).
GRID = "channels-last [H, W, C] (Swin's layout)"


# --- shifted-window attention ---------------------------------------------------------------------

def swa_dims(v: View) -> tuple[int, int, int, int]:
    """(padded positions P, tokens per window N, features C, bias table entries T)."""
    (h, w, c), (wh, ww) = v.x, v.a["window_size"]
    return -(-h // wh) * wh * -(-w // ww) * ww, wh * ww, c, (2 * wh - 1) * (2 * ww - 1)


def swa_cpb(v: View) -> int:
    """V2's bias MLP on its T table entries: 2 -> 512, then 512 -> heads (once per forward)."""
    *_, t = swa_dims(v)
    return t * CPB_HIDDEN * (2 + v.a["num_heads"]) if v.a["v2"] else 0


def swa_macs(v: View) -> int:
    """qkv (P*C*3C), QK^T and AV (P*N*C each, over all heads), the output projection (P*C*C),
    V2's bias MLP; biases left out. Every padded position is computed."""
    p, n, c, _ = swa_dims(v)
    return p * c * 3 * c + 2 * p * n * c + p * c * c + swa_cpb(v)


def swa_bias_adds(v: View) -> int:
    """The bias adds "macs" leaves out: qkv's and proj's per padded position, the MLP's hidden one."""
    p, _, c, t = swa_dims(v)
    return p * c * (3 * v.a["qkv_bias"] + v.a["proj_bias"]) + (t * CPB_HIDDEN if v.a["v2"] else 0)


def swa_torchinfo(v: View) -> int:
    """torchinfo counts called leaf modules only: V2's MLP Linears, by its rule for a leaf that is
    not a convolution (its parameters times the output's first dimension, 1 here); V1 has none."""
    return 3 * CPB_HIDDEN + CPB_HIDDEN * v.a["num_heads"] if v.a["v2"] else 0


def swa_ptflops(v: View) -> int:
    """What ptflops 0.7.5 counts, measured (tests/test_cost.py's "swin" case): of the function's
    calls only those it patches and sees, `Tensor.matmul` (V1's QK^T and both versions' AV, each
    its first operand's elements times the second's last size: P*N*C) and F.softmax (its input's
    elements: P*N per head), not the F.linear projections; V2's QK^T is written `@`, which it does
    not patch. V2's MLP by its module hooks: the first Linear with its bias per output (3 per
    hidden value), the ReLU twice (its hook and the F.relu it calls), the second Linear."""
    p, n, c, t = swa_dims(v)
    heads = v.a["num_heads"]
    attention = (1 if v.a["v2"] else 2) * p * n * c + p * n * heads
    return attention + (t * CPB_HIDDEN * (3 + 2 + heads) if v.a["v2"] else 0)


def swa_params(c: int, a: dict[str, Any]) -> tuple[int, list[str]]:
    """torchvision's parameters and their arithmetic."""
    (wh, ww), h = a["window_size"], a["num_heads"]
    t = (2 * wh - 1) * (2 * ww - 1)
    parts = [(3 * c * c + 3 * c * a["qkv_bias"], f"qkv {c}*{3 * c}" + (f" + {3 * c}" if a["qkv_bias"] else "")),
             (c * c + c * a["proj_bias"], f"proj {c}*{c}" + (f" + {c}" if a["proj_bias"] else ""))]
    if a["v2"]:
        parts += [(h, f"logit_scale {h}"),
                  (3 * CPB_HIDDEN + CPB_HIDDEN * h, f"cpb_mlp 2*{CPB_HIDDEN} + {CPB_HIDDEN} + {CPB_HIDDEN}*{h}")]
    else:
        parts.append((t * h, f"relative_position_bias_table {t}*{h}"))
    return sum(n for n, _ in parts), [text for _, text in parts]


def relative_index(wh: int, ww: int) -> tuple[int, ...]:
    """torchvision's relative_position_index, flattened: token i = (a, b) and j = (c, d) of a
    window read row (a - c + wh - 1) * (2ww - 1) + (b - d + ww - 1) of the bias table."""
    tokens = [(a, b) for a in range(wh) for b in range(ww)]
    return tuple((a - c + wh - 1) * (2 * ww - 1) + (b - d + ww - 1) for a, b in tokens for c, d in tokens)


def relative_coords(wh: int, ww: int) -> tuple[float, ...]:
    """V2's relative_coords_table, flattened: each offset (dh, dw) of the (2wh-1) x (2ww-1)
    grid scaled to +-8 by the window, then sign(v) * log2(|v| + 1) / 3 (torchvision computes it
    in float32, so a checkpoint's values differ from these in the 8th digit)."""
    def log_spaced(d: int, size: int) -> float:
        v = d / (size - 1) * 8
        return ((v > 0) - (v < 0)) * log2(abs(v) + 1.0) / 3.0

    return tuple(c for dh in range(1 - wh, wh) for dw in range(1 - ww, ww) for c in (log_spaced(dh, wh), log_spaced(dw, ww)))


def swa_decls(x: Shape, a: dict[str, Any]) -> dict[str, ParamDecl]:
    """The forward pass's parameters and buffers (kernels/windowed.py reads them), by torchvision's
    state_dict names; the buffers hold torchvision's formulas (ParamDecl.fixed). Seeded values:
    +-1/sqrt(fan_in) for the linears and their biases, V1's bias table on +-1, V2's logit_scale
    on 1..6, either side of the clamp at log 100."""
    from ..kernels.params import ParamDecl

    c, heads = x[-1], a["num_heads"]
    (wh, ww) = a["window_size"]
    b = 1 / sqrt(c)
    decls = {"qkv.weight": ParamDecl((3 * c, c), "3*features (q, k, v), features", -b, b)}
    if a["qkv_bias"]:
        decls["qkv.bias"] = ParamDecl((3 * c,), "3*features", -b, b)
    decls["proj.weight"] = ParamDecl((c, c), "features, features", -b, b)
    if a["proj_bias"]:
        decls["proj.bias"] = ParamDecl((c,), "features", -b, b)
    if a["v2"]:
        decls["logit_scale"] = ParamDecl((heads, 1, 1), "num_heads, 1, 1", 1.0, 6.0)
        first, second = 1 / sqrt(2), 1 / sqrt(CPB_HIDDEN)
        decls["cpb_mlp.0.weight"] = ParamDecl((CPB_HIDDEN, 2), f"{CPB_HIDDEN}, 2", -first, first)
        decls["cpb_mlp.0.bias"] = ParamDecl((CPB_HIDDEN,), f"{CPB_HIDDEN}", -first, first)
        decls["cpb_mlp.2.weight"] = ParamDecl((heads, CPB_HIDDEN), f"num_heads, {CPB_HIDDEN}", -second, second)
        decls["relative_coords_table"] = ParamDecl((1, 2 * wh - 1, 2 * ww - 1, 2), "1, 2wh-1, 2ww-1, 2", 0.0, 0.0,
                                                   fixed=relative_coords(wh, ww))
    else:
        table = (2 * wh - 1) * (2 * ww - 1)
        decls["relative_position_bias_table"] = ParamDecl((table, heads), "(2wh-1)(2ww-1), num_heads", -1.0, 1.0)
    decls["relative_position_index"] = ParamDecl((wh * ww * wh * ww,), "(wh*ww)^2", 0.0, 0.0,
                                                 fixed=relative_index(wh, ww))
    return decls


class WindowAttention(LayerKind):
    """Attention among the tokens of each window: weighted, every input saved for backward, no
    sliding window and no spatial grid shapecalc's receptive field reads (the features are last)."""

    family = "attention"
    saves_input = True
    counts_batches = False

    def windows(self, x: Shape, a: dict[str, Any]) -> None:
        return None

    def field(self, x: Shape, y: Shape, a: dict[str, Any]) -> None:
        return None

    def answer_macs(self, v: View, count: int) -> str:
        return f"{self.explain_macs(v, count)} MACs"


class ShiftedWindowAttention(WindowAttention):
    """torchvision's ShiftedWindowAttention and ShiftedWindowAttentionV2 (module docstring)."""

    type = "shiftedwindowattention"
    summary = "Swin's (shifted) window attention on a channels-last [H, W, C] grid (torchvision)"
    torch_classes = ("torchvision.models.swin_transformer.ShiftedWindowAttention",
                     "torchvision.models.swin_transformer.ShiftedWindowAttentionV2")
    args = (
        Arg("num_heads", integer(), REQUIRED, (), "number of heads; must divide the features"),
        Arg("window_size", per_dim(2), REQUIRED, (), "window height and width, in tokens"),
        Arg("shift_size", per_dim(2, 0), 0, (), "cyclic shift of the grid before the windows (0: none)"),
        Arg("qkv_bias", boolean, True, (), "bias of the query/key/value projection"),
        Arg("proj_bias", boolean, True, (), "bias of the output projection"),
        Arg("attention_dropout", number(0, 1), 0.0, (), "dropout on the attention weights (training only)"),
        Arg("dropout", number(0, 1), 0.0, (), "dropout on the output (training only)"),
        Arg("v2", boolean, False, (), "Swin V2: cosine attention, logit scale, position bias from an MLP"),
    )
    cost = Costs(
        macs=swa_macs,
        torchinfo=swa_torchinfo,
        fvcore=swa_macs,  # its linear, matmul and (V2) linear handles, biases left out
        ptflops=swa_ptflops,
        extra_flops=swa_bias_adds,
        torch=swa_macs,  # addmm/mm and the two bmm, the MLP's addmm/mm (module docstring)
    )

    def from_module(self, module: Any) -> dict[str, Any]:
        """The module's own attributes, and what its submodules say: the biases, V2's MLP."""
        out = super().from_module(module)
        for name, value in (("qkv_bias", module.qkv.bias is not None), ("proj_bias", module.proj.bias is not None),
                            ("v2", hasattr(module, "cpb_mlp"))):
            keep(out, self.arg(name), value)
        return out

    def torch(self, xs: list[Shape], a: dict[str, Any]) -> TorchCode:
        """torchvision's own module (the layer is its semantics), imported by the exported file;
        window_size and shift_size as lists, which it copies with list.copy()."""
        cls = "ShiftedWindowAttentionV2" if a["v2"] else "ShiftedWindowAttention"
        first = {"dim": xs[0][-1], "window_size": list(a["window_size"]), "shift_size": list(a["shift_size"])}
        load = Helper(cls, f"from torchvision.models.swin_transformer import {cls}")
        return module(self, cls, a, first, ("v2",), (load,))

    def example(self) -> Example:
        return Example((5, 6, 4), {"num_heads": 2, "window_size": 3, "shift_size": 1})

    @cached_property
    def forward(self) -> Op:
        from ..kernels.ops import Op
        from ..kernels.windowed import shifted_window_attention
        return Op(shifted_window_attention, swa_decls, lambda x, y, a: swa_macs(View(a, 0, x, y)))

    def explain_macs(self, v: View, count: int) -> str:
        if count != swa_macs(v):
            return f"{count:,}"
        p, n, c, _ = swa_dims(v)
        mlp = f" + bias MLP {swa_cpb(v):,}" if v.a["v2"] else ""
        return (f"qkv {p}*{c}*{3 * c} + QK^T {p}*{n}*{c} + AV {p}*{n}*{c} + proj {p}*{c}*{c}{mlp} = {count:,} "
                f"({p} padded positions, windows of {n})")

    def infer(self, x: Shape, a: dict[str, Any]) -> Inference:
        expect_rank(self, x, (3,), GRID)
        h, w, c = x
        heads, (wh, ww), shift = a["num_heads"], a["window_size"], a["shift_size"]
        if c % heads:
            raise LayerError("F010", f"{c} features are not divisible by num_heads {heads}", "num_heads")
        hp, wp = -(-h // wh) * wh, -(-w // ww) * ww
        if any(s >= k for s, k in zip(shift, (wh, ww))):
            raise LayerError("F006", f"shift_size {list(shift)} must be smaller than the window {wh}x{ww} "
                             "(the mask torchvision builds assumes it)", "shift_size")
        if a["v2"] and 1 in (wh, ww):
            raise LayerError("F006", "v2 needs a window of at least 2 in each dimension: torchvision divides its "
                             "relative coordinates by window_size - 1", "window_size")
        params, parts = swa_params(c, a)
        n = wh * ww
        buffers = n * n + ((2 * wh - 1) * (2 * ww - 1) * 2 if a["v2"] else 0)
        effective = [0 if k >= m else s for s, k, m in zip(shift, (wh, ww), (hp, wp))]
        formulas = [f"{h}x{w} padded to {hp}x{wp}: {hp // wh * (wp // ww)} windows of {wh}x{ww}, shift "
                    f"{effective[0]}x{effective[1]}, {heads} heads of {c // heads}",
                    " + ".join(parts) + f" = {fmt(params)} params",
                    f"relative_position_index {n}*{n}" + (f" + relative_coords_table {2 * wh - 1}*{2 * ww - 1}*2"
                                                          if a["v2"] else "") + f" = {fmt(buffers)} buffer elements"]
        return Inference(x, params, buffers, formulas)


# --- patch merging --------------------------------------------------------------------------------

PATCH_MERGE = Helper("patch_merge", '''
def patch_merge(x: torch.Tensor) -> torch.Tensor:
    """Swin's patch merging rearrangement on a channels-last (..., H, W, C) tensor: an odd H or W
    padded by one, then each 2x2 patch's four vectors concatenated, (0, 0), (1, 0), (0, 1), (1, 1)
    (torchvision's _patch_merging_pad)."""
    h, w = x.shape[-3], x.shape[-2]
    x = nn.functional.pad(x, (0, 0, 0, w % 2, 0, h % 2))
    return torch.cat([x[..., 0::2, 0::2, :], x[..., 1::2, 0::2, :], x[..., 0::2, 1::2, :], x[..., 1::2, 1::2, :]], -1)


torch.fx.wrap("patch_merge")  # torch.fx records it as one call: its padding depends on the sizes
''')


class PatchMerge(Rearrange):
    """torchvision's _patch_merging_pad (module docstring): values moved, none computed."""

    type = "patchmerge"
    summary = "Swin's 2x2 patch merging on a channels-last [H, W, C] grid: (ceil(H/2), ceil(W/2), 4C)"
    torch_functions = (f"{EXPORTED}.patch_merge", "torchvision.models.swin_transformer._patch_merging_pad")
    args = ()

    def field(self, x: Shape, y: Shape, a: dict[str, Any]) -> None:
        return None  # channels last: no grid shapecalc's receptive field reads

    def torch(self, xs: list[Shape], a: dict[str, Any]) -> TorchCode:
        return expression("patch_merge({x})", PATCH_MERGE)

    def example(self) -> Example:
        return Example((3, 4, 2))

    @cached_property
    def forward(self) -> Op:
        from ..kernels.ops import Op
        from ..kernels.windowed import patch_merge
        return Op(patch_merge)

    def infer(self, x: Shape, a: dict[str, Any]) -> Inference:
        expect_rank(self, x, (3,), GRID)
        h, w, c = x
        y = (-(-h // 2), -(-w // 2), 4 * c)
        return Inference(y, 0, 0, [f"{shape_str(x)} -> 2x2 patches of {c} -> {shape_str(y)}"])


# --- MaxViT's relative positional attention ----------------------------------------------------------

def rpa_dims(v: View) -> tuple[int, int, int]:
    """(windows G, tokens per window P, features D)."""
    g, p, d = v.x
    return g, p, d


def rpa_macs(v: View) -> int:
    """to_qkv (G*P*D*3D), QK^T and AV (G*P*P*D each, over all heads), merge (G*P*D*D); biases left out."""
    g, p, d = rpa_dims(v)
    return g * p * d * 4 * d + 2 * g * p * p * d


def rpa_fvcore(v: View) -> float:
    """fvcore's count, measured: the Linears without bias, and each einsum by its generic handle,
    numpy's einsum_path "Optimized FLOP count" (2 per multiply-add) halved, which numpy prints to
    four significant digits (`%.3e`), so fvcore's count is rounded so too (6,145 for 6,144)."""
    g, p, d = rpa_dims(v)
    return 4 * g * p * d * d + 2 * (float(f"{2 * g * p * p * d:.3e}") / 2)


def rpa_ptflops(v: View) -> int:
    """ptflops' count, measured: the Linears by their module hooks (the bias once per output
    value), F.softmax its input's elements (P*P per window and head); torch.einsum it does not
    patch."""
    g, p, d = rpa_dims(v)
    return 4 * g * p * d * (d + 1) + g * (d // v.a["head_dim"]) * p * p


class RelativePositionalMultiHeadAttention(WindowAttention):
    """torchvision's MaxViT attention (module docstring)."""

    type = "relativepositionalmultiheadattention"
    summary = "MaxViT's attention within windows, with a relative position bias (torchvision)"
    torch_classes = ("torchvision.models.maxvit.RelativePositionalMultiHeadAttention",)
    args = (Arg("head_dim", integer(), REQUIRED, (), "features per head; must divide the features"),)
    cost = Costs(
        macs=rpa_macs,
        torchinfo=lambda v: v.params - rpa_table(v.x, v.a["head_dim"]),  # its two Linears, their parameters once
        fvcore=rpa_fvcore,
        ptflops=rpa_ptflops,
        extra_flops=lambda v: 4 * prod(v.x),  # to_qkv's and merge's bias adds
        torch=rpa_macs,  # addmm for the Linears, bmm for both einsums
    )

    def torch(self, xs: list[Shape], a: dict[str, Any]) -> TorchCode:
        """torchvision's own module, imported by the exported file."""
        g, p, d = xs[0]
        load = Helper("RelativePositionalMultiHeadAttention",
                      "from torchvision.models.maxvit import RelativePositionalMultiHeadAttention")
        return module(self, "RelativePositionalMultiHeadAttention", a, {"feat_dim": d, "head_dim": a["head_dim"],
                                                                           "max_seq_len": p}, (), (load,))

    def example(self) -> Example:
        return Example((2, 4, 6), {"head_dim": 3})

    @cached_property
    def forward(self) -> Op:
        from ..kernels.ops import Op
        from ..kernels.windowed import relative_positional_attention
        return Op(relative_positional_attention, rpa_decls, lambda x, y, a: rpa_macs(View(a, 0, x, y)))

    def explain_macs(self, v: View, count: int) -> str:
        if count != rpa_macs(v):
            return f"{count:,}"
        g, p, d = rpa_dims(v)
        return f"to_qkv {g}*{p}*{d}*{3 * d} + QK^T and AV 2*{g}*{p}*{p}*{d} + merge {g}*{p}*{d}*{d} = {count:,}"

    def infer(self, x: Shape, a: dict[str, Any]) -> Inference:
        expect_rank(self, x, (3,), "[windows, tokens, features] (MaxViT's partitions)")
        g, p, d = x
        if d % a["head_dim"]:
            raise LayerError("F010", f"head_dim {a['head_dim']} does not divide the {d} features", "head_dim")
        s = isqrt(p)
        if s * s != p:
            raise LayerError("F003", f"{p} tokens per window are not a square s*s partition", "inputs")
        heads, table = d // a["head_dim"], rpa_table(x, a["head_dim"])
        params = 4 * d * d + 4 * d + table
        formulas = [f"{g} windows of {s}x{s} tokens, {heads} heads of {a['head_dim']}",
                    f"to_qkv {d}*{3 * d} + {3 * d} + merge {d}*{d} + {d} + relative_position_bias_table "
                    f"{(2 * s - 1) ** 2}*{heads} = {fmt(params)} params",
                    f"relative_position_index {p}*{p} = {fmt(p * p)} buffer elements"]
        return Inference(x, params, p * p, formulas)


def rpa_table(x: Shape, head_dim: int) -> int:
    """The bias table's parameters: (2s-1)^2 offsets times the heads."""
    s = isqrt(x[1])
    return (2 * s - 1) ** 2 * (x[2] // head_dim)


def rpa_decls(x: Shape, a: dict[str, Any]) -> dict[str, ParamDecl]:
    """The forward pass's parameters and buffer, by torchvision's names (seeded as swa_decls)."""
    from ..kernels.params import ParamDecl

    _, p, d = x
    s, heads, b = isqrt(p), d // a["head_dim"], 1 / sqrt(d)
    return {"to_qkv.weight": ParamDecl((3 * d, d), "3*features (q, k, v), features", -b, b),
            "to_qkv.bias": ParamDecl((3 * d,), "3*features", -b, b),
            "merge.weight": ParamDecl((d, d), "features, features", -b, b),
            "merge.bias": ParamDecl((d,), "features", -b, b),
            "relative_position_bias_table": ParamDecl(((2 * s - 1) ** 2, heads), "(2s-1)^2, heads", -1.0, 1.0),
            "relative_position_index": ParamDecl((p, p), "tokens, tokens", 0.0, 0.0, fixed=relative_index(s, s))}
