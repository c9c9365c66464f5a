"""`shapecalc lint` in a real repository (issue 16): a small repository built in tmp_path with the
YAML a project holds besides its specs, `# noqa` comments, per-file ignores, a subproject with
its own configuration, and runs from a subfolder; and `fit`'s default range and JSON report."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from shapecalc.analysis.check import check_text
from shapecalc.analysis.fit import fit
from shapecalc.analysis.lint import (CONFIG_KEYS, ConfigError, Configs, Overrides, load_settings, looks_like_spec,
                                     noqa_lines, project_root, run)
from shapecalc.render.formats import github, json_report, sarif, text

from .conftest import ROOT

MISFIT = "input: [1, 7, 7]\nlayers:\n  - conv2d: {out_channels: 1, kernel_size: 3, stride: 3}"
WARNS = "input: [3, 4, 5]\nlayers:\n  - linear: {units: 7}\n"
FILES = {
    ".git/HEAD": "ref: refs/heads/main\n",
    "pyproject.toml": "[project]\nname = 'models'\n\n[tool.shapecalc]\n"
                      "per-file-ignores = {\"architectures/legacy/*.yaml\" = [\"W001\"]}\n",
    "docker-compose.yml": "services:\n  web:\n    image: nginx\n    ports: ['8000:80']\n",
    "mkdocs.yml": "site_name: Models\nnav:\n  - index.md\n",
    "empty.yaml": "",
    ".github/workflows/ci.yml": "on: push\njobs: {}\n",
    "architectures/typo.yaml": MISFIT + "\n",
    "architectures/noqa.yaml": "input: [1, 16, 16]\nlayers:\n"
                               "  - conv2d: {out_channels: 1, kernel_size: 3, stride: 2}  # noqa: F001\n"
                               "  - maxpool2d: {kernel_size: 1, stride: 2}  # NOQA\n"
                               "  - conv2d: {out_channels: 1, kernel_size: 2, stride: 3}  # noqa: W001, F001  # why\n"
                               "  - conv2d: {out_channels: 1, kernel_size: 2, stride: 2}  # noqa: W001\n",
    "architectures/legacy/old.yaml": WARNS,
    "architectures/warn.yaml": WARNS,
    "architectures/tabs.yaml": "input: [3, 8, 8]\nlayers:\n\t- relu\n",
    "architectures/sub/pyproject.toml": "[tool.shapecalc]\nignore = [\"F001\"]\n",
    "architectures/sub/strided.yaml": MISFIT + "\n",
    "architectures/sub/py/pyproject.toml": "[project]\nname = 'no shapecalc table: passed over'\n",
    "architectures/sub/py/strided.yaml": MISFIT + "\n",
}
SPECS = ["architectures/legacy/old.yaml", "architectures/noqa.yaml", "architectures/sub/py/strided.yaml",
         "architectures/sub/strided.yaml", "architectures/tabs.yaml", "architectures/typo.yaml",
         "architectures/warn.yaml"]


@pytest.fixture
def repo(tmp_path, monkeypatch):
    for name, body in FILES.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(body)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def lint(*args: str, **options):
    """The run the command makes, in-process, from the working folder."""
    cwd = Path.cwd()
    return run(args, Configs.load(cwd, Overrides.parse(**options)), project_root(cwd))


def found(result) -> dict[str, list[tuple[str, int]]]:
    """Each linted file, from the project root, with its (code, line)s."""
    return {result.from_root(f.path): [(d.code, d.line) for d in f.diagnostics] for f in result.files}


def cli(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "NO_COLOR": "1", "COLUMNS": "200", "PYTHONPATH": str(ROOT)}
    env.pop("FORCE_COLOR", None)
    return subprocess.run([sys.executable, "-m", "shapecalc", *args], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=60)


# -- only specs are linted from folders and globs ---------------------------------------------------
def test_a_folder_lints_its_specs_and_skips_the_other_yaml(repo):
    result = lint(".")
    assert sorted(found(result)) == SPECS
    assert sorted(result.skipped) == ["docker-compose.yml", "empty.yaml", "mkdocs.yml"]  # .github: hidden
    assert text(result).endswith(" Skipped 3 YAML files without a top-level input or layers (not specs).\n")
    assert json.loads(json_report(result))["skipped"] == result.skipped


def test_a_glob_lints_only_specs_too(repo):
    result = lint("*.y*ml", "architectures/**/*.yaml")
    assert sorted(found(result)) == SPECS and sorted(result.skipped) == ["docker-compose.yml", "empty.yaml",
                                                                         "mkdocs.yml"]


def test_a_file_named_outright_is_always_linted(repo):
    result = lint("mkdocs.yml", "empty.yaml")
    mkdocs = result.files[0].diagnostics
    assert [d.code for d in mkdocs] == ["S002", "S003", "S002"]
    assert mkdocs[0].message.startswith("unknown top-level key 'site_name'")
    assert [d.code for d in result.files[1].diagnostics] == ["S001"] and result.skipped == []


@pytest.mark.parametrize(("data", "spec"), [
    (b"input: [3, 8, 8]\nlayers: [relu]\n", True),
    (b"# a comment\nname: x\nlayers:\n  - relu\n", True),
    (b"\xef\xbb\xbf'input' : [3]\n", True),
    (b"{input: [3], layers: [relu]}\n", True),
    (b"--- \nlayers: []\n", True),
    (b"input: [3, 8, 8\nlayers: []\n", True),  # does not parse: still a spec, and gets its Y001
    (b"input: [3]\nlayers:\n  - r\xe9lu\n", True),  # not UTF-8 either
    (b"services:\n  app:\n    input: x\n    layers: y\n", False),  # nested keys are not top-level
    (b"site_name: x\n", False),
    (b"- conv2d\n- relu\n", False),
    (b"", False),
    (b"inputs: [a]\nlayer: b\n", False),
])
def test_how_a_spec_is_recognised(data, spec):
    assert looks_like_spec(data) is spec


# -- # noqa and per-file-ignores ----------------------------------------------------------------------
def test_noqa_suppresses_the_codes_on_its_line(repo):
    """Without the comments: F001 on lines 3 and 5, W004 on 4, F002 on 6 (which a W001 leaves)."""
    assert found(lint("architectures/noqa.yaml")) == {"architectures/noqa.yaml": [("F002", 6)]}
    proc = cli("lint", "architectures/noqa.yaml", cwd=repo)
    assert proc.returncode == 1 and proc.stdout.startswith("architectures/noqa.yaml:6:44: F002 ")
    assert proc.stderr == ""  # every code named is one of shapecalc's


def test_noqa_parsing():
    data = ("a: 1  # noqa\nb: 2 # noqa:F001,W002\nc: 3  #NOQA : s002 w003  # why\nd: '# noqa'\n"
            "e: 5  # noqa: F01\nf: 6  # noqa:\ng: '# noqa: F001' # not a directive, this comment is\n"
            "h: x#noqa\n").encode()
    lines, notes = noqa_lines(data, "n.yaml")
    assert lines == {1: None, 2: {"F001", "W002"}, 3: {"S002", "W003"}, 5: frozenset(), 6: frozenset()}
    assert notes == ["n.yaml:5: '# noqa' names 'F01', which is no shapecalc code; did you mean F010?",
                     "n.yaml:6: '# noqa:' without codes suppresses nothing (write '# noqa' for every code)"]
    assert noqa_lines("a: 1\r\nb: 2  # noqa\rc: 3\u2028d: 4  # noqa: F001\n".encode(), "x") == (
        {2: None, 4: {"F001"}}, [])  # lines counted as PyYAML counts them


def test_a_noqa_with_an_unknown_code_is_a_warning_on_stderr_and_suppresses_nothing(repo):
    (repo / "architectures" / "typo.yaml").write_text(MISFIT + "  # noqa: F01\n")
    proc = cli("lint", "architectures/typo.yaml", cwd=repo)
    assert proc.returncode == 1 and "F001" in proc.stdout
    assert proc.stderr == ("warning: architectures/typo.yaml:3: '# noqa' names 'F01', which is no shapecalc code; "
                           "did you mean F010?\n")


def test_per_file_ignores(repo):
    result = found(lint("architectures"))
    assert result["architectures/legacy/old.yaml"] == [] and result["architectures/warn.yaml"] == [("W001", 3)]
    assert found(lint("architectures", select=["W001"]))["architectures/legacy/old.yaml"] == []  # after --select
    (repo / "pyproject.toml").write_text('[tool.shapecalc]\nper-file-ignores = {"warn.yaml" = ["W"]}\n')
    result = found(lint("architectures"))  # a pattern without a slash: the file's name anywhere
    assert result["architectures/warn.yaml"] == [] and result["architectures/legacy/old.yaml"] == [("W001", 3)]


@pytest.mark.parametrize(("body", "message"), [
    ('per-file-ignores = ["W001"]', "per-file-ignores: expected a table of patterns"),
    ('per-file-ignores = {"a/*" = "W001"}', "per-file-ignores 'a/\\*': expected a list of strings"),
    ('per-file-ignores = {"a/*" = ["W01"]}', "per-file-ignores 'a/\\*': unknown rule code or prefix 'W01'"),
])
def test_bad_per_file_ignores(tmp_path, body, message):
    (tmp_path / "pyproject.toml").write_text(f"[tool.shapecalc]\n{body}\n")
    with pytest.raises(ConfigError, match=message):
        load_settings(tmp_path)


# -- the configuration per file ---------------------------------------------------------------------
def test_each_file_gets_the_nearest_configuration(repo):
    result = found(lint("."))
    assert result["architectures/sub/strided.yaml"] == []  # sub/pyproject.toml ignores F001
    assert result["architectures/sub/py/strided.yaml"] == []  # a pyproject without the table is passed over
    assert result["architectures/typo.yaml"] == [("F001", 3)]
    os.chdir(repo / "architectures" / "sub")  # the same files, whatever the working folder
    assert found(lint("..", "../../architectures/sub/strided.yaml")) == result
    assert found(lint(".", select=["F"]))["architectures/sub/strided.yaml"] == [("F001", 3)]  # options: every file


def test_a_bad_configuration_beside_a_linted_file_exits_2(repo):
    (repo / "architectures" / "sub" / "pyproject.toml").write_text("[tool.shapecalc]\nignore_codes = []\n")
    proc = cli("lint", ".", cwd=repo)
    assert proc.returncode == 2 and proc.stdout == ""
    assert proc.stderr.endswith("[tool.shapecalc] has no key 'ignore_codes'; did you mean 'ignore'?\n")


@pytest.mark.parametrize("key", CONFIG_KEYS)
def test_every_config_key_typo_gets_the_key_meant(tmp_path, key):
    typo = key.replace("-", "_") if "-" in key else key[:-1]
    (tmp_path / "pyproject.toml").write_text(f"[tool.shapecalc]\n{typo} = []\n")
    with pytest.raises(ConfigError, match=f"has no key '{typo}'; did you mean '{key}'\\?$"):
        load_settings(tmp_path)


# -- paths from the project root, and --strict --------------------------------------------------------
def test_annotations_and_sarif_name_files_from_the_root_when_run_from_a_subfolder(repo):
    sub = repo / "architectures"
    annotations = cli("lint", "--format", "github", ".", cwd=sub).stdout.splitlines()
    assert annotations[0].startswith("::error title=F002,file=architectures/noqa.yaml,line=6,col=44::")
    assert "::warning title=W001,file=architectures/warn.yaml,line=3,col=5::" in "\n".join(annotations)
    run_ = json.loads(cli("lint", "--format", "sarif", "typo.yaml", cwd=sub).stdout)["runs"][0]
    assert run_["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"] == {
        "uri": "architectures/typo.yaml", "uriBaseId": "%SRCROOT%"}
    assert run_["originalUriBaseIds"] == {"%SRCROOT%": {"uri": repo.as_uri() + "/"}}
    junit = cli("lint", "--format", "junit", "typo.yaml", cwd=sub).stdout
    assert '<testcase classname="architectures/typo.yaml" name="F001"' in junit
    assert cli("lint", "typo.yaml", cwd=sub).stdout.startswith("typo.yaml:3:55: F001")  # text: as given


def test_a_file_outside_the_root_keeps_its_absolute_path(repo, tmp_path_factory):
    outside = tmp_path_factory.mktemp("elsewhere") / "x.yaml"
    outside.write_text(MISFIT + "\n")
    result = lint(str(outside))
    assert github(result).startswith(f"::error title=F001,file={outside},")
    location = json.loads(sarif(result))["runs"][0]["results"][0]["locations"][0]["physicalLocation"]
    assert location["artifactLocation"] == {"uri": outside.as_uri()}


def test_project_root(tmp_path):
    deep = tmp_path / "a" / "b"
    deep.mkdir(parents=True)
    assert project_root(deep) == deep  # nothing above: the working folder (tmp_path is outside any repository)
    (tmp_path / "a" / "pyproject.toml").write_text("")
    assert project_root(deep) == tmp_path / "a"
    (tmp_path / ".git").write_text("gitdir: elsewhere\n")  # a worktree's .git is a file
    assert project_root(deep) == tmp_path  # git wins over a nearer pyproject.toml


def test_strict_writes_the_failing_warnings_as_errors(repo):
    for args, level in ((["--strict"], "error"), ([], "warning")):
        proc = cli("lint", "--format", "github", *args, "warn.yaml", cwd=repo / "architectures")
        assert proc.stdout.startswith(f"::{level} title=W001,file=architectures/warn.yaml,")
        assert proc.returncode == (1 if args else 0)
        results = json.loads(cli("lint", "--format", "sarif", *args, "warn.yaml", cwd=repo / "architectures").stdout)
        assert results["runs"][0]["results"][0]["level"] == level


# -- fit: the default range, and --format json ---------------------------------------------------------
@pytest.mark.parametrize(("size", "high"), [(7, 64), (32, 64), (40, 80), (227, 454)])
def test_fit_default_range_is_twice_the_largest_size_and_at_least_64(size, high):
    a = check_text(f"input: [1, {size}, {size // 2 or 1}]\nlayers:\n  - maxpool2d: {{kernel_size: 2}}\n")
    assert {(s.low, s.high) for s in fit(a).scans} == {(1, high)}


def fit_json(run_cli, *args: str) -> tuple[dict, subprocess.CompletedProcess]:
    proc = run_cli("fit", "--format", "json", *args)
    assert proc.stdout.count("\n") == 1  # one document on one line
    return json.loads(proc.stdout), proc


def test_fit_json_is_the_text_report(run_cli):
    doc, proc = fit_json(run_cli, "architectures/alexnet-224.yaml", "--range", "1:240")
    assert proc.returncode == 1 and doc["fits"] is False and doc["input_shape"] == [3, 224, 224]
    shown = run_cli("fit", "architectures/alexnet-224.yaml", "--range", "1:240").stdout
    first = doc["scans"][0]
    assert (first["dims"], first["held"], first["low"], first["high"]) == (["H", "W"], {}, 1, 240)
    assert first["valid"] == [67, 99, 131, 163, 195, 227]
    assert first["rule"]["text"] == "H = W = 32k + 3 for k >= 2" and f"rule: {first['rule']['text']} (32 = " in shown
    assert first["rule"]["terms"] == [{"offset": 3, "from_k": 2}] and first["rule"]["period"] == 32
    assert [s["stride"] for s in first["rule"]["strides"]] == [4, 2, 2, 2]
    assert [o["change"] for o in doc["nearest_inputs"]] == ["input 3x227x227", "input 3x195x195"]
    conv1 = doc["layer_fixes"][0]
    assert conv1["layer"] == "conv1" and conv1["options"][0] == {
        "change": "padding 2", "arithmetic": "(224 + 2*2 - 11)/4 + 1 = 55.25 -> 55 (the remainder drops only "
        "padding, no real input is lost)", "layer_fits": True, "network_fits": True, "still_wrong": [], "chain": []}
    assert doc["layer_fixes"][1]["follows"] == "fits once conv1 is fixed (padding 2)"
    assert {d["code"] for d in doc["diagnostics"]} == {"F001"}
    assert doc["scans"][1]["held"] == {"W": 227}


def test_fit_json_problem_and_a_fitting_spec(run_cli, spec_file):
    doc, proc = fit_json(run_cli, str(spec_file("input: [3, 8, 8]\nlayers:\n  - conv2d: {out_channels: 2, "
                                                 "kernel_size: 3, stride: 0}\n")))
    assert proc.returncode == 1 and doc["problem"].startswith("the spec has errors") and doc["scans"] == []
    assert [d["code"] for d in doc["diagnostics"]] == ["S010"]
    doc, proc = fit_json(run_cli, "architectures/lenet5.yaml")
    assert proc.returncode == 0 and doc["fits"] and doc["nearest_inputs"] == doc["layer_fixes"] == []
    assert [(s["dims"], s["low"], s["high"], s["rule"]["text"]) for s in doc["scans"]] == [
        (["H"], 1, 64, "H = 4k for k >= 8"), (["W"], 1, 64, "W = 4k for k >= 8")]


def test_every_fit_json_key_is_documented(run_cli):
    doc, _ = fit_json(run_cli, "architectures/alexnet-224.yaml", "--range", "1:240")
    section = (ROOT / "README.md").read_text().split("### `fit --format json`")[1].split("\n## ")[0]
    keys = (set(doc) | set(doc["scans"][0]) | set(doc["scans"][0]["rule"]) | set(doc["layer_fixes"][0])
            | set(doc["layer_fixes"][0]["options"][0]) | set(doc["scans"][0]["rule"]["terms"][0])
            | set(doc["scans"][0]["rule"]["strides"][0]))
    for key in keys:
        assert re.search(f"`{key}`|\\b{key}\\b", section), key


def test_check_takes_each_files_convention_from_its_own_configuration(tmp_path, run_cli):
    """As lint's settings, check's `convention` comes from the pyproject.toml nearest each file:
    a subproject counting as fvcore keeps that count wherever check runs from, in every format."""
    spec = "input: [3, 8, 8]\nlayers:\n  - conv2d: {out_channels: 4, kernel_size: 3}\n  - relu\n"
    (tmp_path / "pyproject.toml").write_text('[tool.shapecalc]\nconvention = "torchinfo"\n')
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "pyproject.toml").write_text('[tool.shapecalc]\nconvention = "fvcore"\n')
    (tmp_path / "top.yaml").write_text(spec)
    (tmp_path / "sub" / "net.yaml").write_text(spec)
    for cwd in (tmp_path, tmp_path / "sub"):
        proc = run_cli("check", "-f", "json", str(tmp_path / "top.yaml"), str(tmp_path / "sub" / "net.yaml"), cwd=cwd)
        assert proc.returncode == 0, proc.stderr
        assert [json.loads(line)["convention"] for line in proc.stdout.splitlines()] == ["torchinfo", "fvcore"]
    proc = run_cli("check", "-f", "html", str(tmp_path / "top.yaml"), str(tmp_path / "sub" / "net.yaml"))
    assert proc.returncode == 0 and "torchinfo" in proc.stdout and "fvcore" in proc.stdout
    proc = run_cli("check", "--convention", "macs", "-f", "json", str(tmp_path / "sub" / "net.yaml"))
    assert json.loads(proc.stdout)["convention"] == "macs"
    (tmp_path / "sub" / "pyproject.toml").write_text('[tool.shapecalc]\nconvention = "flops"\n')
    proc = run_cli("check", str(tmp_path / "top.yaml"), str(tmp_path / "sub" / "net.yaml"))
    assert proc.returncode == 2 and "convention" in proc.stderr and "Traceback" not in proc.stderr
