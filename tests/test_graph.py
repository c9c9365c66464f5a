"""Non-sequential networks and blocks: inputs, merges, when/repeat/first, and their diagnostics."""

from __future__ import annotations

import pytest

from shapecalc.analysis.check import check_text

HEAD = "input: [8, 16, 16]\n"


def run(text: str):
    a = check_text(HEAD + text)
    return a, [(d.code, d.line, d.column) for d in a.diagnostics]


def test_branches_and_merges():
    a, found = run(
        "layers:\n"
        "  - conv2d: {name: a, out_channels: 8, kernel_size: 3, padding: 1}\n"
        "  - conv2d: {name: b, inputs: input, out_channels: 4, kernel_size: 1}\n"
        "  - add: {name: sum, inputs: [a, input]}\n"
        "  - concat: {inputs: [sum, b]}\n"
    )
    assert found == []
    assert [r.output_shape for r in a.layers] == [(8, 16, 16), (4, 16, 16), (8, 16, 16), (12, 16, 16)]
    assert a.layers[2].input_shapes == [(8, 16, 16), (8, 16, 16)]


def test_concat_along_another_dim():
    a, found = run("layers:\n  - concat: {inputs: [input, input], dim: -1}\n")
    assert found == [] and a.output_shape == (8, 16, 32)


def test_add_mismatch_shows_both_shapes_and_sources():
    a, found = run("layers:\n  - conv2d: {name: a, out_channels: 4, kernel_size: 1}\n  - add: {inputs: [a, input]}\n")
    assert found == [("F007", 4, 19)]
    assert a.diagnostics[0].message == ("add_1: add needs shapes that broadcast (each size equal, or 1), found 4x16x16 "
                                        "(from a), 8x16x16 (from input): 4 vs 8 in dimension 1 (counting the batch as 0)")


def test_a_residual_sum_that_broadcasts_by_accident_is_a_warning():
    """1x16x16 + 8x16x16 runs in torch (broadcasting), but a shortcut of the wrong shape is the
    likely cause; a parameter or a gate broadcast on purpose is not warned about."""
    a, found = run("layers:\n  - conv2d: {name: a, out_channels: 1, kernel_size: 1}\n  - add: {inputs: [a, input]}\n")
    assert found == [("W007", 4, 19)] and a.layers[1].output_shape == (8, 16, 16)
    assert "1x16x16 (from a), 8x16x16 (from input)" in a.diagnostics[0].message
    a, found = run("layers:\n  - parameter: {name: p, shape: [8, 1, 1]}\n  - add: {inputs: [input, p]}\n"
                   "  - globalavgpool: {name: g, keepdim: true}\n  - mul: {inputs: [add_1, g]}\n")
    assert found == [] and a.layers[-1].output_shape == (8, 16, 16)


def test_concat_mismatch():
    a, found = run("layers:\n  - maxpool2d: {name: p, kernel_size: 2}\n  - concat: {inputs: [p, input]}\n")
    assert found == [("F007", 4, 22)]
    assert "8x8x8 (from p), 8x16x16 (from input)" in a.diagnostics[0].message


@pytest.mark.parametrize(("layers", "expected", "phrase"), [
    ("  - relu: {inputs: nosuch}\n", [("G001", 3, 20)], "no layer named 'nosuch'"),
    ("  - relu: {name: a, inputs: b}\n  - relu: {name: b}\n", [("G002", 3, 29)], "'b' comes later (line 4)"),
    ("  - relu: {name: a, inputs: b}\n  - relu: {name: b, inputs: a}\n", [("G002", 3, 29)], "would be a cycle"),
    ("  - relu: {inputs: [input, input]}\n", [("G003", 3, 20)], "relu takes one input, found 2"),
    ("  - add\n", [("G003", 3, 5)], "add needs at least two inputs, or one and `other`"),
    ("  - relu: {name: a}\n  - relu: {name: b, inputs: input}\n", [("W002", 3, 5)], "a: its output is never used"),
    ("  - relu: {name: input}\n", [("S010", 3, 18)], "'input' names the input"),
    ("  - relu: {name: a.b}\n", [("S010", 3, 18)], "'.' separates block levels"),
    ("  - relu: {when: $x}\n", [("G004", 3, 18)], "unknown parameter $x in the top level"),
    ("  - relu: {repeat: 0}\n", [("S010", 3, 20)], "repeat: expected an integer from 1"),
])
def test_graph_diagnostics(layers, expected, phrase):
    a, found = run("layers:\n" + layers)
    assert found == expected
    assert phrase in a.diagnostics[0].message


