"""The hostile-input hunt's disagreements with torch (issue 15, the torch group), against torch.

Each case is run in torch as the shape oracle runs it (tests/oracle/test_shapes_property.py): a
batch of 2 in training mode, what a layer must survive to be trained; group norm also at a batch
of 1, where torch's per-sample check lives (shapecalc refuses one value per group at every batch,
F008, as it refuses instance norm's one spatial element). Then a random sweep over the same
families (pooling, norms, linear and unflatten, pixel shuffles, elementwise layers), with inputs
of up to 5 dimensions reached through unflatten. SHAPECALC_EXAMPLES sets the sweep's size
(default 500). The torch-free expectations are in tests/test_hostile_torch.py."""

from __future__ import annotations

import json
import os
import pathlib
import warnings

import pytest
import yaml

torch = pytest.importorskip("torch", reason="torch is not installed: pip install -e '.[oracle]' to run the oracle tests")
from hypothesis import HealthCheck, assume, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from shapecalc.analysis.check import check_text  # noqa: E402
from shapecalc.spec import parse  # noqa: E402

from ..test_hostile_torch import ACCEPTED, REFUSED  # noqa: E402
from .test_forward import assert_same, run_both  # noqa: E402
from .torch_bridge import TORCH_CLASSES, call, make  # noqa: E402

EXAMPLES = int(os.environ.get("SHAPECALC_EXAMPLES", "500"))
REFUSALS = (RuntimeError, ValueError, IndexError, TypeError, ZeroDivisionError, AssertionError)  # hardtanh asserts


def torch_shapes(text: str, batch: int, train: bool = True) -> list[tuple[int, ...]] | None:
    """Each layer's per-sample output shape in torch at `batch`, training mode unless `train` is
    false; None when torch refuses a layer, or gives an empty tensor or one whose batch is gone or
    merged (shapecalc calls each an error: its shapes are per sample, the batch first)."""
    spec, problems = parse(text)
    if problems:  # arguments shapecalc's parser refuses: the torch class built from the YAML as written
        return raw_shapes(text, batch)
    values = {"input": torch.zeros((batch, *spec.input_shape))}
    shapes = []
    try:
        for layer in spec.layers:
            xs = [values[name] for name in layer.inputs]
            module = make(layer, xs)
            if module is not None:
                module.train(train)
            with torch.no_grad(), warnings.catch_warnings():
                warnings.simplefilter("ignore")  # dropout2d's "implicit dimension" and the like
                values[layer.name] = y = call(layer, module, xs)
            if 0 in y.shape or y.dim() < 2 or y.shape[0] != batch:  # empty, or the batch not kept first
                return None
            shapes.append(tuple(y.shape[1:]))
    except REFUSALS:
        return None
    return shapes


def raw_shapes(text: str, batch: int) -> list[tuple[int, ...]] | None:
    """A spec of torch modules whose arguments need no filling in (unflatten's sizes), as written."""
    raw = yaml.safe_load(text)
    x, shapes = torch.zeros((batch, *raw["input"])), []
    try:
        for entry in raw["layers"]:
            ((type_, args),) = entry.items()
            x = TORCH_CLASSES[type_](**{k: tuple(v) if isinstance(v, list) else v for k, v in args.items()})(x)
            shapes.append(tuple(x.shape[1:]))
    except REFUSALS:
        return None
    return shapes


def torch_verdict(text: str) -> list[tuple[int, ...]] | None:
    """torch's shapes at a batch of 2 when training; for group norm, only if batch 1 agrees too."""
    shapes = torch_shapes(text, 2)
    if shapes is not None and "groupnorm" in text and torch_shapes(text, 1) is None:
        return None
    return shapes


def assert_agrees(text: str) -> None:
    analysis = check_text(text)
    errors = {d.code for d in analysis.diagnostics if d.severity == "error"}
    ours = [r.output_shape for r in analysis.layers]
    theirs = torch_verdict(text)
    if theirs is None:
        assert errors and None in ours, (text, errors, ours)
    else:
        assert ours == theirs, text
        assert errors <= {"F001"}, (text, analysis.diagnostics)


@pytest.mark.parametrize("text", [*ACCEPTED, *REFUSED])
def test_hunt_cases_agree_with_torch(text):
    assert_agrees(text)


