"""How a layer is written in PyTorch source: the record every kind's `torch()` answers.

The export (shapecalc/torch/export.py) writes a module from these records and nothing else, so
what a kind says here is the whole of its torch mapping; the oracle tests run the exported code
in torch and compare every layer with shapecalc's analysis. Pure data and strings: nothing here
imports torch.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

#: The module name exported source runs under (shapecalc.torch.build): its helper classes and
#: functions are known to the import as `shapecalc_exported.<name>`.
EXPORTED = "shapecalc_exported"

#: A layer kind (base.LayerKind, which imports this module's record: named here, not imported).
Kind = Any

#: Arguments given per spatial dimension: written as one int when every dimension agrees
#: (`kernel_size=3`, as torch code is written), torch takes both forms.
PER_DIM = frozenset({"kernel_size", "stride", "padding", "dilation", "output_padding", "output_size"})


class Code(str):
    """Source written as is in an argument list (`conv=nn.Conv2d`), not as a quoted string."""

    __slots__ = ()


@dataclass(frozen=True)
class Helper:
    """A small nn.Module class (or function) the exported file defines once, for a layer torch
    has no class for; `source` is its complete, documented definition."""

    name: str
    source: str


@dataclass(frozen=True)
class TorchCode:
    """One layer in PyTorch source.

    `make`: the constructor (`nn.Conv2d`, a helper class, `nn.Parameter`), None for a layer
    written as an expression in `forward` (torch.cat, x.permute); `kwargs` its keyword arguments,
    in order. `call`: the forward expression, with `{m}` for the module (or tensor) attribute,
    `{x}` the first input, `{xs}` every input joined by commas, `{x0}`, `{x1}`, ... each input and
    `{batch}` the batch size. `holds`: what the attribute is: a `module`, a `learned` nn.Parameter or a `fixed` registered buffer."""

    make: str | None
    kwargs: tuple[tuple[str, Any], ...] = ()
    call: str = "{m}({xs})"
    helpers: tuple[Helper, ...] = ()
    holds: str = "module"
    #: torch's default of each keyword argument that has one: the export leaves out a value
    #: equal to it (`stride=1`), unless the uses of a block class differ in it.
    defaults: tuple[tuple[str, Any], ...] = ()


def literal(value: Any) -> str:
    """A value as Python source: tuples stay tuples, floats keep their exact repr."""
    if isinstance(value, Code):
        return str(value)
    if isinstance(value, float) and value in (float("inf"), float("-inf")):
        return "float('inf')" if value > 0 else "-float('inf')"
    if isinstance(value, tuple):
        items = [literal(v) for v in value]
        return "(" + ", ".join(items) + ("," if len(items) == 1 else "") + ")"
    if isinstance(value, list):
        return "[" + ", ".join(literal(v) for v in value) + "]"
    return repr(value)


def one(name: str, value: Any) -> Any:
    """A per-dimension value whose dimensions agree as one int, as torch code is written (not
    None: adaptive pooling takes a lone None for no dimension at all)."""
    if name in PER_DIM and isinstance(value, tuple) and value and len(set(value)) == 1 and value[0] is not None:
        return value[0]
    return value


def torch_kwargs(kind: Kind, a: dict[str, Any], first: dict[str, Any] | None = None,
                 skip: tuple[str, ...] = ()) -> tuple[tuple[tuple[str, Any], ...], tuple[tuple[str, Any], ...]]:
    """The constructor's keyword arguments and their defaults: `first` (sizes from the incoming
    shape) then the spec's arguments in the kind's order but `skip` (shapecalc's own). The
    defaults are shapecalc's, which are torch's."""
    out = dict(first or {})
    defaults = {}
    for arg in kind.args:
        if arg.name in out or arg.name in skip or arg.name not in a:
            continue
        out[arg.name] = one(arg.name, a[arg.name])
        if not arg.required:
            defaults[arg.name] = one(arg.name, arg.default)
    return tuple(out.items()), tuple(defaults.items())


def module(kind: Kind, cls: str, a: dict[str, Any], first: dict[str, Any] | None = None,
           skip: tuple[str, ...] = (), helpers: tuple[Helper, ...] = ()) -> TorchCode:
    """A layer that is one torch module built from its arguments: `nn.<cls>(**kwargs)`."""
    make = cls if helpers else f"nn.{cls}"
    kwargs, defaults = torch_kwargs(kind, a, first, skip)
    return TorchCode(make, kwargs, helpers=helpers, defaults=defaults)


def expression(call: str, *helpers: Helper) -> TorchCode:
    """A layer written as an expression in forward (a function or tensor method); `call` has
    the argument values already written in."""
    return TorchCode(None, call=call, helpers=helpers)


def args_list(*values: Any, **named: Any) -> str:
    """Positional and keyword arguments as source: `1, dim=2`."""
    parts = [literal(v) for v in values] + [f"{k}={literal(v)}" for k, v in named.items()]
    return ", ".join(parts)

