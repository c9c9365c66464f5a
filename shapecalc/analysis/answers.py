"""Answer checking: a spec's `expect:` values against the calculation, for students and graders.

Each answer key has a getter returning the right value and the arithmetic that gives it, so a
wrong answer is reported with both; a right one is counted. Pure: an Analysis in, results out.
"""

from __future__ import annotations

from typing import Any, Callable

from .calc import Analysis, Answer, LayerResult, normal
from .channels import LAYOUTS
from .cost import layer_cost, layer_costs, totals, view
from .receptive import step_text
from ..diagnostics import Diagnostic
from ..layers.base import shape_str


def _shape_arithmetic(r: LayerResult) -> str:
    return "; ".join(r.formulas[:1]) or f"{shape_str(r.input_shape)} -> {shape_str(r.output_shape)}"


def _params_arithmetic(r: LayerResult) -> str:
    return next((f for f in r.formulas if "params" in f), f"{r.params:,} parameters")


def _macs(r: LayerResult) -> tuple[Any, str]:
    """Plain multiply-accumulates (the default convention), with the product that gives them."""
    cost = layer_cost(r)
    if cost is None:
        return None, "unknown"
    macs = int(cost.macs)
    return macs, r.spec.kind.answer_macs(view(r), macs) if macs else f"{macs:,} MACs"


def _sum(terms: list[int], unit: str) -> str:
    """`a + b + c = total unit`; just the total when there is nothing to add up."""
    total = f"{sum(terms):,} {unit}"
    return " + ".join(f"{t:,}" for t in terms) + f" = {total}" if len(terms) > 1 else total


def _total_macs(a: Analysis) -> tuple[Any, str]:
    costs = layer_costs(a)
    total = totals(costs).macs
    return total, _sum([int(c.macs) for c in costs if c and c.macs], "MACs")


LayerGetter = Callable[[Analysis, LayerResult], tuple[Any, str]]
LAYER_GETTERS: dict[str, LayerGetter] = {
    "output_shape": lambda a, r: (r.output_shape, _shape_arithmetic(r)),
    "params": lambda a, r: (r.params, _params_arithmetic(r)),
    "trainable_params": lambda a, r: (r.trainable_params, _params_arithmetic(r)),
    "connections": lambda a, r: (r.connections, f"{r.connections:,} connections"),
    "macs": lambda a, r: _macs(r),
    "receptive_field": lambda a, r: _receptive(a, r),
}


def _receptive(a: Analysis, r: LayerResult) -> tuple[Any, str]:
    """The whole field, {size, jump, start} per spatial dimension; `answer_form` cuts it to what
    the answer gives."""
    f = r.receptive_field
    if f is None:
        return "none (no spatial grid after this layer)", step_text(a, r) or ""
    return f.to_dict(), step_text(a, r) or ""


def _one_or_many(expected: Any, values: list) -> Any:
    """A list per dimension when the answer is a list (or the dimensions differ), else one value."""
    if isinstance(expected, list) or len(set(values)) != 1:
        return values
    return values[0]


def answer_form(key: str, expected: Any, actual: Any) -> Any:
    """The right value in the form the answer is written in. `receptive_field` takes the size
    (`11`: every dimension; `[11, 11]`: per dimension) or a mapping with any of `size`, `jump` and
    `start`, each one value for every dimension or a list per dimension."""
    if key != "receptive_field" or not isinstance(actual, dict):
        return actual
    if isinstance(expected, dict):
        return {k: _one_or_many(v, actual[k]) if k in actual else None for k, v in expected.items()}
    return _one_or_many(expected, actual["size"])

TopGetter = Callable[[Analysis], tuple[Any, str]]
TOP_GETTERS: dict[str, TopGetter] = {
    "output_shape": lambda a: (a.output_shape, f"the output of {a.spec.outputs[0] if a.spec.outputs else 'input'}"),
    "total_params": lambda a: (a.total_params, _sum([r.params for r in a.layers if r.params], "parameters")),
    "trainable_params": lambda a: (a.trainable_params, f"{a.trainable_params:,} trainable"),
    "connections": lambda a: (a.connections, f"{a.connections:,} connections"),
    "total_macs": lambda a: _total_macs(a),
}


def check_answers(a: Analysis) -> list[Answer]:
    """Every answer the spec carries whose value could be computed (layers with known shapes)."""
    answers = []
    for r in a.layers:
        if r.output_shape is None:
            continue
        for key, (expected, loc) in r.spec.expect.items():
            getter = LAYER_GETTERS.get(key)
            if getter is not None:
                actual, arithmetic = getter(a, r)
                actual = answer_form(key, expected, actual)
                answers.append(Answer(r.spec.name, key, expected, actual, arithmetic, loc))
    if a.complete:
        for key, (expected, loc) in a.spec.expect.items():
            getter = TOP_GETTERS.get(key)
            if getter is not None:
                actual, arithmetic = getter(a)
                answers.append(Answer(None, key, expected, actual, arithmetic, loc))
    return answers


def _flow(value: Any) -> str:
    """A mapping the way YAML's flow style writes it: {size: 19, jump: [8, 8]}."""
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {_flow(v)}" for k, v in value.items()) + "}"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_flow(v) for v in value) + "]"
    return str(value)


def answer_diagnostics(answers: list[Answer]) -> list[Diagnostic]:
    """A001 for every wrong answer: the right value and the arithmetic that gives it."""
    out = []
    for ans in answers:
        if ans.correct:
            continue
        right = shape_str(tuple(ans.actual)) if isinstance(ans.actual, (tuple, list)) else (
            f"{ans.actual:,}" if isinstance(ans.actual, int) else str(normal(ans.actual)))
        given = shape_str(tuple(ans.expected)) if isinstance(ans.expected, list) and all(
            isinstance(v, int) for v in ans.expected) else (
            f"{ans.expected:,}" if isinstance(ans.expected, int) and not isinstance(ans.expected, bool) else repr(ans.expected))
        if isinstance(ans.expected, dict) and isinstance(ans.actual, dict):  # as written: {size: 19, jump: 8}
            right, given = _flow(ans.actual), _flow(ans.expected)
        who = f"{ans.layer}: " if ans.layer else ""
        out.append(Diagnostic("A001", f"{who}{ans.key} is {right}, not {given}: {ans.arithmetic}{_layout_hint(ans)}",
                              ans.loc.line, ans.loc.column, ans.layer))
    return out


def _layout_hint(ans: Answer) -> str:
    """A shape answered channels last (the slides' 32x32x10 for torch's [10, 32, 32]) is the
    right shape in the other layout: say so, with the answer to write."""
    actual, expected = normal(ans.actual), ans.expected
    if not isinstance(actual, list) or not isinstance(expected, list) or len(actual) < 2:
        return ""
    if expected != actual[1:] + actual[:1]:
        return ""
    layout = f" {LAYOUTS[len(actual)]}" if len(actual) in LAYOUTS else ""
    return (f"; the answer is written channels last: shapes are channels first{layout}, so write "
            f"[{', '.join(map(str, actual))}]")
