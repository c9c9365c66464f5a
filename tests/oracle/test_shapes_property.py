"""Random layer configurations against torch: shapes, parameter counts, and verdicts.

For every drawn layer: when torch computes an output, shapecalc must give the same shape and
parameter count (a "stride does not fit" error is allowed: torch floors silently, we report
it); when torch raises, shapecalc must report an error and give no shape.
SHAPECALC_EXAMPLES sets the number of examples (default 500)."""

from __future__ import annotations

import json
import os

import pytest

torch = pytest.importorskip("torch", reason="torch is not installed: pip install -e '.[oracle]' to run the oracle tests")
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from shapecalc.analysis.check import check_text  # noqa: E402
from shapecalc.spec import parse  # noqa: E402

from .torch_bridge import counts, module_for  # noqa: E402

EXAMPLES = int(os.environ.get("SHAPECALC_EXAMPLES", "500"))


def per_dim(draw, ndim: int, lo: int, hi: int):
    values = [draw(st.integers(lo, hi)) for _ in range(ndim)]
    return values[0] if draw(st.booleans()) and len(set(values)) == 1 else values


@st.composite
def layers(draw):
    ndim = draw(st.integers(1, 3))
    family = draw(st.sampled_from(["conv", "convtranspose", "maxpool", "avgpool", "lppool", "adaptive",
                                   "upsample", "norm", "pixelshuffle", "zeropad"]))
    if family == "lppool":
        ndim = draw(st.integers(1, 2))
    channels = draw(st.integers(1, 6))
    spatial = [draw(st.integers(1, 12 if ndim < 3 else 7)) for _ in range(ndim)]
    args: dict = {}
    if family in ("conv", "convtranspose"):
        args["out_channels"] = draw(st.integers(1, 6))
        args["kernel_size"] = per_dim(draw, ndim, 1, 5)
        args["stride"] = per_dim(draw, ndim, 1, 4)
        args["dilation"] = per_dim(draw, ndim, 1, 3)
        args["groups"] = draw(st.integers(1, 3))
        args["bias"] = draw(st.booleans())
        if family == "conv":
            args["padding"] = draw(st.one_of(st.just("same"), st.just("valid"), st.just(per_dim(draw, ndim, 0, 3))))
        else:
            args["padding"] = per_dim(draw, ndim, 0, 2)
            args["output_padding"] = per_dim(draw, ndim, 0, 2)
        type_ = f"{family}{ndim}d"
    elif family in ("maxpool", "avgpool", "lppool"):
        args["kernel_size"] = per_dim(draw, ndim, 1, 5)
        if draw(st.booleans()):
            args["stride"] = per_dim(draw, ndim, 1, 4)
        args["ceil_mode"] = draw(st.booleans())
        if family == "lppool":
            args["norm_type"] = draw(st.sampled_from([1, 2, 3.5]))
        else:
            args["padding"] = per_dim(draw, ndim, 0, 3)
        if family == "maxpool":
            args["dilation"] = per_dim(draw, ndim, 1, 3)
        type_ = f"{family}{ndim}d"
    elif family == "adaptive":
        args["output_size"] = [draw(st.one_of(st.none(), st.integers(1, 8)) if ndim > 1 else st.integers(1, 8)) for _ in range(ndim)]
        type_ = f"adaptive{draw(st.sampled_from(['avg', 'max']))}pool{ndim}d"
    elif family == "upsample":
        if draw(st.booleans()):
            args["size"] = per_dim(draw, ndim, 1, 20)
        else:
            args["scale_factor"] = draw(st.sampled_from([0.5, 1, 1.5, 2, 3]))
        args["mode"] = draw(st.sampled_from(["nearest", "linear", "bilinear", "trilinear"]))
        type_ = "upsample"
    elif family == "norm":
        kind = draw(st.sampled_from(["batchnorm", "instancenorm", "groupnorm", "layernorm"]))
        if kind == "groupnorm":
            args["num_groups"] = draw(st.integers(1, 4))
            type_ = "groupnorm"
        elif kind == "layernorm":
            args["normalized_shape"] = spatial[-draw(st.integers(1, ndim)):]
            args["elementwise_affine"] = draw(st.booleans())
            type_ = "layernorm"
        else:
            args["affine"] = draw(st.booleans())
            args["track_running_stats"] = draw(st.booleans())
            type_ = f"{kind}{ndim}d"
    elif family == "pixelshuffle":
        ndim, spatial = 2, spatial[:1] + [draw(st.integers(1, 12))] if ndim == 1 else spatial[:2]
        shuffle = draw(st.booleans())
        args["upscale_factor" if shuffle else "downscale_factor"] = draw(st.integers(1, 3))
        type_ = "pixelshuffle" if shuffle else "pixelunshuffle"
    else:
        args["padding"] = draw(st.one_of(st.integers(-2, 3), st.lists(st.integers(-2, 3), min_size=2 * ndim,
                                                                       max_size=2 * ndim)))
        type_ = f"zeropad{ndim}d"
    return [channels, *spatial], type_, args


