"""`shapecalc run` as a user sees it: the homework example, the JSON and --save files, exit codes,
and one clear message (no traceback) for every kind of bad --input or --weights file.

No torch needed: the numbers here are checked by hand (the homework) or against the forward
pass's own JSON; tests/oracle/test_forward.py compares them with torch.
"""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from shapecalc.cli.app import app
from shapecalc.kernels.ops import Op
from shapecalc.layers import KINDS
from shapecalc.kernels.tensor import Tensor

HOMEWORK = ["run", "examples/homework.yaml", "--input", "examples/homework-input.json",
            "--weights", "examples/homework-weights.json"]
CONV = "name: t\ninput: [1, 5, 5]\nlayers:\n  - conv2d: {name: conv, out_channels: 2, kernel_size: 3}\n  - relu\n"


def test_homework_example_gives_the_textbook_answer(run_cli):
    proc = run_cli(*HOMEWORK)
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    grid = lines.index("output 1x3x3:")
    assert lines[grid + 1:grid + 5] == ["  channel 0:", "    4 3 4", "    2 4 3", "    2 3 4"]
    assert "every layer matches the calculator: 1 layer," in proc.stdout
    row = next(line for line in lines if "conv2d" in line).split()
    assert row[:6] == ["1", "conv", "conv2d", "1x3x3", "1x3x3", "yes"]


def test_json_document(run_cli):
    proc = run_cli(*HOMEWORK, "--format", "json")
    assert proc.returncode == 0
    doc = json.loads(proc.stdout)
    assert doc["output"] == [[[4.0, 3.0, 4.0], [2.0, 4.0, 3.0], [2.0, 3.0, 4.0]]]
    assert doc["match"] is True and doc["macs"] == 81
    assert doc["layers"] == [{**doc["layers"][0], "name": "conv", "type": "conv2d", "calculator_shape": [1, 3, 3],
                              "forward_shape": [1, 3, 3], "match": True, "macs": 81, "weights": "file", "error": None}]
    assert (doc["input_file"], doc["weights_file"]) == ("examples/homework-input.json", "examples/homework-weights.json")


def test_seeded_runs_are_reproducible_and_say_so(run_cli, spec_file, tmp_path):
    path = spec_file(CONV)
    first, again, other = (run_cli("run", str(path), "-f", "json", "--seed", s) for s in ("1", "1", "2"))
    assert json.loads(first.stdout)["output"] == json.loads(again.stdout)["output"]
    assert json.loads(first.stdout)["output"] != json.loads(other.stdout)["output"]
    assert json.loads(first.stdout)["layers"][0]["weights"] == "seeded"
    weights = tmp_path / "w.json"
    weights.write_text(json.dumps({"conv": {"weight": [[[[0.0] * 3] * 3]] * 2}}))
    text = run_cli("run", str(path), "--weights", str(weights)).stdout
    assert f"weights: {weights}\nseeded (seed 0), not in the weights file: conv (file, seeded bias)" in text


def test_save_writes_every_layer(run_cli, spec_file, tmp_path):
    out = tmp_path / "all.json"
    proc = run_cli("run", str(spec_file(CONV)), "--save", str(out), "-f", "json")
    assert proc.returncode == 0
    saved, doc = json.loads(out.read_text()), json.loads(proc.stdout)
    assert list(saved["outputs"]) == ["conv", "relu_1"]
    assert saved["outputs"]["relu_1"] == doc["output"]
    assert saved["outputs"]["relu_1"] == [[[max(v, 0.0) for v in row] for row in ch] for ch in saved["outputs"]["conv"]]
    assert len(saved["input"][0]) == 5


def test_lenet5_text_table(run_cli):
    proc = run_cli("run", "architectures/lenet5.yaml")
    assert proc.returncode == 0
    assert proc.stdout.count(" yes ") == 12
    assert "input: seeded, uniform(-1, 1), seed 0\nweights: seeded, seed 0\noutput 10:" in proc.stdout


def write(tmp_path, name, text):
    path = tmp_path / name
    path.write_bytes(text.encode("utf-8", "surrogateescape"))
    return str(path)


