"""The spec format: every way of writing a layer, and one located diagnostic per mistake."""

from __future__ import annotations

import pytest

from shapecalc.analysis.check import check_bytes, check_text
from shapecalc.spec import parse

CONV = "conv2d: {out_channels: 4, kernel_size: 3}"


def diags(text: str) -> list[tuple[str, int, int]]:
    return [(d.code, d.line, d.column) for d in check_text(text).diagnostics]


def test_three_forms_of_a_layer_are_equivalent():
    spec, d = parse(
        "input: [3, 8, 8]\nlayers:\n"
        "  - type: conv2d\n    out_channels: 4\n    kernel_size: 3\n"
        "  - conv2d: {out_channels: 4, kernel_size: 3}\n"
        "  - relu\n"
        "  - flatten:\n"
    )
    assert d == []
    assert [layer.type for layer in spec.layers] == ["conv2d", "conv2d", "relu", "flatten"]
    assert spec.layers[0].args == spec.layers[1].args


def test_defaults_are_torchs():
    spec, _ = parse("input: [3, 8, 8]\nlayers:\n  - conv2d: {out_channels: 4, kernel_size: 3}\n  - maxpool2d: {kernel_size: 2}\n")
    conv, pool = spec.layers
    assert (conv.args["stride"], conv.args["padding"], conv.args["dilation"], conv.args["groups"], conv.args["bias"]) == (
        (1, 1), (0, 0), (1, 1), 1, True)
    assert pool.args["stride"] is None  # resolved to the kernel size by the shape rule
    assert check_text("input: [3, 8, 8]\nlayers:\n  - maxpool2d: {kernel_size: 2}\n").output_shape == (3, 4, 4)


def test_aliases_and_case():
    spec, d = parse(
        "input: [3, 8, 8]\nlayers:\n"
        "  - Conv2d: {filters: 4, kernel: 3}\n  - conv: {filters: 2, kernel: [1, 3]}\n  - lrn: {size: 3}\n"
        "  - flatten\n  - fc: {units: 10}\n  - dense: {units: 5}\n"
    )
    assert d == []
    assert [layer.type for layer in spec.layers] == ["conv2d", "conv2d", "localresponsenorm", "flatten", "linear", "linear"]
    assert spec.layers[1].args["kernel_size"] == (1, 3)
    assert spec.layers[4].args["out_features"] == 10


def test_default_names_count_per_type_and_avoid_explicit_ones():
    spec, d = parse("input: [4]\nlayers:\n  - relu\n  - {type: relu, name: relu_2}\n  - relu\n  - linear: {units: 3}\n")
    assert d == []
    assert [layer.name for layer in spec.layers] == ["relu_1", "relu_2", "relu_3", "linear_1"]


def test_declared_input_sizes_are_checked():
    text = ("input: [3, 8, 8]\nlayers:\n  - conv2d: {in_channels: 3, out_channels: 4, kernel_size: 3}\n"
            "  - flatten\n  - linear: {in_features: 100, out_features: 2}\n")
    a = check_text(text)
    assert [(d.code, d.line, d.column) for d in a.diagnostics] == [("F004", 5, 27)]
    assert "in_features is 100 but the incoming shape has 144" in a.diagnostics[0].message


def test_frozen_layers_count_as_non_trainable():
    a = check_text("input: [4]\nlayers:\n  - linear: {units: 3, trainable: false}\n  - linear: {units: 2}\n")
    assert (a.total_params, a.trainable_params) == (15 + 8, 8)


def test_batchnorm_running_stats_are_buffers_not_parameters():
    a = check_text("input: [16, 4, 4]\nlayers:\n  - batchnorm2d\n")
    assert (a.total_params, a.buffers) == (32, 33)


def test_linear_on_multi_dimensional_input_warns_but_passes():
    a = check_text("input: [3, 4, 5]\nlayers:\n  - linear: {units: 7}\n")
    assert [(d.code, d.severity) for d in a.diagnostics] == [("W001", "warning")]
    assert a.output_shape == (3, 4, 7)


def test_merge_keys_reuse_arguments():
    a = check_text("input: [3, 16, 16]\nlayers:\n  - conv2d: &c {out_channels: 4, kernel_size: 3, padding: 1}\n"
                   "  - conv2d: {<<: *c, out_channels: 8}\n")
    assert a.diagnostics == [] and a.output_shape == (8, 16, 16)


