"""Hostile command lines and environments found by an independent hunt (issue 15), run through the
real entry point (`python -m shapecalc`): one clear error and the documented exit code each, never
a traceback; valid JSON; one colour rule for every command.

The classes and the mechanism each is fixed at: whole-number options (commands/options.py's
whole_number, read by both front ends); an output encoding that cannot hold the text
(render/output.py's write_escapes, called once by cli/entry.py, and terminal.py's ASCII tables);
JSON with non-finite numbers (render/output.py's json_text, every JSON writer's); explain on a spec
with file-level errors (render/explain.py's unexplained); check on a network without layers
(render/table.py's no_layers); colour (render/output.py's use_color, which make_console asks too).
"""

from __future__ import annotations

import json
import math
import os
import pty
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shapecalc.commands.options import LARGEST, whole_number
from shapecalc.render.output import json_text, use_color

from .conftest import ARCH, ROOT

HOMEWORK = str(ROOT / "examples" / "homework.yaml")
ALEXNET = str(ARCH / "alexnet.yaml")
ALEXNET_224 = str(ARCH / "alexnet-224.yaml")
#: Names that no ASCII stream can hold, and a stride that does not fit (so check, lint, explain exit 1).
UNICODE_SPEC = ("name: r\u00e9seau\ninput: [3, 8, 8]\nlayers:\n"
                "  - conv2d: {name: c\u00f6nv, out_channels: 4, kernel_size: 3}\n"
                "  - conv2d: {name: bad, out_channels: 4, kernel_size: 4, stride: 3}\n")
#: The environment variables that change colour or layout, removed before each run sets its own.
STYLE_VARIABLES = ("NO_COLOR", "FORCE_COLOR", "TERM", "TTY_COMPATIBLE", "COLUMNS", "PYTHONIOENCODING",
                   "GITHUB_ACTIONS")


def environment(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in STYLE_VARIABLES}
    return {**env, **extra}


def shapecalc(*args: str, cwd: Path = ROOT, **env: str) -> subprocess.CompletedProcess:
    """`python -m shapecalc ARGS` in a pipe; a generous timeout only to catch a real hang."""
    return subprocess.run([sys.executable, "-m", "shapecalc", *args], cwd=cwd, env=environment(**env),
                          capture_output=True, text=True, timeout=120, check=False)


def on_a_terminal(*args: str, **env: str) -> tuple[int, bytes]:
    """`python -m shapecalc ARGS` with a pseudo-terminal as stdin, stdout and stderr: the exit code
    and every byte written to the terminal."""
    leader, follower = pty.openpty()
    proc = subprocess.Popen([sys.executable, "-m", "shapecalc", *args], cwd=ROOT, env=environment(**env),
                            stdin=follower, stdout=follower, stderr=follower, close_fds=True)
    os.close(follower)
    out = b""
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:  # EIO: the terminal's last writer is gone
            break
        if not chunk:
            break
        out += chunk
    os.close(leader)
    return proc.wait(timeout=120), out


def refuse(constant: str) -> None:
    raise ValueError(f"not JSON (RFC 8259): {constant}")


def strict_json(text: str) -> object:
    """text parsed as JSON that has no Infinity, -Infinity or NaN (Python's json reads them)."""
    return json.loads(text, parse_constant=refuse)


def no_traceback(proc: subprocess.CompletedProcess) -> None:
    assert "Traceback" not in proc.stderr and "Traceback" not in proc.stdout, proc.stderr[-2000:]


def one_error(proc: subprocess.CompletedProcess) -> str:
    """The one error line a refused command line prints (typer's `Error: ...` or a command's
    `error: ...`), checked to be short: a value of 5,000 digits is described, not echoed."""
    no_traceback(proc)
    errors = [line for line in proc.stderr.splitlines() if line.lower().startswith("error")]
    assert len(errors) == 1, proc.stderr
    assert len(proc.stderr) < 600, proc.stderr
    return errors[0]


@pytest.fixture
def unicode_spec(tmp_path: Path) -> Path:
    path = tmp_path / "unicode.yaml"
    path.write_text(UNICODE_SPEC, encoding="utf-8")
    return path


# 1. Whole-number options: at most 18 digits, one error beyond, on both front ends.

