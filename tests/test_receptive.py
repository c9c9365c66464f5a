"""Receptive fields: the published numbers, and a brute force that perturbs one input pixel at a time
(`check_against`; run here with shapecalc's own forward pass, and in torch on fixed and random
networks in tests/oracle/test_receptive.py).

Sources of the published numbers:
- [RF-TABLE] google-research/receptive_field, receptive_field/RECEPTIVE_FIELD_TABLE.md (the
  library of Araujo, Norris and Sim, "Computing Receptive Fields of Convolutional Neural
  Networks", Distill 2019, https://distill.pub/2019/computing-receptive-fields/; the article's
  table of modern networks and the repository README list the same final end-points: alexnet_v2
  195 / 32 / 64, vgg_16 212 / 32 / 90, resnet_v1_50 483 / 32 / 239). The columns are receptive
  field, effective stride (our jump) and effective padding, which is (r - 1)/2 - start in our
  coordinates (the library's README: center = -effective_padding + feature*stride + (r - 1)/2).
  The models are TF-Slim's. alexnet_v2 is the "one weird trick" AlexNet (64/192 filters), but its
  kernels, strides and paddings are those of the slides' AlexNet (architectures/alexnet.yaml: 11x11
  stride 4 valid, 3x3/2 pools, 5x5 and 3x3 SAME convolutions), so every field is the same; Slim
  calls the last pool pool5, the slides pool3. vgg_16 has torchvision's VGG16 geometry.
- [FIELD-NOTES] ../shared/docs/field-notes.md, "Receptive field": torchvision's ResNet-50 (the
  stride in the first block of each stage) ends at r = 427; Slim's (the stride in the last unit)
  at 483, which [RF-TABLE] gives, with 35 / 99 / 291 after blocks 1-3.
"""

from __future__ import annotations

import itertools
from dataclasses import replace
from fractions import Fraction
from math import ceil

import pytest

from shapecalc.analysis.check import check_text
from shapecalc.layers.conv import transposed
from shapecalc.layers.field import INPUT_AXIS, Axis, window
from shapecalc.analysis.receptive import step_text

from .conftest import ARCH


def field(a, name):
    (r,) = [r for r in a.layers if r.spec.name == name]
    return r.receptive_field


def published(f):
    """(receptive field, effective stride, effective padding) in [RF-TABLE]'s terms, per dimension."""
    return [(ax.size, ax.jump, (ax.size - 1) / Fraction(2) - ax.start) for ax in f.axes]


# --- published values ------------------------------------------------------------------------

ALEXNET_V2 = {  # [RF-TABLE], alexnet_v2, every resolution (None, 224, 321)
    "conv1": (11, 4, 0), "pool1": (19, 8, 0), "conv2": (51, 8, 16), "conv3": (99, 16, 32),
    "conv4": (131, 16, 48), "conv5": (163, 16, 64), "pool3": (195, 32, 64),  # Slim's pool5
}


@pytest.mark.parametrize("name", ALEXNET_V2)
def test_alexnet_matches_the_published_table(name):
    a = check_text((ARCH / "alexnet.yaml").read_text())
    assert published(field(a, name)) == [ALEXNET_V2[name]] * 2


TORCHVISION_ALEXNET = """input: [3, 224, 224]
layers:
  - conv2d: {name: conv1, out_channels: 64, kernel_size: 11, stride: 4, padding: 2}
  - relu
  - maxpool2d: {name: pool1, kernel_size: 3, stride: 2}
  - conv2d: {name: conv2, out_channels: 192, kernel_size: 5, padding: 2}
  - relu
  - maxpool2d: {name: pool2, kernel_size: 3, stride: 2}
  - conv2d: {name: conv3, out_channels: 384, kernel_size: 3, padding: 1}
  - relu
  - conv2d: {name: conv4, out_channels: 256, kernel_size: 3, padding: 1}
  - relu
  - conv2d: {name: conv5, out_channels: 256, kernel_size: 3, padding: 1}
  - relu
  - maxpool2d: {name: pool5, kernel_size: 3, stride: 2}
"""


