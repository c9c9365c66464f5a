"""Layers that keep the shape: activations, dropout, identity, softmax, PReLU.

Each activation carries its scalar function, which `shapecalc run` applies to every value. They
follow torch's definitions, rearranged only where Python's `math.exp` would raise OverflowError
on a large argument where C returns inf (sigmoid, softplus). Dropout is the identity at inference.
"""

from __future__ import annotations

from functools import cached_property, partial
from math import erf, exp, expm1, log1p, pi, sqrt, tanh
from typing import TYPE_CHECKING, Any, Callable

from .args import Arg, any_integer, boolean, choice, integer, number, optional
from .base import Example, Inference, LayerError, LayerKind, Pointwise, Shape, expect_rank, fmt
from .cost import ZERO, Costs, Rule, View, n_in, n_out, params
from .torchcode import TorchCode, module

if TYPE_CHECKING:
    from ..kernels.ops import Op

INPLACE = Arg("inplace", boolean, False, (), "no effect on shape")
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


# ptflops counts an activation through its module hook, through the torch.nn.functional call it
# patches, or both (ReLU: its hook and F.relu; ReLU6 calls F.hardtanh, which it does not patch);
# every activation states its rule (ZERO: neither), so a new one cannot silently count 0.
def hook_and_functional(v: View) -> int:
    return 2 * v.n_out


#: torch.nn's class of each elementwise layer (the spec's type is its lower-cased name).
TORCH_NAMES = {
    "identity": "Identity", "relu": "ReLU", "relu6": "ReLU6", "leakyrelu": "LeakyReLU", "elu": "ELU", "selu": "SELU",
    "celu": "CELU", "gelu": "GELU", "silu": "SiLU", "mish": "Mish", "hardswish": "Hardswish",
    "hardsigmoid": "Hardsigmoid", "hardtanh": "Hardtanh", "sigmoid": "Sigmoid", "tanh": "Tanh",
    "softplus": "Softplus", "softsign": "Softsign", "softmax": "Softmax", "logsoftmax": "LogSoftmax",
    "dropout": "Dropout", "dropout1d": "Dropout1d", "dropout2d": "Dropout2d", "dropout3d": "Dropout3d",
    "alphadropout": "AlphaDropout", "prelu": "PReLU",
}


#: The functions a traced forward calls for each elementwise layer, beyond `torch.nn.functional.<type>`
#: (which every one but dropout's has: F.dropout takes `training`, which the kind does not).
FUNCTIONS = {"relu": ("torch.relu", "Tensor.relu", "Tensor.relu_", "torch.relu_"), "sigmoid": ("torch.sigmoid", "Tensor.sigmoid"),
             # F.gelu and F.softplus are C builtins: fx records them under the C module's name
             "gelu": ("torch._C._nn.gelu",), "softplus": ("torch._C._nn.softplus",),
             "tanh": ("torch.tanh", "Tensor.tanh"), "softmax": ("torch.softmax", "Tensor.softmax"),
             "logsoftmax": ("torch.log_softmax", "Tensor.log_softmax", "torch.nn.functional.log_softmax")}


#: timm's own activation modules (timm.layers.activations) that compute exactly torch's function
#: (its GELUTanh, QuickGELU and HardMish do not: none of these); a norm's `act` child is one.
TIMM_CLASSES = {"gelu": "GELU", "sigmoid": "Sigmoid", "tanh": "Tanh", "silu": "Swish", "mish": "Mish",
                "hardswish": "HardSwish", "hardsigmoid": "HardSigmoid"}


def functions(type_: str) -> tuple[str, ...]:
    """The qualified names a traced call of this elementwise layer has (base.LayerKind.torch_functions)."""
    functional = () if type_.startswith(("dropout", "alphadropout", "identity")) else (f"torch.nn.functional.{type_}",)
    return functional + FUNCTIONS.get(type_, ())