@pytest.mark.parametrize("text", ACCEPTED)
def test_hunt_cases_run_as_torch_computes(tmp_path: pathlib.Path, text):
    """Accepted now, so `shapecalc run` computes them, one sample in eval mode: the values are
    torch's too; where torch refuses that one sample (batch norm without running statistics),
    run refuses it with a reason instead of a value."""
    if torch_shapes(text, 1, train=False) is None:
        with pytest.raises(AssertionError, match="cannot compute: batch statistics need more than 1 value"):
            run_both(tmp_path, text, scale=1.0)
        return
    assert_same(*run_both(tmp_path, text, scale=1.0))


@pytest.mark.parametrize(("batch", "mode"), [(1, "train"), (1, "eval"), (2, "train"), (2, "eval")])
@pytest.mark.parametrize("track", [True, False])
def test_batchnorm_on_one_value_per_channel_is_a_batch_1_refusal_only(batch, mode, track):
    """The documented assumption: torch refuses batch norm over one value per channel only at
    batch 1 (when training, or without running statistics); shapecalc checks a batch of 2+."""
    module = getattr(torch.nn.BatchNorm2d(3, track_running_stats=track), mode)()
    refuses = batch == 1 and (mode == "train" or not track)
    try:
        module(torch.zeros(batch, 3, 1, 1))
        raised = False
    except ValueError:
        raised = True
    assert raised == refuses
    text = f"input: [3, 1, 1]\nlayers:\n  - batchnorm2d: {{track_running_stats: {json.dumps(track)}}}\n"
    assert check_text(text).layers[0].output_shape == (3, 1, 1)


@pytest.mark.parametrize(("batch", "mode"), [(1, "train"), (1, "eval"), (2, "train"), (2, "eval")])
def test_groupnorm_on_one_value_per_group_leaves_only_the_bias(batch, mode):
    """Why F008: at batch 1 torch raises in either mode; at 2 every value is its own group's mean,
    and the output is the bias alone, whatever the input."""
    module = getattr(torch.nn.GroupNorm(4, 4).double(), mode)()
    with torch.no_grad():
        module.bias.copy_(torch.tensor([0.5, -1.0, 2.0, 3.0], dtype=torch.float64))
        if batch == 1:
            with pytest.raises(ValueError, match="more than 1 value"):
                module(torch.randn(batch, 4, 1, 1, dtype=torch.float64))
        else:
            out = module(torch.randn(batch, 4, 1, 1, dtype=torch.float64) * 100)
            torch.testing.assert_close(out, module.bias.view(1, 4, 1, 1).expand(batch, 4, 1, 1))
    assert {d.code for d in check_text("input: [4, 1, 1]\nlayers:\n  - groupnorm: {num_groups: 4}\n").diagnostics} \
        == {"F008"}


# --- the sweep -------------------------------------------------------------------------------


def sizes(draw, n: int, lo: int, hi: int):
    values = [draw(st.integers(lo, hi)) for _ in range(n)]
    return values[0] if draw(st.booleans()) and len(set(values)) == 1 else values


