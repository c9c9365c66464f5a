"""The typer app: every command's arguments and help, each calling its function in shapecalc.commands.

Exit codes (a public contract, as in ruff): commands/status.py's Exit, returned by every command.

The console script starts in entry.py, which runs the everyday `check` and `lint` lines itself
(typer builds a pydantic validator per option, about 110 ms at start-up) and hands every other
line here; the commands do their work in shapecalc.commands either way. `check`'s and `lint`'s
options are declared once, as records in commands/options.py that the fast path parses with too:
_with_options turns them into typer parameters (typer reads a command's options from its
signature, so the decorator gives the command one), and --help, completion and errors are
typer's as for any other option.
"""

from __future__ import annotations

import enum
import functools
import inspect
from pathlib import Path
from typing import Any, Callable, List, Optional, Sequence

import typer

from ..version import __version__
from ..commands import options as table
from ..commands.check import check as check_files
from ..commands.draw import draw as draw_file
from ..commands.explain import explain as explain_file
from ..commands.export import export as export_file
from ..commands.fit import fit as fit_file
from ..commands.imports import import_ as import_factory
from ..commands.lint import lint as lint_paths
from ..commands.run import run as run_file
from ..commands.schema import schema as print_schema

EXAMPLES = """Examples:

\b
  shapecalc check architectures/alexnet.yaml
  shapecalc check --format json architectures/*.yaml
  shapecalc check architectures/resnet50.yaml --format html -o report.html
  python -m shapecalc check my-net.yaml
  shapecalc explain architectures/alexnet.yaml --layer conv1
  shapecalc fit architectures/alexnet-224.yaml
  shapecalc lint architectures/
  shapecalc lint --format sarif --select F,W . > shapecalc.sarif
  shapecalc schema > shapecalc-spec.schema.json
  shapecalc export architectures/resnet50.yaml --to torch -o resnet50.py
  shapecalc import torchvision.models:resnet50 --input 3,224,224 -o resnet50.yaml

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


@functools.cache
def _choices(option: table.Option) -> type[enum.Enum]:
    """The Enum typer takes an option's choices from (--help shows them as <a|b|c>)."""
    return enum.Enum(option.name.title(), {name: name for name in option.choices or ()}, type=str)


_CHECK = {option.name: option for option in table.CHECK_OPTIONS}
#: `check`'s cost options' choices, as typer's types (its --format is built from the same record).
Convention, DType, Optimizer = (_choices(_CHECK[name]) for name in ("convention", "dtype", "optimizer"))


def _whole(low: int | None) -> Callable[[Any], int]:
    """typer's parser of a whole-number option: commands/options.py's whole_number, the fast
    path's too, so a value means the same on both paths and a wrong one (a word, 5,000 digits)
    gets its one error, exit code 2. typer passes the default through it as well, an int."""

    def parse(value: Any) -> int:
        if isinstance(value, int):
            return value
        try:
            return table.whole_number(value, low)
        except ValueError as err:
            raise typer.BadParameter(str(err)) from None

    return parse


def _parameter(option: table.Option) -> inspect.Parameter:
    """An option of commands/options.py's tables as typer reads it from a signature: the type as the
    annotation (an Enum for choices, Optional when the default is None), the rest in typer.Option."""
    default = option.default
    kind: Any = List[str] if option.many else option.type
    if option.choices is not None:
        kind = _choices(option)
        default = None if default is None else kind(default)
    names = (f"{option.flags[0]}/{option.off}", *option.flags[1:]) if option.off else option.flags
    info = typer.Option(default, *names, help=option.help, metavar=option.metavar, show_default=option.show_default,
                        parser=_whole(option.min) if option.type is int else None)
    return inspect.Parameter(option.name, inspect.Parameter.KEYWORD_ONLY, default=info,
                             annotation=kind if option.default is not None else Optional[kind])


