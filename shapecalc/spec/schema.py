"""The spec format as a JSON Schema (draft-07), so editors can autocomplete and underline specs.

Built from the tables the parser itself uses: TOP_KEYS, LAYER_KEYS and BLOCK_KEYS (spec/model.py), the
layer registry KINDS with TYPE_ALIASES, and the JSON Schema each argument's validator carries
(layers/args.py). The shipped shapecalc/schema.json is this document, and tests/test_schema.py
checks that schema and parser agree on which specs are valid, so the two cannot drift apart.

A schema cannot say everything the parser checks. It is written never to reject a valid spec,
and it lets through what only shapecalc can see: shapes (the F codes), unique layer names and
what `inputs` and `outputs` refer to, integers written as 4.0 and real numbers written as
integers beyond int64 (JSON has a single number type),
block names used as layer types, and, inside blocks, argument values (they may be `$parameters`;
the argument names are still checked). Type names are matched ignoring case, as the parser does.
"""

from __future__ import annotations

import json
from typing import Any

from ..layers import KINDS, TYPE_ALIASES, LayerKind
from ..layers.args import Arg, int_schema, schema_of
from .model import BLOCK_KEYS, INPUT, LAYER_ANSWERS, LAYER_KEYS, MAX_LAYERS, TOP_ANSWERS, TOP_KEYS

DRAFT = "http://json-schema.org/draft-07/schema#"
NAMES = "^(?!input$)[^.]*[^.\\s][^.]*$"  # what the parser accepts as a layer name
LEFT_OUT = {"required": ["when"], "properties": {"when": {"const": False}}}

TOP: dict[str, dict[str, Any]] = {
    "name": {"type": "string", "description": "The network's name, shown in reports."},
    "description": {"type": "string", "description": "Free text about the network."},
    "input": {"type": "array", "minItems": 1, "maxItems": 4, "items": int_schema(1),
              "description": "Input shape, channels first, no batch: [C, H, W], [C, L], [C, D, H, W] or [features]."},
    "layers": {"type": "array", "description": "The layers in order; each takes the previous one's output "
               "unless `inputs` says otherwise."},
    "blocks": {"type": "object", "description": "Reusable groups of layers with $parameters, used as layer types.",
               "additionalProperties": {"$ref": "#/definitions/block"}},
    "outputs": {"anyOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}],
                "description": "The layer or layers the network returns (default: the last layer)."},
    "expect": {"type": "object", "propertyNames": {"enum": list(TOP_ANSWERS)},
               "description": "Answers to check against the calculation (A001 when one differs)."},
}

ENTRY: dict[str, dict[str, Any]] = {
    "type": {"type": "string", "description": "Layer type: a torch.nn class name, lower-cased, or an alias."},
    "name": {"type": "string", "pattern": NAMES,
             "description": "Unique layer name (default: type and a per-type count); no '.', not 'input'."},
    "inputs": {"anyOf": [{"type": "string"}, {"type": "array", "minItems": 1, "items": {"type": "string"}}],
               "description": "Earlier layers (or 'input') this layer takes, instead of the previous one."},
    "trainable": {"type": "boolean", "description": "false counts the parameters as frozen (requires_grad_(False))."},
    "when": {"type": "boolean", "description": "false leaves the layer out (its name then stands for its input)."},
    "repeat": {"type": "integer", "minimum": 1, "maximum": MAX_LAYERS,
               "description": "Stack this many copies, each taking the previous one's output."},
    "first": {"type": "object", "description": "Arguments that only the first copy of a repeated layer takes."},
    "expect": {"type": "object", "propertyNames": {"enum": list(LAYER_ANSWERS)},
               "description": "Answers to check against this layer's calculation (A001 when one differs)."},
}

BLOCK: dict[str, dict[str, Any]] = {
    "params": {"type": "object", "description": "Parameter names and defaults (null: required)."},
    "layers": {"type": "array", "items": {"$ref": "#/definitions/block_layer"},
               "description": "The block's layers; 'input' is the block's input."},
    "description": {"type": "string", "description": "Free text about the block."},
}


