"""Data layer: schema inference, the one tabular encoder, input validation, data sets."""

from .datasets import Dataset, list_datasets, load_dataset, make_additive
from .encoding import EncodedData, TabularEncoder, UnseenCategoryWarning
from .ranges import MissingNotSeenWarning, OutOfRangeWarning
from .schema import (
    FeatureSchema,
    FeatureSpec,
    IdentifierColumnWarning,
    UnnamedColumnWarning,
    infer_schema,
)
from .validation import ExtraColumnsWarning, check_frame, check_predict_frame, check_target

__all__ = [
    "Dataset",
    "EncodedData",
    "ExtraColumnsWarning",
    "FeatureSchema",
    "FeatureSpec",
    "IdentifierColumnWarning",
    "MissingNotSeenWarning",
    "OutOfRangeWarning",
    "TabularEncoder",
    "UnnamedColumnWarning",
    "UnseenCategoryWarning",
    "check_frame",
    "check_predict_frame",
    "check_target",
    "infer_schema",
    "list_datasets",
    "load_dataset",
    "make_additive",
]
