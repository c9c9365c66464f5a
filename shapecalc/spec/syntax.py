"""The newcomer's YAML mistakes, recognised where PyYAML stops, so a diagnostic names the mistake
and its fix instead of the parser's own words.

PyYAML reports the token it could not take (`found character that cannot start any token`,
`did not find expected key`), which is right and useless to someone writing their first spec:
the mistake is a tab, a forgotten `layers:` key, a missing colon or arguments not indented under
their layer. Each has a shape in the text around the error's mark, read here; anything else keeps
PyYAML's message. Pure functions of the text: nothing here raises, nothing is composed.
"""

from __future__ import annotations

import re

#: `conv2d {out_channels: 6}` or `- input [3, 32, 32]`: a word, blanks, then a flow collection,
#: where a colon belongs after the word.
_NO_COLON = re.compile(r"^(\s*(?:-\s+)?)([A-Za-z_$][\w$.]*)[ \t]+[\[{]")
#: `  - conv2d` alone on its line: a list item that is one word (a layer type without a colon).
_BARE_ITEM = re.compile(r"^(\s*-\s+)([A-Za-z_$][\w$.]*)\s*(?:#.*)?$")
#: `  - conv2d:` with nothing after the colon: a layer whose arguments should follow, indented.
_OPEN_ITEM = re.compile(r"^(\s*)-\s+([A-Za-z_$][\w$.]*):\s*(?:#.*)?$")
#: A `key:` line (block style).
_KEY_LINE = re.compile(r"^(\s*)([A-Za-z_$][\w$.]*):(?:\s|$)")
#: A tuple as torch writes it: `(3, 3)`, `(1,)`.
_TUPLE = re.compile(r"^\(\s*([^()]*?)\s*\)$")

Hint = tuple[str, int, int]  # message, 1-based line, 1-based column


def _content_line_before(lines: list[str], index: int) -> int | None:
    """The index of the nearest line above `index` that is neither blank nor only a comment."""
    for i in range(min(index, len(lines)) - 1, -1, -1):
        stripped = lines[i].strip()
        if stripped and not stripped.startswith("#"):
            return i
    return None


def missing_colon(word: str, opener: str = "") -> str:
    """The fix for a word that should have been a key: `conv2d {...}` is `conv2d: {...}`."""
    value = {"{": " {...}", "[": " [...]"}.get(opener, "")
    return f"missing ':' after '{word}': write '{word}:{value}'" + (
        "" if value else " and indent its arguments under it")


def not_indented(layer: str, line: int, column: int) -> str:
    """The fix for a layer's arguments written at its own indentation (1-based line and column of
    the layer's name) instead of under it."""
    return (f"the arguments of '{layer}' (line {line}) are not indented under it: indent them further than "
            f"'{layer}' (past column {column}), or write '- {layer}: {{...}}'")


def colon_missing_in(name: str) -> tuple[str, str] | None:
    """(word, bracket) when a layer type as read is a word and a flow collection that a missing
    colon glued together: `- conv2d {out_channels: 6}` is the one-key mapping
    {'conv2d {out_channels': '6}'} to YAML, a type no layer has."""
    match = _NO_COLON.match(name)
    return (match[2], name[match.end() - 1]) if match and not match[1] else None


def syntax_hint(text: str, problem: str, line: int, column: int) -> Hint | None:
    """The newcomer's mistake behind a YAML syntax error at 0-based (line, column), if it is one."""
    lines = text.splitlines()
    if not 0 <= line < len(lines):
        return None
    here = lines[line]
    indent = here[:len(here) - len(here.lstrip(" \t"))]
    if "\t" in indent:  # YAML forbids tabs in indentation; PyYAML says "cannot start any token"
        return ("a tab in the indentation: YAML indents with spaces, not tabs; replace the tab with spaces",
                line + 1, indent.index("\t") + 1)
    match = _NO_COLON.match(here)
    if match:
        return missing_colon(match[2], here[match.end() - 1]), line + 1, len(match[1]) + len(match[2]) + 1
    above = _content_line_before(lines, line)
    if above is not None and "mapping values are not allowed" in problem:
        # The line above and this one are one plain scalar to YAML, up to this line's colon.
        bare, flow = _BARE_ITEM.match(lines[above]), _NO_COLON.match(lines[above])
        if bare and _KEY_LINE.match(here):  # `- conv2d`, then its arguments
            return missing_colon(bare[2]), above + 1, len(bare[1]) + len(bare[2]) + 1
        if flow:  # `input [3, 32, 32]`, then the next key
            return missing_colon(flow[2], lines[above][flow.end() - 1]), above + 1, len(flow[1]) + len(flow[2]) + 1
    stripped = here.lstrip(" ")
    # libyaml's words, then PyYAML's (whose loader runs without libyaml)
    unexpected = "expected key" in problem or "expected '-' indicator" in problem or "<block end>" in problem
    if unexpected and (stripped.startswith("- ") or stripped == "-"):
        return ("a list item where a key belongs: did you forget 'layers:'? The layers are a list under the "
                "'layers:' key", line + 1, column + 1)
    if above is not None and unexpected and _KEY_LINE.match(here):
        item = _OPEN_ITEM.match(lines[above])
        if item and len(item[1]) == len(indent):
            at = len(lines[above]) - len(lines[above].lstrip(" -"))
            return not_indented(item[2], above + 1, at + 1), line + 1, column + 1
    return None


def tuple_fix(value: object) -> str | None:
    """The fix for torch's tuple spelling: YAML has no tuples, so `(3, 3)` is the text '(3, 3)'."""
    if not isinstance(value, str):
        return None
    match = _TUPLE.match(value.strip())
    if not match:
        return None
    items = [item.strip() for item in match[1].split(",") if item.strip()]
    return f"YAML has no tuples: write [{', '.join(items)}], not {value.strip()}"
