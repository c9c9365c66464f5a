"""Valid input sizes and the smallest fixes: which sizes make every layer fit, and the rule they follow.

Pure: a checked spec (check.check_text's Analysis) in, a FitReport out; render/fit.py writes it.
Everything is found with the calculator itself: the spec is analysed again with the input (or one
layer's padding, stride or ceil_mode) changed, and a size "fits" when the analysis has no error at
all (no F001, nothing else; warnings are fine). One analysis is O(layers), and every analysis
fit runs is charged its layers against one limit (MAX_WORK, see Work): the range is cut to what
the scans can afford, and what the limit leaves out is said (FitReport.limits), never silently
dropped. Each dimension is scanned with the others held; when the spec's own input does not fit,
a square input is first scanned with every dimension equal, and a dimension whose own size does
not fit is held at the nearest size that does while the others are scanned (else every scan of
them would find nothing).

The rule is read off the set of valid sizes: the smallest period T such that, from some size n0
on, a size is valid exactly when its remainder mod T is one of a few offsets, seen over at least
two periods and the upper half of the range ("H = 32k + 3 for k >= 2"). It is a statement about
the range checked; the valid sizes the rule does not cover are listed.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from .calc import Analysis, analyze
from ..layers.base import shape_str
from ..layers.window import DIM_LABELS
from ..spec import LayerSpec, Spec

#: The most sizes one scan may check (each is a full analysis).
MAX_SIZES = 4096
#: The most layers fit analyses in all: each analysis of the spec costs its layers, and fit runs
#: one per size scanned and per change tried. It bounds a spec at the caps (200,000 layers, or a
#: deep network over a long --range), not normal specs: the shipped networks at their default
#: ranges use at most 290,000 (SE-ResNet-50: 319 layers x 897 analyses).
MAX_WORK = 1_000_000


class OutOfWork(Exception):
    """The next analysis would take fit past MAX_WORK."""


class Work:
    """The layers fit may still analyse; every analysis it runs goes through `analyze`, so the
    limit holds whatever the spec and the range (a count of layers analysed, not a clock)."""

    def __init__(self, spec: Spec, limit: int) -> None:
        self.cost = max(1, len(spec.layers))  # one analysis of the spec, in layers
        self.limit = self.left = limit

    def affords(self, analyses: int) -> bool:
        return analyses * self.cost <= self.left

    def analyze(self, spec: Spec) -> Analysis:
        if not self.affords(1):
            raise OutOfWork
        self.left -= self.cost
        return analyze(spec)

    def verdict(self, spec: Spec) -> Analysis:
        """The spec at its own input: always analysed, whatever the limit (fit's exit code is its
        verdict), and charged like any other analysis."""
        self.left = max(0, self.left - self.cost)
        return analyze(spec)

    def why(self) -> str:
        """The limit, for what it left out."""
        return f"fit analyses at most {self.limit:,} layers in all, and one run of this spec is {self.cost:,}"


@dataclass
class Rule:
    period: int
    terms: list[tuple[int, int]]  # (offset r, smallest k): sizes period*k + r for k >= that
    exceptions: list[int]  # valid sizes the terms miss
    start: int  # from here on the pattern holds in the range

    def text(self, label: str) -> str:
        if not self.terms:
            return f"no valid {label} from {self.start} on"
        if self.period == 1:
            return f"any {label} >= {self.terms[0][1]}"
        parts = [f"{self.period}k" + (f" + {r}" if r else "") + f" for k >= {k}" for r, k in self.terms]
        return f"{label} = " + ", or ".join(parts)


@dataclass
class Scan:
    dims: list[int]  # the spatial dimensions varied together (one, or all for a square scan)
    label: str  # "H", "W", "HxW"
    low: int
    high: int
    held: dict[int, int]  # the other spatial dimensions, at these sizes
    valid: list[int]
    rule: Rule | None
    strides: list[tuple[str, int]] = field(default_factory=list)  # the main path's strides, when they make the period


@dataclass
class Option:
    """One change, verified by running the calculator again."""

    change: str  # "padding 2", "stride 3", "ceil_mode: true", "input 3x227x227"
    formula: str  # the layer's arithmetic after the change
    layer_fits: bool
    network_fits: bool
    still_wrong: list[str] = field(default_factory=list)  # layers that still do not fit
    chain: list[str] = field(default_factory=list)  # the misfit layers' arithmetic after the change


@dataclass
class LayerFix:
    name: str
    problem: str  # the F001 message
    options: list[Option]
    follows: str | None = None  # "fits once conv1 is fixed (padding 2)"


@dataclass
class FitReport:
    path: str
    input_shape: tuple[int, ...] | None
    fits: bool
    problem: str | None = None  # why nothing can be scanned
    scans: list[Scan] = field(default_factory=list)
    nearest: list[Option] = field(default_factory=list)
    fixes: list[LayerFix] = field(default_factory=list)
    limits: list[str] = field(default_factory=list)  # what the work limit cut or left out, and why


# --- checking one spec -------------------------------------------------------------------------


def errors(a: Analysis) -> list[str]:
    """Names of the layers with errors (empty: everything fits)."""
    out = []
    for d in a.diagnostics:
        if d.severity == "error" and d.layer not in out:
            out.append(d.layer or "input")
    if not a.complete and not out:
        out.append("?")
    return out


def with_input(spec: Spec, shape: tuple[int, ...]) -> Spec:
    return replace(spec, input_shape=shape)


def with_layer(spec: Spec, index: int, args: dict[str, Any]) -> Spec:
    layers = list(spec.layers)
    layers[index] = replace(layers[index], args={**layers[index].args, **args})
    return replace(spec, layers=layers)


def fits(spec: Spec, work: Work) -> bool:
    return not errors(work.analyze(spec))


# --- scanning sizes and finding the rule -------------------------------------------------------


def scan(spec: Spec, dims: list[int], low: int, high: int, held: dict[int, int], work: Work) -> list[int]:
    """The sizes in low..high that, put in every dimension of `dims` (spatial, 0-based), make
    every layer fit, the other spatial dimensions at `held`."""
    base = list(spec.input_shape)
    for d, n in held.items():
        base[1 + d] = n
    valid = []
    for n in range(low, high + 1):
        shape = list(base)
        for d in dims:
            shape[1 + d] = n
        if fits(with_input(spec, tuple(shape)), work):
            valid.append(n)
    return valid


def derive_rule(valid: list[int], low: int, high: int) -> Rule | None:
    """The smallest period T that describes the valid sizes from some n0 on (over at least two
    periods, and over the upper half of the range when any period does); None if none does."""
    if high - low + 1 < 2:
        return None
    ok = set(valid)
    best: tuple[int, int] | None = None  # (n0, T)
    half = low + (high - low) // 2
    candidates = []
    for t in range(1, (high - low + 1) // 2 + 1):
        n0 = low
        for n in range(high - t, low - 1, -1):  # from the top down: where does T-periodicity break?
            if (n in ok) != (n + t in ok):
                n0 = n + 1
                break
        if high - n0 + 1 >= 2 * t:
            candidates.append((n0, t))
            if n0 <= half:
                best = (n0, t)
                break
    if best is None:
        if not candidates:
            return None
        best = min(candidates)
    n0, t = best
    offsets = sorted({n % t for n in valid if n >= n0})
    terms = []
    covered = set()
    for r in offsets:
        first = next(n for n in range(n0, high + 1) if n % t == r)
        while first - t >= low and first - t in ok:  # the pattern may reach below n0
            first -= t
        terms.append((r, (first - r) // t))
        covered.update(range(first, high + 1, t))
    exceptions = [n for n in valid if n not in covered]
    starts = [r + t * k for r, k in terms]
    return Rule(t, sorted(terms, key=lambda rk: rk[0] + t * rk[1]), exceptions, min(starts) if starts else n0)


# --- fixes -------------------------------------------------------------------------------------


def _misfits(a: Analysis) -> list[tuple[int, str]]:
    """(layer index, message) for each layer whose stride does not fit (F001)."""
    index = {r.spec.name: i for i, r in enumerate(a.layers)}
    return [(index[d.layer], d.message) for d in a.diagnostics if d.code == "F001" and d.layer in index]


def _try(spec: Spec, index: int, change: str, args: dict[str, Any], layer: str, work: Work) -> Option | None:
    a = work.analyze(with_layer(spec, index, args))
    r = a.layers[index]
    if r.output_shape is None:
        return None
    bad = errors(a)
    formula = r.formulas[0] if r.formulas else ""
    note = next((n for n in r.notes if formula and n.startswith(formula + ": ")), None)
    if note is not None:
        formula += f" ({note[len(formula) + 2:]})"
    return Option(change, formula, layer not in bad, not bad, [name for name in bad if name != layer])


def layer_options(spec: Spec, a: Analysis, index: int, work: Work) -> list[Option]:
    """Padding, stride and ceil_mode values for one layer: the nearest that make it fit, and the
    nearest that make the whole network fit when that is another one. What is tried follows from
    the kind's windows and the arguments it has, not from its type."""
    layer: LayerSpec = spec.layers[index]
    r = a.layers[index]
    dims = layer.kind.windows(r.input_shape, layer.args)
    if dims is None:
        return []
    bad = [i for i, w in enumerate(dims) if w.misfit]
    name, args = layer.name, layer.args
    options: list[Option] = []

    def best(tries: list[tuple[str, dict[str, Any]]]) -> None:
        first_layer = first_network = None
        for change, new in tries:
            option = _try(spec, index, change, new, name, work)
            if option is None:
                continue
            if option.layer_fits and first_layer is None:
                first_layer = option
            if option.network_fits:
                first_network = option
                break
        for option in (first_layer, first_network):
            if option is not None and option not in options:
                options.append(option)

    span = max(w.k_eff + w.s for w in dims)
    padding = args.get("padding")
    if isinstance(padding, tuple):  # a window layer's own padding (not 'same' or 'valid')
        tries = []
        for p in range(1, span + 1):
            new = tuple(pi + p if i in bad else pi for i, pi in enumerate(padding))
            tries.append((f"padding {_one(new)}", {"padding": new}))
        best(tries)
    stride = tuple(w.s for w in dims) if layer.kind.arg("stride") else None  # the windows' own step
    if stride is not None:
        values = sorted((v for v in range(1, 2 * max(stride) + 1) if v not in stride),
                        key=lambda v: (abs(v - max(stride)), v))
        tries = []
        for v in values:
            new = tuple(v if i in bad else si for i, si in enumerate(stride))
            tries.append((f"stride {_one(new)}", {"stride": new}))
        best(tries)
    if "ceil_mode" in args and not args["ceil_mode"]:
        best([("ceil_mode: true", {"ceil_mode": True})])
    return options


