"""The pure-Python forward pass against PyTorch in float64: same input, same weights, every layer
type, to a relative tolerance of 1e-9; plus LeNet-5 end to end, and the split into processes.

The torch side is built from the same parsed spec by tests/oracle/torch_bridge.py, the parameters
copied in by name, so a test fails if either the values or the layer's semantics differ. The
cases (`CASES`) and the checks that need no torch are in tests/test_forward.py.
"""

from __future__ import annotations

import json
import random
import re
from math import prod

import pytest

torch = pytest.importorskip("torch", reason="torch is not installed: pip install -e '.[oracle]' to run the oracle tests")

from shapecalc.analysis.check import check_text  # noqa: E402
from shapecalc.analysis.forward import CAN_FORK, blockers, execute, prepare  # noqa: E402
from shapecalc.kernels.tensor import Tensor  # noqa: E402
from shapecalc.spec import INPUT  # noqa: E402

from ..conftest import ARCH  # noqa: E402
from ..test_forward import CASES, small_architectures, spec  # noqa: E402
from .torch_bridge import SparseConv, call, keep, make, unbatched  # noqa: E402

#: Relative tolerance of the issue; the absolute one only matters for values that sums of
#: products cancel to nearly zero, where the order of additions alone moves the last bits.
RTOL, ATOL = 1e-9, 1e-12


def torch_outputs(analysis, setup):
    """Each layer's output in torch, on the outputs its `inputs` name, with our input and our
    parameters copied in by name."""
    values = {INPUT: torch.tensor(setup.input.data, dtype=torch.float64).reshape(1, *setup.input.shape)}
    flags = {INPUT: False}  # which tensors have no batch dimension (parameters, buffers)
    outputs = []
    for result, params in zip(analysis.layers, setup.params):
        layer = result.spec
        xs = [values[name] for name in layer.inputs]
        module = make(layer, xs)
        if module is not None:
            module = module.to("cpu").double()
            target = module[-1] if isinstance(module, torch.nn.Sequential) else module  # keras_same: pad, conv
            load(getattr(target, "wrapped", target), params)  # a model's call around a module (attention)
        with torch.no_grad():
            y = call(layer, module, xs)
        flag = unbatched(layer, [flags[name] for name in layer.inputs])
        parts = keep(values, layer, y) or [y]
        flags.update((name, flag) for name in values if name not in flags)
        outputs.append(parts[0] if flag else parts[0][0])
    return outputs


def load(module, params):
    """Our parameters into the torch module, by name. A SparseConv (connection table) takes one
    small convolution per output map: it gets the full weight's rows for the maps the table links,
    so any weight the table leaves out but our kernel used would show as a difference."""
    values = {name: torch.tensor(p.values(), dtype=torch.float64).reshape(p.shape) for name, p in params.items()}
    with torch.no_grad():
        if isinstance(module, SparseConv):
            for o, (conv, row) in enumerate(zip(module.convs, module.table)):
                conv.weight.copy_(values["weight"][o:o + 1, row])
                if "bias" in values:
                    conv.bias.copy_(values["bias"][o:o + 1])
            return
        targets = {**dict(module.named_parameters()), **dict(module.named_buffers())}
        for name, value in values.items():
            targets[name].copy_(value)


def run_both(tmp_path, text, scale=None, weights=None):
    """Run a spec both ways; input uniform in +-scale from a JSON file when scale is given."""
    analysis = check_text(text, "test.yaml")
    assert blockers(analysis) == []
    input_path = weights_path = None
    if scale is not None:
        rng = random.Random(7)
        shape = analysis.spec.input_shape
        flat = Tensor(shape, [rng.uniform(-scale, scale) for _ in range(prod(shape))])
        input_path = tmp_path / "input.json"
        input_path.write_text(json.dumps(flat.nested()))
    if weights is not None:
        weights_path = tmp_path / "weights.json"
        weights_path.write_text(json.dumps(weights))
    setup = prepare(analysis, 3, input_path, weights_path)
    run = execute(analysis, setup, workers=1, keep=True)
    assert run.ok, [layer.error for layer in run.layers]
    return run, torch_outputs(analysis, setup)


def assert_same(run, expected):
    for layer, theirs in zip(run.layers, expected):
        assert layer.shape == tuple(theirs.shape), layer.result.spec.name
        ours = torch.tensor(layer.output.data, dtype=torch.float64).reshape(layer.shape)
        torch.testing.assert_close(ours, theirs, rtol=RTOL, atol=ATOL, msg=lambda m: f"{layer.result.spec.name}: {m}")


