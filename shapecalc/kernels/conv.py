"""Convolution and transposed convolution, 1-D to 3-D, as torch's ConvNd and ConvTransposeNd
compute them."""

from __future__ import annotations

from math import prod, sqrt
from typing import Any, Callable, Iterable, Iterator

from ..layers.spatial import conv_pads
from .params import ParamDecl, Params
from .tensor import Shape, Tensor, dot
from .windows import gather, padded_sources, starts, strides, tap_offsets, window_bases


def channels_last(x: Tensor, sources: list[int | None]) -> list[float]:
    """The padded input with each position's channels adjacent: a window becomes a few long runs."""
    c = x.shape[0]
    plane = len(x.data) // c
    zeros = [0.0] * c
    xp: list[float] = []
    for q in sources:
        xp += zeros if q is None else x.data[q::plane]
    return xp


def taps_major(row: list[float], c: int) -> list[float]:
    """A filter in torch's [channel, *taps] order, reordered to [*taps, channel] like the windows.

    `* 1.0` makes new float objects, allocated in the order the dot product reads them: when a
    layer's weights outgrow the CPU cache, reading floats scattered over memory is up to 5x slower."""
    taps = len(row) // c
    return [row[ci * taps + t] * 1.0 for t in range(taps) for ci in range(c)]


Rows = Callable[[int, int], Iterable[list[float]]]


def correlate(x: Tensor, pads: list[tuple[int, int]], mode: str, k: Shape, s: Shape, d: Shape, g: int,
              filters: range, rows: Rows, bias: list[float]) -> Tensor:
    """The output channels `filters` of a cross-correlation (what torch's ConvNd computes), with
    filter f's weights from `rows(f, f + 1)` in torch's [channel, *taps] order and a bias for
    every output channel (zeros when the layer has none).

    Each window is gathered once per position into a flat list, then every filter of its group
    is one dot product with it: out[f, pos] = bias[f] + w[f] . window(pos)."""
    c, spatial = x.shape[0], x.shape[1:]
    padded, sources = padded_sources(spatial, pads, mode)
    xp = channels_last(x, sources)
    slides = [starts(n, ki, si, di, pl, pr) for n, ki, si, di, (pl, pr) in zip(spatial, k, s, d, pads)]
    steps = strides(padded, c)
    bases = window_bases(slides, steps)
    c_g = c // g
    offsets, run = tap_offsets(k, d, steps, c_g)
    per_group = len(bias) // g
    out: list[float] = []
    f0 = filters.start
    while f0 < filters.stop:
        group = f0 // per_group
        f1 = min(filters.stop, (group + 1) * per_group)
        w = [taps_major(row, c_g) for row in rows(f0, f1)]
        b = bias[f0:f1]
        columns = []
        for base in bases:
            window = gather(xp, base + group * c_g, offsets, run)
            columns.append([bf + dot(wf, window) for wf, bf in zip(w, b)])
        for values in zip(*columns):
            out += values
        f0 = f1
    return Tensor((len(filters), *map(len, slides)), out)


#: Weight standardisation's epsilon inside the square root: timm's StdConv2d / ScaledStdConv2d default.
STD_EPS = 1e-6


def standardized(rows: Rows, gain: list[float] | None) -> Rows:
    """Weight standardisation (timm's StdConv2d): each filter's weights less their mean, over
    their standard deviation (biased, STD_EPS inside the root); with ScaledStdConv2d's gain,
    times gain / sqrt(fan-in) as well."""
    def out(f0: int, f1: int) -> Iterator[list[float]]:
        for f, row in zip(range(f0, f1), rows(f0, f1)):
            mean = sum(row) / len(row)
            scale = 1 / sqrt(sum((v - mean) ** 2 for v in row) / len(row) + STD_EPS)
            if gain is not None:
                scale *= gain[f] / sqrt(len(row))
            yield [(v - mean) * scale for v in row]
    return out


def conv(x: Tensor, a: dict[str, Any], p: Params, part: range | None = None) -> Tensor:
    """The output channels in `part` (all by default) of a convolution. A connection_table needs
    nothing here: the maps it leaves unlinked have zero weights (see `conv_params`)."""
    k, s, d = a["kernel_size"], a["stride"], a["dilation"]
    weight = p["weight"]
    bias = p["bias"].values() if "bias" in p else [0.0] * weight.shape[0]
    rows = weight.rows
    if a.get("weight_standardization", "none") != "none":
        rows = standardized(rows, p["gain"].values() if "gain" in p else None)
    return correlate(x, conv_pads(a["padding"], x.shape[1:], k, s, d), a["padding_mode"], k, s, d, a["groups"],
                     range(weight.shape[0]) if part is None else part, rows, bias)


