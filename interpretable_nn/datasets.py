"""Public data-set API: ``from interpretable_nn.datasets import load_dataset, list_datasets, make_additive``."""

from .data.datasets import Dataset, list_datasets, load_dataset, make_additive

__all__ = ["Dataset", "list_datasets", "load_dataset", "make_additive"]