@pytest.mark.filterwarnings("ignore:Implicit dimension choice")
@pytest.mark.parametrize("case", CASES)
def test_layer_matches_torch(tmp_path, case):
    input_shape, layer, scale = CASES[case]
    assert_same(*run_both(tmp_path, spec(input_shape, layer), scale))


@pytest.mark.parametrize("slopes", [[0.4], [0.1, -0.3, 0.7]], ids=["shared", "per-channel"])
def test_prelu_with_given_slopes(tmp_path, slopes):
    text = spec([3, 4, 5], f"prelu: {{name: act, num_parameters: {len(slopes)}}}")
    run, expected = run_both(tmp_path, text, scale=2.0, weights={"act": {"weight": slopes}})
    assert run.layers[0].weights == "file"
    assert_same(run, expected)


def test_batchnorm_with_given_statistics(tmp_path):
    stats = {"weight": [1.5, 0.5], "bias": [0.1, -0.2], "running_mean": [0.3, -1.0], "running_var": [4.0, 0.25]}
    run, expected = run_both(tmp_path, spec([2, 3, 3], "batchnorm2d: {name: bn}"), weights={"bn": stats})
    assert_same(run, expected)


def test_conv_with_given_weights_and_seeded_bias(tmp_path):
    weight = [[[[(o + 1) * (i - 1) * 0.1 for i in range(3)]]] for o in range(2)]  # [2, 1, 1, 3]
    run, expected = run_both(tmp_path, spec([1, 4, 5], "conv2d: {name: c, out_channels: 2, kernel_size: [1, 3]}"),
                             weights={"c": {"weight": weight}})
    assert run.layers[0].weights == "file, seeded bias"
    assert_same(run, expected)


TABLE = [[0, 2], [1], [2, 0, 1]]


def test_connection_table_with_given_weights(tmp_path):
    """The full [out, in, *k] layout with zeros where the table links nothing; the bias seeded."""
    weight = [[[[0.1 * (o + 1) * (i + 1) + 0.01 * t if i in TABLE[o] else 0.0 for t in range(2)]] for i in range(3)]
              for o in range(3)]
    text = spec([3, 4, 5], f"conv2d: {{name: c, out_channels: 3, kernel_size: [1, 2], connection_table: {TABLE}}}")
    run, expected = run_both(tmp_path, text, weights={"c": {"weight": weight}})
    assert run.layers[0].weights == "file, seeded bias"
    assert_same(run, expected)


@pytest.mark.parametrize("ndim", [1, 3])
def test_connection_table_in_1d_and_3d(ndim):
    """tests/oracle/torch_bridge.py's SparseConv is 2-D; here each output map is torch's ConvNd over the
    input maps its row links, with those maps' part of our weight."""
    layer = f"conv{ndim}d: {{out_channels: 3, kernel_size: 2, stride: 2, padding: 1, connection_table: {TABLE}}}"
    analysis = check_text(spec([3, 5, 6, 4][:ndim + 1], layer), "table.yaml")
    setup = prepare(analysis, 4)
    run = execute(analysis, setup, workers=1, keep=True)
    (params,) = setup.params
    x = torch.tensor(setup.input.data, dtype=torch.float64).reshape(1, *setup.input.shape)
    w = torch.tensor(params["weight"].values(), dtype=torch.float64).reshape(params["weight"].shape)
    b = torch.tensor(params["bias"].values(), dtype=torch.float64)
    conv = getattr(torch.nn.functional, f"conv{ndim}d")
    maps = [conv(x[:, row], w[o:o + 1, row], b[o:o + 1], stride=2, padding=1) for o, row in enumerate(TABLE)]
    assert_same(run, [torch.cat(maps, dim=1)[0]])


@pytest.mark.parametrize("text", small_architectures())
def test_architecture_end_to_end(tmp_path, text):
    assert_same(*run_both(tmp_path, text))


