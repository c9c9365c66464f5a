"""The JSON Schema of the spec format: shipped, generated from the parser's own tables, and in
agreement with the parser on what is valid (it may let through what only shapecalc can see,
but it must never reject a spec shapecalc accepts)."""

from __future__ import annotations

import json
import os
import re

import jsonschema
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shapecalc.spec import schema as schema_module
from shapecalc.layers import KINDS
from shapecalc.layers.args import schema_of
from shapecalc.spec.schema import build_schema, schema_text
from shapecalc.spec import parse
from shapecalc.spec.model import BLOCK_KEYS, LAYER_KEYS, TOP_KEYS

from .conftest import ARCH, ROOT

SHIPPED = ROOT / "shapecalc" / "schema.json"
SPECS = sorted(ARCH.rglob("*.yaml"))
VALIDATOR = jsonschema.Draft7Validator(build_schema())


def parser_accepts(text: str) -> bool:
    """No spec-level problem: YAML and structure (Y, S) and blocks/graph (G) codes. Shapes (F) and
    warnings (W) are not a schema's business."""
    _, diagnostics = parse(text)
    return not [d for d in diagnostics if d.code[0] in "YSG"]


def schema_accepts(text: str) -> bool:
    return VALIDATOR.is_valid(yaml.safe_load(text))


def test_shipped_file_is_the_generated_schema(golden):
    golden(SHIPPED, schema_text())
    jsonschema.Draft7Validator.check_schema(json.loads(SHIPPED.read_text()))


def test_schema_command_prints_it(run_cli):
    proc = run_cli("schema")
    assert proc.returncode == 0 and proc.stdout == SHIPPED.read_text()


def test_package_data_ships_it():
    pyproject = (ROOT / "pyproject.toml").read_text()
    assert re.search(r'\[tool\.setuptools\.package-data\]\nshapecalc = \[[^]]*"schema\.json"', pyproject)


def test_every_key_and_argument_is_described():
    """What keeps the schema from drifting: a new key or validator fails here until described."""
    assert set(schema_module.TOP) == set(TOP_KEYS)
    assert set(schema_module.ENTRY) == set(LAYER_KEYS)
    assert set(schema_module.BLOCK) == set(BLOCK_KEYS)
    missing = [(kind.type, arg.name) for kind in KINDS.values() for arg in kind.args if schema_of(arg.validate) is None]
    assert missing == [], "give these validators a @json_schema (shapecalc/layers/args.py)"
    assert {k.removeprefix("kind.") for k in build_schema()["definitions"] if k.startswith("kind.")} == set(KINDS)


@pytest.mark.parametrize("path", SPECS, ids=[str(p.relative_to(ARCH)) for p in SPECS])
def test_shipped_specs_validate_and_point_editors_at_the_schema(path):
    text = path.read_text()
    first = text.splitlines()[0]
    assert first == f"# yaml-language-server: $schema={os.path.relpath(SHIPPED, path.parent)}"
    assert (path.parent / first.split("=", 1)[1]).resolve() == SHIPPED
    errors = list(VALIDATOR.iter_errors(yaml.safe_load(text)))
    assert not errors, errors[0].message


