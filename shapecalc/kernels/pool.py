"""Pooling, 1-D to 3-D: max, average and power-average (torch's MaxPoolNd / AvgPoolNd /
LPPoolNd), their adaptive forms, global pooling, and LeNet-5's trainable subsampling."""

from __future__ import annotations

from itertools import product
from math import inf, pow, prod, sqrt
from typing import Any

from ..layers.spatial import pool_pads
from .params import ParamDecl, Params
from .tensor import ForwardError, Shape, Tensor
from .windows import gather, padded_sources, starts, strides, tap_offsets, window_bases


def pool(x: Tensor, a: dict[str, Any], p: Params, op: str) -> Tensor:
    """Each channel on its own: the max, or the average, of every window.

    Padding is -inf for max (never chosen) and 0 for average; in ceil_mode a window may also
    run past the right padding, and that overhang is padded the same way."""
    if a["padding"] == "keras_same":
        return pool(same_padded(x, a, op), {**a, "padding": (0,) * len(a["kernel_size"])}, p, op)
    c, spatial = x.shape[0], x.shape[1:]
    k, pad = a["kernel_size"], a["padding"]
    s = a["stride"] or k
    d = a.get("dilation") or (1,) * len(k)
    slides = [starts(n, ki, si, di, pi, pi, a["ceil_mode"]) for n, ki, si, di, pi in zip(spatial, k, s, d, pad)]
    overhang = [max(0, sl[-1] + di * (ki - 1) + 1 - (n + 2 * pi)) if sl else 0
                for sl, n, ki, di, pi in zip(slides, spatial, k, d, pad)]
    padded, sources = padded_sources(spatial, [(pi, pi + oi) for pi, oi in zip(pad, overhang)], "zeros")
    steps = strides(padded)
    bases = window_bases(slides, steps)
    offsets, run = tap_offsets(k, d, steps, 1)
    fill = -inf if op == "max" else 0.0
    plane = len(x.data) // c
    out: list[float] = []
    divisors = avg_divisors(slides, spatial, k, pad, a) if op == "avg" else []
    for ci in range(c):
        xc = x.data[ci * plane:(ci + 1) * plane]
        xp = [fill if q is None else xc[q] for q in sources]
        if op == "max":
            out += [max(gather(xp, base, offsets, run)) for base in bases]
        else:
            out += [sum(gather(xp, base, offsets, run)) / n for base, n in zip(bases, divisors)]
    return Tensor((c, *map(len, slides)), out)


def same_padded(x: Tensor, a: dict[str, Any], op: str) -> Tensor:
    """The input padded as TensorFlow's SAME, as timm's pad_same does before its SAME pools
    (timm/layers/pool2d_same.py): -inf for max (never chosen), zeros for average, which the
    average then counts as values, whatever count_include_pad."""
    c, spatial = x.shape[0], x.shape[1:]
    padded, sources = padded_sources(spatial, pool_pads(x.shape, a), "zeros")
    fill = -inf if op == "max" else 0.0
    plane = len(x.data) // c
    return Tensor((c, *padded), [fill if q is None else x.data[ci * plane + q] for ci in range(c) for q in sources])


def lppool(x: Tensor, a: dict[str, Any], p: Params) -> Tensor:
    """(sum of x^p over each window)^(1/p), computed as torch does: the average of x^p times the
    kernel's size, so that a window that ceil_mode cuts short is scaled up as if it were full.
    `math.pow`, because `**` would return a complex number where torch's pow gives NaN."""
    q, k = a["norm_type"], a["kernel_size"]
    window = {**a, "padding": (0,) * len(k), "count_include_pad": True}
    try:
        means = pool(Tensor(x.shape, [pow(v, q) for v in x.data]), window, p, "avg")
        return Tensor(means.shape, [pow(m * prod(k), 1 / q) for m in means.data])
    except ValueError:  # math.pow's domain error
        raise ForwardError(f"norm_type {q:g} raises a negative number to a fractional power, which has no "
                           "real value (torch gives NaN); a ReLU before the pooling keeps values >= 0") from None


def subsampling(x: Tensor, a: dict[str, Any], p: Params) -> Tensor:
    """Each window's sum times its map's coefficient, plus its map's bias: LeNet-5's S2 and S4.
    The sums are average pooling's with a divisor of 1."""
    k = a["kernel_size"]
    sums = pool(x, {**a, "padding": (0,) * len(k), "ceil_mode": False, "divisor_override": 1}, p, "avg")
    n = len(sums.data) // x.shape[0]
    weight, bias = p["weight"].values(), p["bias"].values()
    return Tensor(sums.shape, [weight[i // n] * v + bias[i // n] for i, v in enumerate(sums.data)])


def subsampling_params(x: Shape, a: dict[str, Any]) -> dict[str, ParamDecl]:
    """A coefficient and a bias per map; seeded within +-1/sqrt(window size), the bound of a
    convolution that reads one map through this window."""
    bound = 1 / sqrt(prod(a["kernel_size"]))
    c = (x[0],)
    return {"weight": ParamDecl(c, "channels", -bound, bound), "bias": ParamDecl(c, "channels", -bound, bound)}


def avg_divisors(slides: list[range], spatial: Shape, k: Shape, pad: Shape, a: dict[str, Any]) -> list[float]:
    """What each window's sum is divided by, output positions in row-major order (torch's rule):
    `divisor_override` if given; else the window's size within the padded input
    (count_include_pad) or the number of real input values it covers."""
    if a.get("divisor_override"):
        return [a["divisor_override"]] * prod(map(len, slides))
    per_dim = []
    for slide, n, ki, pi in zip(slides, spatial, k, pad):
        if a["count_include_pad"]:
            per_dim.append([min(st + ki, n + 2 * pi) - st for st in slide])
        else:
            per_dim.append([min(st + ki, pi + n) - max(st, pi) for st in slide])
    return [prod(sizes) for sizes in product(*per_dim)]


def adaptive_pool(x: Tensor, a: dict[str, Any], p: Params, op: str) -> Tensor:
    """The max, or the average, of each window; torch's rule picks the windows from the sizes:
    along a dimension of n values pooled to o, window i spans floor(i*n/o) to ceil((i+1)*n/o)."""
    c, spatial = x.shape[0], x.shape[1:]
    sizes = [n if o is None else o for n, o in zip(spatial, a["output_size"])]
    spans = [[range(i * n // o, -(-(i + 1) * n // o)) for i in range(o)] for n, o in zip(spatial, sizes)]
    steps = strides(spatial)
    windows = [[sum(t) for t in product(*([j * step for j in span] for span, step in zip(box, steps)))]
               for box in product(*spans)]
    plane = len(x.data) // c
    out: list[float] = []
    for ci in range(c):
        xc = x.data[ci * plane:(ci + 1) * plane]
        if op == "max":
            out += [max(xc[i] for i in w) for w in windows]
        else:
            out += [sum(xc[i] for i in w) / len(w) for w in windows]
    return Tensor((c, *sizes), out)


def global_pool(x: Tensor, a: dict[str, Any], p: Params, op: str) -> Tensor:
    """One value per channel: the max or the mean of all its positions."""
    c = x.shape[0]
    n = len(x.data) // c
    planes = [x.data[i * n:(i + 1) * n] for i in range(c)]
    out = [max(v) for v in planes] if op == "max" else [sum(v) / n for v in planes]
    return Tensor((c, *(1,) * (len(x.shape) - 1)) if a["keepdim"] else (c,), out)


def pool_macs(x: Shape, y: Shape, a: dict[str, Any]) -> int:
    """One read per window element (compare or add)."""
    return prod(y) * prod(a["kernel_size"])
