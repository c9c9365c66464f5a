"""What every layer kind answers: the questions the rest of the package asks a layer.

A layer kind is one small unit holding everything shapecalc knows about one layer family:

- `args`: its arguments, each with its validator (which carries its JSON Schema);
- `infer` (`infer_many` for merges): the shape rule, parameters, buffers and worked arithmetic;
- `example()`: a small input and arguments it accepts (the completeness test uses it);
- `windows()`: its sliding windows, which the stride check, `fit`, `explain` and the receptive
  field all read;
- `field()` (`merge_field()` for merges): its receptive-field map per spatial dimension;
- `cost`: its MAC rule under every convention and the FLOPs MACs leave out (`layers/cost.py`);
- `saves_input`, `counts_batches`: what it keeps for backward, and its int64 batch counter;
- `forward`: its pure-Python kernel with its parameter layout and work estimate (`Op`);
- `torch()`: how it is written in PyTorch source (`layers/torchcode.py`'s TorchCode), which
  `shapecalc export --to torch` and `shapecalc.torch.build` write and nothing else;
- its explain wording (`explain_macs`, `answer_macs`, `field_window`, `field_text`).

Every question but the wording has no default here: a kind that does not answer one fails the
completeness test (tests/test_layer_units.py) on a bare install, never silently counting 0. The
analyses ask the kind; nothing outside `shapecalc/layers/` switches on a type name. Adding a layer
type means writing one such class and registering it in `layers/__init__.py`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, ClassVar

from .args import Arg
from .cost import FREE
from .field import POINTWISE, Axis, AxisMap, Field, window
from .torchcode import TorchCode, one

if TYPE_CHECKING:  # the kernels are imported when a layer runs, not when a spec is checked
    from ..kernels.ops import Op
    from .cost import Costs, View
    from .window import WindowDim

Shape = tuple[int, ...]

#: A tensor input among a torch call's positional arguments (LayerKind.from_call).
TENSOR = type("Tensor", (), {"__repr__": lambda self: "TENSOR"})()


class ShapeOf(list):
    """A size the trace folded to numbers that was read off a tensor's shape (`x1.shape[2:]`,
    `x1.size()`): the numbers, the node of that tensor (`source`, the importer's), which of its
    batched dimensions they are (`dims`) and how many it has (`rank`). To a kind it is the list of numbers; a kind whose
    torch call takes a size where its spec takes a second input (centercrop's
    `center_crop(x, x1.shape[2:])`) lists it under `inputs` in its from_call answer, and the
    importer reads that tensor as the layer's next input (the spec's graph, not a number)."""

    def __init__(self, values: Any, source: Any, dims: tuple[int, ...], rank: int) -> None:
        super().__init__(values)
        self.source, self.dims, self.rank = source, dims, rank


class Unbatched(tuple):
    """The shape of a tensor without a batch dimension: a learned tensor or a fixed buffer
    (`parameter`, `buffer`), whose shape is all of it. Every other shape in shapecalc leaves the
    batch out, so a merge broadcasts an unbatched shape against (N, *x) by torch's rules, and a
    layer that counts dimensions from the batch refuses one unless it says `takes_unbatched`
    (expand: its leading 1 becomes the batch). A tuple, so everything that reads shapes reads it."""

    __slots__ = ()


class LayerError(Exception):
    """The layer cannot be applied to this input (torch would raise): no output shape."""

    def __init__(self, code: str, message: str, arg: str | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.arg = arg


@dataclass(frozen=True)
class Problem:
    """A problem that does not stop the calculation (the output shape is still what torch gives).

    `arg` names the argument the diagnostic should point at, when one is to blame."""

    code: str
    message: str
    arg: str | None = None


@dataclass
class Inference:
    output_shape: Shape
    params: int = 0
    buffers: int = 0
    formulas: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    #: LeCun's "connections": every use of a weight plus one per bias per output (0 for layers
    #: without weights).
    connections: int = 0
    #: The shapes of each output of a layer with several (split, chunk); later layers name one as
    #: `layer[i]`. `output_shape` is then the first of them.
    parts: list[Shape] | None = None


class Example:
    """A small input a kind accepts and arguments as a spec writes them; merges take `inputs`
    copies of the input. The completeness test pushes it through every rule, kernel included."""

    __slots__ = ("input", "args", "inputs")

    def __init__(self, input: Shape, args: dict[str, Any] | None = None, inputs: int = 1) -> None:
        self.input, self.args, self.inputs = input, args or {}, inputs


class FieldWindow:
    """A layer that is one window along a dimension, as the receptive-field step writes it;
    `whole`: each output sees the whole input (global and adaptive-to-1 pooling)."""

    __slots__ = ("k_eff", "s", "pad_l", "whole")

    def __init__(self, k_eff: int, s: int, pad_l: int, whole: bool = False) -> None:
        self.k_eff, self.s, self.pad_l, self.whole = k_eff, s, pad_l, whole


#: The questions every kind must answer (the completeness test asks each of them).
QUESTIONS = ("args", "example", "windows", "cost", "saves_input", "counts_batches", "forward", "torch")


class LayerKind:
    """Base of all layer kinds. Subclasses set `type`, `args`, `summary`, implement `infer` (or
    `infer_many`) and answer every one of QUESTIONS, themselves or through a family base class."""

    type: ClassVar[str]
    summary: ClassVar[str] = ""
    #: What the kind is, in a word a drawing colours and labels it by (render/draw.py's legend,
    #: `draw --hide`): a family of types, so no renderer ever switches on a type name.
    family: ClassVar[str] = "other"
    #: The arguments, each with its validator (a kind without any says `args = ()`).
    args: tuple[Arg, ...]
    #: Merge kinds take every input (`infer_many`); the others exactly one (`infer`).
    merge: ClassVar[bool] = False
    #: Whether the kind accepts an Unbatched input (merges broadcast them; expand batches them).
    takes_unbatched: ClassVar[bool] = False
    #: A kind with no input (a learned tensor, a buffer): a source, like the network input; its
    #: `infer` is given the empty shape ().
    source: ClassVar[bool] = False
    #: Explicit zero padding: a method (x, a) -> the zeros the output has before and after the
    #: input along each spatial dimension, on kinds that pad with zeros; None on every other. A
    #: window layer after it reads those zeros as padding: leaving them unread is no misfit (F001).
    zero_margins: ClassVar[Callable[[Shape, dict[str, Any]], list[tuple[int, int]]] | None] = None
    #: The MAC and FLOP rule under every convention (layers/cost.py).
    cost: Costs
    #: Whether backward needs the layer's input (or a tensor of its size): weighted layers (the
    #: weight gradient needs the input), norms, and every nonlinearity (pooling by maximum,
    #: activations, dropout's mask). Linear, parameter-free reshuffles need nothing.
    saves_input: bool
    #: torch keeps a tracking norm's batch counter (num_batches_tracked) as one int64 buffer.
    counts_batches: bool
    #: The first formula of `infer` is the output size (explain labels it so), windows aside.
    size_formula: ClassVar[bool] = False
    #: A merge whose field is the union of its inputs' (explain then shows the largest of them).
    field_union: ClassVar[bool] = False

    #: Arguments the kind reads from the incoming shape (in_channels, num_features): a spec may
    #: give them as a check, an import leaves them out, as a person writes the spec.
    inferred_args: ClassVar[tuple[str, ...]] = ()
    #: The torch callables the kind is when a traced model calls a function or a tensor method
    #: rather than a module: qualified names (`torch.flatten`, `Tensor.flatten`, `operator.add`,
    #: `torch.nn.functional.relu`); shapecalc/torch/importer.py maps fx's call_function and
    #: call_method nodes by them. The module classes need no list: the kind's own `torch()`
    #: answer names its class, so the two directions cannot disagree.
    torch_functions: ClassVar[tuple[str, ...]] = ()
    #: The kind's arguments in the order a torch function takes them positionally after its
    #: tensor inputs (None: the kind's own order, which follows torch's for most kinds).
    call_args: ClassVar[tuple[str, ...] | None] = None
    #: A module that returns a tuple the layer is one element of (nn.MultiheadAttention's
    #: (attn_output, attn_weights)): that element's index; the importer then also reads the same
    #: tensor given as every input (`mha(x, x, x)`) as the kind's one-input form.
    torch_output: ClassVar[int | None] = None
    #: Module classes outside torch.nn that are this kind, by qualified name (torchvision's
    #: LayerNorm2d): the importer treats them as leaves, read by `from_module` as torch.nn's.
    torch_classes: ClassVar[tuple[str, ...]] = ()
    #: Of those classes, the ones that are this layer followed by some of their child modules
    #: (timm's BatchNormAct2d: the norm, then its `drop` and `act`): class -> the children's
    #: attribute names in the order forward runs them; the importer writes each as a layer after
    #: this one (an nn.Identity child as none).
    torch_followed_by: ClassVar[dict[str, tuple[str, ...]]] = {}
    #: Of `torch_functions`, those with a tensor argument read only for its shape (x.expand_as(y)):
    #: name -> that argument's position; from_call is given its shape, with the batch, in its place,
    #: and it is no input of the layer.
    torch_shape_of: ClassVar[dict[str, int]] = {}

    def from_module(self, module: Any) -> dict[str, Any] | None:
        """The spec arguments of a torch module of the class `torch()` writes (the reverse of
        the export): each argument read from the module's attribute of the same name (shapecalc
        takes torch's names), a yes/no argument from whether the attribute is set (`bias`: a
        Parameter or None), defaults and the inferred arguments left out. Duck-typed: no torch
        import. A kind whose module keeps an argument elsewhere overrides this; None when the
        module is an instance the kind is not (the importer lists it as unmapped)."""
        out: dict[str, Any] = {}
        for arg in self.args:
            if arg.name in self.inferred_args or not hasattr(module, arg.name):
                continue
            value = getattr(module, arg.name)
            if isinstance(arg.default, bool) and not isinstance(value, bool):
                value = value is not None
            keep(out, arg, value)
        return out

    def from_call(self, args: list[Any], kwargs: dict[str, Any], batch: int) -> dict[str, Any] | None:
        """The spec arguments of a torch function call, given its positional arguments (each
        tensor input, or list of them, as TENSOR; sizes the trace resolved as numbers), its
        keyword arguments and the batch size the trace ran with; None when the call uses an
        argument the kind has no counterpart for (the importer then lists it as unmapped,
        rather than writing a layer that differs). A size read off a tensor comes as a ShapeOf;
        an answer's `inputs`, a list of them, makes their tensors the layer's further inputs."""
        while args and args[0] is TENSOR:
            args = args[1:]
        if TENSOR in args:
            return None
        order = self.call_args or tuple(arg.name for arg in self.args)
        if len(args) > len(order):
            return None
        named = dict(zip(order, args))
        for key, value in kwargs.items():
            if key.startswith("_") or (value is None and self.arg(key) is None):
                continue  # torch's own bookkeeping (_stacklevel), an unset option (dtype=None)
            if key in named:
                return None
            named[key] = value
        out: dict[str, Any] = {}
        for key, value in named.items():
            arg = self.arg(key)
            if arg is None:
                return None
            keep(out, arg, value)
        return out

    def infer(self, x: Shape, a: dict[str, Any]) -> Inference:
        raise NotImplementedError

    def infer_many(self, xs: list[Shape], sources: list[str], a: dict[str, Any]) -> Inference:
        """For merge kinds: the input shapes and the names they come from (for messages)."""
        raise NotImplementedError

    def example(self) -> Example:
        raise NotImplementedError

    def windows(self, x: Shape, a: dict[str, Any]) -> list[WindowDim] | None:
        """The sliding windows along each spatial dimension of input x; None: not a window layer."""
        raise NotImplementedError

    def field(self, x: Shape, y: Shape, a: dict[str, Any]) -> list[AxisMap] | str | None:
        """The receptive-field map from input x to output y: one AxisMap per spatial dimension,
        field.POINTWISE when each output position sees its own input position, or None when no
        spatial grid is left after the layer."""
        raise NotImplementedError

    def merge_field(self, fields: list[Field], xs: list[Shape], y: Shape,
                    a: dict[str, Any]) -> tuple[Field | None, list[int]]:
        """For merge kinds: the output's field from the inputs' fields, and the dimensions along
        which the inputs are not on one grid (W006)."""
        raise NotImplementedError

    @property
    def forward(self) -> Op:
        """How `shapecalc run` computes the layer (see kernels/ops.py's Op)."""
        raise NotImplementedError

    def torch(self, xs: list[Shape], a: dict[str, Any]) -> TorchCode:
        """How the layer is written in PyTorch source, given its input shapes (no batch; an
        Unbatched one for a parameter) and validated arguments."""
        raise NotImplementedError

    # --- wording: what explain and answers write; the defaults suit most layers -----------------

    def field_window(self, x: Shape, a: dict[str, Any], i: int) -> FieldWindow | None:
        """The layer as one window along spatial dimension i, for the receptive field's worked step."""
        dims = self.windows(x, a)
        return None if dims is None else FieldWindow(dims[i].k_eff, dims[i].s, dims[i].pad_l)

    def field_text(self, i: int, before: Axis, after: Axis, a: dict[str, Any]) -> str | None:
        """The receptive field's worked step along dimension i when the layer is not a window."""
        return None

    def explain_macs(self, v: View, count: int) -> str:
        """explain's MACs line: the product that gives them, where the kind has one."""
        return f"{count:,}"

    def answer_macs(self, v: View, count: int) -> str:
        """The arithmetic a wrong `macs:` answer is shown."""
        return f"{count:,} MACs"

    def arg(self, name: str) -> Arg | None:
        for arg in self.args:
            if arg.name == name or name in arg.aliases:
                return arg
        return None


def keep(out: dict[str, Any], arg: Arg, value: Any) -> None:
    """Put an imported argument into `out` as a person writes it: per-dimension values that
    agree as one int, tuples as lists (YAML has no tuples), nothing when it is the default."""
    value, default = one(arg.name, tuple(value) if isinstance(value, list) else value), one(arg.name, arg.default)
    if value == default and type(value) is type(default):
        return
    out[arg.name] = plain(value)


def plain(value: Any) -> Any:
    """Tuples (torch.Size included) and list subclasses (ShapeOf) as lists, recursively: what
    YAML and JSON write."""
    if isinstance(value, (tuple, list)):
        return [plain(v) for v in value]
    return value


def fmt(n: int) -> str:
    """Thousands separators, as the slides and torchinfo print counts."""
    return f"{n:,}"


def shape_list(shape: Shape | None) -> list[int] | None:
    """A shape as JSON writes it: a list, or null when unknown."""
    return None if shape is None else list(shape)


def shape_str(shape: Shape | None) -> str:
    return "?" if shape is None else "x".join(str(d) for d in shape)


def class_path(cls: type) -> str:
    """A class's dotted name as the torch mappings write it: `torch.nn.modules.conv.Conv2d`."""
    return f"{cls.__module__}.{cls.__name__}"


def expect_rank(layer: LayerKind, x: Shape, ranks: tuple[int, ...], layout: str) -> None:
    """Raise F003 unless the input has one of the allowed ranks (channels first, no batch)."""
    if len(x) not in ranks:
        raise LayerError(
            "F003", f"{layer.type} expects a {layout} input, found {len(x)}-D input {shape_str(x)}"
        )


def check_declared(name: str, declared: int | None, actual: int) -> list[Problem]:
    """in_channels / in_features / num_features are optional; when given they must agree."""
    if declared is None or declared == actual:
        return []
    return [Problem("F004", f"{name} is {declared} but the incoming shape has {actual}", name)]


def batch_dim(dim: int, rank: int, arg: str, batch: str | None, of: str = "input") -> int:
    """A dim on the batched rank wrapped as torch does (-rank..rank-1 -> 0..rank-1); F003 when out
    of range (of the batched input, or `of` the output unsqueeze counts in), and when it is the
    batch unless `batch` is None (else `batch` says why not)."""
    if not -rank <= dim < rank:
        raise LayerError("F003", f"{arg}={dim} is out of range for a {rank}-D batched {of} "
                         f"(torch takes {-rank} to {rank - 1}: IndexError)", arg)
    d = dim + rank if dim < 0 else dim
    if d == 0 and batch is not None:
        raise LayerError("F003", f"{arg}={dim} is the batch dimension: {batch}", arg)
    return d


def batch_dims(dims: tuple[int, ...], rank: int, arg: str, batch: str | None) -> list[int]:
    """Several dims, each resolved; the same dim twice is refused as torch refuses it."""
    resolved = [batch_dim(d, rank, arg, batch) for d in dims]
    twice = next((d for i, d in enumerate(resolved) if d in resolved[:i]), None)
    if twice is not None:
        raise LayerError("F003", f"{arg} names dim {twice} twice (torch raises: it appears multiple times)", arg)
    return resolved


def window_field(dims: list[WindowDim]) -> list[AxisMap]:
    """The receptive-field map of sliding windows: output o reads o*s - p, then every d-th input."""
    return [lambda ax, w=w: window(ax, w.k_eff, w.s, w.pad_l, w.d) for w in dims]


class Windowed(LayerKind):
    """A layer of sliding windows (convolution, pooling): its field follows from its windows."""

    def field(self, x: Shape, y: Shape, a: dict[str, Any]) -> list[AxisMap] | str | None:
        return window_field(self.windows(x, a))


class Pointwise(LayerKind):
    """A layer that acts on each position alone (activations, norms): no windows, and the
    receptive field passes through unchanged."""

    def windows(self, x: Shape, a: dict[str, Any]) -> None:
        return None

    def field(self, x: Shape, y: Shape, a: dict[str, Any]) -> str:
        return POINTWISE


class Rearrange(LayerKind):
    """A layer that moves values without arithmetic: free under every convention (the oracle
    measures each tool at 0), nothing saved for backward, no batch counter, no windows."""

    family = "shape"
    cost = FREE
    saves_input = False
    counts_batches = False

    def windows(self, x: Shape, a: dict[str, Any]) -> None:
        return None
