"""PyTorch as the ground truth for shapes, parameter counts and what raises.

Every shipped architecture is built in torch from its spec (tests/oracle/torch_bridge.py) and
compared layer by layer; AlexNet and LeNet-5 are also written out by hand, so a mistake in the
bridge cannot hide a mistake in the calculator.
"""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch", reason="torch is not installed: pip install -e '.[oracle]' to run the oracle tests")
from torch import nn  # noqa: E402

from shapecalc.analysis.calc import analyze
from shapecalc.analysis.check import check_text  # noqa: E402
from shapecalc.spec import parse  # noqa: E402

from ..conftest import ARCH  # noqa: E402
from .torch_bridge import counts, run_layers  # noqa: E402

SPECS = sorted(ARCH.rglob("*.yaml"))


@pytest.mark.parametrize("path", SPECS, ids=lambda p: str(p.relative_to(ARCH)))
def test_every_layer_matches_torch(path):
    spec, diagnostics = parse(path.read_text(), str(path))
    assert not [d for d in diagnostics if d.code.startswith(("Y", "S"))], diagnostics
    analysis = analyze(spec)
    assert analysis.complete
    totals = [0, 0, 0]
    torch_layers = list(run_layers(spec))
    assert len(torch_layers) == len(analysis.layers)
    for result, (module, torch_shape) in zip(analysis.layers, torch_layers):
        params, trainable, buffers = counts(module)
        assert (result.parts or result.output_shape) == torch_shape, result.spec.name
        assert (result.params, result.trainable_params, result.buffers) == (params, trainable, buffers), result.spec.name
        totals = [t + c for t, c in zip(totals, (params, trainable, buffers))]
    assert [analysis.total_params, analysis.trainable_params, analysis.buffers] == totals


def _shapes(model: nn.Sequential, input_shape):
    x = torch.empty((1, *input_shape), device="meta")
    out = []
    for module in model.to("meta"):
        x = module(x)
        out.append(tuple(x.shape[1:]))
    return out


def test_alexnet_by_hand():
    """The slides' table written directly in torch, independent of the bridge."""
    model = nn.Sequential(
        nn.Conv2d(3, 96, 11, stride=4), nn.ReLU(), nn.MaxPool2d(3, 2), nn.LocalResponseNorm(5),
        nn.Conv2d(96, 256, 5, padding=2), nn.ReLU(), nn.MaxPool2d(3, 2), nn.LocalResponseNorm(5),
        nn.Conv2d(256, 384, 3, padding=1), nn.ReLU(), nn.Conv2d(384, 384, 3, padding=1), nn.ReLU(),
        nn.Conv2d(384, 256, 3, padding=1), nn.ReLU(), nn.MaxPool2d(3, 2), nn.Flatten(),
        nn.Linear(9216, 4096), nn.ReLU(), nn.Dropout(), nn.Linear(4096, 4096), nn.ReLU(), nn.Dropout(),
        nn.Linear(4096, 1000),
    )
    analysis = check_text((ARCH / "alexnet.yaml").read_text())
    assert [r.output_shape for r in analysis.layers] == _shapes(model, (3, 227, 227))
    assert analysis.total_params == sum(p.numel() for p in model.parameters()) == 62_378_344


def test_lenet5_by_hand():
    model = nn.Sequential(
        nn.Conv2d(1, 6, 5), nn.Tanh(), nn.AvgPool2d(2, 2), nn.Conv2d(6, 16, 5), nn.Tanh(), nn.AvgPool2d(2, 2),
        nn.Conv2d(16, 120, 5), nn.Tanh(), nn.Flatten(), nn.Linear(120, 84), nn.Tanh(), nn.Linear(84, 10),
    )
    analysis = check_text((ARCH / "lenet5.yaml").read_text())
    assert [r.output_shape for r in analysis.layers] == _shapes(model, (1, 32, 32))
    assert analysis.total_params == sum(p.numel() for p in model.parameters()) == 61_706


def test_alexnet_224_floors_as_torch_does():
    """The rejected spec still reports the sizes torch would produce, so the rest stays useful."""
    spec, _ = parse((ARCH / "alexnet-224.yaml").read_text())
    analysis = analyze(spec)
    torch_shapes = [shape for _, shape in run_layers(spec)]
    assert [r.output_shape for r in analysis.layers] == torch_shapes
    assert torch_shapes[0] == (96, 54, 54)


