"""What shapecalc says when torch is missing: in a module of its own, so the package and the
importer both use it without importing each other."""

from __future__ import annotations

#: What to install when torch is missing (the package's `torch` extra).
INSTALL = "pip install 'shapecalc[torch]'"


class TorchMissing(ImportError):
    """torch is not installed: the message says how to install it."""
