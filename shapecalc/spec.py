"""Parsing: the text of a spec to layer descriptors plus diagnostics, never an exception.

We walk PyYAML's node graph (`yaml.compose`) instead of loading plain objects because nodes keep
the line and column of every key and value, show duplicate keys that `safe_load` silently drops,
and let us stay in control of what gets expanded: only the handful of nodes a spec uses are ever
constructed, so alias bombs and deep nesting cost nothing. Values are built by PyYAML's
SafeConstructor, which refuses object-constructing tags.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from typing import Any, Iterator

import yaml
from yaml.constructor import ConstructorError, SafeConstructor
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from .diagnostics import Diagnostic
from .layers import KINDS, TYPE_ALIASES, LayerKind, Shape, lookup
from .layers.args import INT64_MAX, ArgError, describe

#: Larger files are refused: a spec of 100,000 layers is about 6 MB.
MAX_BYTES = 16 * 1024 * 1024
#: Deeper nesting is refused (a spec needs about 4 levels; libyaml crashes near 30,000).
MAX_DEPTH = 1000
#: Many block indicators in a row on one line (`- - - - x`) nest without brackets or indentation.
_INDICATOR_RUN = re.compile(r"(?:[-?:][ \t]+){100,}")
#: Keys a merge (`<<`) may bring in, in all, for one document.
MAX_MERGED_KEYS = 10_000

TOP_KEYS = ("name", "description", "input", "layers")
LAYER_KEYS = ("type", "name", "trainable")
MERGE_TAG = "tag:yaml.org,2002:merge"
MAP_TAG, SEQ_TAG = "tag:yaml.org,2002:map", "tag:yaml.org,2002:seq"
STR_TAG, NULL_TAG = "tag:yaml.org,2002:str", "tag:yaml.org,2002:null"
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass(frozen=True)
class Loc:
    """A 1-based position in the spec file."""

    line: int
    column: int

    @staticmethod
    def of(node: Node) -> "Loc":
        return Loc(node.start_mark.line + 1, node.start_mark.column + 1)


@dataclass
class LayerSpec:
    """One layer as written: its kind (None when the type is unknown) and validated arguments.

    `complete` is False when an argument was missing or invalid: the layer is listed but its
    shape cannot be computed."""

    name: str
    type: str
    kind: LayerKind | None
    args: dict[str, Any]
    loc: Loc
    arg_locs: dict[str, Loc] = field(default_factory=dict)
    trainable: bool = True
    complete: bool = True

    def where(self, arg: str | None) -> Loc:
        return self.arg_locs.get(arg, self.loc) if arg else self.loc


@dataclass
class Spec:
    path: str
    name: str | None = None
    input_shape: Shape | None = None
    input_loc: Loc = Loc(1, 1)
    layers: list[LayerSpec] = field(default_factory=list)


def did_you_mean(word: str, options: Iterator[str] | list[str]) -> str:
    close = difflib.get_close_matches(word.lower(), list(options), n=1, cutoff=0.6)
    return f"; did you mean '{close[0]}'?" if close else ""


class _Parser:
    def __init__(self, path: str) -> None:
        self.spec = Spec(path)
        self.diagnostics: list[Diagnostic] = []
        self.constructor = SafeConstructor()
        self.merged_keys = 0

    def error(self, code: str, message: str, loc: Loc, layer: str | None = None) -> None:
        self.diagnostics.append(Diagnostic(code, message, loc.line, loc.column, layer))

    # -- YAML helpers -------------------------------------------------------------------------
    def value(self, node: Node) -> tuple[bool, Any]:
        """Construct a plain value; (False, None) after reporting when the node can't be built."""
        try:
            return True, self.constructor.construct_object(node, deep=True)
        except ConstructorError as err:
            mark = err.problem_mark or node.start_mark
            self.error("Y005", f"unsupported YAML tag {node.tag!r}: only plain values are allowed",
                       Loc(mark.line + 1, mark.column + 1))
        except RecursionError:
            self.error("Y004", "value nested too deeply", Loc.of(node))
        return False, None

    def items(self, node: MappingNode, layer: str | None = None) -> dict[str, tuple[Node, Node]]:
        """Keys to (key node, value node), reporting duplicate keys and expanding `<<` merges.

        Merged keys come first and explicit keys override them, as YAML's merge rule says; a
        merge is expanded one level at a time against a document-wide budget."""
        out: dict[str, tuple[Node, Node]] = {}
        merged: dict[str, tuple[Node, Node]] = {}
        if node.tag != MAP_TAG:
            self.value(node)  # reports the tag (Y005): SafeConstructor knows only plain mappings
            return out
        for key_node, value_node in node.value:
            if key_node.tag == MERGE_TAG:
                sources = value_node.value if isinstance(value_node, SequenceNode) else [value_node]
                for source in sources:
                    if not isinstance(source, MappingNode):
                        self.error("S005", "a merge (<<) takes a mapping or a list of mappings", Loc.of(source), layer)
                        continue
                    self.merged_keys += len(source.value)
                    if self.merged_keys > MAX_MERGED_KEYS:
                        self.error("Y004", f"merges (<<) bring in more than {MAX_MERGED_KEYS:,} keys", Loc.of(key_node), layer)
                        return out
                    for key, pair in self.items(source, layer).items():
                        merged.setdefault(key, pair)
                continue
            if not isinstance(key_node, ScalarNode):
                self.error("S009", "expected a plain string key, found a " +
                           ("list" if isinstance(key_node, SequenceNode) else "mapping"), Loc.of(key_node), layer)
                continue
            key = key_node.value
            if key in out:
                first = Loc.of(out[key][0])
                self.error("Y003", f"duplicate key '{key}' (first given at line {first.line}); "
                           "YAML loaders silently keep only the last one", Loc.of(key_node), layer)
                continue
            out[key] = (key_node, value_node)
        return {**merged, **out}

    # -- the document -------------------------------------------------------------------------
    def document(self, root: Node | None) -> None:
        if root is None:
            self.error("S001", "the spec is empty: expected a mapping with 'input' and 'layers'", Loc(1, 1))
            return
        if root.tag not in (MAP_TAG, SEQ_TAG) and not isinstance(root, ScalarNode):
            self.value(root)  # reports the tag (Y005)
            return
        if not isinstance(root, MappingNode):
            found = "a list" if isinstance(root, SequenceNode) else f"the scalar {describe(self.value(root)[1])}"
            self.error("S001", f"expected a mapping with 'input' and 'layers', found {found}", Loc.of(root))
            return
        top = self.items(root)
        for key, (key_node, value_node) in top.items():
            if key not in TOP_KEYS:
                self.error("S002", f"unknown top-level key '{key}'{did_you_mean(key, TOP_KEYS)} "
                           f"(expected {', '.join(TOP_KEYS)})", Loc.of(key_node))
        for key in ("name", "description"):
            if key in top:
                ok, value = self.value(top[key][1])
                if ok and not isinstance(value, str):
                    self.error("S009", f"{key}: expected a string, found {describe(value)}", Loc.of(top[key][1]))
                elif ok and key == "name":
                    self.spec.name = value
        for key in ("input", "layers"):
            if key not in top:
                self.error("S003", f"missing required key '{key}'", Loc.of(root))
        if "input" in top:
            self.input_shape(top["input"][1])
        if "layers" in top:
            self.layers(top["layers"][1])

    def input_shape(self, node: Node) -> None:
        self.spec.input_loc = Loc.of(node)
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
        self.spec.input_shape = tuple(dims)

    def layers(self, node: Node) -> None:
        if not isinstance(node, SequenceNode) or node.tag != SEQ_TAG:
            ok, value = self.value(node)
            if ok:
                self.error("S005", f"layers: expected a list of layers, found {describe(value)}", Loc.of(node))
            return
        # Names first (explicit ones win, the rest are numbered), so every later message can
        # name the layer the way the table will.
        entries = [entry for entry in map(self.layer, node.value) if entry is not None]
        self.name_layers([layer for layer, _, _ in entries])
        for layer, type_node, items in entries:
            self.layer_args(layer, type_node, items)
        self.spec.layers = [layer for layer, _, _ in entries]

    def layer(self, node: Node) -> tuple[LayerSpec, Node, dict[str, tuple[Node, Node]]] | None:
        """One entry: `- relu`, `- {type: conv2d, ...}` or the one-key form `- conv2d: {...}`."""
        loc = Loc.of(node)
        form = "a layer: a type name (- relu), a mapping with 'type', or a one-key mapping (- conv2d: {...})"
        if isinstance(node, ScalarNode) and node.tag == STR_TAG:
            return self.layer_head(node, node.value, {}, loc)
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
            return self.layer_head(type_node, type_node.value, items, loc)
        if len(items) == 1:
            (type_name, (key_node, value_node)), = items.items()
            if isinstance(value_node, MappingNode):
                return self.layer_head(key_node, type_name, self.items(value_node), loc)
            if isinstance(value_node, ScalarNode) and value_node.tag == NULL_TAG:
                return self.layer_head(key_node, type_name, {}, loc)
        self.error("S005", f"expected {form}, found a mapping without 'type'", loc)
        return None

    def layer_head(self, type_node: Node, type_name: str, items: dict[str, tuple[Node, Node]],
                   loc: Loc) -> tuple[LayerSpec, Node, dict[str, tuple[Node, Node]]]:
        """The kind and the explicit name, if any; arguments come once every layer has a name."""
        kind = lookup(type_name)
        layer = LayerSpec("", kind.type if kind else type_name, kind, {}, loc)
        explicit_name = items.pop("name", None)
        if explicit_name:
            ok, value = self.value(explicit_name[1])
            if ok and (not isinstance(value, str) or not value.strip()):
                self.error("S009", f"name: expected a non-empty string, found {describe(value)}", Loc.of(explicit_name[1]))
            elif ok:
                layer.name = value
                layer.arg_locs["name"] = Loc.of(explicit_name[1])
        return layer, type_node, items

    def layer_args(self, layer: LayerSpec, type_node: Node, items: dict[str, tuple[Node, Node]]) -> None:
        kind = layer.kind
        if "trainable" in items:
            value_node = items.pop("trainable")[1]
            ok, value = self.value(value_node)
            if ok and not isinstance(value, bool):
                self.error("S009", f"{layer.name}: trainable: expected true or false, found {describe(value)}",
                           Loc.of(value_node), layer.name)
            layer.trainable = value if ok and isinstance(value, bool) else True
        if kind is None:
            options = list(KINDS) + list(TYPE_ALIASES)
            self.error("S006", f"{layer.name}: unknown layer type '{layer.type}'{did_you_mean(layer.type, options)}",
                       Loc.of(type_node), layer.name)
            layer.complete = False
            return
        for key, (key_node, value_node) in items.items():
            self.argument(layer, kind, key, key_node, value_node)
        for arg in kind.args:
            if arg.name in layer.args:
                continue
            if arg.name in layer.arg_locs:  # given, but invalid: already reported
                continue
            if arg.required:
                alias = f" (or its alias '{', '.join(arg.aliases)}')" if arg.aliases else ""
                self.error("S008", f"{layer.name}: {kind.type} needs '{arg.name}'{alias}: {arg.help}",
                           layer.loc, layer.name)
                layer.complete = False
            else:
                layer.args[arg.name] = arg.default

    def argument(self, layer: LayerSpec, kind: LayerKind, key: str, key_node: Node, value_node: Node) -> None:
        arg = kind.arg(key)
        if arg is None:
            names = [a.name for a in kind.args] + [al for a in kind.args for al in a.aliases]
            close = difflib.get_close_matches(key.lower(), names, n=1, cutoff=0.6)
            if close:  # the misspelling and the missing argument are one mistake: report it once
                layer.arg_locs.setdefault(kind.arg(close[0]).name, Loc.of(key_node))
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

    def name_layers(self, layers: list[LayerSpec]) -> None:
        """Explicit names must be unique; the others become `conv2d_1`, `relu_2`, ... per type."""
        seen: dict[str, LayerSpec] = {}
        for layer in layers:
            if not layer.name:
                continue
            if layer.name in seen:
                first = seen[layer.name].loc
                self.error("S011", f"duplicate layer name '{layer.name}' (first used at line {first.line})",
                           layer.where("name"), layer.name)
            seen.setdefault(layer.name, layer)
        counters: dict[str, int] = {}
        for layer in layers:
            while not layer.name:
                counters[layer.type] = counters.get(layer.type, 0) + 1
                candidate = f"{layer.type}_{counters[layer.type]}"
                if candidate not in seen:
                    layer.name = candidate
                    seen[candidate] = layer


