"""Random shape layers (permute, transpose, reshape, view, expand, squeeze, unsqueeze, slice,
select, roll) against torch: their verdicts, shapes and values.

For every drawn layer on a drawn input: when torch raises, shapecalc must report an error and
give no shape; when torch computes an output, shapecalc must give its shape without the batch,
or refuse for one of its own stated reasons (the arguments touch the batch, the result is empty
or a single number per sample, or torch itself refuses the size on the per-sample tensor); and
when shapecalc accepts, `shapecalc run` must give torch's values. An expanded parameter (a
tensor without a batch, like ViT's class token) is drawn too, against `p.expand(n, *size)`.
SHAPECALC_EXAMPLES sets the number of examples (default 500).
"""

from __future__ import annotations

import json
import os
from math import prod

import pytest

torch = pytest.importorskip("torch", reason="torch is not installed: pip install -e '.[oracle]' to run the oracle tests")
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from shapecalc.analysis.check import check_text  # noqa: E402
from shapecalc.analysis.forward import execute, prepare  # noqa: E402
from shapecalc.spec import parse  # noqa: E402

from .test_forward import assert_same, torch_outputs  # noqa: E402
from .torch_bridge import apply, batch  # noqa: E402

EXAMPLES = int(os.environ.get("SHAPECALC_EXAMPLES", "500"))
BATCH = 7  # larger than any drawn size, so a moved batch cannot pass for a per-sample size
SIZES = st.sampled_from([1, 1, 2, 3, 4])


def dim(rank: int) -> st.SearchStrategy[int]:
    """A dim of a batched tensor of this rank, now and then out of range."""
    return st.integers(-rank - 1, rank)


def dims(rank: int) -> st.SearchStrategy[int | list[int]]:
    return st.one_of(dim(rank), st.lists(dim(rank), min_size=1, max_size=3))


def factors(draw, n: int) -> list[int]:
    """Sizes multiplying to n, in a random order, one of them -1 now and then."""
    out = []
    while n > 1 and len(out) < 3:
        d = draw(st.sampled_from([k for k in range(1, n + 1) if n % k == 0]))
        out.append(d)
        n //= d
    out.append(n)
    out = draw(st.permutations(out))
    for _ in range(draw(st.sampled_from([0, 1, 1, 2]))):  # two: torch infers only one
        out[draw(st.integers(0, len(out) - 1))] = -1
    return out


@st.composite
def layers(draw):
    shape = draw(st.lists(SIZES, min_size=1, max_size=4))
    rank = len(shape) + 1
    type_ = draw(st.sampled_from(["permute", "transpose", "reshape", "view", "expand", "squeeze", "unsqueeze",
                                  "slice", "select", "roll"]))
    if type_ == "permute":
        order = [0, *draw(st.permutations(range(1, rank)))]
        if draw(st.integers(0, 4)) == 0:
            order = draw(st.lists(st.integers(0, rank), min_size=1, max_size=rank + 1))
        args = {"dims": [d - rank if draw(st.booleans()) else d for d in order]}
    elif type_ == "transpose":
        args = {"dim0": draw(dim(rank)), "dim1": draw(dim(rank))}
    elif type_ in ("reshape", "view"):
        sizes = factors(draw, prod(shape))
        args = {"shape": sizes if draw(st.integers(0, 5)) else draw(st.lists(st.integers(1, 5), min_size=1, max_size=3))}
    elif type_ == "expand":
        size = [draw(st.sampled_from([-1, n, draw(st.integers(1, 4))])) for n in shape]
        new = draw(st.lists(st.sampled_from([1, 2, 3, -1]), max_size=2))
        args = {"size": (new + size)[draw(st.integers(0, 1)) if len(shape) > 1 else 0:]}
    elif type_ == "squeeze":
        args = {"dim": draw(st.one_of(st.none(), dims(rank)))}
    elif type_ == "unsqueeze":
        args = {"dim": draw(st.integers(-rank - 2, rank + 1))}
    elif type_ == "slice":
        ends = st.one_of(st.none(), st.integers(-6, 6))
        args = {"dim": draw(dim(rank)), "start": draw(ends), "end": draw(ends), "step": draw(st.integers(1, 3))}
    elif type_ == "select":
        args = {"dim": draw(dim(rank)), "index": draw(st.integers(-5, 5))}
    else:
        k = draw(st.integers(1, 3))
        shifts = draw(st.lists(st.integers(-6, 6), min_size=k, max_size=k))
        rolled = draw(st.lists(dim(rank), min_size=k, max_size=k + draw(st.sampled_from([0, 0, 1]))))
        args = {"shifts": shifts[0] if k == 1 and draw(st.booleans()) else shifts,
                "dims": rolled[0] if len(rolled) == 1 and draw(st.booleans()) else rolled}
    return shape, type_, args


def names_the_batch(type_: str, args: dict, rank: int) -> bool:
    """Whether the arguments name dim 0, which shapecalc refuses wherever torch would move,
    split or drop the batch (permute: anything but the batch first)."""
    def batch(d):
        return isinstance(d, int) and -rank <= d < rank and d % rank == 0

    listed = lambda v: v if isinstance(v, list) else [v]  # noqa: E731
    if type_ == "permute":
        return bool(args["dims"]) and not batch(args["dims"][0])
    if type_ == "transpose":
        return batch(args["dim0"]) or batch(args["dim1"])
    if type_ == "unsqueeze":
        return -rank - 1 <= args["dim"] <= rank and args["dim"] % (rank + 1) == 0
    if type_ in ("squeeze", "roll"):
        key = "dim" if type_ == "squeeze" else "dims"
        return args[key] is not None and any(batch(d) for d in listed(args[key]))
    return type_ in ("slice", "select") and batch(args["dim"])


