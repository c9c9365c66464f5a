"""Hostile input to `shapecalc lint` found by an independent hunt (issue 15): file names that are
not UTF-8, pyproject.toml files of every odd shape, kind and spelling, symlink loops under `**`
and empty rule selectors. Each gets one clear message and exit code 0, 1 or 2: never a
traceback, a hang, invalid output or a check silently switched off."""

from __future__ import annotations

import contextlib
import io
import json
import math
import os
import subprocess
import sys
import xml.etree.ElementTree as ET
import tomllib
from datetime import date, time as clock
from pathlib import Path
from urllib.parse import unquote_to_bytes

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shapecalc.analysis.lint import (CONFIG_KEYS, ConfigError, FileResult, LintResult, Settings, Unreadable, discover,
                                     expand_glob, load_settings, run)
from shapecalc.cli.entry import plan
from shapecalc.diagnostics import RULES, Diagnostic
from shapecalc.render.formats import FORMATS, writable

MISFIT = "input: [1, 7, 7]\nlayers:\n  - conv2d: {out_channels: 1, kernel_size: 3, stride: 3}\n"
W_CODES = {code for code in RULES if code.startswith("W")}
posix_only = pytest.mark.skipif(os.name != "posix", reason="POSIX file names are bytes")


def cli(*args: str, cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    """The CLI as a user runs it; the timeout only catches a real hang."""
    return subprocess.run([sys.executable, "-m", "shapecalc", *args], cwd=cwd, capture_output=True, timeout=120,
                          env={**os.environ, "NO_COLOR": "1", **(env or {})})


# -- 1. every format writes valid output for any file name ------------------------------------------
def assert_valid(out: dict[str, str], result: LintResult) -> None:
    """Each format's output is UTF-8 text that its own parser reads, one entry per diagnostic."""
    n = sum(len(f.diagnostics) for f in result.files)
    for name, text in out.items():
        text.encode("utf-8")  # strict: no lone surrogate anywhere
        assert not any(c in text for c in "\ufffe\uffff"), name
    assert out["text"].count("\n") == n + 1
    assert out["github"].count("\n") == n + len(result.unreadable)
    report = json.loads(out["json"])
    assert len(report["diagnostics"]) == n
    json.dumps(report, ensure_ascii=False).encode("utf-8")  # what a strict parser (Go, serde) would read
    log = json.loads(out["sarif"])
    assert len(log["runs"][0]["results"]) == n
    json.dumps(log, ensure_ascii=False).encode("utf-8")
    root = ET.fromstring(out["junit"].encode("utf-8"))
    assert int(root.get("tests")) == len(root.findall("./testsuite/testcase"))


def render(result: LintResult) -> dict[str, str]:
    return {name: write(result) for name, write in FORMATS.items()}


@posix_only
@pytest.mark.parametrize("raw", [b"bad\xff.yaml", b"x\xed\xa0\x80.yaml", b"\xc3(.yaml", b"ok\xef\xbf\xbf.yaml"])
def test_a_file_name_that_is_not_utf8_in_every_format(tmp_path, raw):
    path = os.path.join(os.fsdecode(bytes(tmp_path)), os.fsdecode(raw))
    Path(path).write_text(MISFIT)
    result = run([path], Settings(root=tmp_path))
    out = render(result)
    assert_valid(out, result)
    shown = writable(path)
    assert out["text"].startswith(f"{shown}:3:55: F001 ")
    assert json.loads(out["json"])["diagnostics"][0]["file"] == shown
    uri = json.loads(out["sarif"])["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]
    assert unquote_to_bytes(uri["uri"].removeprefix("file://")) == os.fsencode(path)  # the very file


def test_the_escape_rule():
    assert writable("bad\udcff.yaml") == "bad\\xff.yaml"  # a byte that is not UTF-8, as Python decodes it
    assert writable("a\ud800b\uffff\ufffe") == "a\\ud800b\\uffff\\ufffe"
    assert writable("conv\u00e9 \U0001f600") == "conv\u00e9 \U0001f600"  # real text is left alone


@posix_only
@pytest.mark.parametrize("fmt", ["sarif", "junit", "text", "json", "github"])
def test_cli_with_a_strict_utf8_stdout(tmp_path, fmt):
    (tmp_path / os.fsdecode(b"bad\xff.yaml")).write_text(MISFIT)
    proc = cli("lint", "-f", fmt, ".", cwd=tmp_path, env={"PYTHONIOENCODING": "utf-8"})
    assert proc.returncode == 1, proc.stderr
    out = proc.stdout.decode("utf-8")  # strict
    assert "bad\\xff.yaml" in out.replace("\\\\", "\\") or "bad%FF.yaml" in out
    if fmt == "junit":
        ET.fromstring(proc.stdout)


@posix_only
def test_an_unreadable_file_whose_name_is_not_utf8(tmp_path):
    os.mkfifo(tmp_path / os.fsdecode(b"pipe\xff.yaml"))
    proc = cli("lint", "-f", "junit", ".", cwd=tmp_path, env={"PYTHONIOENCODING": "utf-8"})
    assert proc.returncode == 2
    assert proc.stderr.decode("utf-8") == "error: pipe\\xff.yaml: cannot read: not a regular file\n"
    ET.fromstring(proc.stdout)


NAME = st.text(st.one_of(st.characters(), st.integers(0xD800, 0xDFFF).map(chr),
                         st.sampled_from("\ufffe\uffff\n\r\x00\x1b:,%<>&\"'")), max_size=20)


@settings(max_examples=150, deadline=None)
@given(path=NAME, message=NAME, layer=NAME, reason=NAME, strict=st.booleans())
def test_every_format_is_valid_for_any_text(path, message, layer, reason, strict):
    """Paths, messages, layer names and reasons of any code points, lone surrogates included."""
    diagnostics = [Diagnostic("F001", message or "m", 1, 1, layer), Diagnostic("W001", message or "m", 2, 3)]
    result = LintResult([FileResult(path or "p", diagnostics), FileResult(path + "x", [])],
                        [Unreadable(path or "p", reason)], strict)
    assert_valid(render(result), result)


# -- 2. pyproject.toml of unexpected shape: one config error, exit 2 --------------------------------
DEEP = "x = " + "[" * 5000 + "]" * 5000
SHAPES = {
    "tool = 3": "tool must be a table, found an integer",
    "[[tool]]": "tool must be a table, found an array",
    "tool = [1, 2]": "tool must be a table, found an array",
    "[tool]\nshapecalc = 3": "[tool.shapecalc] must be a table, found an integer",
    "tool.shapecalc = 3": "[tool.shapecalc] must be a table, found an integer",
    "[[tool.shapecalc]]": "[tool.shapecalc] must be a table, found an array",
    "[tool.shapecalc]\nselect = 3": "select: expected a list of strings, found an integer",
    "[tool.shapecalc]\nselect = [[]]": "select: expected a list of strings, found an array in the list",
    "[tool.shapecalc]\nignore = {a = 1}": "ignore: expected a list of strings, found a table",
    "[tool.shapecalc]\nexclude = [1979-05-27]": "exclude: expected a list of strings, found a date or time in",
    "[tool.shapecalc]\nstrict = 1.5": "strict: expected true or false, found a float",
    "[tool.shapecalc]\nconvention = [[[[1]]]]": "convention: expected one of macs",
    "[tool.shapecalc]\nconvention = " + "9" * 5000: "an integer of more than 4,300 digits",
    "[tool.shapecalc]\nselect = [" + "9" * 5000 + "]": "an integer of more than 4,300 digits",
    "[tool.shapecalc]\n" + DEEP: "nested too deeply",
    "[tool.shapecalc]\nx = " + "{a = " * 5000 + "}" * 5000: "nested too deeply",
    "[tool.shapecalc]\nconvention = [" + "[" * 200 + "]" * 200 + "]": "convention: expected one of",
    "[tool.shapecalc]\n\"a\\nb\" = 1": "[tool.shapecalc] has no key 'a\\nb' (it takes",
    "[tool.shapecalc]\nx = \"" + "y" * 100_000 + "\"": "has no key 'x'",
    DEEP: "nested too deeply",  # no table in sight: still unreadable, and it may be ours
    "tool = 3\n# [tool.shapecalc]": "tool must be a table",
    "[tool.shapecalc\n": "invalid TOML",
}


def short(body: str) -> str:
    return body if len(body) < 40 else f"{body[:30]}...({len(body):,} characters)"


@pytest.mark.parametrize("body", SHAPES, ids=short)
def test_odd_configuration_shapes_are_one_error(tmp_path, body):
    (tmp_path / "pyproject.toml").write_text(body)
    with pytest.raises(ConfigError) as err:
        load_settings(tmp_path)
    assert str(err.value).startswith(f"{tmp_path / 'pyproject.toml'}: ")
    assert SHAPES[body] in str(err.value)
    assert len(str(err.value)) < 300 and "\n" not in str(err.value)


@pytest.mark.parametrize("body", ["tool = 3", "[tool.shapecalc]\n" + DEEP, "[tool.shapecalc]\nselect = [\"\"]"], ids=short)
def test_odd_configuration_shapes_stop_lint_and_check_with_exit_2(tmp_path, body):
    (tmp_path / "pyproject.toml").write_text(body)
    (tmp_path / "a.yaml").write_text(MISFIT)
    for command in ("lint", "check"):
        proc = cli(command, "a.yaml", cwd=tmp_path)
        assert proc.returncode == 2, (command, proc.stderr)
        assert proc.stderr.decode().startswith("error: ") and proc.stderr.count(b"\n") == 1
        assert b"Traceback" not in proc.stderr


def test_not_utf8_configuration(tmp_path):
    (tmp_path / "pyproject.toml").write_bytes("[tool.shapecalc]\nselect = ['é\xff".encode("latin-1") + b"']\n")
    with pytest.raises(ConfigError, match=r"pyproject.toml:2:12: not UTF-8 \(byte 0xe9\)"):
        load_settings(tmp_path)


def test_a_key_typo_gets_a_suggestion(tmp_path):
    for typo, meant in [("extend_exclude", "extend-exclude"), ("Select", "select"), ("forceexclude", "force-exclude"),
                        ("ignor", "ignore")]:
        (tmp_path / "pyproject.toml").write_text(f"[tool.shapecalc]\n{typo} = []\n")
        with pytest.raises(ConfigError, match=f"has no key '{typo}'; did you mean '{meant}'\\?$"):
            load_settings(tmp_path)


# -- 3. pyproject.toml is read bounded, and only if it is a regular file -----------------------------
@posix_only
@pytest.mark.parametrize(("make", "message"), ids=["fifo", "dev-zero", "directory", "2-MB"], argvalues=[
    (lambda p: os.mkfifo(p), "not a regular file (a FIFO)"),
    (lambda p: p.symlink_to("/dev/zero"), "not a regular file (a character device)"),
    (lambda p: p.mkdir(), "not a regular file (a directory)"),
    (lambda p: p.write_bytes(b"#" * 2_000_000), "the configuration is 2,000,000 bytes or more"),
])
def test_a_pyproject_that_is_no_regular_file(tmp_path, make, message):
    make(tmp_path / "pyproject.toml")
    (tmp_path / "a.yaml").write_text(MISFIT)
    for command in ("lint", "check"):
        proc = cli(command, "a.yaml", cwd=tmp_path)  # a FIFO read with open() would block until the timeout
        assert proc.returncode == 2
        error = proc.stderr.decode()  # the wording after the path is files.read_bounded's
        assert error.startswith(f"error: {tmp_path / 'pyproject.toml'}: ") and error.count("\n") == 1
        assert message in error


# -- 4. `**` does not follow symlinked folders; a file reached twice is linted once --------------------
@pytest.fixture
def looped(tmp_path, monkeypatch):
    (tmp_path / "sub").mkdir()
    (tmp_path / "x.yaml").write_text(MISFIT)
    (tmp_path / "sub" / "y.yaml").write_text(MISFIT)
    (tmp_path / "a").symlink_to(".")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def found(*args: str) -> list[str]:
    files, missing = discover(args, Settings(root=Path.cwd()))
    assert missing == []
    return [Path(f.path).as_posix() for f in files]


def test_one_link_to_dot_lints_each_file_once(looped):
    assert found("**/*.yaml") == ["sub/y.yaml", "x.yaml"]  # glob.glob gives 82 paths, each file 41 times
    assert found("**/*.yaml", "a/x.yaml", ".", "a", "x.yaml", "a/sub/**/*.yaml") == ["sub/y.yaml", "x.yaml"]
    assert found("a/*.yaml") == ["a/x.yaml"]  # a link spelled out is still followed
    assert sorted(expand_glob("**")) == ["."]
    assert sorted(expand_glob(str(looped) + "/**/y.yaml")) == [str(looped / "sub" / "y.yaml")]


def test_two_links_to_dot_end(looped):
    (looped / "b").symlink_to(".")
    (looped / "sub" / "up").symlink_to("..")
    proc = cli("lint", "**/*.yaml", "**", cwd=looped)  # glob.glob's walk has 3^40 paths
    assert proc.returncode == 1
    assert proc.stdout.decode().endswith("Checked 2 files: 2 errors, 0 warnings in 2 files.\n")


def test_globs_still_skip_hidden_folders_under_double_star(looped):
    (looped / ".hidden").mkdir()
    (looped / ".hidden" / "z.yaml").write_text(MISFIT)
    assert found("**/*.yaml") == ["sub/y.yaml", "x.yaml"]
    assert expand_glob(".hidden/**/*.yaml") == [".hidden/z.yaml"]  # named outright (the excludes then drop it)


# -- 5. an empty selector is an error, not "no check at all" ---------------------------------------
@pytest.mark.parametrize("value", ["", ",", " ", "F,", ",W", "F,,W"])
@pytest.mark.parametrize("option", ["select", "ignore"])
def test_empty_selector_on_the_command_line(tmp_path, option, value):
    with pytest.raises(ConfigError, match=f"^--{option}: empty rule code in {value!r} "):
        load_settings(tmp_path, **{option: ["F", value]})


@pytest.mark.parametrize("value", ['[""]', '["F", ","]', '[" "]', '["W001,"]'])
@pytest.mark.parametrize("key", ["select", "ignore"])
def test_empty_selector_in_the_configuration(tmp_path, key, value):
    (tmp_path / "pyproject.toml").write_text(f"[tool.shapecalc]\n{key} = {value}\n")
    with pytest.raises(ConfigError, match=f"\\[tool.shapecalc\\] {key}: empty rule code in "):
        load_settings(tmp_path)


def test_empty_select_exits_2(tmp_path):
    (tmp_path / "a.yaml").write_text(MISFIT)
    proc = cli("lint", "--select", "", "a.yaml", cwd=tmp_path)
    assert proc.returncode == 2 and proc.stdout == b""
    assert proc.stderr.decode() == ("error: --select: empty rule code in '' (give codes or prefixes, comma-separated: "
                                    "e.g. F001, or F for all of them, or ALL)\n")


# -- 6. every TOML spelling of the table is read -----------------------------------------------------
SPELLINGS = [
    '[tool.shapecalc]\nselect = ["W"]',
    '[tool]\nshapecalc = {select = ["W"]}',
    'tool.shapecalc.select = ["W"]',
    '[tool]\nshapecalc.select = ["W"]',
    '[tool."shapecalc"]\nselect = ["W"]',
    "[tool.'shapecalc']\nselect = ['W']",
    '[ tool . shapecalc ]\nselect = ["W"]',
    '["tool".shapecalc]\n"select" = ["W"]',
    'tool = {shapecalc = {select = ["W"]}}',
    '[tool.other]\nx = 1\n[tool.shapecalc]\nselect = ["W"]',
]


@pytest.mark.parametrize("body", SPELLINGS)
def test_every_spelling_of_the_table(tmp_path, body):
    (tmp_path / "pyproject.toml").write_text(body + "\n")
    settings_ = load_settings(tmp_path)
    assert settings_.config_file == tmp_path / "pyproject.toml" and settings_.codes == W_CODES


def test_a_mention_in_a_comment_or_string_is_no_table(tmp_path):
    (tmp_path / "pyproject.toml").write_text('[tool.shapecalc]\nselect = ["W"]\n')
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "pyproject.toml").write_text('# [tool.shapecalc]\n[project]\nname = "[tool.shapecalc]"\n')
    assert load_settings(tmp_path / "a").config_file == tmp_path / "pyproject.toml"


# -- the fuzz: pyproject.toml contents of every kind; lint and check never raise --------------------
def toml_string(text: str) -> str:
    """A TOML basic string: JSON's escapes, and DEL, which TOML wants escaped too."""
    return json.dumps(text, ensure_ascii=False).replace("\x7f", "\\u007f")


class Raw(str):
    """TOML text that tomllib cannot return as a value (an over-long integer, a deep array)."""


def toml_value(value: object) -> str:
    if isinstance(value, Raw):
        return str(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return "nan" if math.isnan(value) else ("inf" if value > 0 else "-inf") if math.isinf(value) else repr(value)
    if isinstance(value, (int, date, clock)):
        return value.isoformat() if not isinstance(value, int) else str(value)
    if isinstance(value, str):
        return toml_string(value)
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    return "{" + ", ".join(f"{toml_string(k)} = {toml_value(v)}" for k, v in value.items()) + "}"


SCALAR = st.one_of(st.booleans(), st.integers(-2**70, 2**70), st.floats(allow_nan=False), st.text(max_size=10),
                   st.sampled_from(["F", "W", "F001", "ALL", "", ",", "macs", "fvcore", "W001,F"]),
                   st.dates(), st.datetimes(), st.times())
VALUE = st.recursive(SCALAR, lambda inner: st.one_of(st.lists(inner, max_size=4),
                                                      st.dictionaries(st.text(max_size=6), inner, max_size=3)),
                     max_leaves=12)
HOSTILE = st.sampled_from([Raw("9" * 5000), Raw("[" * 3000 + "]" * 3000), Raw("{a = " * 3000 + "}" * 3000)])
TABLE = st.dictionaries(st.one_of(st.sampled_from(CONFIG_KEYS), st.text(max_size=8)),
                        st.one_of(VALUE, st.lists(st.sampled_from(sorted(RULES) + ["F", "W", "ALL"]), max_size=3)),
                        max_size=4)


@st.composite
def pyproject(draw) -> tuple[str, dict | None]:
    """A pyproject.toml's text, in one of TOML's spellings of the table, and the document it
    parses to (None when it holds a value tomllib refuses)."""
    table = draw(TABLE)
    hostile = draw(st.none() | st.tuples(st.sampled_from(CONFIG_KEYS), HOSTILE))
    spelling = draw(st.integers(0, 3))
    items = [(toml_string(k), v) for k, v in table.items()]
    if hostile:
        items.append((hostile[0], hostile[1]))
    if spelling == 0:
        text = "[tool.shapecalc]\n" + "".join(f"{k} = {toml_value(v)}\n" for k, v in items)
    elif spelling == 1:
        text = "".join(f"tool.shapecalc.{k} = {toml_value(v)}\n" for k, v in items) or "[tool.shapecalc]\n"
    elif spelling == 2:
        text = "[tool]\nshapecalc = {" + ", ".join(f"{k} = {toml_value(v)}" for k, v in items) + "}\n"
    else:
        text = f"tool = {toml_value(draw(VALUE))}\n"
        table = None
    extra = draw(st.sampled_from(["", "[project]\nname = 'x'\n", "# [tool.shapecalc]\n"]))
    return text + extra, None if hostile else ({"tool": {"shapecalc": table}} if table is not None else None)


def run_commands(folder: Path) -> list[int]:
    """`lint -f sarif a.yaml` and `check -f json a.yaml` in this process (the console script's
    fast path, without its exit), in `folder`; their exit codes."""
    codes = []
    for argv in (["lint", "-f", "sarif", "a.yaml"], ["check", "-f", "json", "a.yaml"]):
        command, paths, options = plan(argv, {})
        with contextlib.chdir(folder), contextlib.redirect_stdout(io.StringIO()), \
                contextlib.redirect_stderr(io.StringIO()) as err:
            codes.append(command.run(paths, options))
        assert codes[-1] in (0, 1, 2)
        assert (codes[-1] == 2) == err.getvalue().startswith("error: "), err.getvalue()
        assert err.getvalue().count("\n") == (codes[-1] == 2)
    return codes


FUZZ = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                         HealthCheck.data_too_large])


