"""The calculator: push the input shape through every layer of a parsed spec.

Pure: a Spec in, an Analysis out. A layer that does not fit its input is reported and the
calculation goes on with the size PyTorch would produce; only a layer that cannot be applied
at all (torch would raise) stops the shapes, and the layers after it are listed without them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .diagnostics import Diagnostic
from .layers import LayerError, Shape
from .spec import LayerSpec, Spec, decode, parse


@dataclass
class LayerResult:
    spec: LayerSpec
    input_shape: Shape | None
    output_shape: Shape | None = None
    params: int = 0
    buffers: int = 0
    formulas: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def trainable_params(self) -> int:
        return self.params if self.spec.trainable else 0


@dataclass
class Analysis:
    spec: Spec
    layers: list[LayerResult]
    diagnostics: list[Diagnostic]

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
    def output_shape(self) -> Shape | None:
        return self.layers[-1].output_shape if self.layers else self.spec.input_shape

    @property
    def complete(self) -> bool:
        """True when every layer's shape is known."""
        return self.spec.input_shape is not None and all(r.output_shape is not None for r in self.layers)


def analyze(spec: Spec) -> Analysis:
    results: list[LayerResult] = []
    diagnostics: list[Diagnostic] = []
    shape = spec.input_shape
    for layer in spec.layers:
        result = LayerResult(layer, shape)
        results.append(result)
        if shape is None or layer.kind is None or not layer.complete:
            shape = None
            continue
        try:
            inference = layer.kind.infer(shape, layer.args)
        except LayerError as err:
            loc = layer.where(err.arg)
            diagnostics.append(Diagnostic(err.code, f"{layer.name}: {err.message}", loc.line, loc.column, layer.name))
            shape = None
            continue
        for problem in inference.problems:
            loc = layer.where(problem.arg)
            diagnostics.append(Diagnostic(problem.code, f"{layer.name}: {problem.message}", loc.line, loc.column, layer.name))
        result.output_shape = shape = inference.output_shape
        result.params, result.buffers = inference.params, inference.buffers
        result.formulas, result.notes = inference.formulas, inference.notes
    return Analysis(spec, results, diagnostics)


def check_text(text: str, path: str = "<spec>") -> Analysis:
    """Parse and analyse; the diagnostics of both stages, in file order."""
    spec, diagnostics = parse(text, path)
    analysis = analyze(spec)
    analysis.diagnostics = sorted(diagnostics + analysis.diagnostics, key=lambda d: (d.line, d.column))
    return analysis


def check_bytes(data: bytes, path: str = "<spec>") -> Analysis:
    """Like check_text, for a file's raw bytes: binary and non-UTF-8 files get a Y002 diagnostic."""
    text, problem = decode(data)
    if problem is not None:
        return Analysis(Spec(path), [], [problem])
    return check_text(text, path)
