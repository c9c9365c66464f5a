"""Folding repeated submodules of an imported model into blocks (not yet: the flat spec as is)."""

from __future__ import annotations

from .importer import Imported


def fold(imported: Imported) -> Imported:
    """The imported spec with repeated submodules as one block used several times."""
    return imported
