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
# # 2. A rule set for reviewers, re-scored in SQL
#
# A model reviewer receives a rule set and must be able to re-score applicants with it
# and get **exactly** the model's decisions — without Python, without the library. A
# `RuleNetClassifier` learns an additive rule set (each rule adds points to the log-odds
# when all its conditions hold) and *predicts with that rule set*, so what the reviewer
# reads is the model, not an approximation of it.
#
# This tutorial
# 1. fits a rule network on `credit_data`,
# 2. exports its rule set as Markdown (for the review document) and JSON (the artefact),
# 3. re-scores the held-out applicants from the JSON alone and in **SQLite** with the
#    exported SQL, and checks both reproduce the model,
# 4. distils a black-box model into a depth-4 surrogate tree, when that module is
#    installed, and reports how faithful the readable copy is.
#
# Run: `python tutorials/02_rules_for_reviewers.py` (`INN_TUTORIAL_QUICK=1`: brief training).

# %%
import os
import sqlite3
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import train_test_split

from interpretable_nn.datasets import load_dataset
from interpretable_nn.models import make_model
from interpretable_nn.rules import RuleSet

QUICK = os.environ.get("INN_TUTORIAL_QUICK") == "1"
OUT = Path(os.environ.get("INN_TUTORIAL_OUT", "tutorial_output")) / "02_rules"
OUT.mkdir(parents=True, exist_ok=True)

ds = load_dataset("credit_data")
X_train, X_test, y_train, y_test = train_test_split(ds.X, ds.y, test_size=0.25, stratify=ds.y, random_state=0)

# %% [markdown]
# ## Fit a rule network

# %%
rules = make_model("rulenet", max_rules=20, max_epochs=10 if QUICK else 200, random_state=0, verbose=0)
rules.fit(X_train, y_train)
rs = rules.ruleset_
auc = roc_auc_score(y_test, rules.predict_proba(X_test)[:, 1])
print(f"held-out ROC AUC {auc:.4f} with {rs.n_rules} rules and {rs.n_conditions} conditions")

# %% [markdown]
# ## Export for the review document and as an artefact

# %%
print(rs.to_markdown(digits=3))
(OUT / "rules.md").write_text(rs.to_markdown(digits=3))
(OUT / "rules.json").write_text(rs.to_json())

# %% [markdown]
# ## Re-score from the JSON alone
#
# The reviewer's side needs only the JSON (and no model): the rule set it describes gives
# the same probabilities as the model.

# %%
reviewed = RuleSet.from_json((OUT / "rules.json").read_text())
same = np.array_equal(reviewed.predict_proba(X_test), rules.predict_proba(X_test))
print("rule set from JSON reproduces the model exactly:", same)
assert same

# %% [markdown]
# ## Re-score in SQL
#
# `to_sql` writes one `SELECT` that any SQL engine runs over an applicants table. Here the
# held-out applicants go into an in-memory SQLite database and the query scores them.

# %%
con = sqlite3.connect(":memory:")
table = X_test.reset_index(drop=True).assign(id=np.arange(len(X_test)))
table.to_sql("applicants", con, index=False)
sql = rs.to_sql(table="applicants", id_column="id")
print(sql[:600], "...")
scored = pd.DataFrame(con.execute(sql).fetchall(), columns=["id", "score", "decision", "probability"])
scored = scored.sort_values("id")
gap = np.abs(scored["score"].to_numpy() - rules.decision_function(X_test)).max()
agree = (scored["decision"].to_numpy() == rules.predict(X_test)).mean()
print(f"SQL vs model: largest score difference {gap:.2e}; decisions agree on {agree:.1%} of applicants")
assert gap < 1e-9 and agree == 1.0
(OUT / "score.sql").write_text(sql)

# %% [markdown]
# ## A readable copy of a black box (surrogate tree)
#
# When the model that decides is a black box, the next best thing for a reviewer is a
# small tree distilled from it — *with its fidelity measured on held-out rows*, so the
# reviewer knows how far the readable copy can be trusted.

# %%
try:
    from interpretable_nn.distill import SurrogateTree
except ImportError:
    SurrogateTree = None
    print("interpretable_nn.distill is not installed in this version: skipping the surrogate tree")
if SurrogateTree is not None:
    black_box = make_model("mlp", max_epochs=5 if QUICK else 200, random_state=0, verbose=0).fit(X_train, y_train)
    surrogate = SurrogateTree(max_depth=4).fit(black_box, X_train)
    fidelity = surrogate.fidelity(X_test)
    print(f"the depth-4 tree takes the MLP's decision on {fidelity['agreement']:.1%} of held-out applicants "
          f"and explains {fidelity['r2']:.1%} of the variance of its probability")
    print(surrogate.to_text())
