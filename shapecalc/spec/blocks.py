"""Blocks: their definitions (`blocks:`), `$parameter` substitution, and the expansion of one use
of a block into ordinary layers with dotted names.
"""

from __future__ import annotations

from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from ..layers import lookup
from .graph import GraphReader
from .model import BLOCK_KEYS, INPUT, MAX_BLOCK_DEPTH, PARAM, BlockDef, BlockUse, Entry, Items, Scope, did_you_mean
from ..layers.args import describe
from .expressions import ExpressionError, evaluate
from .syntax import tuple_fix
from .yamlsafe import INT_TAG, NULL_TAG, STR_TAG, Loc


BOOL_TAG = "tag:yaml.org,2002:bool"


def plain_values(bindings: dict[str, Node]) -> dict[str, int | bool]:
    """The parameters given as a plain whole number or yes/no, read without a word (their uses
    report what is wrong with them): what the export names constructor arguments after."""
    values: dict[str, int | bool] = {}
    for name, node in bindings.items():
        if not isinstance(node, ScalarNode):
            continue
        if node.tag == INT_TAG and node.value.lstrip("-").isdigit() and len(node.value) < 20:
            values[name] = int(node.value)
        elif node.tag == BOOL_TAG:
            values[name] = node.value.lower() in ("true", "yes", "on")
    return values


