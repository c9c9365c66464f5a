"""Normalisation layers: batch norm counts running statistics as buffers, not parameters."""

from __future__ import annotations

from functools import cached_property
from math import prod
from typing import TYPE_CHECKING, Any

from .args import REQUIRED, Arg, boolean, int_schema, integer, json_schema, number, optional
from .base import (Example, Inference, LayerError, Pointwise, Problem, Shape, check_declared, expect_rank, fmt,
                   shape_str)
from .cost import ZERO, Costs, View, params
from .resize import need_spatial
from .torchcode import Helper, TorchCode, module

if TYPE_CHECKING:
    from ..kernels.ops import Op

#: Example inputs, by number of spatial dimensions.
EXAMPLES = {1: (3, 5), 2: (3, 4, 4), 3: (3, 2, 3, 3)}


def fvcore_batch_statistics(v: View, affine: str = "affine") -> int:
    """fvcore's estimate of a norm over batch statistics: 5 per element when affine, else 4."""
    return v.n_in * (5 if v.a[affine] else 4)


def ptflops_norm(v: View) -> int:
    """ptflops' norm hook: the input elements, twice when affine."""
    return v.n_in * (2 if v.a["affine"] else 1)


def fvcore_batchnorm(v: View) -> int:
    if v.a["track_running_stats"]:  # eval mode with running statistics: scale (and shift)
        return v.n_in * (2 if v.a["affine"] else 1)
    return fvcore_batch_statistics(v)


#: timm's norm + activation modules (timm.layers.norm_act) are the norm they subclass, then their
#: `drop` (an identity in eval) and `act` children.
NORM_ACT = ("drop", "act")
TIMM_NORM_ACT = "timm.layers.norm_act."


def norm_act(*classes: str) -> dict[str, tuple[str, ...]]:
    """LayerKind.torch_followed_by for timm's norm + activation classes of the given names."""
    return {TIMM_NORM_ACT + c: NORM_ACT for c in classes}


class Norm(Pointwise):
    """A normalisation: pointwise for the receptive field, its input saved for backward."""

    family = "normalization"
    saves_input = True
    inferred_args = ("num_features", "num_channels")

    @cached_property
    def forward(self) -> Op:
        from ..kernels import norm
        from ..kernels.ops import Op
        return Op(*self.kernel(norm))


@json_schema({"anyOf": [int_schema(1), {"type": "array", "minItems": 1, "items": int_schema(1)}]})
def per_dim_list(value: Any) -> tuple[int, ...]:
    """An int or a list of ints (LayerNorm's normalized_shape)."""
    return tuple(integer()(v) for v in value) if isinstance(value, list) and value else (integer()(value),)


def norm_counts(x: Shape, a: dict[str, Any], declared: str) -> Inference:
    """Batch and instance norm count alike: 2C parameters when affine, 2C + 1 buffers when tracking."""
    c = x[0]
    params = 2 * c if a["affine"] else 0
    buffers = 2 * c + 1 if a["track_running_stats"] else 0
    formulas = []
    if params:
        formulas.append(f"2*{c} = {fmt(params)} params (weight, bias)")
    if buffers:
        formulas.append(f"2*{c} + 1 = {fmt(buffers)} buffers (running mean, var, count)")
    return Inference(x, params, buffers, formulas, check_declared(declared, a[declared], c))


def norm_args(affine: bool, track: bool) -> tuple[Arg, ...]:
    """Batch and instance norm take the same arguments; only torch's defaults differ."""
    return (
        Arg("num_features", optional(integer()), None, (), "checked against the incoming channels"),
        Arg("eps", number(0), 1e-5),
        Arg("momentum", optional(number(0, 1)), 0.1),
        Arg("affine", boolean, affine, (), "learn a scale and shift per channel (2C parameters)"),
        Arg("track_running_stats", boolean, track, (), "keep running mean/var (2C + 1 buffer elements)"),
    )


