"""Reading --input and --weights JSON files, with one clear message per problem.

Every message names the file and says what was expected and what was found. A file that
cannot be read at all raises Unreadable (the CLI exits 2); a file whose content is wrong
raises DataError with every problem found (exit 1).
"""

from __future__ import annotations

import json
import math
import re
from math import prod
from pathlib import Path
from typing import Any

from ..layers.args import describe
from . import did_you_mean
from .files import BadFile, read_bounded
from ..kernels.params import Given, ParamDecl
from ..kernels.tensor import Shape, Tensor

#: The shape probe stops at this depth: no tensor here has more dimensions (conv3d weights have 5).
MAX_RANK = 6
#: A file may take this many bytes per number it should hold, plus SLACK_BYTES, up to MAX_BYTES:
#: room for any layout (indentation, 17-digit decimals), while parsing, which holds about 16
#: bytes of Python objects per byte of JSON, stays bounded and in proportion to the run.
BYTES_PER_NUMBER = 64
SLACK_BYTES = 1 << 20
MAX_BYTES = 256 << 20


def size_limit(numbers: int) -> int:
    """The most bytes a file meant to hold `numbers` numbers may have."""
    return min(SLACK_BYTES + BYTES_PER_NUMBER * numbers, MAX_BYTES)


class Unreadable(Exception):
    """The file could not be opened or read."""


