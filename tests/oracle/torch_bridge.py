"""Build and run a spec in torch, for the oracle tests only (never imported by shapecalc).

The spec's arguments are PyTorch's own names, so the translation is by name: the type is the
lower-cased torch.nn class name, the arguments go through unchanged, and only the input sizes
torch insists on (in_channels, in_features, num_features) are filled in from the incoming shape.
shapecalc's few extensions (merges, centre crop, global pooling, LeNet's subsampling and
connection table, Keras SAME) are written here as small torch modules or functions.
"""

from __future__ import annotations

import importlib
from contextlib import contextmanager
from contextvars import ContextVar
import pkgutil
from pathlib import Path
from typing import Callable, Iterator

import torch
from torch import nn

from shapecalc.layers.spatial import conv_pads
from shapecalc.spec import LayerSpec, Spec

TORCH_CLASSES = {name.lower(): cls for name, cls in vars(nn).items() if isinstance(cls, type)}
#: The batch the bridge's tensors have (1 unless a test sets it): what `expand` gives a parameter.
BATCH: ContextVar[int] = ContextVar("batch", default=1)
#: Layer types that torch writes as a function or tensor method, not a module: type -> f(layer, xs)
#: giving the output tensor (or a tuple of them, for layers with several outputs). The bridge_*.py
#: modules beside this one add theirs (imported at the end of this module).
FUNCTIONS: dict[str, Callable[[LayerSpec, list[torch.Tensor]], torch.Tensor | tuple[torch.Tensor, ...]]] = {}
#: Layer types whose torch module is not the lower-cased nn class: type -> f(layer, incoming
#: shapes without batch) giving the module, which is called with every input tensor.
MODULES: dict[str, Callable[[LayerSpec, list[tuple[int, ...]]], nn.Module]] = {}
INPUT_SIZE_ARG = {"conv": "in_channels", "linear": "in_features", "batchnorm": "num_features",
                  "instancenorm": "num_features", "groupnorm": "num_channels"}


class StdConv(nn.Module):
    """Weight standardisation as timm's StdConv2d / ScaledStdConv2d compute it (F.batch_norm over
    each filter's weights, the gain times 1/sqrt(fan-in) as its scale), written apart from the
    export's StdConv{n}d so that the test compares two implementations."""

    def __init__(self, conv: nn.Module, scaled: bool, eps: float = 1e-6) -> None:
        super().__init__()
        self.wrapped, self.eps = conv, eps  # `wrapped`: what the forward oracle loads the weights into
        shape = (conv.out_channels, *[1] * (conv.weight.dim() - 1))
        conv.gain = nn.Parameter(torch.ones(shape)) if scaled else None  # after weight and bias, as torch orders them

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        conv = self.wrapped
        w, gain = conv.weight, conv.gain
        scale = None if gain is None else (gain * w[0].numel() ** -0.5).view(-1)
        w = nn.functional.batch_norm(w.reshape(1, w.shape[0], -1), None, None, weight=scale, training=True,
                                     momentum=0.0, eps=self.eps).reshape_as(w)
        return conv._conv_forward(x, w, conv.bias)


class Subsampling(nn.Module):
    """LeNet-5's S2/S4: sum of each window times a learned coefficient, plus a bias, per map."""

    def __init__(self, channels: int, kernel_size: tuple[int, int], stride: tuple[int, int] | None) -> None:
        super().__init__()
        self.weight = nn.Parameter(torch.ones(channels))
        self.bias = nn.Parameter(torch.zeros(channels))
        self.pool = nn.AvgPool2d(kernel_size, stride)
        self.taps = kernel_size[0] * kernel_size[1]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.pool(x) * self.taps * self.weight[:, None, None] + self.bias[:, None, None]


class SparseConv(nn.Module):
    """A convolution with a connection table: one small convolution per output map."""

    def __init__(self, table, kernel_size, bias: bool, **kwargs) -> None:
        super().__init__()
        self.table = [list(row) for row in table]
        self.convs = nn.ModuleList(nn.Conv2d(len(row), 1, kernel_size, bias=bias, **kwargs) for row in self.table)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.cat([conv(x[:, row]) for conv, row in zip(self.convs, self.table)], dim=1)


