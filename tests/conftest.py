"""Shared helpers: paths, running the CLI the way a user does, and golden files."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def hears_ctrl_c() -> None:
    """A child's preexec_fn for the Ctrl-C tests: SIGINT back to its default. A job started in the
    background by a shell without job control (`cmd &` in a script, as a CI runner may) inherits
    SIGINT ignored, and Python then rightly ignores it too: the test would see exit 0."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)
ARCH = ROOT / "architectures"


@pytest.fixture
def run_cli():
    """Run `python -m shapecalc ARGS` in a subprocess with a pinned, colourless environment."""

    def run(*args: str, cwd: Path = ROOT, columns: str | None = "200") -> subprocess.CompletedProcess:
        """columns: COLUMNS for the run, None to leave it unset."""
        env = {**os.environ, "NO_COLOR": "1", "TERM": "dumb", "COLUMNS": columns or ""}
        if columns is None:
            env.pop("COLUMNS")
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


@pytest.fixture
def golden(request):
    """Compare text with the golden file that holds it: `golden(path, actual)`. With
    SHAPECALC_REGEN=1 in the environment the file is written first (review the diff after)."""

    def check(path: Path, actual: str) -> None:
        __tracebackhide__ = True  # a failure points at the test's line
        name = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path
        regen = f"SHAPECALC_REGEN=1 python -m pytest {request.node.path.relative_to(ROOT)}"
        if os.environ.get("SHAPECALC_REGEN"):
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(actual)
        assert path.exists(), f"{name} missing: run `{regen}` to create it"
        assert actual == path.read_text(), (f"the output differs from {name}; if the change is intended, "
                                            f"run `{regen}` and review the diff")

    return check
