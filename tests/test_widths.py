"""Every command's text fits the width it has (issue 16): no line longer than the width, none
ending in a blank, and no number or shape cut, for every shipped architecture at 60, 80, 120
and 200 columns, drawn plainly (a pipe) and by rich (a terminal, in colour); COLUMNS is
honoured in a pipe. The one exception, by design: a diagnostic stays on one line, for editors."""

from __future__ import annotations

import io
import re

import pytest
from rich.console import Console

from shapecalc.analysis.check import check_bytes
from shapecalc.analysis.explain import explain
from shapecalc.layers.base import shape_str
from shapecalc.render import narrow
from shapecalc.render.explain import render_text
from shapecalc.render.output import MIN_WIDTH, PIPE_WIDTH, output_width
from shapecalc.render.report import analysis_dict
from shapecalc.render.table import Report, plain_text, report
from shapecalc.render.terminal import print_report

from .conftest import ARCH

WIDTHS = (60, 80, 120, 200)
SPECS = sorted(ARCH.rglob("*.yaml"))
DIAGNOSTIC = re.compile(r"^\S+:\d+:\d+: [A-Z]\d{3} ")
ANSI = re.compile(r"\x1b\[[0-9;]*m")


def analysis(path):
    return check_bytes(path.read_bytes(), f"architectures/{path.relative_to(ARCH)}")


def assert_fits(text: str, width: int) -> None:
    for line in text.split("\n"):
        assert line == line.rstrip(), f"trailing blanks: {line!r}"
        if not DIAGNOSTIC.match(line):
            assert narrow.cells(line) <= width, f"{narrow.cells(line)} > {width}: {line!r}"


def whole(token: str, text: str) -> bool:
    """token appears in text with nothing glued to it: `16,781,312` is not `16,781,3…`, `96x55x55` not `96x55x5`."""
    if "x" in token:
        return re.search(rf"(?<![\dx]){re.escape(token)}(?![\dx])", text) is not None
    return re.search(rf"(?<![\d,]){re.escape(token)}(?!\d|,\d)", text) is not None


def rows_of(text: str, count: int) -> list[str]:
    """The text of each numbered row (layer 1, 2, ...), from its line to the next layer's:
    every layout starts a layer's row with its number, then two blanks."""
    lines, starts, at = text.split("\n"), [], 0
    for i in range(1, count + 1):
        pattern = re.compile(rf"^ *{i}  +\S")
        while not pattern.match(lines[at]):
            at += 1
        starts.append(at)
        at += 1
    return ["\n".join(lines[a:b]) for a, b in zip(starts, [*starts[1:], len(lines)])]


def without_arithmetic(rep: Report) -> Report:
    """The report with the arithmetic left out, so that the numbers found are the columns'
    own, not the formulas' (which repeat the parameters)."""
    keep = [c for c, column in enumerate(rep.columns) if not column.below]
    return Report(rep.title, [rep.columns[c] for c in keep], [[row[c] for c in keep] for row in rep.rows], rep.lines)


def by_terminal(rep: Report, width: int) -> str:
    """What a colour terminal of this width shows, the colours taken away."""
    console = Console(file=io.StringIO(), width=width, force_terminal=True, color_system="truecolor", highlight=False)
    print_report(rep, console)
    return ANSI.sub("", console.file.getvalue())


@pytest.mark.parametrize("path", SPECS, ids=lambda p: str(p.relative_to(ARCH)))
def test_check_fits_every_width_and_cuts_no_number(path):
    a = analysis(path)
    layers = analysis_dict(a)["layers"]
    for width in WIDTHS:
        for rep in (report(a), without_arithmetic(report(a))):
            text = plain_text(rep, width)
            assert text is not None  # shipped names are ASCII: never left to rich
            assert_fits(text, width)
            assert by_terminal(rep, width) == text, width
        for layer, row in zip(layers, rows_of(text, len(layers))):
            wanted = [shape_str(layer["output_shape"]), f"{layer['params']:,}"]
            wanted += [f"{layer['macs']:,}"] if layer["macs"] else []
            for token in wanted:
                assert whole(token, row), (width, layer["name"], token, row)


