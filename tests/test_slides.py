"""Every number on the lecture slides (../shared/seed/README.md) is a test case."""

from __future__ import annotations

import json

import pytest

from shapecalc.analysis.check import check_text

from .conftest import ARCH


def check(name: str):
    return check_text((ARCH / name).read_text(), name)


@pytest.mark.parametrize(("stride", "side"), [(1, 5), (2, 3)])
def test_7x7_input_3x3_filter(stride, side):
    a = check(f"slides/7x7-stride{stride}.yaml")
    assert a.output_shape == (1, side, side)
    assert a.diagnostics == []
    assert a.layers[0].formulas[0] == f"(7 - 3)/{stride} + 1 = {side}"


def test_7x7_stride_3_does_not_fit():
    a = check("slides/7x7-stride3.yaml")
    (d,) = a.diagnostics
    assert (d.code, d.severity, d.layer) == ("F001", "error", "conv")
    assert "(7 - 3)/3 + 1 = 2.33" in d.message
    assert "row 7 and column 7 are never read" in d.message
    assert a.output_shape == (1, 2, 2)  # the floored size torch produces, so the table goes on


def test_7x7_pad_1_keeps_size():
    a = check("slides/7x7-pad1.yaml")
    assert a.output_shape == (1, 7, 7)
    assert a.layers[0].formulas[0] == "(7 + 2*1 - 3)/1 + 1 = 7"


def test_32x32x3_ten_5x5_filters():
    a = check("slides/32x32x3-ten-5x5.yaml")
    assert a.output_shape == (10, 32, 32)
    assert a.total_params == 760
    assert a.layers[0].formulas == ["(32 + 2*2 - 5)/1 + 1 = 32", "(5*5*3)*10 + 10 = 760 params (76 per filter)"]


ALEXNET_TABLE = [  # the slides' "Full (simplified) AlexNet architecture", as [H x W x C]
    ("conv1", (55, 55, 96)), ("pool1", (27, 27, 96)), ("norm1", (27, 27, 96)),
    ("conv2", (27, 27, 256)), ("pool2", (13, 13, 256)), ("norm2", (13, 13, 256)),
    ("conv3", (13, 13, 384)), ("conv4", (13, 13, 384)), ("conv5", (13, 13, 256)),
    ("pool3", (6, 6, 256)), ("fc6", (4096,)), ("fc7", (4096,)), ("fc8", (1000,)),
]


def test_alexnet_every_row():
    a = check("alexnet.yaml")
    assert a.diagnostics == []
    rows = {r.spec.name: r for r in a.layers}
    for name, hwc in ALEXNET_TABLE:
        chw = hwc if len(hwc) == 1 else (hwc[2], hwc[0], hwc[1])
        assert rows[name].output_shape == chw, name
    assert a.total_params == 62_378_344


def test_alexnet_conv1_and_pool1_worked_answers():
    rows = {r.spec.name: r for r in check("alexnet.yaml").layers}
    conv1, pool1 = rows["conv1"], rows["pool1"]
    assert conv1.formulas[0] == "(227 - 11)/4 + 1 = 55"
    assert conv1.params - 96 == 11 * 11 * 3 * 96 == 34_848  # the slides' "(11*11*3)*96 = 35K" weights
    assert conv1.params == 34_944  # plus 96 biases
    assert conv1.formulas[1].startswith("(11*11*3)*96 + 96 = 34,944 params")
    assert pool1.formulas == ["(55 - 3)/2 + 1 = 27"]
    assert (pool1.output_shape, pool1.params) == ((96, 27, 27), 0)


def test_alexnet_224_rejected_with_arithmetic(run_cli):
    proc = run_cli("check", "architectures/alexnet-224.yaml")
    assert proc.returncode == 1
    assert "architectures/alexnet-224.yaml:8:70: F001 conv1: stride does not fit: (224 - 11)/4 + 1 = 54.25" in proc.stdout
    assert "Traceback" not in proc.stdout + proc.stderr


def test_alexnet_table_in_terminal_output(run_cli):
    proc = run_cli("check", "architectures/alexnet.yaml")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "Total params: 62,378,344" in proc.stdout
    assert "3x227x227 -> 96x55x55" in proc.stdout


def test_lenet5():
    a = check("lenet5.yaml")
    shapes = [r.output_shape for r in a.layers if r.spec.type in ("conv2d", "avgpool2d", "linear")]
    assert shapes == [(6, 28, 28), (6, 14, 14), (16, 10, 10), (16, 5, 5), (120, 1, 1), (84,), (10,)]
    assert a.total_params == 61_706


def test_json_for_graders(run_cli):
    doc = json.loads(run_cli("check", "--format", "json", "architectures/slides/32x32x3-ten-5x5.yaml").stdout)
    assert doc["layers"][0]["output_shape"] == [10, 32, 32]
    assert doc["total_params"] == 760