def test_torchvisions_alexnet_has_the_same_field_and_two_more_pixels_of_padding():
    """torchvision.models.alexnet's features pad conv1 by 2 (and take 224x224): the same sizes and
    jumps as [RF-TABLE]'s alexnet_v2, every effective padding 2 more (pool5: 195, 32, 66)."""
    a = check_text(TORCHVISION_ALEXNET)
    assert a.diagnostics == []
    for name, (size, jump, pad) in ALEXNET_V2.items():
        assert published(field(a, name.replace("pool3", "pool5"))) == [(size, jump, pad + 2)] * 2


VGG_16 = {  # [RF-TABLE], vgg_16; our names are torchvision's blocks
    "block1.conv.0.conv": (3, 1, 1), "block1.pool": (6, 2, 2), "block2.conv.0.conv": (10, 2, 4),
    "block2.pool": (16, 4, 6), "block3.conv.0.conv": (24, 4, 10), "block3.conv.1.conv": (32, 4, 14),
    "block3.pool": (44, 8, 18), "block4.conv.0.conv": (60, 8, 26), "block4.conv.1.conv": (76, 8, 34),
    "block4.pool": (100, 16, 42), "block5.conv.0.conv": (132, 16, 58), "block5.conv.1.conv": (164, 16, 74),
    "block5.pool": (212, 32, 90),
}


@pytest.mark.parametrize("name", VGG_16)
def test_vgg16_matches_the_published_table(name):
    a = check_text((ARCH / "vgg16.yaml").read_text())
    assert published(field(a, name)) == [VGG_16[name]] * 2


def test_vgg16_conv5_3_is_196():
    """The often-quoted conv5_3 field: pool5's 212 less the (2 - 1)*16 the 2x2 pool adds."""
    a = check_text((ARCH / "vgg16.yaml").read_text())
    assert field(a, "block5.conv.2.conv").size == [196, 196]


def test_torchvision_resnet50_ends_at_427():
    """[FIELD-NOTES]; by hand: stem 7 (jump 2), maxpool 11 (4), layer1 +3*2*4 = 35, layer2 +2*4 +3*2*8
    = 91 (8), layer3 +2*8 +5*2*16 = 267 (16), layer4 +2*16 +2*2*32 = 427 (32)."""
    a = check_text((ARCH / "resnet50.yaml").read_text())
    ends = {stage: field(a, f"{stage}.{n - 1}.relu_3") for stage, n in
            (("layer1", 3), ("layer2", 4), ("layer3", 6), ("layer4", 3))}
    assert {s: (f.size[0], f.jump[0]) for s, f in ends.items()} == {
        "layer1": (35, 4), "layer2": (91, 8), "layer3": (267, 16), "layer4": (427, 32)}
    assert field(a, "avgpool").size == [427 + 6 * 32] * 2  # global pooling: the whole 7x7 map
    assert field(a, "fc") is None


