"""The commands: one module per subcommand, each a plain function of its parsed options that
prints its report and returns an Exit (status.py), the one exit-status type.

The front ends (shapecalc.cli: typer's app, and the console script's fast path) only parse the
command line and exit with what the function returns; everything a command does is here, so both
front ends behave alike by construction. `check` and `lint`, the two the fast path runs, take
their options from the records in options.py.
"""