LAYERS = [
    ([3, 17, 23], "conv2d: {out_channels: 8, kernel_size: [3, 5], stride: [2, 3], padding: [1, 2]}"),
    ([4, 20, 20], "conv2d: {out_channels: 6, kernel_size: 3, dilation: 2, groups: 2, bias: false}"),
    ([4, 9, 9], "conv2d: {out_channels: 4, kernel_size: 4, padding: same}"),
    ([4, 9, 10], "conv2d: {out_channels: 4, kernel_size: [2, 5], padding: same, dilation: [3, 1]}"),
    ([4, 9, 9], "conv2d: {out_channels: 8, kernel_size: 3, padding: valid, groups: 4}"),
    ([2, 30], "conv1d: {out_channels: 3, kernel_size: 4, stride: 3, padding: 1}"),
    ([2, 6, 7, 8], "conv3d: {out_channels: 3, kernel_size: [1, 2, 3], stride: [1, 2, 2]}"),
    ([3, 55, 55], "maxpool2d: {kernel_size: 3, stride: 2, ceil_mode: true}"),
    ([3, 10, 10], "maxpool2d: {kernel_size: 3, stride: 3, padding: 1, ceil_mode: true}"),
    ([3, 11, 12], "maxpool2d: {kernel_size: [2, 3], dilation: 2, padding: 1}"),
    ([3, 11, 12], "avgpool2d: {kernel_size: 3, padding: 1, ceil_mode: true, count_include_pad: false}"),
    ([3, 16], "avgpool1d: {kernel_size: 3, stride: 2}"),
    ([3, 8, 9, 10], "maxpool3d: {kernel_size: 2}"),
    ([3, 8, 9, 10], "avgpool3d: {kernel_size: [2, 3, 2], stride: 1, divisor_override: 3}"),
    ([5], "batchnorm1d: {}"),
    ([5, 7], "batchnorm1d: {affine: false}"),
    ([5, 7, 7], "batchnorm2d: {track_running_stats: false}"),
    ([5, 2, 3, 4], "batchnorm3d: {num_features: 5}"),
    ([5, 7, 3], "linear: {out_features: 4}"),
    ([5, 7, 3], "linear: {out_features: 4, bias: false, in_features: 3}"),
    ([5, 7, 3], "flatten: {start_dim: 2}"),
    ([5, 7, 3], "flatten: {start_dim: 1, end_dim: 2}"),
    ([5, 7, 3], "flatten: {start_dim: -2}"),
    ([6, 4, 4], "prelu: {num_parameters: 6}"),
    ([6, 4, 4], "prelu"),
    ([6, 4, 4], "softmax: {dim: 1}"),
    ([6, 4, 4], "localresponsenorm: {size: 3}"),
    ([6, 4, 4], "gelu: {approximate: tanh}"),
    ([6, 4, 4], "hardtanh: {min_val: -2, max_val: 2}"),
    ([4, 5, 6], "convtranspose2d: {out_channels: 6, kernel_size: 3, stride: 2, padding: 1, output_padding: 1}"),
    ([4, 5, 6], "convtranspose2d: {out_channels: 6, kernel_size: [2, 3], stride: [1, 2], dilation: 2, groups: 2, bias: false}"),
    ([4, 9], "convtranspose1d: {out_channels: 2, kernel_size: 4, stride: 3, output_padding: 2}"),
    ([2, 3, 4, 5], "convtranspose3d: {out_channels: 2, kernel_size: 2, stride: 2}"),
    ([3, 10, 11], "conv2d: {out_channels: 4, kernel_size: 3, stride: 2, padding: keras_same}"),
    ([3, 10, 11], "conv2d: {out_channels: 4, kernel_size: [4, 5], stride: [3, 2], dilation: [1, 2], padding: keras_same}"),
    ([3, 10, 11], "adaptiveavgpool2d: {output_size: [3, null]}"),
    ([3, 10, 11], "adaptivemaxpool2d: {output_size: 4}"),
    ([3, 10], "adaptiveavgpool1d: {output_size: 7}"),
    ([3, 4, 5, 6], "adaptivemaxpool3d: {output_size: [1, 2, 3]}"),
    ([3, 10, 11], "globalavgpool"),
    ([3, 4, 5, 6], "globalmaxpool: {keepdim: true}"),
    ([3, 10, 11], "lppool2d: {norm_type: 2, kernel_size: 3, ceil_mode: true}"),
    ([3, 10], "lppool1d: {norm_type: 1.5, kernel_size: 2, stride: 3}"),
    ([3, 5, 7], "upsample: {scale_factor: 1.5}"),
    ([3, 5, 7], "upsample: {size: [9, 4], mode: bilinear, align_corners: true}"),
    ([3, 5], "upsample: {scale_factor: 2, mode: linear}"),
    ([8, 3, 5], "pixelshuffle: {upscale_factor: 2}"),
    ([2, 4, 6], "pixelunshuffle: {downscale_factor: 2}"),
    ([6, 3, 5], "channelshuffle: {groups: 3}"),
    ([4, 5], "channelshuffle: {groups: 2}"),
    ([2, 4, 6], "zeropad2d: {padding: [1, -2, 3, 0]}"),
    ([2, 4, 6], "zeropad2d: {padding: 2}"),
    ([2, 4, 6, 3], "zeropad3d: {padding: [1, 1, 0, 2, 3, 0]}"),
    ([6, 4, 4], "groupnorm: {num_groups: 3}"),
    ([6, 4, 4], "groupnorm: {num_groups: 2, affine: false}"),
    ([6, 4, 5], "layernorm: {normalized_shape: [4, 5]}"),
    ([6, 4, 5], "layernorm: {normalized_shape: 5, bias: false}"),
    ([6, 4, 5], "instancenorm2d: {affine: true, track_running_stats: true}"),
    ([6, 5], "instancenorm1d"),
    ([24], "unflatten: {dim: 1, unflattened_size: [2, 3, 4]}"),
    ([2, 12], "unflatten: {dim: -1, unflattened_size: [3, 4]}"),
    ([6, 8, 8], "subsampling: {kernel_size: 2}"),
    ([6, 8, 8], "conv2d: {out_channels: 3, kernel_size: 3, connection_table: [[0, 1], [2, 3, 4], [5]]}"),
    ([6, 8, 9], "centercrop: {size: [5, 4]}"),
    ([6, 4, 5], "layernorm2d"),
    ([6, 4, 5], "layernorm2d: {num_channels: 6, bias: false}"),
    ([6, 4, 5], "layernorm2d: {elementwise_affine: false}"),
    ([6, 4, 5], "mean: {dim: [2, 3], keepdim: true}"),
    ([6, 4, 5], "mean: {dim: [-1, 1]}"),
    ([6, 4, 5, 3], "sum: {dim: -2}"),
    ([6, 4], "amax: {dim: 1, keepdim: true}"),
    ([6, 4, 5], "amin: {dim: [1, 2, 3], keepdim: true}"),
    ([6, 4, 5], "norm: {dim: [1, 2]}"),
    ([6, 4, 5], "norm: {p: .inf, dim: 3, keepdim: true}"),
    ([6, 4, 5], "normalize: {p: 1, dim: -2}"),
    ([3, 4, 5], "permute: {dims: [0, 3, 1, 2]}"),
    ([3, 4, 5], "permute: {dims: [0, -2, -1, 1]}"),
    ([196, 768], "transpose: {dim0: 1, dim1: 2}"),
    ([3, 4, 5], "transpose: {dim0: -1, dim1: -3}"),
    ([3, 224, 224], "reshape: {shape: [3, -1, 224]}"),
    ([3, 4, 5], "reshape: {shape: [60]}"),
    ([3, 4, 5], "view: {shape: [-1]}"),
    ([3, 4, 5], "view: {shape: [2, 2, 15]}"),
    ([1, 5], "expand: {size: [4, -1]}"),
    ([1, 5], "expand: {size: [2, 3, 4, 5]}"),
    ([3, 1, 5], "expand: {size: [-1, 6, -1]}"),
    ([1, 3, 1, 1], "squeeze"),
    ([1, 3, 1], "squeeze: {dim: 1}"),
    ([1, 3, 1], "squeeze: {dim: [2, -1]}"),
    ([3, 4], "unsqueeze: {dim: 3}"),
    ([3, 4], "unsqueeze: {dim: -3}"),
    ([3, 10], "slice: {dim: 2, start: 2, end: 100, step: 3}"),
    ([3, 10], "slice: {dim: -1, start: -4}"),
    ([197, 768], "slice: {dim: 1, start: 1}"),
    ([197, 768], "select: {dim: 1, index: 0}"),
    ([3, 4, 5], "select: {dim: -2, index: -4}"),
    ([3, 4, 5], "roll: {shifts: [3, -1], dims: [2, -1]}"),
    ([3, 4, 5], "roll: {shifts: 7, dims: 1}"),
    ([197, 768], "multiheadattention: {num_heads: 12, batch_first: true}"),
    ([5, 6], "multiheadattention: {num_heads: 3, add_bias_kv: true, bias: false, batch_first: true}"),
    ([5, 6], "multiheadattention: {num_heads: 2, embed_dim: 6, kdim: 6, vdim: 6, add_zero_attn: true, batch_first: true}"),
]