SLIM_RESNET_V1_50 = """
# TF-Slim's resnet_v1_50 at 224x224: conv2d_same stem, SAME max pool (pads 0 before, 1 after),
# bottleneck units with the stride on the 3x3 conv of the LAST unit of each block; the shortcut
# of a strided unit is a 1x1 max pool with that stride (subsample), or a 1x1 conv on a depth change.
input: [3, 224, 224]
blocks:
  unit:
    params: {depth: null, bottleneck: null, stride: 1, project: false, subsample: false}
    layers:
      - conv2d: {name: conv1, out_channels: $bottleneck, kernel_size: 1}
      - conv2d: {name: conv2, out_channels: $bottleneck, kernel_size: 3, stride: $stride, padding: 1}
      - conv2d: {name: conv3, out_channels: $depth, kernel_size: 1}
      - maxpool2d: {name: subsample, inputs: input, kernel_size: 1, stride: $stride, when: $subsample}
      - conv2d: {name: shortcut, inputs: subsample, out_channels: $depth, kernel_size: 1, when: $project}
      - add: {inputs: [conv3, shortcut]}  # a left-out layer's name stands for its input
  block:
    params: {depth: null, bottleneck: null, units: null, stride: 2}
    layers:
      - unit: {name: first, depth: $depth, bottleneck: $bottleneck, project: true}
      - unit: {name: middle, repeat: $units, depth: $depth, bottleneck: $bottleneck}
      - unit: {name: last, depth: $depth, bottleneck: $bottleneck, stride: $stride, subsample: true}
layers:
  - conv2d: {name: conv1, out_channels: 64, kernel_size: 7, stride: 2, padding: 3}
  - zeropad2d: {padding: [0, 1, 0, 1]}
  - maxpool2d: {name: pool1, kernel_size: 3, stride: 2}
  - block: {name: block1, depth: 256, bottleneck: 64, units: 1}
  - block: {name: block2, depth: 512, bottleneck: 128, units: 2}
  - block: {name: block3, depth: 1024, bottleneck: 256, units: 4}
  - block: {name: block4, depth: 2048, bottleneck: 512, units: 1, stride: 1}
"""


def test_slim_resnet_v1_50_matches_the_published_table():
    """[RF-TABLE], resnet_v1_50 at resolution 224: 35/8/15, 99/16/47, 291/32/143, 483/32/239."""
    a = check_text(SLIM_RESNET_V1_50)
    assert [d.code for d in a.diagnostics] == ["W004"] * 3  # the 1x1 stride-2 subsample skips by design
    got = {b: published(field(a, f"{b}.last.add_1")) for b in ("block1", "block2", "block3", "block4")}
    assert got == {"block1": [(35, 8, 15)] * 2, "block2": [(99, 16, 47)] * 2,
                   "block3": [(291, 32, 143)] * 2, "block4": [(483, 32, 239)] * 2}


# --- the rules, as the module docstring states them ----------------------------------------------


def test_the_forward_form_for_a_window():
    a = check_text("input: [1, 64]\nlayers:\n  - conv1d: {out_channels: 1, kernel_size: 3, dilation: 2, stride: 2, padding: 3}\n"
                   "  - maxpool1d: {kernel_size: 2, stride: 2}\n")
    conv, pool = (r.receptive_field.axes[0] for r in a.layers)
    # k_eff = 2*(3 - 1) + 1 = 5: r = 1 + 4*1, j = 2, start 0 + (2 - 3)*1 = -1
    assert (conv.size, conv.jump, conv.start) == (5, 2, -1)
    # r = 5 + (2 - 1)*2 = 7, j = 4, start -1 + (1/2 - 0)*2 = 0
    assert (pool.size, pool.jump, pool.start) == (7, 4, 0)
    assert step_text(a, a.layers[1]) == "r = 5 + (2 - 1)*2 = 7, jump 2*2 = 4, start -1 + ((2 - 1)/2 - 0)*2 = 0"


@pytest.mark.parametrize("before", [INPUT_AXIS, window(INPUT_AXIS, 3, 2, 1), window(INPUT_AXIS, 4, 3, 0)])
def test_transposed_convolution_rule(before):
    """Every k, s, p, d up to small sizes: jump j/s; start c + (p - (k_eff - 1)/2)/s * j (the average
    centre, when every output has an input); size r + (ceil(k_eff/s) - 1)*j for dilation 1."""
    for k, s, d in itertools.product(range(1, 7), range(1, 5), range(1, 4)):
        for p in range(d * (k - 1) + 1):
            ax = transposed(before, k, s, p, d)
            k_eff = d * (k - 1) + 1
            assert ax.jump == Fraction(before.jump) / s
            if not ax.has_gaps:
                assert ax.start == before.start + Fraction(2 * p - (k_eff - 1), 2 * s) * before.jump
            if d == 1:
                assert ax.size == before.size + (ceil(Fraction(k_eff, s)) - 1) * before.jump


