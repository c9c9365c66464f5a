"""The shipped modern networks against the real models they describe: torchvision's
EfficientNet-B0, MobileNetV3-Large, RegNetY-400MF, ShuffleNetV2 1.0x, ConvNeXt-Tiny and ViT-B/16,
and timm's SE-ResNet-50 (weights never loaded).

For each: layer by layer (tests/oracle/zoo.py's compare: leaf modules in call order with their
shapes, parameters and buffers, loose parameters, totals, and FlopCounterMode's MACs under the
`torch` convention), by value (the spec run in torch with the model's weights gives the
model's output), and the figures torchvision publishes in the weights' metadata: `num_params`,
and `_ops` (GFLOPS, three decimals) equal to the default `macs` convention. ViT's published
figure counts the attention products QK^T and AV, which `macs` counts and FlopCounterMode does
not (16.849 under `torch`)."""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch", reason="torch is not installed: pip install -e '.[oracle]' to run the oracle tests")
torchvision = pytest.importorskip("torchvision", reason="torchvision is not installed: pip install -e '.[oracle]'")

from shapecalc.analysis.check import check_text  # noqa: E402
from shapecalc.analysis.cost import layer_costs, totals  # noqa: E402

from ..conftest import ARCH  # noqa: E402
from .zoo import compare, published, same_values  # noqa: E402

TORCHVISION = ["efficientnet_b0", "mobilenet_v3_large", "regnet_y_400mf", "shufflenet_v2_x1_0", "convnext_tiny",
               "vit_b_16"]
TIMM = {"se_resnet50": "seresnet50"}


def model(name: str):
    if name in TIMM:
        timm = pytest.importorskip("timm", reason="timm is not installed: pip install -e '.[oracle]'")
        return timm.create_model(TIMM[name], pretrained=False)
    return getattr(torchvision.models, name)(weights=None)


@pytest.mark.parametrize("name", [*TORCHVISION, *TIMM])
def test_equals_the_real_model_layer_by_layer(name):
    assert compare(ARCH / f"{name}.yaml", model(name)) == []


@pytest.mark.parametrize("name", [*TORCHVISION, *TIMM])
def test_computes_what_the_real_model_computes(name):
    ours, theirs = same_values(ARCH / f"{name}.yaml", model(name))
    torch.testing.assert_close(ours, theirs, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("name", TORCHVISION)
def test_params_and_gflops_are_the_published_ones(name):
    a = check_text((ARCH / f"{name}.yaml").read_text())
    params, gflops = published(name)
    assert not [d for d in a.diagnostics if d.severity == "error"] and a.complete
    assert a.total_params == params
    assert round(totals(layer_costs(a, "macs")).macs / 1e9, 3) == gflops


def test_se_resnet50_input_and_params_are_timms():
    """timm publishes no GFLOPS in the model: its parameter count and default input size."""
    live = model("se_resnet50")
    a = check_text((ARCH / "se_resnet50.yaml").read_text())
    assert a.total_params == sum(p.numel() for p in live.parameters()) == 28_088_024
    assert a.spec.input_shape == tuple(live.pretrained_cfg["input_size"])


def test_vits_published_figure_counts_the_attention_products():
    """16.849 G under `torch` (FlopCounterMode) + 12 blocks x 2 products x 197^2 x 768."""
    a = check_text((ARCH / "vit_b_16.yaml").read_text())
    macs, under_torch = (totals(layer_costs(a, c)).macs for c in ("macs", "torch"))
    assert macs - under_torch == 12 * 2 * 197 ** 2 * 768
