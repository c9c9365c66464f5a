"""`shapecalc.summary(model, input_size=(3, 224, 224))`: check's analysis of a live model.

For a torchinfo user the change is one line: the model is imported in memory (the same trace as
`shapecalc import`), its spec checked, and what comes back prints as check's table. The trace runs
the graph once on meta tensors of that size (shapes only, nothing computed); every figure after
that is shapecalc's own arithmetic, checked against torch's by the import tests.
"""

from __future__ import annotations

import io
from functools import cached_property
from typing import TYPE_CHECKING, Any, Sequence

from ..analysis.calc import Analysis
from ..analysis.cost import Options
from ..diagnostics import Diagnostic
from .importer import Imported, ImportFailure, import_model

if TYPE_CHECKING:
    from torch import nn


class Summary:
    """The analysis of an imported model. `str()` is check's table; `.json` check's JSON document
    (a dict); `.diagnostics` its diagnostics; `.spec` the spec's YAML; `.analysis` the Analysis."""

    def __init__(self, imported: Imported, spec: str, analysis: Analysis, options: Options) -> None:
        self.imported, self.spec, self.analysis, self.options = imported, spec, analysis, options

    @property
    def diagnostics(self) -> list[Diagnostic]:
        return self.analysis.diagnostics

    @cached_property
    def json(self) -> dict[str, Any]:
        from ..render.report import analysis_dict
        return analysis_dict(self.analysis, self.options)

    def __str__(self) -> str:
        from ..render.show import show
        out = io.StringIO()  # not a terminal: the plain table, as check prints into a pipe
        show(self.analysis, False, self.options, file=out)
        return out.getvalue()

    __repr__ = __str__


def summary(model: "nn.Module", input_size: Sequence[int] = (3, 224, 224), *, convention: str = "macs",
            dtype: str = "float32", batch: int = 1, name: str | None = None) -> Summary:
    """Import `model` in memory and check it. input_size is `shapecalc import`'s `--input`, without
    the batch, or torchinfo's with it: a 4- or 5-entry size is an image's (N, C, H, W) or a
    volume's (N, C, D, H, W), and its first entry is taken as `batch`. (So a 3-D network's size
    needs its batch, and a 1-D network's must not have one.) Raises ImportFailure when the model
    cannot be traced or has unmapped nodes (listed in the message)."""
    from ..analysis.check import check_text
    from .fold import fold

    size = tuple(input_size)
    if len(size) in (4, 5):
        batch, size = size[0], size[1:]
    imported = import_model(model, size, name)
    if imported.unmapped:
        listing = "; ".join(map(str, imported.unmapped))
        raise ImportFailure(f"{len(imported.unmapped)} node(s) have no shapecalc layer type: {listing}")
    imported = fold(imported)
    spec = imported.yaml()
    return Summary(imported, spec, check_text(spec, imported.document["name"]), Options(convention, dtype, batch))
