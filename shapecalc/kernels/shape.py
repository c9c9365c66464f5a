"""The shape layers' kernels: permute, transpose, reshape and view, expand, squeeze and unsqueeze,
slice, select and roll. Each works out its output shape from the arguments and the tensor it is
given (dims count the batch as 0, as the layer kinds read them).

Every rearrangement is one `gather`: output value (i0, i1, ...) is input value offsets[0][i0] +
offsets[1][i1] + ... of the flat list, with one list of input offsets per output dimension (a
stride times the position for permute, the position shifted for roll, stride 0 for a broadcast
dimension). Reshapes, squeezes and unsqueezes keep the values where they are and only relabel
the shape.
"""

from __future__ import annotations

from math import prod
from typing import Any

from ..layers.base import Unbatched
from .params import Params
from .tensor import Shape, Tensor

Run = tuple[int, int, int]  # (first offset, step >= 0, count)


def strides(shape: Shape) -> list[int]:
    """Row-major strides: how far apart neighbours along each dimension are in the flat list."""
    out, step = [], 1
    for n in reversed(shape):
        out.append(step)
        step *= n
    return out[::-1]


def runs(offsets: list[int]) -> list[Run]:
    """The innermost offsets cut into the fewest arithmetic progressions of step >= 0, each
    copied with one C-level slice (or, for step 0, one repeated value)."""
    out: list[Run] = []
    i, n = 0, len(offsets)
    while i < n:
        j = i + 1
        if j < n and offsets[j] >= offsets[i]:
            step = offsets[j] - offsets[i]
            while j + 1 < n and offsets[j + 1] - offsets[j] == step:
                j += 1
            out.append((offsets[i], step, j - i + 1))
            i = j + 1
        else:
            out.append((offsets[i], 1, 1))
            i = j
    return out


def gather(x: Tensor, shape: Shape, offsets: list[list[int]], base: int = 0) -> Tensor:
    """The tensor of `shape` whose value at (i0, i1, ...) is x.data[base + offsets[0][i0] + ...]."""
    bases = [base]
    for offs in offsets[:-1]:
        bases = [b + o for b in bases for o in offs]
    data, out = x.data, []
    inner = runs(offsets[-1])
    for b in bases:
        for first, step, count in inner:
            start = b + first
            if step:
                out += data[start:start + step * (count - 1) + 1:step]
            else:
                out += [data[start]] * count
    return Tensor(shape, out)


def along(shape: Shape) -> list[list[int]]:
    """Each dimension's offsets as it is: position times stride."""
    return [[k * s for k in range(n)] for n, s in zip(shape, strides(shape))]


def permuted(x: Tensor, order: list[int]) -> Tensor:
    """Output dim i is input dim order[i] (per-sample axes)."""
    offsets = along(x.shape)
    return gather(x, tuple(x.shape[o] for o in order), [offsets[o] for o in order])


def axis(dim: int, x: Tensor) -> int:
    """A batched dim (negative from the end) as a per-sample axis."""
    return dim % (len(x.shape) + 1) - 1


def permute(x: Tensor, a: dict[str, Any], p: Params) -> Tensor:
    return permuted(x, [axis(d, x) for d in a["dims"][1:]])


def transpose(x: Tensor, a: dict[str, Any], p: Params) -> Tensor:
    order = list(range(len(x.shape)))
    i, j = axis(a["dim0"], x), axis(a["dim1"], x)
    order[i], order[j] = j, i
    return permuted(x, order)


def reshape(x: Tensor, a: dict[str, Any], p: Params) -> Tensor:
    """reshape and view: the same values, read into the new shape (-1: what the count leaves)."""
    known = prod(s for s in a["shape"] if s != -1)
    return Tensor(tuple(len(x.data) // known if s == -1 else s for s in a["shape"]), x.data)


def expand(x: Tensor, a: dict[str, Any], p: Params) -> Tensor:
    """Broadcast: a size-1 dimension growing reads its one value at stride 0. An unbatched tensor
    whose leading dim lines up with the batch (size one entry shorter) has it left off."""
    size, shape = a["size"], x.shape
    if isinstance(shape, Unbatched) and len(size) == len(shape) - 1:
        shape = tuple(shape[1:])  # the leading 1: same values
    new = len(size) - len(shape)
    out = tuple(size[:new]) + tuple(n if s == -1 else s for n, s in zip(shape, size[new:]))
    offsets = [[0] * m for m in size[:new]]
    offsets += [offs if n == m else [0] * m for offs, n, m in zip(along(shape), shape, out[new:])]
    return gather(x, out, offsets)


def squeeze(x: Tensor, a: dict[str, Any], p: Params) -> Tensor:
    """The same values without the size-1 dims named (all but the batch when dim is null)."""
    dim = a["dim"]
    named = range(len(x.shape)) if dim is None else {axis(d, x) for d in (dim if isinstance(dim, tuple) else (dim,))}
    return Tensor(tuple(n for i, n in enumerate(x.shape) if n != 1 or i not in named), x.data)


def unsqueeze(x: Tensor, a: dict[str, Any], p: Params) -> Tensor:
    """The same values with a size-1 dim at `dim` of the output (counting its batch as 0)."""
    i = a["dim"] % (len(x.shape) + 2) - 1
    return Tensor((*x.shape[:i], 1, *x.shape[i:]), x.data)


def slice_(x: Tensor, a: dict[str, Any], p: Params) -> Tensor:
    """x[:, start:end:step] along `dim`, with Python's clamping."""
    i = axis(a["dim"], x)
    positions = range(*slice(a["start"], a["end"], a["step"]).indices(x.shape[i]))
    offsets = along(x.shape)
    stride = strides(x.shape)[i]
    offsets[i] = [k * stride for k in positions]
    return gather(x, (*x.shape[:i], len(positions), *x.shape[i + 1:]), offsets)


def select(x: Tensor, a: dict[str, Any], p: Params) -> Tensor:
    """x[:, index] along `dim`: that dimension is gone, read at one position."""
    i = axis(a["dim"], x)
    offsets = along(x.shape)
    base = a["index"] % x.shape[i] * strides(x.shape)[i]
    del offsets[i]
    return gather(x, (*x.shape[:i], *x.shape[i + 1:]), offsets, base)


def roll(x: Tensor, a: dict[str, Any], p: Params) -> Tensor:
    """torch.roll: along each named dim, output position k is input position (k - shift) mod n."""
    shifts, dims = (v if isinstance(v, tuple) else (v,) for v in (a["shifts"], a["dims"]))
    total = [0] * len(x.shape)
    for d, s in zip(dims, shifts):
        total[axis(d, x)] += s
    offsets = [[(k - t) % n * s for k in range(n)] for n, s, t in zip(x.shape, strides(x.shape), total)]
    return gather(x, x.shape, offsets)
