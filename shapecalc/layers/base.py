"""What every layer kind provides, and the registry that finds a kind by its type name.

A layer kind is one small unit: its arguments (`args`), and `infer`, which takes the incoming
shape (channels first, no batch) and the validated arguments and returns the output shape, the
parameter and buffer counts and the worked arithmetic. Adding a layer type means writing one
such class and registering it; nothing else in the package changes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar

from .args import Arg

Shape = tuple[int, ...]


class LayerError(Exception):
    """The layer cannot be applied to this input (torch would raise): no output shape."""

    def __init__(self, code: str, message: str, arg: str | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.arg = arg


@dataclass(frozen=True)
class Problem:
    """A problem that does not stop the calculation (the output shape is still what torch gives).

    `arg` names the argument the diagnostic should point at, when one is to blame."""

    code: str
    message: str
    arg: str | None = None


@dataclass
class Inference:
    output_shape: Shape
    params: int = 0
    buffers: int = 0
    formulas: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    #: LeCun's "connections": every use of a weight plus one per bias per output (0 for layers
    #: without weights).
    connections: int = 0


class LayerKind:
    """Base of all layer kinds. Subclasses set `type`, `args`, `summary` and implement `infer`."""

    type: ClassVar[str]
    summary: ClassVar[str] = ""
    args: tuple[Arg, ...] = ()
    #: Merge kinds take every input (`infer_many`); the others exactly one (`infer`).
    merge: ClassVar[bool] = False

    def infer(self, x: Shape, a: dict[str, Any]) -> Inference:
        raise NotImplementedError

    def infer_many(self, xs: list[Shape], sources: list[str], a: dict[str, Any]) -> Inference:
        """For merge kinds: the input shapes and the names they come from (for messages)."""
        raise NotImplementedError

    def arg(self, name: str) -> Arg | None:
        for arg in self.args:
            if arg.name == name or name in arg.aliases:
                return arg
        return None


def fmt(n: int) -> str:
    """Thousands separators, as the slides and torchinfo print counts."""
    return f"{n:,}"


def shape_list(shape: Shape | None) -> list[int] | None:
    """A shape as JSON writes it: a list, or null when unknown."""
    return None if shape is None else list(shape)


def shape_str(shape: Shape | None) -> str:
    return "?" if shape is None else "x".join(str(d) for d in shape)


def expect_rank(layer: LayerKind, x: Shape, ranks: tuple[int, ...], layout: str) -> None:
    """Raise F003 unless the input has one of the allowed ranks (channels first, no batch)."""
    if len(x) not in ranks:
        raise LayerError(
            "F003", f"{layer.type} expects a {layout} input, found {len(x)}-D input {shape_str(x)}"
        )


def check_declared(name: str, declared: int | None, actual: int) -> list[Problem]:
    """in_channels / in_features / num_features are optional; when given they must agree."""
    if declared is None or declared == actual:
        return []
    return [Problem("F004", f"{name} is {declared} but the incoming shape has {actual}", name)]
