"""The package version in a module of its own: the root package re-exports it, and the modules
that print it import it from here, so the root can offer `shapecalc.summary` without a cycle."""

__version__ = "0.1.0"
