"""shapecalc and PyTorch: a spec as PyTorch source (`export_source`) or as a live module (`build`),
and a live model as a spec (importer.py: `shapecalc import`, `register` for custom modules).

`export_source` is pure Python (shapecalc/torch/export.py writes the text from each layer kind's
`torch()` answer); `build` runs that same text, so a built module and an exported file can never
disagree. torch is imported only inside `build`: `import shapecalc.torch` works without it.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Union

from ..analysis.calc import Analysis
from .export import ExportError, export_analysis, exporter
from .importer import ImportFailure, register
from ..layers.torchcode import EXPORTED
from .missing import INSTALL, TorchMissing

if TYPE_CHECKING:
    from torch import nn



def analysis_of(spec: Union[str, Path, Analysis]) -> tuple[Analysis, str]:
    """An analysis and the name it came from: an Analysis as is, a path read from disk, and any
    other string taken as the spec's YAML text itself (it has a newline, or no such file)."""
    from ..analysis.check import check_file, check_text

    if isinstance(spec, Analysis):
        return spec, spec.spec.path
    if isinstance(spec, Path) or ("\n" not in spec and Path(spec).is_file()):
        return check_file(str(spec)), str(spec)
    return check_text(spec, "<spec>"), "<spec>"


def export_source(spec: Union[str, Path, Analysis]) -> str:
    """The spec as readable PyTorch source: one nn.Module class named after the spec, one class
    per block. Raises ExportError (with the diagnostics) when the spec has errors."""
    analysis, source = analysis_of(spec)
    return export_analysis(analysis, source)


def module_names(spec: Union[str, Path, Analysis]) -> dict[str, str]:
    """Each layer's name in the spec -> its module's (or tensor's) name in the exported network,
    for `dict(model.named_modules())[...]`: the spec's names, made identifiers where needed."""
    analysis, source = analysis_of(spec)
    return exporter(analysis, source).module_names()


def build(spec: Union[str, Path, Analysis]) -> "nn.Module":
    """The spec as a live nn.Module: the exported source, run, and its network class instantiated."""
    source = export_source(spec)
    try:
        import torch  # noqa: F401  (the exported code imports it too; this says what to install)
    except ImportError as err:
        raise TorchMissing(f"shapecalc.torch.build needs PyTorch: {INSTALL}") from err
    namespace: dict = {"__name__": EXPORTED}
    exec(compile(source, "<shapecalc export>", "exec"), namespace)
    return namespace[network_class(source)]()


def network_class(source: str) -> str:
    """The network's class in exported source: the last class of the file."""
    return [line.split("(")[0][6:] for line in source.splitlines() if line.startswith("class ")][-1]


__all__ = ["INSTALL", "ExportError", "ImportFailure", "TorchMissing", "build", "export_source", "module_names",
           "register"]
