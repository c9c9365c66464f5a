"""The command line's two front ends: app.py (typer: every command, help, completion, errors)
and entry.py (the console script: the everyday `check` and `lint` lines parsed without typer,
the rest handed to app.py). Both only parse and exit with what shapecalc.commands returns."""