def test_a_2x2_stride_2_transposed_conv_gives_pairs_of_outputs_one_pixel():
    ax = transposed(INPUT_AXIS, 2, 2, 0, 1)
    assert [ax.bounds(o) for o in range(4)] == [(0, 0), (0, 0), (1, 1), (1, 1)]
    assert (ax.size, ax.jump, ax.start, ax.period) == (1, Fraction(1, 2), Fraction(-1, 4), 2)


def test_upsample_and_pixel_shuffle_divide_the_jump():
    a = check_text("input: [4, 8, 8]\nlayers:\n  - conv2d: {out_channels: 4, kernel_size: 3, stride: 2, padding: 1}\n"
                   "  - upsample: {scale_factor: 2}\n  - pixelshuffle: {upscale_factor: 2}\n"
                   "  - pixelunshuffle: {downscale_factor: 4}\n")
    assert [r.receptive_field.jump for r in a.layers] == [[2, 2], [1, 1], [Fraction(1, 2)] * 2, [2, 2]]
    # the unshuffle's 4 positions come from 2 upsampled ones, and they from one conv output
    assert [r.receptive_field.size for r in a.layers] == [[3, 3], [3, 3], [3, 3], [3, 3]]


def test_adaptive_and_global_pooling_see_the_whole_input():
    a = check_text("input: [2, 10, 12]\nlayers:\n  - conv2d: {out_channels: 2, kernel_size: 3, padding: 1}\n"
                   "  - adaptiveavgpool2d: {output_size: [1, 3]}\n  - globalmaxpool: {keepdim: true}\n"
                   "  - globalavgpool\n")
    _, adaptive, keep, flat = (r.receptive_field for r in a.layers)
    assert adaptive.size == [3 + 9, 3 + 3]  # H: the whole 10 rows (and the padding); W: 4 of 12 columns
    assert keep.size == [12, 14] and flat is None
    assert "each output sees the whole input" in step_text(a, a.layers[2])


def test_no_field_without_a_spatial_grid():
    a = check_text("input: [3, 8, 8]\nlayers:\n  - conv2d: {out_channels: 2, kernel_size: 3}\n  - flatten\n"
                   "  - unflatten: {dim: 1, unflattened_size: [2, 6, 6]}\n  - conv2d: {out_channels: 2, kernel_size: 3}\n")
    assert [r.receptive_field is None for r in a.layers] == [False, True, True, True]
    assert check_text("input: [10]\nlayers:\n  - linear: {units: 2}\n").layers[0].receptive_field is None


def test_merge_takes_the_union_and_flags_misaligned_grids():
    a = check_text("input: [2, 16, 16]\nlayers:\n"
                   "  - conv2d: {name: a, out_channels: 2, kernel_size: 3, padding: 1}\n"
                   "  - conv2d: {name: b, inputs: input, out_channels: 2, kernel_size: 4, padding: same}\n"
                   "  - add: {inputs: [a, b]}\n")
    assert [d.code for d in a.diagnostics] == ["W003", "W006"]
    w006 = a.diagnostics[1]
    assert w006.message == ("add_1: the merged inputs' receptive fields are not aligned: a has jump 1, 1, start 0, 0; "
                            "b has jump 1, 1, start 0.5, 0.5; features at one output position are centred on "
                            "different input pixels")
    merged = a.layers[2].receptive_field.axes[0]
    assert (merged.bounds(5), merged.exact) == ((4, 7), True)  # a: 4-6, b: 4-7


