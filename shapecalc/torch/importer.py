"""A live PyTorch model as a shapecalc spec: `shapecalc import` and `shapecalc.summary`.

The model is traced with torch.fx (symbolic_trace's tracer: every torch.nn module but
nn.Sequential is a leaf, plus the classes given to `register` and those a kind maps; a timm
model also with timm's own leaves and wrapped functions, as timm traces itself), then run once by an fx
Interpreter on a random input of the given shape with batch 2, which records every node's value:
a tensor's shape is what the spec's layer must give, and a value that is not a tensor (`x.size(0)`,
`x.shape[1] // 2`) is shape arithmetic the trace resolved, folded into the arguments as a number
(a size read off a tensor, `x1.shape[2:]`, also names that tensor: layers.base.ShapeOf).
Batch 2, not 1: a size equal to the batch can then be told from a literal 1.

Each node becomes one layer, named by fx after the module tree (`layer1_0_conv1`):

- call_module: the layer kind whose `torch()` writes that torch.nn class (the table is built from
  the kinds' own export answers, so import and export cannot disagree), its arguments read by the
  kind's `from_module`;
- call_function / call_method: the kind that lists the callable in its `torch_functions`, its
  arguments read by the kind's `from_call`;
- get_attr: a `parameter` or `buffer` of the tensor's shape.

The reverse mapping lives with each layer family (shapecalc/layers: `from_module`, `from_call`,
`torch_functions`), as the export does; this module only walks the graph. Whatever has no kind is
listed as Unmapped (what, where, why) and the import fails: never a silently wrong spec. torch is
imported only inside the functions that need it.
"""

from __future__ import annotations

import importlib
import importlib.util
import inspect
import sys
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

from ..layers import KINDS, LayerKind, lookup
from ..layers.base import TENSOR, ShapeOf, class_path, plain
from ..layers.torchcode import EXPORTED

if TYPE_CHECKING:
    from torch import nn

#: The extension point: a module class -> a function of the module giving (type, arguments).
MAPPERS: dict[type, Callable[[Any], tuple[str, dict[str, Any]]]] = {}

#: Calls that return their input unchanged in eval mode: the layer is left out, its users read
#: its input (stochastic depth is the identity when not training; the trace passes training=False).
PASS_THROUGH = {"Tensor.contiguous", "torchvision.ops.stochastic_depth.stochastic_depth",
                "torch.nn.functional.dropout", "Tensor.clone", "Tensor.detach"}

#: The batch the trace runs at: 2, not 1, so a size equal to the batch can be told from a literal 1.
BATCH = 2


WEIGHT_FILES = (".pth", ".pt", ".bin", ".ckpt", ".safetensors")


class ImportFailure(Exception):
    """The model could not be imported at all (no factory, no module, not traceable): exit 2."""


@dataclass(frozen=True)
class Unmapped:
    """A node with no layer kind: the torch class or function, where in the model, and why."""

    what: str
    where: str
    why: str

    def __str__(self) -> str:
        return f"{self.where}: {self.what} ({self.why})"


@dataclass
class Imported:
    """The spec of a traced model and what torch measured, to check it against."""

    document: dict[str, Any]
    unmapped: list[Unmapped]
    #: each layer's output shape as torch computed it, without the batch
    shapes: dict[str, tuple[int, ...]]
    params: int
    buffers: int
    #: submodules the traced forward never calls, with their parameter and buffer counts (an
    #: eval-mode Inception-v3's auxiliary head): reported, never silently dropped
    unused: list[tuple[str, int, int]] = field(default_factory=list)
    #: each layer's enclosing modules, outermost first: (qualified name, class qualified name),
    #: from fx's nn_module_stack (what block folding groups by)
    modules: dict[str, list[tuple[str, str]]] = field(default_factory=dict)

    def yaml(self) -> str:
        """The spec as YAML, written as a person writes one (resnet50.yaml): a layer per line."""
        return to_yaml(self.document, self.notes())

    def notes(self) -> list[str]:
        """The spec's header: torch's totals, then what the spec leaves out."""
        return [f"torch: {self.params:,} parameters, {self.buffers:,} buffer elements", *self.left_out()]

    def left_out(self) -> list[str]:
        """Submodules the traced forward never calls, one line each (the command says them on stderr too)."""
        return [f"never called in the traced forward: {name} ({n:,} parameters, {b:,} buffer elements; "
                "not in this spec)" for name, n, b in self.unused]


