"""Feature schema: what each raw column is, inferred once from the training frame.

A :class:`FeatureSchema` records for every column its kind (``numeric``, ``binary`` or
``categorical``), whether missing values were seen, the value range and quantiles of numeric
columns, the levels of categorical ones and an optional monotone direction. It is plain
data (JSON round-trip) and is what every later stage, from the encoder to rule exports,
uses to speak in the feature's own names and units.

Kinds
-----
numeric
    A real-valued column (int, float). Encoded standardized, with a missing indicator.
binary
    A numeric column with at most two distinct values (e.g. 0/1 flags). Encoded like a
    numeric column; models may treat it as a two-level lookup.
categorical
    Strings, pandas ``category``, booleans, or any column the user names in
    ``categorical=``. Encoded as integer codes with a reserved *missing* and *unseen* level.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["FeatureSpec", "FeatureSchema", "infer_schema", "to_json_value"]

KINDS = ("numeric", "binary", "categorical")


def to_json_value(v: Any) -> Any:
    """A category level as a JSON-safe Python scalar (numpy scalars unwrapped)."""
    if isinstance(v, np.generic):
        v = v.item()
    if isinstance(v, float) and v.is_integer() and abs(v) < 2**53:
        # keep floats as floats: 1.0 and 1 are different raw values for a reviewer
        return float(v)
    return v


@dataclass
class FeatureSpec:
    """One raw column.

    Attributes
    ----------
    name : str
    kind : {"numeric", "binary", "categorical"}
    dtype : str
        The pandas dtype seen at fit time (for messages and exports).
    has_missing : bool
        Whether missing values were seen in training.
    min, max, mean, std : float or None
        Numeric summary over the non-missing training values.
    quantiles : list of float
        Distinct training quantiles (at most 257 points) for numeric features: knots,
        threshold candidates and plot grids come from here.
    categories : list
        Levels of a categorical feature, most frequent first (raw values, JSON-safe).
    monotone : int
        +1 (increasing), -1 (decreasing) or 0 (free): the user's policy for the feature.
    """

    name: str
    kind: str
    dtype: str = ""
    has_missing: bool = False
    min: float | None = None
    max: float | None = None
    mean: float | None = None
    std: float | None = None
    quantiles: list[float] = field(default_factory=list)
    categories: list[Any] = field(default_factory=list)
    monotone: int = 0

    @property
    def is_numeric(self) -> bool:
        return self.kind in ("numeric", "binary")

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> FeatureSpec:
        if d.get("kind") not in KINDS:
            raise ValueError(f"Feature {d.get('name')!r}: unknown kind {d.get('kind')!r}; expected one of {KINDS}.")
        return cls(**d)


@dataclass
class FeatureSchema:
    """The ordered list of :class:`FeatureSpec` of a training frame.

    Examples
    --------
    >>> import pandas as pd
    >>> s = infer_schema(pd.DataFrame({"age": [30, 40, None], "home": ["rent", "own", "rent"]}))
    >>> [(f.name, f.kind, f.has_missing) for f in s]
    [('age', 'numeric', True), ('home', 'categorical', False)]
    """

    features: list[FeatureSpec]

    def __iter__(self):
        return iter(self.features)

    def __len__(self) -> int:
        return len(self.features)

    def __getitem__(self, name: str) -> FeatureSpec:
        for f in self.features:
            if f.name == name:
                return f
        raise KeyError(f"No feature named {name!r}; the schema has {self.names}.")

    @property
    def names(self) -> list[str]:
        return [f.name for f in self.features]

    @property
    def numeric(self) -> list[FeatureSpec]:
        return [f for f in self.features if f.is_numeric]

    @property
    def categorical(self) -> list[FeatureSpec]:
        return [f for f in self.features if f.kind == "categorical"]

    def to_dict(self) -> dict:
        return {"features": [f.to_dict() for f in self.features]}

    @classmethod
    def from_dict(cls, d: dict) -> FeatureSchema:
        return cls([FeatureSpec.from_dict(f) for f in d["features"]])

    def to_frame(self) -> pd.DataFrame:
        """One row per feature: kind, missing, range, number of levels, monotone."""
        return pd.DataFrame(
            [
                {
                    "feature": f.name,
                    "kind": f.kind,
                    "dtype": f.dtype,
                    "missing": f.has_missing,
                    "min": f.min,
                    "max": f.max,
                    "levels": len(f.categories) if f.kind == "categorical" else None,
                    "monotone": f.monotone,
                }
                for f in self.features
            ]
        )


def _is_categorical_dtype(s: pd.Series) -> bool:
    return (
        isinstance(s.dtype, pd.CategoricalDtype)
        or pd.api.types.is_bool_dtype(s.dtype)
        or pd.api.types.is_object_dtype(s.dtype)
        or pd.api.types.is_string_dtype(s.dtype)
    )


def infer_schema(
    X: pd.DataFrame,
    categorical: list[str] | None = None,
    monotone: dict[str, int] | None = None,
    n_quantiles: int = 256,
) -> FeatureSchema:
    """Infer a :class:`FeatureSchema` from a validated training frame.

    Parameters
    ----------
    X : DataFrame
        Raw training columns (already checked by :func:`interpretable_nn.data.validation.check_frame`).
    categorical : list of str, optional
        Columns to treat as categorical even though they hold numbers.
    monotone : dict, optional
        ``{column: +1 | -1}``; only numeric/binary columns can be monotone.
    n_quantiles : int
        Maximum number of quantile knots kept per numeric feature.
    """
    categorical = set(categorical or [])
    monotone = dict(monotone or {})
    unknown = (categorical | set(monotone)) - set(X.columns)
    if unknown:
        raise ValueError(
            f"Columns {sorted(map(str, unknown))} are named in categorical=/monotone= but are not in X; "
            f"available columns: {list(X.columns)}."
        )
    specs = []
    for name in X.columns:
        s = X[name]
        missing = s.isna()
        direction = monotone.get(name, 0)
        if direction not in (-1, 0, 1):
            raise ValueError(f"monotone[{name!r}] must be +1, -1 or 0; got {direction!r}.")
        if name in categorical or _is_categorical_dtype(s):
            if direction:
                raise ValueError(
                    f"Column {name!r} is categorical and cannot be monotone; encode it as a number "
                    "or drop it from monotone=."
                )
            counts = s[~missing].value_counts(sort=True)
            levels = [to_json_value(v) for v in counts.index]
            if pd.api.types.is_bool_dtype(s.dtype):
                levels = [bool(v) for v in levels]
            specs.append(
                FeatureSpec(
                    name=str(name), kind="categorical", dtype=str(s.dtype),
                    has_missing=bool(missing.any()), categories=levels,
                )
            )
            continue
        v = s[~missing].to_numpy(dtype=float)
        uniq = np.unique(v)
        qs = np.unique(np.quantile(v, np.linspace(0, 1, n_quantiles + 1))) if len(v) else np.array([])
        if len(uniq) <= n_quantiles + 1:
            qs = uniq
        specs.append(
            FeatureSpec(
                name=str(name),
                kind="binary" if len(uniq) <= 2 else "numeric",
                dtype=str(s.dtype),
                has_missing=bool(missing.any()),
                min=float(v.min()) if len(v) else None,
                max=float(v.max()) if len(v) else None,
                mean=float(v.mean()) if len(v) else None,
                std=float(v.std()) if len(v) else None,
                quantiles=[float(q) for q in qs],
                monotone=int(direction),
            )
        )
    return FeatureSchema(specs)
