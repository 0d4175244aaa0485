"""The LIME side of the cross-check: local surrogate weights from the ``lime`` package for
the model's decision function, one column per original feature, next to SHAP's.

:func:`lime_of_view` runs ``lime.lime_tabular.LimeTabularExplainer`` in regression mode on
the decision function (log-odds for classifiers) with the background rows as LIME's
training data: numeric features discretised into quartiles (LIME's default), categorical
features (from the model's schema) sampled from their background frequencies. A row's
value for a feature is LIME's weight of "this row's bin / level", i.e. the local effect of
having the row's value rather than one drawn from the background; the base value is LIME's
intercept. Categorical levels travel as codes through the same codec as SHAP's
(:class:`~interpretable_nn.explain.shap_library._Codec`). LIME's sampler cannot carry a
missing numeric value, so a missing numeric value is explained as the background median
(documented limitation).

LIME is not additive: ``check["additivity_gap"]`` says how far ``intercept + sum(weights)``
is from the model's output on each row (the point of showing it next to SHAP and the exact
built-in explanations).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..attribution.explanation import Explanation
from ..attribution.fidelity import Fidelity
from .shap_library import _Codec
from .view import ModelView

__all__ = ["lime_of_view"]


def lime_of_view(view: ModelView, Xf: pd.DataFrame, Bf: pd.DataFrame, nsamples: int | None = None,
                 random_state: int | None = 0) -> Explanation:
    """LIME weights of the view's decision function for the validated rows ``Xf``, with
    the validated background ``Bf`` as LIME's training data.

    Parameters
    ----------
    view : ModelView
    Xf, Bf : DataFrame
        Rows to explain and reference rows (validated by the view).
    nsamples : int, optional
        Perturbed samples per row (default 2000).
    random_state : int or None
        Seed of LIME's sampling.

    Returns
    -------
    Explanation
        ``method="lime"``, ``check["additivity_gap"]`` against the model output.
    """
    try:
        from lime.lime_tabular import LimeTabularExplainer
    except ImportError as exc:  # pragma: no cover - lime is a dev extra
        raise ImportError("method='lime' needs the lime package: pip install lime") from exc
    if len(Bf) == 0:
        raise ValueError("background has no rows; pass reference rows (e.g. 100 training rows).")
    nsamples = 2000 if nsamples is None else int(nsamples)
    if nsamples < 10:
        raise ValueError(f"nsamples must be at least 10 for LIME; got {nsamples}.")
    names = view.names
    numeric = view.numeric_flags(Xf)
    med = {c: float(pd.to_numeric(Bf[c], errors="coerce").median()) for c, n in zip(names, numeric) if n}

    def filled(df: pd.DataFrame) -> pd.DataFrame:
        return df.fillna({c: (0.0 if np.isnan(m) else m) for c, m in med.items()})

    codec = _Codec(names, numeric, [Xf, Bf], code_numeric=False)  # LIME draws new numbers
    Mx, Mb = codec.encode(filled(Xf)), codec.encode(filled(Bf))
    f_df = view.decision_function()

    def f(M: np.ndarray) -> np.ndarray:
        return f_df(codec.decode(M))

    cats = [j for j, n in enumerate(numeric) if not n]
    explainer = LimeTabularExplainer(Mb, mode="regression", feature_names=names, categorical_features=cats,
                                     discretize_continuous=True, random_state=random_state)
    d = len(names)
    values, base = np.zeros((len(Xf), d)), np.zeros(len(Xf))
    for i in range(len(Xf)):
        e = explainer.explain_instance(Mx[i], f, num_features=d, num_samples=nsamples)
        key = 1 if 1 in e.local_exp else next(iter(e.local_exp))  # regression: label 1 holds the weights
        for j, w in e.local_exp[key]:
            values[i, int(j)] = float(w)
        base[i] = float(e.intercept[key] if isinstance(e.intercept, dict) else e.intercept)
    out = Explanation(values=values, base_values=base, feature_names=names, data=Xf, output=view.output,
                      method="lime")
    gap = out.check_additivity(f_df(Xf)) if len(Xf) else 0.0
    out.check = Fidelity("intercept + LIME weights vs decision_function", "explained", len(Xf),
                         {"additivity_gap": gap})
    return out