def register(module_class: type, fn: Callable[[Any], tuple[str, dict[str, Any]]]) -> None:
    """Map a custom module class: `fn(module)` returns the spec's (type, arguments) for it, e.g.
    `register(MyConvBN, lambda m: ("conv2d", {"out_channels": m.conv.out_channels, ...}))`. The
    tracer then treats the class as a leaf (it does not look inside), and the import checks the
    layer's shape against torch's like any other."""
    MAPPERS[module_class] = fn


# --- the reverse tables, from the kinds -------------------------------------------------------

_TABLES: tuple[dict[str, LayerKind], dict[str, list[LayerKind]]] | None = None


def tables() -> tuple[dict[str, LayerKind], dict[str, list[LayerKind]]]:
    """(torch class name -> kind, qualified function name -> the kinds it may be, each asked in
    turn: `x[:, 0]` is select, `x[:, 1:]` slice). The classes come from each
    kind's export of its own example (`nn.Conv2d` for conv2d): one source for both directions."""
    global _TABLES
    if _TABLES is None:
        from ..analysis.check import check_text
        import yaml

        classes: dict[str, LayerKind] = {}
        functions: dict[str, list[LayerKind]] = {}
        for kind in KINDS.values():
            for name in kind.torch_functions:
                functions.setdefault(name, []).append(kind)
            for name in kind.torch_classes:
                classes.setdefault(name, kind)
            ex = kind.example()
            inputs = {"inputs": ["input"] * ex.inputs} if kind.merge else {}
            doc = {"name": "probe", "input": list(ex.input), "layers": [{kind.type: dict(ex.args, name="probe", **inputs)}]}
            result = check_text(yaml.safe_dump(doc)).layer("probe")
            if result is None or result.output_shape is None:
                continue
            code = kind.torch(result.input_shapes or [result.input_shape], result.spec.args)
            if code.make and code.make.startswith("nn.") and not code.helpers:
                classes.setdefault(code.make.removeprefix("nn."), kind)
            elif code.make and code.helpers:  # a class the export defines (LayerNorm2d, Subsampling)
                classes.setdefault(f"{EXPORTED}.{code.make}", kind)
        _TABLES = classes, functions
    return _TABLES


def class_kind(cls: type, classes: dict[str, LayerKind]) -> LayerKind | None:
    """The kind of a module class: torch.nn's by name, any other by its qualified name."""
    if cls.__module__.startswith("torch.nn."):
        return classes.get(cls.__name__)
    return classes.get(class_path(cls))


def qualified(node: Any) -> str:
    """A call node's callable as `torch.flatten`, `operator.add`, `Tensor.view`."""
    if node.op == "call_method":
        return f"Tensor.{node.target}"
    target = node.target
    module = getattr(target, "__module__", None) or "?"
    return f"{module.removeprefix('_')}.{getattr(target, '__name__', str(target))}"


# --- loading and tracing ----------------------------------------------------------------------

def require_torch() -> None:
    from .missing import INSTALL, TorchMissing
    try:
        import torch  # noqa: F401
        import torch.fx  # noqa: F401
    except ImportError as err:
        raise TorchMissing(f"shapecalc import needs PyTorch: {INSTALL}") from err


