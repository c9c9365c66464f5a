"""Hostile input to the spec parser (issue 15, group "spec"): explicit YAML tags given values
they do not take, chains of blocks, repeats that make nothing, unknown names by the thousand,
and block parameters as names and types. One located diagnostic each, never a traceback or a
hang; the work is bounded by counting function calls or by a subprocess with a generous timeout
that only a real hang would reach."""

from __future__ import annotations

import cProfile
import pstats
import subprocess
import sys

import pytest
from hypothesis import given, settings, strategies as st

from shapecalc.analysis.check import check_text
from shapecalc.spec import parse
from shapecalc.spec.model import MAX_BLOCK_DEPTH, MAX_ENTRIES, MAX_LAYERS

TAGS = ["!!bool", "!!int", "!!float", "!!null", "!!timestamp", "!!binary", "!!str", "!!map", "!!seq", "!!set",
        "!!omap", "!!pairs", "!!merge", "!!value", "!foo", "!!python/name:os.system"]


def found(text: str) -> list[tuple[str, int, int]]:
    return [(d.code, d.line, d.column) for d in check_text(text).diagnostics]


def calls(function, *args) -> int:
    profile = cProfile.Profile()
    profile.runcall(function, *args)
    return pstats.Stats(profile).total_calls


# 1. Every value is built in one guarded place: a tag given what it does not take is one Y005.

@pytest.mark.parametrize("value", ["!!bool maybe", "!!bool ''", "!!int x", "!!int ''", "!!float abc", "!!float ''",
                                   "!!null 3", "!!timestamp nope", "!!map x", "!!seq x", "!!str {a: 1}",
                                   "!!omap [3]", "!!pairs [3]"])
@pytest.mark.parametrize(("template", "column"), [
    ("input: [3, 8, 8]\nlayers:\n  - relu: {{inplace: {v}}}\n", 21),  # an argument
    ("input: [3, 8, 8]\nlayers:\n  - relu: {{name: {v}}}\n", 18),  # a name
    ("input: [3, 8, 8]\nlayers:\n  - relu: {{when: {v}}}\n", 18),  # a flag
    ("input: [3, 8, 8]\nlayers:\n  - relu: {{inputs: {v}}}\n", 20),  # a reference
    ("input: [3, 8, 8]\nlayers:\n  - {{type: {v}}}\n", 12),  # a type
    ("input: [3, 8, 8]\nlayers:\n  - relu: {{inplace: [1, {v}]}}\n", 25),  # inside a list
    ("input: [3, 8, 8]\nlayers:\n  - {v}\n", 5),  # an entry
    ("input: [3, 8, 8]\nlayers: [relu]\nexpect: {{total_params: {v}}}\n", 24),  # an answer
    ("blocks:\n  b: {{params: {{p: {v}}}, layers: [{{relu: {{inplace: $p}}}}]}}\ninput: [3, 8, 8]\nlayers: [b]\n",
     19),  # a block parameter's default
])
def test_a_tag_given_a_value_it_does_not_take_is_one_located_y005(template, column, value):
    text = template.format(v=value)
    diagnostics = check_text(text).diagnostics
    assert [(d.code, d.line) for d in diagnostics] == [("Y005", text[:text.index(value)].count("\n") + 1)], diagnostics
    assert diagnostics[0].column >= column


@pytest.mark.parametrize("text", [
    "name: !!bool maybe\ninput: [3, 8, 8]\nlayers: [relu]\n",
    "input: [3, !!int x, 8]\nlayers: [relu]\n",
    "!!int x\n",
    "!!bool maybe\n",
])
def test_top_level_values_and_the_root(text):
    assert [code for code, _, _ in found(text)] == ["Y005"]


@pytest.mark.parametrize("key", ["!!bool maybe", "!!int x", "!!null 3", "!!timestamp nope",
                                 "!!python/name:os.system x", "!foo x"])
