"""Attention and matrix products: torch.nn.MultiheadAttention, torch.matmul and
torch.nn.functional.scaled_dot_product_attention, each a merge of its operands (`inputs`).

Shapes are per sample, as everywhere in shapecalc: a sequence of L tokens of E features is (L, E),
torch's batch-first (N, L, E) without the N. Every output position sees every input position,
so none of them has a receptive field.

What the tools count differs more here than anywhere, because torch runs attention through fused
kernels most counters do not know (measured on torch 2.14, CPU, the tools' versions in
layers/cost.py):
- FlopCounterMode has no formula for aten._scaled_dot_product_flash_attention_for_cpu, the fused
  kernel the CPU runs when q, k and v are 4-D with one head size and k and v have one head count
  (MultiheadAttention always, since its heads all have E / num_heads features); the other shapes
  go through the math fallback, two bmm it does count. So under "torch" a ViT's attention costs
  its four projections only, QK^T and AV left out, which is what torchvision's published GFLOPS
  count.
- Under no_grad (fvcore traces so), MultiheadAttention on one tensor (self-attention) with biases,
  an even head count and neither add_bias_kv nor add_zero_attn takes torch's fused
  _native_multi_head_attention, which fvcore has no handle for: 0. Otherwise its linear calls
  count, the projections without bias, and the attention products, scaled_dot_product_attention
  in torch's code, count 0 as they do for `scaledotproductattention`.
- ptflops counts MultiheadAttention by its own formula (below) and matmul by the shape of its
  first operand, whatever the broadcast; it does not patch scaled_dot_product_attention.
- torchinfo counts a leaf module's parameters; MultiheadAttention is not a leaf (it holds
  out_proj, a Linear it never calls as a module), so its total leaves it out: 0.
"""

from __future__ import annotations

from functools import cached_property
from math import prod
from typing import TYPE_CHECKING, Any

from .args import REQUIRED, Arg, boolean, integer, number, optional
from .base import Example, Inference, LayerError, LayerKind, Shape, Unbatched, check_declared, fmt, keep, shape_str
from .cost import ZERO, Costs, View
from .field import Field
from .merge import broadcast, listing
from .torchcode import TorchCode, args_list, module

if TYPE_CHECKING:
    from ..kernels.ops import Op


class Attention(LayerKind):
    """A merge whose every output position reads every position of its inputs: no windows, no
    receptive field, and its inputs saved for backward (the products' gradients need them)."""

    family = "attention"
    merge = True
    saves_input = True
    counts_batches = False

    def windows(self, x: Shape, a: dict[str, Any]) -> None:
        return None

    def merge_field(self, fields: list[Field], xs: list[Shape], y: Shape,
                    a: dict[str, Any]) -> tuple[Field | None, list[int]]:
        return None, []


def need_rank(kind: LayerKind, x: Shape, name: str, role: str, layout: str, exact: bool) -> None:
    """F003 unless operand `role` (from `name`) has the rank the kind needs (exactly 2, or >= 2)."""
    if len(x) < 2 or (exact and len(x) != 2):
        raise LayerError("F003", f"{kind.type} needs a {layout} {role} (per sample), found {len(x)}-D "
                         f"{shape_str(x)} (from {name})", "inputs")


def leading(parts: list[Shape], sources: list[str], what: str) -> Shape:
    """The broadcast of the operands' leading dimensions (all but the last two; layers/merge.py's
    broadcast). Batched operands must have as many: otherwise one's batch would meet another's
    per-sample dimension, and torch would pair every sample with every other."""
    if len({len(x) for x in parts if not isinstance(x, Unbatched)}) > 1:
        raise LayerError("F007", f"{what} have different numbers of dimensions before the last two, so one's batch "
                         "would be broadcast against another's sample dimension", "inputs")
    return broadcast(parts, sources, what)


# --- multi-head attention -------------------------------------------------------------------------

