"""Safe, located, bounded YAML: text to PyYAML nodes, and nodes to plain values.

We walk PyYAML's node graph (`yaml.compose`) instead of loading plain objects because nodes keep
the line and column of every key and value, show duplicate keys that `safe_load` silently drops,
and let us stay in control of what gets expanded: only the handful of nodes a spec uses are ever
constructed, so alias bombs cost nothing. Values are built by PyYAML's SafeConstructor, which
refuses object-constructing tags. Nothing here raises on bad input: problems become diagnostics.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import yaml
from yaml.constructor import ConstructorError, SafeConstructor
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from ..diagnostics import Diagnostic
from .syntax import syntax_hint

#: Larger files are refused: a spec of 100,000 layers is about 6 MB.
MAX_BYTES = 16 * 1024 * 1024
#: Deeper nesting is refused (a spec needs about 6 levels; libyaml crashes near 30,000).
MAX_DEPTH = 1000
#: Keys a merge (`<<`) may bring in, in all, for one document.
MAX_MERGED_KEYS = 10_000

MERGE_TAG = "tag:yaml.org,2002:merge"
MAP_TAG, SEQ_TAG = "tag:yaml.org,2002:map", "tag:yaml.org,2002:seq"
STR_TAG, NULL_TAG = "tag:yaml.org,2002:str", "tag:yaml.org,2002:null"
INT_TAG, FLOAT_TAG = "tag:yaml.org,2002:int", "tag:yaml.org,2002:float"
CORE = "tag:yaml.org,2002:"
_OCTAL = re.compile(r"^[-+]?0[0-9_]+$")
_NULL = re.compile(r"^(?:~|null|Null|NULL|)$")
#: Distinct nodes one value may have (a kernel size needs 3; a connection table about 100).
MAX_VALUE_NODES = 100_000
#: Levels one value may nest (a connection table needs 2). Building a value recurses in PyYAML,
#: so the depth is bounded before it is built, wherever in the spec the value is.
MAX_VALUE_DEPTH = 100
#: What each core tag needs, for the message when an explicit tag's value is not that (`!!bool maybe`).
_NEEDS = {"bool": "true or false", "int": "an integer", "float": "a number", "null": "null (~, null or nothing)",
          "timestamp": "a date (2001-12-14) or a date and time", "binary": "base64 data",
          "map": "a mapping", "omap": "a list of one-key mappings", "pairs": "a list of one-key mappings",
          "set": "a mapping of keys without values", "seq": "a list", "str": "text"}
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_RESOLVER = yaml.resolver.Resolver()


@dataclass(frozen=True, slots=True)
class Loc:
    """A 1-based position in the spec file."""

    line: int
    column: int

    @staticmethod
    def of(node: Node) -> "Loc":
        return Loc(node.start_mark.line + 1, node.start_mark.column + 1)


class NodeReader:
    """Reads nodes into values and mappings, collecting diagnostics instead of raising."""

    def __init__(self) -> None:
        self.diagnostics: list[Diagnostic] = []
        self.constructor = SafeConstructor()
        self.merged_keys = 0

    def error(self, code: str, message: str, loc: Loc, layer: str | None = None) -> None:
        self.diagnostics.append(Diagnostic(code, message, loc.line, loc.column, layer))

    def value(self, node: Node) -> tuple[bool, Any]:
        """Construct a plain value; (False, None) after reporting when the node can't be built."""
        if isinstance(node, ScalarNode):
            if not self.acceptable(node):
                return False, None
        elif not self.plain(node):
            return False, None
        return self.construct(node)

    def construct(self, node: Node) -> tuple[bool, Any]:
        """The one place values are built. PyYAML's constructors do not all check what they are
        given: `!!bool maybe` raises KeyError, `!!timestamp nope` AttributeError, `!!int ''`
        IndexError, so any failure here is the value's, and becomes one located diagnostic."""
        try:
            return True, self.constructor.construct_object(node, deep=True)
        except Exception as err:  # noqa: BLE001 -- whatever a constructor raises, the value is to blame
            self.constructor = SafeConstructor()  # a failed build leaves its half-made state behind
            if isinstance(err, ValueError) and "digits" in str(err):  # Python refuses ints of over 4,300 digits
                self.error("Y004", "integer of more than 4,300 digits", Loc.of(node))
            else:
                self.refused(self.culprit(node), err)
        return False, None

    def culprit(self, node: Node) -> Node:
        """The first scalar of a list or mapping that cannot be built alone (the one to point at),
        or the node itself. Only runs after a failure; the walk is bounded by `plain`."""
        todo, seen = [node], set()
        while todo:
            current = todo.pop()
            if id(current) in seen:
                continue
            seen.add(id(current))
            if isinstance(current, ScalarNode):
                try:
                    SafeConstructor().construct_object(current)
                except Exception:  # noqa: BLE001 -- found it
                    return current
            elif isinstance(current, SequenceNode):
                todo.extend(reversed(current.value))
            else:
                todo.extend(reversed([n for pair in current.value for n in pair]))
        return node

    def refused(self, node: Node, err: Exception) -> None:
        """Say why a node could not be built: an object tag (refused on purpose), a core tag given
        a value it does not take (`!!int x`), or a date YAML recognises that the calendar does not."""
        mark = (err.problem_mark if isinstance(err, ConstructorError) else None) or node.start_mark
        loc = Loc(mark.line + 1, mark.column + 1)
        if isinstance(err, ConstructorError) and "recursive" in (err.problem or ""):
            self.error("Y004", "a value that contains itself (an alias inside its own anchor)", loc)
            return
        name = node.tag[len(CORE):] if node.tag.startswith(CORE) else None
        if name not in _NEEDS:
            self.error("Y005", f"unsupported YAML tag {node.tag!r}: only plain values are allowed", loc)
            return
        found = repr(node.value) if isinstance(node, ScalarNode) else (
            "the list given" if isinstance(node, SequenceNode) else "the mapping given")
        if isinstance(node, ScalarNode) and not node.style and _RESOLVER.resolve(
                ScalarNode, node.value, (True, False)) == node.tag:  # no tag written: YAML read it so itself
            self.error("Y001", f"invalid value: {found} reads as {_NEEDS[name]} but is not a valid one ({err}); "
                       "quote it if it is text", loc)
            return
        self.error("Y005", f"{found} is not {_NEEDS[name]}, as its tag !!{name} requires", loc)

    def plain(self, node: Node) -> bool:
        """Check a list or mapping value before PyYAML builds it: its merges (`<<`) would be
        flattened by PyYAML with no budget, doubling at every level, so values may not merge;
        every distinct node is visited once (aliases and cycles included), within a budget; and
        its depth is bounded, as building it recurses."""
        seen: set[int] = set()
        todo = [(node, 1)]
        while todo:
            current, depth = todo.pop()
            if id(current) in seen:
                continue
            seen.add(id(current))
            if len(seen) > MAX_VALUE_NODES:
                self.error("Y004", f"value of more than {MAX_VALUE_NODES:,} items", Loc.of(node))
                return False
            if isinstance(current, ScalarNode):
                if not self.acceptable(current):
                    return False
                continue
            if depth > MAX_VALUE_DEPTH:
                self.error("Y004", f"value nested more than {MAX_VALUE_DEPTH} levels deep", Loc.of(current))
                return False
            if isinstance(current, SequenceNode):
                todo.extend((child, depth + 1) for child in current.value)
            else:
                for key, value in current.value:
                    if key.tag == MERGE_TAG:
                        self.error("Y004", "merges (<<) are only for layer and block mappings, not inside values",
                                   Loc.of(key))
                        return False
                    todo.extend(((key, depth + 1), (value, depth + 1)))
        return True

    def acceptable(self, node: ScalarNode) -> bool:
        """What a scalar's constructor would take without complaint but should not: YAML 1.1
        reads `010` as 8 and `1:30` as 90, so such numbers are refused rather than change a size
        silently (S013); and `!!null 3` would quietly become null (Y005)."""
        if node.tag in (INT_TAG, FLOAT_TAG) and (":" in node.value or node.tag == INT_TAG and _OCTAL.match(node.value)):
            kind = "sexagesimal (base 60)" if ":" in node.value else "octal"
            self.error("S013", f"{node.value} is a YAML 1.1 {kind} number; write the plain decimal value "
                       f"(or quote it if it is text)", Loc.of(node))
            return False
        if node.tag == NULL_TAG and not _NULL.match(node.value):
            self.error("Y005", f"{node.value!r} is not {_NEEDS['null']}, as its tag !!null requires", Loc.of(node))
            return False
        return True

    def refuse_tag(self, node: Node) -> None:
        """Report (Y005) a mapping or list tagged other than plainly. SafeConstructor refuses the
        object tags by itself, but builds !!set, !!omap and !!pairs, which would pass silently."""
        ok, _ = self.value(node)
        if ok:
            self.error("Y005", f"unsupported YAML tag {node.tag!r}: only plain mappings and lists are allowed",
                       Loc.of(node))

    def items(self, node: MappingNode, layer: str | None = None) -> dict[str, tuple[Node, Node]]:
        """Keys to (key node, value node), reporting duplicate keys and expanding `<<` merges.

        Merged keys come first and explicit keys override them, as YAML's merge rule says (and,
        among merged mappings, the earlier one wins). Merges are followed with an explicit stack,
        not recursion (a chain of merges is as long as the budget allows), against a
        document-wide budget of keys; a mapping that merges one of its own merges is refused."""
        if node.tag != MAP_TAG:
            self.refuse_tag(node)
            return {}
        own, sources = self.own_items(node, layer)
        merged: dict[str, tuple[Node, Node]] = {}
        active: set[int] = {id(node)}  # the mapping and the merges being expanded: a cycle guard
        todo: list[tuple[Node, MappingNode | None]] = [(key, source) for key, source in reversed(sources)]
        while todo:
            key_node, source = todo.pop()
            if source is None:  # done with every merge key_node brought in
                active.discard(id(key_node))
                continue
            if not isinstance(source, MappingNode):
                self.error("S005", "a merge (<<) takes a mapping or a list of mappings", Loc.of(source), layer)
                continue
            if id(source) in active:
                self.error("Y004", "a merge (<<) that includes itself", Loc.of(key_node), layer)
                continue
            self.merged_keys += len(source.value)
            if self.merged_keys > MAX_MERGED_KEYS:
                if self.merged_keys - len(source.value) <= MAX_MERGED_KEYS:  # say it once
                    self.error("Y004", f"merges (<<) bring in more than {MAX_MERGED_KEYS:,} keys", Loc.of(key_node), layer)
                return own
            if source.tag != MAP_TAG:
                self.refuse_tag(source)
                continue
            pairs, nested = self.own_items(source, layer)
            for key, pair in pairs.items():
                merged.setdefault(key, pair)
            active.add(id(source))
            todo.append((source, None))
            todo.extend(reversed(nested))
        return {**merged, **own}

    def own_items(self, node: MappingNode, layer: str | None) -> tuple[dict[str, tuple[Node, Node]],
                                                                        list[tuple[Node, Node]]]:
        """A mapping's own keys (duplicates and keys that are not plain text reported), and its
        merges as (`<<` key, mapping merged) in the order written."""
        out: dict[str, tuple[Node, Node]] = {}
        sources: list[tuple[Node, Node]] = []
        for key_node, value_node in (rejoin_tuples(node.value) if node.flow_style else node.value):
            if key_node.tag == MERGE_TAG:
                merged = value_node.value if isinstance(value_node, SequenceNode) else [value_node]
                sources.extend((key_node, source) for source in merged)
                continue
            if not isinstance(key_node, ScalarNode):
                self.error("S009", "expected a plain string key, found a " +
                           ("list" if isinstance(key_node, SequenceNode) else "mapping"), Loc.of(key_node), layer)
                continue
            if key_node.tag != STR_TAG and not self.value(key_node)[0]:  # `!!int x: 3`: the key is read as text
                continue
            key = key_node.value
            if key in out:
                first = Loc.of(out[key][0])
                self.error("Y003", f"duplicate key '{key}' (first given at line {first.line}); "
                           "YAML loaders silently keep only the last one", Loc.of(key_node), layer)
                continue
            out[key] = (key_node, value_node)
        return out, sources


