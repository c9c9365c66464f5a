"""The command line: find the files, call the pure core, hand the result to a renderer.

Exit codes (a public contract, as in ruff): 0 no errors, 1 a spec has errors, 2 the command
could not run (unreadable file, bad options).

The console script starts in entry.py, which runs the everyday `check` and `lint` lines itself
and hands every other line here; `check` and `lint` do their work in commands.py either way.
"""

from __future__ import annotations

import enum
import json
import sys
from pathlib import Path
from typing import List, Optional

import typer

from . import __version__, commands
from .commands import read_spec
from .cost import CONVENTIONS, DTYPES, OPTIMIZERS
from .diagnostics import has_errors

EXAMPLES = """Examples:

\b
  shapecalc check architectures/alexnet.yaml
  shapecalc check --format json architectures/*.yaml
  python -m shapecalc check my-net.yaml
  shapecalc explain architectures/alexnet.yaml --layer conv1
  shapecalc fit architectures/alexnet-224.yaml
  shapecalc lint architectures/
  shapecalc lint --format sarif --select F,W . > shapecalc.sarif
  shapecalc schema > shapecalc-spec.schema.json

Exit codes: 0 no errors, 1 a spec has errors, 2 the command could not run."""

app = typer.Typer(
    name="shapecalc",
    help="Shapes, parameter counts and stride checks for convolutional networks written as YAML.",
    epilog=EXAMPLES,
    add_completion=True,  # --install-completion needs a detectable shell; see the README
    no_args_is_help=True,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)


Format = enum.Enum("Format", {name: name for name in commands.CHECK_FORMATS}, type=str)


# The choices of `check`'s cost options, from shapecalc.cost (which says what each means).
Convention = enum.Enum("Convention", {name: name for name in CONVENTIONS}, type=str)
DType = enum.Enum("DType", {name: name for name in DTYPES}, type=str)
Optimizer = enum.Enum("Optimizer", {name: name for name in OPTIMIZERS}, type=str)


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


@app.command()
def check(
    files: List[Path] = typer.Argument(..., help="Spec files (YAML) to check.", show_default=False, metavar="FILE"),
    format: Format = typer.Option(Format.text, "--format", "-f", help="text (a table) or json (one document per line)."),
    connections: bool = typer.Option(False, "--connections", help="Add LeCun's connections column (weight uses + biases)."),
    convention: Optional[Convention] = typer.Option(None, "--convention", show_default=False, help="How MACs are "
                                                    "counted: macs (conv and linear, no bias; the default), or as "
                                                    "torchinfo, fvcore or ptflops count. Default from "
                                                    "[tool.shapecalc] convention in pyproject.toml."),
    dtype: DType = typer.Option(DType.float32, "--dtype", help="Bytes per parameter and activation."),
    batch: int = typer.Option(1, "--batch", min=1, help="Batch size for activation memory."),
    optimizer: Optimizer = typer.Option(Optimizer.sgd, "--optimizer", help="Optimizer state in the training "
                                        "memory estimate: sgd (none), momentum (1 per parameter), adam (2)."),
) -> None:
    """Compute every layer's output shape and parameters, and flag strides that do not fit.

    Exit code 0: no errors; 1: a spec has errors; 2: a file could not be read or bad options.
    """
    raise typer.Exit(commands.check(files, format.value, connections, convention and convention.value, dtype.value,
                                    batch, optimizer.value))


LintFormat = enum.Enum("LintFormat", {name: name for name in commands.LINT_FORMATS}, type=str)