def per_sample_refused(type_: str, args: dict, shape: list[int]) -> bool:
    """torch's own verdict on the per-sample tensor: expand's -1 for a new leading dim."""
    if type_ != "expand":
        return False
    try:
        torch.zeros(shape).expand(*args["size"])
    except RuntimeError:
        return True
    return False


def check(text: str):
    spec, problems = parse(text)
    assert not [d for d in problems if d.severity == "error"], (text, problems)
    analysis = check_text(text)
    return spec, analysis, {d.code for d in analysis.diagnostics if d.severity == "error"}


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(layers())
def test_random_shape_layers_agree_with_torch(case):
    shape, type_, args = case
    text = f"input: {json.dumps(shape)}\nlayers:\n  - {type_}: {json.dumps(args)}\n"
    spec, problems = parse(text)
    if any(d.code == "S010" for d in problems):  # two -1 in reshape's shape, refused where it is read
        with pytest.raises(RuntimeError, match="only one dimension can be inferred"):
            torch.zeros((BATCH, *shape)).reshape(BATCH, *args["shape"])
        return
    spec, analysis, errors = check(text)
    result = analysis.layers[0]
    try:
        with batch(BATCH):
            _, out = apply(spec.layers[0], [torch.zeros((BATCH, *shape))])
    except (RuntimeError, IndexError, ValueError):
        assert errors and result.output_shape is None, (text, errors, result.output_shape)
        return
    if errors:
        assert result.output_shape is None
        own = (out.dim() < 2 or 0 in out.shape or names_the_batch(type_, args, len(shape) + 1)
               or per_sample_refused(type_, args, shape))
        assert own, (text, analysis.diagnostics, tuple(out.shape))
        return
    assert out.shape[0] == BATCH and result.output_shape == tuple(out.shape[1:]), text
    setup = prepare(analysis, 5)
    run = execute(analysis, setup, workers=1, keep=True)
    assert run.ok, (text, [layer.error for layer in run.layers])
    assert_same(run, torch_outputs(analysis, setup))


@st.composite
def expanded_parameters(draw):
    shape = draw(st.lists(SIZES, min_size=1, max_size=4))
    size = [draw(st.sampled_from([-1, n, draw(st.integers(1, 4))])) for n in shape]
    size = draw(st.lists(st.sampled_from([1, 2, -1]), max_size=2)) + size
    return shape, size[draw(st.integers(0, min(2, len(size) - 1))):]


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(expanded_parameters())
def test_random_expanded_parameters_agree_with_torch(case):
    """`p.expand(n, *size)` for a learned p: its leading dim lines up with the batch n when size is
    one entry shorter than p (and must be 1, as n can be anything), else n is a new dim."""
    shape, size = case
    text = (f"input: [2]\nlayers:\n  - parameter: {{name: p, shape: {json.dumps(shape)}}}\n"
            f"  - expand: {{inputs: p, size: {json.dumps(size)}}}\noutputs: [expand_1]\n")
    _, analysis, errors = check(text)
    result = analysis.layers[1]
    try:
        out = torch.zeros(shape).expand(BATCH, *size)
    except RuntimeError:
        assert errors and result.output_shape is None, (text, errors)
        return
    assert not errors and result.output_shape == tuple(out.shape[1:]), (text, analysis.diagnostics)
    assert type(result.output_shape) is tuple  # batched from here on
    setup = prepare(analysis, 5)
    run = execute(analysis, setup, workers=1, keep=True)
    assert run.ok, (text, [layer.error for layer in run.layers])
    assert_same(run, torch_outputs(analysis, setup))


# What torch computes but shapecalc refuses, each for its stated reason.
REFUSED = [
    ([3, 4], "permute: {dims: [1, 0, 2]}", "F003", "batch must stay first"),
    ([3, 4], "transpose: {dim0: 0, dim1: 2}", "F003", "batch"),
    ([1, 4], "squeeze: {dim: 0}", "F003", "batch"),
    ([3, 4], "unsqueeze: {dim: 0}", "F003", "batch"),
    ([3, 4], "slice: {dim: 0, end: 1}", "F003", "batch"),
    ([3, 4], "select: {dim: -3, index: 0}", "F003", "batch"),
    ([3, 4], "roll: {shifts: [1, 1], dims: [1, 0]}", "F003", "batch"),
    ([3, 4], "slice: {dim: 2, start: 3, end: 1}", "F002", "empty"),
    ([4], "select: {dim: 1, index: 2}", "F003", "per-sample dimension"),
    ([1], "squeeze", "F003", "per-sample dimension"),
    ([2, 3], "expand: {size: [-1, 2, 3]}", "F010", "new leading dimension"),
]


@pytest.mark.parametrize(("input_shape", "layer", "code", "why"), REFUSED)
def test_what_shapecalc_refuses_though_torch_computes_it(input_shape, layer, code, why):
    spec, analysis, _ = check(f"input: {input_shape}\nlayers:\n  - {layer}\n")
    assert [d.code for d in analysis.diagnostics] == [code] and why in analysis.diagnostics[0].message
    with batch(BATCH):
        apply(spec.layers[0], [torch.zeros((BATCH, *input_shape))])  # torch computes something
