"""`shapecalc export --to torch` and `shapecalc.torch.build` against torch itself: every shipped
architecture's exported module, run, gives shapecalc's shape at every named submodule, and its
parameters and buffers, per submodule and in total; random valid specs do too. The exported
text's readability and determinism, and the command line, are tested without torch in
tests/test_export.py."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

torch = pytest.importorskip("torch", reason="torch is not installed: pip install -e '.[oracle]' to run the oracle tests")
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from shapecalc.analysis.check import check_file, check_text  # noqa: E402
from shapecalc.torch import build, export_source, module_names  # noqa: E402

from ..conftest import ROOT  # noqa: E402
from .test_arith_property import cuts  # noqa: E402
from .test_reduce_property import reductions  # noqa: E402
from .test_shape_property import layers as shape_layers  # noqa: E402
from .test_shapes_property import layers as window_layers  # noqa: E402
from .test_shapes_property import torch_output  # noqa: E402
from .torch_bridge import counts, run_layers  # noqa: E402

SPECS = sorted(p.relative_to(ROOT).as_posix() for p in (ROOT / "architectures").rglob("*.yaml"))
#: Small enough to run for real, on random numbers, in a moment (the rest run on the meta device,
#: where torch computes every shape and allocates nothing).
REAL = {"architectures/lenet5.yaml", "architectures/lenet5-1998.yaml", "architectures/dcgan_generator.yaml",
        *(s for s in SPECS if "/slides/" in s)}


def run_hooked(model, analysis, device: str):
    """Forward a batch of 2 through the model, recording every named submodule's output shape
    under the spec's layer name."""
    modules = {name: modules for name, modules in model.named_modules()}
    names = module_names(analysis)
    modules = {layer: modules[path] for layer, path in names.items() if path in modules}
    seen: dict[str, tuple[int, ...]] = {}
    hooks = []
    for r in analysis.layers:
        m = modules.get(r.spec.name)
        if m is not None:
            hooks.append(m.register_forward_hook(
                lambda mod, args, out, n=r.spec.name: seen.__setitem__(n, tuple((out[0] if isinstance(out, tuple) else out).shape))))
    x = torch.randn(2, *analysis.spec.input_shape, device=device)
    with torch.no_grad():
        out = model(x)
    for h in hooks:
        h.remove()
    return out, seen, modules


@pytest.mark.parametrize("path", SPECS)
def test_every_architecture_exports_and_builds_with_equal_shapes_params_and_buffers(path):
    a = check_file(str(ROOT / path))
    device = "cpu" if path in REAL else "meta"
    with torch.device(device):
        model = build(a).eval()
    out, seen, modules = run_hooked(model, a, device)
    outputs = out if isinstance(out, tuple) else (out,)
    assert [tuple(o.shape[1:]) for o in outputs] == [tuple(s) for s in a.output_shapes]
    for r in a.layers:
        name = r.spec.name
        if name in seen:
            assert seen[name] == (2, *r.output_shape), r.spec.name
        if name in modules:
            m = modules[name]
            assert (sum(p.numel() for p in m.parameters()), sum(b.numel() for b in m.buffers())) == \
                (r.params, r.buffers), r.spec.name
            assert sum(p.numel() for p in m.parameters() if p.requires_grad) == r.trainable_params, r.spec.name
    held = [r.spec.name for r in a.layers if r.spec.kind.torch(list(r.input_shapes), r.spec.args).holds == "module"
            and r.spec.kind.torch(list(r.input_shapes), r.spec.args).make]
    assert [n for n in held if n not in seen] == []  # every layer with a module was called, and checked
    assert sum(p.numel() for p in model.parameters()) == a.total_params
    assert sum(p.numel() for p in model.parameters() if p.requires_grad) == a.trainable_params
    assert sum(b.numel() for b in model.buffers()) == a.buffers
    # the oracle bridge, which builds each layer by itself, counts the same, layer by layer
    bridge = [counts(module) for module, _ in run_layers(a.spec, device="meta")]
    assert sum(c[0] for c in bridge) == a.total_params and sum(c[2] for c in bridge) == a.buffers
    for r, (params, _, buffers) in zip(a.layers, bridge):
        if r.spec.name in modules:
            m = modules[r.spec.name]
            assert (sum(p.numel() for p in m.parameters()), sum(b.numel() for b in m.buffers())) == \
                (params, buffers), r.spec.name


