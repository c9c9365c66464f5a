"""`shapecalc draw`: well-formed, complete, deterministic SVG and DOT; the committed drawings; linear work.

The pictures themselves were looked at (rendered with headless Chromium) while this was built;
here what can be held: every drawn layer's label is there, hidden ones are not, repeated blocks
say "x<n>", errors are red with their arithmetic in a <title>, and the README's drawings are what
the tool draws today (SHAPECALC_REGEN=1 rewrites them).
"""

from __future__ import annotations

import importlib.util
import re
import sys
import xml.etree.ElementTree as ET

import pytest

from shapecalc.analysis.check import check_file, check_text
from shapecalc.render.draw import ERROR, DrawOptions, dot, graph, svg

from .conftest import ARCH, ROOT

NS = "{http://www.w3.org/2000/svg}"
DRAWINGS = ROOT / "examples" / "drawings"
SHOWN = ("lenet5", "alexnet", "resnet50")  # the README shows these
LOOKED_AT = ("lenet5", "alexnet", "resnet50", "googlenet", "unet", "alexnet-224")


def texts(document: str) -> list[str]:
    """Every label line of the drawing (tooltips aside)."""
    root = ET.fromstring(document)
    return ["".join(t.itertext()) for t in root.iter(f"{NS}tspan")]


@pytest.mark.parametrize("name", SHOWN)
def test_the_committed_drawings_are_what_the_tool_draws(name, golden):
    golden(DRAWINGS / f"{name}.svg", svg(check_file(str(ARCH / f"{name}.yaml")), DrawOptions()))


@pytest.mark.parametrize("name", LOOKED_AT)
@pytest.mark.parametrize("options", [DrawOptions(), DrawOptions("vertical", expand=True), DrawOptions(flat=True, fold=False)],
                         ids=["default", "vertical-expanded", "flat-unfolded"])
def test_every_drawn_layer_is_labelled_in_well_formed_deterministic_svg(name, options):
    a = check_file(str(ARCH / f"{name}.yaml"))
    document = svg(a, options)
    assert document == svg(check_file(str(ARCH / f"{name}.yaml")), options)  # same input, same bytes
    labels = texts(document)
    nodes = graph(a, options)
    for node in nodes:
        assert node.name in labels
    if not options.fold and options.expand:
        assert {r.spec.name for r in a.layers} <= set(labels)


def test_unfolded_and_expanded_every_layer_has_its_own_volume():
    a = check_file(str(ARCH / "resnet50.yaml"))
    assert len(graph(a, DrawOptions(expand=True, fold=False))) == len(a.layers) + 1  # and the input
    labels = texts(svg(a, DrawOptions(expand=True, fold=False)))
    assert {r.spec.name for r in a.layers} <= set(labels)


def test_pointwise_layers_fold_into_the_layer_before_them():
    a = check_file(str(ARCH / "alexnet.yaml"))
    conv1 = next(n for n in graph(a, DrawOptions()) if n.name == "conv1")
    assert conv1.folded == ["relu"]
    assert "+ relu" in texts(svg(a, DrawOptions()))


def test_a_branch_s_input_is_not_folded_into_its_other_consumer():
    a = check_text("input: [3, 8, 8]\nlayers:\n  - conv2d: {name: a, out_channels: 4, kernel_size: 1}\n"
                   "  - relu: {name: r}\n  - conv2d: {name: b, inputs: a, out_channels: 4, kernel_size: 1}\n"
                   "  - add: {inputs: [r, b]}\n")
    names = [n.name for n in graph(a, DrawOptions())]
    assert "r" in names  # a feeds r and b: r keeps its own volume


@pytest.mark.parametrize("hide", [frozenset({"relu", "dropout"}), frozenset({"activation"})])
def test_hidden_types_are_absent(hide):
    a = check_file(str(ARCH / "alexnet.yaml"))
    for options in (DrawOptions(hide=hide), DrawOptions(hide=hide, fold=False)):
        document = svg(a, options)
        assert "relu" not in document and "dropout" not in document
        assert "conv1" in texts(document) and "fc8" in texts(document)


def test_repeated_blocks_collapse_to_one_volume_marked_with_the_count():
    a = check_file(str(ARCH / "resnet50.yaml"))
    document = svg(a, DrawOptions())
    words = ["".join(t.itertext()) for t in ET.fromstring(document).iter(f"{NS}text")]
    assert {"x3", "x4", "x6"} <= set(words)
    assert "layer1.0.conv1" not in document
    expanded = svg(a, DrawOptions(expand=True))
    assert "layer1.0.conv1" in texts(expanded)
    assert "x3" not in ["".join(t.itertext()) for t in ET.fromstring(expanded).iter(f"{NS}text")]


