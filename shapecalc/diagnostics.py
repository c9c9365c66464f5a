"""Diagnostics: stable codes, severities and locations.

The codes are a public contract (CI pipelines select and ignore them), so they live in one
table here, the README's code table is checked against it by a test, and a code is never
reused for a different meaning.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

Severity = Literal["error", "warning"]


@dataclass(frozen=True)
class Rule:
    code: str
    severity: Severity
    title: str


RULES: dict[str, Rule] = {
    rule.code: rule
    for rule in (
        # Y: the file and its YAML
        Rule("Y001", "error", "invalid YAML syntax"),
        Rule("Y002", "error", "file is not UTF-8 text"),
        Rule("Y003", "error", "duplicate key in one mapping"),
        Rule("Y004", "error", "YAML too complex (aliases, nesting, or size beyond the limits)"),
        Rule("Y005", "error", "unsupported YAML tag"),
        # S: the structure and values of the spec
        Rule("S001", "error", "spec is empty or not a mapping"),
        Rule("S002", "error", "unknown top-level key"),
        Rule("S003", "error", "missing required top-level key"),
        Rule("S004", "error", "invalid input shape"),
        Rule("S005", "error", "layer entry has the wrong form"),
        Rule("S006", "error", "unknown layer type"),
        Rule("S007", "error", "unknown argument"),
        Rule("S008", "error", "missing required argument"),
        Rule("S009", "error", "value of the wrong type"),
        Rule("S010", "error", "value out of range"),
        Rule("S011", "error", "duplicate layer name"),
        Rule("S012", "error", "argument given twice (under its name and an alias)"),
        Rule("S013", "error", "number YAML 1.1 reads in another base (010 is 8, 1:30 is 90)"),
        # F: shape arithmetic (does the layer fit its input?)
        Rule("F001", "error", "stride does not fit: real input is never read"),
        Rule("F002", "error", "kernel larger than the padded input"),
        Rule("F003", "error", "input has the wrong number of dimensions for the layer"),
        Rule("F004", "error", "declared input size disagrees with the incoming shape"),
        Rule("F005", "error", "groups do not divide the channels"),
        Rule("F006", "error", "padding not allowed with these arguments"),
        Rule("F007", "error", "merged inputs do not agree (arithmetic: shapes that broadcast; concat: equal other dimensions)"),
        Rule("F008", "error", "normalisation over a single value"),
        Rule("F009", "error", "a size or count beyond int64, which torch cannot hold"),
        Rule("F010", "error", "argument values torch refuses together"),
        # G: the graph of a non-sequential network, and blocks
        Rule("G001", "error", "unknown layer name in inputs or outputs"),
        Rule("G002", "error", "input refers to a later layer (a cycle, or layers out of order)"),
        Rule("G003", "error", "wrong number of inputs for the layer"),
        Rule("G004", "error", "block definition problem (unknown parameter, recursion, reserved name)"),
        Rule("G005", "error", "network expands to more layers than the limit"),
        Rule("G006", "error", "an expression in a block cannot be evaluated (syntax, unknown name, not an integer)"),
        # A: answers a spec carries (`expect:`) that differ from the calculation
        Rule("A001", "error", "answer differs from the calculation"),
        # W: legal, but probably not what was meant
        Rule("W001", "warning", "linear layer applied to the last dimension of an input with a spatial grid"),
        Rule("W002", "warning", "a layer's output is never used"),
        Rule("W003", "warning", "padding 'same' with an even kernel is asymmetric (one more on the right)"),
        Rule("W004", "warning", "pooling stride wider than its window: input between windows is never pooled"),
        Rule("W005", "warning", "convolution wider than 1x1 on a 1x1 input (the input shrank too early)"),
        Rule("W006", "warning", "merged inputs' receptive fields are not aligned (different jumps or centres)"),
        Rule("W007", "warning", "a sum or difference broadcasts layer outputs of different shapes (a wrong shortcut?)"),
        Rule("W008", "warning", "input looks channels-last (H, W, C); shapes are channels first (C, H, W)"),
    )
}


@dataclass(frozen=True)
class Diagnostic:
    """One problem found in a spec, located at a 1-based line and column of the YAML."""

    code: str
    message: str
    line: int
    column: int
    layer: str | None = None

    @property
    def severity(self) -> Severity:
        return RULES[self.code].severity

    def to_dict(self) -> dict[str, object]:
        return {
            "code": self.code,
            "severity": self.severity,
            "message": self.message,
            "line": self.line,
            "column": self.column,
            "layer": self.layer,
        }


def has_errors(diagnostics: list[Diagnostic]) -> bool:
    return any(d.severity == "error" for d in diagnostics)


_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def one_line(text: str) -> str:
    """Control characters and line separators as escapes (`\\n`, `\\x07`), so text stays on one line:
    a name in a spec may not colour the terminal or start a line that looks like a diagnostic."""
    return _CONTROL.sub(lambda m: repr(m.group())[1:-1], text)