# (file contents, the message it must give); each is one kind of mistake.
BAD_INPUTS = {
    "shape": ("[[1, 2, 3, 4, 5]]",
              "expected shape [1, 5, 5] (the spec's input: channels first, no batch dimension), found [1, 5]"),
    "batch": (json.dumps([[[[0] * 5] * 5]]), "expected shape [1, 5, 5] (the spec's input: channels first, "
              "no batch dimension), found [1, 1, 5, 5] (drop the batch dimension)"),
    "text": (json.dumps([[[0, 0, 0, 0, 0]] * 4 + [[0, 0, "x", 0, 0]]]), "entry [0][4][2] is 'x', expected a number"),
    "bool": (json.dumps([[[0, 0, 0, 0, True]] * 5]), "entry [0][0][4] is true, expected a number"),
    "nan": ("[[[0, 0, 0, 0, 0], [0, NaN, 0, 0, 0]" + ", [0, 0, 0, 0, 0]" * 3 + "]]",
            "entry [0][1][1] is nan, expected a finite number (NaN and infinity are not allowed)"),
    "infinity": ("[[[0, 0, 0, 0, -Infinity]" + ", [0, 0, 0, 0, 0]" * 4 + "]]",
                 "entry [0][0][4] is -inf, expected a finite number (NaN and infinity are not allowed)"),
    "huge": ("[[[0, 0, 0, 0, 1" + "0" * 400 + "]" + ", [0, 0, 0, 0, 0]" * 4 + "]]",
             "entry [0][0][4] is an integer of 401 digits, too large for a float"),
    "ragged": ("[[[0, 0, 0, 0, 0], [0, 0, 0, 0]" + ", [0, 0, 0, 0, 0]" * 3 + "]]",
               "entry [0][1] has 4 items, expected 5 (lists must be rectangular)"),
    "json": ("[[1, 2,]", "not valid JSON: Expecting value at line 1 column 8"),
    "binary": ("[\udcff]", "not UTF-8 text (invalid byte 0xff at offset 1)"),
    "object": ('{"x": 1}', "expected shape [1, 5, 5] (the spec's input: channels first, no batch dimension), found a mapping"),
}


@pytest.mark.parametrize("case", BAD_INPUTS)
def test_bad_input_file(run_cli, tmp_path, case):
    text, message = BAD_INPUTS[case]
    path = write(tmp_path, "in.json", text)
    proc = run_cli("run", "examples/homework.yaml", "--input", path, "--weights", "examples/homework-weights.json")
    assert proc.returncode == 1
    assert proc.stderr == f"error: {path}: {message}\n"
    assert proc.stdout == ""


BAD_WEIGHTS = {
    "unknown layer": ({"conv1": {"weight": []}},
                      ["'conv1' matches no layer; did you mean 'conv'? (layers with parameters: conv)"]),
    "no parameters": ({"relu_1": {}}, ["layer 'relu_1' has no parameters"]),
    "unknown parameter": ({"conv": {"wieght": []}},
                          ["conv: unknown parameter 'wieght'; did you mean 'weight'? (conv takes weight, bias)"]),
    "shape": ({"conv": {"weight": [[[[0] * 3] * 3]], "bias": [0, 0, 0]}},
              ["conv.weight: expected shape [2, 1, 3, 3] (out_channels, in_channels/groups, *kernel_size), found [1, 1, 3, 3]",
               "conv.bias: expected shape [2] (out_channels), found [3]"]),
    "not an object": ([1, 2], ['expected an object {layer name: {"weight": ..., "bias": ...}}, found a list of 2 items']),
    "layer not an object": ({"conv": [0]}, ["conv: expected an object of parameters (weight, bias), found a list of 1 item"]),
    "value": ({"conv": {"bias": [0.5, None]}}, ["conv.bias: entry [1] is null, expected a number"]),
}


@pytest.mark.parametrize("case", BAD_WEIGHTS)
def test_bad_weights_file(run_cli, spec_file, tmp_path, case):
    content, messages = BAD_WEIGHTS[case]
    path = write(tmp_path, "w.json", json.dumps(content))
    proc = run_cli("run", str(spec_file(CONV)), "--weights", path)
    assert proc.returncode == 1
    assert proc.stderr.splitlines() == [f"error: {path}: {m}" for m in messages]
    assert proc.stdout == ""


TABLE = ("name: t\ninput: [2, 4, 4]\nlayers:\n"
         "  - conv2d: {name: c3, out_channels: 2, kernel_size: 3, connection_table: [[1], [0, 1]]}\n")


def table_weight(unlinked: float) -> list:
    """[2, 2, 3, 3] for TABLE: `unlinked` where output map 0 meets input map 0, which it does not read."""
    return [[[[unlinked] * 3] * 3, [[0.5] * 3] * 3], [[[1.0] * 3] * 3] * 2]


def test_connection_table_weights_take_the_full_layout_with_zeros(run_cli, spec_file, tmp_path):
    table = str(spec_file(TABLE))
    path = write(tmp_path, "ok.json", json.dumps({"c3": {"weight": table_weight(0.0)}}))
    proc = run_cli("run", table, "--weights", path, "-f", "json")
    assert proc.returncode == 0 and json.loads(proc.stdout)["layers"][0]["weights"] == "file, seeded bias"
    path = write(tmp_path, "w.json", json.dumps({"c3": {"weight": table_weight(0.25)}}))
    proc = run_cli("run", table, "--weights", path)
    assert proc.returncode == 1
    assert proc.stderr == (f"error: {path}: c3.weight: entry [0][0] is not all zeros, but connection_table does not "
                           "link output map 0 to input map 0 (it reads maps [1]): the weights of unlinked maps must be 0\n")
    path = write(tmp_path, "short.json", json.dumps({"c3": {"weight": [[[[0.0] * 3] * 3]] * 2}}))
    assert run_cli("run", table, "--weights", path).stderr == (
        f"error: {path}: c3.weight: expected shape [2, 2, 3, 3] (out_channels, in_channels, *kernel_size; 0 for the "
        "input maps connection_table does not link), found [2, 1, 3, 3]\n")


