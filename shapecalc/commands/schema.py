"""`shapecalc schema`: the JSON Schema of the spec format, for editors and other tools."""

from __future__ import annotations

import sys

from .status import Exit


def schema() -> Exit:
    from ..spec.schema import schema_text

    sys.stdout.write(schema_text())
    return Exit.OK
