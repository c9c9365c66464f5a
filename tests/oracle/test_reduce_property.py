"""Random reductions (mean, sum, amax, amin, norm), F.normalize and LayerNorm2d against torch.

Shapes and verdicts: for any drawn `dim` (negative, repeated, out of range, the batch), when
torch computes an output shapecalc gives its shape, and when torch raises shapecalc reports F003
with no shape. Three verdicts differ on purpose, each tested below: the batch dimension (torch
reduces it, mixing the samples of a batch), every dimension at once without keepdim (torch gives
a value per sample with no dimension, which no layer after it could take) and an empty list
(torch reads it as every dimension, the batch included). Values: every drawn layer shapecalc
accepts runs both ways on the same input and weights and agrees to 1e-9.
"""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch", reason="torch is not installed: pip install -e '.[oracle]' to run the oracle tests")
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from shapecalc.analysis.check import check_text  # noqa: E402
from shapecalc.spec import parse  # noqa: E402

from .test_forward_property import assert_matches_torch  # noqa: E402
from .torch_bridge import apply, call, counts, make  # noqa: E402

REDUCTIONS = ("mean", "sum", "amax", "amin", "norm")
ORDERS = st.sampled_from([2, 1, 3, 0.5, 0, -1, -2.5, ".inf", "-.inf"])


@st.composite
def reductions(draw, valid_only: bool = False):
    """A layer and its input; with valid_only, dims are distinct, in range and not the batch."""
    shape = draw(st.lists(st.integers(1, 5), min_size=1, max_size=4))
    rank = len(shape) + 1
    type_ = draw(st.sampled_from([*REDUCTIONS, "normalize", "layernorm2d"]))
    if valid_only:
        axis = st.integers(1, rank - 1).flatmap(lambda d: st.sampled_from([d, d - rank]))
    else:
        axis = st.integers(-rank - 1, rank)
    args: dict = {}
    if type_ == "layernorm2d":
        if valid_only:
            shape = shape + [draw(st.integers(1, 4))] * (3 - len(shape)) if len(shape) < 3 else shape[:3]
        args.update(elementwise_affine=draw(st.booleans()), bias=draw(st.booleans()),
                    eps=draw(st.sampled_from([1e-5, 1e-6, 0.1])))
    elif type_ == "normalize":
        args.update(dim=draw(axis), p=draw(ORDERS), eps=draw(st.sampled_from([1e-12, 0.5])))
    else:
        if valid_only:
            dims = draw(st.lists(st.integers(1, rank - 1), min_size=1, max_size=rank - 1, unique=True))
            dims = [draw(st.sampled_from([d, d - rank])) for d in dims]
            if len(dims) == len(shape):
                args["keepdim"] = True
        else:
            dims = draw(st.lists(axis, min_size=1, max_size=3))
        args["dim"] = dims[0] if len(dims) == 1 and draw(st.booleans()) else dims
        args.setdefault("keepdim", draw(st.booleans()))
        if type_ == "norm":
            args["p"] = draw(ORDERS)
    text = ", ".join(f"{key}: {str(value).lower() if isinstance(value, bool) else value}"
                     for key, value in args.items())
    return f"input: {shape}\nlayers:\n  - {type_}: {{{text}}}\n", shape, args


def batch_or_everything(shape: list[int], args: dict) -> bool:
    """The drawn dims include the batch, or reduce every dimension without keepdim (see the
    module docstring): torch computes these, shapecalc refuses them."""
    if "dim" not in args:
        return False
    rank = len(shape) + 1
    dims = args["dim"] if isinstance(args["dim"], list) else [args["dim"]]
    named = {d % rank for d in dims if -rank <= d < rank}
    return 0 in named or (not args.get("keepdim", True) and named == set(range(1, rank)))


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(reductions())
def test_random_reductions_shapes_and_verdicts_match_torch(drawn):
    text, shape, args = drawn
    spec, diagnostics = parse(text)
    assert diagnostics == [], text
    analysis = check_text(text)
    result = analysis.layers[0]
    try:
        module, y = apply(spec.layers[0], [torch.zeros((1, *shape))])  # the meta device skips vector_norm's dim check
    except (RuntimeError, IndexError, ValueError, AssertionError):
        assert result.output_shape is None, text
        assert [d.code for d in analysis.diagnostics if d.severity == "error"] == ["F003"], text
        return
    if batch_or_everything(shape, args):
        assert result.output_shape is None and [d.code for d in analysis.diagnostics] == ["F003"], text
        return
    assert result.output_shape == tuple(y.shape[1:]), text
    assert (result.params, result.trainable_params, result.buffers) == counts(module), text


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(reductions(valid_only=True))
def test_random_reductions_compute_what_torch_computes(drawn):
    assert_matches_torch(drawn[0])