class BatchNorm(Norm):
    """Its statistics run over the batch and the positions: one value per channel per sample
    (a [C] input, or every spatial size 1) is fine at a batch of two or more, which is what
    shapecalc checks (torch raises only at batch 1, when training or without running statistics)."""

    summary = "Batch normalisation (torch.nn.BatchNorm{n}d)"
    cost = Costs(ZERO, params, fvcore_batchnorm, ptflops_norm, ZERO, ZERO)
    counts_batches = True

    def torch(self, xs: list[Shape], a: dict[str, Any]) -> TorchCode:
        return module(self, f"BatchNorm{self.ndim}d", a, {"num_features": xs[0][0]}, ("num_features",))

    def example(self) -> Example:
        return Example(EXAMPLES[self.ndim])

    @staticmethod
    def kernel(norm: Any) -> tuple:
        return norm.batchnorm, norm.batchnorm_params

    def __init__(self, ndim: int) -> None:
        self.ndim = ndim
        self.type = f"batchnorm{ndim}d"
        self.args = norm_args(affine=True, track=True)
        if ndim == 2:
            self.torch_followed_by = norm_act("BatchNormAct2d")
            self.torch_classes = tuple(self.torch_followed_by)

    def infer(self, x: Shape, a: dict[str, Any]) -> Inference:
        layouts = {1: ((1, 2), "[C] or [C, L]"), 2: ((3,), "[C, H, W]"), 3: ((4,), "[C, D, H, W]")}
        expect_rank(self, x, *layouts[self.ndim])
        return norm_counts(x, a, "num_features")


class LocalResponseNorm(Norm):
    type = "localresponsenorm"
    counts_batches = False
    summary = "Local response normalisation across channels (torch.nn.LocalResponseNorm, AlexNet's NORM)"
    args = (
        Arg("size", integer(), REQUIRED, (), "number of neighbouring channels"),
        Arg("alpha", number(), 1e-4),
        Arg("beta", number(), 0.75),
        Arg("k", number(), 1.0),
    )
    # ptflops: its hook's 3 per element, plus the padded channel window F.avg_pool3d reads
    cost = Costs(ZERO, ZERO, ZERO, lambda v: 3 * v.n_in + (v.x[0] + v.a["size"] - 1) * v.in_positions, ZERO, ZERO)

    def torch(self, xs: list[Shape], a: dict[str, Any]) -> TorchCode:
        return module(self, "LocalResponseNorm", a)

    def example(self) -> Example:
        return Example((6, 3, 3), {"size": 3})

    @staticmethod
    def kernel(norm: Any) -> tuple:
        return norm.localresponsenorm, None, norm.localresponsenorm_macs

    def infer(self, x: Shape, a: dict[str, Any]) -> Inference:
        need_spatial(self, x)  # torch takes any rank from 3-D batched: the channels, then any positions
        return Inference(x)


class GroupNorm(Norm):
    type = "groupnorm"
    counts_batches = False
    summary = "Group normalisation (torch.nn.GroupNorm)"
    args = (
        Arg("num_groups", integer(), REQUIRED, (), "channels are split into this many groups"),
        Arg("num_channels", optional(integer()), None, (), "checked against the incoming channels"),
        Arg("eps", number(0), 1e-5),
        Arg("affine", boolean, True, (), "learn a scale and shift per channel (2C parameters)"),
    )
    cost = Costs(ZERO, params, fvcore_batch_statistics, ptflops_norm, ZERO, ZERO)
    torch_followed_by = norm_act("GroupNormAct", "GroupNorm1Act")
    # timm's GroupNorm / GroupNorm1 (one group): nn.GroupNorm subclasses that call F.group_norm
    torch_classes = ("timm.layers.norm.GroupNorm", "timm.layers.norm.GroupNorm1", *torch_followed_by)

    def torch(self, xs: list[Shape], a: dict[str, Any]) -> TorchCode:
        return module(self, "GroupNorm", a, {"num_groups": a["num_groups"], "num_channels": xs[0][0]}, ("num_channels",))

    def example(self) -> Example:
        return Example((4, 3, 3), {"num_groups": 2})

    @staticmethod
    def kernel(norm: Any) -> tuple:
        return norm.groupnorm, norm.groupnorm_params

    def infer(self, x: Shape, a: dict[str, Any]) -> Inference:
        c, g = x[0], a["num_groups"]
        if c % g:
            raise LayerError("F005", f"num_groups={g} does not divide the {c} channels", "num_groups")
        if c // g * prod(x[1:]) == 1:  # per-sample statistics, as instance norm's (F008 there too)
            raise LayerError("F008", f"group norm over a single value per group ({c} channels in {g} groups, "
                             f"input {shape_str(x)}): torch raises at batch 1, and at larger batches each value "
                             "minus its own mean leaves only the bias", "num_groups")
        params = 2 * c if a["affine"] else 0
        formulas = [f"2*{c} = {fmt(params)} params (weight, bias)"] if params else []
        return Inference(x, params, 0, formulas, check_declared("num_channels", a["num_channels"], c))


