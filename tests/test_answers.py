"""Answer checking (`expect:`): wrong answers are errors with the right value and its arithmetic."""

from __future__ import annotations

import json

import pytest

from shapecalc.analysis.check import check_text

from .conftest import ROOT

SPEC = """input: [3, 227, 227]
layers:
  - conv2d:
      name: conv1
      out_channels: 96
      kernel_size: 11
      stride: 4
      expect: {output_shape: [96, 55, 55], params: 34848}
  - maxpool2d: {name: pool1, kernel_size: 3, stride: 2, expect: {output_shape: [96, 26, 26]}}
expect: {total_params: 34944, output_shape: [96, 27, 27]}
"""


def test_wrong_answers_are_errors_with_the_right_value():
    a = check_text(SPEC)
    wrong = [(d.code, d.line, d.column, d.message) for d in a.diagnostics]
    assert wrong == [
        ("A001", 8, 52, "conv1: params is 34,944, not 34,848: (11*11*3)*96 + 96 = 34,944 params (364 per filter)"),
        ("A001", 9, 80, "pool1: output_shape is 96x27x27, not 96x26x26: (55 - 3)/2 + 1 = 27"),
    ]
    assert [(x.key, x.correct) for x in a.answers] == [
        ("output_shape", True), ("params", False), ("output_shape", False), ("total_params", True), ("output_shape", True)]


def test_json_gives_graders_every_answer(run_cli, spec_file):
    proc = run_cli("check", "-f", "json", str(spec_file(SPEC)))
    assert proc.returncode == 1
    answers = json.loads(proc.stdout)["answers"]
    assert answers[1] == {"layer": "conv1", "key": "params", "expected": 34848, "actual": 34944, "correct": False,
                          "arithmetic": "(11*11*3)*96 + 96 = 34,944 params (364 per filter)", "line": 8, "column": 52}


def test_all_right_prints_a_short_line(run_cli):
    proc = run_cli("check", "examples/answers/slides-alexnet.yaml")
    assert proc.returncode == 0
    assert "19 answers checked, all right" in proc.stdout


@pytest.mark.parametrize("path", sorted((ROOT / "examples" / "answers").glob("*.yaml")), ids=lambda p: p.name)
def test_shipped_answer_files_check_clean(path):
    a = check_text(path.read_text())
    assert a.diagnostics == [] and a.answers and all(x.correct for x in a.answers)


def test_unknown_answer_key():
    a = check_text("input: [4]\nlayers:\n  - linear: {units: 2, expect: {param: 10}}\n")
    assert [(d.code, d.line, d.column) for d in a.diagnostics] == [("S007", 3, 33)]
    assert "did you mean 'params'?" in a.diagnostics[0].message
