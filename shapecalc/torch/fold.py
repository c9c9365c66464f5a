"""Folding an imported model's repeated submodules into blocks, as a person writes the spec.

The flat import has one layer per traced node, each knowing its enclosing modules (fx's
nn_module_stack). A submodule is a block use when its class is not torch.nn's (torchvision's
Bottleneck, InvertedResidual, Fire; the outermost wins where uses nest), its layers are
one contiguous run of the flat list, they read one tensor from outside (the block's input) and
only the last is read after the run (its output). Uses of one class with the same layers, graph
become one block; the argument values that differ between the uses are the
block's parameters (values that agree in every use stay written in the block; two that are
equal in every use are one parameter). Uses of one class that are another group's layers with
some left out (ResNet's bottleneck without the projection shortcut) join that group: the layers
are `when:` a yes/no parameter, the skipped layer's name standing for its input, as check skips
it. Uses that differ otherwise are blocks of their own (`fire`, `fire_2`). Anything that does
not fit stays flat: folding never changes what the spec computes, which the oracle tests check
layer by layer.

Not yet: nested blocks, and `repeat:` for consecutive uses of one block (each use is written out).
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any

from ..layers import lookup
from ..layers.base import plain
from ..layers.torchcode import one
from .importer import Imported

Layer = dict[str, Any]


def split(layer: Layer) -> tuple[str, dict[str, Any]]:
    (type_name, body), = layer.items()
    return type_name, body


def ref_base(ref: str) -> tuple[str, str]:
    """`chunk[1]` -> ("chunk", "[1]"); `conv1` -> ("conv1", "")."""
    base, bracket, rest = ref.partition("[")
    return base, bracket + rest


def fold(imported: Imported) -> Imported:
    """The imported spec with repeated submodules as blocks (the flat one when none repeat)."""
    layers = imported.document["layers"]
    names = [split(layer)[1]["name"] for layer in layers]
    refs = [references(layers, i) for i in range(len(layers))]
    runs = instance_runs(imported, names)
    uses: dict[str, tuple[str, list[int], tuple, list[Any], list[str], str]] = {}
    for q, (cls, idx) in runs.items():
        found = use_of(q, idx, layers, names, refs)
        if found is not None:
            uses[q] = (cls, idx, *found)
    if not uses:
        return imported
    groups: dict[tuple[str, tuple], list[str]] = {}
    for q, (cls, _, structure, _, _, _) in uses.items():
        groups.setdefault((cls, structure), []).append(q)
    optional, present = merge_optional(groups)
    groups = {k: v for k, v in groups.items() if len(v) > 1}  # a class used once stays flat
    # the outermost uses win: a use inside one already folded is part of that block's layers
    claimed: set[int] = set()
    for key, qs in sorted(groups.items(), key=lambda kv: -len(uses[kv[1][0]][1])):
        kept = [q for q in qs if not claimed & set(uses[q][1])]
        groups[key] = kept if len(kept) > 1 else []
        for q in groups[key]:
            claimed |= set(uses[q][1])
    groups = {k: v for k, v in groups.items() if v}
    if not groups:
        return imported
    blocks: dict[str, dict[str, Any]] = {}
    use_lines: dict[int, Layer] = {}   # first flat index of a use -> its line
    folded: dict[int, str] = {}        # flat index inside a use -> the use's name
    renamed: dict[str, str] = {}       # flat name -> how a layer outside the use reads it
    full: dict[str, str] = {}          # flat name -> its name as check expands it (use.local)
    for (cls, shape), qs in groups.items():
        bname = block_name(cls, blocks)
        skip = optional.get((cls, shape), set())
        args = [aligned(shape, uses[q], uses[qs[0]]) for q in qs]
        structure, values = with_arguments(shape, args)
        if skip:
            fill_skipped(structure, values, skip, [present.get(q, True) for q in qs])
        params, block_layers = make_block(structure, values)
        block_params: dict[str, Any] = {p: None for p in params}
        flag = None
        if skip:  # one yes/no parameter: the layers some uses do not have are `when:` it
            flag = re.sub(r"_\d+$", "", next(local for _, local, _ in shape if local in skip))
            while flag in block_params:
                flag += "_"
            block_params[flag] = False
            for layer in block_layers:
                _, body = split(layer)
                if body["name"] in skip:
                    body["when"] = f"${flag}"
        blocks[bname] = {"params": block_params, "layers": block_layers}
        for q, vals in zip(qs, values):
            _, idx, _, _, locals_, source = uses[q]
            use_name = q.replace(".", "_")
            body: dict[str, Any] = {"name": use_name}
            if source != (names[idx[0] - 1] if idx[0] else "input"):
                body["inputs"] = source
            body.update({p: vals[i] for p, i in params.items()})
            if flag and present.get(q, True):
                body[flag] = True
            use_lines[idx[0]] = {bname: body}
            for i, local in zip(idx, locals_):
                folded[i] = use_name
                full[names[i]] = f"{use_name}.{local}"
            renamed[names[idx[-1]]] = use_name  # read from outside: the use's output
    out_layers: list[Layer] = []
    for i, layer in enumerate(layers):
        if i in use_lines:
            _, body = split(use_lines[i])
            if "inputs" in body:
                body["inputs"] = rename(body["inputs"], renamed)
            out_layers.append(use_lines[i])
        elif i not in folded:
            type_name, body = split(layer)
            body = dict(body)
            if "inputs" in body:
                body["inputs"] = rename(body["inputs"], renamed)
            out_layers.append({type_name: body})
    shapes = {full.get(n, n): s for n, s in imported.shapes.items()}
    document = dict(imported.document, blocks=blocks, layers=out_layers)
    return replace(imported, document=document, shapes=shapes)


def rename(inputs: Any, renamed: dict[str, str]) -> Any:
    if isinstance(inputs, list):
        return [rename(i, renamed) for i in inputs]
    base, part = ref_base(inputs)
    return renamed.get(base, base) + part


def merge_optional(groups: dict[tuple[str, tuple], list[str]]) -> tuple[dict[tuple[str, tuple], set[str]],
                                                                       dict[str, bool]]:
    """Fold each group of a class into a larger group of it that is the same but for some layers
    (ResNet's projection shortcut), in place: (the optional layers of each merged group, whether
    each use has them)."""
    optional: dict[tuple[str, tuple], set[str]] = {}
    present: dict[str, bool] = {}
    for key in sorted(groups, key=lambda k: len(k[1])):
        cls, small = key
        for big_key in sorted((k for k in groups if k[0] == cls and len(k[1]) > len(small)), key=lambda k: -len(k[1])):
            skip = optional_layers(big_key[1], small)
            if skip is not None and optional.get(big_key, skip) == skip and key not in optional:
                optional[big_key] = skip
                present.update({q: True for q in groups[big_key] if q not in present})
                present.update({q: False for q in groups[key]})
                groups[big_key] = groups[big_key] + groups.pop(key)
                break
    return optional, present


def optional_layers(big: tuple, small: tuple) -> set[str] | None:
    """The layers of `big` that `small` lacks, when `small` is `big` with them skipped as `when:`
    skips a layer (its name then stands for its input); None when it is not."""
    small_locals, big_locals = [local for _, local, _ in small], [local for _, local, _ in big]
    remaining = iter(big_locals)
    if not all(local in remaining for local in small_locals) or big_locals[-1] not in small_locals:
        return None
    skip = set(big_locals) - set(small_locals)
    inputs_of = {local: inputs for _, local, inputs in big}

    def resolve(ref: str) -> str | None:
        while ref_base(ref)[0] in skip:
            inputs = inputs_of[ref_base(ref)[0]]
            if len(inputs) != 1:
                return None
            ref = inputs[0]
        return ref

    mine = {local: (type_name, inputs) for type_name, local, inputs in small}
    for type_name, local, inputs in big:
        if local not in skip and mine[local] != (type_name, tuple(resolve(i) for i in inputs)):
            return None
    return skip


def fill_skipped(structure: tuple, values: list[list[Any]], skip: set[str], has: list[bool]) -> None:
    """Give a skipped layer's arguments, in the uses that skip it, values that make no parameter
    of their own: another argument's where the two agree in every use that has the layer (the
    shortcut's out_channels is conv3's), else the first such use's (one value, no parameter)."""
    slots = [local for _, local, _, names in structure for _ in names]
    having = [v for v, h in zip(values, has) if h]
    for k, local in enumerate(slots):
        if local not in skip:
            continue
        twin = next((j for j, other in enumerate(slots) if other not in skip
                     and all(same(v[j]) == same(v[k]) for v in having)), None)
        for v, h in zip(values, has):
            if not h:
                v[k] = v[twin] if twin is not None else having[0][k]


