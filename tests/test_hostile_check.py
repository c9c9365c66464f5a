"""Hostile and odd input found by an independent hunt: one clear diagnostic each, never a
traceback, a crash, a hang or a silently different number."""

from __future__ import annotations

import os
import time

import pytest

from shapecalc.analysis.check import check_bytes, check_text


def codes(text: str) -> list[str]:
    return [d.code for d in check_text(text).diagnostics]


def quickly(text: str, seconds: float = 2.0) -> list[str]:
    start = time.perf_counter()
    found = codes(text)
    assert time.perf_counter() - start < seconds
    return found


def test_deep_block_nesting_spread_over_lines_is_refused_not_a_crash():
    depth, column, lines = 25_000, 0, []
    while depth > 0:  # 99 compact "- " per line, each line further right: no brackets, no long runs
        n = min(99, depth)
        lines.append(" " * column + "- " * n)
        column, depth = column + 2 * n, depth - n
    assert quickly("input: [3]\nlayers:\n" + "\n".join(lines) + "x\n", 10) == ["Y004"]


def test_merge_chain_in_a_value_is_refused_at_once():
    chain = ", ".join(["&a0 {k: 1}"] + [f"&a{i} {{<<: [*a{i - 1}, *a{i - 1}]}}" for i in range(1, 31)])
    assert quickly(f"input: [3]\nlayers:\n  - relu: {{inplace: [{chain}]}}\n") == ["Y004"]


def test_self_merge():
    assert quickly("input: [3, 8, 8]\nlayers:\n  - &a {type: relu, <<: *a}\n") == ["Y004"]


@pytest.mark.parametrize("value", ["9" * 5000, "0x" + "f" * 4000])
def test_huge_integers(value):
    found = quickly(f"input: [3, 8, 8]\nlayers:\n  - conv2d: {{out_channels: {value}, kernel_size: 3}}\n")
    assert found in (["Y004"], ["S010"])


@pytest.mark.parametrize(("text", "code"), [
    ("input: [3, 010, 010]\nlayers: []\n", "S013"),
    ("input: [3, 1:30]\nlayers: []\n", "S013"),
    ("input: [4611686018427387904, 4611686018427387904, 4611686018427387904]\nlayers: [flatten]\n", "S004"),
    ("input: [1, 3]\nlayers:\n  - conv1d: {out_channels: 1, kernel_size: 3, padding: 3, padding_mode: reflect}\n", "F006"),
    ("input: [1, 3]\nlayers:\n  - conv1d: {out_channels: 1, kernel_size: 3, padding: 4, padding_mode: circular}\n", "F006"),
    ("input: [3, 8, 8]\nlayers:\n  - hardtanh: {min_val: 2.0}\n", "F010"),
    ("input: [3, 8, 8]\nlayers:\n  - celu: {alpha: 0.0}\n", "F010"),
    ("input: [3, 8, 8]\nlayers:\n  - dropout1d\n", "F003"),
    ("input: [3]\nlayers:\n  - linear: {units: 9223372036854775807}\n  - linear: {units: 9223372036854775807}\n", "F009"),
    ("input: [3, 8, 8]\nlayers:\n  - conv2d: 3\n", "S005"),
])
def test_each_gets_one_error(text, code):
    assert quickly(text) == [code]


def test_reflect_padding_within_the_input_is_fine():
    assert codes("input: [1, 4]\nlayers:\n  - conv1d: {out_channels: 1, kernel_size: 3, padding: 3, padding_mode: reflect}\n") == []


def test_exponent_without_a_dot_is_the_number_meant():
    a = check_text("input: [3, 8, 8]\nlayers:\n  - batchnorm2d: {eps: 1e-5}\n")
    assert a.diagnostics == [] and a.spec.layers[0].args["eps"] == 1e-5


def test_a_misspelling_is_one_mistake():
    assert codes("input: [3, 8, 8]\nlayers:\n  - conv2d: {out_channels: 4, kernel_sise: 3, kernel_size: 3}\n") == ["S007"]
    assert codes("input: [3]\nlayrs: []\n") == ["S002"]


def test_flatten_of_a_single_dimension_is_a_no_op_as_in_torch():
    a = check_text("input: [3, 8, 8]\nlayers:\n  - flatten: {start_dim: 0, end_dim: 0}\n")
    assert a.diagnostics == [] and a.output_shape == (3, 8, 8)
    (d,) = check_text("input: [3, 8, 8]\nlayers:\n  - flatten: {start_dim: -4}\n").diagnostics
    assert "start_dim=-4 is the batch dimension" in d.message


def test_byte_positions_count_characters_and_skip_the_bom():
    (d,) = check_bytes('name: "\u00e9\u00e9\u00e9'.encode() + b'\xff"\n').diagnostics
    assert (d.code, d.line, d.column) == ("Y002", 1, 11)
    (d,) = check_bytes(b"\xef\xbb\xbfinput: [3]\xff\n").diagnostics
    assert (d.column, "0xff" in d.message) == (11, True)


def test_control_characters_in_names_are_escaped(run_cli, spec_file):
    path = spec_file('input: [3]\nlayers:\n  - {type: nosuch, name: "\\e[31mRED\\nfake:1:1: F001 fake"}\n')
    out = run_cli("check", str(path)).stdout
    assert "\x1b" not in out and "\\x1b[31mRED\\nfake:1:1" in out
    assert not any(line.startswith("fake:1:1") for line in out.splitlines())


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this platform")
def test_fifo_and_devices_are_not_read(run_cli, tmp_path):
    fifo = tmp_path / "spec.yaml"
    os.mkfifo(fifo)
    for path in (str(fifo), "/dev/zero"):
        proc = run_cli("check", path)
        assert proc.returncode == 2 and "not a regular file" in proc.stderr


def test_long_diagnostics_are_never_wrapped(run_cli, tmp_path):
    path = tmp_path / ("x" * 150 + ".yaml")
    path.write_text("input: [3, 0, 8]\nlayers: []\n")
    lines = [line for line in run_cli("check", str(path)).stdout.splitlines() if "S004" in line]
    assert len(lines) == 1 and lines[0].startswith(str(path) + ":1:12: S004")
