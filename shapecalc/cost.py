"""Compute cost (MACs, FLOPs) under a named convention, and memory, from the calculator's results.

Pure: a LayerResult (type, arguments, input and output shapes, parameters) in, numbers out. Every
count is for one input (batch 1); `--batch` scales memory only.

A convention is a table from layer family (the type without its 1d/2d/3d) to a small rule; a
family not in the table costs 0. "macs" is shapecalc's own: multiply-accumulates of the weighted
layers, bias adds not counted. "torchinfo", "fvcore" and "ptflops" reproduce what those tools
report (torchinfo 1.8.0, fvcore 0.1.5.post20221221, ptflops 0.7.5 with its default pytorch
backend, on torch 2.13.0) for the torch model tests/torch_bridge.py builds from the spec, layer by
layer, including their quirks; the README's table says what each counts. FLOPs are never MACs:
`flops` is 2 per MAC, plus, under "macs" only, the additions the MACs leave out (bias adds and
subsampling's window sums). The tools' counts are taken as they report them: 2 FLOPs per unit.
"""

from __future__ import annotations

import functools
import math
import re
from dataclasses import dataclass
from math import prod
from typing import Any, Callable

from .calc import Analysis, LayerResult

CONVENTIONS = ("macs", "torchinfo", "fvcore", "ptflops")
DTYPES = {"float32": 4, "float16": 2, "bfloat16": 2, "int8": 1}
#: Optimizer state per trainable parameter, in parameter-sized elements.
OPTIMIZERS = {"sgd": 0, "momentum": 1, "adam": 2}


@dataclass(frozen=True)
class Options:
    convention: str = "macs"
    dtype: str = "float32"
    batch: int = 1
    optimizer: str = "sgd"


@functools.cache  # a few dozen types, asked once per layer and convention
def family(type_: str) -> str:
    """conv2d -> conv, adaptiveavgpool3d -> adaptiveavgpool, dropout -> dropout."""
    return re.sub(r"[123]d$", "", type_)


class View:
    """What a rule sees of one layer: shapes are channels first, without the batch."""

    def __init__(self, r: LayerResult) -> None:
        self.type, self.a, self.params = r.spec.type, r.spec.args, r.params
        self.x: tuple[int, ...] = r.input_shapes[0] if r.input_shapes else ()
        self.y: tuple[int, ...] = r.output_shape or ()

    @property
    def n_in(self) -> int:  # elements of the (first) input
        return prod(self.x)

    @property
    def n_out(self) -> int:  # elements of the output
        return prod(self.y)

    @property
    def bias(self) -> int:  # bias values of conv, transposed conv and linear
        return (self.y[0] if self.type != "linear" else self.y[-1]) if self.a.get("bias") else 0

    @property
    def weights(self) -> int:  # weight values: parameters without the bias
        return self.params - self.bias

    @property
    def positions(self) -> int:  # output positions of a convolution (spatial output size)
        return prod(self.y[1:])

    @property
    def in_positions(self) -> int:  # input positions (a transposed convolution scatters from each)
        return prod(self.x[1:])

    @property
    def rows(self) -> int:  # how many vectors a linear layer transforms (its leading dimensions)
        return prod(self.y[:-1])


Rule = Callable[[View], float]

# --- "macs": multiply-accumulates of the weighted layers, no bias -------------------------------

MACS: dict[str, Rule] = {
    "conv": lambda v: v.weights * v.positions,            # connection tables: their links only
    "convtranspose": lambda v: v.weights * v.in_positions,  # every input value times every tap
    "linear": lambda v: v.weights * v.rows,
    "subsampling": lambda v: v.n_out,                     # one coefficient multiply per output
}

#: Under "macs", FLOPs add what MACs leave out: bias adds, and subsampling's window sums.
EXTRA_FLOPS: dict[str, Rule] = {
    "conv": lambda v: v.bias * v.positions,
    "convtranspose": lambda v: v.bias * v.positions,
    "linear": lambda v: v.bias * v.rows,
    "subsampling": lambda v: v.n_out * prod(v.a["kernel_size"]),  # k*k - 1 adds, and the bias
}

# --- torchinfo: LayerInfo.calculate_macs on each leaf module ------------------------------------
# Conv classes: every parameter (weight and bias) times the output positions; any other leaf with
# parameters: its parameters (times the batch, not the positions: a linear on 3x9x10 counts once).
# Subsampling's torch module holds an AvgPool2d, so it is not a leaf and torchinfo counts 0.

