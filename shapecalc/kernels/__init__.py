"""The forward kernels of `shapecalc run`: a reference forward pass in pure Python (standard
library only), beside the layer kinds that use them.

They execute a spec on real numbers so that every shape in the calculator's table is checked by
a computation that never uses the shape formulas: each kernel slides its windows and the output
has whatever size the sliding gives. Tensors are flat lists (`tensor`), parameters are seeded or
read from JSON (`params`), and each layer kind names its kernel, parameter layout and work
estimate in its `forward` Op (`ops`); shapecalc.analysis.forward runs them, in several processes
for the large layers. The kernels import nothing of the layer kinds but the shared arithmetic
(layers/window.py, layers/spatial.py), so the kinds can import them lazily, without a cycle.
"""