BAD = [
    # (spec text, [(code, line, column)], a phrase of the message)
    ("", [("S001", 1, 1)], "empty"),
    ("- relu\n", [("S001", 1, 1)], "found a list"),
    ("42\n", [("S001", 1, 1)], "found the scalar 42"),
    ("input: [3, 8, 8\nlayers: []\n", [("Y001", 2, 7)], "invalid YAML"),
    ("input: [3, 8, 8]\n\tlayers: []\n", [("Y001", 2, 1)], "invalid YAML"),
    ("layers: []\n", [("S003", 1, 1)], "missing required key 'input'"),
    ("input: [3, 8, 8]\n", [("S003", 1, 1)], "missing required key 'layers'"),
    ("input: [3, 8, 8]\nlayers: []\nlayrs: []\n", [("S002", 3, 1)], "did you mean 'layers'?"),
    ("input: [3, 0, 8]\nlayers: []\n", [("S004", 1, 12)], "found 0"),
    ("input: [3, 8.5, 8]\nlayers: []\n", [("S004", 1, 12)], "found 8.5"),
    ("input: [true]\nlayers: []\n", [("S004", 1, 9)], "found true"),
    ("input: [1, 2, 3, 4, 5]\nlayers: []\n", [("S004", 1, 8)], "a list of 5 items"),
    ("input: 3x8x8\nlayers: []\n", [("S004", 1, 8)], "found '3x8x8'"),
    ("input: [3, 8, 8]\nlayers: relu\n", [("S005", 2, 9)], "expected a list of layers"),
    ("input: [3, 8, 8]\nlayers:\n  - conv2: {out_channels: 4, kernel_size: 3}\n", [("S006", 3, 5)], "did you mean 'conv2d'?"),
    ("input: [3, 8, 8]\nlayers:\n  - {type: maxpoool2d, kernel_size: 2}\n", [("S006", 3, 12)], "did you mean 'maxpool2d'?"),
    ("input: [3, 8, 8]\nlayers:\n  - conv2d: {out_channels: 4, kernel_sise: 3}\n", [("S007", 3, 31)], "did you mean 'kernel_size'?"),
    ("input: [3, 8, 8]\nlayers:\n  - relu: {alpha: 3}\n", [("S007", 3, 12)], "(it takes inplace)"),
    ("input: [3, 8, 8]\nlayers:\n  - sigmoid: {alpha: 3}\n", [("S007", 3, 15)], "takes no arguments"),
    ("input: [3, 8, 8]\nlayers:\n  - conv2d: {out_channels: 4}\n", [("S008", 3, 5)], "needs 'kernel_size'"),
    ("input: [3, 8, 8]\nlayers:\n  - conv2d: {out_channels: 4.0, kernel_size: 3}\n", [("S009", 3, 28)], "found 4.0"),
    ("input: [3, 8, 8]\nlayers:\n  - conv2d: {out_channels: true, kernel_size: 3}\n", [("S009", 3, 28)], "found true"),
    ("input: [3, 8, 8]\nlayers:\n  - conv2d: {out_channels: '4', kernel_size: 3}\n", [("S009", 3, 28)], "found '4'"),
    ("input: [3, 8, 8]\nlayers:\n  - conv2d: {out_channels: 4, kernel_size: [3, 3, 3]}\n", [("S009", 3, 44)], "a list of 3 items"),
    ("input: [3, 8, 8]\nlayers:\n  - conv2d: {out_channels: 0, kernel_size: 3}\n", [("S010", 3, 28)], "found 0"),
    ("input: [3, 8, 8]\nlayers:\n  - conv2d: {out_channels: 4, kernel_size: 3, stride: -2}\n", [("S010", 3, 55)], "found -2"),
    ("input: [3, 8, 8]\nlayers:\n  - conv2d: {out_channels: 4, kernel_size: 3, padding: full}\n", [("S010", 3, 56)], "'valid' or 'keras_same'"),
    ("input: [3, 8, 8]\nlayers:\n  - dropout: {p: 1.5}\n", [("S010", 3, 18)], "a number in [0, 1]"),
    ("input: [3, 8, 8]\nlayers:\n  - dropout: {p: .nan}\n", [("S010", 3, 18)], "found nan"),
    ("input: [3, 8, 8]\nlayers:\n  - conv2d: {out_channels: 99999999999999999999999, kernel_size: 3}\n", [("S010", 3, 28)], "found 99999999999999999999999"),
    ("input: [3, 8, 8]\nlayers:\n  - {type: relu, name: a}\n  - {type: relu, name: a}\n", [("S011", 4, 24)], "duplicate layer name 'a'"),
    ("input: [3, 8, 8]\nlayers:\n  - conv2d: {out_channels: 4, filters: 4, kernel_size: 3}\n", [("S012", 3, 31)], "given twice"),
    ("input: [3, 8, 8]\ninput: [3, 9, 9]\nlayers: []\n", [("Y003", 2, 1)], "duplicate key 'input'"),
    ("input: [3, 8, 8]\nlayers:\n  - conv2d: {out_channels: 4, kernel_size: 3, kernel_size: 5}\n", [("Y003", 3, 47)], "duplicate key"),
    ("!!python/object/apply:os.system ['true']\n", [("Y005", 1, 1)], "unsupported YAML tag"),
    ("input: !!python/object/apply:os.system ['true']\nlayers: []\n", [("Y005", 1, 8)], "unsupported YAML tag"),
    ("input: [3, 8, 8]\nlayers:\n  - conv2d: {out_channels: !!python/name:os.system '', kernel_size: 3}\n", [("Y005", 3, 28)], "unsupported"),
    ("input: [3, 8, 8]\nlayers:\n  - conv2d: {out_channels: 4, kernel_size: 9}\n", [("F002", 3, 44)], "kernel 9 is larger than the padded input 8"),
    ("input: [3, 8, 8]\nlayers:\n  - conv2d: {in_channels: 4, out_channels: 4, kernel_size: 3}\n", [("F004", 3, 27)], "in_channels is 4"),
    ("input: [3, 8, 8]\nlayers:\n  - conv2d: {out_channels: 4, kernel_size: 3, groups: 2}\n", [("F005", 3, 55)], "does not divide in_channels=3"),
    ("input: [3, 8, 8]\nlayers:\n  - conv1d: {out_channels: 4, kernel_size: 3}\n", [("F003", 3, 5)], "expects a [C, L] input"),
    ("input: [" + "[" * 5000 + "]" * 5000 + "]\nlayers: []\n", [("Y004", 1, 1007)], "nested more than 1000 levels"),
]