def _one(values: tuple[int, ...]) -> str:
    return str(values[0]) if len(set(values)) == 1 else str(list(values))


def nearest_inputs(spec: Spec, scans: list[Scan], misfit: list[int], work: Work) -> list[Option]:
    """The valid input sizes nearest the spec's own, below and above, each checked once more;
    with the arithmetic of the layers that did not fit (indices `misfit`) at the new size."""
    shape = spec.input_shape
    out = []
    square = next((s for s in scans if len(s.dims) > 1), None)
    singles = [s for s in scans if len(s.dims) == 1]
    candidates: list[tuple[int, ...]] = []
    if square is not None:
        own = shape[1 + square.dims[0]]
        for n in _closest(square.valid, own):
            new = list(shape)
            for d in square.dims:
                new[1 + d] = n
            candidates.append(tuple(new))
    elif singles:
        new = list(shape)
        for s in singles:
            for n in _closest(s.valid, shape[1 + s.dims[0]])[:1]:
                new[1 + s.dims[0]] = n
        candidates.append(tuple(new))
    for new in candidates:
        if new == shape:
            continue
        a = work.analyze(with_input(spec, new))
        bad = errors(a)
        chain = [f"{a.layers[i].spec.name} {a.layers[i].formulas[0]}" for i in misfit if a.layers[i].formulas]
        out.append(Option(f"input {shape_str(new)}", "", not bad, not bad, bad, chain))
    return out


