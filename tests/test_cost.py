"""Compute cost (MACs, FLOPs under each convention) and memory, without torch: by hand, the
published totals, the command line and the README.

The conventions are checked against torchinfo, fvcore and ptflops themselves in
tests/oracle/test_cost.py, layer by layer, on every shipped architecture and on the specs here
that cover every layer type (`CASES`).
"""

from __future__ import annotations

import json

import pytest

from shapecalc.analysis.calc import analyze
from shapecalc.analysis.check import check_text
from shapecalc.analysis.cost import DTYPES, OPTIMIZERS, layer_cost, layer_costs, memory, totals, whole
from shapecalc.layers.cost import CONVENTIONS
from shapecalc.spec import parse

from .conftest import ARCH, ROOT


def analysis(name: str):
    return check_text((ARCH / name).read_text(), name)


def by_name(a, convention="macs"):
    return {r.spec.name: whole(c.macs) for r, c in zip(a.layers, layer_costs(a, convention))}


# --- the default convention, by hand --------------------------------------------------------------

def test_alexnet_default_macs_by_hand():
    a = analysis("alexnet.yaml")
    macs = by_name(a)
    assert macs["conv1"] == 55 * 55 * 96 * 11 * 11 * 3 == 105_415_200
    assert macs["conv2"] == 27 * 27 * 256 * 5 * 5 * 96
    assert macs["conv5"] == 13 * 13 * 256 * 3 * 3 * 384
    assert macs["fc6"] == 9216 * 4096 and macs["fc8"] == 4096 * 1000
    assert {macs[n] for n in macs if not n.startswith(("conv", "fc"))} == {0}
    assert totals(layer_costs(a)).macs == 1_135_256_096


def test_alexnet_default_flops_add_the_bias_adds():
    a = analysis("alexnet.yaml")
    biases = 96 * 55 * 55 + 256 * 27 * 27 + 384 * 13 * 13 * 2 + 256 * 13 * 13 + 4096 + 4096 + 1000
    assert totals(layer_costs(a)).flops == 2 * 1_135_256_096 + biases == 2_271_171_464
    conv1 = layer_cost(a.layers[0])
    assert conv1.flops == 2 * 105_415_200 + 96 * 55 * 55


def test_lenet_1998_connection_table_and_subsampling():
    a = analysis("lenet5-1998.yaml")
    macs = by_name(a)
    assert macs["C3"] == 5 * 5 * 60 * 10 * 10  # 60 map links, not 96
    assert macs["S2"] == 6 * 14 * 14  # one coefficient multiply per output
    s2 = layer_cost(next(r for r in a.layers if r.spec.name == "S2"))
    assert s2.flops == 6 * 14 * 14 * (2 * 2 + 2)  # the MAC, 3 window adds and the bias add


def test_transposed_conv_counts_every_input_value_times_every_tap():
    a = check_text("input: [4, 5, 6]\nlayers:\n  - convtranspose2d: {out_channels: 6, kernel_size: 3, stride: 2}\n")
    assert whole(layer_cost(a.layers[0]).macs) == 4 * 6 * 3 * 3 * 5 * 6


def test_linear_on_a_map_counts_every_row():
    a = check_text("input: [5, 7, 3]\nlayers:\n  - linear: {out_features: 4}\n")
    cost = layer_cost(a.layers[0])
    assert (cost.macs, cost.flops) == (5 * 7 * 3 * 4, 2 * 5 * 7 * 3 * 4 + 5 * 7 * 4)


# Published totals (fvcore, torchinfo and ptflops measured on torch models; the default is
# torchvision's documented 4.09 GFLOPS for ResNet-50: conv and linear multiply-adds).
TOTALS = {
    "alexnet.yaml": {"macs": 1_135_256_096, "torchinfo": 1_135_915_368, "fvcore": 1_135_256_096,
                     "ptflops": 1_138_729_072},
    "resnet50.yaml": {"macs": 4_089_184_256, "torchinfo": 4_089_238_376, "fvcore": 4_111_512_576,
                      "ptflops": 4_132_436_968},
    "lenet5.yaml": {"macs": 416_520, "torchinfo": 423_038},
}


@pytest.mark.parametrize("name", TOTALS)
def test_known_totals_under_each_convention(name):
    a = analysis(name)
    for convention, expected in TOTALS[name].items():
        assert totals(layer_costs(a, convention)).macs == expected, convention
        assert totals(layer_costs(a, convention)).flops >= 2 * expected