#: torch.nn.LayerNorm's arguments after normalized_shape, which LayerNorm2d shares.
LAYERNORM_ARGS = (
    Arg("eps", number(0), 1e-5),
    Arg("elementwise_affine", boolean, True, (), "learn a scale (and shift) per element"),
    Arg("bias", boolean, True, (), "learn the shift too"),
)


def fvcore_layernorm(v: View) -> int:
    """fvcore's aten::layer_norm handle: the batch-statistics estimate, affine when it has a weight."""
    return fvcore_batch_statistics(v, "elementwise_affine")


def layernorm_counts(x: Shape, n: int, a: dict[str, Any], problems: list[Problem] | None = None) -> Inference:
    """A layer norm over n values each: a weight per value, and a bias unless `bias: false`."""
    per = (1 + a["bias"]) if a["elementwise_affine"] else 0
    formulas = [f"{per}*{fmt(n)} = {fmt(per * n)} params"] if per else []
    return Inference(x, per * n, 0, formulas, problems or [])


class LayerNorm(Norm):
    """Normalises over the trailing dimensions named by `normalized_shape`; they must match."""

    type = "layernorm"
    summary = "Layer normalisation over the last dimensions (torch.nn.LayerNorm)"
    torch_followed_by = norm_act("LayerNormAct")
    torch_classes = ("timm.layers.norm.LayerNorm", *torch_followed_by)  # timm's calls F.layer_norm
    args = (Arg("normalized_shape", per_dim_list, REQUIRED, (), "the trailing dimensions to normalise"),
            *LAYERNORM_ARGS)
    counts_batches = False
    cost = Costs(
        macs=ZERO,
        torchinfo=params,
        fvcore=fvcore_layernorm,
        ptflops=lambda v: v.n_in,  # the hook looks for `affine`, which LayerNorm does not have
        extra_flops=ZERO,
        torch=ZERO,
    )

    def torch(self, xs: list[Shape], a: dict[str, Any]) -> TorchCode:
        return module(self, "LayerNorm", a, {"normalized_shape": a["normalized_shape"]})

    def example(self) -> Example:
        return Example((3, 4, 4), {"normalized_shape": [4, 4]})

    @staticmethod
    def kernel(norm: Any) -> tuple:
        return norm.layernorm, norm.layernorm_params

    def infer(self, x: Shape, a: dict[str, Any]) -> Inference:
        shape = a["normalized_shape"]
        if len(shape) > len(x) or tuple(x[len(x) - len(shape):]) != shape:
            raise LayerError("F004", f"normalized_shape {shape_str(shape)} does not match the trailing "
                             f"dimensions of {shape_str(x)}", "normalized_shape")
        return layernorm_counts(x, prod(shape), a)


