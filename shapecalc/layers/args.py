"""Argument declarations and the validators that turn YAML values into layer arguments.

A validator takes the plain value YAML produced and returns the converted argument or raises
ArgError saying what was expected and what was found; the parser adds the location. Booleans
are rejected where numbers belong (Python would happily treat `true` as 1).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any, Callable

#: Shapes and sizes beyond int64 are refused: PyTorch could not hold them either.
INT64_MAX = 2**63 - 1
_FLOAT = re.compile(r"[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?")


class ArgError(Exception):
    """A value that does not fit its argument; `code` is S009 (wrong type) or S010 (range)."""

    def __init__(self, code: str, expected: str, found: str) -> None:
        super().__init__(f"expected {expected}, found {found}")
        self.code = code
        self.expected = expected
        self.found = found


def _digits(n: int) -> int:
    """Decimal digits of a positive int without str(), which Python 3.11+ refuses past 4,300
    digits (a 0x... or 0b... literal in a spec can be that long)."""
    k = int(n.bit_length() * 0.3010299956639812)  # log10(2): the digit count is k or k + 1
    return k + 1 if n >= 10**k else k


def describe(value: Any) -> str:
    """A short description of a found value, bounded in length whatever the value is."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value) if abs(value) < 10**30 else f"an integer of {_digits(abs(value))} digits"
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, str):
        return repr(value if len(value) <= 40 else value[:37] + "...")
    if isinstance(value, (list, tuple)):
        return f"a list of {len(value)} item{'s' if len(value) != 1 else ''}"
    if isinstance(value, dict):
        return "a mapping"
    return f"a value of type {type(value).__name__}"


Validator = Callable[[Any], Any]


def json_schema(schema: dict[str, Any] | None) -> Callable[[Validator], Validator]:
    """Attach the JSON Schema of the values a validator accepts, next to the code that decides.

    shapecalc/schema.py publishes it for editors; tests/test_schema.py checks that every
    argument has one and that schema and parser agree. None: not expressible (yet)."""

    def attach(validate: Validator) -> Validator:
        validate.json_schema = schema  # type: ignore[attr-defined]
        return validate

    return attach


def schema_of(validate: Validator) -> dict[str, Any] | None:
    return getattr(validate, "json_schema", None)


def int_schema(minimum: int) -> dict[str, Any]:
    return {"type": "integer", "minimum": minimum, "maximum": INT64_MAX}