def load_factory(spec: str) -> "nn.Module":
    """`package.module:callable` or `path/to/file.py:callable`, called with no arguments."""
    require_torch()
    from torch import nn

    if spec.lower().endswith(WEIGHT_FILES) or spec.rsplit(":", 1)[0].lower().endswith(WEIGHT_FILES):
        raise ImportFailure(f"{spec} is a weights file: it holds tensors, not the code that builds the model; "
                            "give the factory that does, e.g. torchvision.models:resnet50 (load the weights "
                            "into it yourself: the shapes do not depend on them)")
    where, sep, attr = spec.rpartition(":")
    if not sep or not where or not attr:
        raise ImportFailure(f"{spec}: expected FACTORY as package.module:callable or path/to/file.py:callable")
    try:
        if where.endswith(".py") or "/" in where:
            path = Path(where)
            if not path.is_file():
                raise ImportFailure(f"{where}: no such file")
            unit = importlib.util.spec_from_file_location(path.stem, path)
            module = importlib.util.module_from_spec(unit)
            sys.modules.setdefault(path.stem, module)
            unit.loader.exec_module(module)
        else:
            module = importlib.import_module(where)
    except ImportFailure:
        raise
    except Exception as err:  # the user's module raised on import
        raise ImportFailure(f"{where}: cannot import it: {type(err).__name__}: {err}") from err
    factory = getattr(module, attr, None)
    if factory is None:
        raise ImportFailure(f"{spec}: {where} has no attribute {attr!r}")
    if isinstance(factory, nn.Module):
        model = factory
    elif not callable(factory):
        raise ImportFailure(f"{spec}: {attr} is a {type(factory).__name__}, not a callable returning an nn.Module")
    else:
        try:
            model = factory()
        except Exception as err:
            raise ImportFailure(f"{spec}: calling {attr}() raised {type(err).__name__}: {err}") from err
    if not isinstance(model, nn.Module):
        raise ImportFailure(f"{spec}: {attr}() returned {type(model).__name__} {model!r:.40}, not an nn.Module")
    return model