class GlobalPool(nn.Module):
    def __init__(self, op: str, keepdim: bool) -> None:
        super().__init__()
        self.op, self.keepdim = op, keepdim

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        dims = tuple(range(2, x.dim()))
        out = x.mean(dims, keepdim=True) if self.op == "avg" else x.amax(dims, keepdim=True)
        return out if self.keepdim else out.flatten(1)


def center_crop(x: torch.Tensor, size) -> torch.Tensor:
    """torchvision's rule: offset round((N - n) / 2) in every spatial dimension."""
    index = [slice(None), slice(None)]
    for n, s in zip(x.shape[2:], size):
        top = int(round((n - s) / 2.0))
        index.append(slice(top, top + s))
    return x[tuple(index)]


def module_for(layer: LayerSpec, incoming: tuple[int, ...]) -> nn.Module:
    """The torch module for a single-input layer, given the incoming shape (no batch)."""
    kwargs = dict(layer.args)
    if layer.type == "subsampling":
        return Subsampling(incoming[0], kwargs["kernel_size"], kwargs["stride"])
    if layer.type.startswith("global"):
        return GlobalPool(layer.type[6:9], kwargs["keepdim"])
    cls = TORCH_CLASSES[layer.type]
    for prefix, arg in INPUT_SIZE_ARG.items():
        if layer.type.startswith(prefix) and kwargs.get(arg) is None:
            kwargs[arg] = incoming[-1] if prefix == "linear" else incoming[0]
    if layer.type == "lppool1d":  # torch's lp_pool1d multiplies by kernel_size: it must be an int
        kwargs = {k: v[0] if isinstance(v, tuple) else v for k, v in kwargs.items()}
    table = kwargs.pop("connection_table", None)
    standardization = kwargs.pop("weight_standardization", "none")
    if standardization != "none":
        conv = cls
        cls = lambda **kw: StdConv(conv(**kw), standardization == "scaled")  # noqa: E731
    if table is not None:
        return SparseConv(table, kwargs["kernel_size"], kwargs["bias"], stride=kwargs["stride"],
                          padding=kwargs["padding"], dilation=kwargs["dilation"], padding_mode=kwargs["padding_mode"])
    if kwargs.get("padding") == "keras_same" and layer.type in ("maxpool2d", "avgpool2d"):
        # timm's own SAME pools (timm/layers/pool2d_same.py): F.pad in forward, then the pool
        from timm.layers.pool2d_same import AvgPool2dSame, MaxPool2dSame
        kwargs.pop("padding")
        kwargs.pop("divisor_override", None)  # timm's AvgPool2dSame takes none
        kwargs.pop("return_indices", None)
        return (MaxPool2dSame if layer.type == "maxpool2d" else AvgPool2dSame)(**kwargs)
    if kwargs.get("padding") == "keras_same":  # torch's explicit, asymmetric padding before the conv
        pads = conv_pads("keras_same", incoming[1:], kwargs["kernel_size"], kwargs["stride"], kwargs["dilation"])
        kwargs["padding"] = 0
        flat = [p for pair in reversed(pads) for p in pair]  # F.pad order: last dimension first
        return nn.Sequential(TORCH_CLASSES[f"constantpad{len(pads)}d"](flat, 0.0), cls(**kwargs))
    return cls(**kwargs)


@contextmanager
def batch(n: int) -> Iterator[None]:
    """Run the bridge at batch n (what `expand` gives a parameter) inside the block."""
    token = BATCH.set(n)
    try:
        yield
    finally:
        BATCH.reset(token)


def concat(layer: LayerSpec, xs: list[torch.Tensor]) -> torch.Tensor:
    return torch.cat(xs, dim=layer.args["dim"])


def stack(layer: LayerSpec, xs: list[torch.Tensor]) -> torch.Tensor:
    return torch.stack(xs, dim=layer.args["dim"])