@app.command()
def lint(
    paths: List[str] = typer.Argument(..., help="Spec files, folders (searched for *.yaml, *.yml) or quoted globs.",
                                      show_default=False, metavar="PATH"),
    select: Optional[List[str]] = typer.Option(None, "--select", metavar="CODES", help="Report only these codes or prefixes "
                                               "(F,W001; ALL); replaces the configured selection."),
    ignore: Optional[List[str]] = typer.Option(None, "--ignore", metavar="CODES", help="Do not report these codes or prefixes; "
                                               "adds to the configured ignore."),
    strict: Optional[bool] = typer.Option(None, "--strict/--no-strict", help="Warnings fail the run too (exit 1).",
                                          show_default=False),
    format: LintFormat = typer.Option(LintFormat.text, "--format", "-f", help="text, json, github (Actions "
                                      "annotations), sarif (code scanning) or junit (XML)."),
    exclude: Optional[List[str]] = typer.Option(None, "--exclude", metavar="PATTERN", help="Patterns never searched in folders; "
                                                "replaces the configured and default list."),
    extend_exclude: Optional[List[str]] = typer.Option(None, "--extend-exclude", metavar="PATTERN", help="More patterns never "
                                                       "searched in folders."),
    force_exclude: Optional[bool] = typer.Option(None, "--force-exclude/--no-force-exclude", show_default=False,
                                                 help="Apply the excludes to files named outright too (pre-commit)."),
) -> None:
    """Check many specs for CI: one line per problem, a summary, machine-readable formats.

    Settings come from [tool.shapecalc] in the nearest pyproject.toml; options override them.
    Exit code 0: no errors; 1: errors (or warnings with --strict); 2: a path could not be
    read, bad options or bad configuration.
    """
    raise typer.Exit(commands.lint(paths, select, ignore, strict, format.value, exclude, extend_exclude,
                                   force_exclude))


@app.command()
def schema() -> None:
    """Print the JSON Schema (draft-07) of the spec format, for editors and other tools."""
    from .schema import schema_text

    sys.stdout.write(schema_text())


class ExplainFormat(str, enum.Enum):
    text = "text"
    markdown = "markdown"


@app.command()
def explain(
    file: Path = typer.Argument(..., help="Spec file (YAML) to explain.", show_default=False),
    layer: Optional[List[str]] = typer.Option(None, "--layer", help="Only this layer (its full name, e.g. conv1 or "
                                              "layer1.0.conv2); repeat for more."),
    format: ExplainFormat = typer.Option(ExplainFormat.text, "--format", "-f", help="text or markdown."),
) -> None:
    """Show every layer's arithmetic as a student writes it: output size, outputs, parameters,
    receptive field, MACs; for a stride that does not fit, the exact fraction and the unread input.

    Exit code 0: no errors; 1: the spec has errors (explained too); 2: unreadable file, unknown layer.
    """
    from .explain import explain as explain_layers
    from .explain import render_markdown, render_text
    from .spec import did_you_mean

    analysis = read_spec(file)
    if isinstance(analysis, str):
        print(f"error: {analysis}", file=sys.stderr)
        raise typer.Exit(2)
    names = [r.spec.name for r in analysis.layers]
    for name in layer or []:
        if name not in names:
            print(f"error: {file}: no layer named '{name}'{did_you_mean(name, names)}", file=sys.stderr)
            raise typer.Exit(2)
    explanations = explain_layers(analysis, layer or None)
    render = render_markdown if format is ExplainFormat.markdown else render_text
    sys.stdout.write(render(analysis, explanations))
    raise typer.Exit(1 if has_errors(analysis.diagnostics) else 0)


@app.command()
def fit(
    file: Path = typer.Argument(..., help="Spec file (YAML) to fit.", show_default=False),
    range_: Optional[str] = typer.Option(None, "--range", metavar="MIN:MAX", help="Input sizes to try, per "
                                         "dimension (default 1 to twice the spec's size, at most 4,096 sizes)."),
    dim: Optional[List[str]] = typer.Option(None, "--dim", metavar="H|W|...", help="Scan only this spatial "
                                            "dimension (L; H, W; D, H, W); repeat for more."),
) -> None:
    """Find the input sizes for which every layer fits and the rule they follow (\"H = 32k + 3\"),
    and for each layer that does not fit, the nearest input sizes, paddings, strides that do.

    Exit code 0: the spec's own input fits; 1: it does not (fixes are printed); 2: unreadable file,
    bad options.
    """
    from .fit import fit as fit_sizes
    from .fit import labels_of, parse_range, render

    analysis = read_spec(file)
    if isinstance(analysis, str):
        print(f"error: {analysis}", file=sys.stderr)
        raise typer.Exit(2)
    low = high = None
    try:
        if range_ is not None:
            low, high = parse_range(range_)
    except ValueError as err:
        print(f"error: {err}", file=sys.stderr)
        raise typer.Exit(2)
    shape = analysis.spec.input_shape
    if dim and shape is not None:
        labels = labels_of(shape)
        unknown = [d for d in dim if d.upper() not in labels]
        if unknown:
            print(f"error: --dim: the input {'x'.join(map(str, shape))} has spatial dimensions "
                  f"{', '.join(labels) or 'none'}, not {', '.join(unknown)}", file=sys.stderr)
            raise typer.Exit(2)
        dim = [d.upper() for d in dim]
    report = fit_sizes(analysis, low, high, dim or None)
    sys.stdout.write(render(report))
    raise typer.Exit(0 if report.fits else 1)


