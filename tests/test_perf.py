"""What keeps shapecalc fast without changing what it prints (issue 7). No wall times here: those
are measured by `python benchmarks/run.py` and kept in the README.

- The plain text of `check` (plain.py, for pipes and files) is exactly what rich prints.
- Into a pipe, `check` (text or JSON) and `lint` never import rich.
- gc_paused leaves the garbage collector as it found it.
- The benchmark's generated specs are what it says they are.
"""

from __future__ import annotations

import gc
import importlib.util
import io
import json
import os
import random
import re
import subprocess
import sys

import pytest
from rich.console import Console

from shapecalc.render import terminal as render_rich
from shapecalc.analysis.calc import gc_paused
from shapecalc.analysis.check import check_bytes, check_text
from shapecalc.analysis.cost import Options
from shapecalc.render.plain import Column
from shapecalc.render.terminal import PLAIN_ROWS, print_report, render
from shapecalc.render.output import PIPE_WIDTH
from shapecalc.render.table import Line, Report, plain_text, report

from .conftest import ARCH, ROOT

SPECS = sorted([*ARCH.rglob("*.yaml"), *(ROOT / "examples").rglob("*.yaml"), *(ROOT / "tests/lint_cases").glob("*.yaml")])
ANSI = re.compile(r"\x1b\[[0-9;]*m")


def console(width: int, **kwargs) -> Console:
    return Console(file=io.StringIO(), width=width, highlight=False, **{"color_system": None, "force_terminal": False,
                                                                          **kwargs})


def by_rich(a, width: int, connections: bool = False, options: Options | None = None, **kwargs) -> str:
    """What rich itself prints for the report: its own table layout, its own wrapping."""
    c = console(width, **kwargs)
    original = render_rich.full_table
    render_rich.full_table = lambda rep, width: None
    try:
        render(a, c, connections, options)
    finally:
        render_rich.full_table = original
    return c.file.getvalue()


def by_plain(a, width: int, connections: bool = False, options: Options | None = None) -> str | None:
    return plain_text(report(a, connections, options), width)


@pytest.mark.parametrize("path", SPECS, ids=lambda p: str(p.relative_to(ROOT)))
def test_plain_text_is_what_rich_prints(path):
    a = check_bytes(path.read_bytes(), str(path.relative_to(ROOT)))
    cases = [(width, False, Options()) for width in (40, 80, 120, 160, 200)] + [(200, True, Options("torchinfo"))]
    for width, connections, options in cases:
        text = by_plain(a, width, connections, options)
        if text is not None or width == PIPE_WIDTH:
            assert text == by_rich(a, width, connections, options), (width, connections, options)


@pytest.mark.parametrize("path", sorted(ARCH.rglob("*.yaml")), ids=lambda p: p.name)
def test_shipped_architectures_print_without_rich_in_a_pipe(path):
    """`shapecalc check` into a pipe or a file (200 columns, no colour) never needs rich."""
    a = check_bytes(path.read_bytes(), path.name)
    assert by_plain(a, PIPE_WIDTH, True) is not None and by_plain(a, PIPE_WIDTH) is not None


def test_a_column_wider_than_the_console_is_folded_not_cut():
    """One column of names, one cell longer than the room: rich would cut it with an ellipsis;
    narrow.py folds it whole onto lines that fit, on a terminal and into a pipe alike."""
    rep = Report([("t", "bold")], [Column("name", fold=True)], [[("x" * 50, "")]], [Line([])])
    c = console(30)
    print_report(rep, c)
    assert plain_text(rep, 30) == c.file.getvalue()
    assert "\u2026" not in c.file.getvalue() and c.file.getvalue().count("x") == 50
    assert max(map(len, c.file.getvalue().splitlines())) <= 30


ASCII_NAMES = list("abcxyz_-019[]:/\\'\"* ")  # markup and emoji syntax too: names are Text, not markup
ANY_NAMES = ASCII_NAMES + ["é", "ü", "日本", "\u2028", "\t", "\x1b"]


def test_odd_names_print_what_rich_prints():
    """Names with markup, emoji codes, spaces, non-ASCII and wide characters, control characters,
    and long enough to make a column wrap: the fast path is exact or steps aside."""
    rng = random.Random(7)
    for case in range(40):
        alphabet = ASCII_NAMES if case % 2 else ANY_NAMES
        names = ["".join(rng.choice(alphabet) for _ in range(rng.randint(1, 60))) for _ in range(rng.randint(1, 4))]
        layers = "".join(f"  - {{type: relu, name: {json.dumps(name)}}}\n" for name in names)
        a = check_text(f"name: {json.dumps(names[0])}\ninput: [3, 8, 8]\nlayers:\n{layers}", f"case{case}.yaml")
        for width in (40, 80, 200):
            text = by_plain(a, width)
            if text is not None:
                assert text == by_rich(a, width), (names, width)


