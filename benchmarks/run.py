"""Every speed figure of shapecalc in one table (issue 7: fast enough to run on every commit).

    python benchmarks/run.py              # everything, about three minutes on 2 cores
    python benchmarks/run.py --quick      # fewer repetitions, about a minute
    python benchmarks/run.py --markdown   # and the table as Markdown too, for the README
    python benchmarks/run.py --skip forward   # leave a part out: startup, scaling, draw, lint, forward, import

What it measures, each side by side in the same run:

- Start-up: `shapecalc check architectures/resnet50.yaml` (text, and `--format json`) as whole
  processes, against `python -c pass`, the bare import of the project's dependencies
  (`import typer, rich.table, yaml`) and torchinfo's summary of the same ResNet-50 (built by
  tests/oracle/reference_models.py; skipped when torch or torchinfo is missing). Wall time, and peak
  memory (the child's maximum resident set size, from GNU time: see gnu_time). Also, for
  information: the same commands through typer's option parsing (typer 0.26+ builds pydantic
  validators), which the console script skips for the lines it parses itself (shapecalc/cli/entry.py);
  their output must be the same bytes.
- Scaling: generated specs of 100 to 100,000 layers (plain sequential layers, and a spec of
  nested blocks with `repeat`), parsed and analysed, then reported as JSON and as the text table,
  in this process (compute only, no start-up), with the growth per tenfold (linear is 10x); and
  the work (function calls, counted by cProfile), which the machine's load cannot blur.
- `shapecalc lint` on 1,000 spec files in one process (one interpreter start for all).
- The pure-Python forward pass: benchmarks/bench_forward.py's layers, MAC/s against its naive
  six-loop convolution, and LeNet-5 whole.
- The PyTorch bridge: `shapecalc import` of ResNet-50 and EfficientNet-B0 beside `import torch`
  and building the model, `shapecalc.summary` against torchinfo.summary, the torchvision zoo
  (see bridge).

These machines are shared and noisy, so runs of the things compared are interleaved (each round
runs every command once, in a rotating order) and the figures are medians; the spread is shown.
Nothing here is asserted by the tests: wall times belong in this table, not in CI.

Child processes run with bytecode caching on (PYTHONDONTWRITEBYTECODE is dropped for them), as
after `pip install`, and after one warm-up run of each command; their output goes to a file, not
a terminal, as in CI.
"""

from __future__ import annotations

import argparse
import gc
import importlib.util
import itertools
import json
import os
import platform
import re
import statistics
import subprocess
import sys
import sysconfig
import tempfile
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

RESNET = "architectures/resnet50.yaml"
#: The bare import of the project's own runtime dependencies: the issue's yardstick.
DEPENDENCIES = "import typer, rich.table, yaml"
#: torchinfo's summary of the hand-written torch ResNet-50, as its users run it.
TORCHINFO = ("from tests.oracle.reference_models import resnet50; from torchinfo import summary; "
             "summary(resnet50(), input_size=(1, 3, 224, 224))")
#: `check` through typer's option parsing, which the console script skips for lines it can parse
#: itself (shapecalc/cli/entry.py; here its fast path is turned off): what that saves. The outputs
#: must be the same bytes.
THROUGH_TYPER = "import shapecalc.cli.entry as e; e.plan = lambda argv, env: None; e.main()"
MB = 1024 * 1024
#: Time may grow by up to this much per tenfold and still count as close to 10x: larger heaps
#: cost a little more per object (caches, fresh memory pages). Time alone cannot tell linear from
#: n log n (12.5x from 10,000 to 100,000 layers); the function-call counts can, and must be 10x.
GROWTH = 13.0


# -- generated specs --------------------------------------------------------------------------
SEQUENTIAL = ("conv2d: {out_channels: 16, kernel_size: 3, padding: 1}", "batchnorm2d", "relu")


