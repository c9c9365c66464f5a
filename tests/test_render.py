"""Renderers against saved expected output. After an intended change, regenerate with
`SHAPECALC_REGEN=1 python -m pytest tests/test_render.py` and review the diff."""

from __future__ import annotations

import io
import json
import os

import pytest
from rich.console import Console

from shapecalc.calc import check_text
from shapecalc.render_rich import render
from shapecalc.render_text import plain_text, report
from shapecalc.report import analysis_dict

from .conftest import ARCH, ROOT

EXPECTED = ROOT / "tests" / "expected"
CASES = ["alexnet.yaml", "alexnet-224.yaml", "lenet5.yaml", "slides/7x7-stride3.yaml"]


def compare(name: str, actual: str) -> None:
    path = EXPECTED / name
    if os.environ.get("SHAPECALC_REGEN"):
        path.write_text(actual)
    assert path.exists(), f"{path} missing: run with SHAPECALC_REGEN=1 to create it"
    assert actual == path.read_text()


def analysis(case: str):
    return check_text((ARCH / case).read_text(), f"architectures/{case}")


@pytest.mark.parametrize("case", CASES)
def test_text(case):
    """The saved text, printed by rich and drawn plainly (as into a pipe) alike."""
    out = io.StringIO()
    render(analysis(case), Console(file=out, width=160, color_system=None, force_terminal=False))
    compare(case.replace("/", "_").replace(".yaml", ".txt"), out.getvalue())
    assert plain_text(report(analysis(case)), 160) == out.getvalue()


@pytest.mark.parametrize("case", CASES)
def test_json(case):
    compare(case.replace("/", "_").replace(".yaml", ".json"), json.dumps(analysis_dict(analysis(case)), indent=2) + "\n")


def test_user_text_is_not_rich_markup():
    out = io.StringIO()
    a = check_text("input: [4]\nlayers:\n  - {type: relu, name: '[bold]x[/]'}\n  - {type: nosuch, name: '[red]'}\n", "[x].yaml")
    render(a, Console(file=out, width=160, color_system=None, force_terminal=False))
    text = out.getvalue()
    assert "[bold]x[/]" in text and "[x].yaml:4:12: S006 [red]: unknown layer type 'nosuch'" in text
