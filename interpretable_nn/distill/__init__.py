"""Distillation: any fitted model summarised as a small surrogate tree, with its measured
fidelity (see :mod:`interpretable_nn.distill.surrogate`)."""

from .surrogate import SurrogateTree

__all__ = ["SurrogateTree"]