def sequential_spec(n: int) -> str:
    """n layers, each taking the one above: conv, batch norm, relu, conv, ... on 16x8x8."""
    return f"name: sequential-{n}\ninput: [16, 8, 8]\nlayers:\n" + "".join(
        f"  - {SEQUENTIAL[i % 3]}\n" for i in range(n))


def blocks_spec(n: int) -> str:
    """n layers (n a multiple of 20) from a few lines: a residual unit of 4 layers with a
    parameter, repeated 5 times in a stage, the stage repeated n/20 times."""
    assert n % 20 == 0
    return f"""name: blocks-{n}
input: [16, 8, 8]
blocks:
  unit:
    params: {{channels: 16}}
    layers:
      - conv2d: {{name: conv, out_channels: $channels, kernel_size: 3, padding: 1, bias: false}}
      - batchnorm2d: {{name: bn}}
      - relu: {{name: act}}
      - add: {{inputs: [act, input]}}
  stage:
    layers:
      - unit: {{name: unit, repeat: 5}}
layers:
  - stage: {{name: stage, repeat: {n // 20}}}
"""


SPECS: dict[str, Callable[[int], str]] = {"sequential": sequential_spec, "blocks": blocks_spec}


# -- measuring --------------------------------------------------------------------------------
@dataclass
class Runs:
    """Timings of one thing, in seconds, and (for processes) peak memory in bytes."""

    times: list[float] = field(default_factory=list)
    rss: list[int] = field(default_factory=list)

    @property
    def median(self) -> float:
        return statistics.median(self.times)

    def spread(self) -> str:
        if len(self.times) < 2:
            return f"{len(self.times)} run"
        return f"{seconds(min(self.times))}-{seconds(max(self.times))}, {len(self.times)} runs"


def seconds(t: float) -> str:
    return f"{t * 1000:.1f} ms" if t < 1 else f"{t:.2f} s"


def load() -> str:
    return " ".join(f"{v:.2f}" for v in os.getloadavg()) if hasattr(os, "getloadavg") else "n/a"


def child_env() -> dict[str, str]:
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # cache bytecode, as an installed package has it
    env.pop("FORCE_COLOR", None)  # output goes to a file: no colour, as in CI
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    return env


def shapecalc_command() -> tuple[list[str], str]:
    """The installed `shapecalc` script when it runs this checkout, else `python -m shapecalc`."""
    script = Path(sysconfig.get_path("scripts")) / "shapecalc"
    spec = importlib.util.find_spec("shapecalc")
    here = spec is not None and spec.origin is not None and Path(spec.origin).resolve().is_relative_to(ROOT)
    if script.is_file() and os.access(script, os.X_OK) and here:
        return [str(script)], "the installed shapecalc script"
    return [sys.executable, "-m", "shapecalc"], "python -m shapecalc"


def gnu_time() -> str | None:
    """GNU time, to read a child's peak memory: os.wait4's ru_maxrss of a child of this process
    starts from this process's own size (a spawned child begins as a copy of it, and Linux keeps
    the high-water mark across exec), so it cannot measure anything smaller than the benchmark."""
    for path in ("/usr/bin/time", "/bin/time"):
        try:
            if subprocess.run([path, "-f", "%M", "-o", os.devnull, "true"], capture_output=True, check=False).returncode == 0:
                return path
        except OSError:
            continue
    return None


TIME = gnu_time()


def run_process(argv: list[str], env: dict[str, str], out: Path) -> tuple[float, int | None, int, str]:
    """Run to completion with stdout to `out`: wall time, peak RSS in bytes (None when GNU time is
    missing), exit code, stderr. The wall time includes GNU time's own start, under a millisecond,
    the same for every command."""
    err, rss_file = out.with_suffix(".err"), out.with_suffix(".rss")
    if TIME:
        argv = [TIME, "-f", "%M", "-o", str(rss_file), *argv]
    with out.open("wb") as stdout, err.open("wb") as stderr:
        t0 = time.perf_counter()
        code = subprocess.call(argv, env=env, stdout=stdout, stderr=stderr)
        wall = time.perf_counter() - t0
    rss = None
    if TIME:
        lines = rss_file.read_text().split()  # "Command exited with non-zero status N" comes first
        rss = int(lines[-1]) * 1024
    return wall, rss, code, err.read_text(errors="replace")