def _with_options(options: Sequence[table.Option]) -> Callable[[Callable[..., None]], Callable[..., None]]:
    """Give a command ending in `**options` these options: typer finds them in the signature
    (__signature__) and passes their values, which reach the command as shapecalc.commands takes them
    (the value of a choice, not its Enum member)."""

    def decorate(command: Callable[..., None]) -> Callable[..., None]:
        signature = inspect.signature(command, eval_str=True)
        *arguments, _ = signature.parameters.values()

        @functools.wraps(command)
        def with_options(*args: Any, **values: Any) -> None:
            command(*args, **{k: v.value if isinstance(v, enum.Enum) else v for k, v in values.items()})

        with_options.__signature__ = signature.replace(  # type: ignore[attr-defined]
            parameters=[*arguments, *map(_parameter, options)])
        return with_options

    return decorate


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
@_with_options(table.CHECK_OPTIONS)
def check(
    files: List[Path] = typer.Argument(..., help="Spec files (YAML) to check.", show_default=False, metavar="FILE"),
    **options: Any,
) -> None:
    """Compute every layer's output shape and parameters, and flag strides that do not fit.

    Exit code 0: no errors; 1: a spec has errors; 2: a file could not be read or bad options.
    """
    raise typer.Exit(check_files(files, **options))


@app.command()
@_with_options(table.LINT_OPTIONS)
def lint(
    paths: List[str] = typer.Argument(..., help="Spec files, folders or quoted globs (their *.yaml and *.yml "
                                      "with a top-level input or layers).", show_default=False, metavar="PATH"),
    **options: Any,
) -> None:
    """Check many specs for CI: one line per problem, a summary, machine-readable formats.

    Settings come from [tool.shapecalc] in the pyproject.toml nearest each file; options override
    them; `# noqa: CODE` at the end of a line suppresses that code there.
    Exit code 0: no errors; 1: errors (or warnings with --strict); 2: a path could not be
    read, bad options or bad configuration.
    """
    raise typer.Exit(lint_paths(paths, **options))


@app.command()
def schema() -> None:
    """Print the JSON Schema (draft-07) of the spec format, for editors and other tools."""
    raise typer.Exit(print_schema())


class ReportFormat(str, enum.Enum):
    """`run --format` and `fit --format`: their own, since check's markdown and html have no
    run or fit report to show."""

    text = "text"
    json = "json"


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
    raise typer.Exit(explain_file(file, layer, format.value))


@app.command()
def fit(
    file: Path = typer.Argument(..., help="Spec file (YAML) to fit.", show_default=False),
    range_: Optional[str] = typer.Option(None, "--range", metavar="MIN:MAX", help="Input sizes to try, per "
                                         "dimension (default 1 to twice the spec's largest size, at least 1 to 64; "
                                         "at most 4,096 sizes)."),
    dim: Optional[List[str]] = typer.Option(None, "--dim", metavar="H|W|...", help="Scan only this spatial "
                                            "dimension (L; H, W; D, H, W); repeat for more."),
    format: ReportFormat = typer.Option(ReportFormat.text, "--format", "-f", help="text or json (one document)."),
) -> None:
    """Find the input sizes for which every layer fits and the rule they follow (\"H = 32k + 3\"),
    and for each layer that does not fit, the nearest input sizes, paddings, strides that do.

    Exit code 0: the spec's own input fits; 1: it does not (fixes are printed); 2: unreadable file,
    bad options.
    """
    raise typer.Exit(fit_file(file, range_, dim, format.value))


class DrawFormat(str, enum.Enum):
    svg = "svg"
    dot = "dot"


@app.command()
def draw(
    file: Path = typer.Argument(..., help="Spec file (YAML) to draw.", show_default=False),
    output: Optional[Path] = typer.Option(None, "--output", "-o", help="Write the drawing here (default: stdout)."),
    format: DrawFormat = typer.Option(DrawFormat.svg, "--format", "-f", help="svg (volumes) or dot (Graphviz source)."),
    vertical: bool = typer.Option(False, "--vertical", help="Flow from top to bottom (default: left to right)."),
    expand: bool = typer.Option(False, "--expand", help="Draw every copy of a repeated block (default: one, marked x3)."),
    flat: bool = typer.Option(False, "--flat", help="Flat boxes instead of 3-D volumes."),
    hide: Optional[List[str]] = typer.Option(None, "--hide", metavar="TYPES", help="Leave out these layer types or "
                                             "families (comma-separated or repeated: relu,normalization)."),
    scale: float = typer.Option(1.0, "--scale", help="Scale the volumes (0.1 to 10; labels keep their size)."),
    fold: bool = typer.Option(True, "--fold/--no-fold", help="Fold activations, norms and dropout into the layer "
                              "before them (default), or give every layer its own volume."),
) -> None:
    """Draw the network as 3-D volumes sized by their shapes (SVG), with branches, merges and skip
    connections, repeated blocks collapsed, errors in red; or as Graphviz source.

    Exit code 0: no errors; 1: the spec has errors (drawn in red); 2: unreadable file, bad options.
    """
    raise typer.Exit(draw_file(file, output, format.value, vertical, expand, flat, hide or [], scale, fold))


