"""`shapecalc fit`: the input sizes that fit, their rule, and fixes checked by the calculator."""

from __future__ import annotations

import re

import pytest

from shapecalc.analysis.calc import analyze
from shapecalc.analysis.check import check_text
from shapecalc.commands.fit import parse_range
from shapecalc.render.fit import render
from shapecalc.analysis.fit import (
    MAX_SIZES,
    derive_rule,
    errors,
    fit,
    with_input,
    with_layer,
)

from .conftest import ARCH, ROOT

README = (ROOT / "README.md").read_text()


def report(name: str, low: int | None = None, high: int | None = None, dims=None):
    path = ARCH / name
    a = check_text(path.read_text(), f"architectures/{name}")
    return a, fit(a, low, high, dims)


def test_readme_fit_output_is_real(run_cli):
    blocks = re.findall(r"```console\n\$ shapecalc (fit [^\n]*)\n(.*?)```", README, re.DOTALL)
    assert len(blocks) >= 2
    for command, shown in blocks:
        assert run_cli(*command.split()).stdout == shown, command


def test_alexnet_224_suggests_227_and_padding_2():
    _, r = report("alexnet-224.yaml", 1, 300)
    assert not r.fits
    square = r.scans[0]
    assert square.label == "HxW" and square.valid == [67, 99, 131, 163, 195, 227, 259, 291]
    assert square.rule.text("H = W") == "H = W = 32k + 3 for k >= 2"
    assert [name for name, _ in square.strides] == ["conv1", "pool1", "pool2", "pool3"]
    assert [(o.change, o.network_fits) for o in r.nearest] == [("input 3x227x227", True), ("input 3x195x195", True)]
    assert r.nearest[0].chain[0] == "conv1 (227 - 11)/4 + 1 = 55"
    conv1 = r.fixes[0]
    assert conv1.name == "conv1" and conv1.follows is None
    assert [(o.change, o.layer_fits, o.network_fits, o.still_wrong) for o in conv1.options] == [
        ("padding 2", True, True, []), ("stride 3", True, False, ["pool1"])]
    assert [f.follows for f in r.fixes[1:]] == ["fits once conv1 is fixed (padding 2)"] * 3


def test_every_suggestion_is_what_the_calculator_says():
    a, r = report("alexnet-224.yaml", 1, 240)
    spec = a.spec
    index = {layer.name: i for i, layer in enumerate(spec.layers)}
    for fix in r.fixes:
        for option in fix.options:
            key, value = option.change.split(" ", 1) if not option.change.startswith("ceil") else ("ceil_mode", "true")
            if key == "ceil_mode":
                args = {"ceil_mode": True}
            else:
                args = {key: (int(value),) * 2}
            after = analyze(with_layer(spec, index[fix.name], args))
            bad = errors(after)
            assert (fix.name not in bad, not bad) == (option.layer_fits, option.network_fits), option
    for option in r.nearest:
        shape = tuple(int(v) for v in option.change.split()[1].split("x"))
        assert not errors(analyze(with_input(spec, shape)))


def test_rules_of_the_shipped_networks():
    _, unet = report("unet.yaml", 150, 620)
    assert [s.rule.text(s.label) for s in unet.scans] == ["H = 16k + 12 for k >= 11", "W = 16k + 12 for k >= 11"]
    assert unet.fits and unet.scans[0].held == {1: 572}
    _, vgg = report("vgg16.yaml", 1, 130, ["W"])
    assert [s.rule.text(s.label) for s in vgg.scans] == ["W = 32k for k >= 1"]
    _, resnet = report("resnet50.yaml", 200, 240, ["H"])
    assert resnet.scans[0].rule.text("H") == "any H >= 200" and resnet.scans[0].valid == list(range(200, 241))
    _, google = report("googlenet.yaml", 1, 40, ["H"])
    assert google.scans[0].rule.text("H") == "any H >= 15"


@pytest.mark.parametrize(("valid", "low", "high", "text", "exceptions"), [
    ([n for n in range(1, 449) if n % 32 == 3 and n >= 67], 1, 448, "H = 32k + 3 for k >= 2", []),
    (list(range(5, 101)), 1, 100, "any H >= 5", []),
    ([7] + [n for n in range(1, 201) if n % 10 in (1, 3) and n >= 20], 1, 200,
     "H = 10k + 1 for k >= 2, or 10k + 3 for k >= 2", [7]),
    ([n for n in range(1, 201) if n % 16 in (4, 12) and n >= 20], 1, 200, "H = 8k + 4 for k >= 2", []),
    ([224], 1, 448, "no valid H from 225 on", [224]),
])
def test_derive_rule(valid, low, high, text, exceptions):
    rule = derive_rule(valid, low, high)
    assert (rule.text("H"), rule.exceptions) == (text, exceptions)


def test_the_rule_is_true_over_the_range():
    _, r = report("alexnet-224.yaml", 100, 300, ["W"])
    s = r.scans[-1]
    claimed = {s.rule.period * k + off for off, k0 in s.rule.terms for k in range(k0, 400)}
    assert [n for n in range(100, 301) if n in claimed] == s.valid


def test_nothing_to_fit():
    _, r = report("dcgan_generator.yaml")
    assert r.problem == "the input 100 has no spatial dimensions: there is nothing to fit" and r.scans == []
    broken = check_text("input: [3, 8, 8]\nlayers:\n  - conv2d: {out_channels: 2, kernel_size: 3, stride: 0}\n")
    assert fit(broken).problem.startswith("the spec has errors that do not depend on the input size")
    assert render(fit(broken)).startswith("<spec>: input 3x8x8: the spec has errors")


def test_cli(run_cli):
    proc = run_cli("fit", "architectures/alexnet.yaml", "--range", "150:260", "--dim", "w")
    assert proc.returncode == 0
    assert proc.stdout == ("architectures/alexnet.yaml: input 3x227x227: every layer fits\n\n"
                           "Input sizes from 150 to 260 for which every layer fits:\n"
                           "  W with H = 227: 163, 195, 227, 259\n"
                           "    rule: W = 32k + 3 for k >= 5 (32 = 4*2*2*2, the strides of conv1, pool1, pool2, pool3)\n")
    short = run_cli("fit", "architectures/alexnet.yaml", "--range", "200:260", "--dim", "W").stdout
    assert short.endswith("  W with H = 227: 227, 259\n    no rule over so few sizes: widen --range\n")
    assert run_cli("fit", "architectures/alexnet-224.yaml", "--range", "1:240").returncode == 1
    for bad in (["--range", "5"], ["--range", "9:3"], ["--range", f"1:{MAX_SIZES + 1}"], ["--dim", "Z"]):
        proc = run_cli("fit", "architectures/alexnet.yaml", *bad)
        assert proc.returncode == 2 and proc.stderr.startswith("error: "), bad
    assert run_cli("fit", "nosuch.yaml").returncode == 2


def test_parse_range():
    assert parse_range("3:17") == (3, 17)
    with pytest.raises(ValueError, match="MIN:MAX"):
        parse_range("a:b")