def _int(value: Any, minimum: int, expected: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        if isinstance(value, float) and value.is_integer():
            raise ArgError("S009", expected, f"{describe(value)} (write it without the decimal point)")
        raise ArgError("S009", expected, describe(value))
    if value < minimum or value > INT64_MAX:
        raise ArgError("S010", expected, describe(value))
    return value


def _int_words(minimum: int) -> str:
    return {1: "a positive integer", 0: "an integer >= 0"}.get(minimum, f"an integer >= {minimum}")


def integer(minimum: int = 1) -> Validator:
    expected = _int_words(minimum)
    return json_schema(int_schema(minimum))(lambda value: _int(value, minimum, expected))


@json_schema(int_schema(-INT64_MAX))
def any_integer(value: Any) -> int:
    """An integer of either sign (dimension indices such as `dim: -1`)."""
    return _int(value, -INT64_MAX, "an integer")


def per_dim(ndim: int, minimum: int = 1) -> Validator:
    """An int for every spatial dimension, or a list of one int per dimension (torch's `_ntuple`)."""
    one = _int_words(minimum)
    expected = one if ndim == 1 else f"{one} or a list of {ndim} of them"

    @json_schema({"anyOf": [int_schema(minimum), {"type": "array", "items": int_schema(minimum),
                                                    "minItems": ndim, "maxItems": ndim}]})
    def validate(value: Any) -> tuple[int, ...]:
        if isinstance(value, list):
            if len(value) != ndim:
                raise ArgError("S009", expected, describe(value))
            return tuple(_int(v, minimum, expected) for v in value)
        return (_int(value, minimum, expected),) * ndim

    return validate


PADDING_WORDS = ("same", "valid", "keras_same")


def padding(ndim: int, words: tuple[str, ...] = PADDING_WORDS) -> Validator:
    """Padding: per-dimension ints or one of `words` (conv: torch's "same" and "valid", and
    TensorFlow/Keras SAME; pooling, which torch gives no "same": SAME only)."""
    ints = per_dim(ndim, 0)
    choices = ["an integer >= 0" if ndim == 1 else f"an integer >= 0 or a list of {ndim} of them", *map(repr, words)]
    expected = f"{', '.join(choices[:-1])} or {choices[-1]}"

    @json_schema({"anyOf": [schema_of(ints), {"enum": list(words)}]})
    def validate(value: Any) -> tuple[int, ...] | str:
        if isinstance(value, str):
            if value in words:
                return value
            raise ArgError("S010", expected, describe(value))
        try:
            return ints(value)
        except ArgError as err:
            raise ArgError(err.code, expected, err.found) from None

    return validate


def number(minimum: float | None = None, maximum: float | None = None) -> Validator:
    """A finite real number, optionally within [minimum, maximum]."""
    if minimum is not None and maximum is not None:
        expected = f"a number in [{minimum:g}, {maximum:g}]"
    elif minimum is not None:
        expected = f"a number >= {minimum:g}"
    else:
        expected = "a number"
    bounds = {"minimum": minimum, "maximum": maximum}

    @json_schema({"type": "number", **{k: v for k, v in bounds.items() if v is not None}})
    def validate(value: Any) -> float:
        if isinstance(value, str) and _FLOAT.fullmatch(value.strip()):
            value = float(value)  # YAML 1.1 reads 1e-5 (no dot) as text; it is the number meant
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ArgError("S009", expected, describe(value))
        if isinstance(value, int) and abs(value) > INT64_MAX:
            raise ArgError("S010", expected, describe(value))
        if not math.isfinite(value) or (minimum is not None and value < minimum) or (
            maximum is not None and value > maximum
        ):
            raise ArgError("S010", expected, describe(value))
        return float(value)

    return validate


@json_schema({"type": "number", "exclusiveMinimum": 0})
def positive_number(value: Any) -> float:
    """A finite number > 0 (a norm's p, a scale factor)."""
    result = number(0)(value)
    if result == 0:
        raise ArgError("S010", "a number > 0", describe(value))
    return result


def sizes_or_none(ndim: int) -> Validator:
    """torch's adaptive `output_size`: an int, or one int-or-null per dimension (null keeps it).

    The 1-D layers take no null: torch's AdaptiveAvgPool1d raises on None, the 2-D/3-D accept it."""
    one = integer()
    nulls = ndim > 1
    expected = f"a positive integer or a list of {ndim} positive integers{' or nulls' if nulls else ''}"
    item = {"anyOf": [{"type": "null"}, int_schema(1)]} if nulls else int_schema(1)

    @json_schema({"anyOf": [int_schema(1), {"type": "array", "minItems": ndim, "maxItems": ndim, "items": item}]})
    def validate(value: Any) -> tuple[int | None, ...]:
        if isinstance(value, list):
            if len(value) != ndim:
                raise ArgError("S009", expected, describe(value))
            return tuple(None if v is None and nulls else one(v) for v in value)
        try:
            return (one(value),) * ndim
        except ArgError as err:
            raise ArgError(err.code, expected, err.found) from None

    return validate


def optional(validate: Validator) -> Validator:
    """Accept null as well (torch's `Optional[...]` arguments)."""
    inner = schema_of(validate)
    return json_schema(inner and {"anyOf": [{"type": "null"}, inner]})(
        lambda value: None if value is None else validate(value))


@json_schema({"type": "boolean"})
def boolean(value: Any) -> bool:
    if not isinstance(value, bool):
        raise ArgError("S009", "true or false", describe(value))
    return value


def choice(*options: str) -> Validator:
    expected = "one of " + ", ".join(repr(o) for o in options)

    @json_schema({"enum": list(options)})
    def validate(value: Any) -> str:
        if not isinstance(value, str):
            raise ArgError("S009", expected, describe(value))
        if value not in options:
            raise ArgError("S010", expected, describe(value))
        return value

    return validate


@json_schema({"type": "array", "minItems": 1, "items": {"type": "array", "minItems": 1, "uniqueItems": True,
                                                         "items": int_schema(0)}})
def connection_table(value: Any) -> tuple[tuple[int, ...], ...]:
    """LeNet-5's sparse connections: for each output map, the input maps it reads (0-based)."""
    expected = "a list with one list of input map indices (integers >= 0) per output map"
    if not isinstance(value, list) or not value or not all(isinstance(row, list) and row for row in value):
        raise ArgError("S009", expected, describe(value))
    rows = tuple(tuple(_int(i, 0, expected) for i in row) for row in value)
    for row in rows:
        if len(set(row)) != len(row):
            raise ArgError("S010", "each output map to list an input map at most once", str(list(row)))
    return rows


REQUIRED = object()

#: Argument names from Keras, Caffe, TensorFlow and torch's other layers, and the torch names they
#: mean, tried in order against the kind's own arguments before any spelling match: `size` is two
#: letters from `stride`, but a pool's `size` is its window. Only suggested (an unknown argument
#: stays an error, S007), unlike the few aliases an Arg accepts; so a word may mean different
#: arguments on different kinds (`rate`: dropout's p, a convolution's dilation).
SYNONYMS: dict[str, tuple[str, ...]] = {
    **dict.fromkeys(("size", "pool_size", "kernel", "filter_size", "ksize", "window", "window_size", "kernel_shape"),
                    ("kernel_size",)),
    **dict.fromkeys(("filters", "num_filters", "num_output", "nb_filter", "out", "output_channels",
                     "out_channels", "out_features", "units", "output_dim", "out_dim"),
                    ("out_channels", "out_features")),
    **dict.fromkeys(("in_features", "input_dim", "in_dim", "input_channels", "in_channels"),
                    ("in_channels", "in_features", "num_features", "num_channels")),
    **dict.fromkeys(("strides", "subsample", "step"), ("stride",)),
    **dict.fromkeys(("pad", "pads", "padding_size"), ("padding",)),
    **dict.fromkeys(("dilation_rate", "atrous_rate", "dilations"), ("dilation",)),
    **dict.fromkeys(("rate", "drop_rate", "dropout_rate", "drop_prob", "prob"),
                    ("p", "dropout", "dropout_p", "dilation")),
    **dict.fromkeys(("use_bias", "bias_term", "has_bias"), ("bias",)),
    **dict.fromkeys(("epsilon",), ("eps",)),
    **dict.fromkeys(("axis", "axes"), ("dim", "dims")),
    **dict.fromkeys(("keepdims", "keep_dims"), ("keepdim",)),
    **dict.fromkeys(("target_shape", "new_shape"), ("shape",)),
    **dict.fromkeys(("group", "num_group"), ("groups", "num_groups")),
    **dict.fromkeys(("heads", "n_heads", "num_attention_heads"), ("num_heads",)),
    **dict.fromkeys(("d_model", "embed_size", "hidden_size", "key_dim"), ("embed_dim",)),
    **dict.fromkeys(("alpha", "leak"), ("negative_slope", "alpha")),
    **dict.fromkeys(("upscale", "scale"), ("scale_factor", "upscale_factor")),
    **dict.fromkeys(("num_channels", "num_features"), ("num_features", "num_channels", "in_channels")),
}


def synonym(word: str, names: list[str]) -> str | None:
    """The argument among `names` (a kind's own) that a framework's word for it means, if any."""
    return next((name for name in SYNONYMS.get(word.lower(), ()) if name in names and name != word), None)


@dataclass(frozen=True)
class Arg:
    """One argument of a layer kind: its torch name, validator, default and friendly aliases."""

    name: str
    validate: Validator
    default: Any = None
    aliases: tuple[str, ...] = ()
    help: str = ""

    def __post_init__(self) -> None:
        # Defaults are written the way a user would write them (stride 1); convert them once.
        if self.default is not REQUIRED:
            object.__setattr__(self, "default", self.validate(self.default))

    @property
    def required(self) -> bool:
        return self.default is REQUIRED
