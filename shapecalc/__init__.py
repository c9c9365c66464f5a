"""shapecalc: a calculator for convolutional network architectures written as YAML specs."""

from typing import Any, Sequence

from .version import __version__

__all__ = ["__version__", "summary"]


def summary(model: Any, input_size: Sequence[int] = (3, 224, 224), **options: Any) -> Any:
    """check's analysis of a live PyTorch model, imported in memory (shapecalc.torch.summary):
    `print(shapecalc.summary(model))` shows check's table. Here so a torchinfo user changes one
    line; torch is imported only when it is called."""
    from .torch.summary import summary as run

    return run(model, input_size, **options)
