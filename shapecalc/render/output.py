"""What every command's output obeys, decided once here: when it is coloured, what happens to a
character the output's encoding cannot hold, and what JSON it writes.

`check` and `run` draw with rich (terminal.make_console), `lint` writes its few ANSI codes itself
(formats.text): both ask use_color, so NO_COLOR, FORCE_COLOR and TERM=dumb mean the same to
every command. The console script (cli/entry.py) calls write_escapes on its streams before any
command runs, so no command can fail on a name its terminal cannot print. Every JSON document
(check's, lint's, run's) is written by json_text. No rich here: lint imports this.
"""

from __future__ import annotations

import json
import math
import os
from typing import Any, Mapping, TextIO

#: The width of output that is not a terminal (a pipe, a file, a CI log) when COLUMNS is not
#: set: wide enough that every shipped architecture's table keeps one line per layer, its
#: arithmetic beside it, so a log can be searched row by row.
PIPE_WIDTH = 200

#: Narrower widths are taken as this: below it a layer's numbers no longer fit beside a label.
MIN_WIDTH = 40


def output_width(file: TextIO, env: Mapping[str, str]) -> int:
    """The width every command lays its text out to, one rule for all: COLUMNS when it is set to
    a whole number (in a pipe too, so `COLUMNS=80 shapecalc check net.yaml | less` fits the
    screen), else the terminal's width when file is one, else PIPE_WIDTH; never below MIN_WIDTH.
    Lines are never longer, except where a number or shape alone is (they are never cut)."""
    columns = env.get("COLUMNS", "").strip()
    if columns.isdigit() and len(columns) < 6:
        return max(int(columns), MIN_WIDTH)
    if is_terminal(file):
        try:
            size = os.get_terminal_size(file.fileno()).columns
        except (OSError, ValueError, AttributeError):
            size = 0
        if size:  # some CI pseudo-terminals report 0
            return max(size, MIN_WIDTH)
    return PIPE_WIDTH


def use_color(is_terminal: bool, env: Mapping[str, str]) -> bool:
    """Colour (any ANSI style, bold too) for a person at a terminal. NO_COLOR, when set and not
    empty, always wins (no-color.org: it is the user's standing wish, FORCE_COLOR often a CI
    default); FORCE_COLOR, set and not empty, then asks for colour anywhere, a pipe or TERM=dumb
    (force-color.org: CI logs that show ANSI); otherwise a terminal whose TERM is not dumb."""
    if env.get("NO_COLOR"):
        return False
    if env.get("FORCE_COLOR"):
        return True
    return is_terminal and env.get("TERM") != "dumb"


def is_terminal(file: TextIO) -> bool:
    """Whether file is a terminal; False for a closed file or one that cannot say."""
    try:
        return file.isatty()
    except (AttributeError, ValueError):
        return False


def write_escapes(*streams: TextIO) -> None:
    """Make each stream write a character its encoding cannot hold as a backslash escape (`\\xe9`,
    `\\u2026`), as Python's stderr always does, instead of raising UnicodeEncodeError halfway
    through a report: a layer named 'conv\u00e9' on an ASCII terminal (or with PYTHONIOENCODING=ascii)
    prints as 'conv\\xe9'. Tables then need no character beyond ASCII: rich draws ASCII boxes
    for such a stream (terminal.py) and plain.py draws only for UTF-8. A stream whose error
    handler was chosen (PYTHONIOENCODING=ascii:replace, UTF-8 mode's surrogateescape) keeps it."""
    for stream in streams:
        if getattr(stream, "errors", None) == "strict" and hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="backslashreplace")


def json_text(value: Any, indent: int | None = None) -> str:
    """value as JSON (RFC 8259), which has no Infinity or NaN (Python's json writes them, and
    strict parsers refuse the document): a non-finite number (`p: .inf`, an `expect:` of `.nan`,
    a value that overflowed) is written as the string "inf", "-inf" or "nan", as Python prints
    them and YAML's `.inf` means. The walk that replaces them runs only when json.dumps refuses
    the value, so a document without them costs what json.dumps costs."""
    try:
        return json.dumps(value, allow_nan=False, indent=indent)
    except ValueError:
        return json.dumps(_finite(value), allow_nan=False, indent=indent)


def _finite(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if isinstance(value, dict):
        return {key: _finite(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_finite(item) for item in value]
    return value


def plural(n: int, word: str) -> str:
    """`1 file`, `2,000 files`: a count and its noun, as every report writes them."""
    return f"{n:,} {word}{'' if n == 1 else 's'}"
