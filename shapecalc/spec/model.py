"""What a spec is once parsed: a flat, ordered list of layer descriptors (LayerSpec), the block
uses over them, the outputs and the answers to check; and the parser's working records.

Blocks are expanded at parse time: each use of a block becomes ordinary layers with dotted
names (`layer1.0.conv1`, as torch names modules), and every `inputs` reference is resolved to
the full name of an earlier layer. So the calculator (and the forward pass) only ever see a
flat list in which each layer's inputs come before it; cycles cannot exist past this point.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from itertools import islice
from typing import Any

from yaml.nodes import Node

from ..layers import LayerKind, Shape
from .yamlsafe import Loc

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
#: ... and to at most this many entries placed: every copy of every entry counts one, whether it
#: becomes a layer, a copy of a block or a layer left out (`when: false`), so repeats of blocks
#: that make no layers still cost bounded time.
MAX_ENTRIES = 400_000
#: Blocks may use blocks this many levels deep (expanding a use recurses; real networks use 2 to 4).
MAX_BLOCK_DEPTH = 100
#: Work the hints of one document's diagnostics may take in all: candidate names compared for
#: "did you mean", steps followed to tell whether a forward reference is a cycle. A spec with
#: thousands of unknown names gets its first hints and stays linear, not quadratic.
MAX_HINT_WORK = 100_000
PARAM = re.compile(r"^\$([A-Za-z_][A-Za-z0-9_]*)$")
#: One output of a layer with several (split, chunk): `parts[1]`.
PART = re.compile(r"^(.+)\[(0|[1-9][0-9]{0,5})\]$")


def part_name(layer: str, index: int) -> str:
    """The reference to output `index` of a layer with several outputs, as a spec writes it."""
    return f"{layer}[{index}]"


def split_ref(ref: str) -> tuple[str, int | None]:
    """A reference's layer and output index: `parts[1]` is ("parts", 1), `conv1` ("conv1", None)."""
    match = PART.match(ref)
    return (match[1], int(match[2])) if match else (ref, None)

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
    #: The use's whole-number and yes/no parameter values (the use's or the defaults), which
    #: the export names a block class's constructor arguments by.
    params: dict[str, int | bool] = field(default_factory=dict)


@dataclass
class Spec:
    path: str
    name: str | None = None
    input_shape: Shape | None = None
    input_loc: Loc | None = None  # where the input shape is written (hints about it point there)
    layers: list[LayerSpec] = field(default_factory=list)
    blocks: list[BlockUse] = field(default_factory=list)
    outputs: list[str] = field(default_factory=list)
    expect: dict[str, tuple[Any, Loc]] = field(default_factory=dict)
    #: No `outputs:` key: the last layer is the output (all of its outputs, when it has several).
    default_outputs: bool = True


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


class Hints:
    """The extras of diagnostics, within one document's budget (MAX_HINT_WORK): a suggestion
    compares the word with every candidate, and a spec that names 10,000 unknown layers among
    10,000 known ones would otherwise make 10^8 comparisons."""

    def __init__(self) -> None:
        self.left = MAX_HINT_WORK

    def did_you_mean(self, word: str, options: Iterable[str]) -> str:
        pool = list(islice(options, max(self.left, 0)))
        self.left -= len(pool)
        return did_you_mean(word, pool) if pool else ""

    def spend(self) -> bool:
        """Take one step of work; False once the budget is spent."""
        self.left -= 1
        return self.left >= 0
