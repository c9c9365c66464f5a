"""Reading the values of a layer's keys: its arguments (validated by the kind's own validators),
its answers (`expect:`), and the `when`, `trainable` and `repeat` flags. Never raises: every
problem is a located diagnostic.
"""

from __future__ import annotations

import difflib
from typing import Any

from yaml.nodes import MappingNode, Node

from ..layers import LayerKind
from ..layers.args import ArgError, describe, synonym
from .syntax import tuple_fix
from .model import MAX_LAYERS, BlockDef, Hints, LayerSpec, Spec, did_you_mean
from .yamlsafe import Loc, NodeReader


class ParserState(NodeReader):
    """What every part of the parser reads and writes while one document is parsed."""

    spec: Spec
    blocks: dict[str, BlockDef]
    refs: dict[str, str]  # every full name -> what it refers to
    suggested: set[tuple[str, str]]  # (layer, argument) a misspelt key was taken for
    too_many: bool
    placed: int  # entries placed (layers, block copies, layers left out), against MAX_ENTRIES
    hints: Hints  # "did you mean" and the like, within the document's budget


class ArgumentReader(ParserState):
    """The values of keys: arguments, answers, flags and counts."""

    def argument(self, layer: LayerSpec, kind: LayerKind, key: str, key_node: Node, value_node: Node) -> None:
        arg = kind.arg(key)
        if arg is None:
            names = [a.name for a in kind.args] + [al for a in kind.args for al in a.aliases]
            meant = synonym(key, [a.name for a in kind.args])  # another framework's word, before spelling
            close = [meant] if meant else difflib.get_close_matches(key.lower(), names, n=1, cutoff=0.6)
            if close:  # the misspelling and the missing argument are one mistake: report it once
                self.suggested.add((layer.name, kind.arg(close[0]).name))
            hint = (f"; did you mean '{close[0]}'?" if close else "") or (
                f" (it takes {', '.join(a.name for a in kind.args)})" if kind.args else " (it takes no arguments)")
            self.error("S007", f"{layer.name}: {kind.type} has no argument '{key}'{hint}", Loc.of(key_node), layer.name)
            layer.complete = False
            return
        if arg.name in layer.arg_locs:
            self.error("S012", f"{layer.name}: '{arg.name}' is given twice (as '{arg.name}' and as an alias)",
                       Loc.of(key_node), layer.name)
            return
        layer.arg_locs[arg.name] = Loc.of(value_node)
        ok, value = self.value(value_node)
        if not ok:
            layer.complete = False
            return
        try:
            layer.args[arg.name] = arg.validate(value)
        except ArgError as err:
            fix = tuple_fix(value)  # torch's `(3, 3)`: YAML reads it as text
            self.error("S009" if fix else err.code, f"{layer.name}: {key}: {fix or err}", Loc.of(value_node), layer.name)
            layer.complete = False

    def answers(self, node: Node, keys: tuple[str, ...], where: str, layer: str | None = None) -> dict[str, tuple[Any, Loc]]:
        """`expect: {params: 760, ...}`: the answers to check, with where each is written."""
        if not isinstance(node, MappingNode):
            self.error("S009", f"{where}: expected a mapping of answers ({', '.join(keys)})", Loc.of(node), layer)
            return {}
        out = {}
        for key, (key_node, value_node) in self.items(node, layer).items():
            if key not in keys:
                self.error("S007", f"{where}: no answer named '{key}'{did_you_mean(key, list(keys))} "
                           f"(answers: {', '.join(keys)})", Loc.of(key_node), layer)
                continue
            ok, value = self.value(value_node)
            if ok:
                out[key] = (value, Loc.of(value_node))
        return out

    def flag(self, pair: tuple[Node, Node] | None, full: str, key: str) -> bool | None:
        if pair is None:
            return None
        ok, value = self.value(pair[1])
        if ok and not isinstance(value, bool):
            self.error("S009", f"{full}: {key}: expected true or false, found {describe(value)}", Loc.of(pair[1]), full)
            return None
        return value if ok else None

    def count(self, pair: tuple[Node, Node] | None, full: str) -> int:
        if pair is None:
            return 1
        ok, value = self.value(pair[1])
        if ok and (isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_LAYERS):
            self.error("S010", f"{full}: repeat: expected an integer from 1 to {MAX_LAYERS:,}, found {describe(value)}",
                       Loc.of(pair[1]), full)
            return 1
        return value if ok else 1
