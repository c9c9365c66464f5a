"""The README is the front door: its pasted output, code table and layer table must stay true."""

from __future__ import annotations

import json
import re

from shapecalc.diagnostics import RULES
from shapecalc.layers import KINDS, TYPE_ALIASES

from .conftest import ROOT

README = (ROOT / "README.md").read_text()


def strip(text: str) -> str:
    return "\n".join(line.rstrip() for line in text.strip().splitlines())


def test_pasted_alexnet_table_is_real(run_cli):
    actual = strip(run_cli("check", "architectures/alexnet.yaml").stdout)
    assert actual in strip(README)


def test_pasted_80_column_table_is_real(run_cli):
    actual = strip(run_cli("check", "architectures/alexnet.yaml", columns="80").stdout)
    assert f"`COLUMNS=80 shapecalc check architectures/alexnet.yaml`:\n\n```text\n{actual}\n```" in README


def test_pasted_alexnet_224_diagnostics_are_real(run_cli):
    for line in run_cli("check", "architectures/alexnet-224.yaml").stdout.splitlines():
        if line.startswith("architectures/"):
            assert line.rstrip() in README


def test_every_code_documented_with_its_severity():
    rows = dict(re.findall(r"^\| ([A-Z]\d{3}) \| (error|warning) \|", README, re.M))
    assert rows == {code: rule.severity for code, rule in RULES.items()}


def test_every_layer_type_alias_and_argument_documented():
    section = README.split("### Layer types and arguments")[1].split("## `--format json`")[0]
    for type_name, kind in KINDS.items():
        assert f"`{type_name}`" in section, type_name
        for arg in kind.args:
            assert f"`{arg.name}`" in section, (type_name, arg.name)
    aliases = README.split("### Aliases")[1].split("###")[0]
    for alias in [*TYPE_ALIASES, "filters", "kernel", "units"]:
        assert f"`{alias}`" in aliases


def test_every_json_key_documented(run_cli):
    doc = json.loads(run_cli("check", "-f", "json", "architectures/alexnet-224.yaml").stdout)
    section = README.split("## `--format json`")[1].split("## Exit codes")[0]
    keys = set(doc) | set(doc["layers"][0]) | set(doc["diagnostics"][0])
    for key in keys:
        assert f"`{key}`" in section or key in section.split("`diagnostics`")[1], key


def test_pasted_lenet5_export_is_what_the_tool_writes(run_cli):
    proc = run_cli("export", "architectures/lenet5.yaml", "--to", "torch")
    assert proc.returncode == 0
    assert f"```python\n{proc.stdout}```" in README