def test_build_takes_a_path_text_or_analysis_and_they_agree():
    path = ROOT / "architectures" / "lenet5.yaml"
    text = path.read_text()
    models = [build(str(path)), build(path), build(text), build(check_file(str(path)))]
    sizes = {tuple((n, tuple(p.shape)) for n, p in m.named_parameters()) for m in models}
    assert len(sizes) == 1
    assert type(models[0]).__name__ == "Lenet5"


def test_build_runs_the_exported_source_itself(tmp_path):
    """The file `export` writes, imported as a module, is the module `build` gives."""
    path = ROOT / "architectures" / "resnet18.yaml"
    source = export_source(str(path))
    file = tmp_path / "resnet18_export.py"
    file.write_text(source)
    namespace: dict = {}
    exec(compile(file.read_text(), str(file), "exec"), namespace)
    with torch.device("meta"):
        from_file, built = namespace["Resnet18"](), build(str(path))
    assert [(n, p.shape) for n, p in from_file.named_parameters()] == [(n, p.shape) for n, p in built.named_parameters()]


def test_state_dict_names_follow_the_spec():
    """Parameter names are the spec's layer names, as torch names modules (layer2.0.conv1.weight)."""
    with torch.device("meta"):
        names = set(build(str(ROOT / "architectures" / "resnet50.yaml")).state_dict())
    assert {"conv1.weight", "layer2.0.conv1.weight", "layer2.0.downsample.weight", "layer4.2.bn3.running_var",
            "fc.bias"} <= names
    assert "layer2.1.downsample.weight" not in names  # `when: false`: left out


def test_extension_layers_run_as_the_bridge_computes_them():
    """LeNet's connection table and subsampling, Keras SAME (conv, max and average pooling), weight standardisation (timm's
    StdConv2d, on SAME too, and the scaled one of NFNets), the centre crop and a multi-output
    split, run for real: the exported module's values equal the bridge's layer by layer."""
    text = """
input: [6, 14, 14]
layers:
  - conv2d: {name: c3, out_channels: 3, kernel_size: 5, connection_table: [[0, 1, 2], [1, 2, 3, 4], [0, 1, 2, 3, 4, 5]]}
  - subsampling: {name: s4, kernel_size: 2}
  - conv2d: {name: same, out_channels: 4, kernel_size: 3, stride: 2, padding: keras_same}
  - conv2d: {name: std, out_channels: 4, kernel_size: 3, padding: keras_same, weight_standardization: plain}
  - maxpool2d: {name: maxsame, kernel_size: 3, stride: 2, padding: keras_same}
  - avgpool2d: {name: avgsame, kernel_size: 2, stride: 1, padding: keras_same, count_include_pad: false}
  - conv2d: {name: scaled, out_channels: 4, kernel_size: 1, bias: false, weight_standardization: scaled}
  - chunk: {name: halves, chunks: 2}
  - concat: {inputs: ["halves[1]", "halves[0]"]}
  - centercrop: {size: 2}
"""
    a = check_text(text)
    torch.manual_seed(0)
    model = build(text).eval()
    x = torch.randn(2, 6, 14, 14)
    values = {"input": x}
    from .torch_bridge import apply
    with torch.no_grad():
        out = model(x)
        for layer, r in zip(a.spec.layers, a.layers):
            module, y = apply(layer, [values[n] for n in layer.inputs], "cpu")
            if module is not None:  # the same weights as the exported module's, in the same order
                exported = dict(model.named_modules())[layer.name]
                for p, q in zip(module.parameters(), exported.parameters(), strict=True):
                    p.copy_(q)
                y = module(*[values[n] for n in layer.inputs])
            if isinstance(y, tuple):
                values.update((f"{layer.name}[{i}]", t) for i, t in enumerate(y))
            else:
                values[layer.name] = y
    # standardisation's two implementations (mean/var here, F.batch_norm there) round apart
    torch.testing.assert_close(out, values[a.spec.layers[-1].name], rtol=1e-5, atol=1e-5)
    assert tuple(out.shape[1:]) == a.output_shape


