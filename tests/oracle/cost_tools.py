"""Per-layer counts from torchinfo, fvcore, ptflops and torch's FlopCounterMode, for the cost tests only.

A spec becomes one torch module (`SpecModel`): each layer's module from tests/oracle/torch_bridge.py
(in order, registered as `layers.<i>`) and a forward that follows `inputs`; merges (add, concat,
centre crop) have no module and run as the bridge's functions. Each tool then reports one number
per spec layer:

- torchinfo: the `macs` of the leaf entries of `summary_list` inside that layer's module (the
  total torchinfo prints is the sum over all leaves);
- fvcore: `FlopCountAnalysis.by_module()["layers.<i>"]`; what runs in the top-level forward
  (the merges) is the root's count minus the layers';
- ptflops: the layer run alone through `get_model_complexity_info` (module hooks plus its
  patched functionals and tensor ops, which it only reports as part of a total, never per
  module), and the whole model once for the total.

Every run has a batch of 1. torchinfo runs on the meta device (it reads shapes, never values);
fvcore's trace needs real tensors, and ptflops must run on the CPU, because on the meta device
torch computes some ops (linear) through Python functions that ptflops patches, and counts
them twice. Weights are zeros: only shapes matter.
"""

from __future__ import annotations

import contextlib
import io
import warnings

import torch
from torch import nn

from shapecalc.spec import Spec

from .torch_bridge import apply, call, keep

class SpecModel(nn.Module):
    def __init__(self, spec: Spec, device: str = "meta") -> None:
        super().__init__()
        self.spec = spec
        self.layers = nn.ModuleList()
        self.slots: list[int | None] = []  # per spec layer: index into self.layers, or None (merge)
        self.shapes: list[tuple[int, ...]] = []  # output shapes, no batch: crops use them under jit tracing
        self.shapes_in: list[tuple[int, ...]] = []  # spatial size of each layer's first input
        values = {"input": torch.empty((1, *spec.input_shape), device=device)}
        for layer in spec.layers:
            xs = [values[name] for name in layer.inputs]
            module, out = apply(layer, xs, device)
            keep(values, layer, out)
            self.shapes.append(tuple(out.shape[1:]) if isinstance(out, torch.Tensor) else ())
            self.shapes_in.append(tuple(xs[0].shape[2:]) if xs else ())
            if module is None:
                self.slots.append(None)
            else:
                self.slots.append(len(self.layers))
                self.layers.append(module)
        self.eval()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        values = {"input": x}
        for layer, slot, shape in zip(self.spec.layers, self.slots, self.shapes):
            xs = [values[name] for name in layer.inputs]
            if layer.type == "centercrop":  # the bridge's crop, with static sizes (traced sizes are tensors)
                spatial = [(n - s, s) for n, s in zip(self.shapes_in[len(values) - 1], shape[1:])]
                index = [slice(None), slice(None)] + [slice(round(d / 2.0), round(d / 2.0) + s) for d, s in spatial]
                values[layer.name] = xs[0][tuple(index)]
            else:
                keep(values, layer, call(layer, None if slot is None else self.layers[slot], xs))
        outs = [values[name] for name in self.spec.outputs]
        return outs[0] if len(outs) == 1 else tuple(outs)


def _input(spec: Spec, device: str = "meta") -> torch.Tensor:
    return torch.zeros((1, *spec.input_shape), device=device)


def _cpu_model(spec: Spec) -> SpecModel:
    """The model on the CPU with every weight and buffer zero (uninitialised memory may hold
    denormals, which make the CPU kernels several times slower)."""
    model = SpecModel(spec).to_empty(device="cpu")
    with torch.no_grad():
        for t in [*model.parameters(), *model.buffers()]:
            t.zero_()
    return model


def torchinfo_counts(spec: Spec) -> tuple[list[int], int]:
    """Per spec layer, and torchinfo's printed total ("Total mult-adds")."""
    from torchinfo import summary

    model = SpecModel(spec)
    stats = summary(model, input_data=[_input(spec)], verbose=0, device="meta", depth=100)
    owner = {}
    for i, slot in enumerate(model.slots):
        if slot is not None:
            for m in model.layers[slot].modules():
                owner[id(m)] = i
    per_layer = [0] * len(spec.layers)
    for info in stats.summary_list:
        if info.is_leaf_layer and id(info.module) in owner:
            per_layer[owner[id(info.module)]] += info.macs
    return per_layer, stats.total_mult_adds


