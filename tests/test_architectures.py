"""The shipped architectures without torch: ResNet-50 written short with its blocks, and LeNet-5
(1998) against the paper's own table. tests/oracle/test_architectures.py compares them with torch
models written by hand."""

from __future__ import annotations

from shapecalc.analysis.check import check_text

from .conftest import ARCH


def analysis(name: str):
    a = check_text((ARCH / f"{name}.yaml").read_text(), name)
    assert [d for d in a.diagnostics if d.severity == "error"] == []
    return a


def test_resnet50_is_short_and_shows_its_blocks():
    text = (ARCH / "resnet50.yaml").read_text()
    assert len(text.splitlines()) < 50
    a = analysis("resnet50")
    groups = {b.name: b for b in a.spec.blocks if b.repeat > 1}
    assert {name: b.repeat for name, b in groups.items()} == {"layer1": 3, "layer2": 4, "layer3": 6, "layer4": 3}
    assert "layer3.5.conv2" in {r.spec.name for r in a.layers}


PAPER = {  # LeCun et al. 1998: parameters / connections per layer
    "C1": (156, 122_304), "S2": (12, 5_880), "C3": (1_516, 151_600), "S4": (32, 2_000),
    "C5": (48_120, 48_120), "F6": (10_164, 10_164),
}


def test_lenet5_1998_reproduces_the_paper():
    a = analysis("lenet5-1998")
    rows = {r.spec.name: r for r in a.layers}
    assert {name: (rows[name].params, rows[name].connections) for name in PAPER} == PAPER
    assert a.connections == 340_908
    assert a.trainable_params == 60_000  # "about 60,000 trainable parameters"; the RBF weights are fixed
    assert rows["C3"].params != 2_416  # the common mistake: C3 fully connected


def test_lenet5_1998_connections_column(run_cli):
    out = run_cli("check", "--connections", "architectures/lenet5-1998.yaml").stdout
    assert "connections: 340,908" in out and "151,600" in out
