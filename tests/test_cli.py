"""The command line as a user and a CI job see it: exit codes, the JSON contract, help."""

from __future__ import annotations

import json

from shapecalc import __version__

LAYER_KEYS = {"name", "type", "input_shape", "output_shape", "params", "trainable_params"}
DOC_KEYS = {"name", "input_shape", "layers", "total_params", "trainable_params", "diagnostics"}
DIAG_KEYS = {"code", "severity", "message", "line", "column", "layer"}


def test_json_contract(run_cli):
    proc = run_cli("check", "--format", "json", "architectures/alexnet.yaml")
    assert proc.returncode == 0
    doc = json.loads(proc.stdout)
    assert DOC_KEYS <= doc.keys()
    assert all(LAYER_KEYS <= layer.keys() for layer in doc["layers"])
    assert doc["input_shape"] == [3, 227, 227]
    assert doc["layers"][0] == {**doc["layers"][0], "name": "conv1", "type": "conv2d",
                                "input_shape": [3, 227, 227], "output_shape": [96, 55, 55],
                                "params": 34944, "trainable_params": 34944}
    assert (doc["total_params"], doc["trainable_params"], doc["diagnostics"]) == (62_378_344, 62_378_344, [])


def test_json_diagnostics_and_exit_1(run_cli):
    proc = run_cli("check", "-f", "json", "architectures/alexnet-224.yaml")
    assert proc.returncode == 1
    d = json.loads(proc.stdout)["diagnostics"][0]
    assert d.keys() == DIAG_KEYS
    assert (d["code"], d["severity"], d["line"], d["column"], d["layer"]) == ("F001", "error", 8, 70, "conv1")


def test_json_one_document_per_file_per_line(run_cli):
    proc = run_cli("check", "-f", "json", "architectures/lenet5.yaml", "architectures/slides/7x7-stride3.yaml")
    assert proc.returncode == 1
    docs = [json.loads(line) for line in proc.stdout.splitlines()]
    assert [d["name"] for d in docs] == ["lenet5", "7x7-stride3"]


def test_unreadable_files_exit_2_and_others_still_checked(run_cli, tmp_path):
    proc = run_cli("check", "no-such-file.yaml", "architectures/lenet5.yaml")
    assert proc.returncode == 2
    assert "error: no-such-file.yaml: cannot read: No such file or directory" in proc.stderr
    assert "Total params: 61,706" in proc.stdout
    proc = run_cli("check", str(tmp_path))
    assert proc.returncode == 2 and "is a directory" in proc.stderr


def test_bad_options_exit_2(run_cli):
    assert run_cli("check", "--format", "xml", "architectures/lenet5.yaml").returncode == 2
    assert run_cli("check").returncode == 2
    assert run_cli("nosuchcommand").returncode == 2


def test_warnings_alone_exit_0(run_cli, spec_file):
    path = spec_file("input: [3, 4, 5]\nlayers:\n  - linear: {units: 7}\n")
    proc = run_cli("check", str(path))
    assert proc.returncode == 0
    assert "W001" in proc.stdout and "0 errors, 1 warning" in proc.stdout


def test_version_and_help(run_cli):
    assert run_cli("--version").stdout.strip() == f"shapecalc {__version__}"
    help_text = run_cli("--help").stdout
    assert "shapecalc check architectures/alexnet.yaml" in help_text
    assert "Exit code 0" in run_cli("check", "--help").stdout


def test_no_traceback_on_any_shipped_or_broken_spec(run_cli, spec_file):
    broken = spec_file("input: [3, 8\nlayers:\n  - {type: [x]}\n")
    for target in ("architectures", str(broken)):
        files = [str(p) for p in __import__("pathlib").Path(target).rglob("*.yaml")] if target == "architectures" else [target]
        proc = run_cli("check", *files)
        assert "Traceback" not in proc.stdout + proc.stderr
