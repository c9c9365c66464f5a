"""The console script's fast path (shapecalc/cli/entry.py) against typer's parsing of the same lines.

The fast path is only allowed to be faster: for every command line the same output, errors and
exit code as typer's. Both parsers are built from one table of options (commands/options.py's CHECK_OPTIONS,
LINT_OPTIONS). Lines the fast path cannot be sure of go to typer, and those are compared too.
"""

from __future__ import annotations

import inspect
import os
import signal
import subprocess
import sys
import time

import pytest
import typer.main

from shapecalc.cli import app as cli
from shapecalc.cli import entry
from shapecalc.cli.entry import _commands, parse, plan

from .conftest import ROOT, hears_ctrl_c

FAST = _commands()
TYPER_COMMANDS = typer.main.get_command(cli.app).commands  # type: ignore[attr-defined]


@pytest.mark.parametrize("name", sorted(FAST))
def test_typer_and_the_fast_path_read_one_table(name):
    """cli/app.py builds typer's options from the records the fast path parses with: the same
    names, flags and defaults, in the same order; the command's function takes exactly
    those options and has no defaults of its own to drift from the table's."""
    options = [p for p in TYPER_COMMANDS[name].params if p.param_type_name == "option"]
    assert [(p.name, tuple(p.opts), tuple(p.secondary_opts), getattr(p.default, "value", p.default))
            for p in options] == [(o.name, o.flags, (o.off,) if o.off else (), o.default) for o in FAST[name].options]
    arguments = [p for p in TYPER_COMMANDS[name].params if p.param_type_name == "argument"]
    assert len(arguments) == 1 and arguments[0].nargs == -1 and arguments[0].required
    _, *keywords = inspect.signature(FAST[name].function).parameters.values()
    assert [(p.name, p.kind, p.default) for p in keywords] == [
        (o.name, inspect.Parameter.KEYWORD_ONLY, inspect.Parameter.empty) for o in FAST[name].options]


@pytest.mark.parametrize("args, expected", [
    (["a.yaml"], {}),
    (["a.yaml", "-f", "json"], {"format": "json"}),
    (["-fjson", "a.yaml"], {"format": "json"}),
    (["--format=json", "a.yaml"], {"format": "json"}),
    (["--batch", "64", "--connections", "a.yaml"], {"batch": 64, "connections": True}),
    (["--", "--format", "a.yaml"], {}),
    (["-"], {}),
])
def test_lines_the_fast_path_takes(args, expected):
    parsed = parse(FAST["check"], args)
    assert parsed is not None
    files, kwargs = parsed
    assert kwargs == expected
    assert all(isinstance(f, os.PathLike) for f in files)


@pytest.mark.parametrize("args", [
    [],  # typer says what is missing
    ["--format", "json"],
    ["-h", "a.yaml"], ["--help"],
    ["--nope", "a.yaml"], ["-x", "a.yaml"],
    ["--form", "json", "a.yaml"],  # no abbreviations
    ["--format", "xml", "a.yaml"], ["--format", "JSON", "a.yaml"], ["-f=json", "a.yaml"],
    ["--format", "json", "--format", "text", "a.yaml"],  # click keeps the last; typer decides
    ["--batch", "0", "a.yaml"], ["--batch", "01", "a.yaml"], ["--batch", "+1", "a.yaml"],
    ["--batch", "1_000", "a.yaml"], ["--batch", " 1", "a.yaml"], ["--batch", "１", "a.yaml"],
    ["--connections=yes", "a.yaml"],
    ["a.yaml", "--format"],
    ["--format", "-f", "a.yaml"],
])
def test_lines_left_to_typer(args):
    assert parse(FAST["check"], args) is None


def test_lint_options_collect_and_flags_negate():
    parsed = parse(FAST["lint"], ["--select", "F", "x", "--select=W", "--no-strict", "--force-exclude", "-f", "sarif"])
    assert parsed == (["x"], {"select": ["F", "W"], "strict": False, "force_exclude": True, "format": "sarif"})


