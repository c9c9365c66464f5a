"""What "the stride does not fit" means: real input left unread, beyond what the stride skips anyway."""

from __future__ import annotations

import pytest

from shapecalc.analysis.check import check_text
from shapecalc.analysis.explain import explain
from shapecalc.render.explain import render_text
from shapecalc.layers.window import WindowDim


def codes(input_shape, layer):
    a = check_text(f"input: {input_shape}\nlayers:\n  - {layer}\n")
    return [d.code for d in a.diagnostics], a


@pytest.mark.parametrize(
    ("n", "k", "s", "p", "d", "ceil", "out", "unread", "misfit"),
    [
        (7, 3, 3, 0, 1, False, 2, 1, True),  # the slides' example
        (224, 11, 4, 0, 1, False, 54, 1, True),  # AlexNet on the paper's input
        (227, 11, 4, 0, 1, False, 55, 0, False),
        (224, 7, 2, 3, 1, False, 112, 0, False),  # ResNet stem: 112.5, only padding dropped
        (56, 1, 2, 0, 1, False, 28, 1, False),  # 1x1 stride-2 shortcut: skips every other row by design
        (57, 1, 2, 0, 1, False, 29, 0, False),
        (10, 2, 4, 0, 1, False, 3, 0, False),  # windows 0-1, 4-5, 8-9
        (11, 2, 4, 0, 1, False, 3, 1, False),  # column 11 falls in a gap of 2: no news
        (13, 2, 4, 0, 1, False, 3, 3, True),  # three unread after the last window, gap is 2
        (55, 3, 2, 0, 1, True, 27, 0, False),
        (54, 3, 2, 0, 1, True, 27, 0, False),  # ceil_mode reads the last row
        (54, 3, 2, 0, 1, False, 26, 1, True),
        (10, 3, 1, 0, 2, False, 6, 0, False),  # dilation: effective kernel 5
        (11, 3, 2, 0, 2, False, 4, 0, False),
        (12, 3, 2, 0, 2, False, 4, 1, True),
    ],
)
def test_window_verdicts(n, k, s, p, d, ceil, out, unread, misfit):
    w = WindowDim(n, k, s, p, p, d, ceil)
    assert (w.out, w.unread_tail, w.misfit) == (out, unread, misfit)


def test_resnet_stem_is_clean_with_a_note():
    found, a = codes([3, 224, 224], "conv2d: {out_channels: 64, kernel_size: 7, stride: 2, padding: 3}")
    assert found == []
    assert a.output_shape == (64, 112, 112)
    assert a.layers[0].notes == [
        "(224 + 2*3 - 7)/2 + 1 = 112.5 -> 112: the remainder drops only padding, no real input is lost"]


def test_strided_1x1_shortcut_is_clean():
    found, a = codes([256, 56, 56], "conv2d: {out_channels: 512, kernel_size: 1, stride: 2, bias: false}")
    assert found == [] and a.output_shape == (512, 28, 28)


def test_non_square_misfit_names_only_the_bad_dimension():
    found, a = codes([1, 7, 8], "conv2d: {out_channels: 1, kernel_size: 3, stride: [2, 3]}")
    assert found == ["F001"]
    (d,) = a.diagnostics
    assert d.message == "conv2d_1: stride does not fit: W: (8 - 3)/3 + 1 = 2.67 -> 2, input columns 7-8 are never read"


def test_misfit_points_at_the_stride():
    a = check_text("input: [1, 7, 7]\nlayers:\n  - conv2d:\n      out_channels: 1\n      kernel_size: 3\n      stride: 3\n")
    (d,) = a.diagnostics
    assert (d.line, d.column) == (6, 15)


def test_misfit_without_stride_points_at_layer():
    # a pooling window whose default stride (the kernel) leaves the last column
    a = check_text("input: [1, 7, 7]\nlayers:\n  - maxpool2d: {kernel_size: 2}\n")
    (d,) = a.diagnostics
    assert (d.code, d.line, d.column) == ("F001", 3, 5)
    assert "input row 7 and column 7 are never read" in d.message