def _plain(node: Node) -> bool:
    return isinstance(node, ScalarNode) and not node.style  # libyaml writes "" for plain, PyYAML None


def rejoin_tuples(pairs: list[tuple[Node, Node]]) -> list[tuple[Node, Node]]:
    """A flow mapping's pairs with torch's tuples put back together. YAML has no tuples, and in
    `{kernel_size: (3, 3), stride: 1}` the comma ends the entry: the value is '(3' and '3)' a key
    without a value. So a plain value that opens a parenthesis, followed by plain keys without
    values up to one that closes it, is one value again, the text '(3, 3)', which the argument's
    reader then refuses once, saying what to write."""
    out: list[tuple[Node, Node]] = []
    i = 0
    while i < len(pairs):
        key_node, value_node = pairs[i]
        i += 1
        if not (_plain(value_node) and value_node.value.startswith("(") and ")" not in value_node.value):
            out.append((key_node, value_node))
            continue
        end = i
        while end < len(pairs) and _plain(pairs[end][0]) and _plain(pairs[end][1]) and pairs[end][1].value == "" \
                and ")" not in pairs[end][0].value[:-1]:
            end += 1
            if pairs[end - 1][0].value.endswith(")"):
                break
        else:
            out.append((key_node, value_node))  # no closing piece: not a tuple split by a comma
            continue
        pieces = [value_node.value] + [k.value for k, _ in pairs[i:end]]
        joined = ScalarNode(STR_TAG, ", ".join(p.strip() for p in pieces), value_node.start_mark,
                            pairs[end - 1][0].end_mark, style=value_node.style)
        out.append((key_node, joined))
        i = end
    return out