def conv_transpose(x: Tensor, a: dict[str, Any], p: Params, part: range | None = None) -> Tensor:
    """The output channels in `part` (all by default) of a transposed convolution, computed as the
    convolution it is the transpose of: over the input spread out by the stride (s - 1 zeros
    between neighbours), padded by d(k - 1) - p (plus output_padding after), with each filter
    flipped and its in/out axes swapped. Simple, at the price of multiplying the zeros too."""
    c, spatial = x.shape[0], x.shape[1:]
    k, s, d, g = a["kernel_size"], a["stride"], a["dilation"], a["groups"]
    spread = tuple((n - 1) * si + 1 for n, si in zip(spatial, s))
    targets = window_bases([range(0, m, si) for m, si in zip(spread, s)], strides(spread))
    z = [0.0] * (c * prod(spread))
    n_in, n_out = prod(spatial), prod(spread)
    for ci in range(c):
        for t, v in zip(targets, x.data[ci * n_in:(ci + 1) * n_in]):
            z[ci * n_out + t] = v
    weight = p["weight"]  # [in, out/groups, *k]
    c_in_g, c_out_g, taps = c // g, weight.shape[1], prod(k)
    w = weight.values()

    def rows(f0: int, f1: int) -> Iterator[list[float]]:
        """Filter f of the equivalent convolution: weight[i, f] with every kernel axis reversed,
        for each input channel i of f's group."""
        for f in range(f0, f1):
            group, o = divmod(f, c_out_g)
            yield [v for i in range(group * c_in_g, (group + 1) * c_in_g)
                   for v in w[(i * c_out_g + o) * taps:(i * c_out_g + o + 1) * taps][::-1]]

    pads = [(di * (ki - 1) - pi, di * (ki - 1) - pi + opi)
            for ki, di, pi, opi in zip(k, d, a["padding"], a["output_padding"])]
    bias = p["bias"].values() if "bias" in p else [0.0] * a["out_channels"]
    return correlate(Tensor((c, *spread), z), pads, "zeros", k, (1,) * len(k), d, g,
                     range(a["out_channels"]) if part is None else part, rows, bias)


def conv_params(x: Shape, a: dict[str, Any]) -> dict[str, ParamDecl]:
    """torch's layout [out, in/groups, *k]. With a connection_table (groups is then 1) the weight
    keeps that full layout, one map per input map, and the maps a row of the table does not list
    are zero: the file format of a masked torch Conv2d, checked when a --weights file gives it."""
    c_in = x[0] // a["groups"]
    fan_in = c_in * prod(a["kernel_size"])
    bound = 1 / sqrt(fan_in)
    table = a.get("connection_table")
    layout = "out_channels, in_channels/groups, *kernel_size"
    if table is not None:
        layout = "out_channels, in_channels, *kernel_size; 0 for the input maps connection_table does not link"
    decls = {"weight": ParamDecl((a["out_channels"], c_in, *a["kernel_size"]), layout, -bound, bound, table)}
    if a["bias"]:
        decls["bias"] = ParamDecl((a["out_channels"],), "out_channels", -bound, bound)
    if a.get("weight_standardization") == "scaled":  # timm initialises the gain to 1
        decls["gain"] = ParamDecl((a["out_channels"], *[1] * (1 + len(a["kernel_size"]))), "out_channels, 1, ...",
                                  1.0, 1.0)
    return decls


def conv_macs(x: Shape, y: Shape, a: dict[str, Any]) -> int:
    """Multiply-accumulates without the bias (fvcore's convention): one per weight of a filter per
    output value. For a transposed convolution this is the work `conv_transpose` does, zeros
    included: about prod(stride) times the layer's own count."""
    return prod(y) * x[0] // a["groups"] * prod(a["kernel_size"])


def conv_transpose_params(x: Shape, a: dict[str, Any]) -> dict[str, ParamDecl]:
    """torch's layout [in, out/groups, *k]; its default bound uses weight.size(1) * prod(k) as the fan-in."""
    c_out_g = a["out_channels"] // a["groups"]
    bound = 1 / sqrt(c_out_g * prod(a["kernel_size"]))
    decls = {"weight": ParamDecl((x[0], c_out_g, *a["kernel_size"]),
                                 "in_channels, out_channels/groups, *kernel_size", -bound, bound)}
    if a["bias"]:
        decls["bias"] = ParamDecl((a["out_channels"],), "out_channels", -bound, bound)
    return decls

