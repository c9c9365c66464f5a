"""Hostile input to `shapecalc run` (issue 15): values read twice, JSON numbers Python cannot hold,
files that are not regular or never end, duplicate keys, Ctrl-C under a process pool, and layers
whose work or memory the budget did not see. Each gets one clear message and the documented exit
code, never a traceback or a hang."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from math import prod
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shapecalc.analysis.check import check_text
from shapecalc.analysis.forward import declared, execute, held, prepare, work
from shapecalc.spec.files import BadFile, read_bounded
from shapecalc.spec.tensors import DataError, Unreadable, read_input, read_weights, size_limit

from .conftest import ROOT, hears_ctrl_c
ONE = "name: one\ninput: [1, 1, 1]\nlayers:\n  - conv2d: {name: conv, out_channels: 1, kernel_size: 1}\n"


def write(tmp_path: Path, name: str, text: str) -> str:
    path = tmp_path / name
    path.write_text(text)
    return str(path)


# 1. A layer that reads the same value twice: the driver freed it twice (KeyError).

TWICE = {
    "add": "input: [2, 4, 4]\nlayers:\n  - conv2d: {name: a, out_channels: 2, kernel_size: 1}\n"
           "  - add: {name: s, inputs: [a, a]}\n",
    "concat-input": "input: [2, 4, 4]\nlayers:\n  - concat: {name: c, inputs: [input, input]}\n",
    "mul-thrice": "input: [2, 4, 4]\nlayers:\n  - relu: {name: x}\n  - mul: {name: m, inputs: [x, x, x]}\n"
                  "  - relu: {name: after}\n",
}


@pytest.mark.parametrize("case", TWICE)
def test_a_value_read_twice_runs(case):
    analysis = check_text(TWICE[case])
    run = execute(analysis, prepare(analysis, 0), workers=1)
    assert run.ok and all(layer.error is None for layer in run.layers)
    assert run.output is not None


def test_a_value_read_twice_runs_from_the_command_line(run_cli, tmp_path):
    proc = run_cli("run", write(tmp_path, "s.yaml", TWICE["add"]), "--format", "json")
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["match"] is True


# 2. Numbers: past Python's 4,300-digit int limit, past a float, NaN and Infinity.

@pytest.mark.parametrize("text, message", [
    ("1" * 5000, "entry [0][0][0] is an integer of 5,000 digits, too large for a float"),
    ("-" + "9" * 5000, "entry [0][0][0] is an integer of 5,000 digits, too large for a float"),
    ("1e999", "entry [0][0][0] is 1e999, too large for a float"),
    ("-1.5E+400", "entry [0][0][0] is -1.5E+400, too large for a float"),
    ("0." + "1" * 5000 + "e999", "entry [0][0][0] is a number of 5,006 characters, too large for a float"),
    ("NaN", "entry [0][0][0] is nan, expected a finite number (NaN and infinity are not allowed)"),
    ("-Infinity", "entry [0][0][0] is -inf, expected a finite number (NaN and infinity are not allowed)"),
])
def test_numbers_no_float_holds_get_one_message(tmp_path, text, message):
    path = write(tmp_path, "in.json", f"[[[{text}]]]")
    with pytest.raises(DataError) as err:
        read_input(Path(path), (1, 1, 1))
    assert err.value.problems == [f"{path}: {message}"]


@pytest.mark.parametrize("text, value", [("-0", 0.0), ("-0.0", -0.0), ("1e-400", 0.0),
                                         ("1" * 300, float("1" * 300))])
def test_numbers_a_float_holds_are_read(tmp_path, text, value):
    tensor = read_input(Path(write(tmp_path, "in.json", f"[[[{text}]]]")), (1, 1, 1))
    assert tensor.data == [pytest.approx(value)]


def test_a_huge_integer_in_the_weights_is_one_message(run_cli, tmp_path):
    spec = write(tmp_path, "one.yaml", ONE)
    weights = write(tmp_path, "w.json", '{"conv": {"weight": [[[[' + "7" * 5000 + "]]]]}}")
    proc = run_cli("run", spec, "--weights", weights)
    assert proc.returncode == 1
    assert proc.stderr == (f"error: {weights}: conv.weight: entry [0][0][0][0] is an integer of 5,000 digits, "
                           "too large for a float\n")


NUMBER = st.one_of(
    st.from_regex(r"-?(0|[1-9][0-9]{0,6000})(\.[0-9]{1,50})?([eE][+-]?[0-9]{1,6})?", fullmatch=True),
    st.sampled_from(["NaN", "Infinity", "-Infinity", "-0", "true", "null", '"1"']),
)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(number=NUMBER, where=st.sampled_from(["input", "weight", "bias"]))
def test_any_number_is_read_or_refused_with_one_message(tmp_path, number, where):
    """Every number form JSON (and Python's json) can hold: a finite float, or one DataError line."""
    analysis = check_text(ONE)
    entry = f"[[[{number}]]]" if where == "input" else "[[[1]]]"
    weights = {"weight": f"[[[[{number}]]]]" if where == "weight" else "[[[[1]]]]",
               "bias": f"[{number}]" if where == "bias" else "[0]"}
    x = Path(write(tmp_path, "in.json", entry))
    w = Path(write(tmp_path, "w.json", '{"conv": {"weight": %s, "bias": %s}}' % (weights["weight"], weights["bias"])))
    try:
        setup = prepare(analysis, 0, x, w)
    except DataError as err:
        assert len(err.problems) == 1 and err.problems[0].startswith(str(x if where == "input" else w))
    else:
        values = setup.input.data + [v for p in setup.params[0].values() for v in p.values()]
        assert all(v == v and abs(v) != float("inf") for v in values)


# 3. Files that are not regular, or too large: refused before anything blocks or grows.

@pytest.mark.parametrize("option", ["--input", "--weights"])
def test_a_fifo_is_refused_not_waited_on(run_cli, tmp_path, option):
    fifo = tmp_path / "pipe.json"
    os.mkfifo(fifo)
    proc = run_cli("run", write(tmp_path, "one.yaml", ONE), option, str(fifo))  # 60 s timeout: a hang fails
    assert proc.returncode == 2
    assert proc.stderr == f"error: {fifo}: not a regular file (a FIFO)\n"


@pytest.mark.parametrize("path, kind", [("/dev/zero", "a character device"), ("/", "a directory")])
def test_devices_and_directories_are_refused(run_cli, tmp_path, path, kind):
    proc = run_cli("run", write(tmp_path, "one.yaml", ONE), "--weights", path)
    assert proc.returncode == 2
    assert proc.stderr == f"error: {path}: not a regular file ({kind})\n"


def test_a_file_over_its_limit_is_refused_after_reading_the_limit(tmp_path):
    path = tmp_path / "in.json"
    path.write_text("[[[1]]]" + " " * size_limit(1))
    with pytest.raises(Unreadable, match=r"the --input file is [\d,]+ bytes or more, over the limit of 1,048,640"):
        read_input(path, (1, 1, 1))


def test_read_bounded_reads_at_most_the_limit_plus_one(tmp_path, monkeypatch):
    path = tmp_path / "big"
    path.write_bytes(b"x" * 10_000)
    assert read_bounded(path, 10_000, "the file") == b"x" * 10_000
    with pytest.raises(BadFile, match="the file is 10,000 bytes or more, over the limit of 9,999"):
        read_bounded(path, 9_999, "the file")
    with pytest.raises(BadFile, match="cannot read: No such file"):
        read_bounded(tmp_path / "missing", 10, "the file")
    with pytest.raises(BadFile) as err:
        read_bounded("/dev/zero", 10, "the file")  # would never end without the regular-file check
    assert isinstance(err.value, OSError) and str(err.value) == "/dev/zero: not a regular file (a character device)"


# 4. Duplicate keys: refused, located, instead of the last one silently winning.

@pytest.mark.parametrize("text, where, first", [
    ('{"conv": {"weight": [[[[1]]]]},\n "conv": {"bias": [2]}}', "2:2", "line 1 column 2"),
    ('{"conv": {"weight": [[[[1]]]],\n   "weight": [[[[3]]]]}}', "2:4", "line 1 column 11"),
    ('{"x": {"conv": 1}, "conv": {}, "\\u0063onv": {}}', "1:32", "line 1 column 20"),
])
def test_duplicate_keys_are_refused_where_they_are(tmp_path, text, where, first):
    path = write(tmp_path, "w.json", text)
    key = "weight" if text.count("weight") == 2 else "conv"
    with pytest.raises(DataError) as err:
        read_weights(Path(path), {"conv": declared(check_text(ONE).layers[0])})
    assert err.value.problems == [f"{path}:{where}: key '{key}' given twice in one object (first at {first}); "
                                  "JSON keys must be unique"]


def test_duplicate_keys_exit_1_from_the_command_line(run_cli, tmp_path):
    spec = write(tmp_path, "one.yaml", ONE)
    weights = write(tmp_path, "w.json", '{"conv": {"weight": [[[[1]]]]}, "conv": {"weight": [[[[2]]]]}}')
    proc = run_cli("run", spec, "--weights", weights)
    assert proc.returncode == 1
    assert proc.stderr.startswith(f"error: {weights}:1:33: key 'conv' given twice") and proc.stdout == ""


# 5. Ctrl-C while a layer is computed by a pool of processes.

@pytest.mark.skipif(not hasattr(os, "fork") or len(os.sched_getaffinity(0)) < 2, reason="needs forked workers")
def test_ctrl_c_under_a_process_pool_exits_130_quietly(tmp_path):
    spec = write(tmp_path, "big.yaml", "input: [16, 128, 128]\nlayers:\n"
                                       "  - conv2d: {name: conv, out_channels: 64, kernel_size: 3, padding: 1}\n")
    proc = subprocess.Popen([sys.executable, "-m", "shapecalc", "run", spec, "--no-progress"], cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True,
                            preexec_fn=hears_ctrl_c)
    children = Path(f"/proc/{proc.pid}/task/{proc.pid}/children")
    try:
        for _ in range(600):  # the workers exist once the big layer starts
            if children.exists() and children.read_text().split():
                break
            time.sleep(0.1)
        else:
            pytest.fail("the pool never started")
        os.killpg(proc.pid, signal.SIGINT)  # what a terminal's Ctrl-C does: the whole process group
        out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    assert proc.returncode == 130
    assert "Traceback" not in err and "KeyboardInterrupt" not in err and "ForkPoolWorker" not in err


# 6. The budget bounds the work and the memory, before anything is built.

HEAVY = {
    "adaptive 1x1 -> 3000x3000": "input: [1, 1, 1]\nlayers:\n  - adaptiveavgpool2d: {name: p, output_size: 3000}\n",
    "upsample 1x1 -> 3000x3000": "input: [1, 1, 1]\nlayers:\n  - upsample: {name: u, scale_factor: 3000}\n",
    "huge input, large stride": "input: [1, 30000, 30000]\nlayers:\n  - maxpool2d: {name: p, kernel_size: 1, stride: 10000}\n",
    "upsample then reduce": "input: [1, 1, 1]\nlayers:\n  - upsample: {name: u, scale_factor: 2000}\n"
                            "  - globalavgpool: {name: g}\n",
}


@pytest.mark.parametrize("case", HEAVY)
def test_heavy_layers_are_over_the_default_budget(run_cli, tmp_path, case):
    proc = run_cli("run", write(tmp_path, "s.yaml", HEAVY[case]))  # refused before building anything
    assert proc.returncode == 2
    assert "multiply-accumulates, more than the budget of 2,000,000,000" in proc.stderr
    assert "Traceback" not in proc.stderr


@pytest.mark.parametrize("case", HEAVY)
def test_the_work_counts_every_value_built(case):
    """At least 100 units (VALUE_WORK) per value of the input and of each output."""
    analysis = check_text(HEAVY[case])
    values = prod(analysis.spec.input_shape) + sum(prod(r.output_shape) for r in analysis.layers)
    assert work(analysis) >= 100 * values
    assert held(analysis, keep=False, weights=False) >= max(prod(r.output_shape) for r in analysis.layers)


def test_the_memory_bound_refuses_before_running(run_cli, tmp_path):
    spec = write(tmp_path, "s.yaml", HEAVY["huge input, large stride"])
    proc = run_cli("run", spec, "--max-macs", str(10**12))
    assert proc.returncode == 2
    assert proc.stderr == (f"error: {spec}: the forward pass holds up to 1,800,000,018 values at once (32 bytes or "
                           "more each), more than the limit of 50,000,000; allow it with --max-values 1800000018\n")


def test_saving_keeps_every_output_and_the_bound_says_so():
    analysis = check_text(TWICE["mul-thrice"])
    assert held(analysis, keep=True, weights=False) > held(analysis, keep=False, weights=False)
    run = execute(analysis, prepare(analysis, 0), workers=1, keep=True)
    kept = sum(len(layer.output.data) for layer in run.layers) + len(run.setup.input.data)
    assert held(analysis, keep=True, weights=False) >= 2 * kept
