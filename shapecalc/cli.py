"""The command line: find the files, call the pure core, hand the result to a renderer.

Exit codes (a public contract, as in ruff): 0 no errors, 1 a spec has errors, 2 the command
could not run (unreadable file, bad options).
"""

from __future__ import annotations

import enum
import json
import sys
from pathlib import Path
from typing import List, Optional

import typer

from . import __version__
from .calc import Analysis, check_bytes
from .diagnostics import has_errors

EXAMPLES = """Examples:

\b
  shapecalc check architectures/alexnet.yaml
  shapecalc check --format json architectures/*.yaml
  python -m shapecalc check my-net.yaml

Exit codes: 0 no errors, 1 a spec has errors, 2 the command could not run."""

app = typer.Typer(
    name="shapecalc",
    help="Shapes, parameter counts and stride checks for convolutional networks written as YAML.",
    epilog=EXAMPLES,
    add_completion=False,
    no_args_is_help=True,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)


class Format(str, enum.Enum):
    text = "text"
    json = "json"


def _version(value: bool) -> None:
    if value:
        print(f"shapecalc {__version__}")
        raise typer.Exit()


@app.callback()
def root(
    version: Optional[bool] = typer.Option(None, "--version", callback=_version, is_eager=True,
                                           help="Print the version and exit."),
) -> None:
    """Options that apply before any command."""


def read_spec(path: Path) -> Analysis | str:
    """The analysis of one file, or the reason it could not be read (exit code 2)."""
    try:
        data = path.read_bytes()
    except IsADirectoryError:
        return f"{path}: is a directory (give spec files)"
    except OSError as err:
        return f"{path}: cannot read: {err.strerror or err}"
    return check_bytes(data, str(path))


@app.command()
def check(
    files: List[Path] = typer.Argument(..., help="Spec files (YAML) to check.", show_default=False),
    format: Format = typer.Option(Format.text, "--format", "-f", help="text (a table) or json (one document per line)."),
) -> None:
    """Compute every layer's output shape and parameters, and flag strides that do not fit.

    Exit code 0: no errors; 1: a spec has errors; 2: a file could not be read or bad options.
    """
    status = 0
    console = None
    for path in files:
        result = read_spec(path)
        if isinstance(result, str):
            print(f"error: {result}", file=sys.stderr)
            status = 2
            continue
        if has_errors(result.diagnostics):
            status = max(status, 1)
        if format is Format.json:
            from .report import analysis_dict

            sys.stdout.write(json.dumps(analysis_dict(result)) + "\n")
        else:
            from .render_text import make_console, render

            console = console or make_console()
            render(result, console)
    raise typer.Exit(status)


def main() -> None:
    app(prog_name="shapecalc")