def _pick(table: dict[str, dict[str, Any]], keys: tuple[str, ...]) -> dict[str, dict[str, Any]]:
    """The schemas of the keys the parser takes, in its order; a key this module does not know
    yet is allowed with any value (tests/test_schema.py fails until it is described here)."""
    return {key: table.get(key, {}) for key in keys}


def _ci(words: list[str]) -> str:
    """A regex matching any of the words, ignoring case (JSON Schema regexes have no flags)."""
    def one(word: str) -> str:
        return "".join(f"[{c.lower()}{c.upper()}]" if c.isalpha() else c for c in word)

    return "^(?:" + "|".join(one(w) for w in sorted(words)) + ")$"


def _names(kind: LayerKind) -> list[str]:
    return [kind.type, *(alias for alias, target in TYPE_ALIASES.items() if target == kind.type)]


def _default(arg: Arg) -> Any:
    """The default as a user writes it: `1`, not the per-dimension tuple (1, 1)."""
    value = arg.default
    if isinstance(value, tuple):
        return value[0] if len(set(value)) == 1 else list(value)
    return value


def _argument(arg: Arg) -> dict[str, Any]:
    schema = dict(schema_of(arg.validate) or {})
    schema["description"] = arg.help or f"torch's {arg.name}"
    if not arg.required:
        schema["default"] = _default(arg)
    return schema


def _keys(kind: LayerKind) -> list[str]:
    return [key for key in LAYER_KEYS if key != "type"] + [n for a in kind.args for n in (a.name, *a.aliases)]


def _kind(kind: LayerKind) -> dict[str, Any]:
    """A layer of this kind: its arguments (under their aliases too), required ones present,
    none under two names at once."""
    properties: dict[str, Any] = {key: {"$ref": f"#/definitions/entry.{key}"} for key in LAYER_KEYS if key != "type"}
    for arg in kind.args:
        for name in (arg.name, *arg.aliases):
            properties[name] = _argument(arg)
    first_keys = ["trainable", "expect", *(n for a in kind.args for n in (a.name, *a.aliases))]
    properties["first"] = {**ENTRY["first"], "propertyNames": {"enum": first_keys}}
    rules: list[dict[str, Any]] = []
    for arg in kind.args:
        if arg.required:
            need = ({"required": [arg.name]} if not arg.aliases
                    else {"anyOf": [{"required": [name]} for name in (arg.name, *arg.aliases)]})
            rules.append(need)
        rules += [{"not": {"required": [arg.name, alias]}} for alias in arg.aliases]
    schema = {"type": "object", "description": kind.summary.replace("{n}", str(getattr(kind, "ndim", ""))),
              "properties": properties}
    return {**schema, "allOf": rules} if rules else schema