@pytest.mark.parametrize(("input_shape", "layer"), LAYERS)
def test_layer_matches_torch(input_shape, layer):
    spec, diagnostics = parse(f"input: {input_shape}\nlayers:\n  - {layer}\n")
    assert diagnostics == []
    analysis = analyze(spec)
    # a stride that does not fit is an error but torch still floors: the shape must agree
    assert {d.code for d in analysis.diagnostics if d.severity == "error"} <= {"F001"}
    (module, torch_shape), = run_layers(spec)
    result = analysis.layers[0]
    assert result.output_shape == torch_shape
    assert (result.params, result.trainable_params, result.buffers) == counts(module)


RAISES = [
    ([3, 5, 5], "conv2d: {out_channels: 2, kernel_size: 7}", "F002"),
    ([3, 5, 5], "conv2d: {out_channels: 2, kernel_size: 3, groups: 2}", "F005"),
    ([4, 5, 5], "conv2d: {out_channels: 3, kernel_size: 3, groups: 2}", "F005"),
    ([3, 9, 9], "conv2d: {out_channels: 2, kernel_size: 3, stride: 2, padding: same}", "F006"),
    ([3, 9, 9], "maxpool2d: {kernel_size: 3, padding: 2}", "F006"),
    ([3, 2, 2], "maxpool2d: {kernel_size: 3}", "F002"),
    ([3, 9], "conv2d: {out_channels: 2, kernel_size: 3}", "F003"),
    ([6, 4, 4], "prelu: {num_parameters: 4}", "F004"),
    ([6, 4, 4], "softmax: {dim: 4}", "F003"),
    ([6, 4, 4], "flatten: {start_dim: 4}", "F003"),
    ([4, 5, 5], "convtranspose2d: {out_channels: 2, kernel_size: 3, stride: 2, output_padding: 2}", "F006"),
    ([4, 1, 1], "convtranspose2d: {out_channels: 2, kernel_size: 1, padding: 1}", "F002"),
    ([3, 5], "upsample: {scale_factor: 2, mode: bilinear}", "F003"),
    ([3, 5, 5], "upsample: {scale_factor: 2, align_corners: true}", "F006"),
    ([6, 3, 5], "pixelshuffle: {upscale_factor: 2}", "F004"),
    ([2, 5, 6], "pixelunshuffle: {downscale_factor: 2}", "F004"),
    ([6, 3, 5], "channelshuffle: {groups: 4}", "F005"),
    ([6], "channelshuffle: {groups: 2}", "F003"),
    ([6, 4, 4], "groupnorm: {num_groups: 4}", "F005"),
    ([6, 4, 5], "layernorm: {normalized_shape: [5, 4]}", "F004"),
    ([24], "unflatten: {dim: 1, unflattened_size: [5, 5]}", "F004"),
    ([1, 2, 2], "upsample: {size: 4, recompute_scale_factor: true}", "F010"),
    ([6, 4], "layernorm2d", "F003"),
    ([6, 4, 5], "mean: {dim: 4}", "F003"),
    ([6, 4, 5], "sum: {dim: [1, -3]}", "F003"),
    ([6, 4, 5], "amax: {dim: [2, 2]}", "F003"),
    ([6, 4, 5], "norm: {dim: -5}", "F003"),
    ([6, 4, 5], "normalize: {dim: 4}", "F003"),
    ([3, 4], "permute: {dims: [0, 2]}", "F003"),
    ([3, 4], "permute: {dims: [0, 1, 1]}", "F003"),
    ([3, 4], "permute: {dims: [0, 1, 3]}", "F003"),
    ([3, 4], "transpose: {dim0: 1, dim1: 3}", "F003"),
    ([2, 3, 4], "reshape: {shape: [5, -1]}", "F004"),
    ([2, 3, 4], "view: {shape: [5, 5]}", "F004"),
    ([2, 3], "expand: {size: [4, 3]}", "F004"),
    ([2, 3], "expand: {size: [3]}", "F003"),
    ([1, 3], "squeeze: {dim: [1, -2]}", "F003"),
    ([1, 3], "squeeze: {dim: 3}", "F003"),
    ([3, 4], "unsqueeze: {dim: 4}", "F003"),
    ([3, 4], "slice: {dim: 3, end: 2}", "F003"),
    ([3, 4], "select: {dim: 1, index: 3}", "F003"),
    ([3, 4], "select: {dim: -1, index: -5}", "F003"),
    ([3, 4], "roll: {shifts: [1, 2], dims: 1}", "F010"),
    ([3, 4], "roll: {shifts: 1, dims: 3}", "F003"),
    ([5, 6], "multiheadattention: {num_heads: 4, batch_first: true}", "F010"),
    ([5, 6], "multiheadattention: {num_heads: 2, kdim: 3, batch_first: true}", "F004"),
    ([5, 6], "multiheadattention: {num_heads: 2, embed_dim: 8, batch_first: true}", "F004"),
    ([5, 6, 2], "multiheadattention: {num_heads: 2, batch_first: true}", "F003"),
    ([4, 4, 4], "maxpool2d: {kernel_size: 2, name: p}\n  - mul: {inputs: [input, p]}", "F007"),
    ([4, 3, 3], "parameter: {shape: [2, 1, 1]}\n  - add: {inputs: [input, parameter_1]}", "F007"),
    ([4, 3, 3], "split: {split_size_or_sections: [1, 2]}", "F004"),
]


