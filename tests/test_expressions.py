"""Integer expressions in block parameters: values, the located errors, and make_divisible
against torchvision's own float formula."""

from __future__ import annotations

import pytest

from shapecalc.analysis.check import check_text
from shapecalc.spec.expressions import ExpressionError, evaluate, make_divisible

VALUES = {"c": 96, "r": 4, "w": 3}


def ev(text: str) -> int:
    return evaluate(text, lambda name, col: VALUES[name])


@pytest.mark.parametrize(("text", "value"), [
    ("$c // $r", 24), ("$w * 4", 12), ("($c + 7) // 8 * 8", 96), ("($c + 9) // 8 * 8", 104),
    ("max(1, $c // 128)", 1), ("min($c, 64, $w * 30)", 64), ("-$w + 10 % 4", -1), ("2 * (3 + 4) - -1", 15),
    ("make_divisible($c // 4, 8)", 24), ("make_divisible(18, 8)", 24), ("make_divisible(3, 8, 1)", 9),
    ("7 // 2 * 2 + 7 % 2", 7), ("+5", 5),
])
def test_values(text, value):
    assert ev(text) == value


@pytest.mark.parametrize(("text", "column", "phrase"), [
    ("$c / 2", 3, "write '//'"), ("$c // 0", 3, "by zero"), ("($c + 1", 7, "expected ')'"),
    ("pow($c, 2)", 0, "unknown function 'pow'"), ("max($c)", 0, "takes 2 to 16 arguments"),
    ("$c $r", 3, "after a complete expression"), ("$c +", 4, "found the end"), ("$c ** 2", 4, "found '*'"),
    ("9223372036854775807 * 2", 20, "beyond int64"), ("12345678901234567890", 0, "beyond int64"),
    ("$c & 1", 3, "unexpected '&'"), ("(" * 40 + "1" + ")" * 40, 32, "nested more than 32"),
    ("max", 3, "must be called"), ("1" * 600, 0, "longer than 500"),
])
def test_errors_say_where(text, column, phrase):
    with pytest.raises(ExpressionError) as err:
        ev(text)
    assert phrase in err.value.message and err.value.column == column


def torchvision_make_divisible(v: float, divisor: int, min_value: int | None = None) -> int:
    """torchvision.models._utils._make_divisible, copied: the float formula ours must equal."""
    if min_value is None:
        min_value = divisor
    new_v = max(min_value, int(v + divisor / 2) // divisor * divisor)
    if new_v < 0.9 * v:
        new_v += divisor
    return new_v


def test_make_divisible_equals_torchvisions_formula():
    for divisor in range(1, 17):
        for v in range(0, 3000):
            assert make_divisible(v, divisor) == torchvision_make_divisible(v, divisor), (v, divisor)


SPEC = """input: [64, 8, 8]
blocks:
  se:
    params: {c: null, r: 4}
    layers:
      - conv2d: {out_channels: "$c // $r", kernel_size: 1}
      - conv2d: {out_channels: $c, kernel_size: 1}
layers:
  - se: {c: 64}
  - se: {c: 64, r: 16}
"""


def test_expressions_size_the_layers_of_each_use():
    a = check_text(SPEC)
    assert [r.output_shape[0] for r in a.layers] == [16, 64, 4, 64] and not a.diagnostics


@pytest.mark.parametrize(("value", "column", "phrase"), [
    ('"$c // $q"', 39, "unknown parameter $q in block 'se'"),
    ("$c / $r", 35, "'/' gives a fraction"),
    ('"$c // $r"', 39, "$r is 'x': expressions work on integers"),
])
def test_errors_are_located_in_the_file(value, column, phrase):
    text = SPEC.replace('"$c // $r"', value).replace("r: 16", "r: x" if "is 'x'" in phrase else "r: 16")
    a = check_text(text, "se.yaml")
    found = [(d.code, d.line, d.column) for d in a.diagnostics if d.code == "G006"]
    assert found and found[0] == ("G006", 6, column) and phrase in a.diagnostics[0].message


def test_an_expression_at_the_top_level_is_refused():
    a = check_text("input: [3, 4, 4]\nlayers:\n  - conv2d: {out_channels: $c * 2, kernel_size: 1}\n")
    assert [d.code for d in a.diagnostics] == ["G006"] and "parameters exist only in blocks" in a.diagnostics[0].message
