"""`check --format html` and `--format markdown`: well-formed, complete, escaped, deterministic.

The page is held to a stricter standard than browsers need (StrictPage below: every element
closed, in order; ids unique; nothing fetched from elsewhere), so a mistake shows here rather
than as a silently repaired page. The drawing inside it must be well-formed XML too. The saved
pages are in tests/expected/; regenerate with `SHAPECALC_REGEN=1 python -m pytest tests/test_html.py`.
"""

from __future__ import annotations

import html
import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from html.parser import HTMLParser

import pytest

from shapecalc.analysis.check import check_text
from shapecalc.diagnostics import one_line
from shapecalc.render.html import page
from shapecalc.render.markdown import markdown

from .conftest import ARCH, ROOT

EXPECTED = ROOT / "tests" / "expected"
#: HTML's void elements: the only ones that take no end tag.
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}

HOSTILE = """name: "<b>net</b> & co"
input: [3, 8, 8]
layers:
  - {type: conv2d, name: "<script>alert(1)</script>", out_channels: 4, kernel_size: 3}
  - {type: relu, name: "\\"' onmouseover=alert(1) x=\\"|`pipe`"}
  - {type: maxpool2d, name: "ctl\\x07\\u2028 ]]> <!-- --> &amp;", kernel_size: 4, stride: 3}
  - {type: flatten, name: "caf\\u00e9 *bold* _it_ $x$ [l](u) a.b.c"}
"""


class StrictPage(HTMLParser):
    """html.parser with the rules a browser would forgive made errors: `problems` lists them."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.ids: set[str] = set()
        self.problems: list[str] = []
        self.doctype = False
        self.tags: list[str] = []

    def _attrs(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        names = [name for name, _ in attrs]
        if len(names) != len(set(names)):
            self.problems.append(f"<{tag}> repeats an attribute: {names}")
        for name, value in attrs:
            if name == "id":
                if value in self.ids:
                    self.problems.append(f"duplicate id {value!r}")
                self.ids.add(value or "")
            if name.startswith("on"):
                self.problems.append(f"event handler attribute {name} on <{tag}>")
            if name in ("src", "srcset") or (name == "href" and not (value or "").startswith("#")):
                self.problems.append(f"<{tag} {name}={value!r}> refers outside the page")
        if tag in ("script", "link", "iframe", "object", "img", "base"):
            self.problems.append(f"<{tag}> in a self-contained page")

    def handle_decl(self, decl: str) -> None:
        self.doctype = decl.lower() == "doctype html"

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._attrs(tag, attrs)
        if tag not in VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._attrs(tag, attrs)  # <path .../> inside the SVG: closed on the spot

    def handle_endtag(self, tag: str) -> None:
        if tag in VOID:
            self.problems.append(f"end tag for void <{tag}>")
        elif not self.stack or self.stack[-1] != tag:
            self.problems.append(f"</{tag}> closes {self.stack[-1:] or 'nothing'}")
        else:
            self.stack.pop()

    def check(self, text: str) -> StrictPage:
        self.feed(text)
        self.close()
        if self.stack:
            self.problems.append(f"never closed: {self.stack}")
        if not self.doctype:
            self.problems.append("no <!DOCTYPE html>")
        return self


def analysis(case: str):
    return check_text((ARCH / case).read_text(), f"architectures/{case}")


def assert_valid(text: str) -> StrictPage:
    parsed = StrictPage().check(text)
    assert parsed.problems == []
    assert parsed.tags[:4] == ["html", "head", "meta", "meta"] and 'charset="utf-8"' in text
    assert text.isascii()  # everything else as character references
    for svg in re.findall(r"<svg\b.*?</svg>", text, flags=re.S):
        ET.fromstring(svg)  # the inline drawing is well-formed XML
    return parsed


def visible_names(text: str) -> str:
    """The page without the line-break hints between a name's parts."""
    return text.replace("<wbr>", "")


@pytest.mark.parametrize("case", ["lenet5.yaml", "alexnet-224.yaml", "resnet18.yaml", "googlenet.yaml",
                                  "unet.yaml", "vit_b_16.yaml"])
def test_pages_are_valid_and_carry_every_layer(case):
    a = analysis(case)
    text = page([a])
    parsed = assert_valid(text)
    assert "svg" in parsed.tags  # the drawing is there, inline
    shown = visible_names(text)
    for r in a.layers:
        assert f">{html.escape(one_line(r.spec.name))}<" in shown, r.spec.name
        assert f'id="s1-layer-{a.layers.index(r) + 1}"' in text
    for d in a.diagnostics:
        assert f"architectures/{case}:{d.line}:{d.column}:" in text
    for b in a.spec.blocks:
        assert f">{html.escape(b.name)}<" in shown