def decode(data: bytes) -> tuple[str | None, Diagnostic | None]:
    """Bytes to text, or a Y002/Y004 diagnostic pointing at the first offending byte."""
    if len(data) > MAX_BYTES:
        return None, Diagnostic("Y004", f"file is {len(data):,} bytes, more than the limit of {MAX_BYTES:,}", 1, 1)
    if data.startswith(b"\xef\xbb\xbf"):  # a UTF-8 byte-order mark: not part of the text
        data = data[3:]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as err:
        return None, _byte_diag(data, err.start, "file is not UTF-8 text (invalid byte 0x%02x)" % data[err.start])
    if "\x00" in text:
        return None, _byte_diag(data, data.index(b"\x00"), "file is binary (contains a NUL byte), not a YAML spec")
    return text, None


def _byte_diag(data: bytes, offset: int, message: str) -> Diagnostic:
    """Line and column (in characters, as editors count) of the byte at `offset`."""
    before = data[:offset]
    line_start = before.rfind(b"\n") + 1
    column = len(before[line_start:].decode("utf-8", "replace")) + 1
    return Diagnostic("Y002", message, before.count(b"\n") + 1, column)


def _nesting_beyond_limit(text: str) -> Loc | None:
    """Where the document nests deeper than MAX_DEPTH, if it does.

    libyaml's composer recurses in C and crashes the interpreter near 30,000 levels, so depth is
    checked before composing. A block level needs a column more than its parent's at least every
    second level, and a flow level a bracket, so depth <= 2 * (longest line + 1) + brackets: only
    when that bound is over the limit do we walk the parser's events (libyaml's parser keeps an
    explicit stack, so that walk is safe) to find the exact depth."""
    brackets = text.count("[") + text.count("{")
    if brackets > MAX_DEPTH:
        depth = best = 0
        for ch in re.sub(r"[^\[\]{}]", "", text):
            depth = depth + 1 if ch in "[{" else max(0, depth - 1)
            best = max(best, depth)
        brackets = best
    longest = max(map(len, text.splitlines()), default=0)
    if 2 * (longest + 1) + brackets <= MAX_DEPTH:
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


