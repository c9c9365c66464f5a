"""The cost conventions against torchinfo, fvcore and ptflops themselves (tests/oracle/cost_tools.py
runs the tools), layer by layer, on every shipped architecture and on specs covering every layer
type; and the memory figures against torch's own tensors. Without torch or a tool its tests are
skipped with the reason. What needs no tool is in tests/test_cost.py.
"""

from __future__ import annotations

import pytest

from shapecalc.analysis.calc import analyze
from shapecalc.analysis.cost import DTYPES, activation_elements, layer_costs, memory, totals, whole
from shapecalc.spec import parse

from ..conftest import ARCH
from ..test_cost import CASES, case_spec

# The layer-type cases include softmax without dim; fvcore's import scripts a function with jit.
pytestmark = pytest.mark.filterwarnings("ignore:Implicit dimension choice for softmax:UserWarning",
                                        "ignore:`torch.jit.script` is deprecated:DeprecationWarning")

SPECS = sorted(ARCH.rglob("*.yaml"))
TOOLS = {"torchinfo": "torchinfo", "fvcore": "fvcore", "ptflops": "ptflops", "torch": "torch"}  # convention: module


# --- the tools themselves -------------------------------------------------------------------------

def need(tool: str):
    pytest.importorskip("torch", reason="torch is not installed: pip install -e '.[oracle]'")
    pytest.importorskip(TOOLS[tool], reason=f"{tool} is not installed: pip install -e '.[oracle]'")
    from . import cost_tools

    return cost_tools.TOOLS[tool]


def compare(tool: str, spec) -> None:
    per_layer, total = need(tool)(spec)
    a = analyze(spec)
    mine = layer_costs(a, tool)
    assert [whole(c.macs) for c in mine] == per_layer, [
        (r.spec.name, whole(c.macs), p) for r, c, p in zip(a.layers, mine, per_layer) if whole(c.macs) != p]
    assert totals(mine).macs == total


@pytest.mark.parametrize("tool", TOOLS)
@pytest.mark.parametrize("path", SPECS, ids=lambda p: str(p.relative_to(ARCH)))
def test_convention_equals_the_tool_on_every_architecture(tool, path):
    spec, _ = parse(path.read_text(), str(path))
    compare(tool, spec)


@pytest.mark.parametrize("tool", TOOLS)
@pytest.mark.parametrize("key", CASES)
def test_convention_equals_the_tool_on_every_layer_type(tool, key):
    compare(tool, case_spec(key))


# --- memory: the tensors torch allocates ----------------------------------------------------------

@pytest.mark.parametrize("dtype", ["float32", "float16", "bfloat16"])
@pytest.mark.parametrize("path", SPECS, ids=lambda p: str(p.relative_to(ARCH)))
def test_memory_matches_torch_tensors(path, dtype):
    torch = pytest.importorskip("torch", reason="torch is not installed: pip install -e '.[oracle]'")
    from .torch_bridge import batch as at_batch
    from .torch_bridge import call, keep, make

    spec, _ = parse(path.read_text(), str(path))
    a = analyze(spec)
    batch, kind = 3, getattr(torch, dtype)
    m = memory(a, dtype, batch)
    values = {"input": torch.empty((batch, *spec.input_shape), device="meta", dtype=kind)}
    param_bytes = buffer_bytes = 0
    sources = set()
    for layer, r in zip(spec.layers, a.layers):
        xs = [values[n] for n in layer.inputs]
        module = make(layer, xs, "meta")
        if module is not None:
            module = module.to(device="meta", dtype=kind)
            param_bytes += sum(p.numel() * p.element_size() for p in module.parameters())
            buffer_bytes += sum(b.numel() * b.element_size() for b in module.buffers())
        with at_batch(batch):
            out = call(layer, module, xs)
        parts = keep(values, layer, out) or [out]
        if layer.kind.source:  # the tensor is the parameter or buffer itself, not an activation
            sources.add(layer.name)
            continue
        assert activation_elements(r, batch) * DTYPES[dtype] == sum(t.numel() * t.element_size() for t in parts), r.spec.name
    assert (m.param_bytes, m.buffer_bytes) == (param_bytes, buffer_bytes)
    assert m.activation_bytes == sum(v.numel() * v.element_size() for k, v in values.items() if k not in sources)
