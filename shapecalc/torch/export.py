"""Spec -> readable PyTorch source: one nn.Module class for the network, one per block.

Pure Python: it writes text and never imports torch (tests/test_export_torchfree.py checks it),
so `shapecalc export` runs on a bare install. Everything about a layer comes from its kind's
`torch()` answer (shapecalc/layers/torchcode.py); this module only lays the records out:

- the module tree follows the spec's names: a block use is an instance of its block's class, a
  repeat an nn.Sequential, so torch's parameter names are shapecalc's (`layer2.0.conv1.weight`);
- the uses of one block share one class when their layers match: values that differ between
  uses become constructor arguments (named after the block's parameter that gives them, when
  one does), and a layer that `when:` leaves out of some uses is built on a yes/no argument and
  skipped in forward as the spec skips it (its name stands for its input);
- a block use whose inner layers are named from outside it cannot hide them in a forward of its
  own: it is then a plain container whose layers the enclosing forward calls one by one.
"""

from __future__ import annotations

import keyword
import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from ..analysis.calc import Analysis
from ..layers.torchcode import Helper, TorchCode, literal
from ..spec import INPUT, BlockUse
from ..spec.model import split_ref

#: nn.Module's own attributes: a layer named like one gets a trailing underscore.
RESERVED = frozenset(
    "T_destination add_module apply bfloat16 buffers call_super_init children compile cpu cuda double "
    "dump_patches eval extra_repr float forward get_buffer get_extra_state get_parameter get_submodule half "
    "ipu load_state_dict modules mtia named_buffers named_children named_modules named_parameters parameters "
    "register_backward_hook register_buffer register_forward_hook register_forward_pre_hook "
    "register_full_backward_hook register_module register_parameter requires_grad_ set_extra_state "
    "share_memory state_dict to to_empty train training type xpu zero_grad self x torch nn super".split())


class ExportError(Exception):
    """The spec cannot be written as torch source (it has errors); `diagnostics` says why."""

    def __init__(self, message: str, diagnostics: list | None = None) -> None:
        super().__init__(message)
        self.diagnostics = diagnostics or []


def ident(name: str) -> str:
    """A layer name as a Python identifier: other characters become `_`, a leading digit, a
    keyword or an nn.Module attribute gets an underscore."""
    out = re.sub(r"\W", "_", name) or "_"
    if out[0].isdigit():
        out = "_" + out
    if keyword.iskeyword(out) or out in RESERVED:
        out += "_"
    return out


def camel(name: str) -> str:
    """`resnet50` -> `Resnet50`, `mobilenet_v2` -> `MobilenetV2`: a class name."""
    parts = [p for p in re.split(r"[^0-9A-Za-z]+", name) if p]
    out = "".join(p[0].upper() + p[1:] for p in parts) or "Network"
    return "_" + out if out[0].isdigit() else out


class Namer:
    """Unique identifiers in one namespace, the same name always given the same identifier;
    collisions get `_2`, `_3` in the order names are first asked for."""

    def __init__(self, taken: tuple[str, ...] = ()) -> None:
        self.given: dict[str, str] = {}
        self.used = set(taken)

    def __call__(self, name: str, base: str | None = None) -> str:
        if name not in self.given:
            base = ident(base or name)
            out, n = base, 2
            while out in self.used:
                out, n = f"{base}_{n}", n + 1
            self.used.add(out)
            self.given[name] = out
        return self.given[name]


NO_DEFAULT = object()
#: What a left-out keyword argument renders as, removed with its comma afterwards.
DROPPED = "\x00"


@dataclass(eq=False)
class Val:
    """A value in a constructor call: written as a literal, or as a constructor argument of the
    enclosing block class when the block's uses differ in it. `kw`: given as `kw=value`, left
    out when it is the same in every use and equal to torch's `default`."""

    value: Any
    kw: str | None = None
    default: Any = NO_DEFAULT

    def text(self, value: str, constant: bool) -> str:
        if self.kw is None:
            return value
        if constant and self.default is not NO_DEFAULT and same(self.value, self.default):
            return DROPPED
        return f"{self.kw}={value}"


def same(p: Any, q: Any) -> bool:
    """Equal and of one type (True is not 1 here)."""
    return type(p) is type(q) and p == q