def decode(data: bytes) -> tuple[str | None, Diagnostic | None]:
    """Bytes to text, or a Y002/Y004 diagnostic pointing at the first offending byte."""
    if len(data) > MAX_BYTES:
        return None, Diagnostic("Y004", f"file is {len(data):,} bytes, more than the limit of {MAX_BYTES:,}", 1, 1)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        return None, _byte_diag(data, err.start, "file is not UTF-8 text (invalid byte 0x%02x)" % data[err.start])
    if "\x00" in text:
        return None, _byte_diag(data, data.index(b"\x00"), "file is binary (contains a NUL byte), not a YAML spec")
    return text, None


def _byte_diag(data: bytes, offset: int, message: str) -> Diagnostic:
    before = data[:offset]
    line = before.count(b"\n") + 1
    column = offset - (before.rfind(b"\n") + 1) + 1
    return Diagnostic("Y002", message, line, column)


def _nesting_beyond_limit(text: str) -> Loc | None:
    """Where the document nests deeper than MAX_DEPTH, if it does.

    libyaml's composer recurses in C and crashes the interpreter near 30,000 levels, so depth is
    checked before composing. The exact check walks parser events (libyaml's parser keeps an
    explicit stack); it runs only when a cheap over-estimate says the document might be deep."""
    brackets = text.count("[") + text.count("{")
    if brackets > MAX_DEPTH:
        depth = best = 0
        for ch in re.sub(r"[^\[\]{}]", "", text):
            depth = depth + 1 if ch in "[{" else max(0, depth - 1)
            best = max(best, depth)
        brackets = best
    if brackets <= MAX_DEPTH and not _INDICATOR_RUN.search(text):
        return None
    depth = 0
    for event in yaml.parse(text, Loader=_Loader):
        if isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
            depth += 1
            if depth > MAX_DEPTH:
                return Loc(event.start_mark.line + 1, event.start_mark.column + 1)
        elif isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
            depth -= 1
    return None