TORCHINFO: dict[str, Rule] = {
    "conv": lambda v: v.params * v.positions,
    "convtranspose": lambda v: v.params * v.positions,
    **{f: lambda v: v.params for f in ("linear", "batchnorm", "instancenorm", "groupnorm", "layernorm", "prelu")},
}

# --- fvcore: its default op handles on the traced graph (one "flop" = one multiply-add) ---------


def _fvcore_conv(v: View) -> int:
    # padding='same'/'valid' reaches aten::_convolution_mode, which fvcore has no handle for
    if isinstance(v.a["padding"], str) and v.a["padding"] != "keras_same" and v.a["padding_mode"] == "zeros":
        return 0
    return v.weights * v.positions


def _fvcore_batchnorm(v: View) -> int:
    if v.a["track_running_stats"]:  # eval mode with running statistics: scale (and shift)
        return v.n_in * (2 if v.a["affine"] else 1)
    return v.n_in * (5 if v.a["affine"] else 4)  # batch statistics: fvcore's norm estimate


def _fvcore_upsample(v: View) -> int:
    if len(v.x) != 3:  # only the 2-D kernels have handles; area runs adaptive_avg_pool2d
        return 0
    return {"nearest": v.n_out, "bilinear": 4 * v.n_out, "area": v.n_in}.get(v.a["mode"], 0)


FVCORE: dict[str, Rule] = {
    "conv": _fvcore_conv,
    "convtranspose": lambda v: v.weights * v.in_positions,
    "linear": lambda v: v.weights * v.rows,
    "batchnorm": _fvcore_batchnorm,
    "instancenorm": lambda v: v.n_in * (5 if v.a["affine"] else 4),
    "groupnorm": lambda v: v.n_in * (5 if v.a["affine"] else 4),
    "layernorm": lambda v: v.n_in * (5 if v.a["elementwise_affine"] else 4),
    "adaptiveavgpool": lambda v: v.n_in if len(v.x) == 3 else 0,  # aten::adaptive_avg_pool2d only
    "upsample": _fvcore_upsample,
}

# --- ptflops: module hooks, plus the torch.nn.functional calls and tensor ops it patches --------
# A module whose forward calls a patched function is counted twice (ReLU: its hook and F.relu).


def _ptflops_upsample(v: View) -> float:
    """The Upsample hook (output elements), F.interpolate's patch, and area's adaptive_avg_pool."""
    size, scale = v.a["size"], v.a["scale_factor"]
    if size is not None:
        functional: float = v.n_out
    elif isinstance(scale, tuple):
        functional = v.n_in * prod(int(f) for f in scale)  # np.prod(..., dtype=np.int64) truncates each
    else:
        functional = v.n_in * float(scale) ** (len(v.x) - 1)
    return v.n_out + (functional + (v.n_in if v.a["mode"] == "area" else 0))  # ptflops' order of sums


PTFLOPS: dict[str, Rule] = {
    "conv": lambda v: v.params * v.positions,
    "convtranspose": lambda v: v.weights * v.in_positions + v.bias * v.positions,
    "linear": lambda v: (v.weights + v.bias) * v.rows,
    **{f: lambda v: v.n_in * (2 if v.a["affine"] else 1) for f in ("batchnorm", "instancenorm", "groupnorm")},
    "layernorm": lambda v: v.n_in,  # the hook looks for `affine`, which LayerNorm does not have
    **{f: lambda v: 2 * v.n_out for f in ("relu", "elu", "gelu", "prelu")},  # hook + functional
    **{f: lambda v: v.n_out for f in ("relu6", "leakyrelu")},  # hook only (ReLU6 calls F.hardtanh)
    **{f: lambda v: v.n_in for f in ("silu", "softmax")},  # functional only
    **{f: lambda v: 2 * v.n_in for f in ("maxpool", "avgpool", "adaptiveavgpool", "adaptivemaxpool", "subsampling")},
    "lppool": lambda v: v.n_in + 2 * v.n_out,  # F.avg_pool of x**p, then relu and mul on the result
    "localresponsenorm": lambda v: 3 * v.n_in + (v.x[0] + v.a["size"] - 1) * v.in_positions,
    "upsample": _ptflops_upsample,
}

RULES: dict[str, dict[str, Rule]] = {"macs": MACS, "torchinfo": TORCHINFO, "fvcore": FVCORE, "ptflops": PTFLOPS}


@dataclass(frozen=True)
class Cost:
    macs: float  # an int except under ptflops, which counts non-integer upsampling scales as floats
    flops: float


