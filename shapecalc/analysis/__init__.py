"""Spec -> analysis: everything computed from a parsed spec, pure (no printing, no exit codes).

calc.py pushes the shapes through (the Analysis); check.py runs the stages in order (parse,
calc, receptive fields, answers) for one file; cost.py sums each kind's MAC rule and estimates
memory; receptive.py walks the receptive fields and checks merges (W006); answers.py checks
`expect:`; explain.py writes the worked arithmetic; fit.py scans input sizes and fixes; lint.py
finds the files and settings of a lint run; forward.py runs the pure-Python forward pass.
"""