@pytest.fixture(scope="module")
def workdir(tmp_path_factory):
    folder = tmp_path_factory.mktemp("pyproject")
    (folder / "a.yaml").write_text(MISFIT)
    return folder


@FUZZ
@given(document=pyproject())
def test_random_valid_toml_documents(workdir, document):
    text, expected = document
    if expected is not None:
        assert tomllib.loads(text)["tool"] == expected["tool"]  # the generator writes what it means
    (workdir / "pyproject.toml").write_text(text)
    run_commands(workdir)


TOKENS = ["[", "]", "[[", "]]", "tool = ", "[[tool]]\n", "[tool]\n", "shapecalc = ", "{", "}", "=", " = ", '"', "'", "'''", '"""', ",", ".", "\n", " ", "\t", "#",
          "tool", "shapecalc", "tool.shapecalc", "[tool.shapecalc]\n", "select", "ignore", "strict", "exclude",
          "extend-exclude", "convention", "true", "3", "-0", "1e999", "nan", '"F"', '"W001"', '""', "[]", "{}",
          "9" * 4400, "1979-05-27T07:32:00Z", "\\u0000", "\\", "\x00", "\x7f", "\ufeff", "é"]


@FUZZ
@given(text=st.lists(st.one_of(st.sampled_from(TOKENS), st.text(max_size=4)), max_size=30).map("".join))
def test_random_toml_ish_text(workdir, text):
    (workdir / "pyproject.toml").write_text(text)
    run_commands(workdir)


