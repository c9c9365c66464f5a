"""Hostile and broken input, generated: mutated shipped specs, random bytes, random YAML and random
spec-shaped documents go through the checker (`check_bytes`, the JSON report) and the lint
pipeline with every output format. Whatever comes in, the run must end in located diagnostics:
no exception escapes, and each run stays under a second (hypothesis' deadline, per example).
About 1,500 examples in all, a few seconds; bugs it found are kept as regular tests below."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from datetime import timedelta

import pytest
import yaml
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from shapecalc.analysis.check import check_bytes, check_text
from shapecalc.diagnostics import RULES
from shapecalc.render.formats import FORMATS
from shapecalc.layers import KINDS
from shapecalc.analysis.lint import Settings, run
from shapecalc.render.report import analysis_dict
from shapecalc.spec.model import LAYER_KEYS, TOP_KEYS

from .conftest import ARCH

SPECS = sorted(p.read_text() for p in ARCH.rglob("*.yaml"))
#: Pieces a mutation inserts: YAML's syntax, tags and anchors, and the numbers that hurt.
TOKENS = ["!!set ", "!!omap ", "!!pairs ", "!!binary ", "!!python/object:os.system ", "!!str ", "!!int ",
          "&a ", "*a", "<<: ", "<<: *a", "- ", ": ", "? ", "{", "}", "[", "]", ", ", "\n", "\n  ", "# ", "'", '"',
          "\t", "|\n", ">\n", "---\n", "...\n", "%YAML 1.1\n", "\ufeff", "\x85", "\u2028", "~", "$x", "$",
          "9" * 5000, "0b1" + "0" * 20000, "0x" + "f" * 3000, "1e400", ".nan", "-.inf", "-1", "0", "2:30:00",
          "2001-12-14", "10" * 40, "null", "true", "input", "layers", "blocks", "outputs", "inputs", "repeat: 3",
          "when: false", "type: ", "conv2d", "relu", "name: input", "name: a.b"]


def fuzz(examples: int) -> settings:
    """Each example (one whole check + lint + every format) within a second, as the issue asks."""
    return settings(max_examples=examples, deadline=timedelta(seconds=1),
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


@pytest.fixture(scope="module")
def workdir(tmp_path_factory):
    return tmp_path_factory.mktemp("fuzz")


def check_everything(data: bytes, workdir) -> None:
    """Check, report and lint `data`; assert every result is well formed."""
    analysis = check_bytes(data, "fuzz.yaml")
    for d in analysis.diagnostics:
        assert d.code in RULES and d.line >= 1 and d.column >= 1 and d.message, d
    if not any(d.severity == "error" for d in analysis.diagnostics):
        assert analysis.spec.input_shape is not None, "accepted without an input shape"
    json.dumps(analysis_dict(analysis))
    path = workdir / "fuzz.yaml"
    path.write_bytes(data)
    result = run([str(path)], Settings())
    assert [d.code for f in result.files for d in f.diagnostics] == [d.code for d in analysis.diagnostics]
    out = {name: render(result) for name, render in FORMATS.items()}
    assert out["text"].count("\n") == len(analysis.diagnostics) + 1
    assert len(json.loads(out["json"])["diagnostics"]) == len(analysis.diagnostics)
    assert len(json.loads(out["sarif"])["runs"][0]["results"]) == len(analysis.diagnostics)
    assert out["github"].count("\n") == len(analysis.diagnostics)
    ET.fromstring(out["junit"])


@st.composite
def mutated_spec(draw) -> bytes:
    text = draw(st.sampled_from(SPECS))
    for _ in range(draw(st.integers(1, 6))):
        at = draw(st.integers(0, len(text)))
        cut = draw(st.integers(0, 30))
        insert = draw(st.one_of(st.sampled_from(TOKENS), st.text(max_size=12)))
        text = text[:at] + insert + text[at + cut:]
    return text.encode("utf-8", "surrogatepass")


SCALARS = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), st.text(max_size=8),
                    st.sampled_from(["same", "valid", "$p", "input", *KINDS]))
KEYS = st.one_of(st.text(max_size=6), st.sampled_from([*TOP_KEYS, *LAYER_KEYS, "params", *KINDS]))
ANY_YAML = st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(KEYS, inner, max_size=4),
                        max_leaves=40)


@st.composite
def spec_shaped(draw) -> str:
    """Mostly well-formed specs with wrong numbers in them: these reach the shape arithmetic."""
    def layer():
        kind = draw(st.sampled_from(sorted(KINDS)))
        names = [a.name for a in KINDS[kind].args] + ["inputs", "name", "when"]
        args = draw(st.dictionaries(st.sampled_from(names), st.one_of(
            st.integers(-2, 2**65), st.lists(st.integers(-1, 70), max_size=4), SCALARS), max_size=5))
        if draw(st.booleans()):  # small: `repeat` multiplies layers, up to the 200,000 of G005
            args["repeat"] = draw(st.integers(-1, 20))
        return {kind: args} if draw(st.booleans()) else {"type": kind, **args}

    doc = {"input": draw(st.lists(st.integers(-1, 2**64), min_size=0, max_size=5)),
           "layers": [layer() for _ in range(draw(st.integers(0, 8)))]}
    if draw(st.booleans()):
        doc["blocks"] = {"unit": {"params": {"p": draw(SCALARS)}, "layers": [layer() for _ in range(2)]}}
        doc["layers"].append({"unit": {"p": draw(SCALARS), "repeat": draw(st.integers(0, 4))}})
    return yaml.safe_dump(doc)


@fuzz(400)
@given(mutated_spec())
def test_mutated_shipped_specs(workdir, data):
    check_everything(data, workdir)


@fuzz(300)
@given(st.binary(max_size=3000))
def test_random_bytes(workdir, data):
    check_everything(data, workdir)


@fuzz(300)
@given(ANY_YAML)
def test_random_yaml(workdir, value):
    check_everything(yaml.safe_dump(value).encode(), workdir)


HOSTILE = [  # absurd numbers: every count stays exact and O(layers), nothing is ever materialised
    f"input: [{2**62}, {2**62}, {2**62}]\nlayers:\n  - conv2d: {{out_channels: {2**62}, kernel_size: 1}}\n"
    f"  - flatten\n  - linear: {{out_features: {2**63 - 1}}}\n",
    f"input: [3, {2**63 - 1}]\nlayers:\n  - conv1d: {{out_channels: 4, kernel_size: {2**62}, dilation: {2**62}}}\n",
    "input: [3, 8, 8]\nlayers:\n  - conv2d: {out_channels: 1" + "0" * 100 + ", kernel_size: 0, stride: -2}\n",
]


@fuzz(500)
@given(spec_shaped())
@example(HOSTILE[0])
@example(HOSTILE[1])
@example(HOSTILE[2])
def test_random_spec_shaped_documents(workdir, text):
    check_everything(text.encode(), workdir)


# What the fuzzer found, kept as plain examples: (spec, [(code, line, column)]).
FOUND = [
    # a tagged root was built as a set and accepted with nothing checked (exit 0)
    ("!!set {input: [3], layers: []}\n", [("Y005", 1, 1)]),
    ("!!omap [input: [3], layers: []]\n", [("Y005", 1, 1)]),
    # Python refuses to read (or print) integers of over 4,300 digits: a ValueError escaped
    ("input: [" + "1" * 5000 + "]\nlayers: []\n", [("Y004", 1, 9)]),
    ("input: [0b1" + "0" * 20000 + "]\nlayers: []\n", [("S004", 1, 9)]),
    ("input: [3]\nlayers:\n  - linear: {units: 0x" + "f" * 5000 + "}\n", [("S010", 3, 21)]),
    # so does a date YAML recognises but the calendar does not
    ("input: [3, 2001-13-45]\nlayers: []\n", [("Y001", 1, 12)]),
]


@pytest.mark.parametrize(("text", "expected"), FOUND)
def test_found_by_fuzzing(text, expected):
    assert [(d.code, d.line, d.column) for d in check_text(text).diagnostics] == expected
