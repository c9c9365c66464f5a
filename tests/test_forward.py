"""The pure-Python forward pass against PyTorch in float64: same input, same weights, every layer
type, to a relative tolerance of 1e-9; plus LeNet-5 end to end, and the split into processes.

The torch side is built from the same parsed spec by tests/torch_bridge.py, the parameters
copied in by name, so a test fails if either the values or the layer's semantics differ.
"""

from __future__ import annotations

import json
import random
from math import prod

import pytest

torch = pytest.importorskip("torch", reason="torch is not installed: pip install -e '.[oracle]' to run the oracle tests")

from shapecalc.calc import check_text  # noqa: E402
from shapecalc.forward.driver import CAN_FORK, blockers, estimate, execute, prepare  # noqa: E402
from shapecalc.forward.ops import OPS, Op  # noqa: E402
from shapecalc.forward.tensor import Tensor  # noqa: E402
from shapecalc.spec import INPUT  # noqa: E402

from .conftest import ARCH  # noqa: E402
from .torch_bridge import apply as torch_apply  # noqa: E402
from .torch_bridge import module_for  # noqa: E402

#: Relative tolerance of the issue; the absolute one only matters for values that sums of
#: products cancel to nearly zero, where the order of additions alone moves the last bits.
RTOL, ATOL = 1e-9, 1e-12


def torch_outputs(analysis, setup):
    """Each layer's output in torch, on the outputs its `inputs` name, with our input and our
    parameters copied in by name."""
    values = {INPUT: torch.tensor(setup.input.data, dtype=torch.float64).reshape(1, *setup.input.shape)}
    outputs = []
    for result, params in zip(analysis.layers, setup.params):
        layer = result.spec
        xs = [values[name] for name in layer.inputs]
        if layer.kind.merge:
            _, y = torch_apply(layer, xs)
        else:
            module = module_for(layer, tuple(xs[0].shape[1:])).double().eval()
            target = module[-1] if isinstance(module, torch.nn.Sequential) else module  # keras_same: pad, conv
            with torch.no_grad():
                for name, p in params.items():
                    getattr(target, name).copy_(torch.tensor(p.values(), dtype=torch.float64).reshape(p.shape))
                y = module(xs[0])
        values[layer.name] = y
        outputs.append(y[0])
    return outputs


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


def spec(input_shape, layer):
    return f"input: {list(input_shape)}\nlayers:\n  - {layer}\n"


