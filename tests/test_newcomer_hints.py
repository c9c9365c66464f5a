"""The student's mistakes (issue 16): each gets one located diagnostic that names the mistake and
the fix, and a correct spec gets none of these hints."""

from __future__ import annotations

import pytest
import yaml

from shapecalc.analysis.check import check_text
from shapecalc.diagnostics import RULES
from shapecalc.layers import KINDS
from shapecalc.layers.args import SYNONYMS
from shapecalc.spec import parse, yamlsafe

CONV = "conv2d: {out_channels: 10, kernel_size: 5, padding: 2}"


def only(text: str):
    """The one diagnostic the spec gets (the test fails when there are more, or none)."""
    found = check_text(text).diagnostics
    assert len(found) == 1, [f"{d.line}:{d.column} {d.code} {d.message}" for d in found]
    return found[0]


def expect_one(text: str, code: str, line: int, column: int, *words: str) -> None:
    d = only(text)
    assert (d.code, d.line, d.column) == (code, line, column), d
    for word in words:
        assert word in d.message, (word, d.message)


# --- Silently wrong: the input written channels last ---------------------------------------------

def test_channels_last_image_is_warned_where_the_input_is_written():
    expect_one(f"input: [32, 32, 3]\nlayers:\n  - {CONV}\n", "W008", 1, 8,
               "input [32, 32, 3] looks channels-last", "channels first (C, H, W)", "did you mean [3, 32, 32]?",
               "conv2d_1 reads it as 32 channels of 32x3")
    assert RULES["W008"].severity == "warning"


@pytest.mark.parametrize(("shape", "layer", "fix"), [
    ("[64, 64, 4]", "conv2d: {out_channels: 8, kernel_size: 3}", "[4, 64, 64]"),  # RGBA
    ("[28, 28, 1]", "maxpool2d: {kernel_size: 3, stride: 1, padding: 1}", "[1, 28, 28]"),  # grey, a pooling first
    ("[100, 3]", "conv1d: {out_channels: 8, kernel_size: 3, padding: 1}", "[3, 100]"),  # a 1-D signal, (L, C)
    ("[16, 112, 112, 3]", "conv3d: {out_channels: 8, kernel_size: 3, padding: 1}", "[3, 16, 112, 112]"),  # video
])
def test_channels_last_variants(shape, layer, fix):
    d = only(f"input: {shape}\nlayers:\n  - {layer}\n")
    assert d.code == "W008" and (d.line, d.column) == (1, 8)
    assert f"did you mean {fix}?" in d.message


@pytest.mark.parametrize(("shape", "layer", "code", "fix"), [
    ("[28, 28, 1]", "maxpool2d: {kernel_size: 2}", "F002", "[1, 28, 28]"),  # a window wider than 1
    ("[100, 3]", "conv1d: {out_channels: 8, kernel_size: 5}", "F002", "[3, 100]"),
    ("[224, 224, 3]", "conv2d: {in_channels: 3, out_channels: 8, kernel_size: 1}", "F004", "[3, 224, 224]"),
])
def test_an_error_the_layout_causes_carries_the_hint_and_is_the_only_diagnostic(shape, layer, code, fix):
    d = only(f"input: {shape}\nlayers:\n  - {layer}\n")
    assert d.code == code and "looks channels-last: shapes are channels first" in d.message
    assert f"did you mean {fix}?" in d.message


def test_the_reader_is_found_past_layers_that_keep_every_position():
    d = only(f"input: [32, 32, 3]\nlayers:\n  - relu\n  - batchnorm2d\n  - {CONV}\n")
    assert d.code == "W008" and "conv2d_1 reads it" in d.message


@pytest.mark.parametrize("text", [
    f"input: [3, 32, 32]\nlayers:\n  - {CONV}\n",  # channels first: right
    f"input: [3, 224, 224]\nlayers:\n  - {CONV}\n",
    "input: [4, 64, 64]\nlayers:\n  - conv2d: {out_channels: 8, kernel_size: 3}\n",  # RGBA, channels first
    "input: [3, 100]\nlayers:\n  - conv1d: {out_channels: 8, kernel_size: 5}\n",  # a 1-D signal, right
    "input: [12, 5000]\nlayers:\n  - conv1d: {out_channels: 8, kernel_size: 5}\n",  # ECG leads
    "input: [512, 1]\nlayers:\n  - conv1d: {out_channels: 8, kernel_size: 1}\n",  # pointwise on a vector
    "input: [32, 32, 3]\nlayers:\n  - flatten\n  - linear: {out_features: 10}\n",  # no grid is read
    "input: [197, 3]\nlayers:\n  - linear: {out_features: 8}\n",  # tokens: channels last by design
    "input: [3, 8, 8]\nlayers:\n  - conv2d: {out_channels: 4, kernel_size: 3}\n",
    "input: [10]\nlayers:\n  - linear: {out_features: 3}\n",
])
def test_no_channels_hint_on_a_plausible_input(text):
    for d in check_text(text).diagnostics:
        assert d.code != "W008" and "channels-last" not in d.message and "channels first" not in d.message, d


