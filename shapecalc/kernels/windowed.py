"""Kernels of the Swin Transformer's layers (layers/windowed.py), on one channels-last (H, W, C) sample,
step for step as torchvision's shifted_window_attention and _patch_merging_pad compute them
(torchvision/models/swin_transformer.py): pad, roll, windows, attention with the relative
position bias (and the shift's mask), projection, windows back, roll back, unpad."""

from __future__ import annotations

from math import exp, log, sqrt
from typing import Any, Callable

from .activations import normalised
from .attention import Rows, project, split
from .params import Params
from .tensor import Tensor, dot

Grid = list[list[list[float]]]


def padded_grid(x: Tensor, hp: int, wp: int) -> Grid:
    """x as rows of vectors, zero-padded at the end to hp x wp (F.pad(x, (0, 0, 0, pad_r, 0, pad_b)))."""
    h, w, c = x.shape
    zero = [0.0] * c
    return [[x.data[(i * w + j) * c:(i * w + j + 1) * c] if i < h and j < w else zero for j in range(wp)]
            for i in range(hp)]


def region_labels(n: int, window: int, shift: int) -> list[int]:
    """Which of the three slices torchvision's mask loop gives each of n positions along one
    dimension: ((0, -window), (-window, -shift), (-shift, None)) with Python's slicing, later
    slices overwriting earlier ones (so a shift of 0 labels every position 2, as torch does)."""
    labels = [0] * n
    for label, (start, stop) in enumerate(((0, -window), (-window, -shift), (-shift, None))):
        for i in range(n)[start:stop]:
            labels[i] = label
    return labels


def bias_table(a: dict[str, Any], p: Params) -> list[list[float]]:
    """The table of (2wh-1)(2ww-1) rows of one bias per head: V1's parameter; V2's
    16*sigmoid(cpb_mlp(relative_coords_table)) (the MLP: Linear, ReLU, Linear without bias)."""
    if not a["v2"]:
        table = p["relative_position_bias_table"]
        return list(table.rows(0, table.shape[0]))
    coords = split(p["relative_coords_table"].values(), 2)
    first, second = p["cpb_mlp.0.weight"], p["cpb_mlp.2.weight"]
    hidden = [[max(0.0, v) for v in row]
              for row in project(coords, list(first.rows(0, first.shape[0])), p["cpb_mlp.0.bias"].values())]
    return [[16 / (1 + exp(-v)) for v in row] for row in project(hidden, list(second.rows(0, second.shape[0])), None)]


def unit(v: list[float]) -> list[float]:
    """F.normalize(v, dim=-1): v / max(||v||, 1e-12)."""
    n = max(sqrt(dot(v, v)), 1e-12)
    return [x / n for x in v]


def attend_heads(qkv: Rows, heads: int, logits: Callable[[int, Rows, Rows], Rows]) -> Rows:
    """Each token's heads side by side: per head (its slice of the packed q, k, v features),
    softmax over the keys of `logits(head, q, k)`, the layer's scores with its bias, times v."""
    c = len(qkv[0]) // 3
    d = c // heads
    joined: Rows = [[] for _ in qkv]
    for head in range(heads):
        q, k, v = ([r[part * c + head * d:part * c + (head + 1) * d] for r in qkv] for part in range(3))
        columns = list(zip(*v))
        for t, row in enumerate(logits(head, q, k)):
            weights = normalised(row)
            joined[t] += [dot(weights, column) for column in columns]
    return joined


