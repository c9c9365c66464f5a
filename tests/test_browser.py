"""A real browser renders the HTML report and a drawing: headless Chromium (Debian's `chromium`).

html.parser and ElementTree say the page is well-formed (tests/test_html.py); only a browser says
it shows something. Chromium takes a screenshot of each; the test reads the PNG with the
standard library (header, IHDR, the pixels after zlib and the scanline filters) and wants more
than one colour and a fair share of ink, and Chromium's log without a console error. Chromium
starts with a fresh profile and no network (`--disable-background-networking`): the page must
need nothing from elsewhere.

Without Chromium the tests skip with the reason; `.ci/run` installs it and sets
SHAPECALC_REQUIRE_BROWSER=1, which turns that skip into a failure, so CI always runs them.
"""

from __future__ import annotations

import os
import shutil
import struct
import subprocess
import zlib
from dataclasses import dataclass
from pathlib import Path

import pytest

from shapecalc.analysis.check import check_text
from shapecalc.render.draw import DrawOptions, svg
from shapecalc.render.html import page

from .conftest import ARCH

WINDOW = (1400, 2000)
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--no-first-run", "--hide-scrollbars", "--force-device-scale-factor=1",
         "--enable-logging=stderr", "--v=0"]
#: What Chromium's log says when the page itself went wrong (a script error, a resource it could
#: not load); its own complaints about D-Bus or the GPU on a headless machine are not the page's.
PAGE_ERRORS = ("Uncaught", "ERROR:CONSOLE", "Failed to load resource", "net::ERR_")


def chromium() -> str:
    """The browser's path; skips (fails under SHAPECALC_REQUIRE_BROWSER) when there is none."""
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if path is None:
        reason = "Chromium is not installed (apt-get install chromium); .ci/run installs it"
        if os.environ.get("SHAPECALC_REQUIRE_BROWSER"):
            pytest.fail(f"SHAPECALC_REQUIRE_BROWSER is set but {reason}")
        pytest.skip(reason)
    return path


def run_chromium(tmp_path: Path, url: str, *mode: str) -> subprocess.CompletedProcess:
    profile = tmp_path / f"profile-{len(list(tmp_path.glob('profile-*')))}"  # fresh for every start
    return subprocess.run([chromium(), *FLAGS, f"--user-data-dir={profile}", f"--window-size={WINDOW[0]},{WINDOW[1]}",
                           *mode, url], capture_output=True, text=True, timeout=180, check=False)


def screenshot(tmp_path: Path, target: Path) -> tuple[bytes, str]:
    """The PNG Chromium makes of the file, and its log."""
    png = target.with_suffix(target.suffix + ".png")
    proc = run_chromium(tmp_path, target.as_uri(), f"--screenshot={png}")
    assert png.exists(), f"no screenshot (exit {proc.returncode}): {proc.stderr[-2000:]}"
    return png.read_bytes(), proc.stderr


@dataclass
class Image:
    width: int
    height: int
    channels: int
    rows: list[bytes]