@pytest.mark.parametrize("path", SPECS, ids=lambda p: str(p.relative_to(ARCH)))
def test_explain_fits_every_width_and_cuts_no_number(path):
    a = analysis(path)
    layers = analysis_dict(a)["layers"]
    for width in WIDTHS:
        text = render_text(a, explain(a), width)
        assert_fits(text, width)
        sections = re.split(r"\n\n(?=\S)", text)
        for layer in layers:
            section = next(s for s in sections if s.startswith(f"{layer['name']} ({layer['type']})"))
            wanted = [shape_str(layer["output_shape"])] + ([f"{layer['params']:,}"] if layer["params"] else [])
            for token in wanted:
                assert whole(token, section), (width, layer["name"], token, section)


def test_the_layout_follows_the_width():
    """Full width when the columns fit (arithmetic beside the row), compact at 80 (arithmetic
    under it, a header still), stacked at 60 (labelled values, no header)."""
    rep = report(analysis(ARCH / "alexnet.yaml"))
    wide, compact, stacked = (plain_text(rep, width) for width in (200, 80, 60))
    assert "arithmetic" in wide and "MACs" in wide.split("\n")[2]
    assert "arithmetic" not in compact and "MACs" in compact.split("\n")[2]
    assert "\n       (227 - 11)/4 + 1 = 55\n" in compact
    assert "MACs" not in stacked.split("\n")[2] and "params 34,944" in stacked


@pytest.mark.parametrize("env, terminal, width", [
    ({"COLUMNS": "80"}, False, 80), ({}, False, PIPE_WIDTH), ({"COLUMNS": "abc"}, False, PIPE_WIDTH),
    ({"COLUMNS": "10"}, False, MIN_WIDTH), ({"COLUMNS": " 120 "}, True, 120),
])
def test_the_width_rule(env, terminal, width):
    class Out(io.StringIO):
        def isatty(self) -> bool:
            return terminal

    assert output_width(Out(), env) == width


@pytest.mark.parametrize("args", [
    ["check", "architectures/alexnet.yaml"], ["check", "architectures/unet.yaml"],
    ["explain", "architectures/alexnet.yaml"], ["fit", "architectures/alexnet-224.yaml"],
    ["run", "architectures/lenet5.yaml"], ["lint", "architectures/alexnet-224.yaml"],
])
@pytest.mark.parametrize("columns", ["60", "80", None])
def test_columns_is_honoured_in_a_pipe(run_cli, args, columns):
    out = run_cli(*args, columns=columns).stdout
    assert out.strip()
    assert_fits(out, int(columns or PIPE_WIDTH))


def test_an_ascii_terminal_gets_a_rule_it_can_print():
    """Where the encoding has no box characters the narrow table's rule is dashes (each '\u2500'
    would print as a six-character escape and overflow the line)."""
    class Ascii(io.StringIO):
        encoding = "ascii"

    console = Console(file=Ascii(), width=80, color_system=None, force_terminal=False)
    print_report(report(analysis(ARCH / "alexnet.yaml")), console)
    text = console.file.getvalue()
    assert "\u2500" not in text and " " + "-" * 79 + "\n" in text
    assert_fits(text, 80)


def test_alexnet_at_80_columns_keeps_its_type_names_whole(run_cli):
    """Two blanks too many for `localresponsenorm` at 80 columns: the gaps after the columns of
    names shrink to one before a name is folded, and numbers stay two blanks apart."""
    out = run_cli("check", "architectures/alexnet.yaml", columns="80").stdout
    assert "localresponsenorm " in out and "localresponseno\n" not in out
    assert "34,944  105,415,200" in out