@pytest.mark.parametrize("digits", [19, 4_299, 5_000])
@pytest.mark.parametrize("line", [
    ["check", "--batch", "{}", ALEXNET],
    ["check", "--batch={}", ALEXNET],
    ["check", "-f", "json", "--batch", "{}", ALEXNET],
    ["run", "--seed", "{}", HOMEWORK],
    ["run", "--seed", "-{}", HOMEWORK],
    ["run", "--max-macs", "{}", HOMEWORK],
    ["fit", "--range", "1:{}", ALEXNET],
    ["fit", "--range", "{}:{}", ALEXNET],
], ids=lambda line: " ".join(line[:-1]))
def test_a_huge_number_in_an_option_is_one_error_exit_2(line, digits):
    """Below 4,300 digits such a batch was a traceback (its memory could not be printed), above
    it pydantic's 'exceeded maximum size'; fit echoed all of them."""
    proc = shapecalc(*(arg.replace("{}", "9" * digits) for arg in line))
    assert proc.returncode == 2
    assert f"found a {digits:,}-digit number" in one_error(proc)


def test_the_largest_values_work_on_both_paths():
    """18 digits is accepted everywhere, by the fast path (check) and by typer (run, fit), and
    everything computed from it prints."""
    big = str(LARGEST)
    proc = shapecalc("check", "-f", "json", "--batch", big, str(ARCH / "resnet50.yaml"))
    assert proc.returncode == 0 and strict_json(proc.stdout)["memory"]["batch"] == LARGEST
    assert shapecalc("check", "--batch", big, "--connections", ALEXNET).returncode == 0
    for seed in (big, f"-{big}"):
        proc = shapecalc("run", "-f", "json", "--seed", seed, "--max-macs", big, HOMEWORK)
        assert proc.returncode == 0 and strict_json(proc.stdout)["seed"] == int(seed)
    proc = shapecalc("fit", "--range", f"{LARGEST - 100}:{big}", "--dim", "H", ALEXNET)
    assert proc.returncode == 0 and f"Input sizes from {LARGEST - 100} to {big}" in proc.stdout


@pytest.mark.parametrize("text, low, message", [
    ("x", None, "expected a whole number, found 'x'"),
    ("", 1, "expected a whole number, found ''"),
    ("1_000", 1, "expected a whole number, found '1_000'"),
    ("\uff11", 1, "expected a whole number, found '\uff11'"),  # a fullwidth digit: int() would take it
    ("0", 1, "expected at least 1, found 0"),
    ("-1", 0, "expected at least 0, found -1"),
    ("1" + "0" * 18, None, "found a 19-digit number"),
    ("-" + "9" * 100_000, None, "found a 100,000-digit number"),
    ("a\nb" * 100, None, "found 'a\\nba\\nba\\nb"),  # on one line, cut short
])
def test_whole_number_says_what_was_expected_and_found(text, low, message):
    with pytest.raises(ValueError, match=None) as refused:
        whole_number(text, low)
    assert message in str(refused.value) and len(str(refused.value)) < 200


def test_whole_number_reads_what_it_takes():
    assert whole_number("0" * 10_000 + "7", 1) == 7  # leading zeros are not digits that count
    assert whole_number(" +5 ") == 5 and whole_number("-0") == 0 and whole_number(f"-{LARGEST}") == -LARGEST


# 2. An output encoding that cannot hold the text.

@pytest.mark.parametrize("command, code", [
    (["check"], 1), (["check", "-f", "json"], 1), (["lint"], 1), (["lint", "-f", "junit"], 1),
    (["explain"], 1), (["explain", "-f", "markdown"], 1), (["fit"], 1), (["run"], 0), (["run", "-f", "json"], 0),
])
def test_an_ascii_output_gets_escapes_not_a_traceback(unicode_spec, command, code):
    proc = shapecalc(*command, str(unicode_spec), PYTHONIOENCODING="ascii")
    no_traceback(proc)
    assert proc.returncode == code
    assert proc.stdout.isascii()
    if "json" not in command and command[0] in ("check", "explain", "run"):
        assert "c\\xf6nv" in proc.stdout  # the name, as Python's stderr would write it


def test_ascii_table_columns_stay_aligned(unicode_spec):
    """The escape is laid out, not just written: every row of the table is as wide as its rule."""
    proc = shapecalc("check", str(unicode_spec), PYTHONIOENCODING="ascii")
    rows = [line for line in proc.stdout.splitlines() if line.startswith(("|", "+"))]
    assert rows and len({len(line) for line in rows}) == 1, rows


@pytest.mark.parametrize("spec", [ARCH / "resnet50.yaml", None])
def test_an_ascii_terminal_gets_an_ascii_table(unicode_spec, spec):
    """On a terminal 80 columns wide rich cuts cells with '\u2026', which ASCII cannot hold: they
    fold instead, and the box is ASCII's."""
    code, out = on_a_terminal("check", str(spec or unicode_spec), PYTHONIOENCODING="ascii", TERM="xterm")
    assert b"Traceback" not in out and code == (0 if spec else 1)
    assert out.isascii() and b"Total params:" in out


# 3. JSON without Infinity or NaN.

@pytest.mark.parametrize("value, written, p", [(".inf", "inf", ".inf"), ("-.inf", "-inf", "-.inf"),
                                              (".nan", "nan", 2)])
