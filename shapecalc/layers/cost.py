"""What a layer costs under each counting convention: the rule record every layer kind fills in.

A kind's `cost` is a `Costs`: one rule per convention, each a function of the layer's `View`
(arguments, parameter count, input and output shapes, channels first, no batch) giving its count
for one input. Every convention must be stated, so a layer that costs nothing under one says
`ZERO`: a missing rule is a TypeError when the kind is built, never a silent 0.

The conventions (shapecalc.analysis.cost sums them; the README's table says what each counts):
"macs" is shapecalc's own, multiply-accumulates of the weighted layers with bias adds not counted;
`extra_flops` adds, under "macs" only, what those leave out (bias adds, subsampling's window
sums), since FLOPs are 2 per MAC plus those. "torchinfo", "fvcore" and "ptflops" reproduce what
torchinfo 1.8.0, fvcore 0.1.5.post20221221 and ptflops 0.7.5 (its default pytorch backend) report
on torch 2.13.0 for the model tests/oracle/torch_bridge.py builds from the spec, quirks included:
- torchinfo (LayerInfo.calculate_macs on each leaf module): conv classes count every parameter
  (weight and bias) times the output positions; any other leaf with parameters counts its
  parameters once (times the batch, not the positions: a linear on 3x9x10 counts once).
- fvcore (its default op handles on the traced graph; one "flop" is one multiply-add): conv and
  linear without bias; ops without a handle count 0.
- ptflops (module hooks plus the torch.nn.functional calls and tensor ops it patches): a module
  whose forward calls a patched function is counted twice (ReLU: its hook and F.relu).
- torch: what `torch.utils.flop_counter.FlopCounterMode` reports, halved (it counts 2 FLOPs per
  multiply-add), on the model in eval mode with autograd on: only matrix products and convolutions
  (mm, addmm, bmm, convolution, scaled dot-product attention), bias adds left out. torchvision
  publishes its models' GFLOPS with such a counter (pytorch/vision PR #6936); under `no_grad`
  nn.MultiheadAttention takes a fused path that counts less.
"""

from __future__ import annotations

from math import prod
from typing import Any, Callable

#: The counting conventions, in the order `--convention` lists them.
CONVENTIONS = ("macs", "torchinfo", "fvcore", "ptflops", "torch")


class View:
    """What a cost rule sees of one layer: shapes are channels first, without the batch."""

    __slots__ = ("a", "params", "x", "y", "xs")

    def __init__(self, a: dict[str, Any], params: int, x: tuple[int, ...], y: tuple[int, ...],
                 xs: list[tuple[int, ...]] | None = None) -> None:
        self.a, self.params, self.x, self.y = a, params, x, y
        self.xs = xs if xs is not None else [x]  # every input, for merges (x is the first)

    @property
    def n_in(self) -> int:  # elements of the (first) input
        return prod(self.x)

    @property
    def n_out(self) -> int:  # elements of the output
        return prod(self.y)

    @property
    def positions(self) -> int:  # output positions (the spatial output size)
        return prod(self.y[1:])

    @property
    def in_positions(self) -> int:  # input positions (a transposed convolution scatters from each)
        return prod(self.x[1:])

    @property
    def rows(self) -> int:  # how many vectors a linear layer transforms (its leading dimensions)
        return prod(self.y[:-1])


Rule = Callable[[View], float]


def ZERO(v: View) -> int:
    """The rule of a layer a convention does not count: an explicit zero."""
    return 0


def n_in(v: View) -> int:
    """One per input element (ptflops' pooling hooks, fvcore's adaptive average pool...)."""
    return v.n_in


def n_out(v: View) -> int:
    """One per output element."""
    return v.n_out


def params(v: View) -> int:
    """torchinfo's rule for a leaf module with parameters that is not a convolution."""
    return v.params


class Costs:
    """A layer's count under every convention, and the FLOPs "macs" leaves out. Every rule is
    required (a missing one is a TypeError when the kind is built). A plain class with slots, not
    a dataclass: there are a few dozen of them, all built at import, on every start-up."""

    __slots__ = ("macs", "torchinfo", "fvcore", "ptflops", "extra_flops", "torch")

    def __init__(self, macs: Rule, torchinfo: Rule, fvcore: Rule, ptflops: Rule, extra_flops: Rule,
                 torch: Rule) -> None:
        # extra_flops: under "macs" only, FLOPs are 2 per MAC plus these
        self.macs, self.torchinfo, self.fvcore, self.ptflops, self.extra_flops, self.torch = (
            macs, torchinfo, fvcore, ptflops, extra_flops, torch)

    def rule(self, convention: str) -> Rule:
        return getattr(self, convention)


#: A layer no convention counts (reshapes, padding, cropping, merges, channel shuffle, global pooling).
FREE = Costs(ZERO, ZERO, ZERO, ZERO, ZERO, ZERO)
