"""The `shapecalc run --format json` document and the `--save` file: plain data, no rich."""

from __future__ import annotations

from typing import Any

from ..version import __version__
from ..layers.base import shape_list
from ..analysis.forward import LayerRun, Run


def layer_dict(layer: LayerRun) -> dict[str, Any]:
    return {
        "name": layer.result.spec.name,
        "type": layer.result.spec.type,
        "calculator_shape": shape_list(layer.result.output_shape),
        "forward_shape": shape_list(layer.shape),
        "match": layer.match,
        "macs": layer.macs,
        "seconds": round(layer.seconds, 6),
        "processes": layer.processes,
        "weights": layer.weights,
        "error": layer.error,
    }


def run_dict(run: Run) -> dict[str, Any]:
    return {
        "shapecalc_version": __version__,
        "file": run.analysis.spec.path,
        "name": run.analysis.spec.name,
        "seed": run.setup.seed,
        "input_file": run.setup.input_file,
        "weights_file": run.setup.weights_file,
        "input_shape": shape_list(run.setup.input.shape),
        "match": run.ok,
        "macs": sum(run.setup.macs),
        "seconds": round(run.seconds, 6),
        "workers": run.workers,
        "layers": [layer_dict(layer) for layer in run.layers],
        "diagnostics": [d.to_dict() for d in run.analysis.diagnostics],
        "output": run.output.nested() if run.output is not None else None,
    }


def saved_dict(run: Run) -> dict[str, Any]:
    """Every layer's output by name, in order, after the input (--save)."""
    return {
        "file": run.analysis.spec.path,
        "seed": run.setup.seed,
        "input": run.setup.input.nested(),
        "outputs": {layer.result.spec.name: layer.output.nested() for layer in run.layers
                    if layer.output is not None},
    }
