"""Comparing a shipped spec with the real model it describes (torchvision's or timm's), for the
oracle tests only.

The model is run once with hooks on every module; a module is a *leaf* when none of its
submodules ran during its call (so nn.MultiheadAttention, which uses its out_proj's weights
without calling it, is one leaf). The leaves, in the order they ran, must be the spec's layers
of the same types, one for one: the same type (the lower-cased class name), output shape,
parameters and buffers. What models do with functions (x + y, x * scale, torch.flatten) has no
module; those layers are checked through the shapes of the layers after them and the network's
output. Parameters a model holds outside any leaf (layer scale, class token, position
embedding) must be the spec's `parameter` layers, shape for shape.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import torch
from torch import nn

from shapecalc.analysis.check import check_text
from shapecalc.analysis.cost import layer_costs, totals

from .torch_bridge import batch, call, make, store

#: torch classes whose spec type is written differently: stochastic depth is an identity in eval.
SPEC_TYPE = {"stochasticdepth": "identity", "droppath": "identity", "nondynamicallyquantizablelinear": "linear"}


@dataclass(frozen=True)
class Leaf:
    name: str
    type: str
    shape: tuple[int, ...]
    params: int
    buffers: int


def torch_leaves(model: nn.Module, input_shape: tuple[int, ...]) -> tuple[list[Leaf], tuple[int, ...]]:
    """Every leaf module's call, in order, and the model's output shape (batch 1, no batch)."""
    names = {m: n for n, m in model.named_modules()}
    stack: list[list] = []  # [module, any child ran]
    leaves: list[Leaf] = []

    def before(module, args):
        if stack:
            stack[-1][1] = True
        stack.append([module, False])

    def after(module, args, out):
        _, had_children = stack.pop()
        if not had_children:
            out = out[0] if isinstance(out, tuple) else out
            kind = type(module).__name__.lower()
            leaves.append(Leaf(names[module], SPEC_TYPE.get(kind, kind), tuple(out.shape[1:]),
                               sum(p.numel() for p in module.parameters()),
                               sum(b.numel() for b in module.buffers())))

    handles = [m.register_forward_pre_hook(before) for m in model.modules()]
    handles += [m.register_forward_hook(after) for m in model.modules()]
    try:
        with torch.no_grad():
            out = model.eval()(torch.zeros((1, *input_shape)))
    finally:
        for h in handles:
            h.remove()
    return leaves, tuple(out.shape[1:])


def loose_parameters(model: nn.Module, leaves: list[Leaf]) -> list[tuple[int, ...]]:
    """Shapes of the parameters no leaf module holds (layer scale, class token, ...), sorted."""
    held = {id(p) for leaf in leaves for p in model.get_submodule(leaf.name).parameters()}
    return sorted(tuple(p.shape) for p in model.parameters() if id(p) not in held)


def torchvision_model(name: str) -> nn.Module:
    """A torchvision classification model, weights=None, in eval mode on the meta device (shapes
    only); RegNet cannot be built there ("Cannot copy out of meta tensor"): built on the CPU, then
    moved. The zoo test and benchmarks/run.py build them so."""
    import warnings

    import torchvision

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            with torch.device("meta"):
                return torchvision.models.get_model(name, weights=None).eval()
        except (RuntimeError, NotImplementedError):
            return torchvision.models.get_model(name, weights=None).eval().to("meta")


def torchvision_size(name: str, model: nn.Module) -> int:
    """The model's own input size: the crop of its DEFAULT weights' transforms, or the
    `image_size` a ViT's constructor fixes (vit_h_14 without weights is a 224 model)."""
    import torchvision

    return getattr(model, "image_size", None) or torchvision.models.get_model_weights(name).DEFAULT.transforms().crop_size[0]


def flop_counter_macs(model: nn.Module, input_shape: tuple[int, ...]) -> int:
    """FlopCounterMode's count, halved, in eval mode with autograd on (as torchvision measured),
    batch 1, on the model's own device (a model built on the meta device: shapes only)."""
    from torch.utils.flop_counter import FlopCounterMode

    device = next((p.device for p in model.parameters()), torch.device("cpu"))
    counter = FlopCounterMode(display=False)
    with counter:
        model.eval()(torch.zeros((1, *input_shape), device=device))
    return counter.get_total_flops() // 2


