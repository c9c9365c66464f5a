"""Worked arithmetic for homework: every layer's numbers as a student writes them down.

Pure: an Analysis in, Explanations (items of arithmetic and words) out; render/explain.py writes
them as text or Markdown. For each layer: the output size with the
slides' formula, the number of outputs, the parameters, the receptive field step, the MACs (from
analysis/cost.py, when it is there), and for a stride that does not fit, the exact fraction, the
input rows and columns left unused and what PyTorch does with them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from math import prod

from .cost import layer_cost, view
from .calc import Analysis, LayerResult
from ..layers.base import Unbatched, shape_str
from ..layers.window import DIM_LABELS, DIM_WORDS, WindowDim
from .receptive import step_texts

@dataclass
class Item:
    label: str
    lines: list[str]  # the first is the arithmetic; later ones explain it in words
    code: bool = True  # the first line is arithmetic (Markdown shows it as code)


@dataclass
class Explanation:
    name: str
    type: str
    heading: str  # "3x227x227 -> 96x55x55"
    items: list[Item] = field(default_factory=list)


def _fraction(value: Fraction) -> str:
    if value.denominator == 1:
        return str(value.numerator)
    decimal = f"{float(value):.4f}".rstrip("0").rstrip(".")
    return f"{value.numerator}/{value.denominator} = {decimal}"


def _plural(n: int, one: str, many: str) -> str:
    return f"{n:,} {one if n == 1 else many}"


def _and(parts: list[str]) -> str:
    return " and ".join(parts)


def size_lines(w: WindowDim, words: list[tuple[str, str]], zeros: int = 0) -> list[str]:
    """The output size along the dimensions `words` names (all computing alike), and when it is
    not whole, what happens to the remainder; `zeros`: how many of the last input positions are
    zero padding an earlier layer added."""
    n = str(w.n) + (f" + 2*{w.pad_l}" if w.pad_l == w.pad_r and w.pad_l else
                    f" + {w.pad_l} + {w.pad_r}" if w.pad_l != w.pad_r else "")
    k = str(w.k) if w.d == 1 else f"({w.d}*({w.k} - 1) + 1)"
    exact = w.exact
    head = f"({n} - {k})/{w.s} + 1 = "
    if exact.denominator == 1 and exact == w.out:
        return [head + str(w.out)]
    ones, manys = [o for o, _ in words], [m for _, m in words]
    lines = [head + _fraction(exact) + ", not a whole number"]
    first = (w.out - 1) * w.s - w.pad_l + 1  # the last window, in 1-based input positions
    last = first + w.k_eff - 1
    rounding = "up (ceil_mode)" if w.out > exact else "down"
    cover = (f"the last window covers input {_and(manys)} {max(first, 1)}-{min(last, w.n)}"
             if last > first else f"the last window reads input {_and(ones)} {max(first, 1)}")
    if w.unread_tail:
        tail = [f"{one} {w.n}" if w.unread_tail == 1 else f"{many} {w.n - w.unread_tail + 1}-{w.n}"
                for one, many in words]
        verb = "is" if len(tail) == 1 and w.unread_tail == 1 else "are"
        counts = _and([_plural(w.unread_tail, one, many) for one, many in words])
        verdict = f"so input {_and(tail)} {verb} never read: {counts} left unused, which PyTorch drops without a word"
        if not w.misfit:
            verdict += f" (no more than the {w.gap} the stride skips between any two windows anyway)"
        elif w.unread_tail - zeros <= w.gap:
            verdict += " (they are zero padding the layer before added: no real input is lost)"
        else:
            verdict += " (F001)"
    elif last > w.n:
        verdict = (f"which runs {_and([_plural(last - w.n, one, many) for one, many in words])} into the "
                   f"padding: every input {_and(ones)} is read")
    else:
        verdict = f"what is left over is padding only: every input {_and(ones)} is read"
    lines.append(f"PyTorch rounds {rounding} to {w.out} windows; {cover}, {verdict}")
    return lines


def output_size(r: LayerResult) -> list[Item]:
    """One item when every dimension computes alike, else one per dimension (`output size (W)`)."""
    x = r.input_shape
    if x is None or r.output_shape is None:
        return []
    dims = r.spec.kind.windows(x, r.spec.args)
    if dims is None:
        return []
    nd = len(dims)
    key = [(w.n, w.k, w.s, w.pad_l, w.pad_r, w.d, w.ceil_mode) for w in dims]
    zeros = [hi for _, hi in r.input_zeros] if r.input_zeros and len(r.input_zeros) == nd else [0] * nd
    if len(set(key)) == 1 and len(set(zeros)) == 1:
        return [Item("output size", size_lines(dims[0], list(DIM_WORDS[nd]), zeros[0]))]
    return [Item(f"output size ({DIM_LABELS[nd][i]})", size_lines(w, [DIM_WORDS[nd][i]], zeros[i]))
            for i, w in enumerate(dims)]


def outputs(r: LayerResult) -> Item | None:
    y = r.output_shape
    if y is None:
        return None
    if r.parts:  # split, chunk: each output, then all of them
        total = sum(prod(part) for part in r.parts)
        return Item("outputs", [f"{len(r.parts)} tensors, " + " + ".join(f"{prod(part):,}" for part in r.parts)
                                + f" = {total:,} outputs"])
    if y.__class__ is Unbatched:  # a parameter's tensor, or one made of parameters: no channels-first grid
        return Item("outputs", [f"{shape_str(y)} = {prod(y):,} values, with no batch dimension"])
    order = (*y[1:], y[0]) if len(y) > 1 else y  # the slides write 55x55x96: channels last
    total = prod(y)
    text = f"{'*'.join(map(str, order))} = {total:,} outputs" if len(y) > 1 else f"{total:,} outputs"
    return Item("outputs", [text])


def parameters(r: LayerResult) -> Item | None:
    if r.output_shape is None:
        return None
    formula = next((f for f in r.formulas if " params" in f), None)
    if formula is None:
        return Item("parameters", ["none" if not r.params else f"{r.params:,} parameters"], bool(r.params))
    text = formula.replace(" params", " parameters")
    if not r.spec.trainable:
        text += " (frozen: trainable: false)"
    return Item("parameters", [text])


def macs(r: LayerResult) -> Item | None:
    """Multiply-accumulates (bias adds not counted), as analysis/cost.py counts them by default,
    with the product the layer's kind says gives them."""
    cost = layer_cost(r)
    if cost is None or not cost.macs:
        return None
    return Item("MACs", [r.spec.kind.explain_macs(view(r), int(cost.macs))])