def read_png(data: bytes) -> Image:
    """A PNG decoded by the book (RFC 2083): signature, chunks with their CRCs, IHDR, the IDAT
    stream inflated and each scanline unfiltered. 8-bit RGB or RGBA, not interlaced: what
    Chromium writes."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG signature"
    chunks: list[tuple[bytes, bytes]] = []
    at = 8
    while at < len(data):
        length, kind = struct.unpack(">I4s", data[at:at + 8])
        body = data[at + 8:at + 8 + length]
        (crc,) = struct.unpack(">I", data[at + 8 + length:at + 12 + length])
        assert zlib.crc32(kind + body) == crc, f"bad CRC in {kind!r}"
        chunks.append((kind, body))
        at += 12 + length
    assert chunks[0][0] == b"IHDR" and chunks[-1][0] == b"IEND"
    width, height, depth, colour, _, _, interlace = struct.unpack(">IIBBBBB", chunks[0][1])
    assert depth == 8 and colour in (2, 6) and interlace == 0, (depth, colour, interlace)
    channels = 3 if colour == 2 else 4
    raw = zlib.decompress(b"".join(body for kind, body in chunks if kind == b"IDAT"))
    stride = width * channels
    assert len(raw) == height * (stride + 1)
    rows: list[bytes] = []
    previous = bytes(stride)
    blank = bytes(stride)
    for y in range(height):
        kind, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        if kind in (2, 4) and line == blank and previous[:stride - channels] == previous[channels:]:
            line = bytearray(previous)  # nothing changed from the row above, a uniform one (the page's white)
        elif kind == 1:
            for i in range(channels, stride):
                line[i] = (line[i] + line[i - channels]) & 0xFF
        elif kind == 2:
            line = bytearray((a + b) & 0xFF for a, b in zip(line, previous))
        elif kind == 3:
            for i in range(stride):
                left = line[i - channels] if i >= channels else 0
                line[i] = (line[i] + ((left + previous[i]) >> 1)) & 0xFF
        elif kind == 4:  # Paeth, inlined: the common filter and the slow one
            for i in range(stride):
                b = previous[i]
                if i >= channels:
                    a, c = line[i - channels], previous[i - channels]
                else:
                    a = c = 0
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 0xFF
        else:
            assert kind == 0, f"unknown filter {kind}"
        rows.append(bytes(line))
        previous = bytes(line)
    return Image(width, height, channels, rows)


def ink(image: Image) -> tuple[int, float]:
    """How many colours, and the share of pixels that are not white."""
    colours: set[tuple[int, int, int]] = set()
    inked = 0
    n = image.channels
    for row in image.rows:
        pixels = list(zip(row[0::n], row[1::n], row[2::n]))
        colours.update(pixels)
        inked += len(pixels) - pixels.count((255, 255, 255))
    return len(colours), inked / (image.width * image.height)


def page_errors(log: str) -> list[str]:
    return [line for line in log.splitlines() if any(mark in line for mark in PAGE_ERRORS)]


def test_png_reader_reads_what_it_is_given():
    """The decoder against a PNG made here: a 2x2 RGB image, one row per filter kind it could meet."""
    rows = [b"\x00" + bytes([255, 0, 0, 0, 0, 255]), b"\x02" + bytes([0, 0, 0, 0, 255, 0])]
    raw = zlib.compress(b"".join(rows))

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    png = (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 2, 2, 8, 2, 0, 0, 0))
           + chunk(b"IDAT", raw) + chunk(b"IEND", b""))
    image = read_png(png)
    assert image.rows == [bytes([255, 0, 0, 0, 0, 255]), bytes([255, 0, 0, 0, 255, 255])]
    assert ink(image) == (3, 1.0)


@pytest.mark.parametrize("case", ["alexnet-224.yaml", "resnet18.yaml"])
def test_the_report_renders_in_chromium(case, tmp_path):
    a = check_text((ARCH / case).read_text(), f"architectures/{case}")
    report = tmp_path / "report.html"
    report.write_text(page([a]), encoding="utf-8")
    data, log = screenshot(tmp_path, report)
    image = read_png(data)
    assert (image.width, image.height) == WINDOW
    colours, share = ink(image)
    assert colours > 16 and 0.03 < share < 0.9, (colours, share)
    assert page_errors(log) == []
    dom = run_chromium(tmp_path, report.as_uri(), "--dump-dom")
    assert dom.returncode == 0 and page_errors(dom.stderr) == []
    assert '<table class="layers">' in dom.stdout and "<svg" in dom.stdout
    assert all(f">{r.spec.name}<" in dom.stdout.replace("<wbr>", "") for r in a.layers)


def test_a_drawing_renders_in_chromium(tmp_path):
    a = check_text((ARCH / "googlenet.yaml").read_text(), "architectures/googlenet.yaml")
    drawing = tmp_path / "net.svg"
    drawing.write_text(svg(a, DrawOptions()), encoding="utf-8")
    data, log = screenshot(tmp_path, drawing)
    colours, share = ink(read_png(data))
    assert colours > 8 and share > 0.01, (colours, share)
    assert page_errors(log) == []


def test_a_console_error_would_be_seen(tmp_path):
    """The check above is not vacuous: a page whose script fails is caught by it."""
    bad = tmp_path / "bad.html"
    bad.write_text("<!DOCTYPE html><title>x</title><p>x</p><script>no_such_function()</script>")
    _, log = screenshot(tmp_path, bad)
    assert any("Uncaught" in line for line in page_errors(log)), log[-2000:]