def test_a_small_unet_end_to_end(tmp_path):
    """The shipped U-Net (167 G MACs) with 1/32 of its widths on a 188x188 tile: its own blocks,
    the encoder's maps centre-cropped to the decoder's size and concatenated, four times."""
    text = re.sub(r"out: (\d+)", lambda m: f"out: {int(m[1]) // 32}", (ARCH / "unet.yaml").read_text())
    run, expected = run_both(tmp_path, text.replace("input: [1, 572, 572]", "input: [1, 188, 188]"))
    crops = [layer.shape for layer in run.layers if layer.result.spec.type == "centercrop"]
    assert crops == [(16, 8, 8), (8, 8, 8), (4, 8, 8), (2, 8, 8)]
    assert run.output.shape == (2, 4, 4)
    assert_same(run, expected)


def test_softplus_stays_finite_where_torch_overflows(tmp_path):
    """Below the threshold torch computes log1p(exp(x)) literally, and exp(800) overflows to inf;
    Python's math.exp would raise instead, so the kernel uses the rearranged form and gives 800."""
    (tmp_path / "x.json").write_text("[800.0, -800.0, 3.0]")
    analysis = check_text(spec([3], "softplus: {threshold: 1000.0}"), "s.yaml")
    run = execute(analysis, prepare(analysis, 0, tmp_path / "x.json"))
    assert run.output.data == [800.0, 0.0, pytest.approx(3.048587351573742, rel=1e-15)]
    assert torch.nn.Softplus(threshold=1000.0)(torch.tensor([800.0], dtype=torch.float64)).item() == float("inf")


@pytest.mark.skipif(not CAN_FORK, reason="layers are split across processes only where the OS can fork")
def test_split_across_processes_gives_the_same_numbers(tmp_path):
    """Slices that cut through conv groups and through linear's last axis, joined again."""
    text = ("input: [4, 9, 9]\nlayers:\n  - conv2d: {out_channels: 10, kernel_size: 3, groups: 2}\n"
            "  - flatten: {start_dim: 2}\n  - linear: {out_features: 7}\n")
    analysis = check_text(text, "split.yaml")
    setup = prepare(analysis, 5)
    alone = execute(analysis, setup, workers=1)
    split = execute(analysis, setup, workers=2, keep=True, parallel_macs=0)
    assert split.ok and split.output.data == alone.output.data
    assert [layer.processes for layer in split.layers] == [2, 1, 2]
    assert_same(split, torch_outputs(analysis, setup))


def test_batch_statistics_of_single_values_are_an_error_not_a_traceback():
    """torch refuses batch statistics over one value per channel; the run stops at that layer."""
    analysis = check_text(spec([3], "batchnorm1d: {track_running_stats: false}"), "bn.yaml")
    run = execute(analysis, prepare(analysis, 0))
    assert not run.ok
    assert run.layers[0].error == ("batchnorm1d_1: cannot compute: batch statistics need more than 1 value per "
                                   "channel (torch raises); set track_running_stats: true")
    with pytest.raises(ValueError, match="Expected more than 1 value per channel"):
        torch.nn.BatchNorm1d(3, track_running_stats=False).eval()(torch.zeros(1, 3))


def test_a_fractional_power_of_a_negative_value_is_an_error_not_nan(tmp_path):
    (tmp_path / "x.json").write_text("[[-1.0, 2.0, 3.0, 4.0]]")
    analysis = check_text(spec([1, 4], "lppool1d: {norm_type: 1.5, kernel_size: 2}"), "lp.yaml")
    run = execute(analysis, prepare(analysis, 0, tmp_path / "x.json"))
    assert run.layers[0].error == ("lppool1d_1: cannot compute: norm_type 1.5 raises a negative number to a fractional "
                                   "power, which has no real value (torch gives NaN); a ReLU before the pooling keeps "
                                   "values >= 0")
    x = torch.tensor([[[-1.0, 2.0, 3.0, 4.0]]], dtype=torch.float64)
    assert torch.nn.LPPool1d(1.5, 2)(x)[0, 0, 0].isnan()


def test_upsampling_more_than_three_spatial_dimensions_is_an_error():
    """Inputs have at most three, but unflatten can make a fourth; torch has no kernel for it, so
    the calculator refuses the layer (F003) and the run does not start."""
    analysis = check_text(spec([1, 2, 2, 4], "unflatten: {dim: 4, unflattened_size: [2, 2]}\n  - upsample: {scale_factor: 2}"),
                          "up.yaml")
    assert [d.code for d in analysis.diagnostics] == ["F003"]
    assert blockers(analysis)
    with pytest.raises(NotImplementedError):
        torch.nn.functional.interpolate(torch.zeros(1, 1, 2, 2, 2, 2), scale_factor=2)