@pytest.mark.parametrize("layer", ["conv2d: {kernel_size: 3}", "conv2d: {out_channels: 4, kernel_size: 3, stride: 0}",
                                   "nosuchlayer", "add: {inputs: [input, input]}"])
def test_a_channels_last_input_read_by_a_broken_layer_never_raises(layer):
    found = check_text(f"input: [32, 32, 3]\nlayers:\n  - {layer}\n").diagnostics
    assert all(d.code in RULES for d in found)


def test_a_wrong_in_channels_is_not_blamed_on_the_layout():
    # [3, 8, 8] is channels first; in_channels 8 is the mistake, not the input
    d = only("input: [3, 8, 8]\nlayers:\n  - conv2d: {in_channels: 8, out_channels: 4, kernel_size: 3}\n")
    assert d.code == "F004" and "channels-last" not in d.message


def test_kernel_larger_than_a_channels_last_width_says_channels_first():
    expect_one("input: [227, 227, 3]\nlayers:\n  - conv2d: {out_channels: 96, kernel_size: 11, stride: 4}\n",
               "F002", 3, 45, "kernel 11 is larger than the padded input 3", "looks channels-last",
               "channels first (C, H, W)", "did you mean [3, 227, 227]?")


def test_in_channels_equal_to_the_last_dimension_says_channels_first():
    expect_one("input: [32, 32, 3]\nlayers:\n  - conv2d: {in_channels: 3, out_channels: 10, kernel_size: 5, padding: 2}\n",
               "F004", 3, 27, "in_channels is 3", "looks channels-last", "did you mean [3, 32, 32]?")
    # any number of channels: a feature map written channels last
    expect_one("input: [32, 32, 16]\nlayers:\n  - conv2d: {in_channels: 16, out_channels: 8, kernel_size: 3}\n",
               "F004", 3, 27, "did you mean [16, 32, 32]?")


def test_a_channels_last_answer_gets_the_channels_first_hint():
    expect_one(f"input: [3, 32, 32]\nlayers:\n  - {CONV}\nexpect: {{output_shape: [32, 32, 10]}}\n",
               "A001", 4, 24, "output_shape is 10x32x32, not 32x32x10", "channels first (C, H, W)",
               "write [10, 32, 32]")
    layer = "  - conv2d: {out_channels: 10, kernel_size: 5, padding: 2, expect: {output_shape: [32, 32, 10]}}\n"
    assert "write [10, 32, 32]" in only(f"input: [3, 32, 32]\nlayers:\n{layer}").message


def test_a_wrong_answer_that_is_not_a_layout_gets_no_layout_hint():
    d = only(f"input: [3, 32, 32]\nlayers:\n  - {CONV}\nexpect: {{output_shape: [10, 28, 28]}}\n")
    assert d.code == "A001" and "channels" not in d.message


# --- Errors that lead to the fix -------------------------------------------------------------------

@pytest.fixture(params=["libyaml", "pure"], autouse=True)
def loader(request, monkeypatch):
    """Every case with libyaml's parser and with PyYAML's own, whose error messages differ."""
    if request.param == "pure":
        monkeypatch.setattr(yamlsafe, "_Loader", yaml.SafeLoader)
    elif not yaml.__with_libyaml__:
        pytest.skip("libyaml is not installed")


@pytest.mark.parametrize(("text", "line", "column"), [
    ("input: [3, 32, 32]\nlayers:\n\t- relu\n", 3, 1),
    ("input: [3, 32, 32]\nlayers:\n  - conv2d:\n\tout_channels: 6\n\tkernel_size: 3\n", 4, 1),
    ("input: [3, 32, 32]\nlayers:\n  - conv2d:\n    \tout_channels: 6\n", 4, 5),  # spaces, then a tab
    ("input: [3, 32, 32]\n\tlayers: []\n", 2, 1),
])
def test_a_tab_indent(text, line, column):
    expect_one(text, "Y001", line, column, "tab", "YAML indents with spaces, not tabs")