def test_two_specs_make_one_page_with_unique_ids():
    text = page([analysis("lenet5.yaml"), analysis("resnet18.yaml")])
    parsed = assert_valid(text)
    assert text.count("<svg") >= 2 and text.count("<article") == 2
    assert {"s1", "s2", "s1-layers", "s2-layers"} <= parsed.ids
    for ref in re.findall(r'url\(#([^)]+)\)|href="#([^"]+)"', text):
        assert (ref[0] or ref[1]) in parsed.ids  # every reference lands on this page


def test_hostile_names_are_text_not_markup():
    a = check_text(HOSTILE, "<evil>.yaml")
    text = page([a])
    assert_valid(text)
    assert "<script" not in text.lower() and "<b>" not in text  # StrictPage refuses on* attributes too
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text and "&lt;b&gt;net&lt;/b&gt; &amp; co" in text
    assert "&amp;amp;" in text  # an entity written in a name is shown as written, not decoded
    assert "ctl\\x07\\u2028" in text  # control characters as the text report escapes them
    assert "caf&#233;" in text
    assert "&lt;evil&gt;.yaml:" in text


def test_the_same_spec_gives_the_same_bytes_in_any_process(tmp_path):
    """No date, no hash order: two interpreters with different hash seeds write the same page."""
    outputs = []
    for seed in ("1", "2"):
        out = tmp_path / f"r{seed}.html"
        env = {**os.environ, "PYTHONHASHSEED": seed}
        proc = subprocess.run([sys.executable, "-m", "shapecalc", "check", "architectures/googlenet.yaml",
                               "--convention", "macs", "--format", "html", "-o", str(out)],
                              cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
        assert proc.returncode == 0 and proc.stdout == "" and proc.stderr == "", proc.stderr
        outputs.append(out.read_bytes())
    assert outputs[0] == outputs[1]
    assert outputs[0].decode() == page([analysis("googlenet.yaml")])


def test_output_goes_to_the_file_after_the_spec_is_read(tmp_path, run_cli):
    """-o writes once at the end: naming the spec itself as the output reads it first."""
    spec = tmp_path / "net.yaml"
    spec.write_text((ARCH / "lenet5.yaml").read_text())
    proc = run_cli("check", str(spec), "-f", "markdown", "-o", str(spec), "--convention", "macs")
    assert proc.returncode == 0 and proc.stdout == ""
    assert spec.read_text().startswith("### lenet5  input 1x32x32\n")
    text = tmp_path / "a.txt"
    assert run_cli("check", "architectures/lenet5.yaml", "-o", str(text)).returncode == 0
    assert text.read_text() == run_cli("check", "architectures/lenet5.yaml").stdout


def test_an_output_that_cannot_be_written_is_exit_2(tmp_path, run_cli):
    proc = run_cli("check", "architectures/lenet5.yaml", "-f", "html", "-o", str(tmp_path / "no" / "r.html"))
    assert proc.returncode == 2 and proc.stdout == ""
    assert proc.stderr == f"error: {tmp_path / 'no' / 'r.html'}: cannot write: No such file or directory\n"


def test_errors_still_exit_1_and_unreadable_files_are_left_out(tmp_path, run_cli):
    out = tmp_path / "r.html"
    proc = run_cli("check", "architectures/alexnet-224.yaml", "missing.yaml", "-f", "html", "-o", str(out))
    assert proc.returncode == 2 and "missing.yaml: cannot read" in proc.stderr
    assert out.read_text().count("<article") == 1 and "F001" in out.read_text()
    assert run_cli("check", "architectures/alexnet-224.yaml", "-f", "html").returncode == 1


def _cells(row: str) -> list[str]:
    """A GFM table row's cells: split at each `|` that is not escaped."""
    return re.split(r"(?<!\\)\|", row.strip())[1:-1]


def test_markdown_escapes_names_and_keeps_the_table_shape():
    text = markdown(check_text(HOSTILE, "h.yaml"))
    rows = [line for line in text.splitlines() if line.startswith("|")]
    assert len(rows) == 2 + 4 and len({len(_cells(r)) for r in rows}) == 1
    assert "\\<script>alert(1)\\</script>" in text
    assert re.findall(r"(?<!\\)<(?!br>)", text) == []  # no markup but the cells' own line breaks
    assert "x=\"\\|\\`pipe\\`" in text
    assert "caf\u00e9 \\*bold\\* \\_it\\_ \\$x\\$ \\[l\\](u)" in text
    assert "ctl\\\\x07\\\\u2028" in text  # the report's escape, its backslash escaped in turn


@pytest.mark.parametrize("case", ["lenet5.yaml", "alexnet-224.yaml"])
def test_markdown_golden(case, golden):
    golden(EXPECTED / case.replace(".yaml", ".md"), markdown(analysis(case)))


def test_html_golden(golden):
    golden(EXPECTED / "lenet5.html", page([analysis("lenet5.yaml")]))
