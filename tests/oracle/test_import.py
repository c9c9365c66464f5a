"""`shapecalc import` and `shapecalc.summary` against torch itself.

- torchvision models, imported then checked: every layer's shape is the one torch computed for
  its node, and the totals of parameters and buffers are torch's;
- every shipped architecture, exported (shapecalc.torch.export_source), run, imported: the same
  layers, arguments and graph as the spec it came from (the round trip), as check expands them;
- each bad input of the command: one message, exit code 2 (1 for unmapped nodes), no traceback.
"""

from __future__ import annotations

import sys
import textwrap
import warnings

import pytest

torch = pytest.importorskip("torch", reason="torch is not installed: pip install -e '.[oracle]' to run the oracle tests")
torchvision = pytest.importorskip("torchvision", reason="torchvision is not installed: pip install -e '.[oracle]'")

from shapecalc.analysis.check import check_file, check_text  # noqa: E402
from shapecalc.torch import export_source, network_class  # noqa: E402
from shapecalc.torch.importer import EXPORTED, Imported, ImportFailure, import_model, register  # noqa: E402

from ..conftest import ROOT  # noqa: E402

#: Folded here; every torchvision model's flat import is checked node by node in test_zoo_torchvision.
TORCHVISION = ["resnet18", "resnet50", "vgg16", "alexnet", "mobilenet_v2", "squeezenet1_0"]
SPECS = sorted(p.relative_to(ROOT).as_posix() for p in (ROOT / "architectures").glob("*.yaml"))


def checked(imported: Imported):
    analysis = check_text(imported.yaml(), imported.document["name"])
    errors = [d for d in analysis.diagnostics if d.code[0] in "FGSY" and d.code != "F001"]
    assert errors == []
    return analysis