def compose(text: str) -> tuple[Node | None, Diagnostic | None]:
    """The document's root node, or the diagnostic that stops us reading it at all."""
    if len(text) > MAX_BYTES:
        return None, Diagnostic("Y004", f"spec is {len(text):,} characters, more than the limit of {MAX_BYTES:,}", 1, 1)
    try:
        deep = _nesting_beyond_limit(text)
        if deep is not None:
            return None, Diagnostic("Y004", f"YAML nested more than {MAX_DEPTH} levels deep", deep.line, deep.column)
        return yaml.compose(text, Loader=_Loader), None
    except yaml.MarkedYAMLError as err:
        mark = err.problem_mark or err.context_mark
        message = err.problem or "invalid YAML"
        if err.context:
            message = f"{message} ({err.context})"
        line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        if "nesting depth" in message:  # libyaml's own limit (PyYAML 6.0.4+): 1,000 levels, as ours
            return None, Diagnostic("Y004", f"YAML nested more than {MAX_DEPTH} levels deep", line, column)
        hint = syntax_hint(text, err.problem or "", line - 1, column - 1) if mark else None
        if hint is not None:  # a newcomer's mistake: say which, and where to fix it
            return None, Diagnostic("Y001", f"invalid YAML: {hint[0]}", hint[1], hint[2])
        return None, Diagnostic("Y001", f"invalid YAML: {message}", line, column)
    except yaml.YAMLError as err:  # ReaderError: a character YAML does not allow
        position = getattr(err, "position", 0)
        line = text.count("\n", 0, position) + 1
        column = position - (text.rfind("\n", 0, position) + 1) + 1
        return None, Diagnostic("Y001", f"invalid YAML: {getattr(err, 'reason', err)}", line, column)
    except RecursionError:
        return None, Diagnostic("Y004", "YAML nested too deeply", 1, 1)