@pytest.mark.parametrize(("text", "expected", "phrase"), BAD, ids=[f"{b[1][0][0]}-{i}" for i, b in enumerate(BAD)])
def test_bad_input_gets_one_located_diagnostic(text, expected, phrase):
    a = check_text(text)
    assert [(d.code, d.line, d.column) for d in a.diagnostics] == expected
    assert phrase in a.diagnostics[0].message


def test_messages_name_the_layer():
    (d,) = check_text("input: [3, 8, 8]\nlayers:\n  - relu\n  - conv2d: {out_channels: 0, kernel_size: 3}\n").diagnostics
    assert d.layer == "conv2d_1" and d.message.startswith("conv2d_1: out_channels: expected a positive integer")


@pytest.mark.parametrize(("data", "expected"), [
    (b"input: [3]\nlayers:\n  - r\xe9lu\n", ("Y002", 3, 6)),
    (b"\x00\x01\x02binary", ("Y002", 1, 1)),
    (b"\xef\xbb\xbfinput: [4]\nlayers: [relu]\n", None),  # a UTF-8 byte-order mark is fine
])
def test_bytes_that_are_not_text(data, expected):
    a = check_bytes(data, "x.yaml")
    assert [(d.code, d.line, d.column) for d in a.diagnostics] == ([expected] if expected else [])


def test_alias_bomb_is_not_expanded():
    lol = "\n".join(f"{c}: &{c} [{', '.join(['*' + p] * 9)}]" for p, c in zip("abcdefgh", "bcdefghi"))
    text = f"a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n{lol}\ninput: *i\nlayers:\n  - conv2d: {{out_channels: *i, kernel_size: *i}}\n  - *i\n"
    a = check_text(text)  # 9**9 leaves if expanded; this returns at once
    codes = [d.code for d in a.diagnostics]
    assert codes.count("S002") == 9 and "S004" in codes and "S009" in codes and "S005" in codes