def rotated(names: list[str], r: int) -> list[str]:
    """Round r's order: the names rotated by r, so each runs first, second, ... in turn."""
    return names[r % len(names):] + names[:r % len(names)]


def interleaved(commands: dict[str, list[str]], rounds: int, few: dict[str, int], env: dict[str, str],
                ok: dict[str, tuple[int, ...]], scratch: Path) -> dict[str, Runs]:
    """Run every command once per round, in an order that rotates from round to round (one
    untimed warm-up run first); commands in `few` only in their first few rounds."""
    names = list(commands)
    runs = {name: Runs() for name in names}
    for r in range(-1, rounds):
        order = rotated(names, r) if r >= 0 else names
        for name in order:
            if r >= few.get(name, rounds):
                continue
            wall, rss, code, err = run_process(commands[name], env, scratch / f"{name}.out")
            if code not in ok.get(name, (0,)):
                raise SystemExit(f"benchmark: `{' '.join(commands[name])}` exited {code}:\n{err}")
            if r >= 0:
                runs[name].times.append(wall)
                if rss is not None:
                    runs[name].rss.append(rss)
    return runs


# -- the table --------------------------------------------------------------------------------
@dataclass
class Row:
    figure: str
    value: str = ""
    spread: str = ""
    ratio: str = ""
    target: str = ""
    verdict: str = ""


@dataclass
class Table:
    rows: list[Row | str] = field(default_factory=list)  # a str is a section heading

    def section(self, title: str) -> None:
        self.rows.append(title)

    def add(self, *args: str, met: bool | None = None, verdict: str = "") -> None:
        row = Row(*args)
        row.verdict = verdict or ("" if met is None else "met" if met else "NOT MET")
        self.rows.append(row)

    HEAD = ("figure", "median", "spread (min-max)", "ratio", "target", "")

    def text(self) -> str:
        rows = [r for r in self.rows if isinstance(r, Row)]
        cols = list(zip(self.HEAD, *[(r.figure, r.value, r.spread, r.ratio, r.target, r.verdict) for r in rows]))
        widths = [max(map(len, col)) for col in cols]
        line = lambda cells: "  ".join(c.ljust(w) for c, w in zip(cells, widths)).rstrip()
        out = [line(self.HEAD), line(["-" * w for w in widths])]
        for r in self.rows:
            out.append(f"\n{r}" if isinstance(r, str) else line([r.figure, r.value, r.spread, r.ratio, r.target,
                                                                 r.verdict]))
        return "\n".join(out)

    def markdown(self) -> str:
        out = ["| " + " | ".join(self.HEAD[:5]) + " | |", "|---|---:|---|---|---|---|"]
        for r in self.rows:
            out.append(f"| **{r}** | | | | | |" if isinstance(r, str) else
                       "| " + " | ".join(re.sub(r"^  ", "&emsp;", c).replace("|", "\\|") for c in (
                           r.figure, r.value, r.spread, r.ratio, r.target, r.verdict)) + " |")
        return "\n".join(out)