def mha_dims(v: View) -> tuple[int, int, int, int, int]:
    """(L, S, E, kdim, vdim) of a MultiheadAttention: query (L, E), key (S, kdim), value (S, vdim);
    one input is all three."""
    q, k, val = (v.xs * 3)[:3] if len(v.xs) == 1 else v.xs
    return q[0], k[0], v.a["embed_dim"] or q[-1], k[-1], val[-1]


def mha_projections(v: View) -> int:
    """The q, k, v and output projections' multiply-accumulates, biases left out."""
    L, S, E, kdim, vdim = mha_dims(v)
    return L * E * E + S * kdim * E + S * vdim * E + L * E * E


def mha_macs(v: View) -> int:
    """The projections, plus QK^T and AV: L x S' x E each, over all heads, where S' counts the key
    positions add_bias_kv and add_zero_attn append (one each)."""
    L, S, E, _, _ = mha_dims(v)
    keys = S + v.a["add_bias_kv"] + v.a["add_zero_attn"]
    return mha_projections(v) + 2 * L * keys * E


def mha_bias_adds(v: View) -> int:
    """The bias adds of the four projections."""
    L, S, E, _, _ = mha_dims(v)
    return 2 * (L + S) * E if v.a["bias"] else 0


def mha_fused(v: View) -> bool:
    """Whether torch runs _native_multi_head_attention under no_grad (MultiheadAttention.forward's
    fast path): one input tensor as query, key and value, biases, q, k and v of one size, an even
    head count, no add_bias_kv or add_zero_attn (batch_first is always true here)."""
    a = v.a
    _, _, E, kdim, vdim = mha_dims(v)
    return (len(v.xs) == 1 and a["bias"] and kdim == vdim == E and a["num_heads"] % 2 == 0
            and not a["add_bias_kv"] and not a["add_zero_attn"])


