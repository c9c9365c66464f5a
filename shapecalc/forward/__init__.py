"""`shapecalc run`: a reference forward pass in pure Python (standard library only).

It executes a spec on real numbers so that every shape in the calculator's table is checked
by a computation that never uses the shape formulas: each kernel slides its windows and the
output has whatever size the sliding gives. Tensors are flat lists (`tensor`), parameters are
seeded or read from JSON (`params`, `files`), kernels are registered by layer type (`ops`), and
`driver` runs them, in several processes for the large layers.
"""
