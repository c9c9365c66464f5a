"""Shared helpers: paths, and running the CLI the way a user does."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
ARCH = ROOT / "architectures"


@pytest.fixture
def run_cli():
    """Run `python -m shapecalc ARGS` in a subprocess with a pinned, colourless environment."""

    def run(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess:
        env = {**os.environ, "NO_COLOR": "1", "TERM": "dumb", "COLUMNS": "200"}
        env.pop("FORCE_COLOR", None)
        env.pop("GITHUB_ACTIONS", None)
        return subprocess.run([sys.executable, "-m", "shapecalc", *args], cwd=cwd, env=env,
                              capture_output=True, text=True, timeout=60)

    return run


@pytest.fixture
def spec_file(tmp_path):
    """Write a spec's text to a file and return its path."""

    def write(text: str, name: str = "spec.yaml") -> Path:
        path = tmp_path / name
        path.write_text(text)
        return path

    return write
