"""The calculator: push the input shape through every layer of a parsed spec.

Pure: a Spec in, an Analysis out. A layer that does not fit its input is reported and the
calculation goes on with the size PyTorch would produce; only a layer that cannot be applied
at all (torch would raise) stops the shapes, and the layers after it are listed without them.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from math import prod
from typing import Any

from ..diagnostics import Diagnostic
from ..layers import LayerError, LayerKind, Problem, Shape, Unbatched
from ..layers.args import INT64_MAX
from ..layers.base import shape_str
from ..layers.field import Field
from ..spec import INPUT, LayerSpec, Loc, Spec
from ..spec.model import part_name, split_ref


@dataclass(slots=True)
class LayerResult:
    spec: LayerSpec
    input_shape: Shape | None
    output_shape: Shape | None = None
    params: int = 0
    buffers: int = 0
    formulas: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    connections: int = 0
    input_shapes: list[Shape | None] = field(default_factory=list)  # one per input (merges have several)
    parts: list[Shape] | None = None  # the outputs of a layer with several (output_shape is the first)
    #: Zeros an explicit padding layer put before and after its input, per spatial dimension,
    #: when this layer's input is such a layer's output (the stride check counts them as padding).
    input_zeros: list[tuple[int, int]] | None = None
    receptive_field: Field | None = None  # set by check.check_text (None: no spatial grid, or unknown)

    @property
    def trainable_params(self) -> int:
        return self.params if self.spec.trainable else 0


@dataclass(frozen=True)
class Answer:
    layer: str | None  # None: a network-level answer
    key: str
    expected: Any
    actual: Any
    arithmetic: str
    loc: Loc

    @property
    def correct(self) -> bool:
        return normal(self.expected) == normal(self.actual)

    def to_dict(self) -> dict[str, Any]:
        return {"layer": self.layer, "key": self.key, "expected": self.expected, "actual": normal(self.actual),
                "correct": self.correct, "arithmetic": self.arithmetic, "line": self.loc.line, "column": self.loc.column}


def normal(value: Any) -> Any:
    """Compare shapes as lists and receptive fields as plain mappings, whatever was written."""
    if isinstance(value, tuple):
        return [normal(v) for v in value]
    if isinstance(value, list):
        return [normal(v) for v in value]
    if isinstance(value, dict):
        return {k: normal(v) for k, v in value.items()}
    return value


@dataclass
class Analysis:
    spec: Spec
    layers: list[LayerResult]
    diagnostics: list[Diagnostic]
    answers: list[Answer] = field(default_factory=list)  # for specs that carry `expect:`
    _by_name: dict[str, LayerResult] = field(default_factory=dict, repr=False)

    def layer(self, name: str) -> LayerResult | None:
        """The result of the layer with this full name (a dict built once: O(1) per lookup)."""
        if len(self._by_name) != len(self.layers):
            self._by_name = {r.spec.name: r for r in self.layers}
        return self._by_name.get(name)

    @property
    def total_params(self) -> int:
        return sum(r.params for r in self.layers)

    @property
    def trainable_params(self) -> int:
        return sum(r.trainable_params for r in self.layers)

    @property
    def buffers(self) -> int:
        return sum(r.buffers for r in self.layers)

    @property
    def connections(self) -> int:
        return sum(r.connections for r in self.layers)

    @property
    def output_shape(self) -> Shape | None:
        """The shape of the (first) network output."""
        shapes = self.output_shapes
        return shapes[0] if shapes else self.spec.input_shape

    def shape_of(self, name: str) -> Shape | None:
        """The shape a reference names: the network's input, a layer's output, or one output of a
        layer with several (`parts[1]`). None: unknown."""
        if name == INPUT:
            return self.spec.input_shape
        layer, index = split_ref(name)
        r = self.layer(layer)
        if r is None or (index is None) != (r.parts is None):
            return None
        if index is None:
            return r.output_shape
        return r.parts[index] if index < len(r.parts) else None

    @property
    def output_shapes(self) -> list[Shape | None]:
        return [self.shape_of(name) for name in self.spec.outputs]

    @property
    def complete(self) -> bool:
        """True when every layer's shape is known."""
        return self.spec.input_shape is not None and all(r.output_shape is not None for r in self.layers)