def test_a_tagged_key_is_refused_not_read_as_its_text(key):
    assert found(f"input: [3, 8, 8]\nlayers:\n  - relu: {{{key}: 3}}\n")[0][0] == "Y005"
    assert found(f"input: [3, 8, 8]\n{key}: 3\nlayers: [relu]\n") == [("Y005", 2, 1)]


def test_a_failed_build_leaves_no_state_behind():
    """PyYAML marks a node as being built and left the mark after a failure: the second read of
    the same node (a name is read twice) said 'unsupported tag' as well."""
    text = "input: [3, 8, 8]\nlayers:\n  - relu: {name: &n !!int x}\n  - relu: {name: *n}\n"
    assert found(text) == [("Y005", 3, 18)]


def test_a_date_yaml_recognises_but_the_calendar_does_not_is_still_y001():
    assert found("input: [3, 2001-13-45]\nlayers: []\n") == [("Y001", 1, 12)]


def test_values_that_contain_themselves_or_nest_too_deep():
    assert found("input: [3, 8, 8]\nlayers:\n  - relu: {inplace: &c [*c]}\n") == [("Y004", 3, 21)]
    deep = "[" * 500 + "]" * 500
    block = f"blocks:\n  b: {{params: {{x: 1}}, layers: [{{relu: {{inplace: {deep}}}}}]}}\ninput: [3, 8, 8]\nlayers: [b]\n"
    assert [code for code, _, _ in found(block)] == ["Y004"]


def test_a_sexagesimal_float_is_s013_like_the_int():
    assert found("input: [3, 8, 8]\nlayers:\n  - dropout: {p: 1:30.5}\n") == [("S013", 3, 18)]


@settings(max_examples=150, deadline=None)
@given(tag=st.sampled_from(TAGS), value=st.text(st.characters(min_codepoint=32, max_codepoint=126), max_size=8),
       where=st.sampled_from(["inplace: {t} '{v}'", "{t} '{v}': 1", "name: {t} '{v}'", "repeat: {t} '{v}'"]))
def test_any_tag_on_any_value_anywhere_is_diagnosed_not_raised(tag, value, where):
    value = value.replace("'", "''")
    diagnostics = check_text(f"input: [3, 8, 8]\nlayers:\n  - relu: {{{where.format(t=tag, v=value)}}}\n").diagnostics
    assert all(d.line >= 1 and d.column >= 1 and d.message for d in diagnostics)


# 2. Nothing followed recursively: blocks nest to a located limit, merges and values any depth.

def chain(n: int) -> str:
    blocks = "".join(f"  b{i}: {{layers: [b{i + 1}]}}\n" for i in range(1, n))
    return f"blocks:\n{blocks}  b{n}: {{layers: [relu]}}\ninput: [3, 8, 8]\nlayers: [b1]\n"


def test_a_chain_of_500_blocks_is_one_located_g004():
    diagnostics = check_text(chain(500)).diagnostics
    assert [(d.code, d.line) for d in diagnostics] == [("G004", MAX_BLOCK_DEPTH + 1)]
    assert f"at most {MAX_BLOCK_DEPTH} levels deep" in diagnostics[0].message


def test_a_chain_at_the_limit_is_a_network():
    analysis = check_text(chain(MAX_BLOCK_DEPTH))
    assert analysis.diagnostics == [] and len(analysis.spec.layers) == 1


@pytest.mark.parametrize("command", [["check"], ["check", "--format", "json"], ["lint"], ["explain"], ["fit"],
                                     ["run"]])
