"""The one declaration of `check`'s and `lint`'s options: records both front ends are built from.

Typer (0.26 and later) imports pydantic and builds a validator for every option, about 110 ms at
start-up, more than checking ResNet-50; so the console script parses the everyday `check` and
`lint` lines itself (cli/entry.py) and typer the rest (cli/app.py). Both read these records:
cli/app.py makes typer's parameters of them, cli/entry.py parses with them, and commands/check.py
and commands/lint.py take every option as a keyword with no default of their own (a record's
default is what a front end passes when the option is not given). Free of typer and rich.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from ..analysis.cost import DTYPES, OPTIMIZERS
from ..diagnostics import one_line
from ..layers.cost import CONVENTIONS

#: The largest value of every whole-number option (--batch, --seed, --max-macs, --range's sizes):
#: 18 digits, beyond any real use, and small enough that everything computed from it (a batch's
#: bytes, a scanned input's MACs) stays far below the 4,300 digits Python refuses to print.
LARGEST = 10**18 - 1
_WHOLE = re.compile(r"\s*[+-]?[0-9]+\s*", re.ASCII)


def whole_number(text: str, low: int | None = None) -> int:
    """An option's value as a whole number from `low` (None: no lower bound but LARGEST's) to
    LARGEST; raises ValueError saying what was expected and what was found, which both front
    ends print after the option's name. Digits are counted before int() converts them, so a
    value of a million digits costs nothing and says how long it is."""
    if not _WHOLE.fullmatch(text):
        raise ValueError(f"expected a whole number, found {quoted(text)}")
    text = text.strip()
    digits = text.lstrip("+-").lstrip("0")
    if len(digits) > len(str(LARGEST)):
        raise ValueError(f"expected a whole number of at most {len(str(LARGEST))} digits (up to {LARGEST:,}), "
                         f"found a {len(digits):,}-digit number")
    value = int(digits or "0") * (-1 if text.startswith("-") else 1)
    if low is not None and value < low:
        raise ValueError(f"expected at least {low:,}, found {value:,}")
    return value


def quoted(text: str, limit: int = 40) -> str:
    """text in quotes, on one line, cut after `limit` characters with its length said."""
    if len(text) <= limit:
        return f"'{one_line(text)}'"
    return f"'{one_line(text[:limit])}...' ({len(text):,} characters)"


@dataclass(frozen=True)
class Option:
    """One option of `check` or `lint`: `name` is its keyword in the function below, `flags` its
    names on the command line (the first is the long one), `default` its value when not given.

    `type` is str, int (read by whole_number: at least `min` when that is set) or bool: a flag,
    which `off` (such as --no-strict) turns off. A str takes one of `choices` when they are set;
    `many` collects a repeated option's values in a list. `metavar` and `show_default` only shape
    typer's --help."""

    name: str
    flags: tuple[str, ...]
    default: Any
    help: str
    type: type = str
    choices: tuple[str, ...] | None = None
    min: int | None = None
    many: bool = False
    off: str | None = None
    metavar: str | None = None
    show_default: bool = True


#: `check`'s options, in the order --help lists them; the choices of the cost options are the
#: tables that say what each means: layers/cost.py's CONVENTIONS, analysis/cost.py's DTYPES and
#: OPTIMIZERS.
CHECK_OPTIONS = (
    Option("format", ("--format", "-f"), "text", "text (a table), json (one document per line), markdown "
           "(GitHub tables) or html (one self-contained page for all the files).",
           choices=("text", "json", "markdown", "html")),
    Option("output", ("--output", "-o"), None, "Write the report to this file (UTF-8) instead of standard output.",
           metavar="FILE", show_default=False),
    Option("connections", ("--connections",), False, "Add LeCun's connections column (weight uses + biases).",
           type=bool),
    Option("convention", ("--convention",), None, "How MACs are counted: macs (conv and linear, no bias; the "
           "default), or as torchinfo, fvcore or ptflops count. Default from [tool.shapecalc] convention in "
           "pyproject.toml.", choices=CONVENTIONS, show_default=False),
    Option("dtype", ("--dtype",), "float32", "Bytes per parameter and activation.", choices=tuple(DTYPES)),
    Option("batch", ("--batch",), 1, "Batch size for activation memory.", type=int, min=1),
    Option("optimizer", ("--optimizer",), "sgd", "Optimizer state in the training memory estimate: sgd (none), "
           "momentum (1 per parameter), adam (2).", choices=tuple(OPTIMIZERS)),
)

#: `lint`'s options, in the order --help lists them (None: the configuration's value stands).
LINT_OPTIONS = (
    Option("select", ("--select",), None, "Report only these codes or prefixes (F,W001; ALL); replaces the "
           "configured selection.", many=True, metavar="CODES"),
    Option("ignore", ("--ignore",), None, "Do not report these codes or prefixes; adds to the configured ignore.",
           many=True, metavar="CODES"),
    Option("strict", ("--strict",), None, "Warnings fail the run too (exit 1).", type=bool, off="--no-strict",
           show_default=False),
    Option("format", ("--format", "-f"), "text", "text, json, github (Actions annotations), sarif (code scanning) "
           "or junit (XML).", choices=("text", "json", "github", "sarif", "junit")),
    Option("exclude", ("--exclude",), None, "Patterns never searched in folders; replaces the configured and "
           "default list.", many=True, metavar="PATTERN"),
    Option("extend_exclude", ("--extend-exclude",), None, "More patterns never searched in folders.", many=True,
           metavar="PATTERN"),
    Option("force_exclude", ("--force-exclude",), None, "Apply the excludes to files named outright too "
           "(pre-commit).", type=bool, off="--no-force-exclude", show_default=False),
)
