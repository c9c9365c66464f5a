"""Random matmul, scaled dot-product attention and multi-head attention against torch.

Verdicts: a per-sample operation is one that gives (N, *y) for every batch size N, y the same
each time; shapecalc accepts drawn operand shapes (per-sample ones, and Unbatched ones: a
`parameter`) exactly when torch gives such an output for N = 2 and N = 3, with shapecalc's y.
Where torch computes something else it mixes the samples of a batch (a per-sample vector is a
matrix whose rows are the samples) or raises; shapecalc refuses both. Attention operands are
drawn 2-D or more: a per-sample (E,) is (N, E) to torch, whose sequence is the batch. One refusal is on purpose:
a per-sample scalar (y = (), a dot product), which no layer after it could take. Values: drawn
layers run both ways on the same input and weights and agree to 1e-9.
"""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch", reason="torch is not installed: pip install -e '.[oracle]' to run the oracle tests")
import torch.nn.functional as F  # noqa: E402
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from shapecalc.layers import KINDS, LayerError, Unbatched  # noqa: E402

from .test_forward_property import assert_matches_torch  # noqa: E402

SIZES = st.integers(1, 3)


@st.composite
def operand(draw, unbatched: bool | None = None):
    """A per-sample shape, or (a parameter's) an Unbatched one."""
    shape = tuple(draw(st.lists(SIZES, min_size=1, max_size=4)))
    flat = draw(st.booleans()) if unbatched is None else unbatched
    return Unbatched(shape) if flat else shape


def torch_verdict(f, xs) -> tuple[int, ...] | None:
    """y if f gives (N, *y) for N = 2 and 3 (() without a batched operand: y itself), else None."""
    outs = []
    for n in (2, 3):
        tensors = [torch.zeros(x if isinstance(x, Unbatched) else (n, *x)) for x in xs]
        try:
            out = tuple(f(*tensors).shape)
        except RuntimeError:
            return None
        if all(isinstance(x, Unbatched) for x in xs):
            return out
        if not out or out[0] != n:
            return None
        outs.append(out[1:])
    return outs[0] if outs[0] == outs[1] else None


def ours(type_: str, xs, args) -> tuple[int, ...] | None:
    kind = KINDS[type_]
    try:
        return tuple(kind.infer_many(list(xs), [f"x{i}" for i in range(len(xs))], args).output_shape)
    except LayerError:
        return None


@settings(max_examples=400, deadline=None)
@given(operand(), operand())
def test_matmul_verdicts_match_torch(a, b):
    theirs = torch_verdict(torch.matmul, [a, b])
    if theirs == ():
        theirs = None  # a per-sample scalar: refused on purpose
    assert ours("matmul", [a, b], {}) == theirs


@st.composite
def attention_operands(draw):
    lead = draw(st.lists(SIZES, min_size=0, max_size=2))
    L, S, E, Ev = (draw(st.integers(1, 4)) for _ in range(4))
    shapes = [[*lead, L, E], [*lead, S, E], [*lead, S, Ev]]
    for shape in shapes:  # a mismatch now and then, and broadcasting leading sizes
        if draw(st.integers(0, 4)) == 0:
            i = draw(st.integers(0, len(shape) - 1))
            shape[i] = draw(st.sampled_from([1, 2, 4]))
        if shape is not shapes[0] and len(shape) > 2 and draw(st.integers(0, 6)) == 0:
            del shape[0]
    args = {"dropout_p": 0.0, "is_causal": draw(st.booleans()), "scale": None, "enable_gqa": draw(st.booleans())}
    return [tuple(s) for s in shapes], args


@settings(max_examples=400, deadline=None)
@given(attention_operands())
def test_sdpa_verdicts_match_torch(drawn):
    """torch's math fallback (Ev != E forces it) checks every size; its CPU flash kernel does not
    compare the key's and value's lengths, and shapecalc refuses those as the fallback does."""
    xs, args = drawn

    def sdpa(q, k, v):
        kwargs = {"is_causal": args["is_causal"], "enable_gqa": args["enable_gqa"]}
        math = torch.nn.attention.SDPBackend.MATH
        with torch.nn.attention.sdpa_kernel(math):
            return F.scaled_dot_product_attention(q, k, v, **kwargs)

    assert ours("scaleddotproductattention", xs, args) == torch_verdict(sdpa, xs)


