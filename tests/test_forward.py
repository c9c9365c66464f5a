"""The forward pass's checks that need no torch: every layer type has a kernel, every kernel has a
case (`CASES`) in the comparison with PyTorch, the shipped networks that comparison runs end to
end, and a shape mismatch stops the run. The comparison itself is tests/oracle/test_forward.py.
"""

from __future__ import annotations

import pytest

from shapecalc.analysis.check import check_text
from shapecalc.analysis.forward import blockers, estimate, execute, prepare
from shapecalc.kernels.ops import Op
from shapecalc.kernels.tensor import Tensor
from shapecalc.layers import KINDS

from .conftest import ARCH


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
    "conv2d-standardized": ([2, 7, 8], "conv2d: {out_channels: 3, kernel_size: 3, stride: 2, padding: keras_same, weight_standardization: plain}", None),
    "conv2d-scaled-standardized": ([4, 6, 6], "conv2d: {out_channels: 4, kernel_size: 2, groups: 2, weight_standardization: scaled}", None),
    "conv2d-stride-misfit": ([1, 7, 7], "conv2d: {out_channels: 2, kernel_size: 3, stride: 3}", None),
    "conv1d": ([3, 11], "conv1d: {out_channels: 5, kernel_size: 3, stride: 2, padding: 1, dilation: 2}", None),
    "conv3d": ([2, 5, 6, 5], "conv3d: {out_channels: 4, kernel_size: [2, 3, 2], stride: [1, 2, 1], padding: 1, groups: 2}", None),
    "conv2d-connection-table": ([4, 7, 7], "conv2d: {out_channels: 3, kernel_size: 3, stride: 2, padding: 1, connection_table: [[0, 1], [1, 2, 3], [3]]}", None),
    "conv2d-connection-table-reflect": ([3, 6, 7], "conv2d: {out_channels: 4, kernel_size: 2, dilation: 2, padding: 1, padding_mode: reflect, bias: false, connection_table: [[2], [0, 2], [1], [2, 0, 1]]}", None),
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
    "lppool2d-ceil": ([2, 7, 8], "lppool2d: {norm_type: 2, kernel_size: 3, stride: 2, ceil_mode: true}", 2.0),
    "lppool1d-fractional": ([3, 9], "relu\n  - lppool1d: {norm_type: 1.5, kernel_size: 2}", 2.0),
    "lppool3d-odd": ([2, 4, 5, 4], "relu\n  - lppool3d: {norm_type: 3, kernel_size: 2, stride: [1, 2, 2]}", 2.0),
    "lppool2d-signed-odd": ([2, 4, 6], "lppool2d: {norm_type: 1, kernel_size: [2, 3]}", 2.0),  # p = 1: a signed sum
    "subsampling": ([3, 8, 8], "subsampling", None),
    "subsampling-stride": ([2, 9, 8], "subsampling: {kernel_size: [3, 2], stride: 2}", None),
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
    "instancenorm1d": ([3, 7], "instancenorm1d", 2.0),
    "instancenorm2d-affine": ([3, 4, 5], "instancenorm2d: {affine: true, eps: 0.01}", 2.0),
    "instancenorm3d-running-stats": ([2, 3, 2, 3], "instancenorm3d: {affine: true, track_running_stats: true}", 2.0),
    "groupnorm": ([6, 3, 4], "groupnorm: {num_groups: 3, eps: 0.01}", 2.0),
    "groupnorm-features-no-affine": ([4, 5], "groupnorm: {num_groups: 2, affine: false}", 2.0),
    "layernorm": ([3, 4, 5], "layernorm: {normalized_shape: [4, 5]}", 2.0),
    "layernorm-features-no-bias": ([6], "layernorm: {normalized_shape: 6, bias: false}", 2.0),
    "layernorm-no-affine": ([3, 4], "layernorm: {normalized_shape: [3, 4], elementwise_affine: false, eps: 0.1}", 2.0),
    "layernorm2d": ([4, 3, 5], "layernorm2d: {eps: 0.000001}", 2.0),
    "layernorm2d-no-bias": ([3, 2, 4], "layernorm2d: {num_channels: 3, bias: false}", 2.0),
    "layernorm2d-no-affine": ([5, 3, 2], "layernorm2d: {elementwise_affine: false, eps: 0.1}", 2.0),
    "mean-spatial-keepdim": ([3, 4, 5], "mean: {dim: [2, 3], keepdim: true}", None),
    "mean-channels": ([3, 4, 5], "mean: {dim: 1}", None),
    "sum-middle-negative": ([2, 3, 4, 5], "sum: {dim: [-3, -1]}", None),
    "amax-channels-keepdim": ([3, 4, 5], "amax: {dim: 1, keepdim: true}", None),
    "amin-last": ([3, 4], "amin: {dim: -1}", None),
    "norm-grn": ([3, 4, 5], "norm: {dim: [2, 3], keepdim: true}", None),  # ConvNeXt V2's global response norm
    "norm-p1": ([3, 4, 5], "norm: {p: 1, dim: 1}", None),
    "norm-fractional-p": ([3, 4, 5], "norm: {p: 0.5, dim: [1, 3]}", None),
    "norm-negative-p": ([3, 4], "relu\n  - norm: {p: -1.5, dim: 1}", None),  # zeros: inf^(-1/1.5) = 0
    "norm-p0": ([3, 4], "relu\n  - norm: {p: 0, dim: -1, keepdim: true}", None),  # the nonzero count
    "norm-inf": ([3, 4, 2], "norm: {p: .inf, dim: [2, 3]}", None),
    "norm-minus-inf": ([3, 4, 2], "norm: {p: -.inf, dim: 1}", None),
    "normalize": ([3, 4, 5], "normalize", None),
    "normalize-spatial-p1": ([3, 4, 5], "normalize: {p: 1, dim: -1}", None),
    "normalize-inf-eps": ([2, 3], "relu\n  - normalize: {p: .inf, dim: 2, eps: 0.5}", None),  # eps divides the small rows
    "linear": ([20], "linear: {out_features: 7}", None),
    "linear-nobias-2d-input": ([3, 5], "linear: {out_features: 4, bias: false}", None),
    "flatten": ([2, 3, 4], "flatten", None),
    "unflatten": ([2, 12], "unflatten: {dim: 2, unflattened_size: [3, 4]}", None),
    "flatten-partial": ([2, 3, 4, 5], "flatten: {start_dim: 2, end_dim: 3}", None),
    "pixelshuffle": ([8, 2, 3], "pixelshuffle: {upscale_factor: 2}", None),
    "channelshuffle": ([6, 2, 3], "channelshuffle: {groups: 3}", None),
    "pixelunshuffle": ([2, 6, 9], "pixelunshuffle: {downscale_factor: 3}", None),
    "zeropad1d": ([2, 5], "zeropad1d: {padding: 2}", None),
    "zeropad2d-crop": ([2, 4, 6], "zeropad2d: {padding: [1, -2, -1, 3]}", None),
    "zeropad3d": ([2, 3, 4, 3], "zeropad3d: {padding: [1, 0, -1, 2, 0, 1]}", None),
    "centercrop-size": ([2, 7, 8], "centercrop: {size: [4, 5]}", None),  # offsets round(1.5) = 2 and round(1.5) = 2
    "centercrop-to-second-input": ([2, 9, 8], "maxpool2d: {kernel_size: 2}\n  - centercrop: {inputs: [input, maxpool2d_1]}", None),  # round(2.5) = 2
    "centercrop-1d": ([3, 8], "centercrop: {size: 3}", None),
    "centercrop-3d": ([2, 5, 4, 6], "centercrop: {size: [2, 4, 3]}", None),
    # nearest: torch's general rule, and in 2-D below 129 output rows + columns its legacy one
    "upsample-nearest-size": ([2, 3, 4], "upsample: {size: [5, 7]}", None),
    "upsample-nearest-legacy": ([2, 10, 12], "upsample: {scale_factor: [1.05, 2.04]}", None),  # 10 -> 10, 12 -> 24
    "upsample-nearest-large": ([2, 10, 70], "upsample: {scale_factor: [1.05, 1.9]}", None),  # 10 + 133 > 128
    "upsample-nearest-1d": ([3, 10], "upsample: {scale_factor: 1.05}", None),
    "upsample-nearest-3d-recompute": ([2, 3, 4, 5], "upsample: {scale_factor: [1.5, 0.75, 2.3], recompute_scale_factor: true}", None),
    "upsample-nearest-3d-scale": ([2, 3, 4, 5], "upsample: {scale_factor: [1.5, 0.75, 2.3]}", None),
    "upsample-nearest-float32": ([2, 2, 3], "upsample: {size: [82, 4]}", None),  # 41 * (2/82) < 1, but not in float32
    "upsample-nearest-exact-float32": ([2, 2], "upsample: {size: 49, mode: nearest-exact}", None),
    "upsample-nearest-exact": ([2, 7, 9], "upsample: {scale_factor: [1.7, 0.6], mode: nearest-exact}", None),
    "upsample-nearest-exact-legacy": ([2, 16, 3], "upsample: {scale_factor: 2.3, mode: nearest-exact}", None),  # row 34
    "upsample-nearest-exact-large": ([2, 50, 60], "upsample: {scale_factor: 1.2, mode: nearest-exact}", None),
    "upsample-nearest-exact-1d": ([2, 10], "upsample: {size: 13, mode: nearest-exact}", None),
    "upsample-nearest-exact-3d": ([1, 3, 4, 5], "upsample: {scale_factor: 1.3, mode: nearest-exact, recompute_scale_factor: false}", None),
    "upsample-linear": ([2, 7], "upsample: {scale_factor: 2.3, mode: linear}", None),
    "upsample-linear-align": ([2, 7], "upsample: {size: 12, mode: linear, align_corners: true}", None),
    "upsample-linear-same-size": ([2, 10], "upsample: {scale_factor: 1.05, mode: linear}", None),  # torch copies
    "upsample-bilinear": ([2, 5, 6], "upsample: {scale_factor: [1.5, 0.7], mode: bilinear}", None),
    "upsample-bilinear-recompute": ([2, 5, 6], "upsample: {scale_factor: [1.7, 2.2], mode: bilinear, recompute_scale_factor: true}", None),
    "upsample-bilinear-align": ([2, 5, 6], "upsample: {size: [9, 4], mode: bilinear, align_corners: true}", None),
    "upsample-bilinear-large": ([1, 40, 50], "upsample: {scale_factor: 1.7, mode: bilinear}", None),
    "upsample-bicubic": ([2, 5, 6], "upsample: {scale_factor: [1.7, 0.6], mode: bicubic}", None),
    "upsample-bicubic-same-size": ([2, 10, 6], "upsample: {scale_factor: [1.05, 2.5], mode: bicubic}", None),  # no copy
    "upsample-bicubic-align": ([2, 5, 6], "upsample: {size: [8, 3], mode: bicubic, align_corners: true}", None),
    "upsample-trilinear": ([2, 3, 4, 3], "upsample: {scale_factor: [1.5, 0.8, 2.0], mode: trilinear}", None),
    "upsample-trilinear-align": ([1, 3, 2, 4], "upsample: {size: [5, 3, 7], mode: trilinear, align_corners: true}", None),
    "upsample-area": ([2, 7, 9], "upsample: {size: [3, 4], mode: area}", None),
    "upsample-area-scale-1d": ([2, 10], "upsample: {scale_factor: 0.45, mode: area}", None),
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
    "mul-gate": ([3, 4, 5], "globalavgpool: {keepdim: true}\n  - sigmoid\n  - mul: {inputs: [input, sigmoid_1]}", None),
    "mul-broadcast-both": ([3, 1, 5], "avgpool2d: {inputs: input, kernel_size: [1, 5], name: p}\n  - parameter: {shape: [4, 1]}\n"
                           "  - mul: {inputs: [input, p, parameter_1]}", None),
    "layer-scale": ([3, 2, 2], "parameter: {name: gamma, shape: [3, 1, 1]}\n  - mul: {inputs: [gamma, input]}", None),
    "position-embedding": ([4, 6], "parameter: {name: pos, shape: [1, 4, 6]}\n  - add: {inputs: [input, pos]}", None),
    "sub-buffer": ([2, 3], "buffer: {name: b, shape: [3]}\n  - sub: {inputs: [input, b]}", None),
    "div": ([2, 3, 3], "sigmoid\n  - div: {inputs: [input, sigmoid_1]}", None),
    "scalar-ops": ([2, 3], "mul: {other: -2.5}\n  - add: {other: 0.25}\n  - sub: {other: 3}\n  - div: {other: 4}", None),
    "split-channels": ([5, 2, 3], "split: {name: s, split_size_or_sections: 2}\n  - concat: {inputs: [\"s[2]\", \"s[0]\", \"s[1]\"]}", None),
    "split-sections-width": ([2, 3, 5], "split: {name: s, split_size_or_sections: [1, 0, 4], dim: -1}\n"
                             "  - relu: {inputs: \"s[2]\"}", None),
    "chunk-fewer": ([2, 5, 3], "chunk: {name: c, chunks: 4, dim: 2}\n  - concat: {inputs: [\"c[2]\", \"c[0]\"], dim: 2}", None),
    "parameters-only": ([3, 4], "parameter: {name: a, shape: [3, 1]}\n  - parameter: {name: b, shape: [4]}\n"
                        "  - mul: {inputs: [a, b]}\n  - add: {inputs: [input, mul_1]}", None),
    "concat": ([2, 3, 4], "tanh\n  - concat: {inputs: [input, tanh_1]}", None),
    "concat-last-dim": ([2, 3, 4], "tanh\n  - concat: {dim: -1, inputs: [input, tanh_1, input]}", None),
    "maxpool-keras-same": ([2, 7, 6], "maxpool2d: {kernel_size: 3, stride: 2, padding: keras_same}", None),
    "maxpool-keras-same-dilated": ([2, 8, 7], "maxpool2d: {kernel_size: [3, 2], stride: [2, 3], dilation: [2, 1], padding: keras_same}", None),
    "avgpool-keras-same": ([2, 7, 6], "avgpool2d: {kernel_size: 3, stride: 2, padding: keras_same, count_include_pad: false}", None),
    "avgpool-keras-same-stride-1": ([2, 5, 4], "avgpool2d: {kernel_size: 3, stride: 1, padding: keras_same}", None),
    "stack": ([2, 3, 4], "tanh\n  - stack: {inputs: [input, tanh_1]}", None),
    "stack-last-dim": ([2, 3, 4], "tanh\n  - stack: {dim: -1, inputs: [input, tanh_1, input]}", None),
    "stack-middle": ([2, 3, 4], "tanh\n  - stack: {dim: 2, inputs: [tanh_1, input]}", None),
    "swin-window-attention-shifted": ([5, 7, 4], "shiftedwindowattention: {num_heads: 2, window_size: 3, shift_size: [1, 2]}", 2.0),
    "swin-window-attention-one-window": ([3, 3, 4], "shiftedwindowattention: {num_heads: 1, window_size: 3, shift_size: 1, qkv_bias: false}", 2.0),
    "swin-v2-window-attention": ([5, 6, 4], "shiftedwindowattention: {num_heads: 2, window_size: [3, 2], shift_size: 1, v2: true, proj_bias: false}", 2.0),
    "swin-v2-window-attention-no-shift": ([4, 4, 6], "shiftedwindowattention: {num_heads: 3, window_size: 2, v2: true}", 2.0),
    "swin-patch-merge-odd": ([3, 5, 2], "patchmerge", None),
    "maxvit-attention": ([2, 4, 6], "relativepositionalmultiheadattention: {head_dim: 3}", 2.0),
    "maxvit-attention-one-head": ([3, 9, 4], "relativepositionalmultiheadattention: {head_dim: 4}", 2.0),
    "multiheadattention-self": ([5, 8], "multiheadattention: {num_heads: 2, batch_first: true}", 2.0),
    "multiheadattention-cross-kdim-vdim": ([6, 8], "concat: {name: kv, inputs: [input, input], dim: 1}\n  - tanh: {inputs: kv}\n"
                                           "  - linear: {name: k, inputs: kv, out_features: 3}\n  - linear: {name: v, inputs: tanh_1, out_features: 5}\n"
                                           "  - multiheadattention: {inputs: [input, k, v], num_heads: 4, kdim: 3, vdim: 5, bias: false, batch_first: true}", 2.0),
    "multiheadattention-key-is-value": ([6, 4], "concat: {name: kv, inputs: [input, input], dim: 1}\n"
                                        "  - multiheadattention: {inputs: [input, kv, kv], num_heads: 2, batch_first: true}", 2.0),
    "multiheadattention-bias-kv-zero-attn": ([5, 6], "multiheadattention: {num_heads: 3, add_bias_kv: true, add_zero_attn: true, batch_first: true}", 2.0),
    "matmul-batched": ([2, 4, 5], "linear: {name: sq, out_features: 4}\n  - matmul: {inputs: [sq, input]}", None),
    "matmul-qk": ([2, 4, 5], "transpose: {name: t, dim0: -2, dim1: -1}\n  - matmul: {inputs: [input, t]}", None),
    "matmul-parameter-broadcast": ([2, 4, 5], "parameter: {name: w, shape: [1, 5, 3]}\n  - matmul: {inputs: [input, w]}", None),
    "matmul-vectors": ([2, 4, 5], "parameter: {name: u, shape: [4]}\n  - parameter: {name: w, shape: [5]}\n"
                       "  - matmul: {inputs: [u, input]}\n  - matmul: {inputs: [input, w]}", None),
    "matmul-per-sample-vector": ([5], "parameter: {name: w, shape: [5, 3]}\n  - matmul: {inputs: [input, w]}", None),
    "matmul-unbatched": ([3], "parameter: {name: a, shape: [2, 4, 5]}\n  - parameter: {name: b, shape: [5, 3]}\n"
                         "  - matmul: {inputs: [a, b]}", None),
    "sdpa": ([2, 5, 4], "linear: {name: k, out_features: 4}\n  - linear: {name: v, out_features: 3}\n"
             "  - scaleddotproductattention: {inputs: [input, k, v]}", 2.0),
    "sdpa-causal-longer-key": ([2, 5, 4], "concat: {name: k, inputs: [input, input], dim: 2}\n  - tanh: {name: v, inputs: k}\n"
                               "  - scaleddotproductattention: {inputs: [input, k, v], is_causal: true, scale: 0.7}", 2.0),
    "sdpa-causal-shorter-key": ([2, 6, 4], "chunk: {name: c, chunks: 2, dim: 2}\n"
                                "  - scaleddotproductattention: {inputs: [input, \"c[0]\", \"c[1]\"], is_causal: true}", 2.0),
    "sdpa-gqa-broadcast": ([4, 5, 3], "chunk: {name: c, chunks: 2, dim: 1}\n  - chunk: {name: d, inputs: input, chunks: 4, dim: 1}\n"
                           "  - scaleddotproductattention: {inputs: [input, \"c[0]\", \"d[1]\"], enable_gqa: true}", 2.0),
    "sdpa-no-heads": ([5, 4], "tanh\n  - scaleddotproductattention: {inputs: [input, tanh_1, input], dropout_p: 0.3}", 2.0),
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
    "permute": ([2, 3, 4], "permute: {dims: [0, 3, 1, 2]}", None),
    "permute-negative": ([2, 3, 4, 5], "permute: {dims: [0, -1, 1, -2, 2]}", None),
    "transpose": ([3, 4, 5], "transpose: {dim0: 1, dim1: -1}", None),
    "transpose-same-dim": ([3, 4], "transpose: {dim0: 2, dim1: -1}", None),
    "reshape-inferred": ([2, 3, 4], "reshape: {shape: [4, -1]}", None),
    "view": ([2, 3, 4], "view: {shape: [3, 2, 4]}", None),
    "expand-new-dims": ([1, 3], "expand: {size: [2, 4, -1]}", None),
    "expand-inner": ([3, 1, 2], "expand: {size: [-1, 4, 2]}", None),
    "expand-class-token": ([4, 5], "parameter: {name: cls, shape: [1, 1, 5]}\n  - expand: {size: [-1, -1]}\n"
                           "  - concat: {inputs: [expand_1, input]}", None),
    "expand-parameter-new-batch": ([2, 3], "parameter: {name: p, shape: [2, 1]}\n  - expand: {size: [-1, 3]}\n"
                                   "  - add: {inputs: [expand_1, input]}", None),
    "squeeze-all": ([1, 3, 1], "squeeze", None),
    "squeeze-named": ([1, 3, 1, 2], "squeeze: {dim: [1, -2, 2]}", None),
    "unsqueeze": ([2, 3], "unsqueeze: {dim: -1}", None),
    "unsqueeze-channels": ([2, 3], "unsqueeze: {dim: 1}", None),
    "slice": ([2, 7, 3], "slice: {dim: 2, start: 1, end: -1, step: 2}", None),
    "slice-clamped-last": ([2, 3, 5], "slice: {dim: -1, start: -9, end: 4}", None),
    "slice-channels": ([5, 3], "slice: {dim: 1, start: 2}", None),
    "select-class-token": ([4, 5], "select: {dim: 1, index: 0}", None),
    "select-last": ([2, 3, 4], "select: {dim: -1, index: -1}", None),
    "roll": ([2, 3, 4], "roll: {shifts: [1, -5], dims: [2, 3]}", None),
    "roll-twice": ([3, 4], "roll: {shifts: [2, 3], dims: [1, 1]}", None),
    "roll-one": ([3, 4], "roll: {shifts: 1, dims: -1}", None),
}