@pytest.mark.parametrize(("input_shape", "layer", "code"), RAISES)
def test_what_torch_refuses_is_an_error(input_shape, layer, code):
    spec, diagnostics = parse(f"input: {input_shape}\nlayers:\n  - {layer}\n")
    assert diagnostics == []
    analysis = analyze(spec)
    assert [d.code for d in analysis.diagnostics] == [code]
    assert analysis.layers[-1].output_shape is None  # the last layer is the one torch refuses
    assert all(r.output_shape is not None for r in analysis.layers[:-1])
    with pytest.raises((RuntimeError, ValueError, IndexError, AssertionError)):
        list(run_layers(spec, "cpu"))


def test_a_parameter_that_would_broadcast_the_batch_is_an_error_though_torch_allows_it():
    """(1, 4, 3, 3) + a (2, 4, 3, 3) parameter runs in torch and gives 2 samples from 1: the
    parameter's leading 2 meets the batch. Per-sample shapes cannot say that, and it is never
    what a network means, so shapecalc refuses it."""
    spec, _ = parse("input: [4, 3, 3]\nlayers:\n  - parameter: {shape: [2, 4, 3, 3]}\n"
                    "  - add: {inputs: [input, parameter_1]}\n")
    values = {"input": torch.zeros(1, 4, 3, 3)}
    assert tuple((values["input"] + torch.zeros(2, 4, 3, 3)).shape) == (2, 4, 3, 3)
    a = analyze(spec)
    assert [d.code for d in a.diagnostics] == ["F007"] and "against the batch" in a.diagnostics[0].message


def test_cropping_to_nothing_is_an_error_though_torch_allows_it():
    """torch returns a tensor with a 0-size dimension; every layer after it would compute nothing,
    so shapecalc calls it an error rather than carry a 0 through the table."""
    from .torch_bridge import module_for as build

    spec, _ = parse("input: [2, 4, 6]\nlayers:\n  - zeropad2d: {padding: [0, 0, -2, -2]}\n")
    assert tuple(build(spec.layers[0], (2, 4, 6))(torch.zeros(1, 2, 4, 6)).shape) == (1, 2, 0, 6)
    assert [d.code for d in analyze(spec).diagnostics] == ["F002"]