def check_signature(model: "nn.Module") -> None:
    """One tensor in: a forward with several required inputs (or a dict) is not supported yet."""
    try:
        params = list(inspect.signature(model.forward).parameters.values())
    except (TypeError, ValueError):
        return
    required = [p.name for p in params if p.default is p.empty and p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    if len(required) != 1:
        raise ImportFailure(f"{type(model).__name__}.forward takes {len(required)} required inputs "
                            f"({', '.join(required) or 'none'}): shapecalc imports a model of one input tensor; "
                            "wrap it in a module whose forward takes one tensor and builds the others")


#: Library leaves the importer traces into after all: NormFreeBlock is a timm leaf because fx
#: loses the data flow of its unassigned in-place `out.mul_(gain)`, which import_model follows.
TRACE_INTO = {"timm.models.nfnet.NormFreeBlock"}


def library_leaves(model: "nn.Module") -> tuple[set[type], tuple[Callable[..., Any], ...]]:
    """The module classes and functions a model's own library says fx must not trace into
    (timm's `register_notrace_module` / `register_notrace_function`, as its feature extractor
    traces): a timm model traced without them fails or loses nodes. timm is imported only
    when it already is and one of the model's modules comes from it."""
    if "timm" not in sys.modules or not any(type(m).__module__.startswith("timm.") for m in model.modules()):
        return set(), ()
    import timm.layers

    leaves = {c for c in timm.layers.get_notrace_modules() if class_path(c) not in TRACE_INTO}
    return leaves, tuple(timm.layers.get_notrace_functions())


def trace(model: "nn.Module", input_shape: tuple[int, ...], batch: int = BATCH) -> tuple[Any, dict[Any, Any]]:
    """The fx graph of the model in eval mode, and every node's value on a random input."""
    import torch
    from torch import fx

    leaves, wrapped = library_leaves(model)

    class Tracer(fx.Tracer):
        def is_leaf_module(self, m: Any, qualname: str) -> bool:
            return (type(m) in MAPPERS or class_kind(type(m), tables()[0]) is not None or type(m) in leaves
                    or super().is_leaf_module(m, qualname))

    model.eval()
    check_signature(model)
    try:
        graph = Tracer(autowrap_functions=wrapped).trace(model)
    except Exception as err:
        why = str(err).splitlines()[0] if str(err) else type(err).__name__
        raise ImportFailure(f"torch.fx cannot trace {type(model).__name__}: {type(err).__name__}: {why} "
                            "(data-dependent control flow in forward is not traceable; register the module "
                            "that has it with shapecalc.torch.register)") from err
    gm = fx.GraphModule(model, graph)
    values: dict[Any, Any] = {}

    class Recorder(fx.Interpreter):
        def run_node(self, n: Any) -> Any:
            values[n] = result = super().run_node(n)
            return result

    try:
        with torch.no_grad():
            try:
                on_meta(gm, lambda m: Recorder(m).run(torch.randn(batch, *input_shape, device="meta")))
            except Exception:
                # code that needs real values (`.item()`, a tensor made on the CPU beside the
                # input): run on the model's own device, which computes the forward once
                values.clear()
                device = next((p.device for p in model.parameters()), torch.device("cpu"))
                Recorder(gm).run(torch.randn(batch, *input_shape, device=device))
    except Exception as err:
        why = str(err).splitlines()[0] if str(err) else ""
        raise ImportFailure(f"{type(model).__name__} does not run on one tensor of shape {list(input_shape)} (batch "
                            f"{batch}): {type(err).__name__}: {why} (forward is given that tensor alone: a model "
                            "that takes a dict, a tuple or several tensors needs a wrapper module whose forward "
                            "takes one tensor and builds them)") from err
    return gm, values


def on_meta(gm: Any, run: Callable[[Any], Any]) -> Any:
    """`run(gm)` with every parameter and buffer of `gm` swapped for a meta tensor of its shape
    (torch.func.functional_call): every shape and folded size is the same, and nothing is
    computed or allocated (a ResNet-50's forward on the CPU is most of an import's time
    otherwise). The model itself is not changed."""
    import torch

    class Run(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.gm = gm

        def forward(self) -> Any:
            return run(self.gm)

    state = {f"gm.{name}": torch.empty_like(t, device="meta") for name, t in
             [*gm.named_parameters(remove_duplicate=False), *gm.named_buffers(remove_duplicate=False)]}
    return torch.func.functional_call(Run(), state, ())


# --- the graph as layers ----------------------------------------------------------------------

def is_tensor(value: Any) -> bool:
    import torch
    return isinstance(value, torch.Tensor)


def holds_tensors(value: Any) -> bool:
    return is_tensor(value) or (isinstance(value, (tuple, list)) and any(holds_tensors(v) for v in value))


def import_model(model: "nn.Module", input_shape: tuple[int, ...], name: str | None = None) -> Imported:
    """The model as a flat spec document (one layer per traced node), with torch's figures."""
    require_torch()
    with warnings.catch_warnings():  # torch's warnings about the model's code are not the import's
        warnings.simplefilter("ignore")
        gm, values = trace(model, tuple(input_shape))
    classes, functions = tables()
    refs: dict[Any, str] = {}           # node -> the spec reference to its value
    consts: dict[Any, Any] = {}         # node -> a folded non-tensor value
    read_off: dict[Any, tuple[Any, tuple[int, ...], int]] = {}  # folded node -> shape_read's answer
    layers: list[dict[str, Any]] = []
    shapes: dict[str, tuple[int, ...]] = {}
    unmapped: list[Unmapped] = []
    calls: dict[str, int] = {}
    parameter_names = {name for name, _ in gm.named_parameters(remove_duplicate=False)}
    buffer_names = {name for name, _ in gm.named_buffers(remove_duplicate=False)}
    single: dict[Any, int] = {}         # node -> which element of its tuple the layer is
    modules: dict[str, list[tuple[str, str]]] = {}
    bodies: dict[str, dict[str, Any]] = {}  # layer name -> its arguments, as written
    deferred: dict[Any, list[Any]] = {}  # permutes the unbind that reads them writes, with their dims
    parts: dict[Any, list[str]] = {}    # an unbind node -> the layer of each of its tensors
    last = "input"

    def arg_value(a: Any) -> Any:
        """A call argument with tensors as TENSOR and folded nodes as their numbers."""
        from torch import fx
        if isinstance(a, fx.Node):
            if a in read_off:
                return ShapeOf(consts[a], *read_off[a])
            if a in consts:
                return consts[a]
            return TENSOR
        if isinstance(a, (tuple, list)):
            inner = [arg_value(v) for v in a]
            return TENSOR if any(v is TENSOR for v in inner) else type(a)(inner)
        if isinstance(a, slice):
            return slice(arg_value(a.start), arg_value(a.stop), arg_value(a.step))
        return a

    def emit(layer: str, kind: LayerKind, args: dict[str, Any], sources: list[str], shape: tuple[int, ...],
             stack: list[tuple[str, str]]) -> None:
        """Write one layer reading `sources` (no `inputs:` when it reads the layer before)."""
        nonlocal last
        body: dict[str, Any] = {"name": layer}
        if sources and sources != [last]:
            body["inputs"] = sources[0] if len(sources) == 1 else sources
        body.update(args)
        layers.append({kind.type: body})
        bodies[layer], modules[layer], shapes[layer], last = body, stack, shape, layer

    def tensor_inputs(args: Any) -> list[Any]:
        from torch import fx
        found: list[Any] = []
        fx.node.map_arg(args, lambda n: found.append(n) if n not in consts else None)
        return found

    for node in gm.graph.nodes:
        value = values.get(node)
        if node.op == "placeholder":
            if is_tensor(value):
                refs[node] = "input"
            else:  # an optional argument of forward at its default (timm's attn_mask=None)
                consts[node] = value
            continue
        if node.op == "output":
            out = node.args[0]
            if hasattr(out, "op") and out not in refs and out not in consts:
                continue  # downstream of an unmapped node, listed there
            if not (hasattr(out, "op") and refs.get(out) == last):
                unmapped.append(Unmapped("output", "forward's return", "several outputs, or one that is not the "
                                         "last layer (not yet written as `outputs:`)"))
            continue
        if not holds_tensors(value):  # shape arithmetic: fold
            consts[node] = plain(value) if isinstance(value, tuple) else value
            if (read := shape_read(node, values, read_off)) is not None:
                read_off[node] = read
            continue
        where = node.target if node.op in ("call_module", "get_attr") else node.name
        inputs = tensor_inputs((node.args, node.kwargs))
        kind, args, what, then = None, None, "", []
        if node.op == "call_module":
            module = gm.get_submodule(node.target)
            cls = type(module)
            what = class_path(cls)
            calls[node.target] = calls.get(node.target, 0) + 1
            if calls[node.target] > 1 and any(True for _ in module.parameters(recurse=True)):
                unmapped.append(Unmapped(what, where, "called more than once: its parameters are shared, "
                                         "which a spec layer per call would count again"))
                continue
            kind, args = module_layer(module, classes)
            then, missing = followers(kind, module, where, classes)
            if missing:
                unmapped.append(missing)
                continue
        elif node.op in ("call_function", "call_method"):
            what = qualified(node)
            if what in PASS_THROUGH or (what == "torch.cat" and len(inputs) == 1):
                if inputs and inputs[0] in refs:
                    refs[node] = refs[inputs[0]]
                continue  # else downstream of an unmapped node, listed there
            if what == "operator.getitem" and isinstance(values.get(node.args[0]), (tuple, list)):
                source, index = node.args[0], node.args[1]
                if isinstance(index, int) and index < 0:  # `parts[-1]`: the spec names outputs from 0
                    index += len(values[node.args[0]])
                if source in parts:
                    refs[node] = parts[source][index]
                    continue
                if source not in refs:
                    continue  # downstream of an unmapped node, listed there
                one = single.get(source)
                if one is None:
                    refs[node] = f"{refs[source]}[{index}]"
                elif index == one:
                    refs[node] = refs[source]
                else:
                    unmapped.append(Unmapped(what, where, f"reads output {index} of {refs[source]}, which the "
                                             f"spec's layer does not give (only output {one})"))
                continue
            if what in PERMUTES and unbound_only(node, dims := flat_dims([arg_value(a) for a in node.args[1:]])):
                deferred[node] = dims  # written by the unbind that reads it, as selects
                continue
            if what == UNBIND and inputs and inputs[0] in deferred:
                permute = inputs[0]
                source = tensor_inputs(permute.args)[0]
                if source not in refs:
                    continue  # downstream of an unmapped node, listed there
                dims = deferred[permute]
                j, whole, stack = dims[0], tuple(values[source].shape), module_stack(node)
                order = first_call(functions[qualified(permute)], [TENSOR, *[d - (d > j) for d in dims[1:]]], BATCH)
                names = []
                for i, part in enumerate(value):
                    select = first_call(functions["operator.getitem"], [TENSOR, (slice(None),) * j + (i,)], BATCH)
                    emit(f"{node.name}_{i}", *select, [refs[source]], (whole[:j] + whole[j + 1:])[1:], stack)
                    emit(f"{node.name}_{i}_permute", *order, [last], tuple(part.shape[1:]), stack)
                    names.append(last)
                parts[node] = names
                continue
            candidates = functions.get(what, [])
            if reshaped_parameter(node, value, inputs, candidates, refs, values):  # layer scale's gamma.view(1, -1, 1, 1)
                source = refs[inputs[0]]
                bodies[source]["shape"] = list(value.shape)
                shapes[source] = tuple(value.shape)
                refs[node] = source
                continue
            call_args = list(node.args)
            at = next((k.torch_shape_of[what] for k in candidates if what in k.torch_shape_of), None)
            if at is not None and at < len(call_args):  # y.expand_as(x): x is read for its shape only
                inputs = [i for i in inputs if i is not call_args[at]]
                call_args[at] = tuple(values[call_args[at]].shape)
            call = [arg_value(a) for a in call_args], {k: arg_value(v) for k, v in node.kwargs.items()}
            kind, args = next(((k, a) for k in candidates if (a := k.from_call(*call, BATCH)) is not None), (None, None))
            if candidates and kind is None:
                unmapped.append(Unmapped(what, where, f"arguments {', '.join(k.type for k in candidates)} has no "
                                         f"counterpart for: {call[0][1:]} {call[1]}"))
                continue
        elif node.op == "get_attr":
            what = "a buffer read in forward" if node.target in buffer_names else "a tensor constant"
            # the model's own attribute, not the traced value (a meta stand-in, no nn.Parameter)
            kind = classes.get("Parameter") if node.target in parameter_names else None
            args = {"shape": list(value.shape)} if kind else None
        if kind is None:
            unmapped.append(Unmapped(what or node.op, where, "no shapecalc layer type for it"))
            continue
        inputs += [size.source for size in args.pop("inputs", ())]  # a size read off a tensor: that tensor
        if any(i not in refs for i in inputs):  # downstream of an unmapped node: not listed itself
            continue
        if kind.torch_output is not None:
            single[node] = kind.torch_output
            if len(set(inputs)) == 1:
                inputs = inputs[:1]
        learned = (list(gm.get_submodule(node.target).parameters()) if node.op == "call_module"
                   else [gm.get_parameter(node.target)] if node.op == "get_attr" and kind is classes.get("Parameter")
                   else [])  # the model's own tensors: the traced values are meta stand-ins
        if learned and not any(p.requires_grad for p in learned):
            args = {**args, "trainable": False}  # requires_grad_(False), as the export writes `trainable: false`
        stack = module_stack(node)
        first = value[0] if isinstance(value, (tuple, list)) else value
        # a learned tensor has no batch: its shape is all of it (layers.base.Unbatched)
        shape = tuple(first.shape[0 if node.op == "get_attr" else 1:])
        emit(node.name, kind, args, [refs[i] for i in inputs], shape, stack)
        for attr, child_kind, child_args in then:  # a norm's activation: same shape, in order
            emit(f"{node.name}_{attr}", child_kind, child_args, [last], shape, stack)
        refs[node] = last
        if in_place(node) and inputs:  # `out.mul_(gain)` unassigned: later reads of `out` read this
            refs[inputs[0]] = last
    params, buffers, unused = counts(model, gm)
    document = {"name": name or type(model).__name__.lower(), "input": list(input_shape), "layers": layers}
    return Imported(document, unmapped, shapes, params, buffers, unused, modules)


def shape_read(node: Any, values: dict[Any, Any], read_off: dict[Any, tuple[Any, tuple[int, ...], int]]
               ) -> tuple[Any, tuple[int, ...], int] | None:
    """Whether a folded node is (part of) a tensor's shape: `x.shape`, `x.size()`, or a slice of
    one of those; then (the tensor's node, which of its dimensions, its rank), for ShapeOf."""
    import operator
    whole = ((node.op == "call_function" and node.target is getattr and node.args[1:] == ("shape",))
             or (node.op == "call_method" and node.target == "size" and len(node.args) == 1 and not node.kwargs))
    if whole and is_tensor(values.get(node.args[0])):
        rank = values[node.args[0]].dim()
        return node.args[0], tuple(range(rank)), rank
    index = node.args[1] if node.op == "call_function" and node.target is operator.getitem else None
    if isinstance(index, slice) and node.args[0] in read_off \
            and all(isinstance(v, (int, type(None))) for v in (index.start, index.stop, index.step)):
        source, dims, rank = read_off[node.args[0]]
        return source, dims[index], rank
    return None


#: timm's attention: `qkv.reshape(B, N, 3, h, d).permute(2, 0, 3, 1, 4).unbind(0)` moves the
#: batch from the front, which no spec layer does; each tensor it unbinds is the same select and
#: permute with the batch first: `x[:, :, i].permute(0, 2, 1, 3)`. The permute's dims[0] is the
#: dim unbound, the rest its order after it, renumbered.
PERMUTES = ("Tensor.permute", "torch.permute")
UNBIND = "Tensor.unbind"


def flat_dims(args: list[Any]) -> list[Any]:
    """A permute's dims, given as `x.permute(2, 0, 1)` or `x.permute((2, 0, 1))`."""
    return [d for a in args for d in (a if isinstance(a, (list, tuple)) else [a])]


def unbound_only(node: Any, dims: list[Any]) -> bool:
    """A permute that moves the batch from the front, read only by unbinds of its dim 0."""
    return bool(dims) and dims[0] not in (0, -len(dims)) and all(
        user.op == "call_method" and user.target == "unbind" and (list(user.args[1:]) + [user.kwargs.get("dim", 0)])[0] == 0
        for user in node.users)


def first_call(kinds: list[LayerKind], args: list[Any], batch: int) -> tuple[LayerKind, dict[str, Any]]:
    """The first of the kinds that a call of these arguments is, and its spec arguments."""
    return next((k, a) for k in kinds if (a := k.from_call(args, {}, batch)) is not None)


def module_stack(node: Any) -> list[tuple[str, str]]:
    """A node's enclosing modules, outermost first: (qualified name, class qualified name)."""
    return [(q, f"{c.__module__}.{c.__qualname__}") if isinstance(c, type) else (q, str(c))
            for q, c in node.meta.get("nn_module_stack", {}).values()]


def reshaped_parameter(node: Any, value: Any, inputs: list[Any], candidates: list[LayerKind],
                       refs: dict[Any, str], values: dict[Any, Any]) -> bool:
    """A learned tensor read only through one reshape (`self.gamma.view(1, -1, 1, 1)`): the spec's
    parameter layer is the tensor in the shape the model uses, with as many elements."""
    return (len(inputs) == 1 and inputs[0].op == "get_attr" and inputs[0] in refs and len(inputs[0].users) == 1
            and bool(candidates) and all(k.family == "shape" for k in candidates)
            and value.numel() == values[inputs[0]].numel())


def module_layer(module: "nn.Module", classes: dict[str, LayerKind]) -> tuple[LayerKind | None, dict[str, Any] | None]:
    """The kind and arguments of a leaf module: a registered mapper's, or its class's kind's."""
    cls = type(module)
    if cls in MAPPERS:
        type_name, args = MAPPERS[cls](module)
        return lookup(type_name), args
    kind = class_kind(cls, classes)
    args = kind.from_module(module) if kind else None  # None: an instance the kind is not (a ConstantPad of 1s)
    return (kind, args) if args is not None else (None, None)


def followers(kind: LayerKind | None, module: "nn.Module", where: str,
              classes: dict[str, LayerKind]) -> tuple[list[tuple[str, LayerKind, dict[str, Any]]], Unmapped | None]:
    """The layers a module's children add after its own (LayerKind.torch_followed_by), each as
    (child attribute, kind, arguments), which import_model names `<node>_<attribute>`; or, when
    a child has no kind, none and that child as Unmapped."""
    from torch import nn

    cls = type(module)
    out = []
    for attr in (kind.torch_followed_by.get(class_path(cls), ()) if kind else ()):
        child = getattr(module, attr)
        if isinstance(child, nn.Identity):
            continue
        child_kind, args = module_layer(child, classes)
        if child_kind is None:
            return [], Unmapped(class_path(type(child)), f"{where}.{attr}",
                                "no shapecalc layer type for it")
        out.append((attr, child_kind, args))
    return out, None


def in_place(node: Any) -> bool:
    """A call that writes its result into its first argument (`x.mul_(g)`, `torch.relu_(x)`)."""
    name = node.target if node.op == "call_method" else getattr(node.target, "__name__", "")
    return node.op in ("call_method", "call_function") and name.endswith("_") and not name.endswith("__")


def counts(model: "nn.Module", gm: Any) -> tuple[int, int, list[tuple[str, int, int]]]:
    """torch's parameter and buffer totals, and the outermost submodules no traced node reaches,
    with their parameter and buffer counts (an eval-mode Inception-v3's auxiliary head)."""
    params = sum(p.numel() for p in model.parameters())
    buffers = sum(b.numel() for b in model.buffers())
    reached = set()
    for node in gm.graph.nodes:
        if node.op == "call_module":
            module = gm.get_submodule(node.target)
            reached |= {id(t) for t in (*module.parameters(), *module.buffers())}
        elif node.op == "get_attr":
            owner, _, attr = node.target.rpartition(".")
            reached.add(id(getattr(gm.get_submodule(owner), attr)))
    unused: list[tuple[str, int, int]] = []
    for name, child in model.named_modules():
        tensors = [*child.parameters(), *child.buffers()]
        if name and tensors and not any(id(t) in reached for t in tensors) \
                and not any(name.startswith(u + ".") for u, _, _ in unused):
            unused.append((name, sum(p.numel() for p in child.parameters()), sum(b.numel() for b in child.buffers())))
    return params, buffers, unused


# --- YAML as a person writes it ---------------------------------------------------------------

def flow(value: Any) -> str:
    """One value in YAML flow style: `3`, `[1, 2]`, `same`, `1.0e-05`."""
    import yaml
    return yaml.safe_dump(value, default_flow_style=True, sort_keys=False, width=10**6).strip().removesuffix("...").strip()


def layer_line(layer: dict[str, Any]) -> str:
    (type_name, body), = layer.items()
    if not body:
        return type_name
    return f"{type_name}: {flow(body)}"


def to_yaml(document: dict[str, Any], notes: list[str] = ()) -> str:
    """The document with one layer per line (blocks, when the document has them, likewise)."""
    lines = ["# Imported by shapecalc from PyTorch.", *(f"# {n}" for n in notes),
             f"name: {flow(document['name'])}", f"input: {flow(document['input'])}"]
    if document.get("blocks"):
        lines.append("blocks:")
        for bname, block in document["blocks"].items():
            lines.append(f"  {bname}:")
            if block.get("params"):
                lines.append(f"    params: {flow(block['params'])}")
            lines.append("    layers:")
            lines += [f"      - {layer_line(layer)}" for layer in block["layers"]]
    lines.append("layers:")
    lines += [f"  - {layer_line(layer)}" for layer in document["layers"]]
    return "\n".join(lines) + "\n"
