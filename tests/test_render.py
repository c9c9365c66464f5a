"""Renderers against saved expected output. After an intended change, regenerate with
`SHAPECALC_REGEN=1 python -m pytest tests/test_render.py` and review the diff."""

from __future__ import annotations

import io
import json

import pytest
from rich.console import Console

from shapecalc.analysis.check import check_text
from shapecalc.render.terminal import render
from shapecalc.render.table import plain_text, report
from shapecalc.render.report import analysis_dict

from .conftest import ARCH, ROOT

EXPECTED = ROOT / "tests" / "expected"
CASES = ["alexnet.yaml", "alexnet-224.yaml", "lenet5.yaml", "slides/7x7-stride3.yaml"]


def analysis(case: str):
    return check_text((ARCH / case).read_text(), f"architectures/{case}")


@pytest.mark.parametrize("case", CASES)
def test_text(case, golden):
    """The saved text, printed by rich and drawn plainly (as into a pipe) alike."""
    out = io.StringIO()
    render(analysis(case), Console(file=out, width=160, color_system=None, force_terminal=False))
    golden(EXPECTED / case.replace("/", "_").replace(".yaml", ".txt"), out.getvalue())
    assert plain_text(report(analysis(case)), 160) == out.getvalue()


@pytest.mark.parametrize("case", CASES)
def test_json(case, golden):
    golden(EXPECTED / case.replace("/", "_").replace(".yaml", ".json"),
           json.dumps(analysis_dict(analysis(case)), indent=2) + "\n")


def test_user_text_is_not_rich_markup():
    out = io.StringIO()
    a = check_text("input: [4]\nlayers:\n  - {type: relu, name: '[bold]x[/]'}\n  - {type: nosuch, name: '[red]'}\n", "[x].yaml")
    render(a, Console(file=out, width=160, color_system=None, force_terminal=False))
    text = out.getvalue()
    assert "[bold]x[/]" in text and "[x].yaml:4:12: S006 [red]: unknown layer type 'nosuch'" in text
