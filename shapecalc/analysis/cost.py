"""Compute cost (MACs, FLOPs) under a named convention, and memory, from the calculator's results.

Pure: a LayerResult (kind, arguments, input and output shapes, parameters) in, numbers out. Every
count is for one input (batch 1); `--batch` scales memory only.

Each layer kind states its rule under every convention (`LayerKind.cost`, layers/cost.py says
what the conventions count); this module applies them and sums. FLOPs are never MACs: `flops` is
2 per MAC, plus, under "macs" only, the additions the MACs leave out (bias adds and subsampling's
window sums). The tools' counts are taken as they report them: 2 FLOPs per unit.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from math import prod
from typing import Any

from .calc import Analysis, LayerResult
from ..layers import Shape, Unbatched
from ..layers.cost import View

DTYPES = {"float32": 4, "float16": 2, "bfloat16": 2, "int8": 1}
#: Optimizer state per trainable parameter, in parameter-sized elements.
OPTIMIZERS = {"sgd": 0, "momentum": 1, "adam": 2}


@dataclass(frozen=True)
class Options:
    convention: str = "macs"
    dtype: str = "float32"
    batch: int = 1
    optimizer: str = "sgd"


@dataclass(frozen=True)
class Cost:
    macs: float  # an int except under ptflops, which counts non-integer upsampling scales as floats
    flops: float


def view(r: LayerResult) -> View:
    """What the kind's cost rules see of a layer whose shapes are known."""
    return View(r.spec.args, r.params, r.input_shapes[0] if r.input_shapes else (), r.output_shape or (),
                r.input_shapes or None)


def layer_cost(r: LayerResult, convention: str = "macs") -> Cost | None:
    """The layer's cost, or None when its shape is unknown."""
    if r.output_shape is None or r.spec.kind is None or any(x is None for x in r.input_shapes):
        return None
    v, cost = view(r), r.spec.kind.cost
    try:
        macs = cost.rule(convention)(v)
    except OverflowError:  # a float (ptflops' upsampling scale) beyond range
        return None
    extra = cost.extra_flops(v) if convention == "macs" else 0
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


def elements(shape: Shape, batch: int) -> int:
    """A tensor's elements for a batch: a batched shape times the batch, an Unbatched one (a
    parameter, or what only parameters make) once."""
    return prod(shape) * (1 if shape.__class__ is Unbatched else batch)


def outputs(r: LayerResult) -> list[Shape]:
    """The tensors a layer makes (several for split and chunk); none for a parameter or buffer,
    whose tensor is counted with the parameters and buffers, not the activations."""
    if r.output_shape is None or r.spec.kind.source:
        return []
    return r.parts or [r.output_shape]


def activation_elements(r: LayerResult, batch: int = 1) -> int | None:
    """The layer's output elements for a batch (None when unknown)."""
    y = r.output_shape
    if y is None:
        return None
    if r.parts is None and y.__class__ is not Unbatched and not r.spec.kind.source:  # the common case, kept cheap
        return prod(y) * batch
    return sum([elements(y, batch) for y in outputs(r)])


def memory(a: Analysis, dtype: str = "float32", batch: int = 1, optimizer: str = "sgd") -> Memory:
    size = DTYPES[dtype]
    known = [r for r in a.layers if r.output_shape is not None]
    forward = sum([activation_elements(r, batch) for r in known])
    if a.spec.input_shape is not None:
        forward += prod(a.spec.input_shape) * batch
    saved = {name for r in a.layers if r.spec.kind is not None and r.spec.kind.saves_input for name in r.spec.inputs}
    sources = {r.spec.name for r in a.layers if r.spec.kind is not None and r.spec.kind.source}
    saved_elements = sum([elements(s, batch) for name in saved - sources if (s := a.shape_of(name)) is not None])
    counters = sum(1 for r in a.layers if r.buffers and r.spec.kind.counts_batches)
    params, trainable = a.total_params * size, a.trainable_params * size
    buffers = (a.buffers - counters) * size + counters * COUNTER_BYTES
    state = trainable * OPTIMIZERS[optimizer]
    saved_bytes = saved_elements * size
    return Memory(
        dtype=dtype, bytes_per_element=size, batch=batch, optimizer=optimizer,
        param_bytes=params, buffer_bytes=buffers,
        activation_elements=forward, activation_bytes=forward * size,
        saved_activation_elements=saved_elements, saved_activation_bytes=saved_bytes,
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
