"""The spec grammar: YAML nodes to a flat, ordered list of layer descriptors, plus diagnostics.

Blocks are expanded here, at parse time: each use of a block becomes ordinary layers with dotted
names (`layer1.0.conv1`, as torch names modules), and every `inputs` reference is resolved to
the full name of an earlier layer. So the calculator (and the forward pass) only ever see a
flat list in which each layer's inputs come before it; cycles cannot exist past this point.
Parsing never raises: every problem becomes a located diagnostic and the spec stays partial.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from math import prod
from typing import Any

from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from .diagnostics import Diagnostic
from .layers import KINDS, TYPE_ALIASES, LayerKind, Shape, lookup
from .layers.args import INT64_MAX, ArgError, describe
from .yamlsafe import MAP_TAG, NULL_TAG, SEQ_TAG, STR_TAG, Loc, NodeReader, compose, decode  # noqa: F401 (decode re-exported)

TOP_KEYS = ("name", "description", "input", "layers", "blocks", "outputs", "expect")
#: Keys any layer entry may have besides its arguments.
LAYER_KEYS = ("type", "name", "inputs", "trainable", "when", "repeat", "first", "expect")
#: Answers a spec may carry to be checked (`expect:`), on a layer and at the top.
LAYER_ANSWERS = ("output_shape", "params", "trainable_params", "connections", "macs", "receptive_field")
TOP_ANSWERS = ("output_shape", "total_params", "trainable_params", "connections", "total_macs")
BLOCK_KEYS = ("params", "layers", "description")
#: The name every scope gives its input: the network's at the top, the block's inside a block.
INPUT = "input"
#: A spec may expand (blocks times repeats) to at most this many layers.
MAX_LAYERS = 200_000
PARAM = re.compile(r"^\$([A-Za-z_][A-Za-z0-9_]*)$")

Items = dict[str, tuple[Node, Node]]


@dataclass(slots=True)
class LayerSpec:
    """One layer after expansion: its kind (None when the type is unknown) and validated arguments.

    `inputs` are full names of earlier layers, or "input" for the network's input. `complete`
    is False when an argument was missing or invalid: the layer is listed, its shape unknown."""

    name: str
    type: str
    kind: LayerKind | None
    args: dict[str, Any]
    loc: Loc
    arg_locs: dict[str, Loc] = field(default_factory=dict)
    trainable: bool = True
    complete: bool = True
    inputs: list[str] = field(default_factory=list)
    block: str | None = None
    depth: int = 0
    expect: dict[str, tuple[Any, Loc]] = field(default_factory=dict)

    def where(self, arg: str | None) -> Loc:
        return self.arg_locs.get(arg, self.loc) if arg else self.loc


@dataclass
class BlockUse:
    """One use of a block (or a repeated group of them): layers[start:end] belong to it."""

    name: str
    type: str
    start: int
    end: int
    depth: int
    loc: Loc
    source: str  # the full name of what it takes
    output: str  # the full name of what it gives
    repeat: int = 1


@dataclass
class Spec:
    path: str
    name: str | None = None
    input_shape: Shape | None = None
    layers: list[LayerSpec] = field(default_factory=list)
    blocks: list[BlockUse] = field(default_factory=list)
    outputs: list[str] = field(default_factory=list)
    expect: dict[str, tuple[Any, Loc]] = field(default_factory=dict)


@dataclass
class BlockDef:
    name: str
    params: dict[str, Node | None]  # None: required
    layers: Node
    loc: Loc


@dataclass
class Scope:
    """Where names are looked up while expanding one list of layers."""

    prefix: str  # "" at the top, "layer1.0." inside that block
    bindings: dict[str, Node]  # $parameter -> the node that gives its value
    names: dict[str, str]  # local name -> full reference
    previous: str  # what a layer without `inputs` takes
    block: str | None = None
    depth: int = 0
    stack: tuple[str, ...] = ()  # block names being expanded, to refuse recursion


@dataclass(slots=True)
class Entry:
    """A layer entry as written, before it is placed: type, keys, location."""

    type_name: str
    type_node: Node
    items: Items
    loc: Loc
    broken: set[str] = field(default_factory=set)  # keys whose $parameter could not be resolved


def did_you_mean(word: str, options: list[str]) -> str:
    close = difflib.get_close_matches(word.lower(), options, n=1, cutoff=0.6)
    return f"; did you mean '{close[0]}'?" if close else ""


class _Parser(NodeReader):
    def __init__(self, path: str) -> None:
        super().__init__()
        self.spec = Spec(path)
        self.blocks: dict[str, BlockDef] = {}
        self.refs: dict[str, str] = {INPUT: INPUT}  # every full name -> what it refers to
        self.suggested: set[tuple[str, str]] = set()  # (layer, argument) a misspelt key was taken for
        self.too_many = False

    # -- the document -------------------------------------------------------------------------
    def document(self, root: Node | None) -> None:
        if root is None:
            self.error("S001", "the spec is empty: expected a mapping with 'input' and 'layers'", Loc(1, 1))
            return
        if not isinstance(root, ScalarNode) and root.tag not in (MAP_TAG, SEQ_TAG):
            self.refuse_tag(root)
            return
        if not isinstance(root, MappingNode):
            found = "a list" if isinstance(root, SequenceNode) else f"the scalar {describe(self.value(root)[1])}"
            self.error("S001", f"expected a mapping with 'input' and 'layers', found {found}", Loc.of(root))
            return
        top = self.items(root)
        for key, (key_node, _) in top.items():
            if key not in TOP_KEYS:
                self.error("S002", f"unknown top-level key '{key}'{did_you_mean(key, list(TOP_KEYS))} "
                           f"(expected {', '.join(TOP_KEYS)})", Loc.of(key_node))
        for key in ("name", "description"):
            if key in top:
                ok, value = self.value(top[key][1])
                if ok and not isinstance(value, str):
                    self.error("S009", f"{key}: expected a string, found {describe(value)}", Loc.of(top[key][1]))
                elif ok and key == "name":
                    self.spec.name = value
        misspelt = {close for key in top if key not in TOP_KEYS
                    for close in difflib.get_close_matches(key.lower(), list(TOP_KEYS), n=1, cutoff=0.6)}
        for key in ("input", "layers"):
            if key not in top and key not in misspelt:  # a misspelling is one mistake, reported once
                self.error("S003", f"missing required key '{key}'", Loc.of(root))
        if "input" in top:
            self.input_shape(top["input"][1])
        if "blocks" in top:
            self.block_defs(top["blocks"][1])
        if "layers" in top:
            node = top["layers"][1]
            if not isinstance(node, SequenceNode) or node.tag != SEQ_TAG:
                ok, value = self.value(node)
                if ok:
                    self.error("S005", f"layers: expected a list of layers, found {describe(value)}", Loc.of(node))
            else:
                top_scope = Scope("", {}, {INPUT: INPUT}, INPUT)
                self.expand(node, top_scope)
                self.network_outputs(top.get("outputs"), top_scope)
        if "expect" in top:
            self.spec.expect = self.answers(top["expect"][1], TOP_ANSWERS, "expect")

    def input_shape(self, node: Node) -> None:
        expected = "a list of 1 to 4 positive integers, channels first: [C, H, W], [C, L], [C, D, H, W] or [features]"
        if not isinstance(node, SequenceNode) or node.tag != SEQ_TAG:
            ok, value = self.value(node)
            if ok:
                self.error("S004", f"input: expected {expected}, found {describe(value)}", Loc.of(node))
            return
        if not 1 <= len(node.value) <= 4:
            self.error("S004", f"input: expected {expected}, found a list of {len(node.value)} items", Loc.of(node))
            return
        dims = []
        for item in node.value:
            if not isinstance(item, ScalarNode):
                found = "a list" if isinstance(item, SequenceNode) else "a mapping"
                self.error("S004", f"input: expected a positive integer size, found {found}", Loc.of(item))
                return
            ok, value = self.value(item)
            if not ok:
                return
            if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= INT64_MAX:
                self.error("S004", f"input: expected a positive integer size, found {describe(value)}", Loc.of(item))
                return
            dims.append(value)
        if prod(dims) > INT64_MAX:
            self.error("S004", f"input: {'x'.join(map(str, dims))} has more elements than int64 can count "
                       "(torch cannot hold it)", Loc.of(node))
            return
        self.spec.input_shape = tuple(dims)

    # -- blocks -------------------------------------------------------------------------------
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
                        params[p] = None if isinstance(default, ScalarNode) and default.tag == NULL_TAG else default
            self.blocks[name] = BlockDef(name, params, parts["layers"][1], Loc.of(key_node))

    def substitute(self, node: Node, scope: Scope) -> Node | None:
        """Replace `$param` values by the nodes that give them (keeping the use site's location).

        None when a parameter is unknown (reported)."""
        if isinstance(node, ScalarNode):
            match = PARAM.match(node.value) if node.tag == STR_TAG else None
            if not match:
                return node
            if match[1] in scope.bindings:
                return scope.bindings[match[1]]
            where = f"block '{scope.stack[-1]}'" if scope.stack else "the top level (parameters exist only in blocks)"
            self.error("G004", f"unknown parameter ${match[1]} in {where}"
                       f"{did_you_mean(match[1], list(scope.bindings))}", Loc.of(node))
            return None
        if isinstance(node, (SequenceNode, MappingNode)) and scope.bindings:
            if isinstance(node, SequenceNode):
                children = [self.substitute(child, scope) for child in node.value]
                if None in children:
                    return None
                changed = any(c is not o for c, o in zip(children, node.value))
                return SequenceNode(node.tag, children, node.start_mark, node.end_mark, node.flow_style) if changed else node
            pairs = [(k, self.substitute(v, scope)) for k, v in node.value]
            if any(v is None for _, v in pairs):
                return None
            return MappingNode(node.tag, pairs, node.start_mark, node.end_mark, node.flow_style)
        return node

    # -- layers -------------------------------------------------------------------------------
    def entry(self, node: Node) -> Entry | None:
        """One entry: `- relu`, `- {type: conv2d, ...}` or the one-key form `- conv2d: {...}`."""
        loc = Loc.of(node)
        form = "a layer: a type name (- relu), a mapping with 'type', or a one-key mapping (- conv2d: {...})"
        if isinstance(node, ScalarNode) and node.tag == STR_TAG:
            return Entry(node.value, node, {}, loc)
        if not isinstance(node, MappingNode):
            if isinstance(node, SequenceNode):
                self.error("S005", f"expected {form}, found a list", loc)
            else:
                ok, value = self.value(node)
                if ok:
                    self.error("S005", f"expected {form}, found {describe(value)}", loc)
            return None
        items = self.items(node)
        if "type" in items:
            type_node = items.pop("type")[1]
            if not (isinstance(type_node, ScalarNode) and type_node.tag == STR_TAG):
                ok, value = self.value(type_node)
                if ok:
                    self.error("S009", f"type: expected a layer type name, found {describe(value)}", Loc.of(type_node))
                return None
            return Entry(type_node.value, type_node, items, loc)
        if len(items) == 1:
            (type_name, (key_node, value_node)), = items.items()
            if isinstance(value_node, MappingNode):
                return Entry(type_name, key_node, self.items(value_node), loc)
            if isinstance(value_node, ScalarNode) and value_node.tag == NULL_TAG:
                return Entry(type_name, key_node, {}, loc)
            if lookup(type_name) or type_name in self.blocks:
                found = "a list" if isinstance(value_node, SequenceNode) else describe(self.value(value_node)[1])
                self.error("S005", f"{type_name}: its arguments must be a mapping ({{kernel_size: 3, ...}}), "
                           f"found {found}", Loc.of(value_node))
                return None
        self.error("S005", f"expected {form}, found a mapping without 'type'", loc)
        return None

    def expand(self, seq: Node, scope: Scope) -> None:
        """Place every entry of a list of layers in order, in the given scope."""
        if not isinstance(seq, SequenceNode) or seq.tag != SEQ_TAG:
            self.error("S005", "layers: expected a list of layers", Loc.of(seq))
            return
        entries = [self.entry(node) for node in seq.value]
        # Explicit names first, so numbered names avoid them and forward references are recognised.
        explicit: dict[str, int] = {}
        for i, e in enumerate(entries):
            name = self.explicit_name(e) if e else None
            if name is None:
                continue
            if name in explicit:
                first = entries[explicit[name]].loc
                self.error("S011", f"duplicate layer name '{scope.prefix}{name}' (first used at line {first.line})",
                           Loc.of(e.items["name"][1]), scope.prefix + name)
                e.items.pop("name")
            else:
                explicit[name] = i
        counters: dict[str, int] = {}
        for i, e in enumerate(entries):
            if e is None or self.too_many:
                continue
            name = self.explicit_name(e)
            if name is None:
                base = self.canonical_type(e.type_name)
                while name is None or name in explicit:
                    counters[base] = counters.get(base, 0) + 1
                    name = f"{base}_{counters[base]}"
            self.place(e, name, scope, explicit, entries, i)

    def explicit_name(self, e: Entry) -> str | None:
        if "name" not in e.items:
            return None
        node = e.items["name"][1]
        ok, value = self.value(node)
        if ok and (not isinstance(value, str) or not value.strip() or "." in value or value == INPUT):
            why = "'.' separates block levels" if isinstance(value, str) and "." in value else (
                "'input' names the input" if value == INPUT else "")
            self.error("S010" if isinstance(value, str) else "S009",
                       f"name: expected a non-empty string without '.', found {describe(value)}"
                       + (f" ({why})" if why else ""), Loc.of(node))
            e.items.pop("name")
            return None
        return value if ok else None

    def canonical_type(self, type_name: str) -> str:
        kind = lookup(type_name)
        return kind.type if kind else type_name

    def place(self, e: Entry, local: str, scope: Scope, explicit: dict[str, int], entries: list, index: int) -> None:
        """Resolve the entry's inputs, `when` and `repeat`, then emit its layer(s) or block copies."""
        full = scope.prefix + local
        items = {}
        for key, (key_node, value_node) in e.items.items():
            value_node = self.substitute(value_node, scope)
            if value_node is None:
                e.broken.add(key)
            else:
                items[key] = (key_node, value_node)
        items.pop("name", None)
        source = self.inputs(items.pop("inputs", None), scope, full, explicit, entries, index)
        when = self.flag(items.pop("when", None), full, "when")
        repeat = self.count(items.pop("repeat", None), full)
        first = items.pop("first", None)
        if source is None:
            source = [scope.previous]
        if when is False:  # the layer is left out: its name stands for its input
            scope.names[local] = self.refs[full] = source[0]
            scope.previous = source[0]
            return
        first_items = self.items(first[1], full) if first and isinstance(first[1], MappingNode) else {}
        if first and not isinstance(first[1], MappingNode):
            self.error("S009", f"{full}: first: expected a mapping of arguments for the first copy", Loc.of(first[1]), full)
        block = self.blocks.get(e.type_name)
        group_start = len(self.spec.layers)
        for copy in range(repeat):
            if self.too_many:
                return
            name = f"{local}.{copy}" if repeat > 1 else local
            copy_items = {**items, **first_items} if copy == 0 else items
            inputs = source if copy == 0 else [scope.previous]
            if block is not None:
                depth = scope.depth + (repeat > 1)  # copies of a repeated block show under the group
                out = self.use_block(block, e, copy_items, scope, scope.prefix + name, inputs[0], depth)
            else:
                out = self.layer(e, copy_items, scope, scope.prefix + name, inputs)
            scope.names[name] = self.refs[scope.prefix + name] = scope.previous = out
        scope.names[local] = self.refs[full] = scope.previous
        if block is not None and repeat > 1:
            self.spec.blocks.append(BlockUse(full, block.name, group_start, len(self.spec.layers), scope.depth, e.loc,
                                             source[0], scope.previous, repeat))

    def inputs(self, pair: tuple[Node, Node] | None, scope: Scope, full: str, explicit: dict[str, int],
               entries: list, index: int) -> list[str] | None:
        """`inputs: a` or `inputs: [a, b]`: names of earlier layers in this scope, or dotted
        names of layers inside earlier blocks (`down1.conv2`). None: the previous layer."""
        if pair is None:
            return None
        node = pair[1]
        ok, value = self.value(node)
        if not ok:
            return None
        names = [value] if isinstance(value, str) else value
        if not isinstance(names, list) or not names or not all(isinstance(n, str) for n in names):
            self.error("S009", f"{full}: inputs: expected a layer name or a list of them, found {describe(value)}",
                       Loc.of(node), full)
            return None
        refs = []
        for name in names:
            if name in scope.names:
                refs.append(scope.names[name])
            elif scope.prefix + name in self.refs:
                refs.append(self.refs[scope.prefix + name])
            elif name in explicit and explicit[name] >= index:
                line = entries[explicit[name]].loc.line
                cycle = self.depends_on(explicit[name], index, explicit, entries)
                self.error("G002", f"{full}: inputs: '{name}' comes later (line {line}); a layer can only take "
                           f"layers above it" + ("; here that would be a cycle" if cycle else ""), Loc.of(node), full)
                return None
            elif name in self.refs:  # a full name from anywhere above, e.g. a skip connection passed to a block
                refs.append(self.refs[name])
            else:
                known = [n for n in scope.names if n != INPUT or scope.stack] + [INPUT]
                self.error("G001", f"{full}: inputs: no layer named '{name}' before this one"
                           f"{did_you_mean(name, known)}", Loc.of(node), full)
                return None
        return refs

    def depends_on(self, start: int, target: int, explicit: dict[str, int], entries: list) -> bool:
        """Whether entry `start` reaches entry `target` through inputs (default: the one above)."""
        seen, todo = set(), [start]
        while todo:
            i = todo.pop()
            if i == target:
                return True
            if i in seen or i < 0 or entries[i] is None:
                continue
            seen.add(i)
            pair = entries[i].items.get("inputs")
            ok, value = self.value(pair[1]) if pair else (True, None)
            names = [value] if isinstance(value, str) else value if isinstance(value, list) else None
            todo.extend([explicit[n] for n in names if isinstance(n, str) and n in explicit] if names else [i - 1])
        return False

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

    def budget(self, loc: Loc) -> bool:
        if len(self.spec.layers) >= MAX_LAYERS and not self.too_many:
            self.too_many = True
            self.error("G005", f"the network expands to more than {MAX_LAYERS:,} layers", loc)
        return not self.too_many

    def use_block(self, block: BlockDef, e: Entry, items: Items, scope: Scope, full: str, source: str,
                  depth: int) -> str:
        """Expand one copy of a block; returns the full name of its output."""
        if block.name in scope.stack:
            self.error("G004", f"{full}: block '{block.name}' uses itself "
                       f"({' -> '.join((*scope.stack, block.name))})", e.loc, full)
            return source
        bindings: dict[str, Node] = {}
        frozen = self.flag(items.get("trainable"), full, "trainable") is False
        for key, (key_node, value_node) in items.items():
            if key == "trainable":
                continue
            if key not in block.params:
                self.error("G004", f"{full}: block '{block.name}' has no parameter '{key}'"
                           f"{did_you_mean(key, list(block.params))}", Loc.of(key_node), full)
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
                                         source, inner.previous))
        return inner.previous

    def layer(self, e: Entry, items: Items, scope: Scope, full: str, inputs: list[str]) -> str:
        """Emit one layer; returns its full name."""
        if not self.budget(e.loc):
            return full
        kind = lookup(e.type_name)
        layer = LayerSpec(full, kind.type if kind else e.type_name, kind, {}, e.loc, inputs=inputs,
                          block=scope.block, depth=scope.depth)
        self.spec.layers.append(layer)
        for key in e.broken:
            layer.arg_locs[key] = e.loc
            layer.complete = False
        if "trainable" in items:
            flag = self.flag(items.pop("trainable"), full, "trainable")
            layer.trainable = True if flag is None else flag
        if "expect" in items:
            layer.expect = self.answers(items.pop("expect")[1], LAYER_ANSWERS, f"{full}: expect", full)
        if kind is None:
            options = sorted(KINDS) + sorted(TYPE_ALIASES) + sorted(self.blocks)
            self.error("S006", f"{full}: unknown layer type '{e.type_name}'{did_you_mean(e.type_name, options)}",
                       Loc.of(e.type_node), full)
            layer.complete = False
            return full
        for key, (key_node, value_node) in items.items():
            self.argument(layer, kind, key, key_node, value_node)
        for arg in kind.args:
            if arg.name in layer.args or arg.name in layer.arg_locs:  # given (perhaps invalid: reported)
                continue
            if (full, arg.name) in self.suggested:  # reported as the misspelling
                layer.complete = False
                continue
            if arg.required:
                alias = f" (or its alias '{', '.join(arg.aliases)}')" if arg.aliases else ""
                self.error("S008", f"{full}: {kind.type} needs '{arg.name}'{alias}: {arg.help}", layer.loc, full)
                layer.complete = False
            else:
                layer.args[arg.name] = arg.default
        if "inputs" in e.items:
            layer.arg_locs["inputs"] = Loc.of(e.items["inputs"][1])
        return full

    def argument(self, layer: LayerSpec, kind: LayerKind, key: str, key_node: Node, value_node: Node) -> None:
        arg = kind.arg(key)
        if arg is None:
            names = [a.name for a in kind.args] + [al for a in kind.args for al in a.aliases]
            close = difflib.get_close_matches(key.lower(), names, n=1, cutoff=0.6)
            if close:  # the misspelling and the missing argument are one mistake: report it once
                self.suggested.add((layer.name, kind.arg(close[0]).name))
            hint = did_you_mean(key, names) or (
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
            self.error(err.code, f"{layer.name}: {key}: {err}", Loc.of(value_node), layer.name)
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

    def network_outputs(self, pair: tuple[Node, Node] | None, scope: Scope) -> None:
        """`outputs:` names the network's outputs (default: the last layer); a layer whose output
        nothing takes and that is not an output is probably a mistake (W002)."""
        outputs: list[str] = []
        if pair is not None:
            ok, value = self.value(pair[1])
            names = [value] if isinstance(value, str) else value
            if ok and (not isinstance(names, list) or not names or not all(isinstance(n, str) for n in names)):
                self.error("S009", f"outputs: expected a layer name or a list of them, found {describe(value)}",
                           Loc.of(pair[1]))
            elif ok:
                for name in names:
                    ref = scope.names.get(name) or self.refs.get(name)
                    if ref is None:
                        self.error("G001", f"outputs: no layer named '{name}'{did_you_mean(name, list(self.refs))}",
                                   Loc.of(pair[1]))
                    else:
                        outputs.append(ref)
        elif self.spec.layers:
            outputs = [scope.previous]
        self.spec.outputs = outputs
        used = set(outputs)
        for layer in self.spec.layers:
            used.update(layer.inputs)
        for layer in self.spec.layers:
            if layer.name not in used:
                self.error("W002", f"{layer.name}: its output is never used (name it in `outputs` if the "
                           "network returns it)", layer.loc, layer.name)


def parse(text: str, path: str = "<spec>") -> tuple[Spec, list[Diagnostic]]:
    """Parse a spec's text. Always returns a Spec (possibly partial) and every problem found.

    A mistake inside a block is reported once, not once per use of the block."""
    parser = _Parser(path)
    root, problem = compose(text)
    if problem is not None:
        return parser.spec, [problem]
    parser.document(root)
    seen: set[tuple[str, int, int]] = set()
    diagnostics = []
    for d in parser.diagnostics:
        key = (d.code, d.line, d.column)
        if d.code[0] in "YSG" and key in seen:
            continue
        seen.add(key)
        diagnostics.append(d)
    return parser.spec, diagnostics
