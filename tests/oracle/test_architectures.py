"""The shipped architectures against torch models written by hand (tests/oracle/reference_models.py):
totals, outputs and block outputs. What needs no torch is in tests/test_architectures.py."""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch", reason="torch is not installed: pip install -e '.[oracle]' to run the oracle tests")

from ..test_architectures import analysis  # noqa: E402
from .reference_models import MODELS, meta_forward, param_count, record_shapes  # noqa: E402

SPEC_FOR = {"vgg16": "vgg16", "resnet18": "resnet18", "resnet50": "resnet50", "googlenet": "googlenet",
            "mobilenet_v2": "mobilenet_v2", "squeezenet1_0": "squeezenet1_0", "unet": "unet",
            "dcgan_generator": "dcgan_generator"}


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