def aligned(shape: tuple, use: tuple, model: tuple) -> list[dict[str, Any]]:
    """A use's arguments layer by layer in the block's order; a layer the use does not have (it
    is skipped there) takes the values of `model`, a use that has every layer."""
    mine = dict(zip(use[4], use[3]))
    theirs = dict(zip(model[4], model[3]))
    return [mine.get(local, theirs.get(local, {})) for _, local, _ in shape]


def references(layers: list[Layer], i: int) -> list[str]:
    """The references layer i reads: its `inputs`, or the layer before it (the input for the first)."""
    _, body = split(layers[i])
    if "inputs" in body:
        inputs = body["inputs"]
        return list(inputs) if isinstance(inputs, list) else [inputs]
    return [split(layers[i - 1])[1]["name"] if i else "input"]


def instance_runs(imported: Imported, names: list[str]) -> dict[str, tuple[str, list[int]]]:
    """Each non-torch.nn submodule, at every depth: its class and the flat indices of its layers."""
    runs: dict[str, tuple[str, list[int]]] = {}
    for i, name in enumerate(names):
        for q, cls in imported.modules.get(name, []):
            if q and not cls.startswith("torch.nn."):
                runs.setdefault(q, (cls, []))[1].append(i)
    return {q: (c, idx) for q, (c, idx) in runs.items()
            if len(idx) > 1 and idx == list(range(idx[0], idx[-1] + 1))}


