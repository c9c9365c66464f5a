"""The exit status every command returns: one type, a public contract (the README's Exit codes).

As in ruff: 0 nothing wrong, 1 the input has problems (a spec with errors, or warnings under
--strict; a forward pass that disagrees; an input size that does not fit) or the reader of the
output went away (`| head`, as click does), 2 the command could not run (an unreadable file,
bad options or configuration), 130 interrupted (Ctrl-C).
"""

from __future__ import annotations

from enum import IntEnum


class Exit(IntEnum):
    OK = 0
    PROBLEMS = 1
    CANNOT_RUN = 2
    INTERRUPTED = 130

    @classmethod
    def of(cls, problems: bool) -> Exit:
        return cls.PROBLEMS if problems else cls.OK
