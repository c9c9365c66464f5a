"""Receptive-field arithmetic along one spatial dimension: the Axis, and what one layer does to it.

Each layer kind states its receptive-field map with these functions (`LayerKind.field`); the walk
through the network, the W006 alignment check and the worked text are shapecalc.analysis.receptive's.
The model and its exactness are described there; in short, output o of a dimension sees input
pixels L(o) = j*o + lo[o mod P] to R(o) = j*o + hi[o mod P], with P a small period.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction
from math import ceil, gcd

MAX_PERIOD = 4096

Taps = Callable[[int], "tuple[int, int, int] | None"]  # output index -> (first input, step, count)


@dataclass(frozen=True)
class Axis:
    """The fields along one spatial dimension: output o sees input pixels L(o)..R(o)."""

    jump: Fraction
    lo: tuple[Fraction | None, ...]  # L(o) - jump*o, per phase o mod P (None: no input at all)
    hi: tuple[Fraction | None, ...]
    exact: bool = True

    @property
    def period(self) -> int:
        return len(self.lo)

    @property
    def has_gaps(self) -> bool:
        return any(v is None for v in self.lo)

    def bounds(self, o: int) -> tuple[Fraction, Fraction] | None:
        """First and last input pixel output o depends on (None when it depends on none)."""
        ph = o % self.period
        if self.lo[ph] is None:
            return None
        return self.jump * o + self.lo[ph], self.jump * o + self.hi[ph]

    @property
    def size(self) -> int:
        widths = [h - l for l, h in zip(self.lo, self.hi) if l is not None]
        return ceil(max(widths)) + 1 if widths else 0

    @property
    def start(self) -> Fraction:
        centres = [l + h for l, h in zip(self.lo, self.hi) if l is not None]
        return exact(Fraction(sum(centres), 2 * len(centres))) if centres else 0

    @property
    def steady(self) -> bool:
        """True when every output's field is the same size and centred at start + o*jump."""
        return self.period == 1 and self.exact

    def collapsed(self) -> Axis:
        """One band containing every phase (approximate)."""
        lows = [v for v in self.lo if v is not None]
        highs = [v for v in self.hi if v is not None]
        if not lows:
            return self
        return Axis(self.jump, (min(lows),), (max(highs),), False)


@dataclass(frozen=True)
class Field:
    """A layer's receptive field, one Axis per spatial dimension of the network's input."""

    axes: tuple[Axis, ...]

    @property
    def size(self) -> list[int]:
        return [a.size for a in self.axes]

    @property
    def jump(self) -> list[Fraction]:
        return [a.jump for a in self.axes]

    @property
    def start(self) -> list[Fraction]:
        return [a.start for a in self.axes]

    @property
    def exact(self) -> bool:
        return all(a.exact for a in self.axes)

    def to_dict(self) -> dict[str, list]:
        return {"size": self.size, "jump": [number(v) for v in self.jump], "start": [number(v) for v in self.start]}


INPUT_AXIS = Axis(1, (0,), (0,))  # ints until a division needs a Fraction (much faster)


def exact(value: Fraction) -> Fraction | int:
    """An int when whole: the common case stays in fast integer arithmetic."""
    return value.numerator if value.denominator == 1 else value


def number(value: Fraction) -> int | float:
    """For JSON: an int when whole, else the nearest float (exact for halves, quarters, ...)."""
    return int(value) if value.denominator == 1 else float(value)


def text(value: Fraction) -> str:
    """`5`, `0.5`, `-0.25` (exact decimals for binary fractions), else `1/3`."""
    if value.denominator == 1:
        return str(value.numerator)
    d = value.denominator
    if d & (d - 1) == 0:  # a power of two: the decimal is finite and exact
        digits = d.bit_length() - 1
        return f"{float(value):.{digits}f}".rstrip("0")
    return f"{value.numerator}/{value.denominator}"


# --- one layer, one dimension ----------------------------------------------------------------


def _reduce(lo: list, hi: list) -> tuple[tuple, tuple]:
    """The shortest period that repeats."""
    n = len(lo)
    for q in range(1, n + 1):
        if n % q == 0 and all(lo[i] == lo[i % q] and hi[i] == hi[i % q] for i in range(q, n)):
            return tuple(lo[:q]), tuple(hi[:q])
    return tuple(lo), tuple(hi)


def _ends(a: Axis, first: int, step: int, count: int) -> tuple[Fraction, Fraction] | None:
    """The leftmost and rightmost input pixel seen through inputs first, first + step, ... (count
    of them). L and R need not grow with the index (a dilated transposed convolution interleaves
    its taps), but j*i does and the rest repeats every P: the ends are within P terms of each end."""
    if a.period == 1:
        if a.lo[0] is None:
            return None
        return a.jump * first + a.lo[0], a.jump * (first + (count - 1) * step) + a.hi[0]
    span = min(count, a.period)
    lows = [a.jump * i + a.lo[i % a.period] for i in (first + t * step for t in range(span))
            if a.lo[i % a.period] is not None]
    highs = [a.jump * i + a.hi[i % a.period] for i in (first + (count - 1 - t) * step for t in range(span))
             if a.hi[i % a.period] is not None]
    if not lows or not highs:
        return None
    return min(lows), max(highs)