# (input shape, layer, input scale): every kernel and every argument that changes its values.
CASES = {
    "conv2d": ([3, 9, 8], "conv2d: {out_channels: 4, kernel_size: [3, 2], stride: [2, 1], padding: [1, 0], dilation: [1, 2]}", None),
    "conv2d-groups-nobias": ([4, 7, 7], "conv2d: {out_channels: 6, kernel_size: 3, padding: 1, groups: 2, bias: false}", None),
    "conv2d-depthwise-stride": ([4, 8, 9], "conv2d: {out_channels: 8, kernel_size: [2, 3], stride: 2, groups: 4}", None),
    "conv2d-same-even-kernel": ([2, 6, 7], "conv2d: {out_channels: 3, kernel_size: 4, padding: same, dilation: [2, 1]}", None),
    "conv2d-valid": ([2, 6, 6], "conv2d: {out_channels: 3, kernel_size: 3, padding: valid}", None),
    "conv2d-reflect": ([2, 5, 6], "conv2d: {out_channels: 3, kernel_size: 3, padding: 2, padding_mode: reflect}", None),
    "conv2d-replicate": ([2, 5, 6], "conv2d: {out_channels: 3, kernel_size: 3, padding: [2, 1], padding_mode: replicate}", None),
    "conv2d-circular": ([2, 5, 6], "conv2d: {out_channels: 3, kernel_size: 3, padding: 2, padding_mode: circular}", None),
    "conv2d-keras-same": ([2, 7, 8], "conv2d: {out_channels: 3, kernel_size: 3, stride: 2, padding: keras_same}", None),
    "conv2d-stride-misfit": ([1, 7, 7], "conv2d: {out_channels: 2, kernel_size: 3, stride: 3}", None),
    "conv1d": ([3, 11], "conv1d: {out_channels: 5, kernel_size: 3, stride: 2, padding: 1, dilation: 2}", None),
    "conv3d": ([2, 5, 6, 5], "conv3d: {out_channels: 4, kernel_size: [2, 3, 2], stride: [1, 2, 1], padding: 1, groups: 2}", None),
    "convtranspose2d": ([3, 4, 5], "convtranspose2d: {out_channels: 2, kernel_size: [3, 4], stride: [2, 3], padding: [1, 2], output_padding: [1, 0]}", None),
    "convtranspose2d-groups-dilation": ([4, 3, 3], "convtranspose2d: {out_channels: 6, kernel_size: 3, dilation: 2, groups: 2, bias: false}", None),
    "convtranspose2d-crop": ([2, 6, 6], "convtranspose2d: {out_channels: 2, kernel_size: 2, padding: 2}", None),
    "convtranspose1d": ([3, 6], "convtranspose1d: {out_channels: 4, kernel_size: 4, stride: 2, padding: 1}", None),
    "convtranspose3d": ([2, 2, 3, 2], "convtranspose3d: {out_channels: 3, kernel_size: [2, 3, 2], stride: [2, 1, 3], output_padding: [1, 0, 2]}", None),
    "maxpool2d": ([2, 13, 13], "maxpool2d: {kernel_size: 3, stride: 2}", None),
    "maxpool2d-ceil-dilation": ([2, 9, 8], "maxpool2d: {kernel_size: [3, 2], stride: [2, 1], padding: 1, dilation: [2, 1], ceil_mode: true}", None),
    "maxpool1d-ceil": ([3, 10], "maxpool1d: {kernel_size: 3, stride: 2, padding: 1, ceil_mode: true}", None),
    "maxpool3d": ([2, 5, 6, 7], "maxpool3d: {kernel_size: 2, stride: 2, ceil_mode: true}", None),
    "avgpool2d": ([2, 7, 7], "avgpool2d: {kernel_size: 3, stride: 2, padding: 1}", None),
    "avgpool2d-no-pad-count-ceil": ([2, 8, 7], "avgpool2d: {kernel_size: 3, stride: 2, padding: 1, ceil_mode: true, count_include_pad: false}", None),
    "avgpool2d-divisor": ([2, 6, 6], "avgpool2d: {kernel_size: 2, divisor_override: 3}", None),
    "avgpool1d-ceil": ([3, 10], "avgpool1d: {kernel_size: 4, stride: 3, padding: 2, ceil_mode: true}", None),
    "avgpool3d": ([2, 5, 6, 5], "avgpool3d: {kernel_size: [2, 3, 2], stride: 2, padding: 1, count_include_pad: false}", None),
    "adaptiveavgpool2d": ([2, 7, 9], "adaptiveavgpool2d: {output_size: [3, 4]}", None),
    "adaptiveavgpool1d-grow": ([2, 5], "adaptiveavgpool1d: {output_size: 7}", None),
    "adaptiveavgpool3d-keep": ([2, 5, 4, 6], "adaptiveavgpool3d: {output_size: [2, null, 3]}", None),
    "adaptivemaxpool2d": ([2, 7, 9], "adaptivemaxpool2d: {output_size: [4, 1]}", None),
    "adaptivemaxpool1d": ([3, 10], "adaptivemaxpool1d: {output_size: 3}", None),
    "adaptivemaxpool3d": ([2, 4, 5, 3], "adaptivemaxpool3d: {output_size: 2}", None),
    "globalavgpool": ([3, 4, 5], "globalavgpool", None),
    "globalmaxpool-keepdim": ([3, 4, 5, 2], "globalmaxpool: {keepdim: true}", None),
    "batchnorm2d": ([3, 4, 5], "batchnorm2d: {eps: 0.001}", None),
    "batchnorm1d-features": ([6], "batchnorm1d", None),
    "batchnorm1d-sequence": ([4, 7], "batchnorm1d: {affine: false}", None),
    "batchnorm3d": ([2, 3, 4, 3], "batchnorm3d", None),
    "batchnorm2d-batch-stats": ([3, 4, 5], "batchnorm2d: {track_running_stats: false}", None),
    "linear": ([20], "linear: {out_features: 7}", None),
    "linear-nobias-2d-input": ([3, 5], "linear: {out_features: 4, bias: false}", None),
    "flatten": ([2, 3, 4], "flatten", None),
    "unflatten": ([2, 12], "unflatten: {dim: 2, unflattened_size: [3, 4]}", None),
    "flatten-partial": ([2, 3, 4, 5], "flatten: {start_dim: 2, end_dim: 3}", None),
    "localresponsenorm": ([7, 4, 4], "localresponsenorm: {size: 5}", 3.0),
    "localresponsenorm-even": ([6, 5], "localresponsenorm: {size: 4, alpha: 0.5, beta: 0.6, k: 2.0}", 3.0),
    "localresponsenorm-3d": ([5, 2, 3, 2], "localresponsenorm: {size: 3}", 3.0),
    "prelu": ([3, 4, 5], "prelu: {init: 0.3}", 2.0),
    "softmax": ([3, 4, 5], "softmax: {dim: 1}", 4.0),
    "softmax-last": ([3, 4], "softmax: {dim: -1}", 4.0),
    "softmax-implicit-batch": ([3, 4], "softmax", 4.0),  # batched 3-D: torch picks dim 0, the batch
    "softmax-implicit": ([3, 4, 5], "softmax", 4.0),
    "logsoftmax": ([5, 3], "logsoftmax: {dim: 1}", 30.0),
    "logsoftmax-implicit": ([6], "logsoftmax", 30.0),
    "add": ([2, 3, 4], "tanh\n  - add: {inputs: [input, tanh_1, input]}", None),
    "concat": ([2, 3, 4], "tanh\n  - concat: {inputs: [input, tanh_1]}", None),
    "concat-last-dim": ([2, 3, 4], "tanh\n  - concat: {dim: -1, inputs: [input, tanh_1, input]}", None),
    "identity": ([2, 3], "identity", None),
    "relu": ([2, 3, 4], "relu", None),
    "relu6": ([2, 3, 4], "relu6", 9.0),
    "leakyrelu": ([2, 3, 4], "leakyrelu: {negative_slope: 0.2}", None),
    "elu": ([2, 3, 4], "elu: {alpha: 0.7}", 3.0),
    "selu": ([2, 3, 4], "selu", 3.0),
    "celu": ([2, 3, 4], "celu: {alpha: 1.5}", 3.0),
    "gelu": ([2, 3, 4], "gelu", 4.0),
    "gelu-tanh": ([2, 3, 4], "gelu: {approximate: tanh}", 4.0),
    "silu": ([2, 3, 4], "silu", 800.0),
    "mish": ([2, 3, 4], "mish", 40.0),
    "hardswish": ([2, 3, 4], "hardswish", 5.0),
    "hardsigmoid": ([2, 3, 4], "hardsigmoid", 5.0),
    "hardtanh": ([2, 3, 4], "hardtanh: {min_val: -0.5, max_val: 2.0}", 3.0),
    "sigmoid": ([2, 3, 4], "sigmoid", 800.0),
    "tanh": ([2, 3, 4], "tanh", 3.0),
    "softplus": ([2, 3, 4], "softplus: {beta: 2.0, threshold: 5.0}", 6.0),
    "softplus-large": ([2, 3, 4], "softplus: {threshold: 1000.0}", 300.0),
    "softsign": ([2, 3, 4], "softsign", 3.0),
    "dropout": ([2, 3, 4], "dropout: {p: 0.5}", None),
    "dropout1d": ([2, 5], "dropout1d", None),
    "dropout2d": ([2, 3, 4], "dropout2d", None),
    "dropout3d": ([2, 3, 4, 5], "dropout3d", None),
    "alphadropout": ([2, 3, 4], "alphadropout", None),
}


