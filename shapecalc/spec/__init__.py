"""Text -> spec: the first stage of the pipeline.

`parse` turns a spec's text into a `Spec` (a flat, ordered list of layer descriptors with their
validated arguments, resolved inputs and block uses) plus located diagnostics; it never raises.
yamlsafe.py reads YAML safely and boundedly, model.py is what a parsed spec is, document.py,
blocks.py, graph.py and arguments.py are the parts of the parser, schema.py writes the format's
JSON Schema from the same tables.
"""

from .document import parse
from .model import INPUT, BlockUse, LayerSpec, Spec, did_you_mean
from .yamlsafe import Loc, decode

__all__ = ["INPUT", "BlockUse", "LayerSpec", "Loc", "Spec", "decode", "did_you_mean", "parse"]