def other_arithmetic(r: LayerResult) -> list[Item]:
    """The layer's remaining worked formulas: a transposed convolution's or an upsampling's output
    size, then buffers, flatten's product, a merge's sum..."""
    known = r.input_shape is not None and r.output_shape is not None
    window = r.spec.kind.windows(r.input_shape, r.spec.args) if known else None
    rest = [f for f in r.formulas if " params" not in f and not (window and f == r.formulas[0])]
    items = []
    if rest and r.spec.kind.size_formula and rest[0] == r.formulas[0]:
        items.append(Item("output size", [rest.pop(0)]))
    if rest:
        items.append(Item("arithmetic", rest))
    return items


def explain_layer(a: Analysis, r: LayerResult) -> Explanation:
    multi = len(r.input_shapes) > 1
    into = " + ".join(shape_str(x) for x in r.input_shapes) if multi else shape_str(r.input_shape)
    out = f"[{', '.join(map(shape_str, r.parts))}]" if r.parts else shape_str(r.output_shape)
    ex = Explanation(r.spec.name, r.spec.type, f"{into} -> {out}" if r.input_shapes else f"no input -> {out}")
    if r.output_shape is None:
        why = [d.message.split(": ", 1)[-1] for d in a.diagnostics if d.layer == r.spec.name and d.severity == "error"]
        ex.items.append(Item("output", ["unknown"] + (why or ["an earlier layer's output is unknown"]), False))
        return ex
    more = other_arithmetic(r)
    sizes = [i for i in more if i.label == "output size"]
    items = [*output_size(r), *sizes, outputs(r), parameters(r), *[i for i in more if i not in sizes]]
    for label, rf in step_texts(a, r):
        items.append(Item("receptive field" + (f" ({label})" if label else ""), [rf], not rf.startswith("none")))
    items.append(macs(r))
    ex.items = [i for i in items if i is not None]
    for d in a.diagnostics:  # F001 is told by the output size; a wrong answer (A001) is shown as any other
        if d.layer == r.spec.name and d.code != "F001":
            ex.items.append(Item(d.code, [d.message.split(": ", 1)[-1]], False))
    return ex


def explain(a: Analysis, layers: list[str] | None = None) -> list[Explanation]:
    """Every layer, or only those named (full dotted names), in network order."""
    return [explain_layer(a, r) for r in a.layers if layers is None or r.spec.name in layers]