def analyze(spec: Spec) -> Analysis:
    results: list[LayerResult] = []
    diagnostics: list[Diagnostic] = []
    shapes: dict[str, Shape | None] = {INPUT: spec.input_shape}
    by_name: dict[str, LayerResult] = {}  # Analysis.layer's index, built while the results are new

    def report(code: str, message: str, layer: LayerSpec, arg: str | None) -> None:
        loc = layer.where(arg)
        diagnostics.append(Diagnostic(code, f"{layer.name}: {message}", loc.line, loc.column, layer.name))

    several: dict[str, int] = {}  # layers with several outputs: how many
    margins: dict[str, list[tuple[int, int]]] = {}  # outputs of explicit zero padding: zeros per side

    def incoming(layer: LayerSpec) -> list[Shape | None] | None:
        """The shapes the layer's inputs name; None (reported) when one names no output."""
        xs = []
        for ref in layer.inputs:
            name, index = split_ref(ref)
            if index is None and name in several:
                outputs = ", ".join(part_name(name, i) for i in range(several[name]))
                report("G001", f"{name} gives {several[name]} outputs: name one ({outputs})", layer, "inputs")
                return None
            if index is not None and ref not in shapes:
                count = several.get(name)
                why = (f"it gives {count} outputs ({part_name(name, 0)} to {part_name(name, count - 1)})" if count
                       else "it has one output" if shapes.get(name) is not None else None)
                if why is None:
                    xs.append(None)  # the layer's shape is unknown: already reported
                    continue
                report("G001", f"{ref} names no output: {why}", layer, "inputs")
                return None
            xs.append(shapes.get(ref))
        return xs

    for layer in spec.layers:
        xs = [shapes.get(name) for name in layer.inputs]
        if None in xs and layer.kind is not None and layer.complete:  # an unknown shape, or one of several outputs
            xs = incoming(layer)
        result = LayerResult(layer, xs[0] if xs and len(xs) == 1 else None, input_shapes=xs or [])
        results.append(result)
        by_name[layer.name] = result
        shapes[layer.name] = None
        if xs is None or any(x is None for x in xs) or layer.kind is None or not layer.complete:
            continue
        kind = layer.kind
        try:
            if kind.source:
                inference = kind.infer((), layer.args)
            elif not kind.takes_unbatched and (xs[0].__class__ is Unbatched or kind.merge and Unbatched in map(type, xs)):
                which = next(n for n, x in zip(layer.inputs, xs) if isinstance(x, Unbatched))
                raise LayerError("F003", f"{which} is a tensor without a batch dimension ({shape_str(xs[0])}); "
                                 f"{layer.type} counts dimensions from the batch: expand it to the batch or "
                                 "merge it (mul, add) with a batched tensor first", "inputs")
            elif kind.merge:
                inference = kind.infer_many(xs, layer.inputs, layer.args)
            elif len(xs) != 1:
                raise LayerError("G003", f"{layer.type} takes one input, found {len(xs)} (merge them with add or "
                                 "concat first)", "inputs")
            else:
                inference = kind.infer(xs[0], layer.args)
        except LayerError as err:
            report(err.code, err.message, layer, err.arg)
            continue
        problems = inference.problems
        if margins and len(xs) == 1 and layer.inputs[0] in margins:
            result.input_zeros = margins[layer.inputs[0]]
            if any(p.code == "F001" for p in problems):
                problems = padding_read(kind, xs[0], layer, result.input_zeros, problems, inference.notes)
        for problem in problems:
            report(problem.code, problem.message, layer, problem.arg)
        big = prod(inference.output_shape) > INT64_MAX if inference.parts is None else max(map(prod, inference.parts)) > INT64_MAX
        if big or inference.params > INT64_MAX:
            what = "output" if prod(inference.output_shape) > INT64_MAX else "parameter count"
            report("F009", f"the {what} is beyond int64 ({shape_str(inference.output_shape)}, "
                   f"{inference.params:.3g} parameters): torch cannot hold it", layer, None)
            continue
        result.output_shape = inference.output_shape
        if inference.parts is not None:
            result.parts = inference.parts
            several[layer.name] = len(inference.parts)
            shapes.update((part_name(layer.name, i), y) for i, y in enumerate(inference.parts))
        else:
            shapes[layer.name] = inference.output_shape
        zeros = kind.zero_margins(xs[0], layer.args) if kind.zero_margins is not None else None
        if zeros is not None:  # explicit zero padding, on top of any the input already had
            before = margins.get(layer.inputs[0], [(0, 0)] * len(zeros))
            margins[layer.name] = [(lo + a, hi + b) for (lo, hi), (a, b) in zip(before, zeros)]
        result.params, result.buffers = inference.params, inference.buffers
        result.formulas, result.notes = inference.formulas, inference.notes
        result.connections = inference.connections
    if spec.default_outputs and len(spec.outputs) == 1 and spec.outputs[0] in several:  # a tuple, as torch returns it
        spec.outputs = [part_name(spec.outputs[0], i) for i in range(several[spec.outputs[0]])]
    for ref in spec.outputs:  # `outputs:` must name one tensor too
        name, index = split_ref(ref)
        if name in by_name and (name in several) != (index is not None) and by_name[name].output_shape is not None:
            count = several.get(name)
            why = f"it gives {count} outputs: name one, as {part_name(name, 0)}" if count else "it has one output"
            report("G001", f"outputs: {ref} names no single output: {why}", by_name[name].spec, None)
        elif index is not None and name in several and index >= several[name]:
            report("G001", f"outputs: {ref} names no output: it gives {several[name]}", by_name[name].spec, None)
    return Analysis(spec, results, diagnostics, _by_name=by_name)


def padding_read(kind: LayerKind, x: Shape, layer: LayerSpec, margins: list[tuple[int, int]],
                 problems: list[Problem], notes: list[str]) -> list[Problem]:
    """F001 dropped when every position a window layer leaves unread is zero padding that the
    layer before it added (timm's ResNetV2 stem: ConstantPad2d(1) then a 3x3/2 max pool on 112):
    the same arithmetic as `padding: 1` on the pool, which F001 accepts. A note says so."""
    dims = kind.windows(x, layer.args)
    if not dims or len(dims) != len(margins):
        return problems
    if any(w.unread_tail - hi > w.gap for w, (_, hi) in zip(dims, margins)):
        return problems  # real input is left unread
    source = layer.inputs[0]
    notes.append(f"the input left unread after the last window is the zero padding {source} added: "
                 "only padding is skipped")
    return [p for p in problems if p.code != "F001"]


@contextmanager
def gc_paused() -> Iterator[None]:
    """Hold the cyclic garbage collector while a spec is checked or reported (also a decorator).

    A check allocates many objects that live until it ends (nodes, layers, results, report rows)
    and almost no reference cycles. The collector runs every 700 allocations and keeps re-walking
    that growing heap: half the time of a 10,000-layer spec, and growth beyond linear at 100,000
    (benchmarks/run.py). Reference counting still frees everything at once; the few cycles wait
    until the collector is back. Nested uses leave it to the outermost."""
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()
