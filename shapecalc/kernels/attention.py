"""Kernels of attention and matrix products: torch.nn.MultiheadAttention (batch_first),
torch.matmul and F.scaled_dot_product_attention, on per-sample tensors (a list of inputs each).

Every attention row is softmax(scale * q . k_j) over the key positions j, shifted by its maximum
as torch's softmax is (activations.normalised), then the weighted sum of the values. Leading
dimensions broadcast as in the elementwise merges (merge.expanded)."""

from __future__ import annotations

from math import prod, sqrt
from typing import Any

from ..layers.base import Unbatched
from .activations import normalised
from .dense import linear
from .merge import batched_shape, expanded
from .params import Given, ParamDecl, Params
from .tensor import ForwardError, Shape, Tensor, dot

Rows = list[list[float]]


def split(data: list[float], n: int) -> Rows:
    """A flat row-major list as rows of n values."""
    return [data[i:i + n] for i in range(0, len(data), n)]


def attend(q: Rows, k: Rows, v: Rows, scale: float, causal: bool) -> Rows:
    """softmax(scale * q k^T) v, one query row at a time; `causal` keeps key j <= i for query i
    (torch's top-left aligned mask: key 0 is always kept, so no row is empty)."""
    columns = [list(c) for c in zip(*v)]
    out = []
    for i, qi in enumerate(q):
        keys = k[:i + 1] if causal else k
        weights = normalised([scale * dot(qi, kj) for kj in keys])
        out.append([dot(weights, c) for c in columns])
    return out


def broadcast_lead(shapes: list[Shape]) -> Shape:
    """torch's broadcast of leading dimensions, right-aligned (the calculator checked they fit)."""
    rank = max(map(len, shapes), default=0)
    padded = [(1,) * (rank - len(s)) + tuple(s) for s in shapes]
    return tuple(max(sizes) for sizes in zip(*padded))


# --- matmul ---------------------------------------------------------------------------------------

def matmul(xs: list[Tensor], a: dict[str, Any], p: Params) -> Tensor:
    """torch.matmul: a 1-D first operand is a row (1, K), a 1-D second a column (K, 1), each
    removed from the result again; the dimensions before the last two broadcast. Per-sample
    operands carry the batch in front (batched_shape), which the result drops again."""
    first, second = xs
    fa, fb = batched_shape(first), batched_shape(second)
    a2 = (1, *fa) if len(fa) == 1 else fa
    b2 = (*fb, 1) if len(fb) == 1 else fb
    (n, k), (k2, m) = a2[-2:], b2[-2:]
    if k != k2:
        raise ForwardError(f"{k} columns against {k2} rows")
    lead = broadcast_lead([a2[:-2], b2[:-2]])
    left = split(expanded(first.data, a2, (*lead, n, k)), k)
    right = expanded(second.data, b2, (*lead, k, m))
    out: list[float] = []
    for t in range(prod(lead)):
        block = right[t * k * m:(t + 1) * k * m]
        columns = [block[c::m] for c in range(m)]
        out += [dot(row, c) for row in left[t * n:(t + 1) * n] for c in columns]
    full = (*lead, *((n,) if len(fa) > 1 else ()), *((m,) if len(fb) > 1 else ()))
    batched = any(not isinstance(x.shape, Unbatched) for x in xs)
    return Tensor(full[1:] if batched else Unbatched(full), out)


def matmul_work(x: Shape, y: Shape, a: dict[str, Any]) -> int:
    """One multiply-accumulate per output value and summed position (x: the first operand)."""
    return prod(y) * x[-1]


# --- scaled dot-product attention -----------------------------------------------------------------

def repeat_heads(t: Tensor, heads: int) -> Tensor:
    """Each head (dimension -3) repeated heads / H times in place: torch's repeat_interleave,
    which enable_gqa applies to the key and value."""
    *outer, h, s, e = t.shape
    block, r = s * e, heads // h
    data = [v for i in range(prod(outer) * h) for v in t.data[i * block:(i + 1) * block] * r]
    return Tensor((*outer, heads, s, e), data)


def sdpa(xs: list[Tensor], a: dict[str, Any], p: Params) -> Tensor:
    """softmax(q k^T * scale) v for every leading index, the leading dimensions broadcast; dropout
    is training only (see the layer kind)."""
    q, k, v = xs
    if a["enable_gqa"] and len(q.shape) > 2:
        k, v = (repeat_heads(t, q.shape[-3]) if len(t.shape) > 2 else t for t in (k, v))
    lead = broadcast_lead([t.shape[:-2] for t in (q, k, v)])
    (L, E), (S, Ev) = q.shape[-2:], v.shape[-2:]
    qs, ks, vs = (split(expanded(t.data, t.shape, (*lead, *t.shape[-2:])), t.shape[-1]) for t in (q, k, v))
    scale = a["scale"] if a["scale"] is not None else 1 / sqrt(E)
    out: list[float] = []
    for t in range(prod(lead)):
        for row in attend(qs[t * L:(t + 1) * L], ks[t * S:(t + 1) * S], vs[t * S:(t + 1) * S], scale, a["is_causal"]):
            out += row
    return Tensor((*lead, L, Ev), out)