def use_of(q: str, idx: list[int], layers: list[Layer], names: list[str],
           refs: list[list[str]]) -> tuple[tuple, list[Any], list[str], str] | None:
    """(structure, each layer's arguments, local names, the input's reference) of one run, or None when
    it reads more than one outside tensor or is read from outside other than at its end."""
    inside = {names[i] for i in idx}
    prefix = q.replace(".", "_") + "_"
    locals_: list[str] = []
    for i in idx:
        name = names[i].removeprefix("_")  # fx writes `_0_conv` for the module `0.conv`
        local = name[len(prefix):] if name.startswith(prefix) else re.sub(r"_\d+$", "", name)
        while local in locals_ or local == "input":
            local += "_"
        locals_.append(local)
    local_of = dict(zip((names[i] for i in idx), locals_))
    source = None
    structure, values = [], []
    for i, local in zip(idx, locals_):
        local_inputs = []
        for ref in refs[i]:
            base, part = ref_base(ref)
            if base in inside:
                local_inputs.append(local_of[base] + part)
            elif source in (None, ref):
                source = ref
                local_inputs.append("input")
            else:
                return None
        type_name, body = split(layers[i])
        args = {k: v for k, v in body.items() if k not in ("name", "inputs")}
        structure.append((type_name, local, tuple(local_inputs)))
        values.append(args)
    last = names[idx[-1]]
    for j in range(idx[-1] + 1, len(layers)):
        for ref in refs[j]:
            base, _ = ref_base(ref)
            if base in inside and base != last:
                return None
    return tuple(structure), values, locals_, source or "input"


def with_arguments(shape: tuple, uses: list[list[dict[str, Any]]]) -> tuple[tuple, list[list[Any]]]:
    """The block's layers with every argument any use writes, and each use's values of them in
    that order: an argument a use leaves out has the layer type's default there (ResNet's first
    bottleneck of stage 1 has conv2's stride 1, the others 2: one parameter)."""
    structure, values = [], [[] for _ in uses]
    for position, (type_name, local, inputs) in enumerate(shape):
        names = list(dict.fromkeys(name for use in uses for name in use[position]))
        structure.append((type_name, local, inputs, tuple(names)))
        kind = lookup(type_name)
        for use, out in zip(uses, values):
            for name in names:
                value = use[position][name] if name in use[position] else plain(one(name, kind.arg(name).default))
                out.append(freeze(value))
    return tuple(structure), values


def freeze(value: Any) -> Any:
    return tuple(freeze(v) for v in value) if isinstance(value, list) else value


def same(value: Any) -> Any:
    """A value's identity for telling uses apart: its type with it, since Python's `True == 1`
    would make `inplace: true` and `kernel_size: 1` one parameter (and `1` and `1.0` one value)."""
    return (type(value), tuple(same(v) for v in value) if isinstance(value, tuple) else value)


def make_block(structure: tuple, values: list[list[Any]]) -> tuple[dict[str, int], list[Layer]]:
    """The block's parameters (name -> position in the values) and its layers, `$param` where
    the uses differ."""
    slots = [(local, arg) for _, local, _, args in structure for arg in args]
    differ = [k for k in range(len(slots)) if len({same(v[k]) for v in values}) > 1]
    params: dict[str, int] = {}
    param_of: dict[int, str] = {}
    by_vector: dict[tuple, str] = {}
    first: dict[tuple, int] = {}  # each distinct vector of values -> the first slot that has it
    for k in differ:
        first.setdefault(tuple(same(v[k]) for v in values), k)
    args = [slots[k][1] for k in first.values()]
    for vector, k in first.items():
        local, arg = slots[k]
        name = arg if args.count(arg) == 1 else f"{local}_{arg}"  # `stride`, else `conv1_out_channels`
        params[name] = k
        by_vector[vector] = name
    for k in differ:
        param_of[k] = by_vector[tuple(same(v[k]) for v in values)]
    layers: list[Layer] = []
    k = 0
    previous = "input"
    for type_name, local, inputs, args in structure:
        body: dict[str, Any] = {"name": local}
        if list(inputs) != [previous]:
            body["inputs"] = inputs[0] if len(inputs) == 1 else list(inputs)
        for arg in args:
            body[arg] = f"${param_of[k]}" if k in param_of else plain(values[0][k])
            k += 1
        layers.append({type_name: body})
        previous = local
    return params, layers


def block_name(cls: str, blocks: dict[str, Any]) -> str:
    """The class's name, lower-cased (`bottleneck`), `_2` for its second shape; never a type."""
    base = cls.rsplit(".", 1)[-1].lower()
    if lookup(base) is not None:
        base += "_block"
    name, n = base, 1
    while name in blocks:
        n += 1
        name = f"{base}_{n}"
    return name