def test_lenet5_1998_runs(run_cli):
    """Trainable subsampling and C3's connection table: the network as published."""
    proc = run_cli("run", "architectures/lenet5-1998.yaml")
    assert proc.returncode == 0, proc.stderr
    assert "every layer matches the calculator: 13 layers" in proc.stdout


def test_problems_in_both_files_are_all_reported(run_cli, spec_file, tmp_path):
    proc = run_cli("run", str(spec_file(CONV)), "--input", write(tmp_path, "i.json", "[1]"),
                   "--weights", write(tmp_path, "w.json", '{"fc": {}}'))
    assert proc.returncode == 1 and len(proc.stderr.splitlines()) == 2


def test_unreadable_files_exit_2(run_cli, tmp_path):
    proc = run_cli("run", "examples/homework.yaml", "--input", "no-such.json")
    assert proc.returncode == 2
    assert proc.stderr == "error: no-such.json: cannot read: No such file or directory\n"
    assert run_cli("run", "no-such.yaml").returncode == 2
    proc = run_cli("run", *HOMEWORK[1:], "--save", str(tmp_path / "missing-dir" / "out.json"))
    assert proc.returncode == 2 and "cannot write" in proc.stderr


def test_budget_refusal_names_the_estimate_and_the_option(run_cli):
    proc = run_cli("run", "architectures/alexnet.yaml", "--max-macs", "1000000000")
    assert proc.returncode == 2
    assert proc.stderr == ("error: architectures/alexnet.yaml: the forward pass needs about 1,499,429,140 "
                           "multiply-accumulates, more than the budget of 1,000,000,000; "
                           "allow it with --max-macs 1499429140\n")
    assert run_cli("run", "architectures/lenet5.yaml", "--max-macs", "-1").returncode == 2


def test_spec_errors_stop_the_run(run_cli, spec_file):
    proc = run_cli("run", str(spec_file("input: [1, 5, 5]\nlayers:\n  - conv2d: {out_channels: 1, kernel_size: 7}\n")))
    assert proc.returncode == 1
    assert "F002" in proc.stderr and "the spec has errors that stop the forward pass" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_a_stride_that_does_not_fit_still_runs_and_is_reported(run_cli):
    proc = run_cli("run", "architectures/slides/7x7-stride3.yaml")
    assert proc.returncode == 0
    assert "F001" in proc.stdout and "every layer matches the calculator" in proc.stdout


def test_a_wrong_expected_answer_still_runs_and_is_reported(run_cli, spec_file):
    path = spec_file("input: [1, 5, 5]\nlayers:\n  - conv2d: {out_channels: 1, kernel_size: 3, expect: {output_shape: [1, 2, 2]}}\n")
    proc = run_cli("run", str(path))
    assert proc.returncode == 0
    assert "A001" in proc.stdout and "every layer matches the calculator" in proc.stdout


def test_mismatch_exits_1(monkeypatch, spec_file):
    monkeypatch.setattr(KINDS["relu"], "forward", Op(lambda x, a, p: Tensor((1,), x.data[:1])))
    result = CliRunner().invoke(app, ["run", str(spec_file(CONV)), "--format", "json"])
    assert result.exit_code == 1
    doc = json.loads(result.stdout)
    assert doc["match"] is False and doc["output"] is None
    assert doc["layers"][1]["error"] == "relu_1: the forward pass gives 1, the calculator 2x3x3"


def test_progress_bars_draw_on_demand_without_a_thread():
    """The driver forks worker processes; a refresh thread alive at that moment could deadlock them."""
    import threading
    from io import StringIO

    from rich.console import Console

    from shapecalc.analysis.check import check_text
    from shapecalc.analysis.forward import execute, prepare
    from shapecalc.render.run import LayerProgress

    analysis = check_text(CONV, "t.yaml")
    setup = prepare(analysis, 0)
    console = Console(file=StringIO(), force_terminal=True, width=100)
    before = threading.active_count()
    with LayerProgress([r.spec.name for r in analysis.layers], setup, console) as report:
        during = threading.active_count()
        run = execute(analysis, setup, workers=2, progress=report, parallel_macs=0)
    assert run.ok and during == before
    assert "conv (162 MACs)" in console.file.getvalue()
