"""Analysis -> report -> text: every output format, as functions of the analysis.

table.py builds check's report as data and draws it plainly (with plain.py, string methods
only), terminal.py draws the same report in colour with rich, show.py picks one of them;
report.py is the `--format json` document; formats.py the lint formats (text, json, github,
sarif, junit); run.py and run_report.py `shapecalc run`'s table, progress and JSON.
"""
