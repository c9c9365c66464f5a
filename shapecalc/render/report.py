"""The `--format json` document: a public contract, every key documented in the README.

Pure data (no rich): the text renderer and any program reading our JSON see the same numbers.
"""

from __future__ import annotations

from typing import Any

from ..version import __version__
from ..analysis.calc import Analysis, LayerResult, gc_paused
from ..analysis.cost import DTYPES, Cost, Options, activation_elements, layer_costs, memory, totals, whole
from ..layers.base import shape_list


def _plain(value: Any) -> Any:
    return list(value) if isinstance(value, tuple) else value


def cost_dict(r: LayerResult, cost: Cost | None, o: Options) -> dict[str, Any]:
    """A layer's `macs`, `flops`, `activation_elements`, `activation_bytes` (null when unknown)."""
    elements = activation_elements(r, o.batch)
    return {"macs": whole(cost and cost.macs), "flops": whole(cost and cost.flops), "activation_elements": elements,
            "activation_bytes": None if elements is None else elements * DTYPES[o.dtype]}


def layer_dict(r: LayerResult) -> dict[str, Any]:
    return {
        "name": r.spec.name,
        "type": r.spec.type,
        "input_shape": shape_list(r.input_shape),
        "output_shape": shape_list(r.output_shape),
        "parts": None if r.parts is None else [list(y) for y in r.parts],
        "params": r.params,
        "trainable_params": r.trainable_params,
        "buffers": r.buffers,
        "connections": r.connections,
        "inputs": r.spec.inputs,
        "block": r.spec.block,
        "arguments": {k: _plain(v) for k, v in r.spec.args.items()},
        "arithmetic": r.formulas,
        "notes": r.notes,
        "receptive_field": r.receptive_field.to_dict() if r.receptive_field is not None else None,
        "line": r.spec.loc.line,
        "column": r.spec.loc.column,
    }


def block_dicts(a: Analysis) -> list[dict[str, Any]]:
    out = []
    for b in sorted(a.spec.blocks, key=lambda b: (b.start, b.depth)):
        inside = a.layers[b.start:b.end]
        out.append({
            "name": b.name,
            "block": b.type,
            "repeat": b.repeat,
            "depth": b.depth,
            "layers": [r.spec.name for r in inside],
            "input_shape": shape_list(a.shape_of(b.source)),
            "output_shape": shape_list(a.shape_of(b.output)),
            "params": sum(r.params for r in inside),
            "trainable_params": sum(r.trainable_params for r in inside),
        })
    return out


@gc_paused()  # a dict per layer: see calc.gc_paused
def analysis_dict(a: Analysis, options: Options | None = None) -> dict[str, Any]:
    o = options or Options()
    diagnostics = [d.to_dict() for d in a.diagnostics]
    costs = layer_costs(a, o.convention)
    total = totals(costs)
    layers = [{**layer_dict(r), **cost_dict(r, c, o)} for r, c in zip(a.layers, costs)]
    macs = {r.spec.name: c.macs for r, c in zip(a.layers, costs) if c is not None}
    blocks = [{**b, "macs": whole(sum(macs.get(name, 0) for name in b["layers"]))} for b in block_dicts(a)]
    return {
        "shapecalc_version": __version__,
        "file": a.spec.path,
        "name": a.spec.name,
        "input_shape": shape_list(a.spec.input_shape),
        "output_shape": shape_list(a.output_shape) if a.complete else None,
        "outputs": a.spec.outputs,
        "output_shapes": [shape_list(s) for s in a.output_shapes],
        "layers": layers,
        "blocks": blocks,
        "total_params": a.total_params,
        "trainable_params": a.trainable_params,
        "non_trainable_params": a.total_params - a.trainable_params,
        "buffers": a.buffers,
        "connections": a.connections,
        "convention": o.convention,
        "total_macs": total.macs,
        "total_flops": total.flops,
        "memory": memory(a, o.dtype, o.batch, o.optimizer).to_dict(),
        "errors": sum(d["severity"] == "error" for d in diagnostics),
        "warnings": sum(d["severity"] == "warning" for d in diagnostics),
        "diagnostics": diagnostics,
        "answers": [ans.to_dict() for ans in a.answers],
    }
