"""The exit status every command returns: one type, a public contract (the README's Exit codes).

As in ruff: 0 nothing wrong, 1 the input has problems (a spec with errors, or warnings under
--strict; a forward pass that disagrees; an input size that does not fit) or the reader of the
output went away (`| head`, as click does), 2 the command could not run (an unreadable file,
bad options or configuration), 130 interrupted (Ctrl-C).
"""

from __future__ import annotations

import sys
from enum import IntEnum
from pathlib import Path


class Exit(IntEnum):
    OK = 0
    PROBLEMS = 1
    CANNOT_RUN = 2
    INTERRUPTED = 130

    @classmethod
    def of(cls, problems: bool) -> Exit:
        return cls.PROBLEMS if problems else cls.OK


def write_out(text: str, output: Path | str | None) -> bool:
    """text on standard output, or into the file `output` (in UTF-8) once the report is whole, so
    a command that reads the file it writes (`check net.yaml -o net.yaml`) has read it first.
    False, with the error said on stderr, when the file cannot be written: exit code 2."""
    if output is None:
        sys.stdout.write(text)
        return True
    try:
        Path(output).write_text(text, encoding="utf-8")
    except OSError as err:
        print(f"error: {output}: cannot write: {err.strerror or err}", file=sys.stderr)
        return False
    return True