def test_check_and_lint_json_hold_no_infinity(spec_file, value, written, p):
    """An answer can be any number; norm's p .inf or -.inf."""
    path = spec_file(f"input: [3, 8, 8]\nlayers:\n  - norm: {{p: {p}, dim: 1}}\n"
                     f"  - relu: {{expect: {{params: {value}}}}}\n")
    proc = shapecalc("check", "-f", "json", str(path))
    no_traceback(proc)
    document = strict_json(proc.stdout)
    assert document["layers"][0]["arguments"]["p"] == (p if p == 2 else written)
    assert document["answers"][0]["expected"] == written
    for format in ("json", "sarif"):
        proc = shapecalc("lint", "-f", format, str(path))
        assert proc.returncode == 1 and strict_json(proc.stdout)



def test_run_json_and_save_hold_no_infinity(spec_file, tmp_path):
    """A forward value that overflows (1e300 squared) is written as "-inf" or "inf", by run's
    --format json and --save alike."""
    path = spec_file("input: [1, 2, 2]\nlayers:\n  - mul: {other: 1.0e+300}\n  - mul: {other: 1.0e+300}\n")
    saved = tmp_path / "values.json"
    proc = shapecalc("run", "-f", "json", "--save", str(saved), str(path))
    no_traceback(proc)
    assert proc.returncode == 0, proc.stderr
    assert strict_json(proc.stdout)["match"] is True
    values = strict_json(saved.read_text())["outputs"]["mul_2"]
    assert {v for row in values[0] for v in row} <= {"inf", "-inf"}

finite_or_not = st.floats(allow_nan=True, allow_infinity=True)
documents = st.recursive(st.none() | st.booleans() | st.integers() | finite_or_not | st.text(max_size=5),
                         lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=4), inner,
                                                                                       max_size=4),
                         max_leaves=20)