def test_a_broadcast_gate_or_parameter_keeps_the_maps_field():
    """Squeeze-and-excitation: the [C, 1, 1] gate (from global pooling: jump 32) scales the map
    but the output is on the map's grid; a parameter has no field and changes nothing either.
    Taking the gate's grid would flag W006 at every SE block and grow the jump without bound."""
    a = check_text("input: [8, 32, 32]\nlayers:\n"
                   "  - conv2d: {name: c, out_channels: 8, kernel_size: 3, padding: 1}\n"
                   "  - globalavgpool: {keepdim: true}\n  - sigmoid: {name: gate}\n"
                   "  - mul: {name: scale, inputs: [c, gate]}\n"
                   "  - parameter: {name: g, shape: [8, 1, 1]}\n  - mul: {inputs: [scale, g]}\n"
                   "  - conv2d: {name: c2, out_channels: 8, kernel_size: 3, padding: 1}\n  - add: {inputs: [c2, c]}\n")
    assert a.diagnostics == []
    by = {r.spec.name: r.receptive_field for r in a.layers}
    assert by["gate"].axes[0].jump == 32 and by["g"] is None
    assert by["scale"] == by["mul_1"] == by["c"]
    assert by["add_1"].axes[0].size == 5 and by["add_1"].axes[0].jump == 1


def test_different_jumps_flag_and_take_the_largest_field():
    a = check_text("input: [1, 10]\nlayers:\n  - conv1d: {name: a, out_channels: 1, kernel_size: 1, stride: 3}\n"
                   "  - upsample: {name: up, size: 10}\n"
                   "  - conv1d: {name: b, inputs: input, out_channels: 1, kernel_size: 5, padding: 2}\n"
                   "  - add: {inputs: [up, b]}\n")
    assert [d.code for d in a.diagnostics] == ["W006"]
    f = a.layers[-1].receptive_field
    assert (f.size, f.exact) == ([5], False)
    assert "(the largest input field: the inputs' jumps differ, so no single grid)" in step_text(a, a.layers[-1])


def test_concat_along_a_spatial_dimension_is_not_a_misalignment():
    a = check_text("input: [2, 4, 6]\nlayers:\n  - concat: {inputs: [input, input], dim: 3}\n")
    assert a.diagnostics == [] and a.layers[0].receptive_field.exact is False


@pytest.mark.parametrize("path", sorted(ARCH.rglob("*.yaml")), ids=lambda p: p.name)
def test_shipped_architectures_are_aligned(path):
    a = check_text(path.read_text())
    assert not [d for d in a.diagnostics if d.code == "W006"]
    assert all(r.receptive_field is None or r.receptive_field.exact for r in a.layers)


def test_json_key(run_cli):
    import json

    doc = json.loads(run_cli("check", "-f", "json", "architectures/vgg16.yaml").stdout)
    by_name = {layer["name"]: layer["receptive_field"] for layer in doc["layers"]}
    assert by_name["block1.pool"] == {"size": [6, 6], "jump": [2, 2], "start": [0.5, 0.5]}
    assert by_name["fc8"] is None


def test_many_layers_stay_fast():
    import time

    a = check_text("input: [3, 64, 64]\nlayers:\n  - conv2d: {out_channels: 3, kernel_size: 3, padding: 1, repeat: 5000}\n"
                   "  - relu: {repeat: 5000}\n")
    from shapecalc.analysis.receptive import fields

    start = time.perf_counter()
    found, _ = fields(a)
    assert time.perf_counter() - start < 3.0  # about 0.3 s here
    assert found[-1].size == [1 + 2 * 5000] * 2


# --- brute force: perturb one input pixel at a time ------------------------------------------------