@pytest.mark.filterwarnings("ignore:Implicit dimension choice")
@pytest.mark.parametrize("case", CASES)
def test_layer_matches_torch(tmp_path, case):
    input_shape, layer, scale = CASES[case]
    assert_same(*run_both(tmp_path, spec(input_shape, layer), scale))


def test_every_kernel_is_checked_against_torch():
    tested = {r.spec.type for shape, layer, _ in CASES.values() for r in check_text(spec(shape, layer)).layers}
    assert set(OPS) <= tested, f"forward kernels without a torch case: {sorted(set(OPS) - tested)}"


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


LENET5 = """
name: lenet5
input: [1, 32, 32]
layers:
  - conv2d: {name: conv1, out_channels: 6, kernel_size: 5}
  - relu
  - maxpool2d: {kernel_size: 2}
  - conv2d: {name: conv2, out_channels: 16, kernel_size: 5}
  - relu
  - maxpool2d: {kernel_size: 2}
  - conv2d: {name: conv3, out_channels: 120, kernel_size: 5}
  - relu
  - flatten
  - linear: {name: fc1, out_features: 84}
  - relu
  - linear: {name: fc2, out_features: 10}
"""


def small_architectures():
    """Every shipped spec the forward pass can run in well under a second, and LeNet-5 as the
    slides draw it with ReLU and max pooling (the shipped one uses tanh and average pooling)."""
    found = [pytest.param(LENET5, id="lenet5-relu-maxpool")]
    for path in sorted(ARCH.rglob("*.yaml")):
        analysis = check_text(path.read_text(), str(path))
        if not blockers(analysis) and sum(estimate(analysis)) <= 5_000_000:
            found.append(pytest.param(path.read_text(), id=str(path.relative_to(ARCH))))
    return found


