"""Shape-keeping layers: activations (one scalar function each), softmax, PReLU, and the layers
that are the identity at inference (dropout in eval mode).

The scalar functions follow torch's definitions, rearranged only where Python's `math.exp`
would raise OverflowError on a large argument where C returns inf (sigmoid, softplus).
"""

from __future__ import annotations

from math import erf, exp, expm1, log, log1p, pi, prod, sqrt, tanh
from typing import Any, Callable

from .params import ParamDecl, Params
from .tensor import Shape, Tensor

Scalar = Callable[[float, dict[str, Any]], float]

SELU_ALPHA = 1.6732632423543772848170429916717
SELU_SCALE = 1.0507009873554804934193349852946


def sigmoid(x: float, a: dict[str, Any] | None = None) -> float:
    """1 / (1 + e^-x), with e^x over (1 + e^x) for negative x."""
    if x >= 0:
        return 1 / (1 + exp(-x))
    e = exp(x)
    return e / (1 + e)


def log1p_exp(z: float) -> float:
    """log(1 + e^z) = max(z, 0) + log(1 + e^-|z|)."""
    return max(z, 0.0) + log1p(exp(-abs(z)))


def identity(x: float, a: dict[str, Any]) -> float:
    return x


def relu(x: float, a: dict[str, Any]) -> float:
    return x if x > 0 else 0.0


def relu6(x: float, a: dict[str, Any]) -> float:
    return min(max(x, 0.0), 6.0)


def leakyrelu(x: float, a: dict[str, Any]) -> float:
    return x if x > 0 else x * a["negative_slope"]


def elu(x: float, a: dict[str, Any]) -> float:
    return x if x > 0 else a["alpha"] * expm1(x)


def selu(x: float, a: dict[str, Any]) -> float:
    return SELU_SCALE * (x if x > 0 else SELU_ALPHA * expm1(x))


def celu(x: float, a: dict[str, Any]) -> float:
    return x if x > 0 else a["alpha"] * expm1(x / a["alpha"])


def gelu(x: float, a: dict[str, Any]) -> float:
    if a["approximate"] == "tanh":
        return 0.5 * x * (1 + tanh(sqrt(2 / pi) * (x + 0.044715 * x ** 3)))
    return 0.5 * x * (1 + erf(x / sqrt(2)))


def silu(x: float, a: dict[str, Any]) -> float:
    return x * sigmoid(x)


def mish(x: float, a: dict[str, Any]) -> float:
    return x * tanh(log1p_exp(x))


def hardswish(x: float, a: dict[str, Any]) -> float:
    return x * min(max(x + 3, 0.0), 6.0) / 6


def hardsigmoid(x: float, a: dict[str, Any]) -> float:
    return min(max(x + 3, 0.0), 6.0) / 6


def hardtanh(x: float, a: dict[str, Any]) -> float:
    return min(max(x, a["min_val"]), a["max_val"])


def tanh_(x: float, a: dict[str, Any]) -> float:
    return tanh(x)


def softplus(x: float, a: dict[str, Any]) -> float:
    """x once beta*x passes the threshold (torch's switch to linear), else log(1 + e^(beta x)) / beta."""
    beta = a["beta"]
    return x if x * beta > a["threshold"] else log1p_exp(x * beta) / beta


def softsign(x: float, a: dict[str, Any]) -> float:
    return x / (1 + abs(x))


#: One scalar function per elementwise layer type; dropout is the identity in eval mode.
SCALARS: dict[str, Scalar] = {
    "identity": identity, "relu": relu, "relu6": relu6, "leakyrelu": leakyrelu, "elu": elu,
    "selu": selu, "celu": celu, "gelu": gelu, "silu": silu, "mish": mish, "hardswish": hardswish,
    "hardsigmoid": hardsigmoid, "hardtanh": hardtanh, "sigmoid": sigmoid, "tanh": tanh_,
    "softplus": softplus, "softsign": softsign, "dropout": identity, "dropout1d": identity,
    "dropout2d": identity, "dropout3d": identity, "alphadropout": identity,
}


def elementwise(x: Tensor, a: dict[str, Any], p: Params, f: Scalar) -> Tensor:
    return Tensor(x.shape, [f(v, a) for v in x.data])


def softmax_axis(shape: Shape, dim: int | None) -> int:
    """The axis of our batch-less tensor that `dim` names (it counts torch's batch as 0); -1 for
    the batch itself. dim=None follows torch's legacy rule: 0 for 0-, 1- and 3-D inputs, else 1."""
    rank = len(shape) + 1
    if dim is None:
        dim = 0 if rank in (0, 1, 3) else 1
    return dim % rank - 1


def softmax(x: Tensor, a: dict[str, Any], p: Params, log_: bool = False) -> Tensor:
    """e^(x - max) / sum, or its log, along one axis. Along the batch axis (size 1 here) every
    value is alone: softmax gives 1 and log-softmax 0, as torch does."""
    axis = softmax_axis(x.shape, a["dim"])
    if axis < 0:
        return Tensor(x.shape, [0.0 if log_ else 1.0] * len(x.data))
    n, inner = x.shape[axis], prod(x.shape[axis + 1:])
    out = list(x.data)
    for block in range(0, len(x.data), n * inner):
        for i in range(block, block + inner):
            v = x.data[i:i + n * inner:inner]
            m = max(v)
            total = sum(exp(vi - m) for vi in v)
            out[i:i + n * inner:inner] = ([vi - m - log(total) for vi in v] if log_
                                          else [exp(vi - m) / total for vi in v])
    return Tensor(x.shape, out)


def logsoftmax(x: Tensor, a: dict[str, Any], p: Params) -> Tensor:
    return softmax(x, a, p, log_=True)


def prelu(x: Tensor, a: dict[str, Any], p: Params) -> Tensor:
    """x if x > 0 else slope * x, with one slope, or one per channel (axis 0 here)."""
    slopes = p["weight"].values()
    n = len(x.data) // len(slopes)
    return Tensor(x.shape, [v if v > 0 else slopes[i // n] * v for i, v in enumerate(x.data)])


def prelu_params(x: Shape, a: dict[str, Any]) -> dict[str, ParamDecl]:
    """Seeded slopes are the layer's `init`, as torch starts them."""
    return {"weight": ParamDecl((a["num_parameters"],), "num_parameters", a["init"], a["init"])}