def undrop(text: str) -> str:
    return text.replace(", " + DROPPED, "").replace(DROPPED + ", ", "").replace(DROPPED, "")


Tokens = list  # of str and Val


@dataclass(eq=False)
class Node:
    """One module in the tree: a layer, a block use, or a group (a repeat, a container)."""

    full: str
    local: str
    layer: Any = None  # LayerResult
    use: BlockUse | None = None
    children: dict[str, Node] = field(default_factory=dict)
    unit: bool = False  # a block use with a class of its own, called as a whole
    sequential: bool = False  # a repeat written as an nn.Sequential (its parts are numbered)

    @property
    def prefix(self) -> str:
        return self.full + "." if self.full else ""

    def inside(self, ref: str) -> bool:
        return split_ref(ref)[0].startswith(self.prefix)


@dataclass(eq=False)
class Child:
    """A direct child of a class as one use of the class builds and calls it."""

    local: str
    init: list[Tokens]  # statements, the first assigning `⟨self⟩`
    expr: Tokens | None  # the child as one expression (an nn.Sequential item), when it is one module
    fwd: list[str]  # forward statements; markers ⟨rel⟩ for values, ⟨in0⟩... for its inputs
    ins: list[str]  # the references its ⟨in k⟩ markers stand for (relative to the class)
    out: str  # the reference its output is known by (relative)
    module: bool  # the attribute is a module (tested with `is not None` when optional)
    sig: str = ""

    def signature(self) -> str:
        if not self.sig:
            init = "\n".join("".join(f"⟦{t.kw}⟧" if isinstance(t, Val) else t for t in line) for line in self.init)
            self.sig = init + "\n--\n" + "\n".join(self.fwd) + "\n--\n" + self.out
        return self.sig

    def values(self) -> list[Any]:
        return [t.value for line in self.init for t in line if isinstance(t, Val)]


@dataclass(eq=False)
class Variant:
    """One class: the uses of a block type that share its structure."""

    name: str
    order: list[str]
    canon: dict[str, Child]
    uses: list[tuple[Node, dict[str, Child], dict[str, Any]]] = field(default_factory=list)
    externals: int = 0
    output: str = ""
    params: list[str] = field(default_factory=list)
    #: (child, value index) -> constructor argument or None (constant); child -> its yes/no argument
    slots: dict[tuple[str, int], str | None] = field(default_factory=dict)
    flags: dict[str, str] = field(default_factory=dict)


def ancestors(name: str) -> list[str]:
    """The groups a full name is inside: `layer1.0.conv1` -> `layer1`, `layer1.0`."""
    parts = name.split(".")
    return [".".join(parts[:i]) for i in range(1, len(parts))]