def crop(layer: LayerSpec, xs: list[torch.Tensor]) -> torch.Tensor:
    size = xs[1].shape[2:] if len(xs) == 2 else layer.args["size"]
    if isinstance(size, int):
        size = (size,) * (xs[0].dim() - 2)
    return center_crop(xs[0], size)


FUNCTIONS.update(concat=concat, stack=stack, centercrop=crop)


def make(layer: LayerSpec, xs: list[torch.Tensor], device: str = "cpu") -> nn.Module | None:
    """The layer's torch module (in eval mode, on the inputs' device, or `device` for a layer
    without inputs, frozen unless trainable), or None for a layer torch writes as a function."""
    if layer.type in FUNCTIONS:
        return None
    if layer.type in MODULES:
        module = MODULES[layer.type](layer, [tuple(x.shape[1:]) for x in xs])
    else:
        (x,) = xs
        module = module_for(layer, tuple(x.shape[1:]))
    if not layer.trainable:
        module.requires_grad_(False)
    return module.to(xs[0].device if xs else device).eval()


def call(layer: LayerSpec, module: nn.Module | None, xs: list[torch.Tensor]):
    """Run the layer: its module on every input, or its function."""
    return FUNCTIONS[layer.type](layer, xs) if module is None else module(*xs)


def apply(layer: LayerSpec, xs: list[torch.Tensor], device: str = "cpu") -> tuple[nn.Module | None, torch.Tensor]:
    """Run one layer on its input tensors; the module (for counting) or None for functions."""
    module = make(layer, xs, device)
    return module, call(layer, module, xs)


def unbatched(layer: LayerSpec, unbatched_inputs: list[bool]) -> bool:
    """Whether the layer's output has no batch dimension: a parameter or buffer, or a merge of
    nothing else."""
    return layer.kind.source or (layer.kind.merge and all(unbatched_inputs))


def keep(values: dict, layer: LayerSpec, out) -> list | None:
    """Keep a layer's output under the name later layers use (`name[i]` for each of several
    outputs, which are returned)."""
    if isinstance(out, (tuple, list)):
        values.update((f"{layer.name}[{i}]", t) for i, t in enumerate(out))
        return list(out)
    values[layer.name] = out
    return None


def store(values: dict, flags: dict, layer: LayerSpec, out) -> tuple[int, ...] | list[tuple[int, ...]]:
    """Keep a layer's output(s) under the names later layers use; return the shape(s) the
    calculator gives: without the batch, unless the tensor has none."""
    flag = unbatched(layer, [flags[name] for name in layer.inputs])
    parts = keep(values, layer, out)
    flags.update((name, flag) for name in ([f"{layer.name}[{i}]" for i in range(len(parts))] if parts else [layer.name]))
    shape = (lambda t: tuple(t.shape)) if flag else (lambda t: tuple(t.shape[1:]))
    return [shape(t) for t in parts] if parts else shape(out)


def run_layers(spec: Spec, device: str = "meta"):
    """Yield (module or None, output shape without batch; a list for several outputs) for each
    layer, following `inputs`."""
    values = {"input": torch.empty((1, *spec.input_shape), device=device)}
    flags = {"input": False}
    for layer in spec.layers:
        module, out = apply(layer, [values[name] for name in layer.inputs], device)
        yield module, store(values, flags, layer, out)


def counts(module: nn.Module | None) -> tuple[int, int, int]:
    """(parameters, trainable parameters, buffer elements) as torch counts them."""
    if module is None:
        return 0, 0, 0
    params = sum(p.numel() for p in module.parameters())
    trainable = sum(p.numel() for p in module.parameters() if p.requires_grad)
    buffers = sum(b.numel() for b in module.buffers())
    return params, trainable, buffers


for _info in pkgutil.iter_modules([str(Path(__file__).parent)]):
    if _info.name.startswith("bridge_"):
        importlib.import_module(f"{__package__}.{_info.name}")