class Elementwise(Pointwise):
    """A shape-preserving layer without parameters: a scalar function of each value. Backward
    needs its input (or, for dropout, a mask of its size), the identity's aside."""

    family = "activation"
    counts_batches = False

    def __init__(self, type_: str, summary: str, scalar: Scalar, *args: Arg, ptflops: Rule,
                 saves_input: bool = True) -> None:
        self.type, self.summary, self.args = type_, summary, args
        self.scalar, self.saves_input = scalar, saves_input
        self.torch_functions = functions(type_)
        self.torch_classes = (f"timm.layers.activations.{TIMM_CLASSES[type_]}",) if type_ in TIMM_CLASSES else ()
        self.cost = Costs(ZERO, ZERO, ZERO, ptflops, ZERO, ZERO)

    def torch(self, xs: list[Shape], a: dict[str, Any]) -> TorchCode:
        return module(self, TORCH_NAMES[self.type], a)

    def example(self) -> Example:
        return Example((2, 3, 3))

    def infer(self, x: Shape, a: dict[str, Any]) -> Inference:
        return Inference(x)

    @cached_property
    def forward(self) -> Op:
        from ..kernels.activations import elementwise
        from ..kernels.ops import Op
        return Op(partial(elementwise, f=self.scalar))


class Softmax(Pointwise):
    """Softmax and log-softmax along `dim`, which counts the batch dimension as 0, as in the torch
    model it is copied from. Not a function of each value alone, so not an Elementwise: its own
    kernel normalises along the axis. Pointwise in space for the receptive field, as every
    receptive-field calculator treats it."""

    family = "activation"
    saves_input = True  # its output, which backward needs, is the size of its input
    counts_batches = False

    def __init__(self, type_: str, summary: str, log: bool, *args: Arg, ptflops: Rule) -> None:
        self.type, self.summary, self.args, self.log = type_, summary, args, log
        self.torch_functions = functions(type_)
        self.cost = Costs(ZERO, ZERO, ZERO, ptflops, ZERO, ZERO)

    def torch(self, xs: list[Shape], a: dict[str, Any]) -> TorchCode:
        return module(self, TORCH_NAMES[self.type], a)

    def example(self) -> Example:
        return Example((2, 3, 3), {"dim": 1})

    @cached_property
    def forward(self) -> Op:
        from ..kernels.activations import logsoftmax, softmax
        from ..kernels.ops import Op
        return Op(logsoftmax if self.log else softmax)

    def infer(self, x: Shape, a: dict[str, Any]) -> Inference:
        dim, rank = a["dim"], len(x) + 1
        if dim is not None and not -rank <= dim < rank:
            raise LayerError("F003", f"dim={dim} is out of range for a {rank}-D batched input", "dim")
        return Inference(x)


class Bounded(Elementwise):
    """An activation whose arguments torch checks against each other when it is built."""

    def __init__(self, type_: str, summary: str, scalar: Scalar,
                 check: Callable[[dict[str, Any]], tuple[str, str] | None], *args: Arg, ptflops: Rule) -> None:
        super().__init__(type_, summary, scalar, *args, ptflops=ptflops)
        self.check = check  # (argument to blame, message) when torch would refuse

    def infer(self, x: Shape, a: dict[str, Any]) -> Inference:
        problem = self.check(a)
        if problem:
            raise LayerError("F010", f"{problem[1]} (torch raises)", problem[0])
        return Inference(x)


class ChannelDropout(Elementwise):
    """dropout1d zeroes whole channels of [C, L] inputs; torch refuses any other rank."""

    def example(self) -> Example:
        return Example((2, 5))

    def infer(self, x: Shape, a: dict[str, Any]) -> Inference:
        expect_rank(self, x, (2,), "[C, L]")
        return Inference(x)


