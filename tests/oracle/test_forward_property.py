"""Random sliding-window and upsampling layers against torch: the corners a hand-picked table can
miss (a window overhanging in ceil_mode, padding that equals half the kernel, groups with one
channel each; a source position that lands on a pixel boundary, a scale that rounds to the same
size, an output small or large enough to switch torch's 2-D nearest kernel).

Each drawn layer the calculator accepts is run both ways on the same input and weights and must
agree to 1e-9; layers the calculator refuses are skipped (tests/oracle/test_shapes.py checks those
verdicts against torch).
"""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch", reason="torch is not installed: pip install -e '.[oracle]' to run the oracle tests")
from hypothesis import HealthCheck, assume, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from shapecalc.analysis.check import check_text  # noqa: E402
from shapecalc.analysis.forward import blockers, execute, prepare  # noqa: E402

from .test_forward import assert_same, torch_outputs  # noqa: E402


@st.composite
def window_layers(draw):
    ndim = draw(st.integers(1, 3))
    kind = draw(st.sampled_from(["conv", "maxpool", "avgpool"]))
    sizes = draw(st.lists(st.integers(1, 9), min_size=ndim, max_size=ndim))
    k = draw(st.lists(st.integers(1, 4), min_size=ndim, max_size=ndim))
    s = draw(st.lists(st.integers(1, 3), min_size=ndim, max_size=ndim))
    p = [draw(st.integers(0, ki // 2)) for ki in k]
    args = {"kernel_size": k, "stride": s, "padding": p}
    channels = draw(st.integers(1, 4))
    if kind == "conv":
        groups = draw(st.sampled_from([g for g in (1, 2, channels) if channels % g == 0]))
        args.update(out_channels=groups * draw(st.integers(1, 2)), groups=groups, bias=draw(st.booleans()),
                    dilation=draw(st.lists(st.integers(1, 2), min_size=ndim, max_size=ndim)))
    elif kind == "maxpool":
        args.update(ceil_mode=draw(st.booleans()), dilation=draw(st.lists(st.integers(1, 2), min_size=ndim, max_size=ndim)))
    else:
        args.update(ceil_mode=draw(st.booleans()), count_include_pad=draw(st.booleans()))
    text = ", ".join(f"{key}: {str(value).lower() if isinstance(value, bool) else value}" for key, value in args.items())
    return f"input: {[channels, *sizes]}\nlayers:\n  - {kind}{ndim}d: {{{text}}}\n"


@st.composite
def upsample_layers(draw):
    mode = draw(st.sampled_from(["nearest", "nearest-exact", "area", "linear", "bilinear", "bicubic", "trilinear"]))
    ndim = {"linear": 1, "bilinear": 2, "bicubic": 2, "trilinear": 3}.get(mode) or draw(st.integers(1, 3))
    sizes = draw(st.lists(st.integers(1, 12), min_size=ndim, max_size=ndim))
    if draw(st.booleans()):
        args = {"size": draw(st.lists(st.integers(1, 80 if ndim == 2 else 20), min_size=ndim, max_size=ndim))}
    else:
        factors = st.one_of(st.integers(2, 600).map(lambda k: k / 100), st.floats(0.2, 6.0))
        args = {"scale_factor": draw(st.lists(factors, min_size=ndim, max_size=ndim)),
                "recompute_scale_factor": draw(st.sampled_from([None, False, True]))}
    if mode in ("linear", "bilinear", "bicubic", "trilinear"):
        args["align_corners"] = draw(st.sampled_from([None, False, True]))
    text = ", ".join(f"{key}: {'null' if value is None else str(value).lower()}" for key, value in args.items())
    return f"input: {[draw(st.integers(1, 3)), *sizes]}\nlayers:\n  - upsample: {{mode: {mode}, {text}}}\n"


def assert_matches_torch(text):
    """Run a drawn spec both ways, unless the calculator refuses it."""
    analysis = check_text(text, "drawn.yaml")
    assume(not blockers(analysis))  # torch refuses these too; the calculator's verdicts have their own tests
    setup = prepare(analysis, 11)
    run = execute(analysis, setup, workers=1, keep=True)
    assert run.ok, (text, [layer.error for layer in run.layers])
    assert_same(run, torch_outputs(analysis, setup))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(window_layers())
def test_random_window_layers_match_torch(text):
    assert_matches_torch(text)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(upsample_layers())
def test_random_upsampling_matches_torch(text):
    assert_matches_torch(text)
