"""`shapecalc import FACTORY --input 3,224,224`: a live PyTorch model as a spec."""

from __future__ import annotations

import sys
from pathlib import Path

from .options import quoted, whole_number
from .status import Exit, write_out


def parse_input(text: str) -> tuple[int, ...] | str:
    """`3,224,224` (or `3x224x224`) as a shape without the batch; a message when it is not one.
    Each size is read as every whole-number option is (options.whole_number: at least 1, at
    most 18 digits)."""
    try:
        return tuple(whole_number(part, low=1) for part in text.replace("x", ",").split(","))
    except ValueError as err:
        return f"--input: expected sizes like 3,224,224 (no batch), found {quoted(text)}: {err}"


def import_(factory: str, input: str, output: Path | None, flat: bool) -> Exit:
    """Write the spec to `output` (stdout without it): 0 written; 1 some nodes have no layer type
    (listed on stderr, nothing written: a silently wrong spec is worse than none); 2 the factory,
    the model, the trace or torch is missing or fails (one line on stderr, no traceback)."""
    from ..torch.missing import TorchMissing
    from ..torch.importer import ImportFailure, import_model, load_factory
    from ..torch.fold import fold

    shape = parse_input(input)
    if isinstance(shape, str):
        print(f"error: {shape}", file=sys.stderr)
        return Exit.CANNOT_RUN
    try:
        model = load_factory(factory)
        imported = import_model(model, shape, name=factory.rpartition(":")[2])
    except (ImportFailure, TorchMissing) as err:
        print(f"error: {err}", file=sys.stderr)
        return Exit.CANNOT_RUN
    if imported.unmapped:
        for u in imported.unmapped:
            print(f"unmapped: {u}", file=sys.stderr)
        print(f"error: {len(imported.unmapped)} node(s) of {factory} have no shapecalc layer type; nothing written "
              "(map a custom module with shapecalc.torch.register, see the README)", file=sys.stderr)
        return Exit.PROBLEMS
    for line in imported.left_out():  # said where -o cannot hide it
        print(f"note: {line}", file=sys.stderr)
    if not flat:
        imported = fold(imported)
    return Exit.OK if write_out(imported.yaml(), output) else Exit.CANNOT_RUN