def test_one_error_does_not_hide_the_rest():
    a = check_text(
        "input: [1, 7, 7]\nlayers:\n"
        "  - conv2d: {out_channels: 4, kernel_size: 3, stride: 3}\n"
        "  - conv2d: {out_channels: 4, kernel_size: 2, stride: 1}\n"
        "  - conv2d: {out_channels: 4, kernel_size: 5}\n"
    )
    assert [d.code for d in a.diagnostics] == ["F001", "F002"]
    assert [r.output_shape for r in a.layers] == [(4, 2, 2), (4, 1, 1), None]


# --- explicit zero padding counts as padding ------------------------------------------------------

def explain_text(text: str) -> str:
    a = check_text(text)
    return render_text(a, explain(a))


def _codes(text):
    a = check_text(text)
    return [d.code for d in a.diagnostics], a


def test_zero_padding_layer_then_pool_is_padding_not_lost_input():
    """timm's ResNetV2 stem: ConstantPad2d(1) then a 3x3/2 max pool on 112. Row 114 is a zero the
    pad added; the same arithmetic as `padding: 1` on the pool, which only gets a note."""
    codes, a = _codes("input: [64, 112, 112]\nlayers:\n  - zeropad2d: {padding: 1}\n"
                      "  - maxpool2d: {kernel_size: 3, stride: 2}\n")
    assert codes == [] and a.layers[1].output_shape == (64, 56, 56)
    assert any("zero padding zeropad2d_1 added" in n for n in a.layers[1].notes)
    explained = explain_text("input: [64, 112, 112]\nlayers:\n  - zeropad2d: {padding: 1}\n"
                             "  - maxpool2d: {kernel_size: 3, stride: 2}\n")
    assert "no real input is lost" in explained and "(F001)" not in explained


@pytest.mark.parametrize(("padding", "codes"), [
    ([1, 0, 1, 0], ["F001"]),      # zeros only before: the unread row and column are real input
    ([0, 1, 0, 1], []),            # zeros only after: what is unread is padding
    ([0, 1, 1, 0], ["F001"]),      # the width's unread column is a zero, the height's last row is real
])
def test_only_zeros_after_the_input_excuse_an_unread_tail(padding, codes):
    found, _ = _codes(f"input: [2, 111, 111]\nlayers:\n  - zeropad2d: {{padding: {padding}}}\n"
                      "  - maxpool2d: {kernel_size: 3, stride: 2}\n")
    assert found == codes


def test_zeros_of_two_pads_add_up_and_other_layers_reset_them():
    """k 3, s 4 on 10 positions: windows 0-2 and 4-6, so 7-9 are unread, one more than the gap
    of 1 the stride leaves between windows anyway; it is no misfit only when 2 of them are zeros."""
    conv = "  - conv2d: {out_channels: 2, kernel_size: 3, stride: 4}\n"
    pad = "  - zeropad2d: {padding: [0, 1, 0, 1]}\n"
    assert _codes("input: [2, 8, 8]\nlayers:\n" + pad + pad + conv)[0] == []
    assert _codes("input: [2, 9, 9]\nlayers:\n" + pad + conv)[0] == ["F001"]
    assert _codes("input: [2, 8, 8]\nlayers:\n  - zeropad2d: {padding: [0, 2, 0, 2]}\n  - relu\n" + conv)[0] == ["F001"]


def test_concat_of_one_input_is_that_input():
    """torch.cat of a one-tensor list (DenseNet's first dense layer) is accepted by torch."""
    codes, a = _codes("input: [3, 4, 4]\nlayers:\n  - concat: {inputs: [input]}\n")
    assert codes == [] and a.layers[0].output_shape == (3, 4, 4) and "single input" in a.layers[0].notes[0]