def test_forgotten_layers_key_after_the_input():
    expect_one("input: [3, 32, 32]\n- conv2d: {out_channels: 6, kernel_size: 5}\n- relu\n", "Y001", 2, 1,
               "did you forget 'layers:'?")
    expect_one("input: [3, 32, 32]\n  - conv2d: {out_channels: 6, kernel_size: 5}\n", "Y001", 2, 3,
               "did you forget 'layers:'?")


def test_layer_types_as_top_level_keys():
    expect_one("input: [3, 32, 32]\nconv2d: {out_channels: 6, kernel_size: 5}\nrelu:\n", "S003", 2, 1,
               "missing required key 'layers'", "'conv2d' is a layer type", "under the 'layers:' key")
    expect_one("input: [3, 32, 32]\nlayers:\n  - relu\nconv2d: {out_channels: 6, kernel_size: 5}\n", "S002", 4, 1,
               "'conv2d': it is a layer type", "'layers:' list")


def test_layers_written_as_a_mapping():
    expect_one("input: [3, 32, 32]\nlayers:\n  conv2d: {out_channels: 6, kernel_size: 5}\n  relu:\n", "S005", 3, 3,
               "expected a list of layers", "start each layer with '- '")


def test_a_spec_that_is_only_a_list_of_layers():
    expect_one("- conv2d: {out_channels: 6, kernel_size: 5}\n- relu\n", "S001", 1, 1,
               "put them under a 'layers:' key", "input:")


@pytest.mark.parametrize(("entry", "code", "column"), [
    ("- conv2d {out_channels: 6}", "S005", 11),  # valid YAML: the key 'conv2d {out_channels'
    ("- conv2d {out_channels: 6, kernel_size: 5}", "Y001", 11),  # invalid YAML
    ("- conv2d [6, 5]", "S005", 11),
])
def test_a_missing_colon_after_the_type(entry, code, column):
    expect_one(f"input: [3, 32, 32]\nlayers:\n  {entry}\n  - relu\n", code, 3, column,
               "missing ':' after 'conv2d'", "conv2d:")


def test_a_missing_colon_before_block_arguments():
    expect_one("input: [3, 32, 32]\nlayers:\n  - conv2d\n      out_channels: 6\n      kernel_size: 5\n",
               "Y001", 3, 11, "missing ':' after 'conv2d'", "indent its arguments")


def test_a_missing_colon_after_a_top_level_key():
    expect_one("input [3, 32, 32]\nlayers:\n  - relu\n", "Y001", 1, 6, "missing ':' after 'input'", "input: [...]")


def test_arguments_at_the_dash():  # invalid YAML: a key among list items
    expect_one("input: [3, 32, 32]\nlayers:\n  - conv2d:\n  out_channels: 6\n  kernel_size: 5\n  - relu\n",
               "Y001", 4, 3, "arguments of 'conv2d' (line 3) are not indented under it", "past column 5")


def test_arguments_under_the_type_name():  # valid YAML: siblings of 'conv2d', its value null
    expect_one("input: [3, 32, 32]\nlayers:\n  - conv2d:\n    out_channels: 6\n    kernel_size: 5\n  - relu\n",
               "S005", 4, 5, "arguments of 'conv2d' (line 3) are not indented under it", "'out_channels' is its sibling")


def test_arguments_at_the_left_margin():  # valid YAML: top-level keys of the document
    expect_one("input: [3, 32, 32]\nlayers:\n- conv2d:\nout_channels: 6\nkernel_size: 5\n",
               "S005", 4, 1, "arguments of 'conv2d' (line 3) are not indented under it", "past column 3")


def test_a_correctly_indented_spec_gets_nothing():
    for text in ("input: [3, 32, 32]\nlayers:\n  - conv2d:\n      out_channels: 6\n      kernel_size: 5\n  - relu\n",
                 "input: [3, 32, 32]\nlayers:\n- conv2d:\n    out_channels: 6\n    kernel_size: 5\n- relu\n",
                 "input: [3, 32, 32]\nlayers:\n  - conv2d: {out_channels: 6, kernel_size: [3, 3], stride: 1}\n"):
        assert check_text(text).diagnostics == []


