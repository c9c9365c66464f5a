"""The pre-commit hook, run the way pre-commit runs it: the manifest's entry, split like a shell
command, followed by the staged file names its `files` regex selects; a failing check must
exit non-zero. (pre-commit installs the package and puts its console script on PATH; here the
console script of the environment running the tests stands in.)"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from .conftest import ROOT

(HOOK,) = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())


def run_hook(files: list[str], cwd: Path) -> subprocess.CompletedProcess:
    script = shutil.which("shapecalc", path=os.path.dirname(sys.executable))
    if script is None:
        pytest.skip("the shapecalc console script is not installed (pip install -e .)")
    command = shlex.split(HOOK["entry"])
    assert command[0] == "shapecalc"
    selected = [f for f in files if re.search(HOOK["files"], f)]
    env = {**os.environ, "PATH": os.path.dirname(script) + os.pathsep + os.environ.get("PATH", "")}
    return subprocess.run([script, *command[1:], *selected], cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=60)


def test_manifest():
    assert HOOK["id"] == "shapecalc" and HOOK["language"] == "python"
    assert HOOK["entry"].startswith("shapecalc lint")


def test_files_regex_selects_architecture_specs_only():
    pattern = re.compile(HOOK["files"])
    assert pattern.search("architectures/alexnet.yaml") and pattern.search("models/architectures/x/y.yml")
    for other in (".pre-commit-config.yaml", ".github/workflows/ci.yaml", "architectures/README.md",
                  "tests/lint_cases/s001-list.yaml", "my_architectures/x.yaml"):
        assert not pattern.search(other), other


def test_hook_passes_on_this_repository():
    """Every shipped spec, as `pre-commit run --all-files` passes them; the two rejected on
    purpose are skipped through [tool.shapecalc] extend-exclude (the entry's --force-exclude)."""
    files = sorted(p.relative_to(ROOT).as_posix() for p in ROOT.rglob("*.y*ml") if ".git" not in p.parts)
    proc = run_hook(files, ROOT)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "architectures/alexnet-224.yaml" not in proc.stdout


def test_hook_fails_on_a_broken_spec(tmp_path):
    (tmp_path / "architectures").mkdir()
    (tmp_path / "architectures" / "good.yaml").write_text("input: [4]\nlayers: [relu]\n")
    (tmp_path / "architectures" / "bad.yaml").write_text(
        "input: [1, 7, 7]\nlayers:\n  - conv2d: {out_channels: 1, kernel_size: 3, stride: 3}\n")
    proc = run_hook(["architectures/good.yaml", "architectures/bad.yaml", "notes.yaml"], tmp_path)
    assert proc.returncode == 1
    assert proc.stdout.splitlines()[0].startswith("architectures/bad.yaml:3:55: F001")
    assert proc.stdout.splitlines()[-1] == "Checked 2 files: 1 error, 0 warnings in 1 file."