def test_errors_are_red_with_the_arithmetic_in_a_title():
    a = check_file(str(ARCH / "alexnet-224.yaml"))
    root = ET.fromstring(svg(a, DrawOptions()))
    red = [g for g in root.iter(f"{NS}g") if any(r.get("fill") == ERROR for r in g.iter(f"{NS}rect"))
           and g.get("class", "").startswith("layer")]
    assert len(red) == 4  # conv1, pool1, pool2, pool3
    tips = [g.find(f"{NS}title").text for g in red]
    assert any("(224 - 11)/4 + 1 = 54.25" in tip for tip in tips)


def test_branches_merges_and_skips_are_drawn_as_a_graph():
    unet = svg(check_file(str(ARCH / "unet.yaml")), DrawOptions())
    arcs = [p for p in ET.fromstring(unet).iter(f"{NS}path") if p.get("stroke-dasharray")]
    assert len(arcs) >= 4  # the four skip connections, over the drawing
    nodes = graph(check_file(str(ARCH / "googlenet.yaml")), DrawOptions())
    concat = next(n for n in nodes if n.name == "inception3a.concat_1")
    assert len(concat.inputs) == 4


def test_names_are_escaped():
    a = check_text('input: [3, 8, 8]\nlayers:\n  - conv2d: {name: "<a&\\"b>", out_channels: 4, kernel_size: 3}\n')
    document = svg(a, DrawOptions())
    assert '<a&"b>' in texts(document)
    assert '<a&\\"b>' in dot(a, DrawOptions())


def test_dot_is_the_same_graph():
    a = check_file(str(ARCH / "googlenet.yaml"))
    source = dot(a, DrawOptions())
    nodes = graph(a, DrawOptions())
    assert source.startswith('digraph "googlenet" {') and source.rstrip().endswith("}")
    edges = [line for line in source.splitlines() if re.fullmatch(r"  n\d+ -> n\d+;", line)]
    assert len(edges) == sum(len(n.inputs) for n in nodes)
    assert "rankdir=TB" in dot(a, DrawOptions("vertical"))


def test_the_command(run_cli, tmp_path):
    out = tmp_path / "net.svg"
    done = run_cli("draw", "architectures/lenet5.yaml", "-o", str(out))
    assert done.returncode == 0 and ET.parse(out)
    done = run_cli("draw", "architectures/alexnet-224.yaml", "-o", str(out), "--vertical", "--hide", "relu,lrn")
    assert done.returncode == 1 and "F001 conv1" in done.stderr and out.exists()
    assert "localresponsenorm" not in out.read_text()
    done = run_cli("draw", "architectures/resnet50.yaml", "--format", "dot", "--expand")
    assert done.returncode == 0 and done.stdout.startswith("digraph")
    assert run_cli("draw", str(tmp_path / "missing.yaml")).returncode == 2
    bad = run_cli("draw", "architectures/lenet5.yaml", "--hide", "rleu")
    assert bad.returncode == 2 and "did you mean 'relu'" in bad.stderr


def function_calls(work) -> int:
    import cProfile
    import pstats

    profile = cProfile.Profile()
    profile.runcall(work)
    return sum(calls for _, calls, *_ in pstats.Stats(profile).stats.values())


def test_drawing_work_is_linear_in_the_layers():
    """Function calls (not time, which the machine's load blurs) for 1,000 and 10,000 layers."""
    spec = importlib.util.spec_from_file_location("bench_run", ROOT / "benchmarks" / "run.py")
    bench = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = bench
    spec.loader.exec_module(bench)
    cases = [(bench.sequential_spec, DrawOptions()), (bench.blocks_spec, DrawOptions(expand=True, fold=False))]
    for make, options in cases:
        counts = [function_calls(lambda a=check_text(make(n)): svg(a, options)) for n in (1_000, 10_000)]
        assert counts[1] / counts[0] <= 10.5, (counts, options)


@pytest.mark.parametrize("args, label", [("split_size_or_sections: 3", "2 x 3x4x4"),
                                         ("split_size_or_sections: [2, 4]", "[2x4x4, 4x4x4]")])
def test_a_layer_of_several_outputs_labels_them_all(args, label):
    """A split is drawn as its first output, and its label says what all of them are."""
    a = check_text(f"input: [6, 4, 4]\nlayers:\n  - split: {{name: s, {args}, dim: 1}}\n"
                   "  - concat: {inputs: ['s[1]', 's[0]']}\n")
    assert not a.diagnostics
    assert label in texts(svg(a, DrawOptions()))