class BlockExpander(GraphReader):
    """Block definitions and uses."""

    def block_defs(self, node: Node) -> None:
        """`blocks: {name: {params: {p: default, q: null}, layers: [...]}}`; null = required."""
        if not isinstance(node, MappingNode):
            self.error("S005", "blocks: expected a mapping of block names to definitions", Loc.of(node))
            return
        for name, (key_node, body) in self.items(node).items():
            if lookup(name) is not None or name == INPUT or "." in name:
                self.error("G004", f"block name '{name}' is taken (a layer type, 'input', or contains '.')",
                           Loc.of(key_node))
                continue
            if not isinstance(body, MappingNode):
                self.error("S005", f"block '{name}': expected a mapping with 'layers' (and 'params')", Loc.of(body))
                continue
            parts = self.items(body)
            for key, (k_node, _) in parts.items():
                if key not in BLOCK_KEYS:
                    self.error("S002", f"block '{name}': unknown key '{key}'{did_you_mean(key, list(BLOCK_KEYS))}",
                               Loc.of(k_node))
            if "layers" not in parts:
                self.error("S003", f"block '{name}': missing 'layers'", Loc.of(body))
                continue
            params: dict[str, Node | None] = {}
            if "params" in parts:
                p_node = parts["params"][1]
                if not isinstance(p_node, MappingNode):
                    self.error("S005", f"block '{name}': params: expected a mapping of names to defaults (null: required)",
                               Loc.of(p_node))
                else:
                    for p, (_, default) in self.items(p_node).items():
                        required = isinstance(default, ScalarNode) and default.tag == NULL_TAG and self.value(default)[0]
                        params[p] = None if required else default  # `!!null 3` stays, to be refused at each use
            self.blocks[name] = BlockDef(name, params, parts["layers"][1], Loc.of(key_node))

    def substitute(self, node: Node, scope: Scope) -> Node | None:
        """Replace `$param` values by the nodes that give them (keeping the use site's location).

        None when a parameter is unknown (reported). Lists and mappings are rebuilt bottom-up
        with an explicit stack, not recursion: a value may nest as deep as YAML allows, and share
        nodes through aliases (each is substituted once) or contain itself (left as written, for
        the value reader to refuse)."""
        if isinstance(node, ScalarNode):
            return self.substitute_scalar(node, scope)
        if not scope.bindings or not isinstance(node, (SequenceNode, MappingNode)):
            return node
        done: dict[int, Node | None] = {}
        todo: list[tuple[Node, bool]] = [(node, False)]
        while todo:
            current, ready = todo.pop()
            if id(current) in done and not ready:
                continue
            if isinstance(current, ScalarNode):
                done[id(current)] = self.substitute_scalar(current, scope)
                continue
            values = current.value if isinstance(current, SequenceNode) else [v for _, v in current.value]
            if not ready:
                done[id(current)] = current  # while in progress: what a reference to itself finds
                todo.append((current, True))
                todo.extend((child, False) for child in reversed(values) if id(child) not in done)
                continue
            children = [done[id(child)] for child in values]
            if None in children:
                done[id(current)] = None
            elif all(c is o for c, o in zip(children, values)):
                done[id(current)] = current
            elif isinstance(current, SequenceNode):
                done[id(current)] = SequenceNode(current.tag, children, current.start_mark, current.end_mark,
                                                 current.flow_style)
            else:
                done[id(current)] = MappingNode(current.tag, [(k, c) for (k, _), c in zip(current.value, children)],
                                                current.start_mark, current.end_mark, current.flow_style)
        return done[id(node)]

    def substitute_scalar(self, node: ScalarNode, scope: Scope) -> Node | None:
        """`$param` to the node that gives it, an expression to its value, anything else as is."""
        match = PARAM.match(node.value) if node.tag == STR_TAG else None
        if not match and node.tag == STR_TAG and "$" in node.value:
            return self.expression(node, scope)
        if not match:
            return node
        if match[1] in scope.bindings:
            return scope.bindings[match[1]]
        where = f"block '{scope.stack[-1]}'" if scope.stack else "the top level (parameters exist only in blocks)"
        self.error("G004", f"unknown parameter ${match[1]} in {where}"
                   f"{self.hints.did_you_mean(match[1], scope.bindings)}", Loc.of(node))
        return None

    def expression(self, node: ScalarNode, scope: Scope) -> Node | None:
        """An integer expression over the block's parameters (`$c // 4`), as an int node at the
        same place; None when it cannot be evaluated (reported with the column of the culprit)."""
        def value(name: str, column: int) -> int:
            if name not in scope.bindings:
                where = f"block '{scope.stack[-1]}'" if scope.stack else "the top level (parameters exist only in blocks)"
                hint = self.hints.did_you_mean(name, scope.bindings)
                raise ExpressionError(f"unknown parameter ${name} in {where}{hint}", column)
            ok, v = self.value(scope.bindings[name])
            if not ok:
                raise ExpressionError(f"${name} has no value", column)
            if isinstance(v, bool) or not isinstance(v, int):
                raise ExpressionError(f"${name} is {describe(v)}: expressions work on integers", column)
            return v

        try:
            result = evaluate(node.value, value)
        except ExpressionError as err:
            loc = Loc.of(node)
            quoted = 1 if node.style in ("'", '"') else 0
            fix = tuple_fix(node.value)  # torch's `($k, $k)`: text to YAML, so one expression to us
            self.error("G006", f"expression '{node.value}': {fix or err.message}",
                       loc if fix else Loc(loc.line, loc.column + quoted + err.column))
            return None
        return ScalarNode(INT_TAG, str(result), node.start_mark, node.end_mark)

    def use_block(self, block: BlockDef, e: Entry, items: Items, scope: Scope, full: str, source: str,
                  depth: int) -> str:
        """Expand one copy of a block; returns the full name of its output."""
        if block.name in scope.stack:
            self.error("G004", f"{full}: block '{block.name}' uses itself "
                       f"({' -> '.join((*scope.stack, block.name))})", e.loc, full)
            return source
        if len(scope.stack) >= MAX_BLOCK_DEPTH:  # expanding a use recurses: bounded here, and said
            self.error("G004", f"block '{block.name}': blocks may use blocks at most {MAX_BLOCK_DEPTH} levels deep "
                       f"({scope.stack[0]} -> ... -> {scope.stack[-1]} -> {block.name})", e.loc, full)
            return source
        bindings: dict[str, Node] = {}
        frozen = self.flag(items.get("trainable"), full, "trainable") is False
        for key, (key_node, value_node) in items.items():
            if key == "trainable":
                continue
            if key not in block.params:
                self.error("G004", f"{full}: block '{block.name}' has no parameter '{key}'"
                           f"{self.hints.did_you_mean(key, block.params)}", Loc.of(key_node), full)
                continue
            bindings[key] = value_node
        for param, default in block.params.items():
            if param in bindings:
                continue
            if default is None:
                if param not in e.broken:
                    self.error("S008", f"{full}: block '{block.name}' needs parameter '{param}'", e.loc, full)
                return source
            bindings[param] = default
        start = len(self.spec.layers)
        inner = Scope(full + ".", bindings, {INPUT: source}, source, full, depth + 1, (*scope.stack, block.name))
        self.expand(block.layers, inner)
        if frozen:  # `trainable: false` on a block freezes every layer it expands into
            for layer in self.spec.layers[start:]:
                layer.trainable = False
        self.spec.blocks.append(BlockUse(full, block.name, start, len(self.spec.layers), depth, e.loc,
                                         source, inner.previous, params=plain_values(bindings)))
        return inner.previous

    def expand(self, seq: Node, scope: Scope) -> None:
        raise NotImplementedError  # the document's: a block's layers are a list like the top level's