def layer_cost(r: LayerResult, convention: str = "macs") -> Cost | None:
    """The layer's cost, or None when its shape is unknown."""
    if r.output_shape is None or r.spec.kind is None or any(x is None for x in r.input_shapes):
        return None
    v, kind = View(r), family(r.spec.type)
    rule = RULES[convention].get(kind)
    try:
        macs = rule(v) if rule else 0
    except OverflowError:  # a float (ptflops' upsampling scale) beyond range
        return None
    extra = EXTRA_FLOPS[kind](v) if convention == "macs" and kind in EXTRA_FLOPS else 0
    if not math.isfinite(macs):
        return None
    return Cost(macs, 2 * macs + extra)


def layer_costs(a: Analysis, convention: str = "macs") -> list[Cost | None]:
    return [layer_cost(r, convention) for r in a.layers]


def whole(value: float | None) -> int | None:
    """A count as reported: ptflops' float totals are truncated to an int, as ptflops does."""
    return None if value is None else int(value)


def totals(costs: list[Cost | None]) -> Cost:
    """Sums over the layers whose shapes are known (ints; ptflops' float sum is truncated once)."""
    known = [c for c in costs if c is not None]
    return Cost(int(sum(c.macs for c in known)), int(sum(c.flops for c in known)))


# --- memory ---------------------------------------------------------------------------------------

#: Layers whose backward needs their input (or a tensor of its size): weighted layers (the weight
#: gradient needs the input), norms, and every nonlinearity (pooling by maximum, activations,
#: dropout's mask). Linear, parameter-free reshuffles (flatten, padding, cropping, average
#: pooling, upsampling, add, concat) need nothing.
SAVES_INPUT = frozenset((
    "conv", "convtranspose", "linear", "subsampling", "prelu",
    "batchnorm", "instancenorm", "groupnorm", "layernorm", "localresponsenorm",
    "maxpool", "lppool", "adaptivemaxpool", "globalmaxpool",
    "relu", "relu6", "leakyrelu", "elu", "selu", "celu", "gelu", "silu", "mish", "hardswish",
    "hardsigmoid", "hardtanh", "sigmoid", "tanh", "softplus", "softsign", "softmax", "logsoftmax",
    "dropout", "alphadropout",
))
#: torch keeps each tracking norm's batch counter (num_batches_tracked) as one int64.
COUNTER_BYTES = 8


@dataclass(frozen=True)
class Memory:
    dtype: str
    bytes_per_element: int
    batch: int
    optimizer: str
    param_bytes: int
    buffer_bytes: int
    activation_elements: int
    activation_bytes: int
    saved_activation_elements: int
    saved_activation_bytes: int
    gradient_bytes: int
    optimizer_state_bytes: int
    training_bytes: int

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def activation_elements(r: LayerResult, batch: int = 1) -> int | None:
    """The layer's output elements for a batch (None when unknown)."""
    return None if r.output_shape is None else prod(r.output_shape) * batch


def memory(a: Analysis, dtype: str = "float32", batch: int = 1, optimizer: str = "sgd") -> Memory:
    size = DTYPES[dtype]
    forward = sum(prod(s) for s in (a.spec.input_shape, *(r.output_shape for r in a.layers)) if s is not None)
    saved = {name for r in a.layers if family(r.spec.type) in SAVES_INPUT for name in r.spec.inputs}
    saved_elements = sum(prod(s) for s in map(a.shape_of, saved) if s is not None)
    counters = sum(1 for r in a.layers if r.buffers and family(r.spec.type) in ("batchnorm", "instancenorm"))
    params, trainable = a.total_params * size, a.trainable_params * size
    buffers = (a.buffers - counters) * size + counters * COUNTER_BYTES
    state = trainable * OPTIMIZERS[optimizer]
    saved_bytes = saved_elements * batch * size
    return Memory(
        dtype=dtype, bytes_per_element=size, batch=batch, optimizer=optimizer,
        param_bytes=params, buffer_bytes=buffers,
        activation_elements=forward * batch, activation_bytes=forward * batch * size,
        saved_activation_elements=saved_elements * batch, saved_activation_bytes=saved_bytes,
        gradient_bytes=trainable, optimizer_state_bytes=state,
        training_bytes=params + buffers + trainable + state + saved_bytes,
    )


def human_bytes(n: int) -> str:
    """1,234,567 -> '1.18 MiB' (binary units, as memory is sized)."""
    for power, unit in enumerate(("B", "KiB", "MiB", "GiB", "TiB")):
        if n < 1024 ** (power + 1) or unit == "TiB":
            break
    try:
        return f"{n:,} B" if power == 0 else f"{n / 1024 ** power:,.2f} {unit}"
    except OverflowError:  # beyond a float: exact bytes
        return f"{n:,} B"