def test_the_fast_commands_are_named_without_importing_them():
    assert set(entry.FAST) == set(FAST)


def test_other_commands_and_completion_go_to_typer():
    assert plan(["check", "a.yaml"], {}) is not None
    for argv in (["run", "a.yaml"], ["explain", "a.yaml"], ["--version"], ["schema"], ["check"], []):
        assert plan(argv, {}) is None, argv
    assert plan(["check", "a.yaml"], {"_SHAPECALC_COMPLETE": "complete_bash"}) is None


FAST_SCRIPT = "from shapecalc.cli.entry import main; main()"
#: The console script with the fast path turned off: every line through typer, then the same exit.
TYPER_SCRIPT = "import shapecalc.cli.entry as e; e.plan = lambda argv, env: None; e.main()"


def run(script: str, args: list[str], cwd=ROOT) -> tuple[int, str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("FORCE_COLOR", "TTY_COMPATIBLE", "NO_COLOR")}
    proc = subprocess.run([sys.executable, "-c", script, *args], cwd=cwd, capture_output=True, text=True,
                          timeout=120, check=False, env=env)
    return proc.returncode, proc.stdout, proc.stderr


LINES = [
    ["check", "architectures/lenet5.yaml"],
    ["check", "-f", "json", "architectures/lenet5.yaml"],
    ["check", "-f", "markdown", "architectures/alexnet-224.yaml"],
    ["check", "--format=html", "architectures/lenet5.yaml", "architectures/resnet18.yaml"],
    ["check", "architectures/lenet5.yaml", "--format=json", "architectures/resnet18.yaml"],
    ["check", "--connections", "--convention", "torchinfo", "--dtype", "float16", "--batch", "8", "--optimizer",
     "adam", "architectures/alexnet.yaml"],
    ["check", "architectures/alexnet-224.yaml", "architectures/slides/7x7-stride3.yaml"],
    ["check", "./architectures//lenet5.yaml", "missing.yaml", "architectures", "-"],
    ["check", "--", "architectures/googlenet.yaml"],
    ["check", "tests/lint_cases/f001-f002-shapes.yaml"],
    ["check", "--batch", "0", "architectures/lenet5.yaml"],
    ["check", "--format", "xml", "architectures/lenet5.yaml"],
    ["check", "--nope", "architectures/lenet5.yaml"],
    ["check"],
    ["lint", "architectures/"],
    ["lint", "--select", "F,W", "--ignore", "W001", "--strict", "tests/lint_cases"],
    ["lint", "-f", "sarif", "--no-strict", "architectures/alexnet.yaml"],
    ["lint", "--format", "github", "--exclude", "slides", "--extend-exclude", "*224*", "architectures",
     "tests/lint_cases/s001-list.yaml"],
    ["lint", "--force-exclude", "architectures/alexnet-224.yaml", "nothing-here.yaml"],
    ["lint", "--select", "", "architectures"],
    ["lint", "--select", "NOPE", "architectures"],
]


@pytest.mark.parametrize("args", LINES, ids=" ".join)
def test_the_fast_path_prints_what_typer_prints(args):
    fast = run(FAST_SCRIPT, args)
    assert fast == run(TYPER_SCRIPT, args)
    assert fast[1] or fast[2]  # something was said


def test_the_lines_above_exercise_both_paths():
    taken = [plan(args, {}) is not None for args in LINES]
    assert sum(taken) >= 12 and not all(taken)