BLOCK = """blocks:
  unit:
    params: {out: null, stride: 1, shortcut: false}
    layers:
      - conv2d: {name: conv, out_channels: $out, kernel_size: 3, stride: $stride, padding: 1}
      - conv2d: {name: proj, inputs: input, out_channels: $out, kernel_size: 1, stride: $stride, when: $shortcut}
      - add: {inputs: [conv, proj], when: $shortcut}
"""


def test_block_expansion_names_and_repeat_with_first():
    a, found = run(BLOCK + "layers:\n  - unit: {name: stage, repeat: 3, out: 16, first: {stride: 2, shortcut: true}}\n")
    assert found == []
    assert [r.spec.name for r in a.layers] == ["stage.0.conv", "stage.0.proj", "stage.0.add_1", "stage.1.conv", "stage.2.conv"]
    assert a.layers[1].spec.inputs == ["input"]
    assert a.layers[3].spec.inputs == ["stage.0.add_1"]
    assert a.output_shape == (16, 8, 8)
    assert [(b.name, b.repeat, b.depth) for b in a.spec.blocks] == [
        ("stage.0", 1, 1), ("stage.1", 1, 1), ("stage.2", 1, 1), ("stage", 3, 0)]


def test_left_out_layer_stands_for_its_input():
    a, found = run(BLOCK + "layers:\n  - unit: {name: u, out: 8}\n")
    assert found == [] and [r.spec.name for r in a.layers] == ["u.conv"]


def test_block_outputs_can_be_referenced_by_name_and_dotted_path():
    a, found = run(BLOCK + "layers:\n  - unit: {name: u, out: 8}\n  - relu: {inputs: u.conv}\n  - add: {inputs: [u, relu_1]}\n")
    assert found == []
    assert a.layers[1].spec.inputs == ["u.conv"] and a.layers[2].spec.inputs == ["u.conv", "relu_1"]


@pytest.mark.parametrize(("use", "code", "phrase"), [
    ("  - unit: {stride: 2}\n", "S008", "needs parameter 'out'"),
    ("  - unit: {out: 8, strid: 2}\n", "G004", "has no parameter 'strid'; did you mean 'stride'?"),
    ("  - unit: {out: 0}\n", "S010", "out_channels: expected a positive integer, found 0"),
    ("  - unit: {out: 8, shortcut: maybe}\n", "S009", "when: expected true or false"),
])
def test_block_use_diagnostics(use, code, phrase):
    a, found = run(BLOCK + "layers:\n" + use)
    assert [c for c, _, _ in found] == [code]
    assert phrase in a.diagnostics[0].message


def test_bad_parameter_value_points_at_the_use_site():
    a, found = run(BLOCK + "layers:\n  - unit: {out: 8}\n  - unit: {out: -1}\n")
    assert found == [("S010", 11, 17)]


def test_template_mistake_reported_once_not_per_use():
    text = BLOCK.replace("kernel_size: 3, stride", "kernel_sise: 3, stride") + "layers:\n  - unit: {out: 8, repeat: 4}\n"
    a, found = run(text)
    assert found == [("S007", 6, 50)]


def test_recursive_block_is_refused():
    a, found = run("blocks:\n  loop:\n    layers:\n      - loop\nlayers:\n  - loop\n")
    assert [c for c, _, _ in found] == ["G004"] and "uses itself (loop -> loop)" in a.diagnostics[0].message


def test_expansion_is_bounded():
    a, found = run("blocks:\n  b:\n    layers:\n      - relu: {repeat: 100000}\nlayers:\n  - b: {repeat: 100000}\n")
    assert ("G005", 6, 5) in found or any(c == "G005" for c, _, _ in found)
    assert len(a.layers) <= 200_000


def test_block_names_may_not_shadow_layer_types():
    a, found = run("blocks:\n  conv2d:\n    layers: [relu]\nlayers: [relu]\n")
    assert [c for c, _, _ in found] == ["G004"]


def test_outputs_key():
    a, found = run("layers:\n  - relu: {name: a}\n  - sigmoid: {name: b, inputs: input}\noutputs: [a, b]\n")
    assert found == [] and a.output_shapes == [(8, 16, 16), (8, 16, 16)]
    a, found = run("layers:\n  - relu\noutputs: [nope]\n")
    assert sorted(c for c, _, _ in found) == ["G001", "W002"]