@FUZZ
@given(table=st.fixed_dictionaries({}, optional={
    "select": st.lists(st.sampled_from(sorted(RULES) + ["F", "W", "ALL"]), max_size=3),
    "ignore": st.lists(st.sampled_from(sorted(RULES) + ["F", "W"]), max_size=3),
    "strict": st.booleans(), "force-exclude": st.booleans(),
    "extend-exclude": st.lists(st.text(max_size=5), max_size=2),
    "convention": st.sampled_from(["macs", "torchinfo", "fvcore", "ptflops"])}), spelling=st.integers(0, 2))
def test_valid_settings_in_any_spelling_are_read_the_same(workdir, table, spelling):
    body = "".join(f"{toml_string(k)} = {toml_value(v)}\n" for k, v in table.items())
    text = ["[tool.shapecalc]\n" + body,
            "".join(f"tool.shapecalc.{line}\n" for line in body.split("\n") if line) or "tool.shapecalc = {}\n",
            "[tool]\nshapecalc = " + toml_value(table) + "\n"][spelling]
    (workdir / "pyproject.toml").write_text(text)
    (workdir / "reference").mkdir(exist_ok=True)
    (workdir / "reference" / "pyproject.toml").write_text("[tool.shapecalc]\n" + body)
    got, want = load_settings(workdir), load_settings(workdir / "reference")
    assert (got.codes, got.strict, got.force_exclude, got.extend_exclude, got.convention) == (
        want.codes, want.strict, want.force_exclude, want.extend_exclude, want.convention)
    assert got.strict == table.get("strict", False) and got.convention == table.get("convention", "macs")
    assert run_commands(workdir) != [2, 2]