def _definitions() -> dict[str, Any]:
    known = [name for kind in KINDS.values() for name in _names(kind)]
    defs: dict[str, Any] = {
        "known": {"pattern": _ci(known), "description": "Any layer type name or alias, in any case."},
        "type_name": {"type": "string", "pattern": _ci(known), "examples": sorted(known),
                      "description": "A layer type (case does not matter) or an alias."},
        "layer": {"description": "A layer: a type name (- relu), a mapping with 'type', or a one-key mapping "
                  "(- conv2d: {...}).",
                  "anyOf": [{"$ref": "#/definitions/type_name"}, {"$ref": "#/definitions/typed_layer"},
                            {"$ref": "#/definitions/short_layer"}]},
        "typed_layer": {"type": "object", "required": ["type"], "description": "A layer written with 'type'.",
                        "properties": {"type": {"$ref": "#/definitions/type_name"}},
                        "allOf": [{"if": {"required": ["type"], "properties": {"type": {"pattern": _ci(_names(k))}}},
                                   "then": {"$ref": f"#/definitions/typed.{k.type}"}} for k in KINDS.values()]},
        "short_layer": {"type": "object", "minProperties": 1, "maxProperties": 1,
                        "description": "A layer written as its type with its arguments: conv2d: {...}.",
                        "properties": {n: {"$ref": f"#/definitions/args.{k.type}"} for k in KINDS.values()
                                       for n in _names(k)},
                        "patternProperties": {_ci(_names(k)): {"$ref": f"#/definitions/args.{k.type}"}
                                              for k in KINDS.values()},
                        "additionalProperties": False},
        "block_use": {"description": "A use of a block defined under 'blocks' (its parameters as arguments).",
                      "anyOf": [{"type": "string", "not": {"$ref": "#/definitions/known"}},
                                {"type": "object", "required": ["type"],
                                 "properties": {"type": {"type": "string", "not": {"$ref": "#/definitions/known"}}}},
                                {"type": "object", "minProperties": 1, "maxProperties": 1,
                                 "propertyNames": {"not": {"anyOf": [{"$ref": "#/definitions/known"},
                                                                     {"const": "type"}]}},
                                 "additionalProperties": {"type": ["object", "null"]}}]},
        "block": {"type": "object", "required": ["layers"], "additionalProperties": False,
                  "description": "A block: its $parameters (null: required) and its layers.",
                  "properties": _pick(BLOCK, BLOCK_KEYS)},
        "block_layer": {"description": "A layer inside a block: argument names are checked, values may be "
                        "$parameters.",
                        "anyOf": [{"type": "string"},
                                  {"type": "object", "required": ["type"], "properties": {"type": {"type": "string"}},
                                   "allOf": [{"if": {"required": ["type"],
                                                     "properties": {"type": {"pattern": _ci(_names(k))}}},
                                              "then": {"propertyNames": {"anyOf": [
                                                  {"const": "type"}, {"$ref": f"#/definitions/keys.{k.type}"}]}}}
                                             for k in KINDS.values()]},
                                  {"type": "object", "minProperties": 1, "maxProperties": 1,
                                   "patternProperties": {_ci(_names(k)): {"anyOf": [
                                       {"type": "null"},
                                       {"type": "object", "propertyNames": {"$ref": f"#/definitions/keys.{k.type}"}}]}
                                       for k in KINDS.values()},
                                   "additionalProperties": {"type": ["object", "null"]}}]},
    }
    defs.update({f"entry.{key}": ENTRY.get(key, {}) for key in LAYER_KEYS if key != "type"})
    for kind in KINDS.values():
        ref, keys = {"$ref": f"#/definitions/kind.{kind.type}"}, {"$ref": f"#/definitions/keys.{kind.type}"}
        defs[f"kind.{kind.type}"] = _kind(kind)
        defs[f"keys.{kind.type}"] = {"enum": _keys(kind)}
        # A layer left out (`when: false`) is not checked by the parser beyond that flag.
        defs[f"typed.{kind.type}"] = {"if": LEFT_OUT, "else": {"allOf": [
            ref, {"propertyNames": {"anyOf": [{"const": "type"}, keys]}}]}}
        defs[f"args.{kind.type}"] = {"anyOf": [{"type": "null"}, {"type": "object", "if": LEFT_OUT, "else": {
            "allOf": [ref, {"propertyNames": keys}]}}]}
    return defs


def build_schema() -> dict[str, Any]:
    """The whole document. Top-level layers may use blocks only when the spec defines some."""
    properties = _pick(TOP, TOP_KEYS)
    properties["blocks"] = {**properties["blocks"], "propertyNames": {
        "pattern": "^[^.]*$", "not": {"anyOf": [{"$ref": "#/definitions/known"}, {"const": INPUT}]}}}
    with_blocks = {"anyOf": [{"$ref": "#/definitions/layer"}, {"$ref": "#/definitions/block_use"}]}
    return {
        "$schema": DRAFT,
        "title": "shapecalc network spec",
        "description": "A convolutional network for shapecalc: its input shape and its layers, with PyTorch's "
                       "argument names and defaults. Generated by `shapecalc schema`.",
        "type": "object",
        "required": ["input", "layers"],
        "properties": properties,
        "additionalProperties": False,
        "if": {"required": ["blocks"]},
        "then": {"properties": {"layers": {"items": with_blocks}}},
        "else": {"properties": {"layers": {"items": {"$ref": "#/definitions/layer"}}}},
        "definitions": _definitions(),
    }


def schema_text() -> str:
    """The schema as shipped in shapecalc/schema.json and printed by `shapecalc schema`."""
    return json.dumps(build_schema(), indent=1) + "\n"