class Exporter:
    """One export: the module tree of an analysed spec, its block classes, and the text."""

    def __init__(self, analysis: Analysis, source: str) -> None:
        self.a = analysis
        self.spec = analysis.spec
        self.source = source
        self.helpers: dict[str, Helper] = {}
        self.variants: dict[str, list[Variant]] = {}
        self.class_names = Namer()
        self.of_use: dict[int, tuple[Variant, dict[str, Any]]] = {}
        self.refs: list[tuple[str, str]] = []  # (consumer full name, reference)
        self.depths: dict[int, int] = {}

    # --- the tree ------------------------------------------------------------------------------

    def tree(self) -> Node:
        uses = {b.name: b for b in self.spec.blocks}
        root = Node("", "")
        nodes = {"": root}
        for r in self.a.layers:
            parent, full = root, ""
            for segment in r.spec.name.split(".")[:-1]:
                full = f"{full}.{segment}" if full else segment
                if full not in nodes:
                    use = uses.get(full)
                    nodes[full] = parent.children[segment] = Node(full, segment, use=use)
                parent = nodes[full]
            local = r.spec.name.split(".")[-1]
            parent.children[local] = nodes[r.spec.name] = Node(r.spec.name, local, layer=r)
            self.refs += [(r.spec.name, ref) for ref in r.spec.inputs]
        self.refs += [("", ref) for ref in self.spec.outputs]
        # references into each group from outside it, and out of it from inside, in one pass
        self.into: dict[str, set[str]] = {}
        self.out_of: dict[str, dict[str, None]] = {}
        for consumer, ref in self.refs:
            held, holds = set(ancestors(split_ref(ref)[0])), ancestors(consumer)
            for group in held.difference(holds):
                self.into.setdefault(group, set()).add(ref)
            for group in holds:
                if group not in held:
                    self.out_of.setdefault(group, {})[ref] = None
        for node in nodes.values():
            node.unit = self.is_unit(node)
        self.named_by: dict[str, list[Node]] = {}  # a block's output -> the blocks it is the output of
        for node in sorted(nodes.values(), key=lambda n: n.full.count(".")):
            if node.unit:
                self.named_by.setdefault(node.use.output, []).append(node)
        return root

    def is_unit(self, node: Node) -> bool:
        """A block use (not a repeat) whose inner layers only it names, but for its output."""
        use = node.use
        if use is None or use.repeat > 1 or not node.children:
            return False
        return all(split_ref(ref)[0] == use.output for ref in self.into.get(node.full, ()))

    def output_of(self, node: Node) -> str:
        if node.layer is not None:
            return node.full
        if node.use is not None:
            return node.use.output
        return self.output_of(list(node.children.values())[-1])

    # --- one child, as a class's (or the network's) __init__ and forward write it ---------------

    def child(self, node: Node, scope: Node, rel) -> Child:
        """The child `node` of `scope` (the class being written): its construction, relative to
        `self`, and its forward statements with markers for every value; `rel` makes references
        relative to the scope."""
        init, expr, fwd, module = self.build(node, scope, "⟨self⟩")
        ins: list[str] = []

        def mark(match: re.Match) -> str:
            ref = match[1]
            if node.inside(ref) or ref == node.full or split_ref(ref)[0] == node.full:
                return f"⟨{rel(ref)}⟩"
            r = rel(ref)
            if r not in ins:
                ins.append(r)
            return f"⟨in{ins.index(r)}⟩"

        fwd = [re.sub(r"⟪([^⟫]*)⟫", mark, line) for line in fwd]
        return Child(node.local, init, expr, fwd, ins, rel(self.output_of(node)), module)

    def rel(self, scope: Node):
        source = scope.use.source if scope.use is not None else INPUT
        externals: list[str] = []

        def relative(ref: str) -> str:
            """A block's output by the block's name (`expand`, whichever of its layers gives it:
            a relu in one use, a hardswish in another), the rest by their names in the scope."""
            if ref == source:
                return INPUT
            block = next((b for b in self.named_by.get(ref, ()) if b is not scope and scope.inside(b.full)), None)
            if block is not None:
                return block.full[len(scope.prefix):]
            if scope.inside(ref):
                return ref[len(scope.prefix):]
            if ref not in externals:
                externals.append(ref)
            return f"ext{externals.index(ref)}"
        return relative

    def build(self, node: Node, scope: Node, path: str) -> tuple[list[Tokens], Tokens | None, list[str], bool]:
        """(__init__ statements assigning `path`, the one expression when there is one, forward
        statements with ⟪full reference⟫ markers, whether `path` holds a module)."""
        if node.layer is not None:
            return self.leaf(node, path)
        if node.unit:
            variant, args = self.of_use[id(node)]
            expr: Tokens = [f"{variant.name}("]
            for i, (name, value) in enumerate(args.items()):
                expr += [", " if i else "", Val(value, name)]
            expr.append(")")
            ins = [node.use.source] + self.externals(node)
            out = node.use.output if node.inside(node.use.output) else node.full
            call = f"⟪{out}⟫ = {path}({', '.join(f'⟪{r}⟫' for r in ins)})"
            return [[path, " = ", *expr]], expr, [call], True
        return self.group(node, scope, path)

    def externals(self, node: Node) -> list[str]:
        """What a block use takes besides its input: names from outside it, in order."""
        return [ref for ref in self.out_of.get(node.full, ()) if ref != node.use.source]

    def leaf(self, node: Node, path: str) -> tuple[list[Tokens], Tokens | None, list[str], bool]:
        r = node.layer
        xs = list(r.input_shapes)
        code: TorchCode = r.spec.kind.torch(xs, r.spec.args)
        for helper in code.helpers:
            self.helpers.setdefault(helper.name, helper)
        frozen = not r.spec.trainable
        ins = [f"⟪{ref}⟫" for ref in r.spec.inputs]
        call = code.call.replace("{m}", path).replace("{xs}", ", ".join(ins)).replace("{batch}", "x.shape[0]")
        call = call.replace("{x}", ins[0] if ins else "")
        for i, ref in enumerate(ins):
            call = call.replace(f"{{x{i}}}", ref)
        outs = (", ".join(f"⟪{r.spec.name}[{i}]⟫" for i in range(len(r.parts))) if r.parts else f"⟪{r.spec.name}⟫")
        fwd = [f"{outs} = {call}"]
        if code.make is None:
            return [], None, fwd, False
        expr: Tokens = [f"{code.make}("]
        defaults = dict(code.defaults)
        for i, (name, value) in enumerate(code.kwargs):
            expr += [", " if i else "", Val(value, name, defaults.get(name, NO_DEFAULT))]
        if frozen and code.holds == "learned":
            expr.append(", requires_grad=False")
        expr.append(")")
        if code.holds == "fixed":  # a tensor assigned to a module is no buffer: it is registered
            owner, attr = ("self", "⟨attr⟩") if path == "⟨self⟩" else path.rsplit(".", 1)
            return [[f'{owner}.register_buffer("{attr}", ', *expr, ")"]], None, fwd, False
        if frozen and code.holds == "module":
            expr.append(".requires_grad_(False)")
        return [[path, " = ", *expr]], (expr if code.holds == "module" else None), fwd, code.holds == "module"

    def group(self, node: Node, scope: Node, path: str) -> tuple[list[Tokens], Tokens | None, list[str], bool]:
        """A repeat (nn.Sequential, called as a whole when it is a chain) or a container whose
        layers the enclosing forward calls one by one."""
        keys = list(node.children)
        numbered = keys == [str(i) for i in range(len(keys))]
        parts = [self.build(c, scope, f"{path}[{k}]") for k, c in node.children.items()] if numbered else []
        node.sequential = numbered and all(p[1] is not None for p in parts)
        if node.sequential:
            expr: Tokens = ["nn.Sequential("]
            for i, run in enumerate(runs([p[1] for p in parts])):
                expr += [", " if i else "", *run]
            expr.append(")")
            fwd = [line for p in parts for line in p[2]]
            if self.chain(node):
                fwd = [f"⟪{self.output_of(node)}⟫ = {path}(⟪{self.first_input(node)}⟫)"]
            return [[path, " = ", *expr]], expr, fwd, True
        parts = [self.build(c, scope, f"{path}.{ident(k)}") for k, c in node.children.items()]
        init: list[Tokens] = [[path, " = nn.Module()"]] + [line for p in parts for line in p[0]]
        return init, None, [line for p in parts for line in p[2]], True

    def first_input(self, node: Node) -> str:
        first = next(iter(node.children.values()))
        if first.use is not None:
            return first.use.source
        return first.layer.spec.inputs[0] if first.layer is not None else self.first_input(first)

    def chain(self, node: Node) -> bool:
        """Whether a repeat's copies each take the one before (the first its input) and nothing
        else, one tensor in and one out: then `self.layer1(x)` runs them all."""
        previous = None
        for c in node.children.values():
            if c.unit:
                ins, out = [c.use.source] + self.externals(c), c.use.output
            elif c.layer is not None and c.layer.spec.kind.torch(list(c.layer.input_shapes), c.layer.spec.args).make:
                ins, out = list(c.layer.spec.inputs), c.full
                if c.layer.parts:
                    return False
            else:
                return False
            if len(ins) != 1 or (previous is not None and ins[0] != previous):
                return False
            previous = out
        return all(ref == previous for ref in self.into.get(node.full, ()))

    # --- classes -------------------------------------------------------------------------------

    def classes(self, root: Node) -> None:
        """Every unit's variant, innermost first (a class's children's classes exist before it)."""
        groups: dict[tuple[int, str], list[Node]] = {}
        for node in sorted((n for n in self.walk(root) if n.unit), key=lambda n: (self.depth(n), n.use.start)):
            groups.setdefault((self.depth(node), node.use.type), []).append(node)
        for (_, block), same in groups.items():
            self.type_variants(block, same)

    def depth(self, node: Node) -> int:
        """How many levels of block classes a unit holds (0: layers only); computed once."""
        if id(node) not in self.depths:
            self.depths[id(node)] = max((self.depth(c) + c.unit for c in node.children.values()), default=0)
        return self.depths[id(node)]

    def walk(self, node: Node):
        yield node
        for c in node.children.values():
            yield from self.walk(c)

    def type_variants(self, block: str, nodes: list[Node]) -> None:
        records = []
        for n in nodes:
            rel = self.rel(n)
            kids = {k: self.child(c, n, rel) for k, c in n.children.items()}
            records.append((n, kids, rel(n.use.output)))
        records.sort(key=lambda nk: -len(nk[1]))
        variants = self.variants.setdefault(block, [])
        for n, kids, out in records:
            externals = len(self.externals(n))
            for v in variants:
                if self.merge(v, n, kids, out, externals):
                    break
            else:
                name = self.class_names(f"{block}#{len(variants)}", camel(block))
                v = Variant(name, list(kids), dict(kids), externals=externals, output=out)
                v.uses.append((n, kids, {"__out__": out}))
                variants.append(v)
        for v in variants:
            self.arguments(v)
            for n, kids, args in v.uses:
                self.of_use[id(n)] = (v, args)

    def merge(self, v: Variant, n: Node, kids: dict[str, Child], out: str, externals: int) -> bool:
        """Take the use into the variant if its layers are the variant's, some perhaps left out:
        every layer the same where both have it, and every reference the same once a layer left
        out stands for its input, as the spec reads it."""
        if externals != v.externals:
            return False
        if any(k in v.canon and v.canon[k].signature() != c.signature() for k, c in kids.items()):
            return False
        if [k for k in v.order if k in kids] != [k for k in kids if k in v.canon]:
            return False
        if list(kids) == v.order and out == v.output and all(v.canon[k].ins == c.ins for k, c in kids.items()):
            v.uses.append((n, kids, {"__out__": out}))  # the same layers, read the same: nothing to check
            return True
        order = list(v.order)
        for i, k in enumerate(kids):
            if k not in order:
                before = [p for p in list(kids)[:i] if p in order]
                order.insert(order.index(before[-1]) + 1 if before else 0, k)
        uses = [(kids, out)] + [(u[1], u[2]["__out__"]) for u in v.uses]
        # the references as the variant has them, or as this use has them; where a layer only
        # some uses have stands between two others, each reference is moved onto it if every
        # use then reads right (MobileNet's relu or hardswish after the same batch norm)
        for canon, output in (({**kids, **v.canon}, v.output), ({**v.canon, **kids}, out)):
            canon, output = self.lift(order, canon, output, uses)
            if canon is not None:
                v.order, v.canon, v.output = order, canon, output
                v.uses.append((n, kids, {"__out__": out}))
                return True
        return False

    @staticmethod
    def resolve(canon: dict[str, Child], ref: str, kids: dict[str, Child]) -> str:
        """A reference as a use reads it: a layer it leaves out stands for its (first) input."""
        head = split_ref(ref)[0].split(".")[0]
        if head in canon and head not in kids and canon[head].ins:
            return Exporter.resolve(canon, canon[head].ins[0], kids)
        return ref

    def lift(self, order: list[str], canon: dict[str, Child], output: str,
             uses: list[tuple[dict[str, Child], str]]) -> tuple[dict[str, Child] | None, str]:
        """References every use reads right, each moved onto the latest optional layer that
        stands for it and still reads right; (None, _) when there are none."""
        def reaches(c: str, ref: str) -> bool:
            while c in canon and canon[c].ins and c != ref:
                c = canon[c].ins[0]
            return c == ref

        def between(ref: str, end: int) -> list[str]:
            head = split_ref(ref)[0].split(".")[0]
            start = order.index(head) + 1 if head in order else 0
            return [c for c in reversed(order[start:end]) if reaches(c, ref)]

        def fits(ref: str, k: str | None, i: int, trial: dict[str, Child]) -> bool:
            return all(self.resolve(trial, ref, kids) == (kids[k].ins[i] if k else out)
                       for kids, out in uses if k is None or k in kids)

        canon = dict(canon)
        for k in order:
            ins = list(canon[k].ins)
            for i, ref in enumerate(ins):  # the latest layer that fits, as a spec's default input is
                ins[i] = next((c for c in [*between(ref, order.index(k)), ref] if fits(c, k, i, canon)), None)
                if ins[i] is None:
                    return None, output
            if ins != canon[k].ins:
                canon[k] = replace(canon[k], ins=ins)
        output = next((c for c in [*between(output, len(order)), output] if fits(c, None, 0, canon)), None)
        if output is None:
            return None, ""
        return canon, output

    def arguments(self, v: Variant) -> None:
        """The constructor arguments: every value that differs between the uses, and a yes/no
        for every layer some uses leave out; named after the block parameter that gives them."""
        namer = Namer(("self",))
        by_vector: dict[tuple, str] = {}
        uses = v.uses

        def name_for(vector: list, fallback: str, kind: type) -> str:
            key = tuple((type(x).__name__, x) if x is not None else None for x in vector)
            if key in by_vector:
                return by_vector[key]
            chosen = None
            for p in uses[0][0].use.params:
                pv = [u.use.params.get(p) for u, _, _ in uses]
                if all(x is None or (type(x) is type(y) and x == y) for x, y in zip(vector, pv)) and \
                        all(y is not None for y in pv):
                    chosen = p
                    break
            if chosen is None and kind is int:
                channels = [self.a.shape_of(u.use.source) for u, _, _ in uses]
                if all(c and (x is None or x == c[0]) for x, c in zip(vector, channels)):
                    chosen = "in_channels"
            name = namer(repr(key) if chosen is None else chosen, chosen or fallback)
            by_vector[key] = name
            v.params.append(name) if name not in v.params else None
            return name

        for k in v.order:
            present = [kids.get(k) for _, kids, _ in uses]
            if not all(present):
                flag = name_for([c is not None for c in present], f"with_{k}", bool)
                v.flags[k] = flag
            count = len(v.canon[k].values())
            for j in range(count):
                vector = [c.values()[j] if c is not None else None for c in present]
                seen = [x for x in vector if x is not None]
                if all(type(x) is type(seen[0]) and x == seen[0] for x in seen):
                    v.slots[(k, j)] = None
                    continue
                arg = v.canon[k].values()[j]
                label = self.label(v.canon[k], j)
                v.slots[(k, j)] = name_for(vector, f"{ident(k)}_{label}", type(arg))
        for u, kids, args in uses:
            values = {}
            for k in v.order:
                c = kids.get(k)
                if k in v.flags:
                    values[v.flags[k]] = c is not None
                for j in range(len(v.canon[k].values())):
                    arg = v.slots.get((k, j))
                    if arg is not None:
                        if c is not None:
                            values[arg] = c.values()[j]
                        else:
                            values.setdefault(arg, u.use.params.get(arg))
            args.clear()
            args.update((p, values.get(p)) for p in v.params)

    @staticmethod
    def label(c: Child, j: int) -> str:
        """The keyword a value is given to (`out_channels`), for an argument's fallback name."""
        vals = [t for line in c.init for t in line if isinstance(t, Val)]
        return vals[j].kw or "value"

    # --- writing -------------------------------------------------------------------------------

    def render_init(self, lines: list[Tokens], value) -> list[str]:
        """Statements as text; `value(token)` gives (the value's text, whether it is a constant)."""
        return [undrop("".join(t.text(*value(t)) if isinstance(t, Val) else t for t in line)) for line in lines]

    def class_source(self, v: Variant) -> str:
        block = v.uses[0][0].use.type
        uses = f"{len(v.uses)} uses" if len(v.uses) > 1 else "1 use"
        body = [f"class {v.name}(nn.Module):", f'    """The spec\'s block `{block}` ({uses})."""', "",
                f"    def __init__({', '.join(['self', *v.params])}) -> None:", "        super().__init__()"]
        attrs = Namer()
        for k in v.order:
            attrs(k)
        for k in v.order:
            c = v.canon[k]
            slot = iter(range(len(c.values())))

            def value(t: Val, k=k, slot=slot) -> tuple[str, bool]:
                arg = v.slots.get((k, next(slot)))
                return (arg, False) if arg is not None else (literal(t.value), True)

            lines = [ln.replace("⟨self⟩", f"self.{attrs(k)}").replace("⟨attr⟩", attrs(k))
                     for ln in self.render_init(c.init, value)]
            if k in v.flags:
                flag = v.flags[k]
                if c.module and len(lines) == 1:
                    head, _, tail = lines[0].partition(" = ")
                    lines = [f"{head} = {tail} if {flag} else None"]
                else:
                    lines = [f"self.{attrs('flag:' + flag, flag)} = {flag}"] + (
                        [f"if {flag}:"] + ["    " + ln for ln in lines] if lines else [])
            body += ["        " + ln for ln in lines]
        inputs = ["x"] + [f"ext{i}" for i in range(v.externals)]
        env = {"input": "x", **{f"ext{i}": f"ext{i}" for i in range(v.externals)}}
        tests = {k: (f"self.{attrs(k)} is not None" if v.canon[k].module and v.canon[k].init
                     else f"self.{attrs('flag:' + f, f)}") for k, f in v.flags.items()}
        fwd = self.forward_lines(v.order, v.canon, attrs, tests, v.output, env)
        args = ", ".join(["self"] + [f"{i}: torch.Tensor" for i in inputs])
        body += ["", f"    def forward({args}) -> torch.Tensor:"] + ["        " + ln for ln in fwd]
        return "\n".join(wrap(line) for line in body)

    def forward_lines(self, order: list[str], canon: dict[str, Child], attrs: Namer, tests: dict[str, str],
                      output: str | list[str], env: dict[str, str]) -> list[str]:
        """forward's statements: each child in order; one that some uses leave out is skipped
        as the spec skips it (its output is its input)."""
        names = Namer(tuple(env.values()) + ("self", "torch", "nn"))
        for k in order:  # a block's or a repeat's output is known by the child's name
            if canon[k].out != k and canon[k].out.startswith(k + ".") and canon[k].out not in env:
                env[canon[k].out] = names(canon[k].out, k)

        def var(ref: str) -> str:
            if ref in env:
                return env[ref]
            base, index = split_ref(ref)
            return names(ref, base.replace(".", "_") + (f"_{index}" if index is not None else ""))

        lines = []
        for k in order:
            c = canon[k]
            stmts = [self.fill(s.replace("⟨self⟩", f"self.{attrs(k)}"), c.ins, var) for s in c.fwd]
            if k in tests:
                skipped = var(c.ins[0]) if c.ins else "x"
                if len(stmts) == 1 and " = " in stmts[0]:
                    head, _, tail = stmts[0].partition(" = ")
                    stmts = [f"{head} = {tail} if {tests[k]} else {skipped}"]
                else:
                    stmts = [f"if {tests[k]}:"] + ["    " + s for s in stmts] + ["else:", f"    {var(c.out)} = {skipped}"]
            lines += stmts
        if isinstance(output, list):
            lines.append(f"return {', '.join(output_var(o, var, self.a) for o in output)}")
        else:
            lines.append(f"return {var(output)}")
        return lines

    @staticmethod
    def fill(stmt: str, ins: list[str], var) -> str:
        stmt = re.sub(r"⟨in(\d+)⟩", lambda m: f"⟨{ins[int(m[1])]}⟩", stmt)
        return re.sub(r"⟨([^⟩]*)⟩", lambda m: var(m[1]), stmt)

    def top_source(self, root: Node, name: str) -> str:
        rel = self.rel(root)
        kids = {k: self.child(c, root, rel) for k, c in root.children.items()}
        attrs = Namer()
        for k in kids:
            attrs(k)
        title = self.spec.name or Path(self.source).stem
        body = [f"class {name}(nn.Module):",
                f'    """{title}: input {shape_text(self.spec.input_shape)}, {self.a.total_params:,} parameters, '
                f'{self.a.buffers:,} buffer elements."""', "", "    def __init__(self) -> None:", "        super().__init__()"]
        for k, c in kids.items():
            lines = self.render_init(c.init, lambda t: (literal(t.value), True))
            body += ["        " + ln.replace("⟨self⟩", f"self.{attrs(k)}").replace("⟨attr⟩", attrs(k)) for ln in lines]
        outputs = [rel(o) for o in self.spec.outputs] or [INPUT]  # no layers: the output is the input
        several = len(outputs) != 1 or (self.spec.outputs and self.several(self.spec.outputs[0]))
        fwd = self.forward_lines(list(kids), kids, attrs, {}, outputs if several else outputs[0], {"input": "x"})
        body += ["", "    def forward(self, x: torch.Tensor) -> torch.Tensor:"] + ["        " + ln for ln in fwd]
        return "\n".join(wrap(line) for line in body)

    def several(self, ref: str) -> bool:
        r = self.a.layer(ref)
        return r is not None and r.parts is not None and split_ref(ref)[1] is None

    def module_names(self) -> dict[str, str]:
        """Each layer's full name -> the name torch gives its module (or tensor) in the exported
        network: the spec's, made identifiers (`mlp.0` in a block class is `mlp._0`)."""
        out: dict[str, str] = {}

        def walk(node: Node, prefix: str) -> None:
            attrs = Namer()
            for k, c in node.children.items():
                segment = k if node.sequential else (attrs(k) if node is self.root or node.unit else ident(k))
                path = f"{prefix}.{segment}" if prefix else segment
                if c.layer is not None:
                    out[c.full] = path
                walk(c, path)

        walk(self.root, "")
        return out

    def source_text(self) -> str:
        name = self.class_names(camel(self.spec.name or Path(self.source).stem))
        root = self.root = self.tree()
        self.classes(root)
        top = self.top_source(root, name)  # first: it registers the helpers its layers use
        blocks = [self.class_source(v) for vs in self.variants.values() for v in vs]
        helpers = [h.source.strip("\n") for h in self.helpers.values()]
        head = (f'"""Generated by shapecalc from {self.source} (`shapecalc export {self.source} --to torch`).\n\n'
                f'{name}() builds the network with the spec\'s layer names; change the spec and export\n'
                'again rather than editing this file."""\n\nimport torch\nfrom torch import nn')
        return "\n\n\n".join([head, *helpers, *blocks, top]) + "\n"