def test_unknown_shapes_have_no_cost():
    a = check_text("input: [3, 8, 8]\nlayers:\n  - conv2d: {out_channels: 4, kernel_size: 9}\n"
                   "  - relu\n  - nosuch\n")
    assert layer_costs(a) == [None, None, None]
    assert totals(layer_costs(a)).macs == 0


# --- specs covering every layer type (the tools count them in tests/oracle/test_cost.py) ----------

#: Every layer type, with the arguments that change what a tool counts. Every layer is an
#: output, so no tool can drop a branch as dead code.
CASES = {
    "2d": ("[3, 9, 10]", """
  - conv2d: {out_channels: 4, kernel_size: 3}
  - conv2d: {inputs: input, out_channels: 6, kernel_size: [3, 2], stride: 2, padding: 1, groups: 3, bias: false, dilation: [1, 2]}
  - conv2d: {inputs: input, out_channels: 4, kernel_size: 3, stride: 2, padding: keras_same}
  - conv2d: {inputs: input, out_channels: 4, kernel_size: 4, padding: same}
  - conv2d: {inputs: input, out_channels: 4, kernel_size: 3, padding: valid}
  - conv2d: {inputs: input, out_channels: 4, kernel_size: 3, padding: same, padding_mode: reflect}
  - conv2d: {inputs: input, out_channels: 4, kernel_size: 3, padding: 1, padding_mode: circular, trainable: false}
  - conv2d: {inputs: input, out_channels: 2, kernel_size: 3, connection_table: [[0, 1], [2]]}
  - conv2d: {inputs: input, out_channels: 2, kernel_size: 3, bias: false, padding: same, connection_table: [[0, 1], [2]]}
  - convtranspose2d: {inputs: input, out_channels: 4, kernel_size: 3, stride: 2, padding: 1, output_padding: 1}
  - convtranspose2d: {inputs: input, out_channels: 6, kernel_size: [2, 3], stride: 2, groups: 3, bias: false}
  - convtranspose2d: {inputs: input, out_channels: 4, kernel_size: 3, stride: 2, dilation: 2, output_padding: 1}
  - maxpool2d: {inputs: input, kernel_size: 2}
  - maxpool2d: {inputs: input, kernel_size: 3, stride: 2, padding: 1, ceil_mode: true, dilation: 2}
  - avgpool2d: {inputs: input, kernel_size: 2}
  - maxpool2d: {inputs: input, kernel_size: 3, stride: 2, padding: keras_same}
  - avgpool2d: {inputs: input, kernel_size: [3, 2], stride: [2, 3], padding: keras_same, count_include_pad: false}
  - lppool2d: {inputs: input, norm_type: 2, kernel_size: 2}
  - adaptiveavgpool2d: {inputs: input, output_size: [2, 3]}
  - adaptivemaxpool2d: {inputs: input, output_size: 2}
  - globalavgpool: {inputs: input}
  - globalmaxpool: {inputs: input, keepdim: true}
  - subsampling: {inputs: input, kernel_size: 2}
  - batchnorm2d: {inputs: input}
  - batchnorm2d: {inputs: input, affine: false}
  - batchnorm2d: {inputs: input, track_running_stats: false}
  - batchnorm2d: {inputs: input, affine: false, track_running_stats: false}
  - instancenorm2d: {inputs: input}
  - instancenorm2d: {inputs: input, affine: true, track_running_stats: true}
  - groupnorm: {inputs: input, num_groups: 3}
  - groupnorm: {inputs: input, num_groups: 1, affine: false}
  - layernorm: {inputs: input, normalized_shape: [9, 10]}
  - layernorm: {inputs: input, normalized_shape: 10, elementwise_affine: false}
  - layernorm: {inputs: input, normalized_shape: 10, bias: false}
  - localresponsenorm: {inputs: input, size: 2}
  - localresponsenorm: {inputs: input, size: 5}
  - linear: {inputs: input, out_features: 7}
  - linear: {inputs: input, out_features: 7, bias: false}
  - flatten: {inputs: input}
  - unflatten: {inputs: input, dim: 2, unflattened_size: [3, 3]}
  - upsample: {inputs: input, scale_factor: 2}
  - upsample: {inputs: input, scale_factor: 1.3}
  - upsample: {inputs: input, scale_factor: 1.5, mode: bilinear}
  - upsample: {inputs: input, scale_factor: [1.5, 2.5], mode: bilinear}
  - upsample: {inputs: input, size: [5, 7], mode: bicubic}
  - upsample: {inputs: input, size: 4, mode: nearest-exact}
  - upsample: {inputs: input, scale_factor: [2, 3], mode: area}
  - upsample: {inputs: input, scale_factor: 1.3, mode: area}
  - upsample: {inputs: input, size: [18, 20], mode: bilinear, align_corners: true}
  - pixelshuffle: {inputs: conv2d_4, upscale_factor: 2}
  - pixelunshuffle: {inputs: conv2d_1, downscale_factor: 1}
  - channelshuffle: {inputs: convtranspose2d_2, groups: 2}
  - zeropad2d: {inputs: input, padding: [1, 2, 0, 3]}
  - centercrop: {inputs: input, size: [5, 6]}
  - centercrop: {inputs: [input, avgpool2d_1]}
  - add: {inputs: [conv2d_4, conv2d_4, conv2d_6]}
  - concat: {inputs: [conv2d_4, input]}
  - stack: {inputs: [conv2d_4, conv2d_6], dim: 2}
  - identity: {inputs: input}
  - relu: {inputs: input}
  - relu6: {inputs: input}
  - leakyrelu: {inputs: input}
  - elu: {inputs: input}
  - selu: {inputs: input}
  - celu: {inputs: input}
  - gelu: {inputs: input}
  - gelu: {inputs: input, approximate: tanh}
  - silu: {inputs: input}
  - mish: {inputs: input}
  - hardswish: {inputs: input}
  - hardsigmoid: {inputs: input}
  - hardtanh: {inputs: input}
  - sigmoid: {inputs: input}
  - tanh: {inputs: input}
  - softplus: {inputs: input}
  - softsign: {inputs: input}
  - softmax: {inputs: input, dim: 1}
  - softmax: {inputs: input}
  - logsoftmax: {inputs: input, dim: 1}
  - dropout: {inputs: input}
  - dropout2d: {inputs: input}
  - alphadropout: {inputs: input}
  - prelu: {inputs: input}
  - prelu: {inputs: input, num_parameters: 3}
"""),
    "1d": ("[3, 11]", """
  - conv1d: {out_channels: 4, kernel_size: 3}
  - convtranspose1d: {inputs: input, out_channels: 2, kernel_size: 3, stride: 2}
  - maxpool1d: {inputs: input, kernel_size: 2}
  - avgpool1d: {inputs: input, kernel_size: 2}
  - lppool1d: {inputs: input, norm_type: 1, kernel_size: 3}
  - adaptiveavgpool1d: {inputs: input, output_size: 4}
  - adaptivemaxpool1d: {inputs: input, output_size: 4}
  - globalavgpool: {inputs: input}
  - batchnorm1d: {inputs: input}
  - instancenorm1d: {inputs: input, affine: true}
  - localresponsenorm: {inputs: input, size: 3}
  - upsample: {inputs: input, scale_factor: 2, mode: linear}
  - upsample: {inputs: input, size: 20}
  - upsample: {inputs: input, scale_factor: 2, mode: area}
  - zeropad1d: {inputs: input, padding: 2}
  - dropout1d: {inputs: input}
  - linear: {inputs: input, out_features: 5}
  - softmax: {inputs: input, dim: 2}
  - relu: {inputs: input}
"""),
    "3d": ("[2, 5, 6, 7]", """
  - conv3d: {out_channels: 4, kernel_size: 3}
  - convtranspose3d: {inputs: input, out_channels: 2, kernel_size: 2, stride: 2}
  - maxpool3d: {inputs: input, kernel_size: 2}
  - avgpool3d: {inputs: input, kernel_size: 2}
  - lppool3d: {inputs: input, norm_type: 2, kernel_size: 2}
  - adaptiveavgpool3d: {inputs: input, output_size: 2}
  - adaptivemaxpool3d: {inputs: input, output_size: [2, null, 3]}
  - globalmaxpool: {inputs: input}
  - batchnorm3d: {inputs: input}
  - instancenorm3d: {inputs: input}
  - localresponsenorm: {inputs: input, size: 3}
  - upsample: {inputs: input, scale_factor: 2, mode: trilinear}
  - upsample: {inputs: input, scale_factor: 2}
  - zeropad3d: {inputs: input, padding: 1}
  - dropout3d: {inputs: input}
  - groupnorm: {inputs: input, num_groups: 2}
  - flatten: {inputs: input, start_dim: 2}
"""),
    "reduce": ("[3, 9, 10]", """
  - mean: {dim: [2, 3], keepdim: true}
  - mean: {inputs: input, dim: 1}
  - sum: {inputs: input, dim: [-1]}
  - amax: {inputs: input, dim: [2, 3]}
  - amin: {inputs: input, dim: 1, keepdim: true}
  - norm: {inputs: input, dim: [2, 3], keepdim: true}
  - norm: {inputs: input, p: .inf, dim: 1}
  - normalize: {inputs: input}
  - normalize: {inputs: input, p: 1, dim: 2}
  - layernorm2d: {inputs: input, eps: 0.000001}
  - layernorm2d: {inputs: input, elementwise_affine: false}
  - layernorm2d: {inputs: input, bias: false}
"""),
    "attention": ("[5, 8]", """
  - multiheadattention: {num_heads: 2, batch_first: true}
  - multiheadattention: {inputs: input, num_heads: 2, bias: false, batch_first: true}
  - multiheadattention: {inputs: input, num_heads: 1, batch_first: true}
  - multiheadattention: {inputs: input, num_heads: 4, add_bias_kv: true, batch_first: true}
  - multiheadattention: {inputs: input, num_heads: 2, add_zero_attn: true, dropout: 0.1, batch_first: true}
  - concat: {name: kv, inputs: [input, input], dim: 1}
  - linear: {name: k, inputs: kv, out_features: 3}
  - linear: {name: v, inputs: kv, out_features: 6}
  - multiheadattention: {inputs: [input, k, v], num_heads: 2, kdim: 3, vdim: 6, batch_first: true}
  - multiheadattention: {inputs: [input, k, v], num_heads: 4, kdim: 3, vdim: 6, bias: false, add_bias_kv: true, add_zero_attn: true, batch_first: true}
  - multiheadattention: {inputs: [input, kv, kv], num_heads: 2, batch_first: true}
  - linear: {name: sq, inputs: input, out_features: 5}
  - matmul: {inputs: [sq, input]}
  - transpose: {name: t, inputs: input, dim0: -2, dim1: -1}
  - matmul: {inputs: [input, t]}
  - parameter: {name: w, shape: [1, 8, 3]}
  - matmul: {inputs: [input, w]}
  - parameter: {name: u, shape: [5]}
  - matmul: {inputs: [u, input]}
  - unflatten: {name: heads, inputs: input, dim: 2, unflattened_size: [2, 4]}
  - transpose: {name: q, inputs: heads, dim0: 1, dim1: 2}
  - linear: {name: v3, inputs: q, out_features: 3}
  - scaleddotproductattention: {inputs: [q, q, q]}
  - scaleddotproductattention: {inputs: [q, q, v3], is_causal: true}
  - scaleddotproductattention: {inputs: [input, kv, kv], scale: 0.5}
  - chunk: {name: c, inputs: q, chunks: 2, dim: 1}
  - scaleddotproductattention: {inputs: [q, "c[0]", "c[1]"], enable_gqa: true}
  - scaleddotproductattention: {inputs: ["c[0]", q, q], dropout_p: 0.2}
"""),
    "swin": ("[7, 6, 8]", """
  - shiftedwindowattention: {num_heads: 2, window_size: 3, shift_size: 1}
  - shiftedwindowattention: {inputs: input, num_heads: 4, window_size: [4, 3], qkv_bias: false, proj_bias: false}
  - shiftedwindowattention: {inputs: input, num_heads: 2, window_size: 3, shift_size: 1, v2: true}
  - shiftedwindowattention: {inputs: input, num_heads: 4, window_size: 8, v2: true}
  - patchmerge: {inputs: input}
"""),
    "maxvit": ("[3, 16, 8]", """
  - relativepositionalmultiheadattention: {head_dim: 4}
  - relativepositionalmultiheadattention: {inputs: input, head_dim: 8}
"""),
    "vit-b-16-attention": ("[197, 768]", """
  - multiheadattention: {num_heads: 12, batch_first: true}
"""),
    "flat": ("[12]", """
  - linear: {out_features: 5}
  - batchnorm1d: {inputs: input}
  - softmax: {inputs: input, dim: 1}
  - layernorm: {inputs: input, normalized_shape: 12}
  - relu: {inputs: input}
  - prelu: {inputs: input}
"""),
    "arith": ("[4, 5, 6]", """
  - globalavgpool: {name: squeeze, keepdim: true}
  - sigmoid: {name: gate}
  - mul: {inputs: [input, gate]}
  - parameter: {name: gamma, shape: [4, 1, 1]}
  - mul: {inputs: [gamma, input]}
  - parameter: {name: pos, shape: [1, 5, 6], trainable: false}
  - add: {inputs: [input, pos]}
  - add: {inputs: [input, input, gate]}
  - sub: {inputs: [input, gate]}
  - div: {inputs: [input, gate]}
  - mul: {inputs: input, other: 0.5}
  - add: {inputs: input, other: 1}
  - buffer: {name: mean, shape: [4, 1, 1]}
  - sub: {inputs: [input, mean]}
  - mul: {inputs: [gamma, mean]}
  - split: {name: halves, inputs: input, split_size_or_sections: 2}
  - relu: {inputs: "halves[1]"}
  - split: {name: thirds, inputs: input, split_size_or_sections: [1, 0, 4], dim: -2}
  - relu: {inputs: "thirds[2]"}
  - chunk: {name: pieces, inputs: input, chunks: 4, dim: 3}
  - relu: {inputs: "pieces[2]"}
"""),
    "shape": ("[6, 4, 5]", """
  - permute: {dims: [0, 2, 3, 1]}
  - permute: {inputs: input, dims: [0, 1, 2, 3]}
  - transpose: {inputs: input, dim0: 1, dim1: -1}
  - reshape: {inputs: input, shape: [6, -1]}
  - view: {inputs: input, shape: [2, 3, 20]}
  - expand: {inputs: input, size: [2, -1, -1, -1]}
  - globalavgpool: {name: pooled, inputs: input, keepdim: true}
  - expand: {inputs: pooled, size: [6, 4, 5]}
  - parameter: {name: token, shape: [1, 1, 5]}
  - expand: {inputs: token, size: [-1, -1]}
  - squeeze: {inputs: pooled}
  - squeeze: {inputs: pooled, dim: [2, 3]}
  - unsqueeze: {inputs: input, dim: 1}
  - slice: {inputs: input, dim: 1, end: 3}
  - slice: {inputs: input, dim: -1, start: 1, step: 2}
  - select: {inputs: input, dim: 1, index: 0}
  - select: {inputs: input, dim: -1, index: -1}
  - roll: {inputs: input, shifts: [1, 2], dims: [2, 3]}
"""),
}