@st.composite
def cases(draw):
    """A spec of one input, maybe an unflatten to reach 5-D, and one layer of the families. Left
    out: a batched input of the rank the torch layer also takes unbatched ((N, L) to a 1-D pool
    is an unbatched (C, L) to torch: the batch read as the channels), which shapecalc refuses."""
    rank = draw(st.integers(1, 4))
    shape = [draw(st.integers(1, 6 if rank < 4 else 4)) for _ in range(rank)]
    pre, x = [], list(shape)
    if draw(st.integers(0, 3)) == 0:  # split the last dimension: up to 5-D, with a -1 sometimes
        n = x[-1]
        k = draw(st.sampled_from([d for d in range(1, n + 1) if n % d == 0]))
        sizes_ = draw(st.sampled_from([[k, n // k], [k, -1], [-1, n // k]]))
        pre.append(f"unflatten: {{dim: -1, unflattened_size: {json.dumps(sizes_)}}}")
        x = x[:-1] + [k, n // k]
    nd = len(x) - 1
    family = draw(st.sampled_from(["pool", "lppool", "adaptive", "norm", "lrn", "linear", "flatten",
                                   "unflatten", "shuffle", "elementwise"]))
    args: dict = {}
    pool_nd = min(max(nd, 1), 3) if draw(st.booleans()) else draw(st.integers(1, 3))
    unbatched = None  # the rank of an input torch's layer reads as unbatched, if it has one
    if family in ("pool", "lppool"):
        op = draw(st.sampled_from(["max", "avg"])) if family == "pool" else "lp"
        args["kernel_size"] = sizes(draw, pool_nd, 1, 4)
        if draw(st.booleans()):
            args["stride"] = sizes(draw, pool_nd, 1, 3)
        args["ceil_mode"] = draw(st.booleans())
        if op == "lp":
            args["norm_type"] = draw(st.sampled_from([1, 2]))
            if pool_nd == 1:  # torch's lp_pool1d multiplies by kernel_size: one int (see torch_bridge)
                k = args["kernel_size"]
                args["kernel_size"] = k if isinstance(k, int) else k[0]
                args.pop("stride", None)
        else:
            args["padding"] = sizes(draw, pool_nd, 0, 2)
        type_, unbatched = f"{op}pool{pool_nd}d", pool_nd + 1
    elif family == "adaptive":
        args["output_size"] = [draw(st.integers(1, 5)) for _ in range(pool_nd)]
        op = draw(st.sampled_from(["avg", "max"]))
        type_, unbatched = f"adaptive{op}pool{pool_nd}d", pool_nd + 1
        # torch's 2-D and 3-D adaptive average to size 1 is a mean over the last dims on any rank,
        # a shortcut other sizes do not take (they refuse ranks past 5-D batched): left to torch
        assume(not (op == "avg" and pool_nd > 1 and set(args["output_size"]) == {1} and len(x) > pool_nd + 1))
    elif family == "norm":
        kind = draw(st.sampled_from(["batchnorm", "instancenorm", "groupnorm", "layernorm", "layernorm2d"]))
        if kind == "groupnorm":
            args["num_groups"] = draw(st.integers(1, 4))
            args["affine"] = draw(st.booleans())
            type_ = kind
        elif kind == "layernorm":
            args["normalized_shape"] = x[len(x) - draw(st.integers(1, len(x))):]
            type_ = kind
        elif kind == "layernorm2d":
            type_ = kind
        else:
            args["affine"] = draw(st.booleans())
            args["track_running_stats"] = draw(st.booleans())
            n = draw(st.integers(1, 3))
            type_, unbatched = f"{kind}{n}d", n + 1 if kind == "instancenorm" else None
    elif family == "lrn":
        args["size"] = draw(st.integers(1, 5))
        type_ = "localresponsenorm"
    elif family == "linear":
        args["out_features"] = draw(st.integers(1, 5))
        type_ = "linear"
    elif family == "flatten":
        args["start_dim"] = draw(st.integers(-len(x), len(x)).filter(lambda d: d != 0))  # not the batch, as unflatten
        args["end_dim"] = draw(st.integers(-len(x) - 1, len(x)))
        type_ = "flatten"
    elif family == "unflatten":
        # not the batch: shapecalc refuses to take it apart, by design (README, "Shape layers")
        args["dim"] = draw(st.integers(-len(x), len(x)).filter(lambda d: d != 0))
        args["unflattened_size"] = draw(st.lists(st.sampled_from([-1, 1, 2, 3, 4]), min_size=1, max_size=3))
        type_ = "unflatten"
    elif family == "shuffle":
        up = draw(st.booleans())
        args["upscale_factor" if up else "downscale_factor"] = draw(st.integers(1, 3))
        type_, unbatched = "pixelshuffle" if up else "pixelunshuffle", 3
    else:
        type_ = draw(st.sampled_from(["relu", "gelu", "softmax", "logsoftmax", "dropout", "dropout1d",
                                      "dropout2d", "dropout3d", "alphadropout", "prelu", "hardtanh", "celu",
                                      "leakyrelu", "softplus"]))
        if type_ in ("softmax", "logsoftmax"):
            args["dim"] = draw(st.integers(-len(x) - 1, len(x)))
        elif type_ == "prelu":
            args["num_parameters"] = draw(st.sampled_from([1, x[0], x[0] + 1]))
        elif type_ == "hardtanh":
            args["min_val"], args["max_val"] = draw(st.sampled_from([(-1.0, 1.0), (0.0, 0.0), (1.0, -1.0)]))
        elif type_ == "celu":
            args["alpha"] = draw(st.sampled_from([1.0, 0.0, -0.5]))
        unbatched = {"dropout1d": 2, "dropout2d": 3, "dropout3d": 4}.get(type_)
    assume(len(x) + 1 != unbatched)
    layers = "".join(f"  - {layer}\n" for layer in pre) + f"  - {type_}: {json.dumps(args)}\n"
    return f"input: {json.dumps(shape)}\nlayers:\n{layers}"


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cases())
def test_random_cases_agree_with_torch(text):
    assert_agrees(text)