@pytest.mark.parametrize("unbuffered", ["1", None])
def test_a_reader_that_went_away_is_exit_1_and_silent_on_both_paths(unbuffered):
    """`shapecalc check ... | head -1`: writing fails with EPIPE, at once (unbuffered) or when
    the buffer is flushed at the end; both paths exit 1 and print no traceback. The pipe's
    reading end is closed before the command starts, so a write fails whatever the pipe's size."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}
    env.update({"PYTHONUNBUFFERED": unbuffered} if unbuffered else {})
    results = []
    for script in (FAST_SCRIPT, TYPER_SCRIPT):
        for args in (["check", "architectures/lenet5.yaml"], ["lint", "architectures"]):
            read, write = os.pipe()
            os.close(read)
            try:
                proc = subprocess.run([sys.executable, "-c", script, *args], cwd=ROOT, stdout=write,
                                      stderr=subprocess.PIPE, text=True, timeout=120, check=False, env=env)
            finally:
                os.close(write)
            results.append((proc.returncode, proc.stderr))
    assert results == [(1, "")] * 4


@pytest.mark.parametrize("args, code, err", [
    (["check", "architectures/lenet5.yaml"], 0, ""),
    (["check", "missing.yaml"], 2, "error: missing.yaml: cannot read: No such file or directory\n"),
])
def test_a_closed_stdout_is_written_to_nowhere_on_both_paths(args, code, err):
    """`shapecalc check a.yaml >&-`: Python starts with sys.stdout None; nothing crashes."""
    for script in (FAST_SCRIPT, TYPER_SCRIPT):
        proc = subprocess.run(f'"{sys.executable}" -c "{script}" {" ".join(args)} >&-', shell=True, cwd=ROOT,
                              executable="/bin/bash", capture_output=True, text=True, timeout=120, check=False)
        assert (proc.returncode, proc.stderr) == (code, err), script


def test_names_too_long_to_look_up_are_unreadable_files_not_tracebacks():
    name = "a" * 300 + ".yaml"
    for args in (["check", name], ["lint", name]):
        fast = run(FAST_SCRIPT, args)
        assert fast == run(TYPER_SCRIPT, args)
        assert fast[0] == 2 and "File name too long" in fast[2] and "Traceback" not in fast[2], fast


def test_a_file_that_cannot_be_read_is_left_to_typer(tmp_path, monkeypatch):
    """typer refuses an existing FILE that os.access says cannot be read (a usage error, exit 2)
    before `check` runs; the fast path leaves such lines to it. (Root can read anything, so the
    test asks os.access itself.)"""
    spec = tmp_path / "a.yaml"
    spec.write_text("input: [4]\nlayers: [relu]\n")
    assert parse(FAST["check"], [str(spec)]) is not None
    monkeypatch.setattr("shapecalc.cli.entry.os.access", lambda path, mode: False)
    assert parse(FAST["check"], [str(spec)]) is None
    assert parse(FAST["check"], [str(tmp_path / "missing.yaml")]) is not None  # the command says it is missing


@pytest.mark.parametrize("script", [FAST_SCRIPT, TYPER_SCRIPT], ids=["fast path", "typer"])
def test_ctrl_c_is_exit_130_without_a_traceback_on_both_paths(script, tmp_path):
    """SIGINT while a large spec is being checked (about 190,000 layers: seconds of work): the
    documented exit code 130, and no traceback. The signal is sent once the child has printed
    nothing and is still running after the interpreter and the imports (a second), so it lands
    in the work; a child that finished first would fail the test rather than pass it."""
    spec = tmp_path / "big.yaml"
    spec.write_text("input: [3, 8, 8]\nblocks:\n  unit:\n    layers: [relu, relu, relu, relu, relu, relu, relu, relu, "
                    "relu, relu]\nlayers:\n  - unit: {repeat: 19000}\n")
    env = {k: v for k, v in os.environ.items() if k not in ("FORCE_COLOR", "TTY_COMPATIBLE", "NO_COLOR")}
    proc = subprocess.Popen([sys.executable, "-c", script, "check", "-f", "json", str(spec)], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, preexec_fn=hears_ctrl_c)
    try:
        time.sleep(1.5)
        assert proc.poll() is None, "the check ended before the signal: make the spec larger"
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=60)
    finally:
        proc.kill()
    assert proc.returncode == 130, (proc.returncode, err[-500:])
    assert "Traceback" not in err and out == ""
