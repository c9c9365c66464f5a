"""The hostile-input hunt's torch group (issue 15): layers where shapecalc and torch disagreed on
accepting an input, and `fit`'s work on a spec at the caps. Torch-free: the expectations here were
read off torch 2.14 (tests/oracle/test_hostile_torch.py runs the same cases against it)."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import shapecalc.analysis.fit as fit_module
from shapecalc.analysis.check import check_text
from shapecalc.analysis.fit import MAX_WORK, fit
from shapecalc.commands.fit import fit as fit_command
from shapecalc.render.fit import render

from .conftest import ARCH


def spec(input_shape: list[int], *layers: str) -> str:
    return f"input: {input_shape}\nlayers:\n" + "".join(f"  - {layer}\n" for layer in layers)


#: Inputs torch computes: shapecalc gives the same last output shape.
ACCEPTED = {
    # unflatten infers a -1, as torch's does (like reshape)
    spec([12], "unflatten: {dim: 1, unflattened_size: [3, -1]}"): (3, 4),
    spec([12], "unflatten: {dim: 1, unflattened_size: [-1]}"): (12,),
    spec([5, 12], "unflatten: {dim: -1, unflattened_size: [2, -1, 3]}"): (5, 2, 2, 3),
    spec([2, 3, 4, 6], "unflatten: {dim: -1, unflattened_size: [2, -1]}"): (2, 3, 4, 2, 3),
    # local response norm on any [C, ...] input: 4 and 5 spatial dimensions
    spec([2, 3, 4, 6], "unflatten: {dim: -1, unflattened_size: [2, -1]}", "localresponsenorm: {size: 3}"):
        (2, 3, 4, 2, 3),
    spec([2, 3, 4, 6], "unflatten: {dim: -1, unflattened_size: [2, -1]}",
         "unflatten: {dim: 1, unflattened_size: [1, 2]}", "localresponsenorm: {size: 2}"): (1, 2, 3, 4, 2, 3),
    # pixel shuffles on the last three dimensions of a larger input
    spec([2, 8, 3, 4], "pixelshuffle: {upscale_factor: 2}"): (2, 2, 6, 8),
    spec([2, 2, 4, 6], "pixelunshuffle: {downscale_factor: 2}"): (2, 8, 2, 3),
    spec([2, 3, 4, 4], "unflatten: {dim: 1, unflattened_size: [1, -1]}",
         "pixelunshuffle: {downscale_factor: 2}"): (1, 2, 12, 2, 2),
    # batch norm over one value per channel: fine at a batch of 2 (the batch is its statistics)
    spec([3], "batchnorm1d: {track_running_stats: false}"): (3,),
    spec([3, 1], "batchnorm1d"): (3, 1),
    spec([3, 1, 1], "batchnorm2d: {track_running_stats: false}"): (3, 1, 1),
    spec([3, 1, 1, 1], "batchnorm3d"): (3, 1, 1, 1),
    # group norm with more than one value per group
    spec([4, 1, 1], "groupnorm: {num_groups: 2}"): (4, 1, 1),
    spec([4, 2], "groupnorm: {num_groups: 4}"): (4, 2),
    # lppool3d where every dimension holds the kernel
    spec([2, 3, 3, 3], "lppool3d: {norm_type: 2, kernel_size: 3}"): (2, 1, 1, 1),
    spec([2, 2, 5, 5], "lppool3d: {norm_type: 2, kernel_size: 2, ceil_mode: true}"): (2, 1, 3, 3),
}

#: Inputs torch refuses: one error, this code, no output shape.
REFUSED = {
    # lppool3d is avg_pool3d of x**p: every dimension must hold the kernel, ceil_mode or not
    spec([2, 2, 5, 5], "lppool3d: {norm_type: 2, kernel_size: 3, ceil_mode: true}"): "F002",
    spec([2, 3, 3, 2], "lppool3d: {norm_type: 1, kernel_size: [1, 2, 3], ceil_mode: true}"): "F002",
    spec([1, 1, 1, 1], "lppool3d: {norm_type: 2, kernel_size: 2}"): "F002",
    # group norm over one value per group: per-sample statistics, as instance norm's F008
    spec([4], "groupnorm: {num_groups: 4}"): "F008",
    spec([4, 1, 1], "groupnorm: {num_groups: 4, affine: false}"): "F008",
    spec([1, 1, 1, 1], "groupnorm: {num_groups: 1}"): "F008",
    spec([3, 1], "instancenorm1d: {track_running_stats: true}"): "F008",
    # unflatten: one -1 at most, and the others must divide the dimension
    spec([12], "unflatten: {dim: 1, unflattened_size: [-1, -1]}"): "S010",
    spec([12], "unflatten: {dim: 1, unflattened_size: [5, -1]}"): "F004",
    spec([12], "unflatten: {dim: 1, unflattened_size: [-2, 6]}"): "S010",
    # local response norm needs channels and positions; pixel shuffles [C, H, W] at least
    spec([6], "localresponsenorm: {size: 2}"): "F003",
    spec([8, 3], "pixelshuffle: {upscale_factor: 2}"): "F003",
    spec([5, 6, 3, 4], "pixelshuffle: {upscale_factor: 2}"): "F004",
}


@pytest.mark.parametrize(("text", "shape"), ACCEPTED.items())
def test_accepted_as_torch_accepts(text, shape):
    analysis = check_text(text)
    assert [d for d in analysis.diagnostics if d.severity == "error"] == [], text
    assert analysis.layers[-1].output_shape == shape


@pytest.mark.parametrize(("text", "code"), REFUSED.items())
def test_refused_as_torch_refuses(text, code):
    analysis = check_text(text)
    errors = [d for d in analysis.diagnostics if d.severity == "error"]
    assert [d.code for d in errors] == [code], (text, errors)
    assert analysis.layers[-1].output_shape is None
    assert errors[0].line == 3 + (len(analysis.layers) - 1) and errors[0].column > 0  # points at the layer


# --- fit's work limit --------------------------------------------------------------------------

@pytest.fixture
def counted(monkeypatch):
    """The layers fit analyses, summed over every analysis it runs: the work it is limited by."""
    layers = []
    real = fit_module.analyze

    def analyze(spec):
        layers.append(len(spec.layers))
        return real(spec)

    monkeypatch.setattr(fit_module, "analyze", analyze)
    return layers


def deep(repeat: int, tail: str = "") -> str:
    """A 3-line spec of `repeat` layers that keep the size; `tail` adds layers after them."""
    return spec([1, 40, 40], f"conv2d: {{out_channels: 1, kernel_size: 1, repeat: {repeat}}}") + tail


def test_a_deep_spec_over_a_long_range_is_cut_to_the_limit(counted):
    report = fit(check_text(deep(100), "deep.yaml"), 1, 4096, limit=50_000)
    assert sum(counted) <= 50_000
    assert report.fits and report.scans and report.problem is None
    s = report.scans[0]
    assert s.high - s.low + 1 == (50_000 - 100) // (100 * 3)  # two scans and a share kept back
    assert s.low <= 40 <= s.high  # the sizes around the spec's own
    assert report.limits == [(f"sizes {s.low} to {s.high} only, of 1 to 4096: fit analyses at most 50,000 "
                              "layers in all, and one run of this spec is 100")]
    text = render(report)
    assert f"cut by the work limit: sizes {s.low} to {s.high} only" in text.splitlines()[1]
    assert f"Input sizes from {s.low} to {s.high} " in text


def test_too_many_layers_to_scan_says_so_after_one_analysis(counted):
    report = fit(check_text(deep(2000), "deep.yaml"), limit=10_000)
    assert counted == [2000]  # the spec's own input, and nothing more
    assert report.fits and report.scans == []
    assert report.problem.startswith("every layer fits; no input sizes scanned: fit analyses at most 10,000 layers")
    assert render(report, 10_000) == f"deep.yaml: input 1x40x40: {report.problem}\n"
    assert render(report).split() == render(report, 10_000).split()  # wrapped to 200 columns, every word kept


def test_fixes_past_the_limit_are_named_not_dropped(counted):
    """Nine layers that do not fit (kernel 2, stride 2 on 1023, 511, ... each drops a position):
    the fixes the limit leaves no room for are named as not tried, the first ones still given."""
    text = spec([1, 1023], "conv1d: {out_channels: 1, kernel_size: 2, stride: 2, repeat: 9}")
    full = fit(check_text(text, "misfit.yaml"))
    assert full.limits == [] and len(full.fixes) == 9
    counted.clear()
    report = fit(check_text(text, "misfit.yaml"), limit=400)
    assert sum(counted) <= 400
    assert [f.name for f in report.fixes] == ["conv1d_1.0", "conv1d_1.1", "conv1d_1.2"]
    assert report.limits[-1] == ("no fixes tried for conv1d_1.3, conv1d_1.4, conv1d_1.5 and 3 more: fit analyses "
                                 "at most 400 layers in all, and one run of this spec is 9")
    assert "cut by the work limit: no fixes tried for conv1d_1.3" in render(report)


@pytest.mark.parametrize("name", ["alexnet-224.yaml", "lenet5.yaml", "vgg16.yaml"])
def test_normal_specs_are_not_cut(counted, name):
    """The default limit leaves shipped networks as they were: the same report as without one."""
    analysis = check_text((ARCH / name).read_text(), name)
    limited = fit(analysis)
    assert limited.limits == [] and sum(counted) <= MAX_WORK // 10
    assert render(fit(analysis, limit=10 ** 12)) == render(limited)


def test_the_command_reports_the_cut_and_keeps_its_exit_code(monkeypatch, tmp_path, capsys, counted):
    monkeypatch.setattr(fit_module, "MAX_WORK", 30_000)
    path = tmp_path / "deep.yaml"
    path.write_text(deep(100))
    assert fit_command(path, "1:4096", None) == 0  # its own input fits: 0, as ever
    out = capsys.readouterr().out
    assert "cut by the work limit: " in out and "fit analyses at most 30,000 layers in all" in out
    assert sum(counted) <= 30_000


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(repeat=st.integers(1, 12), size=st.integers(5, 40), high=st.integers(2, 150), limit=st.integers(1, 6000))
def test_fit_stays_within_any_limit_and_says_what_it_cut(counted, repeat, size, high, limit):
    """Any spec, range and limit: the layers analysed stay within it, and a report the limit did
    not touch is the one without a limit (what it touched, it says)."""
    text = spec([1, size, size], f"conv2d: {{out_channels: 1, kernel_size: 3, stride: 2, repeat: {repeat}}}")
    analysis = check_text(text, "s.yaml")
    counted.clear()
    report = fit(analysis, 1, high, limit=limit)
    assert sum(counted) <= max(limit, repeat)  # the spec at its own input is analysed whatever the limit
    if not report.limits and report.problem is None:
        assert render(report) == render(fit(analysis, 1, high, limit=10 ** 12))
    elif report.problem is not None:
        assert "no input sizes scanned" in report.problem and len(counted) == 1
