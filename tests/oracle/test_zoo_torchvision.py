"""The torchvision zoo is the test of the import: every classification model of torchvision.

For each of `torchvision.models.list_models(module=torchvision.models)` (80 in torchvision 0.29.1),
built with `weights=None` and imported at its own input size (the crop of its DEFAULT weights'
transforms; a ViT's constructor fixes its `image_size`, which wins: vit_h_14 without weights is a
224 model, though its DEFAULT weights crop 518):

- every node's output shape, the total parameters and buffers equal torch's, and parameters of
  submodules the forward never calls (the auxiliary heads in eval mode) are reported by the import;
- check finds no error, except F001 where real input is never read (SqueezeNet at 224);
- under the `torch` convention the MACs equal torch.utils.flop_counter.FlopCounterMode's count
  of the same model, halved (FlopCounterMode counts 2 FLOPs per multiply-accumulate);
- the parameters and GFLOPS equal what torchvision publishes in the metadata of the weights made
  at that size (`num_params`, `_ops`: GMACs to three decimals, torchvision's own dispatch-mode
  count, pytorch/vision#6936); the folded spec (blocks) has the flat one's totals.

Shapes only: models are built and traced on the meta device (nothing allocated, nothing computed)
except where torchvision's constructor cannot run there. FlopCounterMode runs on the CPU for a
model with attention: shapecalc's `torch` convention is the CPU's, where the fused attention
kernel has no flop formula (layers/attention.py); on the meta device the math path runs and counts
QK^T and AV too.
"""

from __future__ import annotations

import warnings
from functools import cache

import pytest

torch = pytest.importorskip("torch", reason="torch is not installed: pip install -e '.[oracle]' to run the zoo")
torchvision = pytest.importorskip("torchvision", reason="torchvision is not installed: pip install -e '.[oracle]'")

from shapecalc.analysis.check import check_text  # noqa: E402
from shapecalc.analysis.cost import layer_costs, totals  # noqa: E402
from shapecalc.torch.fold import fold  # noqa: E402
from shapecalc.torch.importer import import_model  # noqa: E402

from .zoo import flop_counter_macs, torchvision_model, torchvision_size  # noqa: E402

MODELS = torchvision.models.list_models(module=torchvision.models)

#: Models whose last row and column of real input no stride reads (F001), as torch also drops them.
UNREAD = {"squeezenet1_0", "squeezenet1_1"}

#: torchvision publishes Inception-v3's parameters with its auxiliary head, which an eval-mode
#: forward never runs (googlenet's are published without theirs: the weights' builder drops them).
PUBLISHED_WITH_UNUSED = {"inception_v3"}


def test_the_zoo_is_torchvisions_eighty_models():
    assert len(MODELS) == 80


@cache
def imported(name: str):
    """(model, size, Imported, Analysis of the flat spec); one build and import per model for all
    the tests below."""
    model = torchvision_model(name)
    size = torchvision_size(name, model)
    result = import_model(model, (3, size, size), name)
    analysis = None if result.unmapped else check_text(result.yaml(), name)
    return model, size, result, analysis


def counted(name: str, model):
    """The model FlopCounterMode measures: the meta one, but a CPU build of a model with attention."""
    if not any(isinstance(m, torch.nn.MultiheadAttention) for m in model.modules()):
        return model
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return torchvision.models.get_model(name, weights=None).eval()


@pytest.mark.parametrize("name", MODELS)
def test_import_maps_every_node(name):
    _, _, result, _ = imported(name)
    assert result.unmapped == []


@pytest.mark.parametrize("name", MODELS)
def test_every_node_params_and_buffers_are_torchs(name):
    model, _, result, analysis = imported(name)
    assert len(result.shapes) == len(analysis.layers)
    wrong = {n: (analysis.layer(n).output_shape, s) for n, s in result.shapes.items() if analysis.layer(n).output_shape != s}
    assert wrong == {}
    assert analysis.total_params + sum(n for _, n, _ in result.unused) == sum(p.numel() for p in model.parameters())
    assert analysis.buffers + sum(b for _, _, b in result.unused) == sum(b.numel() for b in model.buffers())
    assert bool(result.unused) == (name in {"googlenet", "inception_v3"})
    errors = sorted({d.code for d in analysis.diagnostics if d.code[0] in "FGSY"})
    assert errors == (["F001"] if name in UNREAD else [])


@pytest.mark.parametrize("name", MODELS)
def test_macs_under_the_torch_convention_are_flop_counter_modes(name):
    model, size, _, analysis = imported(name)
    assert totals(layer_costs(analysis, "torch")).macs == flop_counter_macs(counted(name, model), (3, size, size))


@pytest.mark.parametrize("name", MODELS)
def test_params_and_gflops_are_torchvisions_published_figures(name):
    _, size, result, analysis = imported(name)
    weights = [w for w in torchvision.models.get_model_weights(name) if w.transforms().crop_size[0] == size]
    assert weights, f"no published weights of {name} at {size}"
    meta = weights[0].meta
    unused = sum(n for _, n, _ in result.unused) if name in PUBLISHED_WITH_UNUSED else 0
    assert analysis.total_params + unused == meta["num_params"]
    assert round(totals(layer_costs(analysis, "macs")).macs / 1e9, 3) == meta["_ops"]


@pytest.mark.parametrize("name", MODELS)
def test_the_folded_spec_has_the_flat_ones_totals(name):
    _, _, result, analysis = imported(name)
    folded = check_text(fold(result).yaml(), name)
    assert [d.code for d in folded.diagnostics if d.code[0] in "FGSY"] == [d.code for d in analysis.diagnostics if d.code[0] in "FGSY"]
    assert (folded.total_params, folded.buffers) == (analysis.total_params, analysis.buffers)
    assert totals(layer_costs(folded, "torch")).macs == totals(layer_costs(analysis, "torch")).macs
    assert len(folded.layers) == len(analysis.layers)


def test_the_spec_says_what_the_forward_never_calls():
    _, _, result, analysis = imported("inception_v3")
    assert [name for name, _, _ in result.unused] == ["AuxLogits"]
    _, params, buffers = result.unused[0]
    assert analysis.total_params + params == 27_161_264  # torchvision's published figure, with the head
    assert f"# never called in the traced forward: AuxLogits ({params:,} parameters, {buffers:,} buffer elements" in result.yaml()


def test_the_command_says_it_on_stderr_too(capsys):
    from shapecalc.commands.imports import import_

    assert import_("torchvision.models:googlenet", "3,224,224", None, False) == 0
    err = capsys.readouterr().err
    model = torchvision.models.googlenet(weights=None, init_weights=False)
    for head in ("aux1", "aux2"):
        params = sum(p.numel() for p in getattr(model, head).parameters())
        assert f"note: never called in the traced forward: {head} ({params:,} parameters" in err


def test_the_readme_states_the_count():
    from ..conftest import ROOT

    assert f"**All {len(MODELS)} import with no unmapped node**" in (ROOT / "README.md").read_text()