def check_against(analysis, deps):
    """Problems, comparing each layer's field with `deps` (per layer: output position -> the first
    and last input pixel, per dimension, whose perturbation changed it, or None when no pixel
    did; None for a layer without a spatial grid). Every output may only depend on pixels inside its
    field; an output clear of every map's border (no position on its paths is padding: see
    `left`, `right`) must reach exactly the field's first and last pixel; and over all such
    outputs, the widest field and the average centre must be the reported size and start."""
    spatial = analysis.spec.input_shape[1:]
    nd = len(spatial)
    left, right = [-1] * nd, list(spatial)  # past these, some map on the way is padding
    problems = []
    for r, d in zip(analysis.layers, deps):
        f = r.receptive_field
        if d is None or f is None:
            continue
        widest = [0] * nd
        centres: list[dict[int, Fraction]] = [{} for _ in range(nd)]
        for opos, seen in d.items():
            model = [ax.bounds(o) for ax, o in zip(f.axes, opos)]
            if any(m is None for m in model):
                if seen:
                    problems.append((r.spec.name, opos, "depends on input, field empty"))
                continue
            safe = all(lo > left[i] and hi < right[i] for i, (lo, hi) in enumerate(model))
            for i, (lo, hi) in enumerate(model):
                got = None if seen is None else (seen[0][i], seen[1][i])
                if got and (got[0] < lo or got[1] > hi):
                    problems.append((r.spec.name, opos, i, "outside", (lo, hi), got))
                if safe:
                    if got != (lo, hi):
                        problems.append((r.spec.name, opos, i, "ends", (lo, hi), got))
                    widest[i] = max(widest[i], hi - lo + 1)
                    ph = opos[i] % f.axes[i].period
                    centres[i].setdefault(ph, Fraction(lo + hi, 2) - f.axes[i].jump * opos[i])
        for i, ax in enumerate(f.axes):
            every_phase = len(centres[i]) == len([v for v in ax.lo if v is not None])  # seen clear of borders
            if every_phase and (widest[i] != ax.size or sum(centres[i].values()) / len(centres[i]) != ax.start):
                problems.append((r.spec.name, i, "size/start", widest[i], ax.size))
            n = r.output_shape[1 + i]
            b = ax.bounds(-1)
            left[i] = max(left[i], b[1]) if b else left[i]
            b = ax.bounds(n)
            right[i] = min(right[i], b[0]) if b else right[i]
    return problems


def runnable(a, limit=300):
    return a.complete and not [d for d in a.diagnostics if d.severity == "error" and d.code != "F001"] and all(
        len(r.output_shape) < 2 or max(r.output_shape[1:]) <= limit for r in a.layers)


def test_brute_force_with_the_reference_forward_pass():
    """The same perturbation with shapecalc's own forward pass (no torch): positive weights."""
    from shapecalc.analysis.forward import execute, prepare
    from shapecalc.kernels.tensor import Tensor

    a = check_text("input: [1, 19]\nlayers:\n"
                   "  - conv1d: {name: a, out_channels: 2, kernel_size: 3, stride: 2, padding: 1}\n"
                   "  - maxpool1d: {kernel_size: 3, stride: 1, padding: 1, ceil_mode: true}\n"
                   "  - convtranspose1d: {out_channels: 2, kernel_size: 3, stride: 2, dilation: 2}\n"
                   "  - conv1d: {name: b, inputs: a, out_channels: 2, kernel_size: 2, dilation: 3, padding: same}\n"
                   "  - avgpool1d: {kernel_size: 2, stride: 2}\n"
                   "  - conv1d: {name: c, inputs: convtranspose1d_1, out_channels: 2, kernel_size: 5, stride: 4}\n"
                   "  - add: {inputs: [c, avgpool1d_1]}\n")
    assert runnable(a), a.diagnostics
    setup = prepare(a, 0)
    setup = replace(setup, params=[{k: replace(p, low=0.5, high=1.5) for k, p in ps.items()} for ps in setup.params])
    n = a.spec.input_shape[1]

    def outputs(x):
        run = execute(a, replace(setup, input=Tensor(a.spec.input_shape, x)), workers=1, keep=True)
        assert run.ok
        return [layer.output for layer in run.layers]

    base_x = [0.5 + 0.01 * i for i in range(n)]
    base = outputs(base_x)
    seen: list[dict] = [{} for _ in a.layers]
    for i in range(n):
        moved = outputs([v + (1e4 if j == i else 0) for j, v in enumerate(base_x)])
        for layer, (y0, y1) in enumerate(zip(base, moved)):
            c, length = y0.shape[0], y0.shape[1]
            for o in range(length):
                if any(abs(y1.data[ch * length + o] - y0.data[ch * length + o]) > 1e-6 for ch in range(c)):
                    seen[layer].setdefault(o, []).append(i)
    deps = [{(o,): ([min(s[o])], [max(s[o])]) if o in s else None for o in range(y.shape[1])}
            for s, y in zip(seen, base)]
    assert check_against(a, deps) == []