def main() -> None:
    """Everything through typer (entry.main is the console script; this is its fallback)."""
    app(prog_name="shapecalc")


@app.command()
def run(
    file: Path = typer.Argument(..., help="Spec file (YAML) to execute.", show_default=False),
    seed: int = typer.Option(0, "--seed", help="Seed for the input and every parameter not given in --weights."),
    input: Optional[Path] = typer.Option(None, "--input", help="Input tensor as JSON nested lists, channels first, no batch dimension."),
    weights: Optional[Path] = typer.Option(None, "--weights", help='JSON {layer: {"weight": ..., "bias": ...}} in PyTorch\'s layouts.'),
    max_macs: int = typer.Option(2_000_000_000, "--max-macs", min=0, help="Refuse networks estimated above this many multiply-accumulates."),
    format: Format = typer.Option(Format.text, "--format", "-f", help="text (a table) or json (one document)."),
    save: Optional[Path] = typer.Option(None, "--save", help="Write every layer's output to this JSON file."),
    progress: bool = typer.Option(True, "--progress/--no-progress", help="Progress bars while running (only on a terminal)."),
) -> None:
    """Execute the network in pure Python and check every layer's output shape against the calculator's.

    Exit code 0: every layer matches; 1: a mismatch, a bad --input/--weights file, or spec errors
    that stop the run; 2: a file could not be read or written, bad options, or over --max-macs.
    """
    from .diagnostics import one_line
    from .forward.driver import blockers, estimate, execute, prepare
    from .forward.files import DataError, Unreadable

    analysis = read_spec(file)
    if isinstance(analysis, str):
        print(f"error: {analysis}", file=sys.stderr)
        raise typer.Exit(2)
    problems = blockers(analysis)
    if problems:
        for d in analysis.diagnostics:
            print(one_line(f"{analysis.spec.path}:{d.line}:{d.column}: {d.code} {d.message}"), file=sys.stderr)
        print("\n".join(f"error: {p}" for p in problems), file=sys.stderr)
        raise typer.Exit(1)
    macs = sum(estimate(analysis))
    if macs > max_macs:
        print(f"error: {file}: the forward pass needs about {macs:,} multiply-accumulates, more than the "
              f"budget of {max_macs:,}; allow it with --max-macs {macs}", file=sys.stderr)
        raise typer.Exit(2)
    try:
        setup = prepare(analysis, seed, input, weights)
    except Unreadable as err:
        print(f"error: {err}", file=sys.stderr)
        raise typer.Exit(2)
    except DataError as err:
        print("\n".join(f"error: {p}" for p in err.problems), file=sys.stderr)
        raise typer.Exit(1)
    if progress and sys.stdout.isatty():
        from rich.console import Console

        from .render_run import LayerProgress

        with LayerProgress([r.spec.name for r in analysis.layers], setup, Console(stderr=True)) as report:
            result = execute(analysis, setup, keep=save is not None, progress=report)
    else:
        result = execute(analysis, setup, keep=save is not None)
    if save is not None:
        from .forward.report import saved_dict

        try:
            save.write_text(json.dumps(saved_dict(result)))
        except OSError as err:
            print(f"error: {save}: cannot write: {err.strerror or err}", file=sys.stderr)
            raise typer.Exit(2)
    if format is Format.json:
        from .forward.report import run_dict

        sys.stdout.write(json.dumps(run_dict(result)) + "\n")
    else:
        from .render_run import render
        from .render_rich import make_console

        render(result, make_console())
    raise typer.Exit(0 if result.ok else 1)