def case_spec(key: str):
    shape, layers = CASES[key]
    spec, _ = parse(f"input: {shape}\nlayers:{layers}")
    several = {r.spec.name: len(r.parts) for r in analyze(spec).layers if r.parts}  # split, chunk
    names = ", ".join(", ".join(f'"{layer.name}[{i}]"' for i in range(several[layer.name]))
                      if layer.name in several else layer.name for layer in spec.layers)
    spec, diagnostics = parse(f"input: {shape}\noutputs: [{names}]\nlayers:{layers}")
    a = analyze(spec)
    assert a.complete and not [d for d in diagnostics + a.diagnostics if d.code[0] in "YSGF" and d.code != "F001"]
    return spec


def test_cases_cover_every_layer_type():
    from shapecalc.layers import KINDS

    covered = {layer.type for key in CASES for layer in case_spec(key).layers}
    assert covered == set(KINDS)


# --- memory -----------------------------------------------------------------------------------------

def test_memory_by_hand():
    a = check_text("input: [3, 8, 8]\nlayers:\n"
                   "  - conv2d: {out_channels: 4, kernel_size: 3, padding: 1}\n"   # 112 params, out 256
                   "  - batchnorm2d\n"                                               # 8 params, 9 buffers
                   "  - relu\n"
                   "  - avgpool2d: {kernel_size: 2}\n"                               # out 64
                   "  - flatten\n"
                   "  - linear: {out_features: 2, trainable: false}\n")             # 130 frozen params
    m = memory(a, "float16", batch=5, optimizer="adam")
    assert (m.param_bytes, m.buffer_bytes) == (250 * 2, 8 * 2 + 8)
    assert m.activation_elements == 5 * (192 + 256 + 256 + 256 + 64 + 64 + 2)
    # saved: conv's input (the network input), bn's input, relu's input, linear's input (flatten's output)
    assert m.saved_activation_elements == 5 * (192 + 256 + 256 + 64)
    assert m.saved_activation_bytes == 2 * m.saved_activation_elements
    assert (m.gradient_bytes, m.optimizer_state_bytes) == (120 * 2, 2 * 120 * 2)
    assert m.training_bytes == 500 + 24 + 240 + 480 + m.saved_activation_bytes
    assert memory(a, "float16", 5, "sgd").optimizer_state_bytes == 0
    assert memory(a, "int8", 5, "momentum").optimizer_state_bytes == 120