def spec(input_shape, layers: str) -> str:
    return f"input: {list(input_shape)}\nlayers:\n{layers}"


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(1, 3), st.integers(1, 4), st.integers(1, 4), st.integers(1, 3), st.booleans())
def test_random_matmul_matches_torch(heads, n, k, m, first):
    w = f"[{m}, {k}, {n}]" if first else f"[{k}, {m}]"
    inputs = "[w, input]" if first else "[input, w]"
    assert_matches_torch(spec([heads, n, k] if not first else [n], f"  - parameter: {{name: w, shape: {w}}}\n"
                              f"  - matmul: {{inputs: {inputs}}}\n"))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(1, 3), st.integers(1, 5), st.integers(1, 4), st.booleans(), st.sampled_from([None, 0.3]),
       st.integers(1, 2))
def test_random_sdpa_matches_torch(h, L, E, causal, scale, groups):
    scale_arg = "null" if scale is None else scale
    text = spec([h * groups, L, E], f"  - chunk: {{name: c, chunks: {groups}, dim: 1}}\n  - tanh: {{name: v, inputs: \"c[0]\"}}\n"
                f"  - scaleddotproductattention: {{inputs: [input, \"c[0]\", v], is_causal: {str(causal).lower()}, "
                f"scale: {scale_arg}, enable_gqa: true}}\n")
    assert_matches_torch(text)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(1, 5), st.sampled_from([(1, 2), (2, 4), (3, 6), (2, 2)]), st.booleans(), st.booleans(),
       st.booleans(), st.booleans())
def test_random_multihead_attention_matches_torch(L, heads_dim, bias, bias_kv, zero_attn, cross):
    h, E = heads_dim
    flags = f"bias: {str(bias).lower()}, add_bias_kv: {str(bias_kv).lower()}, add_zero_attn: {str(zero_attn).lower()}"
    if cross:  # a key and value of other sizes and length
        layers = ("  - concat: {name: kv, inputs: [input, input], dim: 1}\n  - linear: {name: k, inputs: kv, out_features: 3}\n"
                  "  - tanh: {name: v, inputs: kv}\n"
                  f"  - multiheadattention: {{inputs: [input, k, v], num_heads: {h}, kdim: 3, vdim: {E}, {flags}, batch_first: true}}\n")
    else:
        layers = f"  - multiheadattention: {{num_heads: {h}, {flags}, batch_first: true}}\n"
    assert_matches_torch(spec([L, E], layers))


def test_batch_second_is_refused_with_the_fix():
    from shapecalc.analysis.check import check_text

    a = check_text(spec([5, 8], "  - multiheadattention: {num_heads: 2}\n"))
    (d,) = [d for d in a.diagnostics if d.severity == "error"]
    assert d.code == "F010" and "batch_first: true" in d.message


def test_vit_b_16_attention_counts_what_torchvision_counts():
    """torchvision's ViT-B/16 encoder block's self_attention, called as ViT calls it, under
    FlopCounterMode (eval, autograd on): the torch convention's count, projections only."""
    torchvision = pytest.importorskip("torchvision")
    from torch.utils.flop_counter import FlopCounterMode

    from shapecalc.analysis.check import check_text
    from shapecalc.analysis.cost import layer_cost

    attention = torchvision.models.vit_b_16().encoder.layers[0].self_attention.eval()
    x = torch.zeros(1, 197, 768)
    counter = FlopCounterMode(display=False)
    with counter:
        attention(x, x, x, need_weights=False)
    a = check_text(spec([197, 768], "  - multiheadattention: {num_heads: 12, batch_first: true}\n"))
    assert layer_cost(a.layers[0], "torch").macs == counter.get_total_flops() // 2 == 4 * 197 * 768 * 768
    assert layer_cost(a.layers[0], "macs").macs == 4 * 197 * 768 * 768 + 2 * 197 * 197 * 768
    assert a.layers[0].params == sum(p.numel() for p in attention.parameters())
