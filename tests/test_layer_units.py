"""Every registered layer kind answers every question the package asks a layer (no torch needed).

A half-added layer (a kind without its cost rules, its windows, its receptive-field map, what it
saves for backward, or its forward kernel) fails here, in the fast tests, instead of costing a
silent 0 or a KeyError in `shapecalc run`. Each kind's own example is pushed through every rule:
the shape rule, the cost under each convention, the memory estimate, the receptive field, explain,
and the forward kernel, whose output shape must equal the calculator's.
"""

from __future__ import annotations

from functools import cached_property

import math
from math import prod

import pytest
import yaml

from shapecalc.analysis.check import check_text
from shapecalc.analysis.cost import layer_cost, memory
from shapecalc.analysis.explain import explain_layer
from shapecalc.analysis.forward import execute, prepare
from shapecalc.layers import KINDS, LayerKind
from shapecalc.layers.base import QUESTIONS
from shapecalc.layers.cost import CONVENTIONS, Costs
from shapecalc.layers.field import INPUT_AXIS, POINTWISE, Axis

#: The questions a kind answers differently when it is a merge (several inputs).
MERGE_QUESTIONS = ("merge_field",)
SINGLE_QUESTIONS = ("field",)


def owner(kind: LayerKind, name: str) -> object:
    """Where the kind's answer to `name` comes from: the instance itself, or the class that gives
    it; LayerKind (its placeholder or bare annotation) means unanswered."""
    cls = next((cls for cls in type(kind).__mro__ if name in vars(cls)), LayerKind)
    cached = isinstance(vars(cls).get(name), cached_property)  # a value in the instance is its cache
    if name in vars(kind) and not cached:
        return kind
    return cls


def example_spec(kind: LayerKind) -> str:
    ex = kind.example()
    layers = [{"name": f"copy{i}", "type": "identity"} for i in range(ex.inputs)] if ex.inputs > 1 else []
    layer = {"name": "unit", "type": kind.type, **ex.args}
    if ex.inputs > 1:
        layer["inputs"] = [f"copy{i}" for i in range(ex.inputs)]
        for i in range(ex.inputs):
            layers[i]["inputs"] = ["input"]
    return yaml.safe_dump({"input": list(ex.input), "layers": [*layers, layer]}, sort_keys=False)


def unit_result(kind: LayerKind):
    analysis = check_text(example_spec(kind), f"<{kind.type} example>")
    errors = [d for d in analysis.diagnostics if d.severity == "error"]
    assert not errors, f"{kind.type}'s example does not check: {errors}"
    return analysis, analysis.layers[-1]


@pytest.mark.parametrize("type_", sorted(KINDS))
def test_every_question_is_answered_by_the_kind(type_: str) -> None:
    kind = KINDS[type_]
    questions = QUESTIONS + (MERGE_QUESTIONS if kind.merge else SINGLE_QUESTIONS)
    unanswered = [q for q in questions if owner(kind, q) is LayerKind]
    assert not unanswered, f"{type_} does not answer {unanswered} (see shapecalc/layers/base.py)"
    infer = "infer_many" if kind.merge else "infer"
    assert owner(kind, infer) is not LayerKind, f"{type_} does not answer ['{infer}'] (its shape rule)"
    assert isinstance(kind.cost, Costs), f"{type_}.cost is not a Costs record"
    assert isinstance(kind.saves_input, bool) and isinstance(kind.counts_batches, bool)


@pytest.mark.parametrize("question", [q for q in QUESTIONS + MERGE_QUESTIONS + SINGLE_QUESTIONS if q != "example"])
def test_a_family_answer_is_every_members_or_none_overrides_it(question: str) -> None:
    """A family base class may answer for its members (Pointwise's field, Merge's cost), but then
    no member may override it: otherwise the base's answer is a fallback default, and a member
    whose own rule is removed would silently take it (an upsampling that costs 0 under ptflops, a
    batch norm without its counter). `example` is test data, not a rule, and may be refined."""
    for kind in KINDS.values():
        source = owner(kind, question)
        if source is LayerKind or source is kind or source is type(kind):
            continue
        overriding = sorted(k.type for k in KINDS.values()
                            if isinstance(k, source) and owner(k, question) is not source)
        assert not overriding, (f"{source.__name__}.{question} is a default that {overriding} override: "
                                f"state it on each member instead")