def torch_output(spec, input_shape):
    """torch's output shape and counts, or None when torch refuses the layer."""
    try:  # training mode and a batch of 2: what a layer must survive to be trained
        module = module_for(spec.layers[0], tuple(input_shape)).train()
        with torch.no_grad():
            out = module(torch.zeros((2, *input_shape)))
            if spec.layers[0].type == "groupnorm":  # its statistics are per sample: torch checks them at batch 1
                module(torch.zeros((1, *input_shape)))
    except (RuntimeError, ValueError, IndexError, TypeError, ZeroDivisionError):
        return None
    if 0 in out.shape:  # torch allows a 0-size result; shapecalc calls it an error (see test_shapes)
        return None
    return tuple(out.shape[1:]), counts(module)


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(layers())
def test_random_layers_agree_with_torch(case):
    input_shape, type_, args = case
    text = f"input: {json.dumps(input_shape)}\nlayers:\n  - {type_}: {json.dumps(args)}\n"
    spec, parse_problems = parse(text)
    assert parse_problems == [], text
    analysis = check_text(text)
    errors = {d.code for d in analysis.diagnostics if d.severity == "error"}
    result = analysis.layers[0]
    expected = torch_output(spec, input_shape)
    if expected is None:
        assert errors and result.output_shape is None, (text, errors, result.output_shape)
    else:
        shape, (params, trainable, buffers) = expected
        assert result.output_shape == shape, text
        assert (result.params, result.buffers) == (params, buffers), text
        assert errors <= {"F001"}, (text, analysis.diagnostics)


# Disagreements the property test found, kept as regular tests (each was a bug in shapecalc).
FOUND = [
    ("input: [1, 1]\nlayers:\n  - maxpool1d: {kernel_size: 2, ceil_mode: true}\n", (1, 1), set()),
    ("input: [1, 1, 1, 1]\nlayers:\n  - avgpool3d: {kernel_size: [1, 1, 2], ceil_mode: true}\n", None, {"F002"}),
    ("input: [1, 1, 1, 1]\nlayers:\n  - zeropad3d: {padding: [0, 0, 0, 0, 2, -2]}\n", None, {"F002"}),
    ("input: [1, 1]\nlayers:\n  - instancenorm1d\n", None, {"F008"}),
    ("input: [1, 1]\nlayers:\n  - adaptiveavgpool1d: {output_size: [null]}\n", None, {"S009"}),
]


@pytest.mark.parametrize(("text", "shape", "errors"), FOUND)
def test_found_disagreements_stay_fixed(text, shape, errors):
    analysis = check_text(text)
    assert analysis.layers[0].output_shape == shape
    assert {d.code for d in analysis.diagnostics if d.severity == "error"} == errors
    spec, _ = parse(text)
    if spec.layers[0].complete:
        assert torch_output(spec, list(spec.input_shape)) == (None if shape is None else (shape, (0, 0, 0)))