LAYERS = "input: [3, 16, 16]\nlayers:\n"
VALID = [
    LAYERS + "  - relu\n  - Conv2d: {filters: 4, kernel: 3}\n  - {type: MaxPool2d, kernel_size: 2}\n",
    LAYERS + "  - conv2d: {out_channels: 4, kernel_size: [3, 1], padding: same, bias: false, in_channels: null}\n",
    LAYERS + "  - flatten:\n  - dense: {units: 10, trainable: false}\n",
    LAYERS + "  - conv2d: {out_channels: 4, kernel_size: 3, name: c1}\n  - {type: relu, inputs: c1}\n",
    LAYERS + "  - conv2d: {out_channels: 4, kernel_size: 3, repeat: 2, first: {stride: 2}}\n",
    LAYERS + "  - conv2d: {when: false, kernel_size: 0}\n  - relu\n",
    LAYERS + "  - conv2d: &c {out_channels: 4, kernel_size: 3}\n  - conv2d: {<<: *c, out_channels: 8}\n",
    LAYERS + "  - dropout: {p: 1}\n  - adaptiveavgpool2d: {output_size: [null, 1]}\n",
    "name: n\ndescription: d\ninput: [3, 16, 16]\nlayers: []\noutputs: input\n",
    "input: [3, 16, 16]\nblocks:\n  unit:\n    params: {c: null}\n    layers:\n"
    "      - conv2d: {out_channels: $c, kernel_size: 3, padding: 1}\n      - relu\n"
    "layers:\n  - unit: {c: 4}\n  - {type: unit, c: 8, repeat: 2}\n",
]
INVALID = [
    "- relu\n",
    "input: [3, 16, 16]\n",
    "input: [3, 16, 16]\nlayers: []\nlayrs: []\n",
    "input: [3, 0, 16]\nlayers: []\n",
    "input: [1, 2, 3, 4, 5]\nlayers: []\n",
    "input: [3, 16, 16]\nlayers: relu\n",
    LAYERS + "  - conv2: {out_channels: 4, kernel_size: 3}\n",
    LAYERS + "  - {type: maxpoool2d, kernel_size: 2}\n",
    LAYERS + "  - conv2d: {out_channels: 4, kernel_sise: 3}\n",
    LAYERS + "  - sigmoid: {alpha: 3}\n",
    LAYERS + "  - conv2d: {out_channels: 4}\n",
    LAYERS + "  - conv2d: {out_channels: true, kernel_size: 3}\n",
    LAYERS + "  - conv2d: {out_channels: '4', kernel_size: 3}\n",
    LAYERS + "  - conv2d: {out_channels: 4, kernel_size: [3, 3, 3]}\n",
    LAYERS + "  - conv2d: {out_channels: 4, kernel_size: 3, stride: -2}\n",
    LAYERS + "  - conv2d: {out_channels: 4, kernel_size: 3, padding: full}\n",
    LAYERS + "  - dropout: {p: 1.5}\n",
    LAYERS + "  - conv2d: {out_channels: 99999999999999999999999, kernel_size: 3}\n",
    LAYERS + "  - conv2d: {out_channels: 4, filters: 4, kernel_size: 3}\n",
    LAYERS + "  - [relu]\n",
    LAYERS + "  - {relu: null, tanh: null}\n",
    LAYERS + "  - {type: relu, name: 'a.b'}\n",
    LAYERS + "  - {type: relu, repeat: 0}\n",
    LAYERS + "  - {type: relu, first: [1]}\n",
    "input: [3, 16, 16]\nblocks:\n  conv2d: {layers: []}\nlayers: []\n",
    "input: [3, 16, 16]\nblocks:\n  unit: {layers: [], extra: 1}\nlayers: []\n",
    "input: [3, 16, 16]\nblocks:\n  unit:\n    layers:\n      - conv2d: {out_channels: $c, kernel_sise: 3}\n"
    "layers: [unit]\n",
]


@pytest.mark.parametrize("text", VALID)
def test_schema_accepts_what_the_parser_accepts(text):
    assert parser_accepts(text)
    assert schema_accepts(text), next(VALIDATOR.iter_errors(yaml.safe_load(text))).message


@pytest.mark.parametrize("text", INVALID)
def test_schema_rejects_what_the_parser_rejects(text):
    assert not parser_accepts(text)
    assert not schema_accepts(text)


def test_what_only_shapecalc_can_see():
    """Documented gaps (shapecalc/spec/schema.py): the schema passes these, the parser does not."""
    for text in (LAYERS + "  - conv2d: {out_channels: 4.0, kernel_size: 3}\n",  # JSON has one number type
                 LAYERS + "  - {type: relu, name: a}\n  - {type: relu, name: a}\n",  # unique names
                 LAYERS + "  - {type: relu, inputs: nowhere}\n",  # references
                 LAYERS + f"  - softplus: {{beta: {2**63}}}\n"):  # an int beyond int64 where a real goes
        assert schema_accepts(text) and not parser_accepts(text)


# One layer of a random kind with random arguments: schema and parser must agree exactly, except
# for the documented gaps, which these values avoid (no whole floats, no NaN, no integers beyond
# int64: a real-valued argument takes 1e19 but not 10000000000000000000, and JSON cannot tell).
VALUES = st.one_of(
    st.sampled_from([0, 1, 2, 3, -1, 0.5, 1.5, True, False, None, "same", "valid", "zeros", "tanh", "x", "",
                     [], [1], [2, 3], [1, 2, 3], [[0, 1], [1]], [[0, 0]], [None, 2], {"a": 1}]),
    st.integers(-3, 40),
)


@st.composite
def one_layer(draw) -> str:
    kind = draw(st.sampled_from(sorted(KINDS)))
    names = [n for a in KINDS[kind].args for n in (a.name, *a.aliases)] + ["bogus", "name", "trainable"]
    args = draw(st.dictionaries(st.sampled_from(names), VALUES, max_size=4))
    form = draw(st.sampled_from(["short", "typed"]))
    entry = {kind: args} if form == "short" else {"type": kind, **args}
    return yaml.safe_dump({"input": [4, 9, 9], "layers": [entry]})


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(one_layer())
def test_schema_and_parser_agree_on_random_layers(text):
    assert schema_accepts(text) == parser_accepts(text), text