@pytest.mark.parametrize("type_", sorted(KINDS))
def test_every_rule_runs_on_the_kinds_example(type_: str) -> None:
    kind = KINDS[type_]
    analysis, r = unit_result(kind)
    assert r.output_shape is not None

    for convention in CONVENTIONS:
        cost = layer_cost(r, convention)
        assert cost is not None and math.isfinite(cost.macs) and cost.macs >= 0, (type_, convention)
        assert cost.flops >= 2 * cost.macs, (type_, convention)
    mem = memory(analysis)
    assert mem.activation_elements > 0

    x, a = (r.input_shapes[0] if r.input_shapes else ()), r.spec.args  # a parameter takes no input
    dims = kind.windows(x, a)
    assert dims is None or len(dims) == len(x) - 1, type_
    if not kind.merge:
        maps = kind.field(x, r.output_shape, a)
        assert maps is None or maps is POINTWISE or len(maps) == len(x) - 1, type_
        if isinstance(maps, list):
            assert all(isinstance(m(INPUT_AXIS), (Axis, type(None))) for m in maps), type_
    explained = explain_layer(analysis, r)
    assert explained.items, type_

    op = kind.forward
    assert callable(op.kernel), type_
    layout = op.params(x, a) if op.params is not None else {}
    counter = 1 if kind.counts_batches and r.buffers else 0  # num_batches_tracked: not used forward
    assert sum(prod(decl.shape) for decl in layout.values()) == r.params + r.buffers - counter, \
        f"{type_}: the kernel's parameter layout does not hold the calculator's parameters and buffers"
    assert op.macs(x, r.output_shape, a) >= 0
    run = execute(analysis, prepare(analysis, seed=0), workers=1)
    assert run.layers[-1].error is None, run.layers[-1].error
    assert run.layers[-1].shape == r.output_shape, f"{type_}: kernel gives {run.layers[-1].shape}"


@pytest.mark.parametrize("type_", sorted(KINDS))
def test_removing_any_answer_fails_the_check(type_: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Take each answer away from the kind in turn (from the instance and from every class that
    gives it, so the lookup falls back to LayerKind's placeholder): the check above must fail
    every time, so it is not vacuous."""
    kind = KINDS[type_]
    questions = QUESTIONS + (MERGE_QUESTIONS if kind.merge else SINGLE_QUESTIONS)
    for question in (*questions, "infer_many" if kind.merge else "infer"):
        with monkeypatch.context() as m:
            if question in vars(kind):
                m.delattr(kind, question)
            for cls in type(kind).__mro__:
                if cls is not LayerKind and question in vars(cls):
                    m.delattr(cls, question)
            with pytest.raises(AssertionError, match="does not answer"):
                test_every_question_is_answered_by_the_kind(type_)


@pytest.mark.parametrize("type_", sorted(KINDS))
def test_every_kind_is_written_in_torch_source(type_: str) -> None:
    """Each kind's torch() record, on its example, exports to source that compiles (running it
    is the oracle's: tests/oracle/test_export.py)."""
    from shapecalc.layers.torchcode import TorchCode
    from shapecalc.torch.export import export_analysis

    kind = KINDS[type_]
    analysis, r = unit_result(kind)
    code = kind.torch(list(r.input_shapes), r.spec.args)
    assert isinstance(code, TorchCode) and (code.make or code.call != "{m}({xs})"), type_
    source = export_analysis(analysis, f"<{type_} example>")
    compile(source, f"<{type_} export>", "exec")
