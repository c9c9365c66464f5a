"""The spec grammar: YAML nodes to a flat, ordered list of layer descriptors, plus diagnostics.

The document's keys, the input shape, and each list of layers, entry by entry, in order; blocks
(blocks.py), references (graph.py) and values (arguments.py) are the other parts of the parser.
Parsing never raises: every problem becomes a located diagnostic and the spec stays partial.
"""

from __future__ import annotations

import difflib
from itertools import chain
from math import prod

from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from ..diagnostics import Diagnostic
from ..layers import KINDS, TYPE_ALIASES, lookup
from ..layers.args import INT64_MAX, describe
from .blocks import BlockExpander
from .model import (INPUT, LAYER_ANSWERS, LAYER_KEYS, MAX_ENTRIES, MAX_LAYERS, TOP_ANSWERS, TOP_KEYS, BlockDef,
                    BlockUse, Entry, Hints, Items, LayerSpec, Scope, Spec, did_you_mean)
from .syntax import colon_missing_in, missing_colon, not_indented, tuple_fix
from .yamlsafe import MAP_TAG, NULL_TAG, SEQ_TAG, STR_TAG, Loc, compose


class Parser(BlockExpander):
    """One document's parser: the document and its lists of layers."""

    def __init__(self, path: str) -> None:
        super().__init__()
        self.spec = Spec(path)
        self.blocks: dict[str, BlockDef] = {}
        self.refs: dict[str, str] = {INPUT: INPUT}  # every full name -> what it refers to
        self.suggested: set[tuple[str, str]] = set()  # (layer, argument) a misspelt key was taken for
        self.too_many = False
        self.placed = 0  # entries placed, against MAX_ENTRIES
        self.hints = Hints()
        self.unindented: set[Loc] = set()  # layers whose arguments were written beside them (reported)

    def document(self, root: Node | None) -> None:
        if root is None:
            self.error("S001", "the spec is empty: expected a mapping with 'input' and 'layers'", Loc(1, 1))
            return
        if not isinstance(root, ScalarNode) and root.tag not in (MAP_TAG, SEQ_TAG):
            self.refuse_tag(root)
            return
        if not isinstance(root, MappingNode):
            ok, value = (True, None) if isinstance(root, SequenceNode) else self.value(root)
            found = "a list" if isinstance(root, SequenceNode) else f"the scalar {describe(value)}"
            if isinstance(root, SequenceNode):  # most likely the layers, with 'layers:' (and 'input:') forgotten
                found += ": if these are the layers, put them under a 'layers:' key, after 'input: [C, H, W]'"
            if ok:
                self.error("S001", f"expected a mapping with 'input' and 'layers', found {found}", Loc.of(root))
            return
        top = self.items(root)
        stray = self.stray_arguments(top)
        typed = [key for key in top if key not in TOP_KEYS and key not in stray and lookup(key)]
        if typed and "layers" not in top:  # `conv2d: {...}` at the top: the list and its key forgotten
            key_node = top[typed[0]][0]
            self.error("S003", f"missing required key 'layers': '{typed[0]}' is a layer type, and layers are a list "
                       f"under the 'layers:' key (layers:, then '- {typed[0]}: ...' indented under it)",
                       Loc.of(key_node))
        for key, (key_node, _) in top.items():
            if key in typed and "layers" not in top:
                continue
            if key in typed:
                self.error("S002", f"unknown top-level key '{key}': it is a layer type; put it in the 'layers:' list "
                           f"as '- {key}'", Loc.of(key_node))
            elif key not in TOP_KEYS and key not in stray:
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
            if key not in top and key not in misspelt and not (key == "layers" and typed):  # one mistake, once
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
                    start = "; start each layer with '- ' (a list item)" if isinstance(value, dict) else ""
                    self.error("S005", f"layers: expected a list of layers, found {describe(value)}{start}", Loc.of(node))
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
                self.error("S004", f"input: {tuple_fix(value) or f'expected {expected}, found {describe(value)}'}",
                           Loc.of(node))
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
        self.spec.input_shape, self.spec.input_loc = tuple(dims), Loc.of(node)

    def entry(self, node: Node, scope: Scope) -> Entry | None:
        """One entry: `- relu`, `- {type: conv2d, ...}` or the one-key form `- conv2d: {...}`;
        inside a block, the type may be a parameter (`- $act`, `type: $act`, `$act: {...}`)."""
        loc = Loc.of(node)
        form = "a layer: a type name (- relu), a mapping with 'type', or a one-key mapping (- conv2d: {...})"
        if isinstance(node, ScalarNode) and node.tag == STR_TAG:
            type_node = self.type_node(node, scope)
            return None if self.glued(type_node) else Entry(type_node.value, type_node, {}, loc)
        if node.tag != (MAP_TAG if isinstance(node, MappingNode) else SEQ_TAG) and not isinstance(node, ScalarNode):
            self.refuse_tag(node)  # `- !!set {...}`, `- !!str {...}`: one Y005, not also a wrong form
            return None
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
            type_node = self.type_node(items.pop("type")[1], scope)
            return None if self.glued(type_node) else Entry(type_node.value, type_node, items, loc)
        if len(items) == 1:
            (_, (key_node, value_node)), = items.items()
            key_node = self.type_node(key_node, scope)
            if self.glued(key_node):
                return None
            type_name = key_node.value
            if isinstance(value_node, MappingNode):
                return Entry(type_name, key_node, self.items(value_node), loc)
            if isinstance(value_node, ScalarNode) and value_node.tag == NULL_TAG:
                return Entry(type_name, key_node, {}, loc)
            if lookup(type_name) or type_name in self.blocks:
                ok, value = (True, None) if isinstance(value_node, SequenceNode) else self.value(value_node)
                if ok:
                    found = "a list" if isinstance(value_node, SequenceNode) else describe(value)
                    self.error("S005", f"{type_name}: its arguments must be a mapping ({{kernel_size: 3, ...}}), "
                               f"found {found}", Loc.of(value_node))
                return None
        if not self.not_indented(items):
            self.error("S005", f"expected {form}, found a mapping without 'type'", loc)
        return None

    def stray_arguments(self, top: Items) -> set[str]:
        """Top-level keys that are the arguments of the last layer, not indented under it
        (`- conv2d:` at column 1, then `out_channels: 6` at column 1: keys of the document to
        YAML). Reported once (S005), not as unknown keys and missing arguments."""
        layers = top.get("layers", (None, None))[1]
        last = layers.value[-1] if isinstance(layers, SequenceNode) and layers.value else None
        if not isinstance(last, MappingNode) or len(last.value) != 1:
            return set()
        (key_node, value_node), = last.value
        kind = lookup(key_node.value) if isinstance(key_node, ScalarNode) else None
        if kind is None or not isinstance(value_node, ScalarNode) or value_node.tag != NULL_TAG:
            return set()
        after = last.start_mark.line
        stray = {key: k for key, (k, _) in top.items()
                 if key not in TOP_KEYS and kind.arg(key) and k.start_mark.line > after}
        if stray:
            first = min(stray.values(), key=lambda k: (k.start_mark.line, k.start_mark.column))
            at = Loc.of(key_node)
            self.error("S005", not_indented(key_node.value, at.line, at.column)
                       + f" ('{first.value}' is a top-level key)", Loc.of(first))
            self.unindented.add(Loc.of(last))
        return set(stray)

    def glued(self, type_node: ScalarNode | None) -> bool:
        """True when there is no type to read: not a name (reported), or a name and its arguments
        glued together by a missing colon (`- conv2d {out_channels: 6}`), reported as that."""
        if type_node is None:
            return True
        glue = colon_missing_in(type_node.value)
        if glue is None:
            return False
        at = Loc.of(type_node)
        self.error("S005", missing_colon(*glue), Loc(at.line, at.column + len(glue[0])))
        return True

    def not_indented(self, items: Items) -> bool:
        """Report (S005) a layer whose arguments are not indented under it: `- conv2d:` then
        `out_channels: 6` under 'conv2d' reads as one mapping of siblings, the layer's value
        null. True when that is the mistake."""
        for layer, (key_node, value) in items.items():
            kind, block = lookup(layer), self.blocks.get(layer)
            if not isinstance(value, ScalarNode) or value.tag != NULL_TAG or not (kind or block):
                continue
            first = next((k for key, (k, _) in items.items() if key != layer and (
                key in LAYER_KEYS or (kind.arg(key) if kind else key in block.params))), None)
            if first is not None:
                break
        else:
            return False
        at = Loc.of(key_node)
        self.error("S005", not_indented(layer, at.line, at.column) + f" ('{first.value}' is its sibling)",
                   Loc.of(first))
        return True

    def type_node(self, node: Node, scope: Scope) -> ScalarNode | None:
        """The string node that names an entry's type: as written, or what a `$param` gives (at
        the use, so a wrong type is reported where the use writes it); None when reported."""
        if isinstance(node, ScalarNode) and node.tag == STR_TAG and "$" in node.value:
            node = self.substitute(node, scope)
            if node is None:
                return None
        if isinstance(node, ScalarNode) and node.tag == STR_TAG:
            return node
        ok, value = self.value(node)
        if ok:
            self.error("S009", f"type: expected a layer type name, found {describe(value)}", Loc.of(node))
        return None

    def expand(self, seq: Node, scope: Scope) -> None:
        """Place every entry of a list of layers in order, in the given scope."""
        if not isinstance(seq, SequenceNode) or seq.tag != SEQ_TAG:
            self.error("S005", "layers: expected a list of layers", Loc.of(seq))
            return
        if self.placed + len(seq.value) > MAX_ENTRIES:  # each entry places at least one: refuse before reading
            self.over(f"the network expands to more than {MAX_ENTRIES:,} entries: this list alone has "
                      f"{len(seq.value):,}", Loc.of(seq))
            return
        entries = [self.entry(node, scope) for node in seq.value]
        names = [self.explicit_name(e, scope) if e else None for e in entries]
        # Explicit names first, so numbered names avoid them and forward references are recognised.
        explicit: dict[str, int] = {}
        for i, (e, name) in enumerate(zip(entries, names)):
            if name is None:
                continue
            if name in explicit:
                first = entries[explicit[name]].loc
                self.error("S011", f"duplicate layer name '{scope.prefix}{name}' (first used at line {first.line})",
                           Loc.of(e.items.pop("name")[1]), scope.prefix + name)
                names[i] = None
            else:
                explicit[name] = i
        counters: dict[str, int] = {}
        for i, (e, name) in enumerate(zip(entries, names)):
            if e is None or self.too_many:
                continue
            if name is None:
                base = self.canonical_type(e.type_name)
                while name is None or name in explicit:
                    counters[base] = counters.get(base, 0) + 1
                    name = f"{base}_{counters[base]}"
            self.place(e, name, scope, explicit, entries, i)

    def explicit_name(self, e: Entry, scope: Scope) -> str | None:
        """The entry's `name`, which inside a block may be a parameter (`name: $n`); a name that
        is not one is reported and dropped, so the layer gets a numbered name."""
        if "name" not in e.items:
            return None
        node = self.substitute(e.items["name"][1], scope)
        ok, value = self.value(node) if node is not None else (False, None)
        if ok and (not isinstance(value, str) or not value.strip() or "." in value or value == INPUT):
            why = "'.' separates block levels" if isinstance(value, str) and "." in value else (
                "'input' names the input" if value == INPUT else "")
            self.error("S010" if isinstance(value, str) else "S009",
                       f"name: expected a non-empty string without '.', found {describe(value)}"
                       + (f" ({why})" if why else ""), Loc.of(node))
        if not ok or not isinstance(value, str) or not value.strip() or "." in value or value == INPUT:
            e.items.pop("name")
            return None
        return value

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
        repeat_pair = items.pop("repeat", None)
        repeat = self.count(repeat_pair, full)
        first = items.pop("first", None)
        if source is None:
            source = [scope.previous]
        if when is False:  # the layer is left out: its name stands for its input
            if not self.room(e.loc):
                return
            self.placed += 1
            scope.names[local] = self.refs[full] = source[0]
            scope.previous = source[0]
            return
        first_items = self.items(first[1], full) if first and isinstance(first[1], MappingNode) else {}
        if first and not isinstance(first[1], MappingNode):
            self.error("S009", f"{full}: first: expected a mapping of arguments for the first copy", Loc.of(first[1]), full)
        block = self.blocks.get(e.type_name)
        group_start = len(self.spec.layers)
        each: tuple[int, int] | None = None  # layers and entries of a copy like every later one
        for copy in range(repeat):
            if each is not None and not self.room_for(each, repeat - copy, full, repeat, repeat_pair[1]):
                return
            if not self.room(e.loc):
                return
            before = len(self.spec.layers), self.placed
            self.placed += 1
            name = f"{local}.{copy}" if repeat > 1 else local
            copy_items = {**items, **first_items} if copy == 0 else items
            inputs = source if copy == 0 else [scope.previous]
            if block is not None:
                depth = scope.depth + (repeat > 1)  # copies of a repeated block show under the group
                out = self.use_block(block, e, copy_items, scope, scope.prefix + name, inputs[0], depth)
            else:
                out = self.layer(e, copy_items, scope, scope.prefix + name, inputs, copy)
            scope.names[name] = self.refs[scope.prefix + name] = scope.previous = out
            if copy == (1 if first_items else 0):  # copies after the first differ only in their input
                each = len(self.spec.layers) - before[0], self.placed - before[1]
        scope.names[local] = self.refs[full] = scope.previous
        if block is not None and repeat > 1:
            self.spec.blocks.append(BlockUse(full, block.name, group_start, len(self.spec.layers), scope.depth, e.loc,
                                             source[0], scope.previous, repeat))

    def room_for(self, each: tuple[int, int], copies: int, full: str, repeat: int, node: Node) -> bool:
        """Whether the copies still to make fit the limits, known before making them: each makes
        as many layers and entries as the copy measured. So a repeat over the limits is refused
        after one or two copies, not built up to the cap (or, when its copies make no layers,
        without end)."""
        layers, entries = each
        loc = Loc.of(node)
        if len(self.spec.layers) + layers * copies > MAX_LAYERS:
            self.over(f"{full}: repeat: {repeat:,} copies of {layers:,} layers each make the network more than "
                      f"{MAX_LAYERS:,} layers", loc)
        elif self.placed + entries * copies > MAX_ENTRIES:
            self.over(f"{full}: repeat: {repeat:,} copies of {entries:,} entries each (layers, copies of blocks and "
                      f"layers left out) make the network more than {MAX_ENTRIES:,} entries", loc)
        return not self.too_many

    def room(self, loc: Loc) -> bool:
        """Whether one more entry may be placed (MAX_ENTRIES), and nothing has stopped the expansion."""
        if self.placed >= MAX_ENTRIES:
            self.over(f"the network expands to more than {MAX_ENTRIES:,} entries (layers, copies of blocks and "
                      "layers left out)", loc)
        return not self.too_many

    def budget(self, loc: Loc) -> bool:
        """Whether one more layer may be made (MAX_LAYERS)."""
        if len(self.spec.layers) >= MAX_LAYERS:
            self.over(f"the network expands to more than {MAX_LAYERS:,} layers", loc)
        return not self.too_many

    def over(self, message: str, loc: Loc) -> None:
        """Stop expanding, with one G005: what is built so far stays, nothing more is."""
        if not self.too_many:
            self.too_many = True
            self.error("G005", message, loc)

    def layer(self, e: Entry, items: Items, scope: Scope, full: str, inputs: list[str], copy: int = 0) -> str:
        """Emit one layer; returns its full name."""
        if not self.budget(e.loc):
            return full
        kind = lookup(e.type_name)
        if kind is not None and kind.source:  # a learned tensor or buffer takes nothing
            if "inputs" in e.items and copy == 0:
                self.error("G003", f"{full}: {kind.type} takes no inputs: it is a tensor of its own "
                           "(name it in the inputs of the layer that uses it)", Loc.of(e.items["inputs"][1]), full)
            inputs = []
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
            options = chain(sorted(KINDS), sorted(TYPE_ALIASES), sorted(self.blocks))
            hint = self.hints.did_you_mean(e.type_name, options)
            self.error("S006", f"{full}: unknown layer type '{e.type_name}'{hint}",
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
            if arg.required and e.loc in self.unindented:
                layer.complete = False
            elif arg.required:
                alias = f" (or its alias '{', '.join(arg.aliases)}')" if arg.aliases else ""
                self.error("S008", f"{full}: {kind.type} needs '{arg.name}'{alias}: {arg.help}", layer.loc, full)
                layer.complete = False
            else:
                layer.args[arg.name] = arg.default
        if "inputs" in e.items:
            layer.arg_locs["inputs"] = Loc.of(e.items["inputs"][1])
        return full


def parse(text: str, path: str = "<spec>") -> tuple[Spec, list[Diagnostic]]:
    """Parse a spec's text. Always returns a Spec (possibly partial) and every problem found.

    A mistake inside a block is reported once, not once per use of the block."""
    parser = Parser(path)
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