def _expected(value: object) -> object:
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if isinstance(value, dict):
        return {k: _expected(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_expected(v) for v in value]
    return value


@given(documents, st.sampled_from([None, 2]))
def test_json_text_is_always_strict_json(value, indent):
    parsed = strict_json(json_text(value, indent))
    assert json.dumps(parsed, allow_nan=False) == json.dumps(_expected(value), allow_nan=False)


# 4. explain prints the diagnostics no layer's explanation shows.

@pytest.mark.parametrize("text, code", [
    ("", "S001"),
    ("input: [3, 8\n", "Y001"),
    ("input: [3, 8, 8]\ninput: [3, 8, 8]\nlayers: [relu]\n", "Y003"),
    ("[1, 2]\n", "S001"),
    ("input: [3, 8, 8]\nlayers: [relu]\nbogus: 1\n", "S002"),
    ("input: [3, 8, 8]\n", "S003"),
    ("input: [3, 8, 8]\nlayers: 5\n", "S005"),
    ("input: [3, 8, 8]\nlayers: []\nexpect: {total_params: 5}\n", "A001"),
    ("input: [3, 8, 8]\nlayers:\n  - relu: {expect: {params: 3}}\n", "A001"),  # a layer's answer, shown with it
])
@pytest.mark.parametrize("format", ["text", "markdown"])
def test_explain_says_why_it_exits_1(spec_file, text, code, format):
    path = spec_file(text)
    proc = shapecalc("explain", "-f", format, str(path))
    no_traceback(proc)
    assert proc.returncode == 1 and code in proc.stdout, proc.stdout
    check = shapecalc("check", str(path))
    assert check.returncode == 1 and code in check.stdout


@pytest.mark.parametrize("text, code", [("", "S001"), ("input: [3, 8\n", "Y001"), ("input: [3, 8, 8]\n", "S003")])
def test_fit_names_the_errors_that_stop_it(spec_file, text, code):
    proc = shapecalc("fit", str(spec_file(text)))
    no_traceback(proc)
    assert proc.returncode == 1 and f": {code} " in proc.stdout, proc.stdout


def test_explain_prints_a_file_level_diagnostic_as_check_does(spec_file):
    path = spec_file("input: [3, 8\n")
    line = next(line for line in shapecalc("check", str(path)).stdout.splitlines() if "Y001" in line)
    assert shapecalc("explain", str(path)).stdout.splitlines()[-1] == line


# 5. A network without layers.

@pytest.mark.parametrize("layers", [
    "[]", "\n  - relu: {when: false}\n  - conv2d: {out_channels: 3, kernel_size: 1, when: false}"])
def test_a_network_without_layers_says_so(spec_file, layers):
    path = spec_file(f"name: nothing\ninput: [3, 8, 8]\nlayers: {layers}\n")
    for command in (["check"], ["explain"], ["explain", "-f", "markdown"]):
        proc = shapecalc(*command, str(path))
        assert proc.returncode == 0 and "nothing" in proc.stdout, command
        assert "no layers" in proc.stdout and "the output is the input, 3x8x8" in proc.stdout
    assert "Output shape: 3x8x8" in shapecalc("check", str(path)).stdout


# 6. One colour rule for every command.

COLOURED_COMMANDS = [["check", ALEXNET_224], ["lint", ALEXNET_224], ["run", HOMEWORK]]


@pytest.mark.parametrize("env, coloured", [
    ({"NO_COLOR": "1", "FORCE_COLOR": "1"}, False),  # no-color.org: NO_COLOR wins
    ({"TERM": "dumb", "FORCE_COLOR": "1"}, True),  # asked for: a CI log that shows ANSI
    ({"FORCE_COLOR": "1"}, True),
    ({"NO_COLOR": "1"}, False),
    ({"FORCE_COLOR": ""}, False),  # empty is unset, for both variables
    ({}, False),  # a pipe
])
@pytest.mark.parametrize("command", COLOURED_COMMANDS, ids=lambda c: c[0])
def test_colour_follows_one_rule_in_a_pipe(command, env, coloured):
    proc = shapecalc(*command, **env)
    no_traceback(proc)
    assert ("\x1b[" in proc.stdout) is coloured, proc.stdout[:300]


@pytest.mark.parametrize("env, coloured", [
    ({"TERM": "xterm"}, True),
    ({"TERM": "dumb"}, False),
    ({"TERM": "xterm", "NO_COLOR": "1"}, False),
    ({"TERM": "xterm", "NO_COLOR": "1", "FORCE_COLOR": "1"}, False),
    ({"TERM": "dumb", "FORCE_COLOR": "1"}, True),
])
@pytest.mark.parametrize("command", COLOURED_COMMANDS[:2], ids=lambda c: c[0])
def test_colour_follows_one_rule_on_a_terminal(command, env, coloured):
    code, out = on_a_terminal(*command, **env)
    assert b"Traceback" not in out
    assert (b"\x1b[" in out.replace(b"\x1b[?25l", b"").replace(b"\x1b[?25h", b"")) is coloured


@pytest.mark.parametrize("tty", [True, False])
@given(no_color=st.sampled_from([None, "", "1", "0"]), force=st.sampled_from([None, "", "1", "0"]),
       term=st.sampled_from([None, "dumb", "xterm"]))
def test_use_color_precedence(tty, no_color, force, term):
    env = {k: v for k, v in (("NO_COLOR", no_color), ("FORCE_COLOR", force), ("TERM", term)) if v is not None}
    expected = False if no_color else True if force else tty and term != "dumb"
    assert use_color(tty, env) is expected


# A fuzz over every command's option values.

#: Each command with the options it takes a value for, and a spec to run on.
OPTIONS = {
    "check": (["--format", "--convention", "--dtype", "--batch", "--optimizer"], ALEXNET_224),
    "lint": (["--select", "--ignore", "--format", "--exclude", "--extend-exclude"], ALEXNET_224),
    "explain": (["--layer", "--format"], ALEXNET_224),
    "fit": (["--range", "--dim"], ALEXNET_224),
    "run": (["--seed", "--max-macs", "--format", "--input", "--weights"], HOMEWORK),
    "schema": (["--format"], None),
}
_text = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=30)
VALUES = st.one_of(
    _text,
    st.just(""),
    st.integers(-10**20, 10**20).map(str),
    st.integers(4_290, 5_010).map(lambda n: "9" * n),
    st.sampled_from(["json", "text", "markdown", "sarif", "junit", "github", "F,W", "ALL", "conv1", "H", "1:300",
                     "0:0", "1:", ":", "torch", "adam", "int8", "\u00e9", "\u202e", "-1", "--", "-f"]),
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(command=st.sampled_from(sorted(OPTIONS)), data=st.data())
def test_any_option_value_is_an_exit_code_not_a_traceback(command, data):
    flags, spec = OPTIONS[command]
    flag = data.draw(st.sampled_from(flags), label="flag")
    value = data.draw(VALUES, label="value")
    joined = data.draw(st.booleans(), label="joined")
    option = [f"{flag}={value}"] if joined else [flag, value]
    proc = shapecalc(command, *option, *([spec] if spec else []))
    no_traceback(proc)
    assert proc.returncode in (0, 1, 2), proc.stderr
    if proc.returncode == 2 or flag != "--format":  # `--exclude json` asks for no JSON
        return
    if value == "json" and command != "lint":
        for line in proc.stdout.splitlines():
            strict_json(line)
    elif value in ("json", "sarif") and command == "lint":
        strict_json(proc.stdout)
