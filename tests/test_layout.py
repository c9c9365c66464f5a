"""The package's shape, held by tests: no import cycles, and no layer type names outside the units.

Both are read from the source with `ast` (nothing is imported), so a lazy import inside a function
counts as an import, and a type name in an f-string or a `startswith` counts as a literal.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

from shapecalc.layers import KINDS, TYPE_ALIASES

from .conftest import ROOT

PACKAGE = ROOT / "shapecalc"


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports() -> dict[str, set[str]]:
    """Every module of the package and the package modules it imports, anywhere in its body."""
    modules = {module_name(p): p for p in PACKAGE.rglob("*.py")}
    graph: dict[str, set[str]] = {m: set() for m in modules}
    for name, path in modules.items():
        package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom):
                base = package.split(".")[:len(package.split(".")) - node.level + 1] if node.level else []
                target = ".".join(base + [node.module] if node.module else base) if node.level else node.module
                found = [target, *(f"{target}.{alias.name}" for alias in node.names)]
            elif isinstance(node, ast.Import):
                found = [alias.name for alias in node.names]
            else:
                continue
            graph[name].update(m for m in found if m in modules and m != name)
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def test_no_import_cycles_lazy_imports_included():
    graph = imports()
    assert len(graph) > 40 and graph["shapecalc.analysis.check"]  # the walk found the package
    assert cycles(graph) == []


def test_the_cycle_check_sees_a_cycle():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


#: What counts as naming a layer type: every registered type and alias, and every family (the
#: type without its 1d/2d/3d, as the old cost tables keyed it).
TYPE_NAMES = {*KINDS, *TYPE_ALIASES, *(re.sub(r"[123]d$", "", t) for t in KINDS)}
#: Words that are a layer type and also something else, where that something else is meant:
#: `select` is torch's x.select and lint's --select option (ruff's name) and configuration key.
HOMONYMS = {"select": ("shapecalc/analysis/lint.py", "shapecalc/commands/options.py")}


def type_literals(path: Path) -> list[tuple[int, str]]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value in TYPE_NAMES:
            found.add((node.lineno, node.value))
        elif isinstance(node, ast.JoinedStr):  # f"conv{n}d", f"{op}pool{n}d"
            for part in node.values:  # a name followed by a letter or _ is another word (norm_type)
                if isinstance(part, ast.Constant) and any(re.match(rf"{re.escape(n)}(?![A-Za-z_])", part.value)
                                                          for n in TYPE_NAMES if len(n) > 3):
                    found.add((node.lineno, part.value))
    return sorted(found)


def test_layer_type_names_appear_only_in_the_layer_units():
    """The rest of the package asks the kind; a type name anywhere else is a switch on it."""
    outside = {}
    for p in PACKAGE.rglob("*.py"):
        name = str(p.relative_to(ROOT))
        hits = [(line, word) for line, word in type_literals(p) if name not in HOMONYMS.get(word, ())]
        if "layers" not in p.relative_to(PACKAGE).parts and hits:
            outside[name] = hits
    assert outside == {}


def test_the_literal_check_sees_a_type_name(tmp_path):
    probe = tmp_path / "probe.py"
    probe.write_text('def f(t, n):\n    return t == "linear" or t.startswith(f"conv{n}d")\n')
    assert type_literals(probe) == [(2, "conv"), (2, "linear")]