def test_every_command_on_a_deep_chain(tmp_path, command):
    path = tmp_path / "chain.yaml"
    path.write_text(chain(500))
    proc = subprocess.run([sys.executable, "-m", "shapecalc", *command, str(path)], capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 1 and "Traceback" not in proc.stdout + proc.stderr
    assert "G004" in proc.stdout + proc.stderr


def test_a_merge_chain_3000_long():
    anchors = "".join(f"a{i}: &a{i} {{<<: *a{i - 1}, k{i}: 1}}\n" for i in range(1, 3000))
    text = f"a0: &a0 {{k0: 1}}\n{anchors}input: [3, 8, 8]\nlayers:\n  - relu: {{<<: *a2999}}\n"
    assert {code for code, _, _ in found(text)} <= {"S002", "S007", "Y004"}


def test_merges_keep_their_priority():
    spec, _ = parse("x: &x {p: 0.1, inplace: true}\ny: &y {<<: *x, p: 0.3}\ninput: [3, 8, 8]\nlayers:\n"
                    "  - dropout: {<<: [*y, *x], inplace: false}\n")
    assert spec.layers[0].args["p"] == 0.3 and spec.layers[0].args["inplace"] is False


# 3. The limits bound time and memory: a repeat over them is refused before it is built.

NESTED_WHEN_FALSE = ("blocks:\n  i: {layers: [{relu: {when: false}}]}\n  m: {layers: [{i: {repeat: 200000}}]}\n"
                     "input: [3, 8, 8]\nlayers:\n  - m: {repeat: 200000}\n")
EMPTY_BLOCKS = ("blocks:\n  i: {layers: []}\n  m: {layers: [{i: {repeat: 200000}}]}\n"
                "input: [3, 8, 8]\nlayers:\n  - m: {repeat: 200000}\n")
BIG_BLOCK_REPEAT = ("blocks:\n  b: {layers: [relu, relu, relu, relu, relu, relu, relu, relu, relu, relu]}\n"
                    "input: [3, 8, 8]\nlayers:\n  - b: {repeat: 200000}\n")


@pytest.mark.parametrize("text", [NESTED_WHEN_FALSE, EMPTY_BLOCKS, BIG_BLOCK_REPEAT])
def test_repeats_over_the_limits_end_with_one_g005(text):
    spec, diagnostics = parse(text)
    assert [d.code for d in diagnostics] == ["G005"]
    assert len(spec.layers) <= 20  # a copy or two measured, not the cap built


def test_a_repeat_over_the_cap_is_refused_before_its_copies_are_built():
    spec, diagnostics = parse("input: [3, 8, 8]\nlayers:\n  - relu\n  - relu: {repeat: 200000}\n")
    assert [(d.code, d.line, d.column) for d in diagnostics] == [("G005", 4, 20)]
    assert len(spec.layers) == 2 and f"more than {MAX_LAYERS:,} layers" in diagnostics[0].message


def test_a_repeat_exactly_at_the_cap_is_legal():
    spec, diagnostics = parse("input: [3, 8, 8]\nlayers:\n  - relu: {repeat: 200000}\n")
    assert diagnostics == [] and len(spec.layers) == MAX_LAYERS


def test_nested_repeats_are_bounded_work():
    """What is refused costs what a copy or two costs, whatever the repeats say."""
    assert calls(parse, NESTED_WHEN_FALSE) < 10_000  # it never ended: 4 * 10^10 block copies


def test_a_list_longer_than_the_entries_limit_is_refused_before_it_is_read():
    text = "input: [3, 8, 8]\nlayers:\n" + "- relu\n" * (MAX_ENTRIES + 1)
    spec, diagnostics = parse(text)
    assert [(d.code, d.line, d.column) for d in diagnostics] == [("G005", 3, 1)] and spec.layers == []


def test_peak_memory_of_a_refused_repeat_is_small():
    code = ("import tracemalloc; from shapecalc.analysis.check import check_text; tracemalloc.start(); "
            f"check_text({BIG_BLOCK_REPEAT!r}); print(tracemalloc.get_traced_memory()[1])")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert int(proc.stdout) < 10_000_000  # bytes: it built 200,000 layers (over 200 MB) before


# 4. Unknown names by the thousand cost linear work: hints have a budget per document.

def unknown_inputs(n: int) -> str:
    return "input: [3, 8, 8]\nlayers:\n" + "".join(f"  - relu: {{inputs: nosuch{i}}}\n" for i in range(n))


def forward_references(n: int) -> str:
    return ("input: [3, 8, 8]\nlayers:\n" + "  - relu: {inputs: zlast}\n" * n + "  - relu\n" * n
            + "  - relu: {name: zlast}\n")


@pytest.mark.parametrize("make", [unknown_inputs, forward_references])
def test_many_unknown_names_grow_linearly(make):
    small, large = calls(parse, make(2000)), calls(parse, make(4000))
    assert large - small < 1.5 * small  # doubling the names: the work grows by less than it was (it was 4x)


def test_suggestions_after_the_cycle_hints_spent_the_budget():
    text = forward_references(1000) + "  - relu: {inputs: zlsat}\n"
    assert check_text(text).diagnostics[-1].code == "G001"


def test_the_first_unknown_names_still_get_their_suggestion():
    text = "input: [3, 8, 8]\nlayers:\n  - relu: {name: conv}\n  - relu: {inputs: conw}\n"
    assert "did you mean 'conv'" in check_text(text).diagnostics[0].message


def test_outputs_full_of_unknown_names():
    names = ", ".join(f"q{i}" for i in range(3000))
    text = "input: [3, 8, 8]\nlayers:\n" + "".join(f"  - relu: {{name: n{i}}}\n" for i in range(3000))
    assert calls(parse, text + f"outputs: [{names}]\n") < 3 * calls(parse, text + "outputs: [n2999]\n") + 2_000_000


# 5. A block parameter as a layer's name or type.

BLOCK = ("blocks:\n  b:\n    params: {n: null, act: relu}\n    layers:\n"
         "      - conv2d: {name: $n, out_channels: 4, kernel_size: 3}\n"
         "      - {type: $act}\n      - $act\n      - $act: {inplace: true}\n")


def test_a_parameter_names_a_layer_and_gives_its_type():
    analysis = check_text(BLOCK + "input: [3, 8, 8]\nlayers:\n  - b: {name: x, n: first, act: silu}\n"
                          "  - conv2d: {inputs: x.first, out_channels: 4, kernel_size: 1}\n  - add: {inputs: [x, conv2d_1]}\n")
    assert [(layer.name, layer.type) for layer in analysis.spec.layers[:4]] == [
        ("x.first", "conv2d"), ("x.silu_1", "silu"), ("x.silu_2", "silu"), ("x.silu_3", "silu")]
    assert not any(d.severity == "error" for d in analysis.diagnostics)


def test_a_wrong_type_from_a_parameter_is_reported_once_where_the_use_writes_it():
    text = BLOCK + "input: [3, 8, 8]\nlayers:\n  - b: {name: x, n: first, act: rellu}\n"
    assert [(code, line) for code, line, _ in found(text)] == [("S006", 11)]


@pytest.mark.parametrize(("use", "code"), [("n: 3", "S009"), ("n: a.b", "S010"), ("n: input", "S010")])
def test_a_bad_name_from_a_parameter(use, code):
    analysis = check_text(BLOCK + f"input: [3, 8, 8]\nlayers:\n  - b: {{name: x, {use}}}\n")
    assert [(d.code, d.line) for d in analysis.diagnostics] == [(code, 11)]
    assert analysis.spec.layers[0].name == "x.conv2d_1"


@pytest.mark.parametrize("entry", ["{type: $nope}", "$nope", "$nope: {inplace: true}", "relu: {name: $nope}"])
def test_an_unknown_parameter_as_a_name_or_type_is_g004(entry):
    text = f"blocks:\n  b: {{params: {{act: relu}}, layers: [{entry}]}}\ninput: [3, 8, 8]\nlayers: [b]\n"
    assert [code for code, _, _ in found(text)] == ["G004"]
    assert [code for code, _, _ in found(f"input: [3, 8, 8]\nlayers: [{entry}]\n")] == ["G004"]