@pytest.mark.parametrize(("args", "column", "fix"), [
    ("{out_channels: 6, kernel_size: (3, 3), stride: 1}", 44, "write [3, 3], not (3, 3)"),  # flow: split at the comma
    ("{out_channels: 6, kernel_size: (3, 3)}", 44, "write [3, 3], not (3, 3)"),
    ("\n      out_channels: 6\n      kernel_size: (3, 3)\n      stride: 1", None, "write [3, 3], not (3, 3)"),  # block
])
def test_torch_tuples(args, column, fix):
    d = only(f"input: [3, 32, 32]\nlayers:\n  - conv2d: {args}\n")
    assert d.code == "S009" and "YAML has no tuples" in d.message and fix in d.message, d
    assert "kernel_size" in d.message
    if column is not None:
        assert (d.line, d.column) == (3, column)
    else:
        assert (d.line, d.column) == (5, 20)


def test_every_tuple_is_one_diagnostic_and_the_input_too():
    found = check_text("input: (3, 32, 32)\nlayers:\n"
                       "  - conv2d: {out_channels: 6, kernel_size: (3, 3), stride: (1, 1), padding: (1, 1)}\n"
                       "  - conv3d: {out_channels: 6, kernel_size: (3, 3, 3)}\n").diagnostics
    assert [(d.code, d.line) for d in found] == [("S004", 1), ("S009", 3), ("S009", 3), ("S009", 3), ("S009", 4)]
    assert all("YAML has no tuples" in d.message for d in found)
    assert "write [3, 32, 32]" in found[0].message and "write [3, 3, 3]" in found[-1].message


def test_a_tuple_of_block_parameters():
    blocks = "blocks:\n  b:\n    params: {k: 3}\n    layers:\n      - conv2d: {out_channels: 4, kernel_size: %s}\n"
    spec = "input: [3, 32, 32]\n" + blocks + "layers:\n  - b\n"
    expect_one(spec % "($k, $k)", "G006", 6, 48, "YAML has no tuples: write [$k, $k], not ($k, $k)")
    assert check_text(spec % "[$k, $k]").diagnostics == []


@pytest.mark.parametrize("args", ["{kernel_size: (3, stride: 2}", "{kernel_size: (3, 3, stride: 2}", "{a: (, b: )}",
                                  "{kernel_size: (3, 3: 1)}", "{kernel_size: ((3, 3)), out_channels: 1}",
                                  "{kernel_size: (3, &x 3), out_channels: *x}", "{(3, 3): 1}"])
def test_broken_tuples_never_raise(args):
    spec, found = parse(f"input: [3, 32, 32]\nlayers:\n  - conv2d: {args}\n")
    assert found and all(d.code in RULES for d in found)


@pytest.mark.parametrize(("layer", "wrong", "meant"), [
    ("maxpool: {size: 2}", "size", "kernel_size"),
    ("maxpool2d: {pool_size: 2}", "pool_size", "kernel_size"),
    ("conv2d: {out_channels: 4, filter_size: 3}", "filter_size", "kernel_size"),
    ("conv2d: {out_channels: 4, kernel_size: 3, strides: 2}", "strides", "stride"),
    ("conv2d: {num_filters: 4, kernel_size: 3}", "num_filters", "out_channels"),
    ("conv2d: {out_channels: 4, kernel_size: 3, dilation_rate: 2}", "dilation_rate", "dilation"),
    ("conv2d: {out_channels: 4, kernel_size: 3, use_bias: false}", "use_bias", "bias"),
    ("linear: {output_dim: 10}", "output_dim", "out_features"),
    ("linear: {out_channels: 10}", "out_channels", "out_features"),  # torch's other layer's word
    ("dropout: {rate: 0.5}", "rate", "p"),
    ("batchnorm2d: {epsilon: 0.001}", "epsilon", "eps"),
    ("softmax: {axis: 1}", "axis", "dim"),
    ("leakyrelu: {alpha: 0.2}", "alpha", "negative_slope"),
])
def test_framework_synonyms_come_before_spelling(layer, wrong, meant):
    d = only(f"input: [3, 32, 32]\nlayers:\n  - {layer}\n")
    assert d.code == "S007" and f"no argument '{wrong}'; did you mean '{meant}'?" in d.message, d.message


def test_every_synonym_means_a_real_argument_of_some_kind():
    names = {arg.name for kind in KINDS.values() for arg in kind.args}
    for word, meant in SYNONYMS.items():
        assert set(meant) <= names, (word, set(meant) - names)


def test_a_plain_misspelling_still_gets_the_spelling_suggestion():
    d = only("input: [3, 32, 32]\nlayers:\n  - conv2d: {out_channels: 4, kernel_sise: 3}\n")
    assert "did you mean 'kernel_size'?" in d.message