class ExportTarget(str, enum.Enum):
    torch = "torch"


@app.command()
def export(
    file: Path = typer.Argument(..., help="Spec file (YAML) to export.", show_default=False),
    to: ExportTarget = typer.Option(..., "--to", help="What to write: torch (PyTorch source).", show_default=False),
    output: Optional[Path] = typer.Option(None, "--output", "-o", help="Write the source here (default: stdout)."),
) -> None:
    """Write the network as readable PyTorch source: one nn.Module class named after the spec, a
    class per block, the spec's layer names (pure Python: torch is not needed to export).

    Exit code 0: written; 1: the spec has errors (listed, nothing written); 2: unreadable file, bad options.
    """
    raise typer.Exit(export_file(file, to.value, output))


@app.command("import")
def import_(
    factory: str = typer.Argument(..., help="package.module:callable or path/to/file.py:callable, "
                                  "a callable with no arguments returning an nn.Module.", show_default=False),
    input: str = typer.Option(..., "--input", help="Input shape without the batch, e.g. 3,224,224.", show_default=False),
    output: Optional[Path] = typer.Option(None, "--output", "-o", help="Write the spec here (default: stdout)."),
    flat: bool = typer.Option(False, "--flat", help="One layer per traced node: no blocks."),
) -> None:
    """Write a live PyTorch model as a spec: traced with torch.fx, every module and function
    mapped to a layer type with its arguments, the module tree's names kept (needs torch).

    Exit code 0: written; 1: some nodes have no layer type (listed, nothing written); 2: the
    factory, the model or the trace fails, or torch is missing.
    """
    raise typer.Exit(import_factory(factory, input, output, flat))


def main() -> None:
    """Everything through typer (entry.main is the console script; this is its fallback)."""
    app(prog_name="shapecalc")


@app.command()
def run(
    file: Path = typer.Argument(..., help="Spec file (YAML) to execute.", show_default=False),
    seed: int = typer.Option(0, "--seed", parser=_whole(None),
                             help="Seed for the input and every parameter not given in --weights."),
    input: Optional[Path] = typer.Option(None, "--input", help="Input tensor as JSON nested lists, channels first, no batch dimension."),
    weights: Optional[Path] = typer.Option(None, "--weights", help='JSON {layer: {"weight": ..., "bias": ...}} in PyTorch\'s layouts.'),
    max_macs: int = typer.Option(2_000_000_000, "--max-macs", parser=_whole(0),
                                 help="Refuse networks estimated above this many multiply-accumulates."),
    max_values: int = typer.Option(50_000_000, "--max-values", parser=_whole(0),
                                   help="Refuse runs that would hold more values at once (32 bytes or more each)."),
    format: ReportFormat = typer.Option(ReportFormat.text, "--format", "-f", help="text (a table) or json (one document)."),
    save: Optional[Path] = typer.Option(None, "--save", help="Write every layer's output to this JSON file."),
    progress: bool = typer.Option(True, "--progress/--no-progress", help="Progress bars while running (only on a terminal)."),
) -> None:
    """Execute the network in pure Python and check every layer's output shape against the calculator's.

    Exit code 0: every layer matches; 1: a mismatch, a bad --input/--weights file, or spec errors
    that stop the run; 2: a file could not be read or written, bad options, or over --max-macs
    or --max-values.
    """
    raise typer.Exit(run_file(file, seed=seed, input=input, weights=weights, max_macs=max_macs,
                             max_values=max_values, format=format.value, save=save, progress=progress))