def transform(a: Axis, ratio: Fraction, base: int, taps: Taps) -> Axis | None:
    """The output axis of a layer whose output o reads the inputs taps(o), where taps(o + base)
    is taps(o) moved by ratio*base (an integer). None when the period cannot be kept."""
    if base > MAX_PERIOD:
        return None
    if base * a.period > MAX_PERIOD:
        a = a.collapsed()
    period = base * a.period
    jump = exact(a.jump * ratio)
    lo: list[Fraction | None] = []
    hi: list[Fraction | None] = []
    for o in range(period):
        prog = taps(o)
        ends = _ends(a, *prog) if prog is not None and prog[2] > 0 else None
        if ends is None:
            lo.append(None)
            hi.append(None)
            continue
        lo.append(exact(Fraction(ends[0] - jump * o)))
        hi.append(exact(Fraction(ends[1] - jump * o)))
    if all(v is None for v in lo):
        return None
    lo_t, hi_t = _reduce(lo, hi)
    return Axis(jump, lo_t, hi_t, a.exact)


def window(a: Axis, k_eff: int, s: int, pad_left: int, d: int = 1) -> Axis | None:
    """Convolution and pooling: output o reads o*s - p, then every d-th input, k of them."""
    k = (k_eff - 1) // d + 1
    if a.period == 1 and not a.has_gaps:  # the closed form (and the fast path)
        j = a.jump
        return Axis(j * s, (a.lo[0] - j * pad_left,), (a.hi[0] + j * (k_eff - 1 - pad_left),), a.exact)
    return transform(a, Fraction(s), 1, lambda o: (o * s - pad_left, d, k))


def adaptive(a: Axis, n: int, m: int) -> Axis | None:
    """Adaptive pooling n -> m: window o spans floor(o*n/m) to ceil((o+1)*n/m) - 1 (torch's)."""
    if n == m:
        return a
    g = gcd(n, m)

    def taps(o: int) -> tuple[int, int, int]:
        first = o * n // m
        last = -(-(o + 1) * n // m) - 1
        return first, 1, last - first + 1

    return transform(a, Fraction(n, m), m // g, taps)


def resample(a: Axis, scale: Fraction, mode: str, align_corners: bool) -> Axis | None:
    """Upsampling: output o reads the input pixels torch's interpolation uses with nonzero weight.

    `scale` is torch's input-per-output ratio (1/scale_factor, or in/out)."""
    if align_corners:  # source o*scale, scale = (in - 1)/(out - 1)
        offset, mult = Fraction(0), scale
    else:
        offset, mult = scale / 2 - Fraction(1, 2), scale  # (o + 1/2)*scale - 1/2
    base = mult.denominator

    if mode in ("nearest", "nearest-exact"):
        shift = Fraction(0) if mode == "nearest" else scale / 2

        def taps(o: int) -> tuple[int, int, int]:
            return int((o * scale + shift) // 1), 1, 1
    else:
        cubic = mode == "bicubic"

        def taps(o: int) -> tuple[int, int, int]:
            x = o * mult + offset
            i0 = int(x // 1)
            if x == i0:
                return i0, 1, 1
            return (i0 - 1, 1, 4) if cubic else (i0, 1, 2)

    return transform(a, scale, base, taps)


def union(axes: list[Axis]) -> tuple[Axis, bool]:
    """The fields of a merge: per output, from the leftmost to the rightmost of the inputs'.

    Exact when every input has the same jump; otherwise (second value False) the largest field."""
    jumps = {x.jump for x in axes}
    if len(jumps) > 1:
        widest = max(axes, key=lambda x: x.size)
        return Axis(widest.jump, widest.lo, widest.hi, False), False
    period = 1
    for x in axes:
        period = period * x.period // gcd(period, x.period)
    if period > MAX_PERIOD:
        axes, period = [x.collapsed() for x in axes], 1
    lo: list[Fraction | None] = []
    hi: list[Fraction | None] = []
    for ph in range(period):
        ls = [x.lo[ph % x.period] for x in axes if x.lo[ph % x.period] is not None]
        hs = [x.hi[ph % x.period] for x in axes if x.hi[ph % x.period] is not None]
        lo.append(min(ls) if ls else None)
        hi.append(max(hs) if hs else None)
    lo_t, hi_t = _reduce(lo, hi)
    return Axis(axes[0].jump, lo_t, hi_t, all(x.exact for x in axes)), True


def aligned(axes: list[Axis]) -> bool:
    """Inputs are on one grid when their jumps and (average) centres agree."""
    return len({(x.jump, x.start) for x in axes}) == 1


#: What a layer kind's `field` answers for a layer that acts on each position alone (activations,
#: norms, softmax: their statistics over the whole map are not counted, as every receptive-field
#: calculator does): the field passes through unchanged.
POINTWISE = "pointwise"
#: One function per spatial dimension, from the input's axis to the output's (None: lost).
AxisMap = Callable[[Axis], "Axis | None"]