# -- the sections -----------------------------------------------------------------------------
def startup(table: Table, quick: bool, scratch: Path) -> dict[str, Runs]:
    command, how = shapecalc_command()
    commands = {
        "pass": [sys.executable, "-c", "pass"],
        "deps": [sys.executable, "-c", DEPENDENCIES],
        "check": command + ["check", RESNET],
        "json": command + ["check", "--format", "json", RESNET],
        "typer check": [sys.executable, "-c", THROUGH_TYPER, "check", RESNET],
        "typer json": [sys.executable, "-c", THROUGH_TYPER, "check", "--format", "json", RESNET],
    }
    have_torchinfo = bool(importlib.util.find_spec("torch") and importlib.util.find_spec("torchinfo"))
    if have_torchinfo:
        commands["torchinfo"] = [sys.executable, "-c", TORCHINFO]
    rounds = 5 if quick else 15
    runs = interleaved(commands, rounds, {"torchinfo": 2 if quick else 5}, child_env(), {}, scratch)
    for name in ("check", "json"):
        if (scratch / f"{name}.out").read_bytes() != (scratch / f"typer {name}.out").read_bytes():
            raise SystemExit(f"benchmark: `{' '.join(commands[f'typer {name}'])}` does not print what "
                             f"`{' '.join(commands[name])}` prints")
    base = runs["deps"].median
    mem = lambda name: f"{max(runs[name].rss) / MB:.1f} MB" if runs[name].rss else "n/a"

    table.section(f"Start-up: whole processes, {rounds} interleaved rounds ({how}, stdout to a file)")
    table.add("python -c pass", seconds(runs["pass"].median), runs["pass"].spread(), f"memory {mem('pass')}")
    table.add(f"bare import: {DEPENDENCIES}", seconds(base), runs["deps"].spread(),
              f"{base / runs['pass'].median:.1f}x python -c pass; memory {mem('deps')}")
    for name, label in (("check", f"shapecalc check {RESNET}"), ("json", f"shapecalc check --format json {RESNET}")):
        ratio = runs[name].median / base
        table.add(label, seconds(runs[name].median), runs[name].spread(), f"{ratio:.2f}x the bare import",
                  "<= 1.3x", met=ratio <= 1.3)
        if runs[name].rss:
            peak = max(runs[name].rss) / MB
            table.add("  peak memory (RSS)", f"{peak:.1f} MB", "", "", "< 50 MB", met=peak < 50)
        else:
            table.add("  peak memory (RSS)", "", "", "", "< 50 MB", verdict="skipped: GNU time not found")
        typer = runs[f"typer {name}"]
        table.add("  the same through typer's option parsing (same output)", seconds(typer.median), typer.spread(),
                  f"{typer.median / base:.2f}x the bare import; memory {mem(f'typer {name}')}", "", verdict="info")
    if have_torchinfo:
        t = runs["torchinfo"]
        slower = max(runs["check"].median, runs["json"].median)
        table.add("torchinfo summary of ResNet-50 (torch, whole process)", seconds(t.median), t.spread(),
                  f"check is {t.median / slower:.0f}x faster; memory {mem('torchinfo')}", ">= 15x faster",
                  met=t.median / slower >= 15)
    else:
        table.add("torchinfo summary of ResNet-50", "", "", "", ">= 15x faster",
                  verdict="skipped: pip install torch torchinfo")
    return runs


