"""Speed of `shapecalc run`'s pure-Python forward pass.

    python benchmarks/bench_forward.py             # kernels, the six-loop reference, LeNet-5 (~20 s)
    python benchmarks/bench_forward.py --alexnet   # and the full AlexNet on 227x227 (~1.1 G MACs)

Prints MAC/s per layer type in one process (parameters made beforehand, so only the kernel is
timed), the ratio to a naive six-loop convolution timed on the same layer in the same run (and
the largest difference between their outputs), the split of a large layer across processes, the
rate at which seeded weights are drawn, and whole-network times. The issue's targets: conv at
30 M MAC/s or more in one process, LeNet-5 under 50 ms, AlexNet under 60 s on both cores.
Each figure is the best of `--repeat` runs: on a shared machine the best is the least disturbed.
The load average is printed at the start and the end: other processes on the same cores slow
every figure here, and make a split across processes look worse than it is.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import platform
import sys
import time
from pathlib import Path
from typing import Callable

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from shapecalc.analysis.check import check_text  # noqa: E402
from shapecalc.analysis.forward import CAN_FORK, PARALLEL_MACS, apply, cores, estimate, execute, prepare  # noqa: E402
from shapecalc.kernels.params import Given, Seeded  # noqa: E402
from shapecalc.kernels.tensor import Tensor, dot  # noqa: E402

# (label, input shape, layer): the shapes of AlexNet's and LeNet's layers, scaled to seconds.
LAYERS = [
    ("conv 3x3 pad 1 (64->128 on 13x13)", (64, 13, 13), "conv2d: {out_channels: 128, kernel_size: 3, padding: 1}"),
    ("conv 5x5 pad 2 (48->64 on 27x27)", (48, 27, 27), "conv2d: {out_channels: 64, kernel_size: 5, padding: 2}"),
    ("conv 11x11 stride 4 (3->96 on 115x115)", (3, 115, 115), "conv2d: {out_channels: 96, kernel_size: 11, stride: 4}"),
    ("conv 5x5 (1->6 on 32x32, LeNet C1)", (1, 32, 32), "conv2d: {out_channels: 6, kernel_size: 5}"),
    ("linear 4096->1024", (4096,), "linear: {out_features: 1024}"),
    ("maxpool 3x3 stride 2 (96x55x55)", (96, 55, 55), "maxpool2d: {kernel_size: 3, stride: 2}"),
    ("avgpool 2x2 (16x10x10)", (16, 10, 10), "avgpool2d: {kernel_size: 2}"),
]


def best_of(repeat: int, fn: Callable[[], object]) -> tuple[float, object]:
    """The shortest wall time of `repeat` calls, and the last result."""
    times, result = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t0)
    return min(times), result


def load() -> str:
    return "load average " + " ".join(f"{v:.2f}" for v in os.getloadavg()) if hasattr(os, "getloadavg") else ""


def layer_setup(shape: tuple[int, ...], layer: str):
    """The analysed one-layer spec, its input, and its parameters drawn in advance (Given)."""
    analysis = check_text(f"input: {list(shape)}\nlayers:\n  - {layer}\n", "bench.yaml")
    setup = prepare(analysis, 0)
    params = {name: Given(p.shape, p.values()) for name, p in setup.params[0].items()}
    return analysis, setup, params


def six_loop_conv(x: Tensor, weight: Given, bias: Given, k: int, s: int, p: int) -> list[float]:
    """The textbook convolution: six nested Python loops over nested lists, no tricks."""
    c, h, w = x.shape
    f = weight.shape[0]
    xp = [[[0.0] * (w + 2 * p) for _ in range(h + 2 * p)] for _ in range(c)]
    for ci in range(c):
        for y in range(h):
            for xx in range(w):
                xp[ci][y + p][xx + p] = x.data[(ci * h + y) * w + xx]
    wt = [[[[weight.data[((fi * c + ci) * k + ky) * k + kx] for kx in range(k)] for ky in range(k)]
           for ci in range(c)] for fi in range(f)]
    oh, ow = (h + 2 * p - k) // s + 1, (w + 2 * p - k) // s + 1
    out = []
    for fi in range(f):
        for oy in range(oh):
            for ox in range(ow):
                acc = bias.data[fi]
                for ci in range(c):
                    for ky in range(k):
                        for kx in range(k):
                            acc += wt[fi][ci][ky][kx] * xp[ci][oy * s + ky][ox * s + kx]
                out.append(acc)
    return out


def kernels(repeat: int, naive: bool) -> None:
    print(f"{'layer (one process)':42} {'MACs':>12} {'time':>9} {'M MAC/s':>8} {'six loops':>10} {'ratio':>6} {'max diff':>9}")
    for label, shape, layer in LAYERS:
        analysis, setup, params = layer_setup(shape, layer)
        op, args = analysis.layers[0].spec.kind.forward, analysis.layers[0].spec.args
        seconds, out = best_of(repeat, lambda: op.kernel(setup.input, args, params))
        macs = setup.macs[0]
        line = f"{label:42} {macs:12,} {seconds * 1000:7.1f}ms {macs / seconds / 1e6:8.1f}"
        if naive and label.startswith("conv"):
            k, s, p = args["kernel_size"][0], args["stride"][0], args["padding"][0]
            ref_seconds, ref = best_of(1, lambda: six_loop_conv(setup.input, params["weight"], params["bias"], k, s, p))
            diff = max(abs(a - b) for a, b in zip(out.data, ref))
            line += f" {macs / ref_seconds / 1e6:8.1f}M/s {ref_seconds / seconds:5.1f}x {diff:9.1e}"
        print(line)


def cpu_seconds() -> float:
    """CPU time of this process and of its finished children (the pool's workers, once joined)."""
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


def spin(n: int) -> int:
    total = 0
    for i in range(n):
        total += i
    return total


def machine_speedup(workers: int) -> float:
    """What `workers` forked processes gain on a trivial CPU-bound job right now: the ceiling for
    any split, lowered by whatever else runs on the same cores."""
    jobs = [3_000_000] * workers
    t0 = time.perf_counter()
    for n in jobs:
        spin(n)
    alone = time.perf_counter() - t0
    t0 = time.perf_counter()
    with multiprocessing.get_context("fork").Pool(workers) as pool:
        pool.map(spin, jobs)
    return alone / (time.perf_counter() - t0)


def split(repeat: int, workers: int) -> None:
    """One large layer in 1 and in `workers` processes: wall time, and the CPU time all processes
    spent (what the split costs in extra work, whatever else the machine is doing)."""
    label, shape, layer = LAYERS[1]
    analysis, setup, params = layer_setup(shape, layer)
    result = analysis.layers[0]
    op, args = result.spec.kind.forward, result.spec.args
    print(f"\n{label}, {setup.macs[0]:,} MACs (layers of {PARALLEL_MACS:,} MACs and more are split):")
    base = None
    for n in sorted({1, workers}):
        runs = []
        for _ in range(repeat):
            cpu, wall = cpu_seconds(), time.perf_counter()
            apply(op, setup.input, args, params, result.output_shape, n, lambda done: None)
            runs.append((time.perf_counter() - wall, cpu_seconds() - cpu))
        seconds, cpu = min(runs)
        base = base or seconds
        print(f"  {n} process{'es' * (n > 1)}: {seconds * 1000:7.1f} ms, {setup.macs[0] / seconds / 1e6:6.1f} M MAC/s, "
              f"speed-up {base / seconds:.2f}x, CPU time {cpu:.2f} s")
    if workers > 1 and CAN_FORK:
        print(f"  (a trivial job split the same way gains {machine_speedup(workers):.2f}x on this machine right now)")


def seeded_rate(repeat: int) -> None:
    weight = Seeded((256, 2400), "0/bench/weight", -0.02, 0.02)
    seconds, _ = best_of(repeat, weight.values)
    print(f"\nseeded weights: {256 * 2400 / seconds / 1e6:.1f} M values/s (one Random per row, uniform)")


def network(path: Path, repeat: int, workers: int) -> None:
    analysis = check_text(path.read_text(), str(path))
    macs = sum(estimate(analysis))
    prep, setup = best_of(repeat, lambda: prepare(analysis, 0))
    seconds, run = best_of(repeat, lambda: execute(analysis, setup, workers=workers))
    assert run.ok, [layer.error for layer in run.layers]
    most = max(layer.processes for layer in run.layers)
    print(f"\n{path.relative_to(ROOT)}: {macs:,} MACs, every layer matches; prepare {prep * 1000:.1f} ms, "
          f"forward {seconds * 1000:.1f} ms ({macs / seconds / 1e6:.1f} M MAC/s, "
          f"{'no layer split' if most == 1 else f'large layers in {most} processes'})")
    if macs > 50_000_000:
        for layer in run.layers:
            if layer.seconds > 0.1:
                n = layer.processes
                print(f"  {layer.result.spec.name:8} {layer.macs:13,} MACs {layer.seconds:7.2f} s "
                      f"{layer.macs / layer.seconds / 1e6:6.1f} M MAC/s  {n} process{'es' * (n > 1)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--alexnet", action="store_true", help="also run the full AlexNet (about 30 s)")
    parser.add_argument("--repeat", type=int, default=3, help="runs per figure, the best is kept (default 3)")
    parser.add_argument("--workers", type=int, default=cores(), help="processes for the large layers (default: the cores)")
    parser.add_argument("--no-naive", action="store_true", help="skip the six-loop reference (about 10 s)")
    args = parser.parse_args()
    print(f"Python {platform.python_version()}, {platform.machine()}, {os.cpu_count()} cores "
          f"({cores()} usable), dot = {getattr(dot, '__module__', '')}.{dot.__name__}; {load()}\n")
    kernels(args.repeat, not args.no_naive)
    split(args.repeat, args.workers)
    seeded_rate(args.repeat)
    network(ROOT / "architectures/lenet5.yaml", max(args.repeat, 5), args.workers)
    if args.alexnet:
        network(ROOT / "architectures/alexnet.yaml", 1, args.workers)
    print(f"\n{load()}")


if __name__ == "__main__":
    main()
