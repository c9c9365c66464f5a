"""`shapecalc explain`: each layer's arithmetic as a student writes it, in text and Markdown."""

from __future__ import annotations

import re

from shapecalc.analysis.check import check_text
from shapecalc.analysis.explain import explain
from shapecalc.render.explain import render_markdown, render_text

from .conftest import ARCH, ROOT

README = (ROOT / "README.md").read_text()


def text_of(spec: str, *layers: str) -> str:
    a = check_text(spec)
    return render_text(a, explain(a, list(layers) or None))


def test_readme_explain_output_is_real(run_cli):
    blocks = re.findall(r"```console\n\$ shapecalc (explain [^\n]*)\n(.*?)```", README, re.DOTALL)
    assert len(blocks) >= 2
    for command, shown in blocks:
        assert run_cli(*command.split()).stdout == shown, command


def test_alexnet_conv1_is_what_the_slides_write():
    out = (ARCH / "alexnet.yaml").read_text()
    text = text_of(out, "conv1")
    for line in ("(227 - 11)/4 + 1 = 55", "(11*11*3)*96 + 96 = 34,944 parameters (364 per filter)",
                 "55*55*96 = 290,400 outputs", "r = 1 + (11 - 1)*1 = 11, jump 1*4 = 4",
                 "3,025 output positions x 34,848 weights = 105,415,200"):
        assert line in text


def test_a_stride_that_does_not_fit_shows_the_fraction_and_the_unread_input():
    text = " ".join(text_of((ARCH / "alexnet-224.yaml").read_text(), "conv1").split())
    assert "(224 - 11)/4 + 1 = 217/4 = 54.25, not a whole number" in text
    assert ("PyTorch rounds down to 54 windows; the last window covers input rows and columns 213-223, so input "
            "row 224 and column 224 are never read: 1 row and 1 column left unused, which PyTorch drops without a "
            "word (F001)") in text


def test_each_dimension_on_its_own_when_they_differ():
    text = text_of("input: [3, 7, 8]\nlayers:\n  - conv2d: {out_channels: 1, kernel_size: 3, stride: [2, 3]}\n")
    assert "output size (H):     (7 - 3)/2 + 1 = 3\n" in text
    assert "output size (W):     (8 - 3)/3 + 1 = 8/3 = 2.6667, not a whole number" in text
    assert "input columns 7-8 are never read: 2 columns left unused" in " ".join(text.split())
    assert "receptive field (W): r = 1 + (3 - 1)*1 = 3, jump 1*3 = 3" in text


def test_remainders_that_lose_no_input():
    stem = " ".join(text_of((ARCH / "resnet50.yaml").read_text(), "conv1", "maxpool").split())
    assert "(224 + 2*3 - 7)/2 + 1 = 225/2 = 112.5, not a whole number" in stem
    assert "which runs 2 rows and 2 columns into the padding: every input row and column is read" in stem
    assert "what is left over is padding only: every input row and column is read" in stem
    ceil = " ".join(text_of("input: [1, 8, 8]\nlayers:\n  - maxpool2d: {kernel_size: 3, stride: 2, ceil_mode: true}\n").split())
    assert "(8 - 3)/2 + 1 = 7/2 = 3.5, not a whole number PyTorch rounds up (ceil_mode) to 4 windows" in ceil
    gap = " ".join(text_of("input: [1, 11]\nlayers:\n  - maxpool1d: {kernel_size: 2, stride: 4}\n").split())
    assert "(no more than the 2 the stride skips between any two windows anyway)" in gap


def test_other_layers():
    text = text_of((ARCH / "resnet50.yaml").read_text(), "bn1", "layer1.0.add_1", "avgpool", "fc")
    assert "parameters:      2*64 = 128 parameters (weight, bias)" in text
    assert "arithmetic:      2*64 + 1 = 129 buffers (running mean, var, count)" in text
    assert "receptive field: r = max(19, 11) = 19, jump 4, start 0" in text
    assert "r = 427 + (7 - 1)*32 = 619, jump 32*7 = 224" in text and "(each output sees the whole input)" in text
    assert "none: no spatial grid after this layer, every output depends on the whole input" in text
    assert "MACs:            2048*1000 weights = 2,048,000" in text
    up = text_of((ARCH / "dcgan_generator.yaml").read_text(), "up1.deconv")
    assert "output size:     (4 - 1)*2 - 2*1 + 1*(4 - 1) + 0 + 1 = 8" in up
    assert "the network's input has no spatial dimensions" in up


def test_unknown_shapes_say_why():
    text = text_of("input: [3, 8, 8]\nlayers:\n  - conv2d: {out_channels: 2, kernel_size: 9}\n  - relu\n")
    assert "output: unknown\n          kernel 9 is larger than the padded input 8" in text
    assert "an earlier layer's output is unknown" in text


def test_markdown():
    a = check_text((ARCH / "alexnet.yaml").read_text())
    md = render_markdown(a, explain(a, ["conv1", "relu_1"]))
    assert md.startswith("## alexnet (input 3x227x227)\n\n### conv1 (conv2d): 3x227x227 → 96x55x55\n")
    assert "- **output size**: `(227 - 11)/4 + 1 = 55`" in md
    assert "### relu\\_1 (relu)" in md


def test_cli(run_cli):
    proc = run_cli("explain", "architectures/alexnet.yaml", "--layer", "conv9")
    assert proc.returncode == 2 and "no layer named 'conv9'; did you mean 'conv5'?" in proc.stderr
    proc = run_cli("explain", "architectures/alexnet-224.yaml", "-f", "markdown", "--layer", "conv1")
    assert proc.returncode == 1 and proc.stdout.startswith("## alexnet-224")
    assert run_cli("explain", "nosuch.yaml").returncode == 2
    proc = run_cli("explain", "architectures/lenet5.yaml")
    assert proc.returncode == 0 and proc.stdout.count(" (") >= 10


def test_a_layer_with_several_outputs_shows_them_all():
    out = text_of("input: [6, 4, 4]\nlayers:\n  - chunk: {name: halves, chunks: 2}\n"
                  "  - concat: {inputs: [\"halves[1]\", \"halves[0]\"]}\n", "halves")
    assert "6x4x4 -> [3x4x4, 3x4x4]" in out and "2 tensors, 48 + 48 = 96 outputs" in out


def test_a_parameter_has_no_input_and_no_channel_order():
    out = text_of("input: [768, 4]\nlayers:\n  - parameter: {name: token, shape: [1, 1, 768]}\n"
                  "  - expand: {size: [-1, -1]}\n", "token")
    assert "no input -> 1x1x768" in out and "1x1x768 = 768 values, with no batch dimension" in out
    assert "it sees no input" in out


def test_attention_macs_show_the_products_flopcounter_leaves_out():
    out = text_of("input: [197, 768]\nlayers:\n  - multiheadattention: {num_heads: 12, batch_first: true}\n")
    assert ("projections 464,781,312 + QK^T 197*197*768 + AV 197*197*768 = 524,391,936" in out)
    assert 4 * 197 * 768 * 768 == 464_781_312 and 464_781_312 + 2 * 197 * 197 * 768 == 524_391_936