@pytest.mark.parametrize("text", small_architectures())
def test_architecture_end_to_end(tmp_path, text):
    assert_same(*run_both(tmp_path, text))


def test_shipped_lenet5_is_among_them():
    assert "lenet5.yaml" in [p.id for p in small_architectures()]


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


def test_a_shape_mismatch_stops_the_run(monkeypatch):
    def drop_a_row(x, a, p):
        return Tensor((x.shape[0] - 1, x.shape[1]), x.data[x.shape[1]:])

    monkeypatch.setitem(OPS, "relu", Op(drop_a_row))
    analysis = check_text("input: [3, 4]\nlayers:\n  - relu\n  - tanh\n", "mismatch.yaml")
    run = execute(analysis, prepare(analysis, 0))
    assert not run.ok
    assert run.layers[0].error == "relu_1: the forward pass gives 2x4, the calculator 3x4"
    assert run.layers[1].shape is None and run.output is None


def test_batch_statistics_of_single_values_are_an_error_not_a_traceback():
    """torch refuses batch statistics over one value per channel; the run stops at that layer."""
    analysis = check_text(spec([3], "batchnorm1d: {track_running_stats: false}"), "bn.yaml")
    run = execute(analysis, prepare(analysis, 0))
    assert not run.ok
    assert run.layers[0].error == ("batchnorm1d_1: cannot compute: batch statistics need more than 1 value per "
                                   "channel (torch raises); set track_running_stats: true")
    with pytest.raises(ValueError, match="Expected more than 1 value per channel"):
        torch.nn.BatchNorm1d(3, track_running_stats=False).eval()(torch.zeros(1, 3))
