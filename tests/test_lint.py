"""`shapecalc lint`: rule selection, configuration, finding files, exit codes, the command line."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from shapecalc import __version__
from shapecalc.diagnostics import RULES
from shapecalc.analysis.check import check_file
from shapecalc.analysis.lint import (CONFIG_KEYS, DEFAULT_EXCLUDE, ConfigError, Selection, Settings, discover, enabled_codes,
                            load_settings, parse_selectors, read_config, run, tomllib)
from shapecalc.spec.yamlsafe import MAX_BYTES

from .conftest import ROOT

CLEAN = "input: [3, 8, 8]\nlayers:\n  - conv2d: {out_channels: 4, kernel_size: 3}\n"
MISFIT = "input: [1, 7, 7]\nlayers:\n  - conv2d: {out_channels: 1, kernel_size: 3, stride: 3}\n"
WARNS = "input: [3, 4, 5]\nlayers:\n  - linear: {units: 7}\n"


def codes(*layers: Selection) -> set[str]:
    return set(enabled_codes(layers))


# -- selection ------------------------------------------------------------------------------------
def test_everything_is_selected_by_default():
    assert codes() == set(RULES)


def test_select_by_prefix_and_code():
    assert codes(Selection(("F",))) == {c for c in RULES if c.startswith("F")}
    assert codes(Selection(("F001", "W"))) == {"F001"} | {c for c in RULES if c.startswith("W")}
    assert codes(Selection(("ALL",), ("W",))) == {c for c in RULES if not c.startswith("W")}


def test_more_specific_selector_wins_and_ignore_wins_a_tie():
    assert codes(Selection(("F",), ("F001",))) == {c for c in RULES if c.startswith("F")} - {"F001"}
    assert codes(Selection(("W001",), ("W",))) == {"W001"}
    assert codes(Selection(("W",), ("W",))) == set()


def test_a_later_select_starts_over_and_a_later_ignore_adds():
    config = Selection(("F",), ("F001",))
    assert codes(config, Selection(None, ("F002",))) == {c for c in RULES if c.startswith("F")} - {"F001", "F002"}
    assert codes(config, Selection(("F001",))) == {"F001"}


def test_selectors_are_checked_split_and_upper_cased():
    assert parse_selectors(["f001, w", "S"]) == ("F001", "W", "S")
    with pytest.raises(ConfigError, match="unknown rule code or prefix 'X1'"):
        parse_selectors(["X1"])
    with pytest.raises(ConfigError, match="'F9'"):
        parse_selectors(["F9"])


# -- configuration --------------------------------------------------------------------------------
def write_config(folder: Path, body: str) -> None:
    (folder / "pyproject.toml").write_text(f"[project]\nname = 'x'\n\n[tool.shapecalc]\n{body}\n")


def test_nearest_pyproject_with_a_shapecalc_table(tmp_path):
    write_config(tmp_path, 'select = ["F"]\nstrict = true\nextend-exclude = ["old"]')
    deeper = tmp_path / "a" / "b"
    deeper.mkdir(parents=True)
    (tmp_path / "a" / "pyproject.toml").write_text("[project]\nname = 'no shapecalc table here'\n")
    settings = load_settings(deeper)
    assert settings.config_file == tmp_path / "pyproject.toml"
    assert settings.strict and settings.extend_exclude == ("old",) and settings.root == tmp_path
    assert settings.codes == {c for c in RULES if c.startswith("F")}


def test_command_line_overrides_the_file(tmp_path):
    write_config(tmp_path, 'select = ["F"]\nignore = ["F002"]\nstrict = true')
    settings = load_settings(tmp_path, ignore=["F001"], strict=False)
    assert not settings.strict
    assert settings.codes == {c for c in RULES if c.startswith("F")} - {"F001", "F002"}
    assert load_settings(tmp_path, select=["W"]).codes == {c for c in RULES if c.startswith("W")}


def test_no_configuration_anywhere(tmp_path):
    settings = load_settings(tmp_path)
    assert settings.config_file is None and settings.exclude == DEFAULT_EXCLUDE and not settings.strict


@pytest.mark.parametrize(("body", "message"), [
    ("selct = ['F']", "has no key 'selct'"),
    ("select = 'F'", "select: expected a list of strings"),
    ("select = ['Q']", "unknown rule code or prefix 'Q'"),
    ("strict = 'yes'", "strict: expected true or false"),
    ("select = [", "invalid TOML"),
])
def test_bad_configuration_is_an_error(tmp_path, body, message):
    write_config(tmp_path, body)
    with pytest.raises(ConfigError, match=message):
        load_settings(tmp_path)


def test_this_repository_configuration():
    settings = load_settings(ROOT)
    assert settings.config_file == ROOT / "pyproject.toml"
    assert "architectures/alexnet-224.yaml" in settings.extend_exclude


# -- finding files --------------------------------------------------------------------------------
@pytest.fixture
def tree(tmp_path, monkeypatch):
    """specs/{a.yaml, b.yml, notes.md, old/c.yaml, .hidden/d.yaml, node_modules/e.yaml}, cwd = tmp_path."""
    for name in ("a.yaml", "b.yml", "notes.md", "old/c.yaml", ".hidden/d.yaml", "node_modules/e.yaml"):
        path = tmp_path / "specs" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(CLEAN)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def found(args, **settings) -> list[str]:
    files, missing = discover(args, Settings(root=Path.cwd(), **settings))
    assert missing == []
    return [Path(f.path).as_posix() for f in files]


def test_folders_are_searched_for_yaml_skipping_default_excludes(tree):
    assert found(["specs"]) == ["specs/a.yaml", "specs/b.yml", "specs/old/c.yaml"]


def test_excludes_by_name_and_by_path(tree):
    assert found(["specs"], extend_exclude=("old",)) == ["specs/a.yaml", "specs/b.yml"]
    assert found(["specs"], extend_exclude=("specs/old/*",)) == ["specs/a.yaml", "specs/b.yml"]
    assert found(["specs"], extend_exclude=("*.yml",)) == ["specs/a.yaml", "specs/old/c.yaml"]
    assert found(["specs"], exclude=()) == ["specs/a.yaml", "specs/b.yml", "specs/.hidden/d.yaml",
                                            "specs/node_modules/e.yaml", "specs/old/c.yaml"]


def test_files_named_outright_are_linted_even_if_excluded_unless_forced(tree):
    assert found(["specs/old/c.yaml", "specs/notes.md"], extend_exclude=("old",)) == ["specs/old/c.yaml",
                                                                                      "specs/notes.md"]
    assert found(["specs/old/c.yaml"], extend_exclude=("old",), force_exclude=True) == []
    assert found(["specs/old"], extend_exclude=("specs/old",)) == ["specs/old/c.yaml"]


def test_globs_are_expanded_like_folders(tree):
    assert found(["specs/*.y*ml"]) == ["specs/a.yaml", "specs/b.yml"]
    assert found(["specs/**/*.yaml"]) == ["specs/a.yaml", "specs/old/c.yaml"]
    assert found(["specs/*"]) == ["specs/a.yaml", "specs/b.yml", "specs/old/c.yaml"]


def test_each_file_once_in_the_order_given(tree):
    assert found(["specs/b.yml", "specs", "./specs/a.yaml"]) == ["specs/b.yml", "specs/a.yaml", "specs/old/c.yaml"]


def test_paths_that_name_nothing(tree):
    _, missing = discover(["nope.yaml", "specs/*.json"], Settings())
    assert [str(m) for m in missing] == ["nope.yaml: no such file or directory",
                                         "specs/*.json: no files match this pattern"]


# -- checking and exit codes ------------------------------------------------------------------------
def lint(tmp_path, texts: dict[str, str], **settings):
    for name, text in texts.items():
        (tmp_path / name).write_text(text)
    return run([str(tmp_path / name) for name in texts], Settings(root=tmp_path, **settings))


def test_exit_codes(tmp_path):
    assert lint(tmp_path, {"a.yaml": CLEAN}).exit_code == 0
    assert lint(tmp_path, {"a.yaml": CLEAN, "b.yaml": MISFIT}).exit_code == 1
    assert lint(tmp_path, {"w.yaml": WARNS}).exit_code == 0
    assert lint(tmp_path, {"w.yaml": WARNS}, strict=True).exit_code == 1
    assert run([str(tmp_path / "missing.yaml"), str(tmp_path / "b.yaml")], Settings()).exit_code == 2


def test_selection_filters_diagnostics_and_the_exit_code(tmp_path):
    result = lint(tmp_path, {"b.yaml": MISFIT, "w.yaml": WARNS}, selections=(Selection(None, ("F001",)),))
    assert [d.code for f in result.files for d in f.diagnostics] == ["W001"]
    assert result.exit_code == 0


def test_a_file_too_large_is_refused_without_reading_it_all(tmp_path):
    big = tmp_path / "big.yaml"
    with open(big, "wb") as f:
        f.truncate(MAX_BYTES * 4)  # sparse: 64 MiB on paper
    (d,) = check_file(str(big)).diagnostics
    assert (d.code, d.line, d.column) == ("Y004", 1, 1)
    assert f"{MAX_BYTES * 4:,} bytes" in d.message


def test_unreadable_file_is_reported_and_the_rest_still_checked(tmp_path):
    (tmp_path / "a.yaml").write_text(MISFIT)
    (tmp_path / "dir.yaml").mkdir()  # a folder named like a spec, named outright: cannot be read
    broken = tmp_path / "link.yaml"
    broken.symlink_to(tmp_path / "nowhere")
    result = run([str(tmp_path / "a.yaml"), str(broken)], Settings())
    assert [u.reason for u in result.unreadable] == ["cannot read: No such file or directory"]
    assert result.errors == 1 and result.exit_code == 2


# -- the command line ---------------------------------------------------------------------------------
def cli(*args: str, cwd: Path = ROOT, env: dict | None = None) -> subprocess.CompletedProcess:
    base = {**os.environ, "NO_COLOR": "1", "COLUMNS": "200"}
    base.pop("FORCE_COLOR", None)
    return subprocess.run([sys.executable, "-m", "shapecalc", *args], cwd=cwd, env={**base, **(env or {})},
                          capture_output=True, text=True, timeout=60)


def test_shipped_architectures_lint_clean_and_the_rejected_ones_stay_rejected():
    proc = cli("lint", "architectures/")
    assert (proc.returncode, proc.stderr) == (0, "")
    assert proc.stdout.endswith(": no problems.\n")
    for rejected in ("architectures/alexnet-224.yaml", "architectures/slides/7x7-stride3.yaml"):
        assert rejected not in proc.stdout
        assert cli("lint", rejected).returncode == 1  # named outright: linted despite extend-exclude
        assert cli("check", rejected).returncode == 1


def test_cli_text_output_and_options(tmp_path):
    (tmp_path / "bad.yaml").write_text(MISFIT)
    (tmp_path / "warn.yaml").write_text(WARNS)
    proc = cli("lint", ".", cwd=tmp_path)
    assert proc.returncode == 1
    assert proc.stdout.splitlines() == [
        "bad.yaml:3:55: F001 conv2d_1: stride does not fit: (7 - 3)/3 + 1 = 2.33 -> 2, input row 7 and column 7 "
        "are never read",
        "warn.yaml:3:5: W001 linear_1: linear acts on the last dimension of 3x4x5 (torch does this); add a flatten "
        "layer before it if you meant all features",
        "Checked 2 files: 1 error, 1 warning in 2 files.",
    ]
    assert cli("lint", "--ignore", "F", ".", cwd=tmp_path).returncode == 0
    assert cli("lint", "--ignore", "F", "--strict", ".", cwd=tmp_path).returncode == 1
    assert cli("lint", "--select", "W001,F", "--ignore", "F001", ".", cwd=tmp_path).stdout.startswith("warn.yaml")
    assert cli("lint", "--extend-exclude", "bad.yaml", ".", cwd=tmp_path).returncode == 0


def test_cli_reads_pyproject_and_the_command_line_wins(tmp_path):
    (tmp_path / "warn.yaml").write_text(WARNS)
    write_config(tmp_path, "strict = true")
    assert cli("lint", ".", cwd=tmp_path).returncode == 1
    assert cli("lint", "--no-strict", ".", cwd=tmp_path).returncode == 0


@pytest.mark.parametrize("args", [["lint", "--select", "Q9", "."], ["lint", "--format", "xml", "."], ["lint"]])
def test_cli_bad_options_exit_2(args, tmp_path):
    proc = cli(*args, cwd=tmp_path)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr


def test_cli_bad_configuration_exits_2(tmp_path):
    write_config(tmp_path, "nonsense = 1")
    proc = cli("lint", ".", cwd=tmp_path)
    assert proc.returncode == 2
    assert proc.stderr.startswith("error: ") and "has no key 'nonsense'" in proc.stderr


def test_fifos_and_devices_are_not_read(tmp_path):
    """A FIFO would block the linter forever, /dev/zero would never end: neither is opened."""
    os.mkfifo(tmp_path / "pipe.yaml")
    (tmp_path / "bad.yaml").write_text(MISFIT)
    proc = cli("lint", ".", "/dev/zero", cwd=tmp_path)
    assert proc.returncode == 2
    assert proc.stderr.splitlines() == ["error: pipe.yaml: cannot read: not a regular file",
                                        "error: /dev/zero: cannot read: not a regular file"]
    assert "bad.yaml:3:55: F001" in proc.stdout


def test_cli_missing_path_exits_2_but_lints_the_rest(tmp_path):
    (tmp_path / "bad.yaml").write_text(MISFIT)
    proc = cli("lint", "gone.yaml", "bad.yaml", cwd=tmp_path)
    assert proc.returncode == 2
    assert proc.stderr == "error: gone.yaml: no such file or directory\n"
    assert "bad.yaml:3:55: F001" in proc.stdout


def test_plain_output_in_a_pipe_even_without_no_color(tmp_path):
    (tmp_path / "bad.yaml").write_text(MISFIT)
    proc = cli("lint", ".", cwd=tmp_path, env={"NO_COLOR": ""})
    assert "\x1b[" not in proc.stdout
    assert "\x1b[" in cli("lint", ".", cwd=tmp_path, env={"NO_COLOR": "", "FORCE_COLOR": "1"}).stdout


def test_shell_completion_lists_the_commands():
    """Completion itself works without detecting the shell (which fails in CI); only
    --install-completion needs to know the shell."""
    proc = cli(env={"_SHAPECALC_COMPLETE": "complete_bash", "COMP_WORDS": "shapecalc ", "COMP_CWORD": "1"})
    assert {"check", "lint", "schema"} <= set(proc.stdout.split())
    proc = cli(env={"_SHAPECALC_COMPLETE": "complete_bash", "COMP_WORDS": "shapecalc lint --form", "COMP_CWORD": "2"})
    assert proc.stdout.split() == ["--format"]
    assert "--install-completion" in cli("--help").stdout


# -- the README's "Linting in CI" section is real output ------------------------------------------------
SECTION = (ROOT / "README.md").read_text().split("## Linting in CI")[1].split("\n## ")[0]


def blocks(language: str) -> list[str]:
    return [b.split("\n", 1)[1] for b in SECTION.split("```")[1::2] if b.startswith(language + "\n")]


def test_readme_console_examples_are_real():
    examples = blocks("console")
    assert len(examples) == 2
    for example in examples:
        command, expected = example.split("\n", 1)
        assert command.startswith("$ shapecalc ")
        proc = cli(*command.split()[2:])
        assert proc.stdout == expected, command


def test_readme_format_examples_are_real():
    example = "tests/lint_cases/f001-f002-shapes.yaml"
    json_doc, sarif_result = blocks("json")
    real_json = cli("lint", "--format", "json", example).stdout
    assert real_json.replace(f'"shapecalc_version": "{__version__}"', '"shapecalc_version": "0.1.0"') == json_doc
    assert cli("lint", "--format", "github", example).stdout == blocks("text")[0]
    assert cli("lint", "--format", "junit", example).stdout == blocks("xml")[0]
    assert json.loads(cli("lint", "--format", "sarif", example).stdout)["runs"][0]["results"][0] == json.loads(
        sarif_result)


def test_readme_configuration_is_this_repository_s():
    """The first TOML block is this repository's own settings; every one is a valid configuration."""
    tomls = blocks("toml")
    assert tomls[0] in (ROOT / "pyproject.toml").read_text()
    for toml in tomls:
        read_config(ROOT / "pyproject.toml", tomllib.loads(toml)["tool"]["shapecalc"])
    assert set(re.findall(r"^\| `([a-z-]+)` \|", SECTION, re.M)) == set(CONFIG_KEYS)


def test_configured_convention_is_checks_default(run_cli, tmp_path):
    """[tool.shapecalc] convention sets how `check` counts MACs; --convention still wins."""
    (tmp_path / "pyproject.toml").write_text('[tool.shapecalc]\nconvention = "fvcore"\n')
    spec = tmp_path / "net.yaml"
    spec.write_text("input: [16, 8, 8]\nlayers:\n  - batchnorm2d\n")
    import json

    configured = json.loads(run_cli("check", "-f", "json", str(spec), cwd=tmp_path).stdout)
    assert (configured["convention"], configured["total_macs"]) == ("fvcore", 2 * 16 * 8 * 8)
    given = json.loads(run_cli("check", "-f", "json", "--convention", "macs", str(spec), cwd=tmp_path).stdout)
    assert (given["convention"], given["total_macs"]) == ("macs", 0)
    (tmp_path / "pyproject.toml").write_text('[tool.shapecalc]\nconvention = "flops"\n')
    for command in ("check", "lint"):
        proc = run_cli(command, str(spec), cwd=tmp_path)
        assert proc.returncode == 2 and "convention: expected one of macs, torchinfo, fvcore, ptflops" in proc.stderr