def scaling(table: Table, quick: bool) -> None:
    from shapecalc.analysis.check import check_text
    from shapecalc.render.output import PIPE_WIDTH
    from shapecalc.render.table import plain_text, report
    from shapecalc.render.report import analysis_dict

    sizes = (100, 1_000, 10_000, 100_000)
    reps = dict(zip(sizes, (7, 5, 3, 1) if quick else (21, 11, 5, 3)))
    texts = {(kind, n): make(n) for kind, make in SPECS.items() for n in sizes}
    stages = ("parse+analyse", "JSON report", "text table")
    times: dict[tuple[str, int, str], list[float]] = {}

    def measure(kind: str, n: int, keep: bool = True) -> None:
        t0 = time.perf_counter()
        a = check_text(texts[kind, n], f"{kind}.yaml")
        t1 = time.perf_counter()
        json.dumps(analysis_dict(a))
        t2 = time.perf_counter()
        text = plain_text(report(a), PIPE_WIDTH)  # what `check` prints into a pipe or a file
        t3 = time.perf_counter()
        if len(a.layers) != n or a.diagnostics:
            raise SystemExit(f"benchmark: the {kind} spec of {n:,} layers gives {len(a.layers):,} layers, "
                             f"{len(a.diagnostics)} diagnostics")
        if text is None:
            raise SystemExit(f"benchmark: the {kind} spec of {n:,} layers needs rich to print")
        for stage, t in zip(stages, (t1 - t0, t2 - t1, t3 - t2)):
            if keep:
                times.setdefault((kind, n, stage), []).append(t)

    for kind in SPECS:
        measure(kind, 1_000, keep=False)  # warm-up: lazy imports, caches
    for r in range(max(reps.values())):
        for n in sizes:
            for kind in SPECS:
                if r < reps[n]:
                    measure(kind, n)
                    gc.collect()  # outside the timings: every measurement starts from the same heap

    table.section("Scaling: compute only, in one process (stages: " + ", ".join(stages) + "); growth per tenfold")
    for kind in SPECS:
        for n in sizes:
            medians = [statistics.median(times[kind, n, s]) for s in stages]
            value = " / ".join(seconds(m) for m in medians)
            spread = f"{reps[n]} run{'s' * (reps[n] > 1)} each"
            if n == sizes[0]:
                table.add(f"{kind}, {n:,} layers", value, spread)
                continue
            growth = [m / statistics.median(times[kind, n // 10, s]) for m, s in zip(medians, stages)]
            ratio = " / ".join(f"{g:.1f}x" for g in growth)
            linear = max(growth) <= GROWTH
            if n == 10_000:
                total = medians[0] + max(medians[1:])
                table.add(f"{kind}, {n:,} layers", value, spread, ratio,
                          f"~10x (<= {GROWTH:g}x); parse+report < 1 s: {seconds(total)}", met=linear and total < 1)
            else:
                table.add(f"{kind}, {n:,} layers", value, spread, ratio, f"~10x (<= {GROWTH:g}x)", met=linear)
    top = sizes[-1] if not quick else sizes[-2]
    for kind in SPECS:
        counts = [function_calls(partial(measure, kind, n, keep=False)) for n in (top // 100, top // 10, top)]
        growth = [b / a for a, b in itertools.pairwise(counts)]
        table.add(f"{kind}: work, {top // 100:,} / {top // 10:,} / {top:,} layers", " / ".join(f"{c:,}" for c in counts),
                  "function calls (cProfile)", " / ".join(f"{g:.2f}x" for g in growth), "10x (<= 10.5x)",
                  met=max(growth) <= 10.5)


def drawing(table: Table, quick: bool) -> None:
    """`shapecalc draw`'s SVG (issue 14): ResNet-50 collapsed and expanded, and the sequential spec
    up to 100,000 layers, compute only; the growth per tenfold and the work, as for check."""
    from shapecalc.analysis.check import check_file, check_text
    from shapecalc.render.draw import DrawOptions, svg

    resnet = check_file(RESNET)
    table.section("Drawing: shapecalc draw's SVG, compute only, in one process")
    for label, options in (("collapsed", DrawOptions()), ("--expand", DrawOptions(expand=True))):
        times = []
        for _ in range(5 if quick else 15):
            t0 = time.perf_counter()
            svg(resnet, options)
            times.append(time.perf_counter() - t0)
        table.add(f"draw {RESNET} ({label})", seconds(statistics.median(times)), f"{len(times)} runs")
    sizes = (1_000, 10_000, 100_000) if not quick else (1_000, 10_000)
    analyses = {n: check_text(sequential_spec(n)) for n in sizes}
    medians = {}
    for n in sizes:
        times = []
        for _ in range(1 if n == 100_000 else 3):
            t0 = time.perf_counter()
            svg(analyses[n], DrawOptions())
            times.append(time.perf_counter() - t0)
            gc.collect()
        medians[n] = statistics.median(times)
        growth = f"{medians[n] / medians[n // 10]:.1f}x" if n // 10 in medians else ""
        table.add(f"draw sequential, {n:,} layers", seconds(medians[n]), f"{len(times)} run{'s' * (len(times) > 1)}",
                  growth, f"~10x (<= {GROWTH:g}x)" if growth else "",
                  met=medians[n] / medians[n // 10] <= GROWTH if growth else None)
    counts = [function_calls(partial(svg, analyses[n], DrawOptions())) for n in sizes[-2:]]
    table.add(f"draw: work, {sizes[-2]:,} / {sizes[-1]:,} layers", " / ".join(f"{c:,}" for c in counts),
              "function calls (cProfile)", f"{counts[1] / counts[0]:.2f}x", "10x (<= 10.5x)",
              met=counts[1] / counts[0] <= 10.5)


def function_calls(work: Callable[[], object]) -> int:
    """Python function calls (and calls of builtins) that `work` makes: a count of work that the
    machine's load and memory hierarchy do not change, unlike time."""
    import cProfile
    import pstats

    profile = cProfile.Profile()
    profile.runcall(work)
    return sum(calls for _, calls, *_ in pstats.Stats(profile).stats.values())


def lint_many(table: Table, quick: bool, scratch: Path, check_json: Runs | None) -> None:
    sources = sorted((ROOT / "architectures").rglob("*.yaml"))
    folder = scratch / "specs"
    folder.mkdir()
    count = 1_000
    for i in range(count):
        source = sources[i % len(sources)]
        (folder / f"{i:04d}-{source.name}").write_bytes(source.read_bytes())
    command, _ = shapecalc_command()
    runs = interleaved({"lint": command + ["lint", str(folder)]}, 2 if quick else 5, {}, child_env(),
                       {"lint": (0, 1)}, scratch)  # two shipped specs are wrong on purpose: exit 1
    summary = [line for line in (scratch / "lint.out").read_text().splitlines() if line.startswith("Checked")]
    if not summary or not summary[-1].startswith(f"Checked {count:,} files"):
        raise SystemExit(f"benchmark: lint did not check {count:,} files: {summary}")
    t = runs["lint"].median
    table.section(f"Lint: {count:,} files (the shipped architectures, copied), one process")
    per_file = t / count
    vs = f"; 1/{check_json.median / per_file:.0f} of a `check` process" if check_json else ""
    table.add(f"shapecalc lint on {count:,} files", seconds(t), runs["lint"].spread(),
              f"{count / t:,.0f} files/s, {per_file * 1000:.2f} ms a file{vs}", "one interpreter", verdict="met")


def forward(table: Table, quick: bool) -> None:
    sys.path.insert(0, str(ROOT / "benchmarks"))
    import bench_forward as bf

    reps = 1 if quick else 3
    table.section(f"Forward pass (shapecalc run): one process, {reps} interleaved round{'s' * (reps > 1)}; "
                  "benchmarks/bench_forward.py's layers")
    for label, shape, layer in bf.LAYERS:
        analysis, setup, params = bf.layer_setup(shape, layer)
        result = analysis.layers[0]
        op, args = result.spec.kind.forward, result.spec.args
        naive = label.startswith("conv")
        kernel_times, naive_times = [], []
        op.kernel(setup.input, args, params)  # warm-up, untimed
        for _ in range(reps):
            t0 = time.perf_counter()
            op.kernel(setup.input, args, params)
            kernel_times.append(time.perf_counter() - t0)
            if naive:
                k, s, p = args["kernel_size"][0], args["stride"][0], args["padding"][0]
                t0 = time.perf_counter()
                bf.six_loop_conv(setup.input, params["weight"], params["bias"], k, s, p)
                naive_times.append(time.perf_counter() - t0)
        macs = setup.macs[0]
        rate = macs / statistics.median(kernel_times) / 1e6
        if naive:
            slow = macs / statistics.median(naive_times) / 1e6
            table.add(label, f"{rate:.1f} M MAC/s", f"{macs:,} MACs",
                      f"{rate / slow:.1f}x the six-loop conv ({slow:.1f} M MAC/s)")
        else:
            table.add(label, f"{rate:.1f} M MAC/s", f"{macs:,} MACs")
    analysis = bf.check_text((ROOT / "architectures/lenet5.yaml").read_text(), "architectures/lenet5.yaml")
    setup = bf.prepare(analysis, 0)
    runs = Runs()
    for _ in range(max(reps, 5)):
        t0 = time.perf_counter()
        ran = bf.execute(analysis, setup)
        runs.times.append(time.perf_counter() - t0)
        assert ran.ok
    macs = sum(bf.estimate(analysis))
    table.add("LeNet-5 forward, whole network", seconds(runs.median), runs.spread(),
              f"{macs / runs.median / 1e6:.1f} M MAC/s")


def forward_or_why(table: Table, quick: bool) -> None:
    """The forward-pass section, which leans on bench_forward.py's helpers (another part of the
    project, changed on its own): if they moved, the table says so and the rest still prints."""
    try:
        forward(table, quick)
    except (ImportError, AttributeError, TypeError, KeyError, ValueError) as err:
        table.section("Forward pass (shapecalc run)")
        table.add("benchmarks/bench_forward.py's layers", verdict=f"failed: {type(err).__name__}: {err}")


def in_process(works: dict[str, Callable[[], object]], rounds: int) -> dict[str, Runs]:
    """Every work once per round (after one untimed warm-up each), in an order rotating per round,
    in this process."""
    names = list(works)
    for name in names:
        works[name]()
    runs = {name: Runs() for name in names}
    for r in range(rounds):
        for name in rotated(names, r):
            t0 = time.perf_counter()
            works[name]()
            runs[name].times.append(time.perf_counter() - t0)
    return runs


def bridge(table: Table, quick: bool, scratch: Path) -> None:
    """The PyTorch bridge (issue 13): `import torch, torchvision` as a process beside `python -c
    pass` (what any use of the bridge pays first); ResNet-50 and EfficientNet-B0 built (weights=None,
    on the CPU, as a user builds them) beside shapecalc's import of them (trace on meta tensors,
    map, fold, YAML: what `shapecalc import` adds); `shapecalc.summary` against torchinfo.summary
    on the same model in this process (torchinfo runs a forward on real data, shapecalc none);
    and every torchvision classification model imported, as the zoo test does."""
    try:
        import torch
        import torchvision
        from torchinfo import summary as torchinfo_summary
    except ImportError as err:
        table.section("Import from PyTorch")
        table.add("shapecalc import", verdict=f"not measured: {err} (pip install -e '.[oracle]')")
        return
    rounds = 3 if quick else 7
    procs = interleaved({"pass": [sys.executable, "-c", "pass"],
                         "torch": [sys.executable, "-c", "import torch, torchvision"]}, rounds, {}, child_env(), {},
                        scratch)
    table.section(f"Import from PyTorch (torch {torch.__version__}, torchvision {torchvision.__version__}): "
                  f"{rounds} interleaved rounds")
    table.add("python -c 'import torch, torchvision' (a process)", seconds(procs["torch"].median),
              procs["torch"].spread(), f"{procs['torch'].median / procs['pass'].median:.0f}x `python -c pass`")
    with warnings.catch_warnings():  # torchvision's constructors warn; the table is the output
        warnings.simplefilter("ignore")
        bridge_rows(table, rounds, torchvision, torchinfo_summary)


def bridge_rows(table: Table, rounds: int, torchvision, torchinfo_summary) -> None:
    """The in-process rows of `bridge`."""
    from shapecalc.torch.fold import fold
    from shapecalc.torch.importer import import_model
    from shapecalc.torch.summary import summary

    for name in ("resnet50", "efficientnet_b0"):
        model = torchvision.models.get_model(name, weights=None)
        runs = in_process({"build": lambda: torchvision.models.get_model(name, weights=None),
                           "import": lambda: fold(import_model(model, (3, 224, 224), name)).yaml()}, rounds)
        build, imported = runs["build"].median, runs["import"].median
        table.add(f"{name}: build the model (weights=None)", seconds(build), runs["build"].spread())
        table.add(f"{name}: shapecalc import (trace, map, fold, YAML)", seconds(imported), runs["import"].spread(),
                  f"{imported / build:.2f}x the build", "well under 1 s", met=imported < 1)
    model = torchvision.models.resnet50()
    runs = in_process({"shapecalc": lambda: str(summary(model, (3, 224, 224))),
                       "torchinfo": lambda: str(torchinfo_summary(model, input_size=(1, 3, 224, 224), verbose=0))},
                      rounds)
    ours, theirs = runs["shapecalc"].median, runs["torchinfo"].median
    table.add("shapecalc.summary(resnet50), as text", seconds(ours), runs["shapecalc"].spread(),
              f"{ours / theirs:.2f}x torchinfo.summary's time ({seconds(theirs)})", "faster (< 1x)", met=ours < theirs)
    each = {}
    from tests.oracle.zoo import torchvision_model, torchvision_size

    for name in torchvision.models.list_models(module=torchvision.models):
        model = torchvision_model(name)
        size = torchvision_size(name, model)
        t0 = time.perf_counter()
        import_model(model, (3, size, size), name)
        each[name] = time.perf_counter() - t0
    slow = sorted(each, key=each.get, reverse=True)[:3]
    table.add(f"the torchvision zoo: {len(each)} models imported (meta device)", seconds(sum(each.values())),
              "one run", "slowest: " + ", ".join(f"{n} {seconds(each[n])}" for n in slow))


def machine() -> list[str]:
    model = ""
    try:
        model = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                      if line.startswith("model name")), "")
    except OSError:
        pass
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()

    def version(name: str) -> str:
        from importlib.metadata import PackageNotFoundError
        from importlib.metadata import version as v
        try:
            return v(name)
        except PackageNotFoundError:
            return "not installed"

    import yaml
    return [
        f"Python {platform.python_version()} ({platform.python_implementation()}), {platform.platform()}",
        f"CPU: {model or platform.machine()}; {os.cpu_count()} cores, {usable} usable (nproc); load average {load()}",
        (f"typer {version('typer')}, rich {version('rich')}, PyYAML {version('PyYAML')} (libyaml "
         f"{'yes' if yaml.__with_libyaml__ else 'NO'}), pydantic {version('pydantic')}, torch {version('torch')}, "
         f"torchinfo {version('torchinfo')}"),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer repetitions (about a minute)")
    parser.add_argument("--markdown", action="store_true", help="print the table as Markdown too")
    parser.add_argument("--skip", action="append", default=[], choices=("startup", "scaling", "draw", "lint", "forward", "import"),
                        help="leave a section out (repeatable)")
    args = parser.parse_args()
    os.chdir(ROOT)  # the commands name architectures/... as a user in the repository does
    header = machine()
    print("\n".join(header), flush=True)
    table = Table()
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="shapecalc-bench-") as tmp:
        scratch = Path(tmp)
        runs = {}
        for name, step in (("startup", lambda: runs.update(startup(table, args.quick, scratch / "startup"))),
                           ("scaling", lambda: scaling(table, args.quick)),
                           ("draw", lambda: drawing(table, args.quick)),
                           ("lint", lambda: lint_many(table, args.quick, scratch / "lint", runs.get("json"))),
                           ("forward", lambda: forward_or_why(table, args.quick)),
                           ("import", lambda: bridge(table, args.quick, scratch / "import"))):
            if name in args.skip:
                continue
            (scratch / name).mkdir()
            print(f"... {name}", file=sys.stderr, flush=True)
            step()
    print(f"load average at the end {load()}; {time.perf_counter() - started:.0f} s in all"
          f"{' (--quick)' if args.quick else ''}\n")
    print(table.text())
    if args.markdown:
        print("\n" + table.markdown())


if __name__ == "__main__":
    main()
