# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 1. A transparent credit scorecard with a neural additive model
#
# A credit-risk modeller must ship a model a regulator can read. A neural additive model
# (NAM) scores an applicant as a **sum of one learned curve per feature** (plus a few
# pairwise interactions), so the model *is* its explanation: every curve can be plotted,
# turned into scorecard points, constrained to move in the direction policy requires, and
# used to tell a declined applicant why.
#
# This tutorial fits a NAM on `credit_data` (4,454 loan applicants, `Status == "bad"` is
# the adverse outcome), with monotone constraints on income and seniority, then
# 1. checks its accuracy on held-out applicants,
# 2. plots the shape functions,
# 3. turns it into a points scorecard and checks the points reproduce the model,
# 4. writes adverse-action reason codes for declined applicants,
# 5. saves it and loads it back.
#
# Run it as a script (`python tutorials/01_credit_scorecard_nam.py`) or open it in Jupyter
# (jupytext percent format). `INN_TUTORIAL_QUICK=1` trains briefly (the test suite does).

# %%
import os
from pathlib import Path

import numpy as np
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import train_test_split

import interpretable_nn as inn
from interpretable_nn.datasets import load_dataset
from interpretable_nn.explain import reason_codes

QUICK = os.environ.get("INN_TUTORIAL_QUICK") == "1"
OUT = Path(os.environ.get("INN_TUTORIAL_OUT", "tutorial_output")) / "01_scorecard"
OUT.mkdir(parents=True, exist_ok=True)

ds = load_dataset("credit_data")
X_train, X_test, y_train, y_test = train_test_split(ds.X, ds.y, test_size=0.25, stratify=ds.y, random_state=0)
print(ds.description)
X_train.head()

# %% [markdown]
# ## Fit with monotone constraints
#
# Policy says more income and more years with the employer must never *raise* the risk:
# `monotone={"Income": -1, "Seniority": -1}` makes those curves non-increasing by
# construction (not by a penalty that may or may not hold).

# %%
nam = inn.NAMClassifier(
    monotone={"Income": -1, "Seniority": -1},
    n_bags=2 if QUICK else 8,
    max_epochs=20 if QUICK else 300,
    interactions=2 if QUICK else 10,
    random_state=0,
    verbose=0,
)
nam.fit(X_train, y_train)
auc = roc_auc_score(y_test, nam.predict_proba(X_test)[:, 1])
print(f"held-out ROC AUC: {auc:.4f}; terms: {len(nam.terms_)} ({sum(' x ' in t for t in nam.terms_)} interactions)")
assert 0.5 < auc <= 1

# %% [markdown]
# ## The shape functions are the model
#
# Each panel is one feature's contribution to the log-odds of a bad outcome (bands: the
# spread of the bagged models). The monotone constraints hold on the whole range:

# %%
for feature in ("Income", "Seniority"):
    curve = nam.shape_function(feature)
    curve = curve[~curve["missing"]]
    steps = np.diff(curve["contribution"].to_numpy())
    print(f"{feature}: largest increase between neighbouring knots {steps.max():+.2e} (must be <= 0)")
    assert steps.max() <= 1e-6

fig = nam.plot_shape_functions(max_terms=8)
fig.savefig(OUT / "shape_functions.png", dpi=90, bbox_inches="tight")
print("saved", OUT / "shape_functions.png")

# %% [markdown]
# The built-in explanation is exact: the intercept plus the terms of a row *is* its
# log-odds (the additivity gap is reported beside the values, as a check).

# %%
e = nam.explain(X_test.head(5))
print("additivity gap:", e.check["additivity_gap"])
assert e.check["additivity_gap"] < 1e-6

# %% [markdown]
# ## A points scorecard
#
# Scorecards are how credit models are read: points per feature bin, summed. The points
# are a linear rescaling of the log-odds (20 points double the odds), so ranking by points
# ranks exactly as the model does within the binning.

# %%
card = nam.to_scorecard()  # an inn.Scorecard: torch-free, exports to JSON, Markdown and SQL
print(card.table[["feature", "bin", "points"]].head(12).to_string(index=False))
print(card.check.summary())  # how far the points reproduce the model
points = card.score(X_test)
d = nam.decision_function(X_test)
rank_corr = np.corrcoef(np.argsort(np.argsort(points)), np.argsort(np.argsort(-d)))[0, 1]
print(f"rank correlation of scorecard points with the model's risk ordering: {rank_corr:.4f}")
assert rank_corr > 0.95

# %% [markdown]
# ## Reason codes for declined applicants
#
# US adverse-action notices (Regulation B) must state the principal reasons for a
# decline. `reason_codes` ranks each applicant's terms by the points they cost against
# the best attainable value, in the feature's own words and units.

# %%
declined = X_test[nam.predict_proba(X_test)[:, 1] > 0.5].head(3)
codes = reason_codes(nam, declined, k=3, background=X_train)
for row, g in codes.groupby("row", sort=False):
    print(f"applicant {row}:")
    for r in g.itertuples():
        print(f"  {r.rank}. {r.text}  ({r.points:.2f} points)")
assert len(codes) > 0

# %% [markdown]
# ## Save, load, and score again
#
# Models are saved as safetensors + JSON with a SHA-256 manifest (never pickle), and
# loading reproduces the predictions exactly.

# %%
nam.save(OUT / "nam_model")
again = inn.load_model(OUT / "nam_model")
assert np.array_equal(again.predict_proba(X_test), nam.predict_proba(X_test))
print("reloaded model reproduces the predictions exactly")
