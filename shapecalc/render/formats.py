"""The report formats of `shapecalc lint`: a LintResult in, the text to write out.

Pure functions, no rich: a CI log must get exactly one line per diagnostic (rich wraps at 80
columns outside a terminal), and a linter run over a thousand files should not pay for a
table library. User-supplied text (paths, layer names, unknown keys) can hold any character
YAML allows, newlines and control characters included; every format escapes it so that a
spec cannot forge a second diagnostic line, an annotation property or invalid XML.

A file name need not be text at all: on POSIX it is bytes, and Python hands a byte that is not
UTF-8 over as a lone surrogate (0xff as U+DCFF), which no UTF-8 stream can hold. Every format
writes such a byte as `\\xff`, and a lone surrogate that stands for no byte (a YAML "\\ud800"
escape) or a non-character XML refuses (U+FFFE, U+FFFF) as `\\ud800`; SARIF's artifact URIs
percent-encode the name's real bytes instead (`bad%FF.yaml`), so they still name the file.
"""

from __future__ import annotations

import os
import re
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Callable
from urllib.parse import quote

from ..version import __version__
from ..diagnostics import RULES, Diagnostic, one_line
from ..analysis.lint import FileResult, LintResult
from .output import json_text, plural

SARIF_SCHEMA = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
_ANSI = {"bold": "\x1b[1m", "error": "\x1b[1;31m", "warning": "\x1b[1;33m", "reset": "\x1b[0m"}
#: What no format can write as is: lone surrogates (UTF-8 cannot encode them) and the two
#: non-characters XML 1.0 forbids. _NOT_A_BYTE: the lone surrogates that stand for no byte.
_UNWRITABLE = re.compile(r"[\ud800-\udfff\ufffe\uffff]")
_NOT_A_BYTE = re.compile(r"[\ud800-\udc7f\udd00-\udfff]")


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code - 0xDC00:02x}" if 0xDC80 <= code <= 0xDCFF else f"\\u{code:04x}"


def writable(text: str) -> str:
    """`text` with what no UTF-8 stream or XML document can hold escaped: a file name's byte
    that is not UTF-8 as `\\xff`, any other lone surrogate or U+FFFE/U+FFFF as `\\ud800`."""
    return _UNWRITABLE.sub(_escape, text)


def printable(text: str) -> str:
    """User text for a line of output (a report line, an XML attribute, stderr): writable, on one line."""
    return one_line(writable(text))


def summary(result: LintResult) -> str:
    """One line: how many files, errors and warnings; what --strict does to the warnings; how
    many YAML files were passed over as not specs (so none is skipped without a word)."""
    checked = f"Checked {plural(len(result.files), 'file')}"
    skipped = (f" Skipped {plural(len(result.skipped), 'YAML file')} without a top-level input or layers "
               f"(not specs).") if result.skipped else ""
    if not result.errors and not result.warnings:
        return f"{checked}: no problems.{skipped}"
    bad = sum(1 for f in result.files if f.diagnostics)
    strict = " (--strict: warnings fail the run)" if result.strict and result.warnings else ""
    return (f"{checked}: {plural(result.errors, 'error')}, {plural(result.warnings, 'warning')} "
            f"in {plural(bad, 'file')}{strict}.{skipped}")


def text(result: LintResult, color: bool = False) -> str:
    """`path:line:col: CODE message`, one line each, then the summary line."""
    c = _ANSI if color else dict.fromkeys(_ANSI, "")
    lines = [f"{c['bold']}{printable(f.path)}:{d.line}:{d.column}:{c['reset']} "
             f"{c[d.severity]}{d.code}{c['reset']} {printable(d.message)}"
             for f in result.files for d in f.diagnostics]
    return "\n".join([*lines, summary(result)]) + "\n"


def _record(f: FileResult, d: Diagnostic) -> dict[str, object]:
    return {key: writable(value) if isinstance(value, str) else value
            for key, value in {"file": f.path, **d.to_dict()}.items()}


def json_report(result: LintResult) -> str:
    """One JSON document: the counts, every diagnostic with its file, and what could not be read."""
    return json_text({
        "shapecalc_version": __version__,
        "files": len(result.files),
        "errors": result.errors,
        "warnings": result.warnings,
        "strict": result.strict,
        "diagnostics": [_record(f, d) for f in result.files for d in f.diagnostics],
        "unreadable": [{"file": writable(u.path), "reason": writable(u.reason)} for u in result.unreadable],
        "skipped": [writable(path) for path in result.skipped],
    }, indent=2) + "\n"


def _gh_data(value: str) -> str:
    return writable(value).replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _gh_property(value: str) -> str:
    return _gh_data(value).replace(":", "%3A").replace(",", "%2C")


def _level(result: LintResult, d: Diagnostic) -> str:
    """"error" for what fails the run (a warning too under --strict), else "warning": a pull
    request then shows as errors exactly the lines that made its check fail."""
    return "error" if result.fails(d) else "warning"