def compare(path: Path, model: nn.Module) -> list[str]:
    """Every difference between the spec at `path` and the model, as readable lines (none: equal)."""
    a = check_text(path.read_text(), str(path))
    problems = [f"{d.code} {d.message}" for d in a.diagnostics if d.severity == "error"]
    if problems or not a.complete:
        return problems or ["the spec's shapes are not all known"]
    leaves, out_shape = torch_leaves(model, a.spec.input_shape)
    kinds = {leaf.type for leaf in leaves}
    mine = [r for r in a.layers if r.spec.type in kinds]
    for i, (r, leaf) in enumerate(zip(mine, leaves)):
        ours = (r.spec.type, r.output_shape, r.params, r.buffers)
        theirs = (leaf.type, leaf.shape, leaf.params, leaf.buffers)
        if ours != theirs:
            problems.append(f"leaf {i}: spec {r.spec.name} {ours} != torch {leaf.name} {theirs}")
            if len(problems) > 5:
                break
    if len(mine) != len(leaves):
        problems.append(f"{len(mine)} spec layers of the leaves' types, {len(leaves)} torch leaves")
    sources = sorted(tuple(r.output_shape) for r in a.layers if r.spec.kind.source and r.params)
    if sources != loose_parameters(model, leaves):
        problems.append(f"parameter layers {sources} != torch's loose parameters {loose_parameters(model, leaves)}")
    torch_totals = (sum(p.numel() for p in model.parameters()), sum(b.numel() for b in model.buffers()))
    if (a.total_params, a.buffers) != torch_totals:
        problems.append(f"totals (params, buffers): spec {(a.total_params, a.buffers)} != torch {torch_totals}")
    if a.output_shape != out_shape:
        problems.append(f"output: spec {a.output_shape} != torch {out_shape}")
    torch_macs = flop_counter_macs(model, a.spec.input_shape)
    if totals(layer_costs(a, "torch")).macs != torch_macs:
        problems.append(f"torch convention: spec {totals(layer_costs(a, 'torch')).macs:,} != "
                        f"FlopCounterMode {torch_macs:,}")
    return problems


def published(name: str) -> tuple[int, float]:
    """The parameter count and GFLOPS torchvision publishes in the default weights' metadata."""
    import torchvision

    meta = torchvision.models.get_model_weights(name).DEFAULT.meta
    return meta["num_params"], meta["_ops"]


def same_values(path: Path, model: nn.Module) -> tuple[torch.Tensor, torch.Tensor]:
    """The spec run in torch (tests/oracle/torch_bridge.py) with the model's own weights, and the
    model itself, on one random batch of 2. Each spec layer of a leaf type takes the state of
    the torch leaf it matches (in call order), each `parameter` layer the model's loose
    parameter of its place (in registration order, which is the forward's in these models).
    compare() sees shapes: this sees values, so a permutation (channel shuffle's groups), a
    wrong branch order or a wrong block input shows."""
    a = check_text(path.read_text(), str(path))
    leaves, _ = torch_leaves(model, a.spec.input_shape)
    kinds = {leaf.type for leaf in leaves}
    held = {id(p) for leaf in leaves for p in model.get_submodule(leaf.name).parameters()}
    loose = iter([p for p in model.parameters() if id(p) not in held])
    x = torch.randn((2, *a.spec.input_shape), generator=torch.Generator().manual_seed(0))
    values, flags, i = {"input": x}, {"input": False}, 0
    with batch(2), torch.no_grad():
        for layer, r in zip(a.spec.layers, a.layers):
            xs = [values[name] for name in layer.inputs]
            module = make(layer, xs)
            if layer.type in kinds:
                if module is not None:
                    target = getattr(module, "wrapped", module)  # the bridge's call around a module (attention)
                    target.load_state_dict(model.get_submodule(leaves[i].name).state_dict())
                i += 1
            elif layer.kind.source and r.params:
                module.value.copy_(next(loose))
            out = call(layer, module, xs)
            store(values, flags, layer, out)
        return out, model.eval()(x)
