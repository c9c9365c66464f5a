"""Random broadcasts against torch: elementwise arithmetic of batched tensors and parameters.

For each drawn set of inputs (per-sample shapes, and parameters of their own whole shape),
torch's result at batch 1 and batch 5 (no drawn size is 5) decides: when both compute and the batch stays the first
dimension of the result, alone (batch 5 gives (5, *the shape at batch 1)), shapecalc must give
that per-sample shape and no error; when torch raises, or the batch lands elsewhere (a
parameter's leading size, or another input's batch, met it), shapecalc must report F007 and
give no shape.
SHAPECALC_EXAMPLES sets the number of examples (default 500)."""

from __future__ import annotations

import os

import pytest

torch = pytest.importorskip("torch", reason="torch is not installed: pip install -e '.[oracle]' to run the oracle tests")
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from shapecalc.analysis.check import check_text  # noqa: E402

EXAMPLES = int(os.environ.get("SHAPECALC_EXAMPLES", "500"))

size = st.sampled_from([1, 1, 2, 3])
shape = st.lists(size, min_size=1, max_size=4)


@st.composite
def operands(draw):
    """The network input's shape and, per operand, (is a parameter, shape)."""
    x = draw(shape)
    others = draw(st.lists(st.tuples(st.booleans(), shape), min_size=1, max_size=3))
    return x, others, draw(st.sampled_from(["add", "sub", "mul", "div"]))


def torch_result(x, others, batch):
    t = torch.zeros((batch, *x))
    try:
        for is_param, s in others:
            t = t + torch.zeros(s if is_param else (batch, *s))
    except RuntimeError:
        return None
    return tuple(t.shape)


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(operands())
def test_broadcast_agrees_with_torch(case):
    x, others, op = case
    lines, names = [], ["input"]
    for i, (is_param, s) in enumerate(others):
        if is_param:
            lines.append(f"  - parameter: {{name: t{i}, shape: {s}}}")
        else:  # a batched tensor of shape s: a parameter of (1, *s) expanded to the batch
            lines.append(f"  - parameter: {{name: p{i}, shape: {[1, *s]}}}")
            lines.append(f"  - expand: {{name: t{i}, size: {[-1] * len(s)}}}")
        names.append(f"t{i}")
    spec = f"input: {x}\noutputs: [{op}_1]\nlayers:\n" + "\n".join(lines) + f"\n  - {op}: {{inputs: [{', '.join(names)}]}}\n"
    a = check_text(spec)
    one, five = torch_result(x, others, 1), torch_result(x, others, 5)
    fine = one is not None and five is not None and five == (5, *one[1:])
    codes = [d.code for d in a.diagnostics if d.severity == "error"]
    if fine:
        assert codes == [] and a.layers[-1].output_shape == five[1:], spec
    else:
        assert codes == ["F007"] and a.layers[-1].output_shape is None, spec


@st.composite
def cuts(draw):
    """An input shape and a split or chunk of it, valid or not."""
    x = draw(st.lists(st.integers(1, 6), min_size=1, max_size=3))
    dim = draw(st.integers(-len(x) - 2, len(x) + 1))  # one out of range each side
    if draw(st.booleans()):
        given = draw(st.one_of(st.integers(1, 7), st.lists(st.integers(0, 4), min_size=1, max_size=4)))
        return x, "split", {"split_size_or_sections": given, "dim": dim}
    return x, "chunk", {"chunks": draw(st.integers(1, 8)), "dim": dim}


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cuts())
def test_split_and_chunk_agree_with_torch(case):
    """Every piece's shape where torch cuts (the batch refused, as it would cut the batch into
    pieces); F003 or F004 where torch raises or the dim is the batch."""
    x, type_, args = case
    a = check_text(f"input: {x}\nlayers:\n  - {type_}: {args}\n")
    t = torch.zeros((5, *x))
    try:
        if type_ == "split":
            sizes = args["split_size_or_sections"]
            pieces = torch.split(t, sizes, dim=args["dim"])
        else:
            pieces = torch.chunk(t, args["chunks"], dim=args["dim"])
    except (RuntimeError, IndexError):
        pieces = None
    codes = [d.code for d in a.diagnostics if d.severity == "error"]
    if pieces is None or args["dim"] % (len(x) + 1) == 0:
        assert codes and codes[0] in ("F003", "F004") and a.layers[0].output_shape is None, (case, codes)
    else:
        assert codes == [] and a.layers[0].parts == [tuple(p.shape[1:]) for p in pieces], case
