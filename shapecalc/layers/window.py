"""Sliding-window arithmetic for one spatial dimension, shared by convolution and pooling.

The output size is PyTorch's (aten's `pooling_output_shape_pad_lr` and the conv shape check);
on top of it we decide whether the stride "fits". The slides' rule (N - F)/S + 1 must be an
integer, but taken literally it cries wolf on real networks, so a misfit is reported only when
real input (not padding) is left unread after the last window, and more of it than the gap a
stride wider than the kernel leaves between any two windows anyway.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction


@dataclass(frozen=True)
class WindowDim:
    n: int  # input size
    k: int  # kernel size
    s: int  # stride
    pad_l: int
    pad_r: int
    d: int = 1  # dilation
    ceil_mode: bool = False

    @property
    def k_eff(self) -> int:
        return self.d * (self.k - 1) + 1

    @property
    def padded(self) -> int:
        return self.n + self.pad_l + self.pad_r

    @property
    def exact(self) -> Fraction:
        """(N + 2P - F)/S + 1 before any rounding: what the slides write."""
        return Fraction(self.padded - self.k_eff, self.s) + 1

    @property
    def out(self) -> int:
        span = self.padded - self.k_eff
        if not self.ceil_mode:
            return span // self.s + 1
        out = (span + self.s - 1) // self.s + 1
        # torch: the last window must start inside the input or the left padding
        if (out - 1) * self.s >= self.n + self.pad_l:
            out -= 1
        return out

    @property
    def unread_tail(self) -> int:
        """Real input positions after the end of the last window."""
        last_end = (self.out - 1) * self.s + self.k_eff  # exclusive, padded coordinates
        return max(0, self.pad_l + self.n - max(last_end, self.pad_l))

    @property
    def gap(self) -> int:
        """Positions every pair of neighbouring windows skips by design (stride > kernel)."""
        return max(0, self.s - self.k_eff)

    @property
    def misfit(self) -> bool:
        return self.unread_tail > self.gap

    def formula(self) -> str:
        """The slides' arithmetic: `(224 + 2*3 - 7)/2 + 1 = 112.5 -> 112`."""
        n = str(self.n)
        if self.pad_l == self.pad_r and self.pad_l:
            n += f" + 2*{self.pad_l}"
        elif self.pad_l != self.pad_r:
            n += f" + {self.pad_l} + {self.pad_r}"
        f = str(self.k) if self.d == 1 else f"{self.d}*({self.k} - 1) - 1"
        text = f"({n} - {f})/{self.s} + 1 = {_decimal(self.exact)}"
        if self.exact.denominator != 1 or self.exact != self.out:
            text += f" -> {self.out}" + (" (ceil_mode)" if self.ceil_mode else "")
        return text


def _decimal(value: Fraction) -> str:
    if value.denominator == 1:
        return str(value.numerator)
    return f"{float(value):.2f}".rstrip("0").rstrip(".")


#: Short labels of the spatial dimensions, by their number (formulas, receptive fields, fit).
DIM_LABELS = {1: ("L",), 2: ("H", "W"), 3: ("D", "H", "W")}
#: What to call the positions of each spatial dimension, by number of spatial dimensions.
DIM_WORDS = {
    1: (("position", "positions"),),
    2: (("row", "rows"), ("column", "columns")),
    3: (("plane", "planes"), ("row", "rows"), ("column", "columns")),
}


def unread_words(dims: list[WindowDim], ndim: int) -> str:
    """`input column 7 is never read`, `input rows 224 and columns 224 are never read`..."""
    parts = []
    for i, w in enumerate(dims):
        if not w.misfit:
            continue
        one, many = DIM_WORDS[ndim][i]
        first = w.n - w.unread_tail + 1
        parts.append(f"{one} {w.n}" if w.unread_tail == 1 else f"{many} {first}-{w.n}")
    verb = "is" if len(parts) == 1 and not parts[0].split()[0].endswith("s") else "are"
    return f"input {' and '.join(parts)} {verb} never read"


def dims_formula(dims: list[WindowDim], only: list[int] | None = None) -> str:
    """One formula when every dimension computes the same, else one per dimension (`W: ...`).

    `only` restricts the text to some dimensions, still labelled by their place."""
    texts = [w.formula() for w in dims]
    if len(set(texts)) == 1 and only is None:
        return texts[0]
    names = DIM_LABELS[len(dims)]
    return "; ".join(f"{names[i]}: {t}" for i, t in enumerate(texts) if only is None or i in only)