def sdpa_work(x: Shape, y: Shape, a: dict[str, Any]) -> int:
    """QK^T and AV with the key as long as the query (x: the query; the estimate sees no other input)."""
    return prod(y[:-2]) * x[-2] * x[-2] * (x[-1] + y[-1])


# --- multi-head attention -------------------------------------------------------------------------

def project(x: Rows, weight: Rows, bias: list[float] | None) -> Rows:
    """x W^T + b for every row of x (dense.linear)."""
    p: Params = {"weight": Given((len(weight), len(weight[0])), [w for row in weight for w in row])}
    if bias is not None:
        p["bias"] = Given((len(bias),), bias)
    return split(linear(Tensor((len(x), len(x[0])), [v for row in x for v in row]), {}, p).data, len(weight))


def multihead_attention(xs: list[Tensor], a: dict[str, Any], p: Params) -> Tensor:
    """torch's multi_head_attention_forward at inference: q, k, v projected (one packed
    in_proj_weight, or q/k/v_proj_weight), bias_k and bias_v appended to the keys and values, then
    a zero key and value (add_zero_attn); each head's E / num_heads features attend with scale
    1/sqrt(E / num_heads); the heads side by side go through out_proj."""
    query, key, value = xs * 3 if len(xs) == 1 else xs
    E, h = query.shape[-1], a["num_heads"]
    d = E // h
    bias = p["in_proj_bias"].values() if "in_proj_bias" in p else None
    if "in_proj_weight" in p:
        w = list(p["in_proj_weight"].rows(0, 3 * E))
        weights = [w[:E], w[E:2 * E], w[2 * E:]]
    else:
        weights = [list(p[f"{n}_proj_weight"].rows(0, E)) for n in "qkv"]
    q, k, v = (project(split(x.data, x.shape[-1]), wi, None if bias is None else bias[i * E:(i + 1) * E])
               for i, (x, wi) in enumerate(zip((query, key, value), weights)))
    if "bias_k" in p:
        k, v = k + [p["bias_k"].values()], v + [p["bias_v"].values()]
    if a["add_zero_attn"]:
        k, v = k + [[0.0] * E], v + [[0.0] * E]
    heads = [attend([r[j:j + d] for r in q], [r[j:j + d] for r in k], [r[j:j + d] for r in v], 1 / sqrt(d), False)
             for j in range(0, E, d)]
    joined = [[x for head in parts for x in head] for parts in zip(*heads)]
    out_bias = p["out_proj.bias"].values() if "out_proj.bias" in p else None
    y = project(joined, list(p["out_proj.weight"].rows(0, E)), out_bias)
    return Tensor((len(y), E), [x for row in y for x in row])


def mha_params(x: Shape, a: dict[str, Any]) -> dict[str, ParamDecl]:
    """torch's parameters, in its state_dict's names and order (x: the query). Seeded values are
    uniform on +-1/sqrt(fan_in), biases included, so that every one of them shows in a comparison
    (torch starts the biases at 0)."""
    E = a["embed_dim"] or x[-1]
    kdim, vdim = a["kdim"] or E, a["vdim"] or E
    b = 1 / sqrt(E)
    decls = {}
    if kdim == vdim == E:
        decls["in_proj_weight"] = ParamDecl((3 * E, E), "3*embed_dim (q, k, v), embed_dim", -b, b)
    else:
        for name, dim, what in (("q", E, "embed_dim"), ("k", kdim, "kdim"), ("v", vdim, "vdim")):
            bound = 1 / sqrt(dim)
            decls[f"{name}_proj_weight"] = ParamDecl((E, dim), f"embed_dim, {what}", -bound, bound)
    if a["bias"]:
        decls["in_proj_bias"] = ParamDecl((3 * E,), "3*embed_dim (q, k, v)", -b, b)
    if a["add_bias_kv"]:
        decls["bias_k"] = ParamDecl((1, 1, E), "1, 1, embed_dim", -b, b)
        decls["bias_v"] = ParamDecl((1, 1, E), "1, 1, embed_dim", -b, b)
    decls["out_proj.weight"] = ParamDecl((E, E), "embed_dim, embed_dim", -b, b)
    if a["bias"]:
        decls["out_proj.bias"] = ParamDecl((E,), "embed_dim", -b, b)
    return decls


def mha_work(x: Shape, y: Shape, a: dict[str, Any]) -> int:
    """The four projections and both products, with the key as long as the query (x: the query;
    the estimate sees no other input)."""
    L, E = y
    return 4 * L * E * E + 2 * L * L * E