def parse(text: str, path: str = "<spec>") -> tuple[Spec, list[Diagnostic]]:
    """Parse a spec's text. Always returns a Spec (possibly partial) and every problem found."""
    parser = _Parser(path)
    if len(text) > MAX_BYTES:
        parser.error("Y004", f"spec is {len(text):,} characters, more than the limit of {MAX_BYTES:,}", Loc(1, 1))
        return parser.spec, parser.diagnostics
    try:
        deep = _nesting_beyond_limit(text)
        if deep is not None:
            parser.error("Y004", f"YAML nested more than {MAX_DEPTH} levels deep", deep)
            return parser.spec, parser.diagnostics
        root = yaml.compose(text, Loader=_Loader)
    except yaml.MarkedYAMLError as err:
        mark = err.problem_mark or err.context_mark
        message = err.problem or "invalid YAML"
        if err.context:
            message = f"{message} ({err.context})"
        loc = Loc(mark.line + 1, mark.column + 1) if mark else Loc(1, 1)
        parser.error("Y001", f"invalid YAML: {message}", loc)
        return parser.spec, parser.diagnostics
    except yaml.YAMLError as err:  # ReaderError: a character YAML does not allow
        position = getattr(err, "position", 0)
        line = text.count("\n", 0, position) + 1
        column = position - (text.rfind("\n", 0, position) + 1) + 1
        parser.error("Y001", f"invalid YAML: {getattr(err, 'reason', err)}", Loc(line, column))
        return parser.spec, parser.diagnostics
    except RecursionError:
        parser.error("Y004", "YAML nested too deeply", Loc(1, 1))
        return parser.spec, parser.diagnostics
    parser.document(root)
    return parser.spec, parser.diagnostics
