"""The graph: `inputs` resolved to earlier layers (never later ones, so no cycles), and the
network's `outputs`, with W002 for a layer whose output nothing takes.
"""

from __future__ import annotations

from itertools import chain

from yaml.nodes import Node

from ..layers.args import describe
from .arguments import ArgumentReader
from .model import INPUT, Scope, part_name, split_ref
from .yamlsafe import Loc


class GraphReader(ArgumentReader):
    """Names to references: what each layer takes, and what the network gives."""

    def inputs(self, pair: tuple[Node, Node] | None, scope: Scope, full: str, explicit: dict[str, int],
               entries: list, index: int) -> list[str] | None:
        """`inputs: a` or `inputs: [a, b]`: names of earlier layers in this scope, or dotted
        names of layers inside earlier blocks (`down1.conv2`). None: the previous layer."""
        if pair is None:
            return None
        node = pair[1]
        ok, value = self.value(node)
        if not ok:
            return None
        names = [value] if isinstance(value, str) else value
        if not isinstance(names, list) or not names or not all(isinstance(n, str) for n in names):
            self.error("S009", f"{full}: inputs: expected a layer name or a list of them, found {describe(value)}",
                       Loc.of(node), full)
            return None
        refs = []
        for ref in names:
            name, output = split_ref(ref) if ref[-1:] == "]" else (ref, None)  # `parts[1]`: one output of several
            if output is not None and (ref in scope.names or ref in self.refs):
                name, output = ref, None  # a name that itself ends in [i] (a when: false alias)
            if name in scope.names:
                target = scope.names[name]
            elif scope.prefix + name in self.refs:
                target = self.refs[scope.prefix + name]
            elif name in explicit and explicit[name] >= index:
                line = entries[explicit[name]].loc.line
                cycle = self.depends_on(explicit[name], index, explicit, entries)
                self.error("G002", f"{full}: inputs: '{name}' comes later (line {line}); a layer can only take "
                           f"layers above it" + ("; here that would be a cycle" if cycle else ""), Loc.of(node), full)
                return None
            elif name in self.refs:  # a full name from anywhere above, e.g. a skip connection passed to a block
                target = self.refs[name]
            else:
                known = chain((n for n in scope.names if n != INPUT or scope.stack), [INPUT])
                self.error("G001", f"{full}: inputs: no layer named '{name}' before this one"
                           f"{self.hints.did_you_mean(name, known)}", Loc.of(node), full)
                return None
            if output is not None and split_ref(target)[1] is not None:
                self.error("G001", f"{full}: inputs: '{name}' is already one output ({target}); '{ref}' "
                           "picks an output of it", Loc.of(node), full)
                return None
            refs.append(target if output is None else part_name(target, output))
        return refs

    def depends_on(self, start: int, target: int, explicit: dict[str, int], entries: list) -> bool:
        """Whether entry `start` reaches entry `target` through inputs (default: the one above);
        False, too, once the document's hint budget is spent (each call may walk the whole list)."""
        seen, todo = set(), [start]
        while todo and self.hints.spend():
            i = todo.pop()
            if i == target:
                return True
            if i in seen or i < 0 or entries[i] is None:
                continue
            seen.add(i)
            pair = entries[i].items.get("inputs")
            ok, value = self.value(pair[1]) if pair else (True, None)
            names = [value] if isinstance(value, str) else value if isinstance(value, list) else None
            todo.extend([explicit[n] for n in names if isinstance(n, str) and n in explicit] if names else [i - 1])
        return False

    def network_outputs(self, pair: tuple[Node, Node] | None, scope: Scope) -> None:
        """`outputs:` names the network's outputs (default: the last layer); a layer whose output
        nothing takes and that is not an output is probably a mistake (W002)."""
        outputs: list[str] = []
        self.spec.default_outputs = pair is None
        if pair is not None:
            ok, value = self.value(pair[1])
            names = [value] if isinstance(value, str) else value
            if ok and (not isinstance(names, list) or not names or not all(isinstance(n, str) for n in names)):
                self.error("S009", f"outputs: expected a layer name or a list of them, found {describe(value)}",
                           Loc.of(pair[1]))
            elif ok:
                for name in names:
                    base, output = split_ref(name)
                    ref = scope.names.get(name) or self.refs.get(name)
                    if ref is None and output is not None:
                        ref = scope.names.get(base) or self.refs.get(base)
                        ref = None if ref is None else part_name(ref, output)
                    if ref is None:
                        self.error("G001", f"outputs: no layer named '{name}'{self.hints.did_you_mean(name, self.refs)}",
                                   Loc.of(pair[1]))
                    else:
                        outputs.append(ref)
        elif self.spec.layers:
            outputs = [scope.previous]
        self.spec.outputs = outputs
        if self.too_many:  # the network was cut short (G005): its last layers' outputs are not unused
            return
        used = set(outputs)
        for layer in self.spec.layers:
            used.update(layer.inputs)
        used.update([split_ref(ref)[0] for ref in used if ref[-1:] == "]"])  # `parts[1]` uses parts
        for layer in self.spec.layers:
            if layer.name not in used:
                self.error("W002", f"{layer.name}: its output is never used (name it in `outputs` if the "
                           "network returns it)", layer.loc, layer.name)
