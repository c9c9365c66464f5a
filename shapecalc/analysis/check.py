"""Checking a spec: read it, parse it, analyse it, and add the analyses built on the shapes.

The one place the stages meet: parse (spec) -> analyze (calc) -> receptive fields -> answers, with
the diagnostics of every stage in file order. Each stage imports only those before it.
"""

from __future__ import annotations

import os
import stat

from .answers import answer_diagnostics, check_answers
from .calc import Analysis, analyze, gc_paused
from .channels import channels_last
from ..diagnostics import Diagnostic
from .receptive import annotate
from ..spec import INPUT, Spec, decode, parse
from ..spec.model import split_ref
from ..spec.yamlsafe import MAX_BYTES


@gc_paused()
def check_text(text: str, path: str = "<spec>") -> Analysis:
    """Parse and analyse; the diagnostics of both stages, in file order."""
    spec, diagnostics = parse(text, path)
    analysis = analyze(spec)
    analysis.diagnostics = channels_last(analysis)  # W008, or the layout named in the error it causes
    alignment = annotate(analysis)  # every layer's receptive field; W006 where merged grids differ
    analysis.answers = check_answers(analysis)
    found = diagnostics + analysis.diagnostics + alignment + answer_diagnostics(analysis.answers)
    found = [d for d in found if d.code != "W001" or on_a_grid(analysis, d.layer)]
    analysis.diagnostics = sorted(found, key=lambda d: (d.line, d.column))
    return analysis


def on_a_grid(a: Analysis, layer: str | None) -> bool:
    """Whether a layer's input still has a spatial grid (a receptive field): W001's linear on the
    last dimension of [C, H, W] after a conv is a missing flatten, but a linear on tokens (ViT's
    197x768) or on a map permuted to channels last (ConvNeXt) is the design, and says nothing."""
    r = a.layer(layer) if layer else None
    if r is None or not r.spec.inputs:
        return True
    ref = split_ref(r.spec.inputs[0])[0]
    if ref == INPUT:
        return True
    source = a.layer(ref)
    return source is None or source.receptive_field is not None


class NotASpecFile(OSError):
    """A path that is not a regular file (a FIFO would block, /dev/zero never ends)."""


def read_file(path: str) -> tuple[bytes, int]:
    """A spec file's first MAX_BYTES + 1 bytes and its size on disk, so a huge file costs bounded
    time and memory; lint looks at the bytes before it decides to check them. Raises OSError
    when it cannot be read (NotASpecFile when it is no regular file)."""
    if not stat.S_ISREG(os.stat(path).st_mode):  # before open(): opening a FIFO blocks
        raise NotASpecFile(f"{path}: not a regular file")
    with open(path, "rb") as stream:
        info = os.fstat(stream.fileno())
        data = stream.read(MAX_BYTES + 1)
    return data, info.st_size


def check_read(data: bytes, size: int, path: str) -> Analysis:
    """Check what read_file read: a file over the size limit is one Y004, unparsed."""
    if len(data) > MAX_BYTES:
        return Analysis(Spec(path), [], [Diagnostic("Y004", f"file is {max(size, len(data)):,} bytes or more, "
                                                             f"over the limit of {MAX_BYTES:,}", 1, 1)])
    return check_bytes(data, path)


def check_file(path: str) -> Analysis:
    """Check one spec file, read with read_file. Raises OSError when it cannot be read."""
    return check_read(*read_file(path), path)


def check_bytes(data: bytes, path: str = "<spec>") -> Analysis:
    """Like check_text, for a file's raw bytes: binary and non-UTF-8 files get a Y002 diagnostic."""
    text, problem = decode(data)
    if problem is not None:
        return Analysis(Spec(path), [], [problem])
    return check_text(text, path)