def test_huge_tables_are_plain_even_in_colour():
    """Beyond PLAIN_ROWS rows the table is drawn without colour on a colour terminal too (rich
    would take seconds), the same characters as rich's; smaller tables keep their colours."""
    big = check_text("input: [4]\nlayers:\n" + "  - relu\n" * (PLAIN_ROWS + 1))
    c = console(200, color_system="truecolor", force_terminal=True)
    render(big, c)
    table_part = c.file.getvalue().split("Total params")[0]
    assert not ANSI.search(table_part)
    assert table_part == by_rich(big, 200).split("Total params")[0]
    small = check_text("input: [4]\nlayers:\n  - relu\n")
    c = console(200, color_system="truecolor", force_terminal=True)
    render(small, c)
    assert ANSI.search(c.file.getvalue().split("Total")[0])


def test_gc_paused_restores_the_collector():
    assert gc.isenabled()
    with gc_paused():
        assert not gc.isenabled()
        with gc_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()  # the outermost use turns it back on
    assert gc.isenabled()
    with pytest.raises(ZeroDivisionError), gc_paused():
        raise ZeroDivisionError
    assert gc.isenabled()
    check_text((ARCH / "lenet5.yaml").read_text())
    assert gc.isenabled()
    gc.disable()
    try:
        with gc_paused():
            pass
        assert not gc.isenabled()  # left off, as it was
    finally:
        gc.enable()


RICH_MODULES = """
import sys
from shapecalc.cli.entry import main
sys.argv = ["shapecalc", *sys.argv[1:]]
try:
    main()
except SystemExit:
    pass
sys.stderr.write("\\nrich modules: " + " ".join(sorted(m for m in sys.modules if m.split(".")[0] == "rich")))
"""


@pytest.mark.parametrize("args, env, uses_rich", [
    (["check", "--format", "json", "architectures/resnet50.yaml"], {}, False),
    (["check", "architectures/resnet50.yaml"], {}, False),
    (["lint", "architectures/"], {}, False),
    (["lint", "--format", "sarif", "architectures/alexnet.yaml"], {}, False),
    (["check", "architectures/lenet5.yaml"], {"FORCE_COLOR": "1"}, True),
])
def test_pipes_never_import_rich(args, env, uses_rich):
    """Output to a pipe is drawn without rich (it is imported only to colour a terminal)."""
    environ = {k: v for k, v in os.environ.items() if k not in ("FORCE_COLOR", "TTY_COMPATIBLE")}
    proc = subprocess.run([sys.executable, "-c", RICH_MODULES, *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=60, check=False, env={**environ, **env})
    loaded = proc.stderr.rsplit("rich modules:", 1)[1].split()
    assert bool(loaded) == uses_rich, loaded
    assert ("\x1b[" in proc.stdout) == uses_rich


def benchmark_module(name: str = "run"):
    spec = importlib.util.spec_from_file_location(f"bench_{name}", ROOT / "benchmarks" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def test_the_forward_benchmark_runs_its_code_on_a_small_layer(monkeypatch, capsys):
    """benchmarks/bench_forward.py's measuring code, on a layer small enough for the tests: a
    benchmark that no longer imports or runs (as after a refactor) fails here, not on the day
    someone measures. Nothing is timed."""
    bench = benchmark_module("bench_forward")
    monkeypatch.setattr(bench, "LAYERS", [("conv 3x3 pad 1 (2->3 on 5x5)", (2, 5, 5),
                                           "conv2d: {out_channels: 3, kernel_size: 3, padding: 1}")])
    bench.kernels(1, naive=True)
    line = capsys.readouterr().out.splitlines()[-1]
    assert line.startswith("conv 3x3 pad 1 (2->3 on 5x5)") and float(line.split()[-1]) < 1e-12  # equal to six loops


@pytest.mark.parametrize("n", [100, 1_000])
def test_benchmark_specs_have_the_layers_they_claim(n):
    bench = benchmark_module()
    for kind, make in bench.SPECS.items():
        a = check_text(make(n), f"{kind}.yaml")
        assert len(a.layers) == n and a.diagnostics == [], kind
    blocks = check_text(bench.blocks_spec(n))
    assert {b.type for b in blocks.spec.blocks} == {"stage", "unit"}
    assert blocks.layers[-1].spec.name == f"stage.{n // 20 - 1}.unit.4.add_1"