def _closest(valid: list[int], own: int) -> list[int]:
    """The nearest valid size above and the nearest below (the closer first)."""
    above = [n for n in valid if n >= own][:1]
    below = [n for n in valid if n < own][-1:]
    return sorted(above + below, key=lambda n: (abs(n - own), -n))


def main_strides(a: Analysis, d: int) -> list[tuple[str, int]]:
    """(layer, stride) of the strided windows in dimension d on the path from the input to the
    last spatial layer that downsamples most (through merges, the input that does)."""
    best: dict[str, list[tuple[str, int]]] = {"input": []}
    last: list[tuple[str, int]] = []
    rank = len(a.spec.input_shape)

    def product(path: list[tuple[str, int]]) -> int:
        out = 1
        for _, v in path:
            out *= v
        return out

    for r in a.layers:
        paths = [best[n] for n in r.spec.inputs if n in best]
        if not paths or r.output_shape is None or len(r.output_shape) != rank:
            continue
        path = max(paths, key=product)
        dims = r.spec.kind.windows(r.input_shape, r.spec.args) if r.input_shape is not None else None
        if dims is not None and dims[d].s > 1:
            path = path + [(r.spec.name, dims[d].s)]
        best[r.spec.name] = last = path
    return last


# --- the whole report --------------------------------------------------------------------------


def labels_of(shape: tuple[int, ...]) -> tuple[str, ...]:
    return DIM_LABELS.get(len(shape) - 1, tuple(str(i) for i in range(len(shape) - 1)))