@pytest.mark.parametrize("layer", ["mean: {dim: 0}", "sum: {dim: [0, 1], keepdim: true}", "normalize: {dim: -4}",
                                   "amax: {dim: [1, 2, 3]}", "norm: {dim: [-1, -2, -3]}"])
def test_what_mixes_samples_or_leaves_no_dimension_is_an_error_though_torch_allows_it(layer):
    text = f"input: [3, 4, 5]\nlayers:\n  - {layer}\n"
    spec, _ = parse(text)
    apply(spec.layers[0], [torch.zeros((1, 3, 4, 5))])  # torch computes it
    analysis = check_text(text)
    assert [d.code for d in analysis.diagnostics] == ["F003"] and analysis.layers[0].output_shape is None


def test_an_empty_dim_list_is_refused_though_torch_reduces_everything():
    assert torch.zeros((1, 3, 4)).mean([]).shape == ()
    _, diagnostics = parse("input: [3, 4]\nlayers:\n  - mean: {dim: []}\n")
    assert [d.code for d in diagnostics] == ["S010"]


def test_a_declared_channel_count_is_checked():
    analysis = check_text("input: [3, 4, 5]\nlayers:\n  - layernorm2d: {num_channels: 4}\n")
    assert [d.code for d in analysis.diagnostics] == ["F004"]
    assert analysis.layers[0].output_shape == (3, 4, 5) and analysis.layers[0].params == 6


def test_receptive_fields_by_brute_force():
    """Perturb one input pixel at a time (+1e4, positive weights) and check which outputs move
    against the reported fields (tests/test_receptive.py's check_against): a dimension reduced with
    keepdim is one window over all of it, the others pass unchanged, and the channel-only
    reductions, normalize over the channels and layernorm2d are pointwise."""
    import itertools

    from ..test_receptive import check_against

    a = check_text("input: [2, 7, 6]\nlayers:\n"
                   "  - conv2d: {out_channels: 3, kernel_size: 3, padding: 1}\n"
                   "  - layernorm2d\n"
                   "  - mean: {dim: 2, keepdim: true}\n"
                   "  - conv2d: {out_channels: 2, kernel_size: [1, 3], padding: [0, 1]}\n"
                   "  - sum: {inputs: conv2d_1, dim: 1, keepdim: true}\n"
                   "  - normalize: {inputs: conv2d_1}\n"
                   "  - norm: {inputs: conv2d_1, dim: [1, 3], keepdim: true}\n"
                   "  - amax: {inputs: conv2d_1, dim: -1, keepdim: true}\n"
                   "  - mean: {inputs: conv2d_1, dim: [2, 3], keepdim: true}\n")
    positions = list(itertools.product(range(7), range(6)))
    base = torch.rand((1, 2, 7, 6), generator=torch.Generator().manual_seed(0), dtype=torch.float64) * 0.5 + 0.5
    batch = base.repeat(len(positions) + 1, 1, 1, 1)
    for b, (i, j) in enumerate(positions, 1):
        batch[b, :, i, j] += 1e4
    values, deps = {"input": batch}, []
    with torch.no_grad():
        for r in a.layers:
            xs = [values[n] for n in r.spec.inputs]
            module = make(r.spec, xs)
            if module is not None:
                module = module.double()
                for p in module.parameters():
                    p.copy_(torch.rand(p.shape, dtype=torch.float64) * 0.5 + 0.5)
            y = call(r.spec, module, xs)
            values[r.spec.name] = y
            moved = (y[1:] - y[:1]).abs().amax(dim=1) > 1e-6 * (1 + y[:1].abs().amax(dim=1))
            changed = moved.reshape(len(positions), -1)  # (input position, output position)
            found = {}
            for k, o in enumerate(itertools.product(*(range(n) for n in y.shape[2:]))):
                hit = [positions[b] for b in range(len(positions)) if changed[b, k]]
                found[o] = ([min(h[0] for h in hit), min(h[1] for h in hit)],
                            [max(h[0] for h in hit), max(h[1] for h in hit)]) if hit else None
            deps.append(found)
    assert all(r.receptive_field is not None for r in a.layers)
    assert check_against(a, deps) == []
