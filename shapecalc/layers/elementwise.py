"""Layers that keep the shape: activations, dropout, identity, softmax."""

from __future__ import annotations

from typing import Any, Callable

from .args import Arg, any_integer, boolean, choice, integer, number, optional
from .base import Inference, LayerError, LayerKind, Shape, fmt

INPLACE = Arg("inplace", boolean, False, (), "no effect on shape")


class Elementwise(LayerKind):
    """A shape-preserving layer without parameters; only its arguments differ."""

    def __init__(self, type_: str, summary: str, *args: Arg) -> None:
        self.type, self.summary, self.args = type_, summary, args

    def infer(self, x: Shape, a: dict[str, Any]) -> Inference:
        return Inference(x)


class Softmax(Elementwise):
    """Softmax's `dim` counts the batch dimension as 0, as in the torch model it is copied from."""

    def infer(self, x: Shape, a: dict[str, Any]) -> Inference:
        dim, rank = a["dim"], len(x) + 1
        if dim is not None and not -rank <= dim < rank:
            raise LayerError("F003", f"dim={dim} is out of range for a {rank}-D batched input", "dim")
        return Inference(x)


class Bounded(Elementwise):
    """An activation whose arguments torch checks against each other when it is built."""

    def __init__(self, type_: str, summary: str, check: Callable[[dict[str, Any]], tuple[str, str] | None],
                 *args: Arg) -> None:
        super().__init__(type_, summary, *args)
        self.check = check  # (argument to blame, message) when torch would refuse

    def infer(self, x: Shape, a: dict[str, Any]) -> Inference:
        problem = self.check(a)
        if problem:
            raise LayerError("F010", f"{problem[1]} (torch raises)", problem[0])
        return Inference(x)


class ChannelDropout(Elementwise):
    """dropout1d zeroes whole channels of [C, L] inputs; torch refuses any other rank."""

    def infer(self, x: Shape, a: dict[str, Any]) -> Inference:
        if len(x) != 2:
            raise LayerError("F003", f"dropout1d expects a [C, L] input, found {len(x)}-D input {'x'.join(map(str, x))}")
        return Inference(x)


class PReLU(LayerKind):
    type = "prelu"
    summary = "Parametric ReLU (torch.nn.PReLU): one learned slope, or one per channel"
    args = (
        Arg("num_parameters", integer(), 1, (), "1, or the number of channels"),
        Arg("init", number(), 0.25),
    )

    def infer(self, x: Shape, a: dict[str, Any]) -> Inference:
        n = a["num_parameters"]
        if n != 1 and n != x[0]:
            raise LayerError("F004", f"num_parameters is {n} but the incoming shape has {x[0]} channels", "num_parameters")
        return Inference(x, n, 0, [f"{fmt(n)} slope{'s' if n > 1 else ''} = {fmt(n)} params"])


def kinds() -> list[LayerKind]:
    p = Arg("p", number(0, 1), 0.5, (), "probability of zeroing an element (no effect on shape)")
    dim = Arg("dim", optional(any_integer), None, (), "dimension to normalise, counting the batch as 0")
    return [
        Elementwise("identity", "Identity (torch.nn.Identity)"),
        Elementwise("relu", "ReLU", INPLACE),
        Elementwise("relu6", "ReLU capped at 6", INPLACE),
        Elementwise("leakyrelu", "Leaky ReLU", Arg("negative_slope", number(), 0.01), INPLACE),
        Elementwise("elu", "ELU", Arg("alpha", number(), 1.0), INPLACE),
        Elementwise("selu", "SELU", INPLACE),
        Bounded("celu", "CELU", lambda a: ("alpha", "alpha must not be 0") if a["alpha"] == 0 else None,
                Arg("alpha", number(), 1.0), INPLACE),
        Elementwise("gelu", "GELU", Arg("approximate", choice("none", "tanh"), "none")),
        Elementwise("silu", "SiLU (swish)", INPLACE),
        Elementwise("mish", "Mish", INPLACE),
        Elementwise("hardswish", "Hard swish", INPLACE),
        Elementwise("hardsigmoid", "Hard sigmoid", INPLACE),
        Bounded("hardtanh", "Hard tanh",
                lambda a: ("max_val", f"max_val {a['max_val']:g} must be greater than min_val {a['min_val']:g}")
                if a["max_val"] <= a["min_val"] else None,
                Arg("min_val", number(), -1.0), Arg("max_val", number(), 1.0), INPLACE),
        Elementwise("sigmoid", "Logistic sigmoid"),
        Elementwise("tanh", "Hyperbolic tangent"),
        Elementwise("softplus", "Softplus", Arg("beta", number(), 1.0), Arg("threshold", number(), 20.0)),
        Elementwise("softsign", "Softsign"),
        Softmax("softmax", "Softmax over `dim`", dim),
        Softmax("logsoftmax", "Log-softmax over `dim`", dim),
        Elementwise("dropout", "Dropout (identity at inference)", p, INPLACE),
        ChannelDropout("dropout1d", "Channel dropout, 1-D", p, INPLACE),
        Elementwise("dropout2d", "Channel dropout, 2-D", p, INPLACE),
        Elementwise("dropout3d", "Channel dropout, 3-D", p, INPLACE),
        Elementwise("alphadropout", "Alpha dropout (for SELU networks)", p, INPLACE),
        PReLU(),
    ]