#: torchvision's convnext.LayerNorm2d, written out (the export imports only torch).
LAYER_NORM_2D = Helper("LayerNorm2d", '''
class LayerNorm2d(nn.LayerNorm):
    """Layer norm over the channels at each position of an (N, C, H, W) map, as torchvision's
    convnext.LayerNorm2d: nn.LayerNorm(C) applied channels last, then permuted back."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = x.permute(0, 2, 3, 1)
        x = nn.functional.layer_norm(x, self.normalized_shape, self.weight, self.bias, self.eps)
        return x.permute(0, 3, 1, 2)
''')


class LayerNorm2d(Norm):
    """Layer norm over the channels of a [C, H, W] map, at each position on its own: torchvision's
    convnext.LayerNorm2d and timm's LayerNorm2d (ConvNeXt), an nn.LayerNorm(C) whose forward
    permutes to channels last, calls F.layer_norm and permutes back. eps defaults to
    nn.LayerNorm's 1e-5, which torchvision's class inherits; ConvNeXt passes 1e-6 (timm's default).

    Counts: torchinfo sees a leaf with parameters (its parameters, once); fvcore's layer_norm handle
    counts as for layernorm; ptflops hooks exact classes only, and nn.LayerNorm's hook is not
    this subclass's, nor is F.layer_norm patched: 0."""

    type = "layernorm2d"
    torch_followed_by = norm_act("LayerNormAct2d")
    torch_classes = ("torchvision.models.convnext.LayerNorm2d", "timm.layers.norm.LayerNorm2d", *torch_followed_by)
    summary = "Layer normalisation over the channels at each position (ConvNeXt's LayerNorm2d)"
    args = (Arg("num_channels", optional(integer()), None, (), "checked against the incoming channels"),
            *LAYERNORM_ARGS)
    counts_batches = False
    cost = Costs(macs=ZERO, torchinfo=params, fvcore=fvcore_layernorm, ptflops=ZERO, extra_flops=ZERO, torch=ZERO)

    def torch(self, xs: list[Shape], a: dict[str, Any]) -> TorchCode:
        return module(self, "LayerNorm2d", a, {"normalized_shape": xs[0][0]}, ("num_channels",), (LAYER_NORM_2D,))

    def example(self) -> Example:
        return Example((3, 4, 5))

    @staticmethod
    def kernel(norm: Any) -> tuple:
        return norm.layernorm2d, norm.layernorm2d_params

    def infer(self, x: Shape, a: dict[str, Any]) -> Inference:
        expect_rank(self, x, (3,), "[C, H, W]")
        return layernorm_counts(x, x[0], a, check_declared("num_channels", a["num_channels"], x[0]))


class InstanceNorm(Norm):
    summary = "Instance normalisation (torch.nn.InstanceNorm{n}d)"
    cost = Costs(ZERO, params, fvcore_batch_statistics, ptflops_norm, ZERO, ZERO)
    counts_batches = True

    def torch(self, xs: list[Shape], a: dict[str, Any]) -> TorchCode:
        return module(self, f"InstanceNorm{self.ndim}d", a, {"num_features": xs[0][0]}, ("num_features",))

    def example(self) -> Example:
        return Example(EXAMPLES[self.ndim], {"affine": True, "track_running_stats": True})

    @staticmethod
    def kernel(norm: Any) -> tuple:
        """In eval mode instance norm is batch norm on a batch of one: same statistics, same parameters."""
        return norm.batchnorm, norm.batchnorm_params

    def __init__(self, ndim: int) -> None:
        self.ndim = ndim
        self.type = f"instancenorm{ndim}d"
        self.args = norm_args(affine=False, track=False)

    def infer(self, x: Shape, a: dict[str, Any]) -> Inference:
        expect_rank(self, x, (self.ndim + 1,), {1: "[C, L]", 2: "[C, H, W]", 3: "[C, D, H, W]"}[self.ndim])
        if prod(x[1:]) == 1:
            raise LayerError("F008", f"instance norm over a single spatial element of {shape_str(x)} "
                             "(torch raises when training: it needs more than one)")
        return norm_counts(x, a, "num_features")
