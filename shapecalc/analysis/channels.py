"""Is the input written channels last? The slides write an image 32x32x3, torch reads [C, H, W].

`input: [32, 32, 3]` is a valid spec: 32 channels of 32x3. A 5x5 convolution with padding 2 then
runs and gives 10x32x3, silently wrong, and an 11x11 one fails (F002) without saying why. So the
input is read the other way too, with its last dimension moved first, by the layer that first
reads it as channels and a grid (after any layers that keep every position, such as a ReLU):

- when that layer fails on the input as written and takes the moved one without an error, the
  failure is the layout's: its first error says so (F002, F004, ...), and that is the one
  diagnostic (the input's last dimension must be smaller than the others, so a wrong
  `in_channels` on [3, 8, 8] is not blamed on the layout);
- when both readings work, W008 warns only if the input looks like an image written channels
  last: a last dimension of 1, 3 or 4 (grey, RGB, RGBA) under every other dimension of at least 8
  and four times as much, and a window wider than 1 sliding along it. A [3, 224, 224] input, a
  [C, L] signal of any plausible length, or a pointwise (1x1) layer on [512, 1] never get it.

Pure: an Analysis in, diagnostics out; it asks the kinds (their `infer`, `windows` and `field`),
never a type name.
"""

from __future__ import annotations

from dataclasses import replace

from ..diagnostics import RULES, Diagnostic
from ..layers import LayerError, Shape
from ..layers.field import POINTWISE
from ..spec import INPUT
from ..spec.tensors import shape_words
from .calc import Analysis, LayerResult

#: Channel counts an image has: grey, RGB, RGBA.
IMAGE_CHANNELS = (1, 3, 4)
#: Layers that keep every position (activations, norms) followed to find the first real reader.
MAX_FOLLOWED = 16
LAYOUTS = {2: "(C, L)", 3: "(C, H, W)", 4: "(C, D, H, W)"}


def _reader(a: Analysis) -> LayerResult | None:
    """The first layer that reads the network input as something other than positions kept one
    for one: the input's consumer, or past it through layers whose field is pointwise and whose
    output has the input's shape."""
    source, start = INPUT, 0
    for _ in range(MAX_FOLLOWED):
        r = next((r for r in a.layers[start:] if r.spec.inputs == [source]), None)
        if r is None or r.spec.kind is None or not r.spec.complete or r.input_shape is None or r.spec.kind.merge:
            return None  # no layer to ask, or one whose arguments are wrong (reported)
        kind = r.spec.kind
        if r.output_shape != r.input_shape or kind.windows(r.input_shape, r.spec.args) is not None or \
                kind.field(r.input_shape, r.output_shape, r.spec.args) is not POINTWISE:
            return r
        source, start = r.spec.name, a.layers.index(r) + 1
    return None


def _errors(r: LayerResult, x: Shape) -> list[str]:
    """The error codes the layer gives on input x."""
    kind = r.spec.kind
    try:
        return [p.code for p in kind.infer(x, r.spec.args).problems if RULES[p.code].severity == "error"]
    except LayerError as err:
        return [err.code]


def _slides_along_last(r: LayerResult, x: Shape) -> bool:
    """Whether a window wider than 1 slides along the input's last dimension."""
    try:
        dims = r.spec.kind.windows(x, r.spec.args)
    except LayerError:  # the window does not fit the input as written
        return False
    return bool(dims) and dims[-1].k_eff > 1


def channels_last(a: Analysis) -> list[Diagnostic]:
    """The diagnostics with the channels-last hint: W008 added, or an error of the reader that
    the layout explains rewritten to say so (the first one; the rest follow from it)."""
    x, loc = a.spec.input_shape, a.spec.input_loc
    if x is None or loc is None or not 2 <= len(x) <= 4 or x[-1] >= min(x[:-1]):
        return a.diagnostics
    r = _reader(a)
    if r is None:
        return a.diagnostics
    moved, layout = shape_words((x[-1], *x[:-1])), LAYOUTS[len(x)]
    if _errors(r, (x[-1], *x[:-1])):
        return a.diagnostics
    mine = [i for i, d in enumerate(a.diagnostics) if d.layer == r.spec.name and d.severity == "error"]
    if mine:
        out = list(a.diagnostics)
        out[mine[0]] = replace(out[mine[0]], message=f"{out[mine[0]].message} (input {shape_words(x)} looks channels-last: "
                                                     f"shapes are channels first {layout}; did you mean {moved}?)")
        return out
    image = x[-1] in IMAGE_CHANNELS and min(x[:-1]) >= max(8, 4 * x[-1])
    if not image or not _slides_along_last(r, x):
        return a.diagnostics
    reads = "x".join(map(str, x[1:]))
    warning = (f"input {shape_words(x)} looks channels-last ({r.spec.name} reads it as {x[0]} channels of {reads}); "
               f"shapecalc reads shapes channels first {layout}: did you mean {moved}?")
    return [*a.diagnostics, Diagnostic("W008", warning, loc.line, loc.column)]