@st.composite
def specs(draw):
    """A random valid layer (the shape oracle's generator), once at the top and, in a block used
    twice with different widths, once per use: the block class takes the widths as arguments."""
    input_shape, type_, args = draw(window_layers())
    twice = "out_channels" in args and draw(st.booleans())
    if not twice:
        return f"input: {json.dumps(input_shape)}\nlayers:\n  - {type_}: {json.dumps(args)}\n"
    inner = {**args, "out_channels": "$width"}
    return (f"input: {json.dumps(input_shape)}\nblocks:\n  unit:\n    params: {{width: null}}\n    layers:\n"
            f"      - {type_}: {json.dumps(inner)}\n      - relu\n"
            f"layers:\n  - unit: {{name: one, width: {args['out_channels']}}}\n"
            f"  - unit: {{name: two, width: {args['out_channels'] + 1}}}\n")


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(specs())
def test_random_valid_specs_build_to_shapecalcs_shapes_and_counts(text):
    a = check_text(text)
    errors = {d.code for d in a.diagnostics if d.severity == "error"}
    if errors - {"F001"} or not a.complete:
        return  # torch refuses these too (tests/oracle/test_shapes_property.py): nothing to export
    if len(a.layers) == 1:  # the layer torch builds by itself survives a batch of 2 in training mode
        if torch_output(a.spec, list(a.spec.input_shape)) is None:
            return
    try:
        model = build(text).train()
    except (RuntimeError, ValueError) as err:  # a second use's wider input torch refuses (groups)
        assert len(a.layers) > 1, (text, err)
        return
    out, seen, _ = run_hooked(model, a, "cpu")
    assert tuple(out.shape[1:]) == a.output_shape, text
    assert sum(p.numel() for p in model.parameters()) == a.total_params, text
    assert sum(b.numel() for b in model.buffers()) == a.buffers, text
    for r in a.layers:
        if r.spec.name in seen:
            assert seen[r.spec.name] == (2, *r.output_shape), (text, r.spec.name)


def one_layer(drawn) -> str:
    input_shape, type_, args = drawn
    return f"input: {json.dumps(input_shape)}\nlayers:\n  - {type_}: {json.dumps(args)}\n"


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(shape_layers().map(one_layer), cuts().map(one_layer), reductions(valid_only=True).map(lambda r: r[0])))
def test_random_tensor_methods_build_to_shapecalcs_shapes(text):
    """Shape layers, reductions, split and chunk are expressions in forward (tensor methods,
    indexing, torch functions): the exported code gives shapecalc's shapes, every part of a split."""
    a = check_text(text)
    if any(d.severity == "error" for d in a.diagnostics) or not a.complete:
        return
    out = build(text)(torch.randn(2, *a.spec.input_shape))
    outputs = out if isinstance(out, tuple) else (out,)
    assert [tuple(o.shape[1:]) for o in outputs] == [tuple(x) for x in (a.layers[-1].parts or [a.output_shape])], text


def test_the_readme_lenet5_export_runs():
    """The README's pasted code (tests/test_readme.py checks it is what the tool writes) runs."""
    readme = (ROOT / "README.md").read_text()
    start = readme.index('"""Generated by shapecalc from architectures/lenet5.yaml')
    source = readme[start:readme.index("```", start)]
    namespace: dict = {}
    exec(compile(source, "README", "exec"), namespace)
    out = namespace["Lenet5"]()(torch.randn(2, 1, 32, 32))
    assert tuple(out.shape) == (2, 10)


@pytest.mark.parametrize("path", [p for p in SPECS if Path(p).stem in ("unet", "shufflenet_v2_x1_0", "vit_b_16")])
def test_graphs_with_skips_and_splits_follow_the_spec(path):
    """U-Net's skip tensors are block inputs, ShuffleNet's halves tuples, ViT's class token a
    parameter expanded to the batch: each module's forward follows the spec's graph."""
    source = export_source(str(ROOT / path))
    if "unet" in path:
        assert "def forward(self, x: torch.Tensor, ext0: torch.Tensor)" in source
    if "shufflenet" in path:
        assert "torch.chunk(" in source and "_0, " in source
    if "vit" in path:
        assert ".expand(x.shape[0], " in source and "nn.Parameter(" in source


@pytest.mark.parametrize("path", SPECS)
def test_the_exported_module_traces_back_to_the_spec_layers_in_order(path):
    """The export side of the round trip: torch.fx (what an importer traces with) follows every
    exported module, and sees the spec's layers by their names, in the spec's order."""
    from torch import fx

    a = check_file(str(ROOT / path))
    names = module_names(a)
    with torch.device("meta"):
        model = build(a)
    leaves = set(names.values())

    class SpecLayers(fx.Tracer):
        def is_leaf_module(self, m, qualified_name: str) -> bool:
            return qualified_name in leaves or super().is_leaf_module(m, qualified_name)

    graph = SpecLayers().trace(model)
    called = [n.target for n in graph.nodes if n.op == "call_module"]
    held = dict(model.named_modules())
    assert called == [names[r.spec.name] for r in a.layers if names[r.spec.name] in held]
