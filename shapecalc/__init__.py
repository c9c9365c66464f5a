"""shapecalc: a calculator for convolutional network architectures written as YAML specs."""

__version__ = "0.1.0"