def fit(analysis: Analysis, low: int | None = None, high: int | None = None,
        only: list[str] | None = None, limit: int | None = None) -> FitReport:
    """Scan the input sizes of a checked spec (check.check_text's analysis) and suggest fixes.
    `only`: the dimensions to scan, by label (H, W; D, H, W; L); default all. `limit`: the layers
    it may analyse in all, MAX_WORK by default (see Work)."""
    spec = analysis.spec
    shape = spec.input_shape
    report = FitReport(spec.path, shape, False)
    parse_errors = any(d.severity == "error" and d.code[0] in "YSG" for d in analysis.diagnostics)
    if parse_errors or shape is None:
        report.problem = "the spec has errors that do not depend on the input size (shapecalc check lists them)"
        return report
    work = Work(spec, limit or MAX_WORK)
    if len(shape) < 2:
        report.problem = f"the input {shape_str(shape)} has no spatial dimensions: there is nothing to fit"
        report.fits = not errors(work.verdict(spec))
        return report
    labels = labels_of(shape)
    nd = len(labels)
    wanted = [labels.index(d) for d in only] if only else list(range(nd))
    low = low or 1
    high = high or min(max(64, 2 * max(shape[1:])), low + MAX_SIZES - 1)
    own = work.verdict(spec)
    report.fits = not errors(own)
    held = {d: shape[1 + d] for d in range(nd)}
    square = nd > 1 and len(set(shape[1:])) == 1
    order = wanted if report.fits else list(range(nd))
    # Each first scan gets an equal share of the work, and one share more is kept for the second
    # passes and the fixes; a range longer than a share is cut to the sizes around the spec's own.
    planned = len(order) + (not report.fits and square)
    share = work.left // (work.cost * (planned + 1))
    if share < 2:
        verdict = "every layer fits" if report.fits else "does not fit"
        report.problem = (f"{verdict}; no input sizes scanned: {work.why()}, too many to try two sizes per "
                          "dimension (shapecalc check gives the shapes at this input)")
        return report
    if high - low + 1 > share:
        own_size = max(shape[1:])
        start = min(max(low, own_size - share // 2), high - share + 1)
        report.limits.append(f"sizes {start} to {start + share - 1} only, of {low} to {high}: {work.why()}")
        low, high = start, start + share - 1
    if not report.fits and square:  # all together first: the sizes of a square input
        together = list(range(nd))
        valid = scan(spec, together, low, high, {}, work)
        report.scans.append(Scan(together, "x".join(labels), low, high, {}, valid, derive_rule(valid, low, high)))
        for d in range(nd):  # hold the others at the valid size nearest their own
            near = _closest(valid, shape[1 + d])
            if near:
                held[d] = near[0]
    scans: dict[int, Scan] = {}
    # One dimension at a time, the others held. When the input does not fit, a dimension that
    # does not fit at its own size spoils every scan of the others: so each dimension whose scan
    # finds sizes is held at the nearest of them, and the others are scanned again (at most once
    # more per dimension), as far as the work allows.
    for _ in range(nd if not report.fits else 1):
        changed = False
        for d in order:
            others = {e: n for e, n in held.items() if e != d}
            if d in scans and scans[d].held == others:
                continue
            if not work.affords(high - low + 1):
                held_text = ", ".join(f"{labels[e]} = {n}" for e, n in sorted(others.items()))
                report.limits.append(f"{labels[d]} not scanned again with {held_text}: {work.why()}")
                continue
            valid = scan(spec, [d], low, high, others, work)
            scans[d] = Scan([d], labels[d], low, high, others, valid, derive_rule(valid, low, high))
            near = _closest(valid, shape[1 + d])
            if near and shape[1 + d] not in valid and held[d] != near[0]:
                held[d], changed = near[0], True
        if not changed:
            break
    report.scans += [scans[d] for d in wanted]
    for s in report.scans:
        path = main_strides(own, s.dims[0])
        product = 1
        for _, stride in path:
            product *= stride
        if s.rule is not None and s.rule.period > 1 and product == s.rule.period:
            s.strides = path
    if report.fits:
        return report
    misfits = _misfits(own)
    try:
        report.nearest = nearest_inputs(spec, report.scans, [i for i, _ in misfits], work)
    except OutOfWork:
        report.limits.append(f"the nearest input sizes not checked: {work.why()}")
    network_fix = None
    for n, (index, message) in enumerate(misfits):
        name = spec.layers[index].name
        try:
            options = layer_options(spec, own, index, work)
        except OutOfWork:
            left = [spec.layers[i].name for i, _ in misfits[n:]]
            shown = ", ".join(left[:3]) + (f" and {len(left) - 3:,} more" if len(left) > 3 else "")
            report.limits.append(f"no fixes tried for {shown}: {work.why()}")
            break
        fix = LayerFix(name, message.split(": ", 1)[-1], options)
        if network_fix is not None:
            fix.follows = f"fits once {network_fix[0]} is fixed ({network_fix[1]})"
        else:
            whole = next((o for o in fix.options if o.network_fits), None)
            if whole is not None:
                network_fix = (name, whole.change)
        report.fixes.append(fix)
    return report