class PReLU(Pointwise):
    type = "prelu"
    family = "activation"
    summary = "Parametric ReLU (torch.nn.PReLU): one learned slope, or one per channel"
    args = (
        Arg("num_parameters", integer(), 1, (), "1, or the number of channels"),
        Arg("init", number(), 0.25),
    )
    cost = Costs(ZERO, params, ZERO, hook_and_functional, ZERO, ZERO)
    saves_input = True
    counts_batches = False

    def torch(self, xs: list[Shape], a: dict[str, Any]) -> TorchCode:
        return module(self, TORCH_NAMES[self.type], a)

    def example(self) -> Example:
        return Example((2, 3, 3), {"num_parameters": 2})

    @cached_property
    def forward(self) -> Op:
        from ..kernels.activations import prelu, prelu_params
        from ..kernels.ops import Op
        return Op(prelu, prelu_params)

    def infer(self, x: Shape, a: dict[str, Any]) -> Inference:
        n = a["num_parameters"]
        if n != 1 and n != x[0]:
            raise LayerError("F004", f"num_parameters is {n} but the incoming shape has {x[0]} channels", "num_parameters")
        return Inference(x, n, 0, [f"{fmt(n)} slope{'s' if n > 1 else ''} = {fmt(n)} params"])


def kinds() -> list[LayerKind]:
    p = Arg("p", number(0, 1), 0.5, (), "probability of zeroing an element (no effect on shape)")
    dim = Arg("dim", optional(any_integer), None, (), "dimension to normalise, counting the batch as 0")
    return [
        Elementwise("identity", "Identity (torch.nn.Identity)", identity, ptflops=ZERO, saves_input=False),
        Elementwise("relu", "ReLU", relu, INPLACE, ptflops=hook_and_functional),
        Elementwise("relu6", "ReLU capped at 6", relu6, INPLACE, ptflops=n_out),  # hook only
        Elementwise("leakyrelu", "Leaky ReLU", leakyrelu, Arg("negative_slope", number(), 0.01), INPLACE,
                    ptflops=n_out),
        Elementwise("elu", "ELU", elu, Arg("alpha", number(), 1.0), INPLACE, ptflops=hook_and_functional),
        Elementwise("selu", "SELU", selu, INPLACE, ptflops=ZERO),
        Bounded("celu", "CELU", celu, lambda a: ("alpha", "alpha must not be 0") if a["alpha"] == 0 else None,
                Arg("alpha", number(), 1.0), INPLACE, ptflops=ZERO),
        Elementwise("gelu", "GELU", gelu, Arg("approximate", choice("none", "tanh"), "none"),
                    ptflops=hook_and_functional),
        Elementwise("silu", "SiLU (swish)", silu, INPLACE, ptflops=n_in),  # functional only
        Elementwise("mish", "Mish", mish, INPLACE, ptflops=ZERO),
        Elementwise("hardswish", "Hard swish", hardswish, INPLACE, ptflops=ZERO),
        Elementwise("hardsigmoid", "Hard sigmoid", hardsigmoid, INPLACE, ptflops=ZERO),
        Bounded("hardtanh", "Hard tanh", hardtanh,
                lambda a: ("max_val", f"max_val {a['max_val']:g} must be greater than min_val {a['min_val']:g}")
                if a["max_val"] <= a["min_val"] else None,
                Arg("min_val", number(), -1.0), Arg("max_val", number(), 1.0), INPLACE, ptflops=ZERO),
        Elementwise("sigmoid", "Logistic sigmoid", sigmoid, ptflops=ZERO),
        Elementwise("tanh", "Hyperbolic tangent", tanh_, ptflops=ZERO),
        Elementwise("softplus", "Softplus", softplus, Arg("beta", number(), 1.0), Arg("threshold", number(), 20.0), ptflops=ZERO),
        Elementwise("softsign", "Softsign", softsign, ptflops=ZERO),
        Softmax("softmax", "Softmax over `dim`", False, dim, ptflops=n_in),  # functional only
        Softmax("logsoftmax", "Log-softmax over `dim`", True, dim, ptflops=ZERO),
        Elementwise("dropout", "Dropout (identity at inference)", identity, p, INPLACE, ptflops=ZERO),
        ChannelDropout("dropout1d", "Channel dropout, 1-D", identity, p, INPLACE, ptflops=ZERO),
        Elementwise("dropout2d", "Channel dropout, 2-D", identity, p, INPLACE, ptflops=ZERO),
        Elementwise("dropout3d", "Channel dropout, 3-D", identity, p, INPLACE, ptflops=ZERO),
        Elementwise("alphadropout", "Alpha dropout (for SELU networks)", identity, p, INPLACE, ptflops=ZERO),
        PReLU(),
    ]
