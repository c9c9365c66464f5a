"""Build a torch module from a parsed spec, for the oracle tests only (never imported by shapecalc).

The spec's arguments are PyTorch's own names, so the translation is by name: the type is the
lower-cased torch.nn class name, the arguments go through unchanged, and only the input sizes
torch insists on (in_channels, in_features, num_features) are filled in from the incoming shape.
"""

from __future__ import annotations

import torch
from torch import nn

from shapecalc.spec import LayerSpec

TORCH_CLASSES = {name.lower(): cls for name, cls in vars(nn).items() if isinstance(cls, type)}
INPUT_SIZE_ARG = {"conv": "in_channels", "linear": "in_features", "batchnorm": "num_features"}


def module_for(layer: LayerSpec, incoming: tuple[int, ...]) -> nn.Module:
    cls = TORCH_CLASSES[layer.type]
    kwargs = dict(layer.args)
    for prefix, arg in INPUT_SIZE_ARG.items():
        if layer.type.startswith(prefix) and kwargs.get(arg) is None:
            kwargs[arg] = incoming[-1] if prefix == "linear" else incoming[0]
    # shapecalc's extensions: a connection table changes parameters, not shapes (compared with
    # the paper instead); Keras SAME is torch's explicit asymmetric padding before the conv.
    if kwargs.pop("connection_table", None) is not None:
        raise NotImplementedError("torch has no connection table")
    if kwargs.get("padding") == "keras_same":
        from shapecalc.layers.conv import conv_pads

        pads = conv_pads("keras_same", incoming[1:], kwargs["kernel_size"], kwargs["stride"], kwargs["dilation"])
        kwargs["padding"] = 0
        flat = [p for pair in reversed(pads) for p in pair]  # F.pad order: last dimension first
        return nn.Sequential(TORCH_CLASSES[f"constantpad{len(pads)}d"](flat, 0.0), module_for_kwargs(cls, kwargs, layer))
    return module_for_kwargs(cls, kwargs, layer)


def module_for_kwargs(cls: type, kwargs: dict, layer: LayerSpec) -> nn.Module:
    module = cls(**kwargs)
    if not layer.trainable:
        module.requires_grad_(False)
    return module.eval()


def run_layers(layers: list[LayerSpec], input_shape: tuple[int, ...]):
    """Yield (module, output shape without batch) for each layer, on the meta device (shapes only)."""
    x = torch.empty((1, *input_shape), device="meta")
    for layer in layers:
        module = module_for(layer, tuple(x.shape[1:])).to("meta")
        x = module(x)
        yield module, tuple(x.shape[1:])


def counts(module: nn.Module) -> tuple[int, int, int]:
    """(parameters, trainable parameters, buffer elements) as torch counts them."""
    params = sum(p.numel() for p in module.parameters())
    trainable = sum(p.numel() for p in module.parameters() if p.requires_grad)
    buffers = sum(b.numel() for b in module.buffers())
    return params, trainable, buffers
