"""The shipped architectures against torch models written by hand (tests/reference_models.py),
and LeNet-5 (1998) against the paper's own table."""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch", reason="torch is not installed: pip install -e '.[oracle]' to run the oracle tests")

from shapecalc.calc import check_text  # noqa: E402

from .conftest import ARCH  # noqa: E402
from .reference_models import MODELS, meta_forward, param_count, record_shapes  # noqa: E402

SPEC_FOR = {"vgg16": "vgg16", "resnet18": "resnet18", "resnet50": "resnet50", "googlenet": "googlenet",
            "mobilenet_v2": "mobilenet_v2", "squeezenet1_0": "squeezenet1_0", "unet": "unet",
            "dcgan_generator": "dcgan_generator"}


def analysis(name: str):
    a = check_text((ARCH / f"{name}.yaml").read_text(), name)
    assert [d for d in a.diagnostics if d.severity == "error"] == []
    return a


@pytest.mark.parametrize("name", sorted(SPEC_FOR))
def test_totals_and_output_equal_the_hand_written_model(name):
    factory, input_shape, expected_params, expected_output = MODELS[name]
    a = analysis(SPEC_FOR[name])
    model = factory()
    if name == "squeezenet1_0":
        input_shape = (3, 227, 227)  # the spec uses the paper's input, on which conv1 fits
    if name == "dcgan_generator":  # torch takes the noise as (100, 1, 1); the spec unflattens a vector
        assert a.layers[0].output_shape == tuple(input_shape)
    else:
        assert a.spec.input_shape == tuple(input_shape)
    assert a.total_params == param_count(model) == expected_params
    assert a.output_shape == tuple(meta_forward(model, input_shape).shape[1:]) == tuple(expected_output)
    assert a.buffers == sum(b.numel() for b in model.buffers())


@pytest.mark.parametrize(("name", "pairs"), [
    ("resnet50", {"layer1": "layer1", "layer2": "layer2", "layer3": "layer3", "layer4": "layer4", "maxpool": "maxpool"}),
    ("googlenet", {"inception3a": "inception3a", "inception4e": "inception4e", "maxpool4": "maxpool4"}),
    ("unet", {"enc1": "encoder.0", "bottom": "bottleneck", "dec4": "decoder.0", "dec1": "decoder.3"}),
])
def test_block_outputs_equal_the_hand_written_model(name, pairs):
    """Block outputs (not only totals): a wrong stride inside a block would show here."""
    factory, input_shape, _, _ = MODELS[name]
    a = analysis(name)
    ours = {b.name: b.output for b in a.spec.blocks}
    shapes = {r.spec.name: r.output_shape for r in a.layers}
    theirs = dict(record_shapes(factory(), input_shape, list(pairs.values())))
    for spec_name, torch_name in pairs.items():
        layer = ours.get(spec_name, spec_name)
        assert shapes[layer] == tuple(theirs[torch_name]), spec_name


def test_resnet50_is_short_and_shows_its_blocks():
    text = (ARCH / "resnet50.yaml").read_text()
    assert len(text.splitlines()) < 50
    a = analysis("resnet50")
    groups = {b.name: b for b in a.spec.blocks if b.repeat > 1}
    assert {name: b.repeat for name, b in groups.items()} == {"layer1": 3, "layer2": 4, "layer3": 6, "layer4": 3}
    assert "layer3.5.conv2" in {r.spec.name for r in a.layers}


PAPER = {  # LeCun et al. 1998: parameters / connections per layer
    "C1": (156, 122_304), "S2": (12, 5_880), "C3": (1_516, 151_600), "S4": (32, 2_000),
    "C5": (48_120, 48_120), "F6": (10_164, 10_164),
}


def test_lenet5_1998_reproduces_the_paper():
    a = analysis("lenet5-1998")
    rows = {r.spec.name: r for r in a.layers}
    assert {name: (rows[name].params, rows[name].connections) for name in PAPER} == PAPER
    assert a.connections == 340_908
    assert a.trainable_params == 60_000  # "about 60,000 trainable parameters"; the RBF weights are fixed
    assert rows["C3"].params != 2_416  # the common mistake: C3 fully connected


def test_lenet5_1998_connections_column(run_cli):
    out = run_cli("check", "--connections", "architectures/lenet5-1998.yaml").stdout
    assert "connections: 340,908" in out and "151,600" in out