def _fvcore(model: nn.Module, inputs: tuple) -> "FlopCountAnalysis":  # noqa: F821 (imported inside: fvcore is optional)
    from fvcore.nn import FlopCountAnalysis

    analysis = FlopCountAnalysis(model, inputs)
    analysis.unsupported_ops_warnings(False).uncalled_modules_warnings(False).tracer_warnings("none")
    return analysis


def fvcore_counts(spec: Spec) -> tuple[list[int], int]:
    """Per spec layer (a layer torch writes as a function (merges, matmul) is traced alone, as
    for ptflops: by_module only knows modules), and fvcore's total."""
    model = _cpu_model(spec)
    with warnings.catch_warnings(), torch.no_grad():
        warnings.simplefilter("ignore")
        analysis = _fvcore(model, (_input(spec, "cpu"),))
        by_module = analysis.by_module()
        total = analysis.total()
        values = {"input": _input(spec, "cpu")}
        per_layer = []
        for i, (layer, slot) in enumerate(zip(spec.layers, model.slots)):
            xs = [values[name] for name in layer.inputs]
            alone = _Alone(spec, i, None if slot is None else model.layers[slot])
            if slot is not None:
                per_layer.append(by_module[f"layers.{slot}"])
            else:  # a crop's traced sizes are tensors (see SpecModel.forward); its slicing counts 0
                per_layer.append(0 if layer.type == "centercrop" else _fvcore(alone, (xs,)).total())
            keep(values, layer, alone(xs))
    return per_layer, total


class _Alone(nn.Module):
    """One spec layer as a whole model, for ptflops (which reports functional ops only in totals)."""

    def __init__(self, spec: Spec, index: int, module: nn.Module | None) -> None:
        super().__init__()
        self.layer = spec.layers[index]
        self.inner = module

    def forward(self, xs: list[torch.Tensor]) -> torch.Tensor:
        return call(self.layer, self.inner, xs)


def _ptflops(model: nn.Module, constructor) -> int:
    from ptflops import get_model_complexity_info

    with torch.no_grad(), contextlib.redirect_stdout(io.StringIO()):  # it prints warnings to stdout
        macs, _ = get_model_complexity_info(model, (1,), as_strings=False, print_per_layer_stat=False,
                                            input_constructor=constructor, ost=io.StringIO(), verbose=False)
    assert macs is not None, "ptflops failed"
    return int(macs)


def _each_alone(spec: Spec, count) -> tuple[SpecModel, list[int]]:
    """The CPU model, and `count(layer alone, its inputs)` for each spec layer run alone as a
    whole model on the outputs of the layers before it."""
    model = _cpu_model(spec)
    values = {"input": _input(spec, "cpu")}
    per_layer = []
    for i, (layer, slot) in enumerate(zip(spec.layers, model.slots)):
        xs = [values[name] for name in layer.inputs]
        alone = _Alone(spec, i, None if slot is None else model.layers[slot])
        per_layer.append(count(alone, xs))
        with torch.no_grad():  # plain tensors for the next layer (a parameter's output is itself)
            out = alone(xs)
        keep(values, layer, tuple(t.detach() for t in out) if isinstance(out, tuple) else out.detach())
    return model, per_layer


def ptflops_counts(spec: Spec) -> tuple[list[int], int]:
    """Per spec layer (each run alone), and ptflops' total for the whole model."""
    model, per_layer = _each_alone(spec, lambda alone, xs: _ptflops(alone, lambda _res: {"xs": xs}))
    return per_layer, _ptflops(model, lambda _res: {"x": _input(spec, "cpu")})


def _flop_counter(run) -> int:
    """MACs as torch.utils.flop_counter.FlopCounterMode counts them (its FLOPs halved), in eval
    mode with autograd on, as torchvision measured its published GFLOPS."""
    from torch.utils.flop_counter import FlopCounterMode

    counter = FlopCounterMode(display=False)
    with counter:
        run()
    flops = counter.get_total_flops()
    assert flops % 2 == 0, f"FlopCounterMode reported an odd {flops} FLOPs"
    return flops // 2


def torch_counts(spec: Spec) -> tuple[list[int], int]:
    """Per spec layer (each run alone, as for ptflops), and the whole model's count."""
    model, per_layer = _each_alone(spec, lambda alone, xs: _flop_counter(lambda: alone(xs)))
    return per_layer, _flop_counter(lambda: model(_input(spec, "cpu")))


TOOLS = {"torchinfo": torchinfo_counts, "fvcore": fvcore_counts, "ptflops": ptflops_counts, "torch": torch_counts}