def test_a_tensor_taken_twice_is_saved_once():
    a = check_text("input: [4, 6, 6]\nlayers:\n  - relu: {name: a}\n"
                   "  - conv2d: {name: b, out_channels: 4, kernel_size: 1}\n"
                   "  - conv2d: {name: c, inputs: a, out_channels: 4, kernel_size: 1}\n  - add: {inputs: [b, c]}\n")
    assert memory(a).saved_activation_elements == 2 * 144  # the input (for relu) and a (for b and c)


# --- the command line and the README --------------------------------------------------------------

def test_json_has_cost_and_memory(run_cli):
    doc = json.loads(run_cli("check", "-f", "json", "architectures/alexnet.yaml").stdout)
    assert (doc["convention"], doc["total_macs"], doc["total_flops"]) == ("macs", 1_135_256_096, 2_271_171_464)
    conv1 = doc["layers"][0]
    assert (conv1["macs"], conv1["activation_elements"], conv1["activation_bytes"]) == (105_415_200, 290_400, 1_161_600)
    assert doc["memory"]["param_bytes"] == 4 * 62_378_344
    assert sum(layer["macs"] for layer in doc["layers"]) == doc["total_macs"]


def test_options_change_the_numbers(run_cli):
    base = json.loads(run_cli("check", "-f", "json", "architectures/resnet18.yaml").stdout)
    doc = json.loads(run_cli("check", "-f", "json", "--convention", "fvcore", "--dtype", "bfloat16", "--batch", "4",
                             "--optimizer", "momentum", "architectures/resnet18.yaml").stdout)
    assert doc["convention"] == "fvcore" and doc["total_macs"] > base["total_macs"]
    assert doc["total_flops"] == 2 * doc["total_macs"]
    m, m0 = doc["memory"], base["memory"]
    assert (m["dtype"], m["bytes_per_element"], m["batch"], m["optimizer"]) == ("bfloat16", 2, 4, "momentum")
    assert m["param_bytes"] * 2 == m0["param_bytes"] and m["activation_elements"] == 4 * m0["activation_elements"]
    assert m["optimizer_state_bytes"] == m["gradient_bytes"] == m["param_bytes"]
    assert doc["layers"][0]["activation_bytes"] == 4 * 2 * 64 * 112 * 112
    assert doc["blocks"][0]["macs"] == sum(layer["macs"] for layer in doc["layers"]
                                           if layer["name"] in doc["blocks"][0]["layers"])