def mha_ptflops(v: View) -> int:
    """ptflops' multihead_attention_counter_hook, as it is written: the query scaling, projections
    taken as L*E^2 + S*kdim^2 + S*vdim^2 (the key's and value's own sizes squared), the in-projection
    bias, per head QK^T, softmax and AV with E // num_heads and vdim // num_heads features, and
    the output projection as L*vdim*(vdim + 1). add_bias_kv and add_zero_attn change nothing."""
    L, S, E, kdim, vdim = mha_dims(v)
    h = v.a["num_heads"]
    flops = L * E + L * E * E + S * kdim * kdim + S * vdim * vdim
    if v.a["bias"]:
        flops += (L + 2 * S) * E
    flops += h * (L * S * (E // h) + L * S + L * S * (vdim // h))
    return flops + L * vdim * (vdim + 1)


class MultiheadAttention(Attention):
    """torch.nn.MultiheadAttention, called as torchvision's ViT calls it:
    `x, _ = self.self_attention(x, x, x, need_weights=False)`. One input is self-attention (query,
    key and value the same tensor); three are query (L, E), key (S, kdim), value (S, vdim). The
    output is attn_output, (L, E); the attention weights, torch's second output, are not one here
    (need_weights does not change the first). torch's default layout (L, N, E), batch second,
    cannot be written as a per-sample shape, so `batch_first: true` is required. Dropout acts on
    the attention weights in training only: no effect on shapes or at inference."""

    type = "multiheadattention"
    summary = "Multi-head attention (torch.nn.MultiheadAttention, batch_first): one input or query, key, value"
    torch_output = 0
    args = (
        Arg("num_heads", integer(), REQUIRED, (), "number of heads; must divide embed_dim"),
        Arg("embed_dim", optional(integer()), None, (), "checked against the query's last dimension"),
        Arg("dropout", number(0, 1), 0.0, (), "dropout on the attention weights (training only)"),
        Arg("bias", boolean, True, (), "biases of the input and output projections"),
        Arg("add_bias_kv", boolean, False, (), "a learned key and value appended to the sequence"),
        Arg("add_zero_attn", boolean, False, (), "a zero key and value appended to the sequence"),
        Arg("kdim", optional(integer()), None, (), "features of the key (default embed_dim)"),
        Arg("vdim", optional(integer()), None, (), "features of the value (default embed_dim)"),
        Arg("batch_first", boolean, False, (), "must be true: shapes here have the batch first"),
    )
    cost = Costs(
        macs=mha_macs,
        torchinfo=ZERO,  # not a leaf module: torchinfo's total leaves it out (module docstring)
        fvcore=lambda v: 0 if mha_fused(v) else mha_projections(v),
        ptflops=mha_ptflops,
        extra_flops=mha_bias_adds,
        torch=mha_projections,  # QK^T and AV run in the CPU's fused sdpa kernel, uncounted
    )

    def explain_macs(self, v: View, count: int) -> str:
        if count != mha_macs(v):
            return f"{count:,}"
        L, S, E, _, _ = mha_dims(v)
        keys = S + v.a["add_bias_kv"] + v.a["add_zero_attn"]
        return (f"projections {mha_projections(v):,} + QK^T {L}*{keys}*{E} + AV {L}*{keys}*{E} = {count:,} "
                f"(QK^T and AV are what torch's FlopCounterMode leaves out)")

    def from_module(self, module: Any) -> dict[str, Any]:
        """torch keeps the biases as in_proj_bias and bias_k, and kdim/vdim as embed_dim when not given."""
        a = {"num_heads": module.num_heads, "dropout": module.dropout, "bias": module.in_proj_bias is not None,
             "add_bias_kv": module.bias_k is not None, "add_zero_attn": module.add_zero_attn,
             "batch_first": module.batch_first}
        if not module._qkv_same_embed_dim:
            a.update(kdim=module.kdim, vdim=module.vdim)
        out: dict[str, Any] = {}
        for name, value in a.items():
            keep(out, self.arg(name), value)
        return out

    def torch(self, xs: list[Shape], a: dict[str, Any]) -> TorchCode:
        """nn.MultiheadAttention called as torchvision's ViT calls it: attn_output only."""
        code = module(self, "MultiheadAttention", a, {"embed_dim": xs[0][-1], "num_heads": a["num_heads"]}, ("embed_dim",))
        inputs = "{x}, {x}, {x}" if len(xs) == 1 else "{xs}"
        return TorchCode(code.make, code.kwargs, f"{{m}}({inputs}, need_weights=False)[0]", defaults=code.defaults)

    def example(self) -> Example:
        return Example((5, 8), {"num_heads": 2, "batch_first": True})

    @cached_property
    def forward(self) -> Op:
        from ..kernels.attention import mha_params, mha_work, multihead_attention
        from ..kernels.ops import Op
        return Op(multihead_attention, mha_params, mha_work)

    def infer_many(self, xs: list[Shape], sources: list[str], a: dict[str, Any]) -> Inference:
        if len(xs) not in (1, 3):
            raise LayerError("G003", f"multiheadattention takes one input (self-attention) or three (query, key, "
                             f"value), found {len(xs)}", "inputs")
        if not a["batch_first"]:
            raise LayerError("F010", "batch_first: false is torch's (L, N, E) layout, with the batch second, which "
                             "a per-sample shape cannot write: write batch_first: true (shapes here are (L, E), "
                             "as in torchvision's ViT)", "batch_first")
        operands = list(zip((xs * 3)[:3] if len(xs) == 1 else xs, (sources * 3)[:3] if len(xs) == 1 else sources,
                            ("query", "key", "value")))
        for x, name, role in operands:
            need_rank(self, x, name, role, "(sequence, features)", True)
        (q, _, _), (k, k_name, _), (val, v_name, _) = operands
        problems = check_declared("embed_dim", a["embed_dim"], q[-1])
        E, h = a["embed_dim"] or q[-1], a["num_heads"]
        if E % h:
            raise LayerError("F010", f"embed_dim {E} is not divisible by num_heads {h} (torch asserts)", "num_heads")
        kdim, vdim = a["kdim"] or E, a["vdim"] or E
        for x, name, role, dim, arg in ((k, k_name, "key", kdim, "kdim"), (val, v_name, "value", vdim, "vdim")):
            if x[-1] != dim:
                raise LayerError("F004", f"the {role} has {x[-1]} features (from {name}) but {arg} is {dim}"
                                 f"{'' if a[arg] else ' (embed_dim, its default)'}", arg if a[arg] else "inputs")
        if k[0] != val[0]:
            raise LayerError("F007", f"key and value need the same length, found {shape_str(k)} (from {k_name}) "
                             f"and {shape_str(val)} (from {v_name})", "inputs")
        same = kdim == vdim == E  # torch's _qkv_same_embed_dim: one packed in_proj_weight
        bias = a["bias"]
        in_proj = 3 * E * E if same else E * (E + kdim + vdim)
        parts = [f"{'in_proj_weight 3*' if same else 'q/k/v_proj_weight '}{E}*"
                 f"{E if same else f'({E}+{kdim}+{vdim})'}"]
        if bias:
            parts.append(f"in_proj_bias 3*{E}")
        if a["add_bias_kv"]:
            parts.append(f"bias_k, bias_v 2*{E}")
        parts.append(f"out_proj {E}*{E}" + (f" + {E}" if bias else ""))
        params = in_proj + 3 * E * bias + 2 * E * a["add_bias_kv"] + E * E + E * bias
        formulas = [f"{shape_str(q)} -> {shape_str(q[:-1] + (E,))}, {h} heads of {E // h}",
                    " + ".join(parts) + f" = {fmt(params)} params"]
        return Inference((q[0], E), params, 0, formulas, problems)


# --- matmul ---------------------------------------------------------------------------------------

def inner(v: View) -> int:
    """The dimension matmul sums over: the first operand's last."""
    return v.xs[0][-1]


def first_times_last(v: View) -> int:
    """fvcore's and ptflops' matmul rule: the first operand's elements (batch 1 included) times
    the second's last size, whatever the broadcast."""
    return prod(v.xs[0]) * v.xs[1][-1]


def rank(x: Shape) -> int:
    """The operand's rank as torch sees it: the batch in front of a per-sample shape."""
    return len(x) + (not isinstance(x, Unbatched))


def matmul_torch(v: View) -> int:
    """FlopCounterMode's count of torch.matmul: bmm and mm are counted, but a 1-D second operand,
    or a 1-D first against a batch of matrices, is folded into aten.mv, which it has no formula
    for (measured on contiguous operands: torch folds only when that keeps the gradient cheap)."""
    (x, y) = v.xs
    if rank(y) == 1 or (rank(x) == 1 and rank(y) >= 3):
        return 0
    return v.n_out * inner(v)


class Matmul(Attention):
    """torch.matmul of two inputs (`a @ b`), with its broadcasting: a 1-D operand is a vector
    (only a tensor without a batch, a `parameter`, can be one), a 2-D one a matrix, and the
    dimensions before the last two broadcast. A per-sample operand is (N, *x) to torch, so the
    batch must be a dimension the product keeps: a per-sample vector (K,) is a matrix whose rows
    are the samples, which only a matrix or vector without a batch may multiply; anything else
    would mix samples (or contract over them), which shapecalc refuses."""

    type = "matmul"
    summary = "Matrix product of two inputs with broadcasting (torch.matmul, a @ b)"
    args = ()
    torch_functions = ("operator.matmul", "torch.matmul", "Tensor.matmul")
    takes_unbatched = True
    cost = Costs(
        macs=lambda v: v.n_out * inner(v),
        torchinfo=ZERO,  # no module
        fvcore=first_times_last,
        ptflops=first_times_last,
        extra_flops=ZERO,
        torch=matmul_torch,
    )

    def torch(self, xs: list[Shape], a: dict[str, Any]) -> TorchCode:
        return TorchCode(None, call="torch.matmul({x0}, {x1})")

    def example(self) -> Example:
        return Example((2, 3, 3), inputs=2)

    @cached_property
    def forward(self) -> Op:
        from ..kernels.attention import matmul, matmul_work
        from ..kernels.ops import Op
        return Op(matmul, None, matmul_work)

    def infer_many(self, xs: list[Shape], sources: list[str], a: dict[str, Any]) -> Inference:
        if len(xs) != 2:
            raise LayerError("G003", f"matmul takes two inputs, found {len(xs)}", "inputs")
        (x, y), both = xs, listing(xs, sources)
        full = [rank(s) for s in xs]
        if not isinstance(y, Unbatched) and full[1] == 2:
            raise LayerError("F007", f"matmul of {both}: the second operand is (N, {y[0]}) to torch, a matrix whose "
                             "rows are the samples: the product would sum over the batch", "inputs")
        if not isinstance(x, Unbatched) and full[0] == 2 and (not isinstance(y, Unbatched) or full[1] > 2):
            raise LayerError("F007", f"matmul of {both}: the first operand is (N, {x[0]}) to torch, a matrix whose "
                             "rows are the samples: only a matrix or vector without a batch may multiply it", "inputs")
        k = x[-1]
        k2 = y[0] if len(y) == 1 else y[-2]
        if k != k2:
            raise LayerError("F007", f"matmul of {both}: the first operand's last dimension ({k}) must equal the "
                             f"second's {'only' if len(y) == 1 else 'second-to-last'} ({k2})", "inputs")
        rows = x[-2:-1] if full[0] > 2 or isinstance(x, Unbatched) else ()
        cols = y[-1:] if len(y) > 1 else ()
        lead = leading([type(s)(s[:-2]) for s in xs], sources, f"matmul's operands {both}")
        out = (*lead, *rows, *cols)
        if not out:
            raise LayerError("F003", f"matmul of {both} gives one number per sample; shapes here need a dimension "
                             "(multiply by a matrix, or flatten the result of a (K, 1) one)", "inputs")
        y_out = Unbatched(out) if isinstance(lead, Unbatched) else tuple(out)  # Unbatched: no input has a batch
        return Inference(y_out, 0, 0, [f"{shape_str(x)} @ {shape_str(y)} -> {shape_str(y_out)}, sum over {k}"])


# --- scaled dot-product attention -----------------------------------------------------------------

def sdpa_dims(v: View) -> tuple[int, int, int, int, int]:
    """(leading positions, L, S, E, Ev) of query (..., L, E), key (..., S, E), value (..., S, Ev)."""
    q, k, val = v.xs
    return prod(v.y[:-2]), q[-2], k[-2], q[-1], val[-1]


def sdpa_macs(v: View) -> int:
    """QK^T and AV: L*S*E + L*S*Ev per leading index (the causal mask's zeros included)."""
    n, L, S, E, Ev = sdpa_dims(v)
    return n * L * S * (E + Ev)


def sdpa_flash(v: View) -> bool:
    """Whether the CPU runs its fused flash kernel (sdp_utils_cpp, measured): q, k, v batched 3-D
    or 4-D, one head size for all three, and in 4-D key and value with one head count that
    divides the query's. Otherwise the math fallback runs (two bmm, or mm for 2-D)."""
    q, k, val = v.xs
    if len({len(x) for x in v.xs}) != 1 or len(q) not in (2, 3) or not q[-1] == k[-1] == val[-1]:
        return False
    return len(q) == 2 or (k[0] == val[0] and q[0] % k[0] == 0)


class ScaledDotProductAttention(Attention):
    """torch.nn.functional.scaled_dot_product_attention(query, key, value): softmax(q k^T * scale) v,
    scale 1/sqrt(E) unless given, with the leading dimensions broadcast. is_causal masks the key
    positions after each query's (torch's top-left aligned tril). enable_gqa lets the key and
    value have fewer heads (dimension -3) than the query, a divisor of its count, each repeated.
    dropout_p drops attention weights whenever it is nonzero (the function has no eval mode):
    models pass it only in training (timm: `dropout_p=self.attn_drop.p if self.training else 0.`),
    and shapecalc computes inference, so it changes nothing here."""

    type = "scaleddotproductattention"
    summary = "softmax(q k^T / sqrt(E)) v of query, key, value (F.scaled_dot_product_attention)"
    # a C builtin: fx records it under the C module's name
    torch_functions = ("torch._C._nn.scaled_dot_product_attention",)
    args = (
        Arg("dropout_p", number(0, 1), 0.0, (), "attention dropout in training (no effect on shapes)"),
        Arg("is_causal", boolean, False, (), "mask the keys after each query position"),
        Arg("scale", optional(number()), None, (), "the factor of q k^T (default 1/sqrt(E))"),
        Arg("enable_gqa", boolean, False, (), "grouped-query attention: key and value heads divide the query's"),
    )
    cost = Costs(
        macs=sdpa_macs,
        torchinfo=ZERO,  # no module
        fvcore=ZERO,  # no handle for aten::scaled_dot_product_attention
        ptflops=ZERO,  # not patched
        extra_flops=ZERO,
        torch=lambda v: 0 if sdpa_flash(v) else sdpa_macs(v),  # flash for CPU has no formula; math is two bmm
    )

    def torch(self, xs: list[Shape], a: dict[str, Any]) -> TorchCode:
        """timm's call: dropout only while training."""
        named = {k: a[k] for k in ("is_causal", "scale", "enable_gqa") if a[k] != self.arg(k).default}
        drop = f", dropout_p={a['dropout_p']!r} if self.training else 0.0" if a["dropout_p"] else ""
        more = f", {args_list(**named)}" if named else ""
        return TorchCode(None, call=f"nn.functional.scaled_dot_product_attention({{xs}}{more}{drop})")

    def example(self) -> Example:
        return Example((2, 4, 3), inputs=3)

    @cached_property
    def forward(self) -> Op:
        from ..kernels.attention import sdpa, sdpa_work
        from ..kernels.ops import Op
        return Op(sdpa, None, sdpa_work)

    def infer_many(self, xs: list[Shape], sources: list[str], a: dict[str, Any]) -> Inference:
        if len(xs) != 3:
            raise LayerError("G003", f"scaleddotproductattention takes three inputs (query, key, value), found "
                             f"{len(xs)}", "inputs")
        for x, name, role in zip(xs, sources, ("query", "key", "value")):
            need_rank(self, x, name, role, "(..., sequence, features)", False)
        (q, k, val), every = xs, listing(xs, sources)
        if k[-1] != q[-1]:
            raise LayerError("F007", f"query and key need the same features, found {every}", "inputs")
        if k[-2] != val[-2]:
            raise LayerError("F007", f"key and value need the same length, found {every}", "inputs")
        lead = [x[:-2] for x in xs]
        if a["enable_gqa"] and len(q) > 2:
            for i in (1, 2):
                if len(lead[i]) and q[-3] % xs[i][-3]:
                    raise LayerError("F007", f"with enable_gqa the key's and value's heads (dimension -3) must divide "
                                     f"the query's, found {every}", "inputs")
                if len(lead[i]):
                    lead[i] = (*lead[i][:-1], q[-3])
        out = leading(lead, sources, f"scaleddotproductattention's operands {every}")
        formula = f"softmax({q[-2]}x{q[-1]} @ {q[-1]}x{k[-2]}) @ {val[-2]}x{val[-1]}"
        return Inference((*out, q[-2], val[-1]), 0, 0, [formula + (f" for each of {shape_str(out)}" if out else "")])