def github(result: LintResult) -> str:
    """GitHub Actions workflow commands: each diagnostic becomes an annotation on the file's line,
    the path from the project root (GitHub resolves it from the repository's root).

    The job still fails only by the exit code; an annotation is a marker, not a verdict."""
    lines = [f"::{_level(result, d)} title={_gh_property(d.code)},file={_gh_property(result.from_root(f.path))},"
             f"line={d.line},col={d.column}::{_gh_data(d.message)}"
             for f in result.files for d in f.diagnostics]
    lines += [f"::error file={_gh_property(result.from_root(u.path))}::{_gh_data(u.reason)}"
              for u in result.unreadable]
    return "".join(line + "\n" for line in lines)


#: The base of every relative artifact URI, as SARIF 2.1.0 names the source root (3.14.14).
SRCROOT = "%SRCROOT%"


def _artifact(path: str) -> dict[str, str]:
    """A SARIF artifactLocation: a path from the project root is a relative URI on SRCROOT
    (code scanning resolves it against the checkout), percent-encoded; an absolute one (outside
    the root) a file:// URI. The name's bytes are encoded, a byte that is not UTF-8 too
    (`%FF`), so the URI names the very file."""
    p = Path(_NOT_A_BYTE.sub(_escape, path))
    if p.is_absolute():
        return {"uri": p.as_uri()}
    return {"uri": quote(os.fsencode(p.as_posix()), safe="/"), "uriBaseId": SRCROOT}


def _location(result: LintResult, path: str, line: int = 1, column: int = 1) -> dict[str, object]:
    return {"physicalLocation": {"artifactLocation": _artifact(result.from_root(path)),
                                 "region": {"startLine": line, "startColumn": column}}}


def _base_ids(result: LintResult) -> dict[str, object]:
    """originalUriBaseIds: where SRCROOT was on this machine (an absolute URI ending in `/`, as
    3.14.14 asks); nothing when the result was made without a root."""
    if not result.root:
        return {}
    uri = Path(_NOT_A_BYTE.sub(_escape, result.root)).as_uri()
    return {"originalUriBaseIds": {SRCROOT: {"uri": uri if uri.endswith("/") else uri + "/"}}}


def sarif(result: LintResult) -> str:
    """SARIF 2.1.0 for code scanning: every rule of RULES, whatever the selection, so a result's
    ruleId (the code) always resolves and a run's rule list does not depend on its options; one
    result per diagnostic, at its level in this run (a warning under --strict is an error).
    Columns count code points, as PyYAML's marks do."""
    rules = [{"id": code, "shortDescription": {"text": rule.title},
              "defaultConfiguration": {"level": rule.severity}} for code, rule in RULES.items()]
    results = [{"ruleId": d.code, "level": _level(result, d), "message": {"text": writable(d.message)},
                "locations": [_location(result, f.path, d.line, d.column)]}
               for f in result.files for d in f.diagnostics]
    notifications = [{"level": "error", "message": {"text": writable(str(u))},
                      "locations": [_location(result, u.path)]} for u in result.unreadable]
    log = {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {"name": "shapecalc", "version": __version__, "semanticVersion": __version__,
                                "rules": rules}},
            "invocations": [{"executionSuccessful": not result.unreadable,
                             "toolExecutionNotifications": notifications}],
            **_base_ids(result),
            "columnKind": "unicodeCodePoints",
            "results": results,
        }],
    }
    return json_text(log, indent=2) + "\n"


def junit(result: LintResult) -> str:
    """JUnit XML: a test suite per file and a test case per diagnostic. Errors (and warnings
    under --strict) are failures; other warnings pass with their text in system-out; a clean file
    is one passing case, so every file shows up; an unreadable file is an error. Paths are from
    the project root, as in the github and sarif formats."""
    root = ET.Element("testsuites", name="shapecalc")
    total = failures = 0
    for f in result.files:
        path = printable(result.from_root(f.path))
        suite = ET.SubElement(root, "testsuite", name=path)
        failed = 0
        if not f.diagnostics:
            ET.SubElement(suite, "testcase", classname=path, name="spec")
        for d in f.diagnostics:
            case = ET.SubElement(suite, "testcase", classname=path, name=d.code, line=str(d.line),
                                 column=str(d.column))
            report = f"{path}:{d.line}:{d.column}: {d.code} {printable(d.message)}"
            if result.fails(d):
                failed += 1
                failure = ET.SubElement(case, "failure", message=printable(d.message), type=d.code)
                failure.text = report
            else:
                ET.SubElement(case, "system-out").text = report
        suite.set("tests", str(len(suite)))
        suite.set("failures", str(failed))
        suite.set("errors", "0")
        total += len(suite)
        failures += failed
    for u in result.unreadable:
        path = printable(result.from_root(u.path))
        suite = ET.SubElement(root, "testsuite", name=path, tests="1", failures="0", errors="1")
        case = ET.SubElement(suite, "testcase", classname=path, name="read")
        ET.SubElement(case, "error", message=printable(u.reason)).text = f"{path}: {printable(u.reason)}"
    root.set("tests", str(total + len(result.unreadable)))
    root.set("failures", str(failures))
    root.set("errors", str(len(result.unreadable)))
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


#: Every format by its --format name.
FORMATS: dict[str, Callable[[LintResult], str]] = {
    "text": text,
    "json": json_report,
    "github": github,
    "sarif": sarif,
    "junit": junit,
}
