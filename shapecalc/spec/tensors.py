"""Reading --input and --weights JSON files, with one clear message per problem.

Every message names the file and says what was expected and what was found. A file that
cannot be read at all raises Unreadable (the CLI exits 2); a file whose content is wrong
raises DataError with every problem found (exit 1).
"""

from __future__ import annotations

import json
import math
from math import prod
from pathlib import Path
from typing import Any

from ..layers.args import describe
from . import did_you_mean
from ..kernels.params import Given, ParamDecl
from ..kernels.tensor import Shape, Tensor

#: The shape probe stops at this depth: no tensor here has more dimensions (conv3d weights have 5).
MAX_RANK = 6


class Unreadable(Exception):
    """The file could not be opened or read."""


class DataError(Exception):
    """The file's content does not fit; `problems` holds one message per problem."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


def load(path: Path) -> Any:
    try:
        data = path.read_bytes()
    except OSError as err:
        raise Unreadable(f"{path}: cannot read: {err.strerror or err}") from None
    try:
        return json.loads(data.decode("utf-8-sig"))
    except UnicodeDecodeError as err:
        raise DataError([f"{path}: not UTF-8 text (invalid byte 0x{data[err.start]:02x} at offset {err.start})"]) from None
    except json.JSONDecodeError as err:
        raise DataError([f"{path}: not valid JSON: {err.msg} at line {err.lineno} column {err.colno}"]) from None
    except RecursionError:
        raise DataError([f"{path}: JSON nested too deeply"]) from None


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
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return f"entry {index} is {'a list' if isinstance(value, list) else describe(value)}, expected a number"
        try:
            number = float(value)
        except OverflowError:
            return f"entry {index} is {describe(value)}, too large for a float"
        return "" if math.isfinite(number) else (
            f"entry {index} is {value}, expected a finite number (NaN and infinity are not allowed)")
    if not isinstance(value, list):
        return f"entry {index} is {describe(value)}, expected a list of {shape[0]}"
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
        found_words = shape_words(found) if found else describe(value)
        raise DataError([f"{what}: expected shape {shape_words(expected)} ({layout}), found {found_words}{hint}"])
    flat = [value]
    for n in expected:
        if not all(isinstance(row, list) and len(row) == n for row in flat):
            break
        flat = [item for row in flat for item in row]
    else:
        if all(type(v) in (int, float) for v in flat):  # not bool, a subclass of int
            try:
                data = [float(v) for v in flat]
            except OverflowError:
                data = [math.inf]
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
    return to_tensor(load(path), expected, f"{path}", "the spec's input: channels first, no batch dimension")


def read_weights(path: Path, decls: dict[str, dict[str, ParamDecl]]) -> dict[str, dict[str, Given]]:
    """Parameters given in the file, by layer and name. `decls` holds every layer by name, with
    the parameters it takes (none for most). Every problem is collected before raising."""
    data = load(path)
    if not isinstance(data, dict):
        raise DataError([f"{path}: expected an object {{layer name: {{\"weight\": ..., \"bias\": ...}}}}, "
                         f"found {describe(data)}"])
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
                            f"({', '.join(decls[layer])}), found {describe(entry)}")
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