class DataError(Exception):
    """The file's content does not fit; `problems` holds one message per problem."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


class TooLarge:
    """A number in the file that no float holds (1e999, an integer of 5,000 digits), kept as its
    text: the message shows the entry as written, instead of Python's int() failing on more than
    4,300 digits inside the parser, or float() quietly making it infinity."""

    def __init__(self, text: str) -> None:
        self.text = text

    def __str__(self) -> str:
        digits = self.text.lstrip("-")
        if len(self.text) <= 40:
            return self.text
        return f"an integer of {len(digits):,} digits" if digits.isdigit() else f"a number of {len(self.text):,} characters"


def _integer(text: str) -> int | TooLarge:
    """An integer literal: float() reads any length, so only those a float holds (309 digits at
    most, far below the int limit) reach int()."""
    return int(text) if math.isfinite(float(text)) else TooLarge(text)


def _real(text: str) -> float | TooLarge:
    value = float(text)
    return value if math.isfinite(value) else TooLarge(text)


class _Duplicate(Exception):
    """Raised out of the parser by an object with a key twice; _first_duplicate then finds where."""


def _unique(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    found = dict(pairs)
    if len(found) != len(pairs):
        raise _Duplicate
    return found


#: The tokens that matter for finding object keys: strings (keys or values) and structure.
_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|[{}\[\]:]')


def _first_duplicate(text: str) -> tuple[str, int, int]:
    """The first key, in file order, that its object already has: (key, first offset, offset).
    Only called once the parser has found one, so the text up to it is valid JSON."""
    objects: list[dict[str, int] | None] = []  # per open bracket: the keys so far (None: a list)
    last: tuple[str, int] | None = None  # the previous string token
    for token in _TOKEN.finditer(text):
        kind = token.group()
        if kind in "{[":
            objects.append({} if kind == "{" else None)
        elif kind in "}]":
            objects.pop()
        elif kind == ":" and last is not None and objects and objects[-1] is not None:
            key, at = last
            if key in objects[-1]:
                return key, objects[-1][key], at
            objects[-1][key] = at
        last = (json.loads(kind), token.start()) if kind.startswith('"') else None
    raise AssertionError("no duplicate key")  # pragma: no cover - _unique found one


def _where(text: str, offset: int) -> tuple[int, int]:
    """Line and column (both from 1) of an offset."""
    return text.count("\n", 0, offset) + 1, offset - text.rfind("\n", 0, offset)


def load(path: Path, limit: int, what: str) -> Any:
    """The JSON value in the file, read within `limit` bytes (see files.read_bounded); every
    number a float (NaN and infinity too: Python's json reads them, and to_tensor says where they
    are), an int, or TooLarge; no object with a key twice (json would keep the last)."""
    try:
        data = read_bounded(path, limit, what)
    except BadFile as err:
        raise Unreadable(str(err)) from None
    try:
        text = data.decode("utf-8-sig")
        return json.loads(text, parse_int=_integer, parse_float=_real, object_pairs_hook=_unique)
    except UnicodeDecodeError as err:
        raise DataError([f"{path}: not UTF-8 text (invalid byte 0x{data[err.start]:02x} at offset {err.start})"]) from None
    except json.JSONDecodeError as err:
        raise DataError([f"{path}: not valid JSON: {err.msg} at line {err.lineno} column {err.colno}"]) from None
    except RecursionError:
        raise DataError([f"{path}: JSON nested too deeply"]) from None
    except _Duplicate:
        key, first, at = _first_duplicate(text)
        (line, column), (first_line, first_column) = _where(text, at), _where(text, first)
        raise DataError([f"{path}:{line}:{column}: key {describe(key)} given twice in one object (first at line "
                         f"{first_line} column {first_column}); JSON keys must be unique"]) from None


def _describe(value: Any) -> str:
    return str(value) if isinstance(value, TooLarge) else describe(value)


def shape_words(shape: Shape) -> str:
    return "[" + ", ".join(map(str, shape)) + "]"


def _nested_shape(value: Any) -> Shape:
    """The shape the first element at each depth suggests."""
    shape = []
    while isinstance(value, list) and len(shape) <= MAX_RANK:
        shape.append(len(value))
        value = value[0] if value else None
    return tuple(shape)


def _first_problem(value: Any, shape: Shape, index: str = "") -> str:
    """Walk the nested lists to the first entry that breaks the shape or is not a finite number."""
    if not shape:
        if isinstance(value, TooLarge):
            return f"entry {index} is {value}, too large for a float"
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return f"entry {index} is {'a list' if isinstance(value, list) else describe(value)}, expected a number"
        return "" if math.isfinite(value) else (
            f"entry {index} is {value}, expected a finite number (NaN and infinity are not allowed)")
    if not isinstance(value, list):
        return f"entry {index} is {_describe(value)}, expected a list of {shape[0]}"
    if len(value) != shape[0]:
        return f"entry {index} has {len(value)} items, expected {shape[0]} (lists must be rectangular)"
    for i, item in enumerate(value):
        problem = _first_problem(item, shape[1:], f"{index}[{i}]")
        if problem:
            return problem
    return ""


def to_tensor(value: Any, expected: Shape, what: str, layout: str) -> Tensor:
    """Nested lists of numbers with exactly the `expected` shape, as a Tensor; else DataError.

    A quick pass checks and flattens in bulk; only when it fails does the slower walk run,
    to say where."""
    found = _nested_shape(value)
    if found != expected:
        hint = " (drop the batch dimension)" if found == (1, *expected) else ""
        found_words = shape_words(found) if found else _describe(value)
        raise DataError([f"{what}: expected shape {shape_words(expected)} ({layout}), found {found_words}{hint}"])
    flat = [value]
    for n in expected:
        if not all(isinstance(row, list) and len(row) == n for row in flat):
            break
        flat = [item for row in flat for item in row]
    else:
        if all(type(v) in (int, float) for v in flat):  # not bool, a subclass of int
            data = [float(v) for v in flat]  # load() let through only numbers a float holds
            if all(map(math.isfinite, data)):
                return Tensor(expected, data)
    raise DataError([f"{what}: {_first_problem(value, expected)}"])



def unlinked(weight: Tensor, links: tuple[tuple[int, ...], ...]) -> str:
    """What is wrong with a connection-table weight [out, in, *k]: the first input map that its
    output map does not link yet has a nonzero weight ("" if none). Zeros, not silently ignored
    values, because the file then holds exactly the weights the layer uses."""
    c_in = weight.shape[1]
    taps = prod(weight.shape[2:])
    for o, row in enumerate(links):
        for i in range(c_in):
            if i not in row and any(weight.data[(o * c_in + i) * taps:(o * c_in + i + 1) * taps]):
                return (f"entry [{o}][{i}] is not all zeros, but connection_table does not link output map {o} "
                        f"to input map {i} (it reads maps {list(row)}): the weights of unlinked maps must be 0")
    return ""


def read_input(path: Path, expected: Shape) -> Tensor:
    data = load(path, size_limit(prod(expected)), "the --input file")
    return to_tensor(data, expected, f"{path}", "the spec's input: channels first, no batch dimension")


def read_weights(path: Path, decls: dict[str, dict[str, ParamDecl]]) -> dict[str, dict[str, Given]]:
    """Parameters given in the file, by layer and name. `decls` holds every layer by name, with
    the parameters it takes (none for most). Every problem is collected before raising."""
    numbers = sum(prod(d.shape) for layer in decls.values() for d in layer.values())
    data = load(path, size_limit(numbers), "the --weights file")
    if not isinstance(data, dict):
        raise DataError([f"{path}: expected an object {{layer name: {{\"weight\": ..., \"bias\": ...}}}}, "
                         f"found {_describe(data)}"])
    with_params = [name for name, d in decls.items() if d]
    problems: list[str] = []
    given: dict[str, dict[str, Given]] = {}
    for layer, entry in data.items():
        if layer not in decls:
            problems.append(f"{path}: '{layer}' matches no layer{did_you_mean(layer, list(decls))} "
                            f"(layers with parameters: {', '.join(with_params) or 'none'})")
            continue
        if not decls[layer]:
            problems.append(f"{path}: layer '{layer}' has no parameters")
            continue
        if not isinstance(entry, dict):
            problems.append(f"{path}: {layer}: expected an object of parameters "
                            f"({', '.join(decls[layer])}), found {_describe(entry)}")
            continue
        for name, value in entry.items():
            decl = decls[layer].get(name)
            if decl is None:
                problems.append(f"{path}: {layer}: unknown parameter '{name}'{did_you_mean(name, list(decls[layer]))} "
                                f"({layer} takes {', '.join(decls[layer])})")
                continue
            try:
                tensor = to_tensor(value, decl.shape, f"{path}: {layer}.{name}", decl.layout)
            except DataError as err:
                problems += err.problems
                continue
            problem = unlinked(tensor, decl.links) if decl.links is not None else ""
            if problem:
                problems.append(f"{path}: {layer}.{name}: {problem}")
                continue
            given.setdefault(layer, {})[name] = Given(tensor.shape, tensor.data)
    if problems:
        raise DataError(problems)
    return given