def test_every_kernel_is_checked_against_torch():
    tested = {r.spec.type for shape, layer, _ in CASES.values() for r in check_text(spec(shape, layer)).layers}
    assert set(KINDS) <= tested, f"forward kernels without a torch case: {sorted(set(KINDS) - tested)}"


def test_every_layer_type_has_a_kernel():
    refused = sorted(t for t, kind in KINDS.items() if not callable(kind.forward.kernel))
    assert not refused, f"layer types `shapecalc run` refuses: {refused}"


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


def test_shipped_lenet5s_are_among_them():
    """The 1998 one too: subsampling, C3's connection table and the fixed RBF layer."""
    ids = [p.id for p in small_architectures()]
    assert "lenet5.yaml" in ids and "lenet5-1998.yaml" in ids


def test_a_shape_mismatch_stops_the_run(monkeypatch):
    def drop_a_row(x, a, p):
        return Tensor((x.shape[0] - 1, x.shape[1]), x.data[x.shape[1]:])

    monkeypatch.setattr(KINDS["relu"], "forward", Op(drop_a_row))
    analysis = check_text("input: [3, 4]\nlayers:\n  - relu\n  - tanh\n", "mismatch.yaml")
    run = execute(analysis, prepare(analysis, 0))
    assert not run.ok
    assert run.layers[0].error == "relu_1: the forward pass gives 2x4, the calculator 3x4"
    assert run.layers[1].shape is None and run.output is None