def shifted_window_attention(x: Tensor, a: dict[str, Any], p: Params) -> Tensor:
    """torchvision's shifted_window_attention at inference (dropout off)."""
    h, w, c = x.shape
    (wh, ww), (sh, sw), heads = a["window_size"], a["shift_size"], a["num_heads"]
    d = c // heads
    hp, wp = -(-h // wh) * wh, -(-w // ww) * ww
    sh, sw = (0 if wh >= hp else sh), (0 if ww >= wp else sw)
    grid = padded_grid(x, hp, wp)
    rolled = [[grid[(i + sh) % hp][(j + sw) % wp] for j in range(wp)] for i in range(hp)]
    shifted = sh + sw > 0
    rows, cols = region_labels(hp, wh, sh), region_labels(wp, ww, sw)
    table = bias_table(a, p)
    index = split([int(i) for i in p["relative_position_index"].values()], wh * ww)  # token i, token j -> row
    qkv_bias = p["qkv.bias"].values() if "qkv.bias" in p else None
    if a["v2"] and qkv_bias is not None:
        qkv_bias = qkv_bias[:c] + [0.0] * c + qkv_bias[2 * c:]  # V2 zeroes the key's bias at every call
    qkv_weight = list(p["qkv.weight"].rows(0, 3 * c))
    proj_weight, proj_bias = list(p["proj.weight"].rows(0, c)), p["proj.bias"].values() if "proj.bias" in p else None
    scales = ([exp(min(s, log(100.0))) for s in p["logit_scale"].values()] if a["v2"]
              else [d ** -0.5] * heads)
    out = [[None] * wp for _ in range(hp)]
    for top in range(0, hp, wh):
        for left in range(0, wp, ww):
            cells = [(top + i, left + j) for i in range(wh) for j in range(ww)]
            qkv = project([rolled[i][j] for i, j in cells], qkv_weight, qkv_bias)
            labels = [rows[i] * 3 + cols[j] for i, j in cells]

            def logits(head: int, q: Rows, k: Rows) -> Rows:
                if a["v2"]:
                    q, k = [unit(r) for r in q], [unit(r) for r in k]
                return [[scales[head] * dot(qt, ks) + table[index[t][s]][head]
                         - (100.0 if shifted and labels[t] != labels[s] else 0.0) for s, ks in enumerate(k)]
                        for t, qt in enumerate(q)]

            joined = attend_heads(qkv, heads, logits)
            for (i, j), y in zip(cells, project(joined, proj_weight, proj_bias)):
                out[i][j] = y
    data = [value for i in range(h) for j in range(w) for value in out[(i - sh) % hp][(j - sw) % wp]]
    return Tensor(x.shape, data)


def patch_merge(x: Tensor, a: dict[str, Any], p: Params) -> Tensor:
    """_patch_merging_pad: odd sizes padded by one, then the 2x2 patch's vectors (0, 0), (1, 0),
    (0, 1), (1, 1) side by side."""
    h, w, c = x.shape
    hp, wp = h + h % 2, w + w % 2
    grid = padded_grid(x, hp, wp)
    data = [value for i in range(0, hp, 2) for j in range(0, wp, 2)
            for di, dj in ((0, 0), (1, 0), (0, 1), (1, 1)) for value in grid[i + di][j + dj]]
    return Tensor((hp // 2, wp // 2, 4 * c), data)


def relative_positional_attention(x: Tensor, a: dict[str, Any], p: Params) -> Tensor:
    """torchvision's RelativePositionalMultiHeadAttention: per window, to_qkv, q against
    k / sqrt(D) (the features, not the head size) plus the bias, softmax, times v, the heads
    side by side through merge."""
    g, n, c = x.shape
    table = p["relative_position_bias_table"]
    biases = list(table.rows(0, table.shape[0]))
    index = split([int(i) for i in p["relative_position_index"].values()], n)
    qkv_weight, merge_weight = list(p["to_qkv.weight"].rows(0, 3 * c)), list(p["merge.weight"].rows(0, c))
    scale = c ** -0.5

    def logits(head: int, q: Rows, k: Rows) -> Rows:
        k = [[scale * e for e in r] for r in k]  # torchvision scales the keys
        return [[dot(qt, ks) + biases[index[t][s]][head] for s, ks in enumerate(k)] for t, qt in enumerate(q)]

    data: list[float] = []
    for window in split(x.data, n * c):
        joined = attend_heads(project(split(window, c), qkv_weight, p["to_qkv.bias"].values()), c // a["head_dim"], logits)
        data += [value for row in project(joined, merge_weight, p["merge.bias"].values()) for value in row]
    return Tensor(x.shape, data)