def built(name: str):
    """A torchvision model on the meta device: shapes only, nothing computed, nothing allocated."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with torch.device("meta"):
            return torchvision.models.get_model(name, weights=None)


@pytest.mark.parametrize("name", TORCHVISION)
def test_folded_import_gives_the_same_network_in_blocks(name):
    from shapecalc.torch.fold import fold

    flat = import_model(built(name), (3, 224, 224), name)
    folded = fold(flat)
    analysis = checked(folded)
    assert len(folded.shapes) == len(analysis.layers) == len(flat.shapes)
    for layer, shape in folded.shapes.items():
        assert analysis.layer(layer).output_shape == shape, layer
    assert (analysis.total_params, analysis.buffers) == (folded.params, folded.buffers)
    if name == "resnet50":  # the measure: under 100 lines, one bottleneck block
        assert folded.yaml().count("\n") < 100
        assert list(folded.document["blocks"]) == ["bottleneck"]
        uses = [body for layer in folded.document["layers"] for t, body in layer.items() if t == "bottleneck"]
        assert len(uses) == 16 and sum(1 for body in uses if body.get("downsample")) == 4



def test_units_of_a_sequential_fold_though_fx_names_them_from_digits():
    """fx names the module `0.conv` `_0_conv`: the local name is `conv` all the same, so the
    units of an nn.Sequential are one block. (That the values `True` and `1` stay apart when
    folding is held by the zoo test: MobileNet-V3's folded spec once read `inplace: 1`.)"""
    from shapecalc.torch.fold import fold

    class Unit(torch.nn.Module):
        def __init__(self, k):
            super().__init__()
            self.conv = torch.nn.Conv2d(4, 4, k, padding=k // 2)
            self.act = torch.nn.ReLU(inplace=True)

        def forward(self, x):
            return self.act(self.conv(x))

    flat = import_model(torch.nn.Sequential(torch.nn.Conv2d(4, 4, 1), Unit(1), Unit(3), Unit(1)), (4, 8, 8), "units")
    folded = fold(flat)
    assert list(folded.document["blocks"]) == ["unit"]
    assert [next(iter(layer)) for layer in folded.document["layers"]] == ["conv2d", "unit", "unit", "unit"]
    assert checked(folded).total_params == flat.params


def layer_graph(analysis):
    """The expanded spec as (type, validated arguments, inputs as positions, output shape); a
    pooling's stride left to its default and one written equal to the kernel are one value, as
    torch stores both."""
    position = {r.spec.name: i for i, r in enumerate(analysis.layers)}
    position["input"] = -1
    out = []
    for r in analysis.layers:
        inputs = []
        for ref in r.spec.inputs:
            base, _, part = ref.partition("[")
            inputs.append((position[base], part))
        args = dict(r.spec.args)
        if "kernel_size" in args and args.get("stride", 0) is None:  # pooling's default: torch stores it
            args["stride"] = args["kernel_size"]
        out.append((r.spec.type, args, inputs, r.output_shape, r.spec.trainable))
    return out


def round_trip(original) -> None:
    """Export, run the source as shapecalc.torch.build does, import: the spec comes back."""
    source = export_source(original)
    namespace: dict = {"__name__": EXPORTED}
    exec(compile(source, f"<export of {original.spec.name}>", "exec"), namespace)
    with torch.device("meta"):
        model = namespace[network_class(source)]()
    imported = import_model(model, original.spec.input_shape)
    assert imported.unmapped == []
    back = checked(imported)
    assert layer_graph(back) == layer_graph(original)
    assert (back.total_params, back.buffers) == (original.total_params, original.buffers)


@pytest.mark.parametrize("path", SPECS)
def test_export_then_import_gives_the_spec_back(path):
    round_trip(check_file(str(ROOT / path)))


def test_the_exports_own_convolution_classes_come_back_in_1d_and_2d():
    """SparseConv{n}d (a connection table) and KerasSameConv{n}d, alone and nested, and the
    SAME pools (KerasSameMaxPool{n}d, KerasSameAvgPool{n}d)."""
    round_trip(check_text(textwrap.dedent("""
        name: own
        input: [4, 15, 15]
        layers:
          - conv2d: {name: a, out_channels: 4, kernel_size: 3, stride: 2, padding: keras_same}
          - conv2d: {name: b, out_channels: 2, kernel_size: 3, stride: 2, padding: keras_same,
                     connection_table: [[0, 1], [2, 3]], trainable: false}
          - flatten: {start_dim: 2}
          - conv1d: {name: c, out_channels: 3, kernel_size: 2, connection_table: [[0], [1], [0, 1]]}
          - maxpool1d: {name: m, kernel_size: 3, stride: 2, padding: keras_same}
          - avgpool1d: {name: v, kernel_size: 2, padding: keras_same, count_include_pad: false}
    """), "own"))


def with_conv(forward):
    """A module of one 1x1 convolution, `self.conv`, and the given forward."""
    class Net(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.conv = torch.nn.Conv2d(3, 3, 1)

    Net.forward = forward
    return Net()


def test_an_unmapped_function_is_listed_with_where_it_is():
    imported = import_model(with_conv(lambda self, x: torch.erf(self.conv(x)).relu()), (3, 8, 8))
    assert [(u.what, u.where) for u in imported.unmapped] == [("torch.erf", "erf")]


def test_a_registered_module_is_a_leaf_mapped_by_its_function():
    class ConvBN(torch.nn.Module):  # a fused block the user knows to be a convolution
        def __init__(self):
            super().__init__()
            self.weight = torch.nn.Parameter(torch.zeros(8, 3, 3, 3))

        def forward(self, x):
            return torch.nn.functional.conv2d(x, self.weight, padding=1)

    class Net(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.block = ConvBN()

        def forward(self, x):
            return self.block(x)

    register(ConvBN, lambda m: ("conv2d", {"out_channels": m.weight.shape[0], "kernel_size": 3, "padding": 1,
                                           "bias": False}))
    imported = import_model(Net(), (3, 8, 8))
    assert imported.unmapped == []
    assert imported.document["layers"] == [{"conv2d": {"name": "block", "out_channels": 8, "kernel_size": 3,
                                                       "padding": 1, "bias": False}}]
    assert checked(imported).total_params == imported.params == 216


def test_the_trace_computes_nothing_and_leaves_the_model_as_it_was(monkeypatch):
    model = with_conv(lambda self, x: self.conv(x).relu())
    before = model.conv.weight.detach().clone()
    seen = []
    real = torch.nn.functional.conv2d
    monkeypatch.setattr(torch.nn.functional, "conv2d", lambda x, w, *a: seen.append((x.device.type, w.device.type)) or real(x, w, *a))
    assert import_model(model, (3, 8, 8)).unmapped == []
    assert seen == [("meta", "meta")]  # the convolution ran on shapes only
    assert model.conv.weight.device.type == "cpu" and torch.equal(model.conv.weight, before)


def test_a_forward_that_needs_real_values_is_traced_on_the_models_device():
    # `.item()` has no value on the meta device: the trace runs the forward on the CPU instead
    imported = import_model(with_conv(lambda self, x: self.conv(x) + x.mean().item()), (3, 4, 4))
    assert imported.shapes["conv"] == (3, 4, 4)



def test_the_factorys_file_can_register_its_own_modules(tmp_path, capsys):
    """The command's extension point: the file (or package) that holds the factory is imported
    first, so a `register` call in it maps its modules before the trace."""
    from shapecalc.commands.imports import import_
    from shapecalc.torch.importer import MAPPERS

    (tmp_path / "mine.py").write_text(textwrap.dedent('''
        import torch
        import shapecalc.torch

        class MyGelu(torch.nn.Module):  # GELU written out: torch.erf has no layer type
            def forward(self, x):
                return x * 0.5 * (1 + torch.erf(x / 2 ** 0.5))

        shapecalc.torch.register(MyGelu, lambda m: ("gelu", {}))

        def net():
            return torch.nn.Sequential(torch.nn.Conv2d(3, 4, 1), MyGelu())
    '''))
    try:
        assert import_(f"{tmp_path / 'mine.py'}:net", "3,8,8", None, True) == 0
    finally:
        for cls in [c for c in MAPPERS if c.__name__ == "MyGelu"]:
            del MAPPERS[cls]
    assert "- gelu: {name: _1}" in capsys.readouterr().out



def test_unbinding_from_in_front_of_the_batch_is_a_select_then_a_permute_each():
    """timm's attention: `qkv.reshape(B, N, 3, h, d).permute(2, 0, 3, 1, 4).unbind(0)`."""
    def forward(self, x):
        q, k, v = self.conv(x).flatten(2).transpose(1, 2).reshape(x.shape[0], 16, 3, 1, 1).permute(2, 0, 3, 1, 4).unbind(0)
        return q @ k.transpose(-2, -1) @ v

    imported = import_model(with_conv(forward), (3, 4, 4))
    assert imported.unmapped == []
    analysis = checked(imported)
    assert {layer: analysis.layer(layer).output_shape for layer in imported.shapes} == imported.shapes
    assert [t for layer in imported.document["layers"] for t in layer][4:10] == ["select", "permute"] * 3


def test_a_shared_module_with_parameters_is_not_counted_twice():
    twice = with_conv(lambda self, x: self.conv(self.conv(x)))
    assert [u.where for u in import_model(twice, (3, 4, 4)).unmapped] == ["conv"]


def test_summary_prints_checks_table_and_has_the_json_and_diagnostics():
    import shapecalc

    s = shapecalc.summary(torchvision.models.alexnet(), input_size=(3, 224, 224))
    text = str(s)
    assert "features_0" in text and "61,100,840" in text
    assert s.json["total_params"] == 61_100_840
    assert s.diagnostics == []



def test_summary_takes_torchinfos_batched_size_for_images_and_volumes():
    import shapecalc

    model = torchvision.models.resnet18()
    plain, batched = shapecalc.summary(model, (3, 64, 64)), shapecalc.summary(model, (8, 3, 64, 64))
    assert batched.json["layers"][0]["output_shape"] == plain.json["layers"][0]["output_shape"] == [64, 32, 32]
    assert batched.options.batch == 8 and plain.options.batch == 1
    video = torch.nn.Sequential(torch.nn.Conv3d(3, 4, 3))
    assert shapecalc.summary(video, (2, 3, 5, 6, 7)).json["output_shape"] == [4, 3, 4, 5]
    assert shapecalc.summary(torch.nn.Sequential(torch.nn.Conv1d(12, 4, 3)), (12, 100)).json["output_shape"] == [4, 98]


def readme_block(after: str, fence: str) -> str:
    text = (ROOT / "README.md").read_text()
    return text.split(after, 1)[1].split(f"```{fence}\n", 1)[1].split("```", 1)[0]


def test_the_readmes_resnet50_import_is_what_the_command_writes(capsys):
    from shapecalc.commands.imports import import_

    assert import_("torchvision.models:resnet50", "3,224,224", None, False) == 0
    pasted = readme_block("`shapecalc import torchvision.models:resnet50 --input 3,224,224`", "yaml")
    assert capsys.readouterr().out == pasted


def test_the_readmes_summary_lines_are_real():
    import shapecalc

    pasted = readme_block("`shapecalc.summary(model, input_size=(3, 224, 224))` does", "python")
    command, result = [line.removeprefix(">>> ") for line in pasted.strip().splitlines()[1:]]
    s = shapecalc.summary(torchvision.models.resnet18(), input_size=(3, 224, 224))
    assert repr(eval(command, {"s": s})) == result

BAD = textwrap.dedent('''
    import torch
    from torch import nn
    def raises():
        raise RuntimeError("boom")
    def not_a_module():
        return 42
    class Two(nn.Module):
        def forward(self, x, y):
            return x + y
    def two():
        return Two()
    class Branchy(nn.Module):
        def forward(self, x):
            return x if x.sum() > 0 else -x
    def branchy():
        return Branchy()
    class Keyed(nn.Module):
        def forward(self, batch):
            return batch["image"] * 2
    def keyed():
        return Keyed()
    class Odd(nn.Module):
        def forward(self, x):
            return torch.erf(x)
    def odd():
        return Odd()
''')


@pytest.mark.parametrize("factory, code, message", [
    ("no_such_package.models:net", 2, "cannot import it: ModuleNotFoundError"),
    ("{file}:missing", 2, "has no attribute 'missing'"),
    ("{file}:raises", 2, "calling raises() raised RuntimeError: boom"),
    ("{file}:not_a_module", 2, "not an nn.Module"),
    ("{file}:two", 2, "takes 2 required inputs"),
    ("{file}:branchy", 2, "cannot trace Branchy"),
    ("{weights}", 2, "is a weights file"),
    ("{file}:odd", 1, "unmapped: erf: torch.erf"),
    ("{file}:keyed", 2, "a model that takes a dict, a tuple or several tensors needs a wrapper module"),
    ("resnet50", 2, "expected FACTORY as package.module:callable"),
])
def test_bad_input_gets_one_message_and_its_exit_code(tmp_path, capsys, factory, code, message):
    from shapecalc.commands.imports import import_

    (tmp_path / "models.py").write_text(BAD)
    (tmp_path / "weights.pth").write_bytes(b"\x80\x02")
    factory = factory.format(file=tmp_path / "models.py", weights=tmp_path / "weights.pth")
    out = tmp_path / "out.yaml"
    assert import_(factory, "3,8,8", out, flat=True) == code
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err
    assert code == 1 or len(err.strip().splitlines()) == 1, err  # one line: no warning beside it
    assert not out.exists()



@pytest.mark.parametrize("size, message", [
    ("3,a,8", "expected a whole number, found 'a'"),
    ("3,0,8", "expected at least 1, found 0"),
    ("3," + "9" * 5000, "at most 18 digits"),
    ("", "expected a whole number, found ''"),
])
def test_a_bad_input_size_is_one_line_before_anything_is_traced(tmp_path, capsys, size, message):
    from shapecalc.commands.imports import import_

    (tmp_path / "models.py").write_text(BAD)
    assert import_(f"{tmp_path / 'models.py'}:odd", size, None, flat=True) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: --input: expected sizes like 3,224,224") and message in err
    assert len(err.strip().splitlines()) == 1 and len(err) < 300

def test_torch_missing_says_how_to_install(monkeypatch, capsys):
    from shapecalc.commands.imports import import_

    monkeypatch.setitem(sys.modules, "torch", None)
    assert import_("torchvision.models:resnet18", "3,224,224", None, flat=True) == 2
    assert "pip install 'shapecalc[torch]'" in capsys.readouterr().err


def test_import_failure_is_an_exception_of_its_own():
    with pytest.raises(ImportFailure, match="is a str, not a callable returning an nn.Module"):
        from shapecalc.torch.importer import load_factory
        load_factory("shapecalc:__version__")