def test_bad_cost_options_exit_2(run_cli):
    for option, value in (("--convention", "thop"), ("--dtype", "float64"), ("--batch", "0"), ("--optimizer", "lbfgs")):
        proc = run_cli("check", option, value, "architectures/alexnet.yaml")
        assert proc.returncode == 2, option


def test_cli_choices_are_the_cost_tables():
    from shapecalc.cli.app import Convention, DType, Optimizer

    assert [c.value for c in Convention] == list(CONVENTIONS)
    assert [d.value for d in DType] == list(DTYPES) and [o.value for o in Optimizer] == list(OPTIMIZERS)


def test_text_table_has_macs_and_totals(run_cli):
    out = run_cli("check", "--convention", "ptflops", "architectures/lenet5.yaml").stdout
    assert "MACs (ptflops)" in out
    assert "Total MACs: 435,646  FLOPs: 871,292  (convention: ptflops)" in out


def test_readme_cost_section_is_real(run_cli):
    readme = (ROOT / "README.md").read_text()
    section = readme.split("## Compute cost and memory")[1].split("\n## ")[0]
    for convention in CONVENTIONS:
        out = run_cli("check", "--convention", convention, "architectures/resnet50.yaml").stdout
        assert next(line for line in out.splitlines() if line.startswith("Total MACs")) in section
    out = run_cli("check", "--dtype", "float16", "--batch", "32", "--optimizer", "adam", "architectures/resnet50.yaml")
    for label in ("Memory", "Training"):
        assert next(line for line in out.stdout.splitlines() if line.startswith(label)) in section
    doc = json.loads(run_cli("check", "-f", "json", "--batch", "32", "--optimizer", "adam",
                             "architectures/resnet50.yaml").stdout)
    assert json.dumps(doc["memory"], indent=2) in section
    assert all(f"`{key}`" in readme.split("## `--format json`")[1] for key in doc["memory"])
