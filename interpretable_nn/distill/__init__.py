"""Distillation: any fitted model summarised as a small surrogate tree, with its measured
fidelity (:mod:`interpretable_nn.distill.surrogate`; the teacher-labelled extra rows are
drawn by :mod:`interpretable_nn.distill.augment`)."""

from .surrogate import SurrogateTree

__all__ = ["SurrogateTree"]