def test_collapsed_axis_is_marked_approximate():
    ax = Axis(Fraction(1, 2), (Fraction(0), Fraction(-1, 2)), (Fraction(0), Fraction(-1, 2)))
    band = ax.collapsed()
    assert (band.period, band.exact, band.size) == (1, False, 2)


# --- answers ---------------------------------------------------------------------------------------

ANSWERS = """input: [3, 232, 232]
layers:
  - conv2d: {name: conv1, out_channels: 96, kernel_size: 12, stride: 4, expect: {receptive_field: 12}}
  - maxpool2d: {name: pool1, kernel_size: 2, stride: 2, expect: {receptive_field: {size: [16, 16], jump: 8, start: 7.5}}}
  - conv2d: {name: conv2, out_channels: 4, kernel_size: [5, 3], padding: [2, 1], expect: {receptive_field: [48, 32]}}
  - conv2d: {name: conv3, out_channels: 4, kernel_size: 1, expect: {receptive_field: 48}}
  - flatten: {expect: {receptive_field: 1}}
"""


def test_receptive_field_answers_in_every_form():
    a = check_text(ANSWERS)
    assert [(x.layer, x.correct, x.actual) for x in a.answers] == [
        ("conv1", True, 12),
        ("pool1", True, {"size": [16, 16], "jump": 8, "start": 7.5}),  # start 5.5 + ((2 - 1)/2 - 0)*4
        ("conv2", True, [48, 32]),
        ("conv3", False, [48, 32]),  # the dimensions differ: the right answer is a list
        ("flatten_1", False, "none (no spatial grid after this layer)"),
    ]
    messages = [d.message for d in a.diagnostics]
    assert messages == [
        ("conv3: receptive_field is 48x32, not 48: H: r = 48 + (1 - 1)*8 = 48, jump 8*1 = 8, start 7.5 + ((1 - 1)/2 - 0)*8 "
         "= 7.5; W: r = 32 + (1 - 1)*8 = 32, jump 8*1 = 8, start 7.5 + ((1 - 1)/2 - 0)*8 = 7.5"),
        ("flatten_1: receptive_field is none (no spatial grid after this layer), not 1: none: no spatial grid after "
         "this layer, every output depends on the whole input"),
    ]


def test_a_wrong_mapping_answer_is_shown_as_written():
    a = check_text("input: [3, 227, 227]\nlayers:\n  - conv2d: {name: conv1, out_channels: 96, kernel_size: 11, stride: 4, "
                   "expect: {receptive_field: {size: 11, jump: 2}}}\n")
    (d,) = a.diagnostics
    assert d.message.startswith("conv1: receptive_field is {size: 11, jump: 4}, not {size: 11, jump: 2}: r = 1 + (11 - 1)*1")


def test_readme_answer_example_is_real(tmp_path, run_cli):
    from .conftest import ROOT

    readme = (ROOT / "README.md").read_text()
    spec = readme.split("the layer's receptive field step:\n\n```yaml\n")[1].split("```")[0]
    shown = readme.split("the layer's receptive field step:\n\n```yaml\n")[1].split("```text\n")[1].split("```")[0]
    (tmp_path / "spec.yaml").write_text(spec)
    lines = [line for line in run_cli("check", "spec.yaml", cwd=tmp_path).stdout.splitlines() if "A001" in line]
    assert lines == shown.strip().splitlines()