def output_var(ref: str, var, a: Analysis) -> str:
    r = a.layer(ref)
    if r is not None and r.parts is not None and split_ref(ref)[1] is None:
        return ", ".join(var(f"{ref}[{i}]") for i in range(len(r.parts)))
    return var(ref)


def runs(items: list[Tokens]) -> list[Tokens]:
    """Equal neighbours of an nn.Sequential as one loop: `*(Block(...) for _ in range(3))`."""
    def equal(p: Tokens, q: Tokens) -> bool:
        return len(p) == len(q) and all(
            (isinstance(a, Val) and isinstance(b, Val) and a.kw == b.kw and same(a.value, b.value))
            or (isinstance(a, str) and a == b) for a, b in zip(p, q))

    out: list[Tokens] = []
    i = 0
    while i < len(items):
        j = i
        while j + 1 < len(items) and equal(items[i], items[j + 1]):
            j += 1
        out.append(items[i] if j == i else ["*(", *items[i], f" for _ in range({j - i + 1}))"])
        i = j + 1
    return out


def wrap(line: str, width: int = 100) -> str:
    """A long call with its arguments one per line, the outermost first, as a formatter would."""
    if len(line) <= width or "(" not in line:
        return line
    indent = len(line) - len(line.lstrip())
    start = line.index("(") + 1
    depth, cut, end = 0, [], None
    for i in range(start, len(line)):
        ch = line[i]
        if ch in "([{":
            depth += 1
        elif ch in ")]}":
            if depth == 0:
                end = i
                break
            depth -= 1
        elif ch == "," and depth == 0:
            cut.append(i)
        elif ch in "'\"":
            return line  # strings are left alone
    if end is None or not cut:
        return line
    pad = " " * (indent + 4)
    args = [line[a + 1:b].strip() for a, b in zip([start - 1] + cut, cut + [end])]
    inner = ",\n".join(wrap(pad + arg, width) for arg in args)
    return f"{line[:start]}\n{inner},\n{' ' * indent}{line[end:]}"


def shape_text(shape) -> str:
    return "x".join(map(str, shape)) if shape else "?"


def exporter(analysis: Analysis, source: str) -> Exporter:
    """The exporter of an analysed spec, its source written; ExportError with the diagnostics
    when the spec has errors (F001 aside: torch runs a stride that does not fit, as the table
    shows), so nothing is ever exported wrong."""
    errors = [d for d in analysis.diagnostics if d.severity == "error" and d.code != "F001"]
    if errors or not analysis.complete:
        raise ExportError(f"{source}: the spec has errors: not exported", errors)
    done = Exporter(analysis, source)
    done.text = done.source_text()
    return done


def export_analysis(analysis: Analysis, source: str) -> str:
    """The PyTorch source of an analysed spec (see `exporter`)."""
    return exporter(analysis, source).text
