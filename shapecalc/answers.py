"""Answer checking: a spec's `expect:` values against the calculation, for students and graders.

Each answer key has a getter returning the right value and the arithmetic that gives it, so a
wrong answer is reported with both; a right one is counted. Pure: an Analysis in, results out.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from .calc import Analysis, LayerResult
from .diagnostics import Diagnostic
from .layers.base import shape_str
from .spec import Loc


@dataclass(frozen=True)
class Answer:
    layer: str | None  # None: a network-level answer
    key: str
    expected: Any
    actual: Any
    arithmetic: str
    loc: Loc

    @property
    def correct(self) -> bool:
        return _normal(self.expected) == _normal(self.actual)

    def to_dict(self) -> dict[str, Any]:
        return {"layer": self.layer, "key": self.key, "expected": self.expected, "actual": _normal(self.actual),
                "correct": self.correct, "arithmetic": self.arithmetic, "line": self.loc.line, "column": self.loc.column}


def _normal(value: Any) -> Any:
    """Compare shapes as lists and receptive fields as plain mappings, whatever was written."""
    if isinstance(value, tuple):
        return [_normal(v) for v in value]
    if isinstance(value, list):
        return [_normal(v) for v in value]
    if isinstance(value, dict):
        return {k: _normal(v) for k, v in value.items()}
    return value


def _shape_arithmetic(r: LayerResult) -> str:
    return "; ".join(r.formulas[:1]) or f"{shape_str(r.input_shape)} -> {shape_str(r.output_shape)}"


def _params_arithmetic(r: LayerResult) -> str:
    return next((f for f in r.formulas if "params" in f), f"{r.params:,} parameters")


LayerGetter = Callable[[Analysis, LayerResult], tuple[Any, str]]
LAYER_GETTERS: dict[str, LayerGetter] = {
    "output_shape": lambda a, r: (r.output_shape, _shape_arithmetic(r)),
    "params": lambda a, r: (r.params, _params_arithmetic(r)),
    "trainable_params": lambda a, r: (r.trainable_params, _params_arithmetic(r)),
    "connections": lambda a, r: (r.connections, f"{r.connections:,} connections"),
}

TopGetter = Callable[[Analysis], tuple[Any, str]]
TOP_GETTERS: dict[str, TopGetter] = {
    "output_shape": lambda a: (a.output_shape, f"the output of {a.spec.outputs[0] if a.spec.outputs else 'input'}"),
    "total_params": lambda a: (a.total_params, " + ".join(f"{r.params:,}" for r in a.layers if r.params)
                               + f" = {a.total_params:,}"),
    "trainable_params": lambda a: (a.trainable_params, f"{a.trainable_params:,} trainable"),
    "connections": lambda a: (a.connections, f"{a.connections:,} connections"),
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
                answers.append(Answer(r.spec.name, key, expected, actual, arithmetic, loc))
    if a.complete:
        for key, (expected, loc) in a.spec.expect.items():
            getter = TOP_GETTERS.get(key)
            if getter is not None:
                actual, arithmetic = getter(a)
                answers.append(Answer(None, key, expected, actual, arithmetic, loc))
    return answers


def answer_diagnostics(answers: list[Answer]) -> list[Diagnostic]:
    """A001 for every wrong answer: the right value and the arithmetic that gives it."""
    out = []
    for ans in answers:
        if ans.correct:
            continue
        right = shape_str(tuple(ans.actual)) if isinstance(ans.actual, (tuple, list)) else (
            f"{ans.actual:,}" if isinstance(ans.actual, int) else str(_normal(ans.actual)))
        given = shape_str(tuple(ans.expected)) if isinstance(ans.expected, list) and all(
            isinstance(v, int) for v in ans.expected) else (
            f"{ans.expected:,}" if isinstance(ans.expected, int) and not isinstance(ans.expected, bool) else repr(ans.expected))
        who = f"{ans.layer}: " if ans.layer else ""
        out.append(Diagnostic("A001", f"{who}{ans.key} is {right}, not {given}: {ans.arithmetic}",
                              ans.loc.line, ans.loc.column, ans.layer))
    return out
