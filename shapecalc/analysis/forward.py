"""Running a spec: check it can run, estimate the work, prepare input and parameters, then push
the input through every layer and compare each output's shape with the calculator's.

Pure apart from reading the --input and --weights files: a parsed and analysed spec in, a Run
out; printing is the CLI's and the renderers' business. Progress is reported through a callback.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import time
from dataclasses import dataclass, field
from math import prod
from pathlib import Path
from typing import Any, Callable

from .calc import Analysis, LayerResult
from ..spec import INPUT
from ..spec.model import part_name, split_ref
from ..layers.base import shape_str
from ..spec.tensors import DataError, read_input, read_weights
from ..kernels.ops import VALUE_WORK, Op
from ..kernels.params import ParamDecl, Params, Seeded, seeded
from ..kernels.tensor import ForwardError, Shape, Tensor, concat

#: Spec errors that still describe a network torch runs: a stride that does not fit (torch floors
#: it) and a wrong answer under `expect:` (the network is fine; the run shows the right one).
RUNNABLE_ERRORS = {"F001", "A001"}
#: A layer is split across processes from this size on: about half a second of work, against the
#: ~10-70 ms it takes to fork a pool of workers and send back the results. Forking is what makes
#: it cheap (the workers inherit the input and parameters), so platforms without fork run serially.
PARALLEL_MACS = 20_000_000
CAN_FORK = "fork" in multiprocessing.get_all_start_methods()
#: Slices per worker, so that the progress bar moves within a long layer.
PARTS_PER_WORKER = 4

Progress = Callable[[int, float], None]  # (layer index, fraction of it done)


def cores() -> int:
    """Processes worth starting: the cores this process may use (its affinity mask, where the OS
    has one), or 1 where processes cannot be forked."""
    if not CAN_FORK:
        return 1
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def blockers(analysis: Analysis) -> list[str]:
    """Why the spec cannot be run, if it cannot: spec errors, unknown shapes, missing kernels."""
    problems = []
    errors = [d for d in analysis.diagnostics if d.severity == "error" and d.code not in RUNNABLE_ERRORS]
    if errors or not analysis.complete:
        problems.append(f"{analysis.spec.path}: the spec has errors that stop the forward pass "
                        "(shapecalc check lists them)")
    return problems  # every registered layer kind has a kernel (tests/test_layer_units.py checks it)


def estimate(analysis: Analysis) -> list[int]:
    """Work per layer, in multiply-accumulates (see each Op's `macs`), from the calculator's shapes;
    a merge's estimate sees its first input."""
    return [r.spec.kind.forward.macs(r.input_shapes[0] if r.input_shapes else r.input_shape, r.output_shape,
                                     r.spec.args) for r in analysis.layers]


def declared(r: LayerResult) -> dict[str, ParamDecl]:
    """The parameters a layer takes; a merge's layout sees its first input."""
    op = r.spec.kind.forward
    return op.params(r.input_shapes[0] if r.input_shapes else r.input_shape, r.spec.args) if op.params else {}


def _sizes(r: LayerResult) -> tuple[int, int, int]:
    """The values a layer reads, writes, and the parameters it makes (seeded or given)."""
    return (sum(map(prod, r.input_shapes)), sum(map(prod, r.parts or [r.output_shape])),
            sum(prod(d.shape) for d in declared(r).values()))


def work(analysis: Analysis) -> int:
    """The budget's figure, an upper bound on the run's time in a convolution's multiply-
    accumulates: each layer's MACs, or its Op's `value_work` per value it reads or writes when
    that is more, plus one per parameter (drawing or reading it), plus building the input."""
    total = VALUE_WORK * prod(analysis.spec.input_shape)
    for r, macs in zip(analysis.layers, estimate(analysis)):
        reads, writes, params = _sizes(r)
        total += max(macs, r.spec.kind.forward.value_work * (reads + writes)) + params
    return total


def held(analysis: Analysis, keep: bool, weights: bool) -> int:
    """An upper bound on the values `execute` holds at once, from the calculator's shapes: the
    outputs still to be read, and while a layer runs, a copy of its inputs (padding), its output
    twice (the slices of a split layer, then their join) and its parameters; every parameter,
    all along, when a --weights file gives them; every output, and --save's copy, when kept."""
    sizes = [_sizes(r) for r in analysis.layers]
    last_use = {split_ref(ref)[0]: i for i, r in enumerate(analysis.layers) for ref in r.spec.inputs}
    outputs = {split_ref(ref)[0] for ref in analysis.spec.outputs}
    given = sum(p for _, _, p in sizes) if weights else 0
    live = {INPUT: prod(analysis.spec.input_shape)}
    total = live[INPUT]  # sum(live.values()), kept as it changes: one pass, not one per layer
    peak = 0
    for i, (r, (reads, writes, params)) in enumerate(zip(analysis.layers, sizes)):
        peak = max(peak, total + reads + 2 * writes + params + given)
        live[r.spec.name] = writes
        total += writes
        if keep:
            continue
        for name in dict.fromkeys(split_ref(ref)[0] for ref in r.spec.inputs):  # last read here: freed
            if last_use.get(name) == i and name not in outputs and name in live:
                total -= live.pop(name)
    return max(peak, 2 * total + given if keep else 0)


@dataclass
class Setup:
    """Everything a run needs besides the spec: the input and each layer's parameters."""

    seed: int
    input: Tensor
    input_file: str | None  # None: seeded
    weights_file: str | None  # None: all seeded
    params: list[Params]
    weights: list[str | None]  # per layer: None (no parameters), "file", "seeded", or "file, seeded bias"
    macs: list[int]


def prepare(analysis: Analysis, seed: int, input_path: Path | None = None,
            weights_path: Path | None = None) -> Setup:
    """Read or seed the input and parameters. Raises Unreadable, or DataError with the problems of
    both files."""
    shape = analysis.spec.input_shape
    decls = {r.spec.name: declared(r) for r in analysis.layers}
    problems = []
    x, given = Tensor(shape, Seeded(shape, f"{seed}/input", -1.0, 1.0).values()), {}
    try:
        if input_path:
            x = read_input(input_path, shape)
    except DataError as err:
        problems += err.problems
    try:
        if weights_path:
            given = read_weights(weights_path, decls)
    except DataError as err:
        problems += err.problems
    if problems:
        raise DataError(problems)
    params, sources = [], []
    for name, layer_decls in decls.items():
        from_file = given.get(name, {})
        missing = {p: d for p, d in layer_decls.items() if p not in from_file}
        params.append({**seeded(seed, name, missing), **from_file})
        sources.append(None if not layer_decls else "seeded" if not from_file else "file" if not missing
                       else f"file, seeded {', '.join(missing)}")
    return Setup(seed, x, str(input_path) if input_path else None, str(weights_path) if weights_path else None,
                 params, sources, estimate(analysis))


@dataclass
class LayerRun:
    result: LayerResult  # the calculator's row: name, type, and the shape it predicts
    macs: int
    weights: str | None
    shape: Shape | None = None  # what the forward pass produced; None when not run
    seconds: float = 0.0
    processes: int = 1
    error: str | None = None
    output: Tensor | None = None  # kept only when asked for (--save)

    @property
    def match(self) -> bool:
        return self.shape is not None and self.shape == self.result.output_shape


@dataclass
class Run:
    analysis: Analysis
    setup: Setup
    workers: int
    layers: list[LayerRun] = field(default_factory=list)
    outputs: dict[str, Tensor] = field(default_factory=dict)  # the spec's outputs, once every layer ran
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return all(layer.match for layer in self.layers)

    @property
    def output(self) -> Tensor | None:
        """The (first) network output, as `Analysis.output_shape` is."""
        return next(iter(self.outputs.values()), None)


def execute(analysis: Analysis, setup: Setup, workers: int | None = None, keep: bool = False,
            progress: Progress | None = None, parallel_macs: int = PARALLEL_MACS) -> Run:
    """Run every layer in order, each on the outputs its `inputs` name. Stops at the first layer
    whose output shape differs from the calculator's (the layers after it would get an input they
    were not planned for) or that cannot be computed. An output is dropped after its last use,
    unless `keep` (every layer's output is then in its LayerRun)."""
    run = Run(analysis, setup, workers or cores())
    run.layers = [LayerRun(r, m, w) for r, m, w in zip(analysis.layers, setup.macs, setup.weights)]
    report = progress or (lambda index, done: None)
    values = {INPUT: setup.input}
    last_use = {name: i for i, r in enumerate(analysis.layers) for name in r.spec.inputs}
    started = time.perf_counter()
    for index, (layer, params) in enumerate(zip(run.layers, setup.params)):
        spec, t0 = layer.result.spec, time.perf_counter()
        report(index, 0.0)
        op = spec.kind.forward
        if CAN_FORK and op.split_axis is not None and layer.macs >= parallel_macs:
            layer.processes = run.workers
        xs = [values[name] for name in spec.inputs]
        x = None if spec.kind.source else xs if spec.kind.merge else xs[0]
        try:
            y = apply(op, x, spec.args, params, layer.result.output_shape, layer.processes,
                      lambda done: report(index, done))
        except (ForwardError, ArithmeticError, ValueError) as err:
            layer.error = f"{spec.name}: cannot compute: {err}"
            break
        layer.seconds = time.perf_counter() - t0
        parts = y if isinstance(y, list) else None  # a layer with several outputs gives them all
        layer.shape = parts[0].shape if parts else y.shape
        report(index, 1.0)
        planned = layer.result.parts or [layer.result.output_shape]
        got = [t.shape for t in parts] if parts else [y.shape]
        if got != planned:
            layer.shape = None if parts else layer.shape
            layer.error = (f"{spec.name}: the forward pass gives {', '.join(map(shape_str, got))}, "
                           f"the calculator {', '.join(map(shape_str, planned))}")
            break
        if parts:
            values.update((part_name(spec.name, i), t) for i, t in enumerate(parts))
        else:
            values[spec.name] = y
        if keep:
            layer.output = parts[0] if parts else y
        else:
            for name in dict.fromkeys(spec.inputs):  # once each: a layer may read a value twice
                if last_use[name] == index and name not in analysis.spec.outputs:
                    del values[name]
    else:
        run.outputs = {name: values[name] for name in analysis.spec.outputs}
    run.seconds = time.perf_counter() - started
    return run


#: The layer being computed in slices; set before the pool forks, so workers inherit it instead
#: of receiving a pickled copy of the input and parameters.
_JOB: tuple[Callable[..., Tensor], Tensor, dict[str, Any], Params] | None = None


def _compute(part: range) -> Tensor:
    kernel, x, a, p = _JOB
    return kernel(x, a, p, part=part)


def _quiet() -> None:
    """A worker's first step. Ctrl-C reaches every process of the terminal's group, and the
    parent alone answers it (exit 130, terminating the pool): a worker that took it too would
    print its own traceback."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})


def apply(op: Op, x: Tensor | list[Tensor] | None, a: dict[str, Any], p: Params, planned: Shape, workers: int,
          done: Callable[[float], None]) -> Tensor | list[Tensor]:
    """One layer; with more than one worker (only splittable layers get them), computed in slices
    of its split axis by a pool of forked processes, the slices joined in order."""
    if workers < 2:
        return op.kernel(x, a, p)
    n = planned[op.split_axis]
    count = min(n, workers * PARTS_PER_WORKER)
    parts = [range(n * i // count, n * (i + 1) // count) for i in range(count)]
    global _JOB
    _JOB = (op.kernel, x, a, p)
    # Blocked while the pool forks, so no worker sees a Ctrl-C before it ignores it (_quiet).
    mask = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        pool = multiprocessing.get_context("fork").Pool(workers, initializer=_quiet)
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, mask)
    try:
        with pool:  # on KeyboardInterrupt, leaving the block terminates the workers
            slices = []
            for part in pool.imap(_compute, parts):
                slices.append(part)
                done(len(slices) / count)
    finally:
        _JOB = None
    return concat(slices, op.split_axis)
