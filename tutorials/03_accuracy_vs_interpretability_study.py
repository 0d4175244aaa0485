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
# # 3. How much accuracy does interpretability cost on *my* data?
#
# `run_study` cross-validates models from the registry on data sets (built-in names or
# your own DataFrames), over seeds and folds. Each finished cell (data set x model x seed x
# fold) is written at once to `results.sqlite`, so a study can be interrupted and resumed;
# `write_report` turns the store into one self-contained HTML page: an accuracy-vs-
# complexity Pareto plot per data set, mean ± std tables, NAM shape functions, the best
# rule set, surrogate fidelity, the SHAP cross-check and fairness audits.
#
# Run: `python tutorials/03_accuracy_vs_interpretability_study.py`
# (`INN_TUTORIAL_QUICK=1`: fewer models, folds and epochs). Multiprocessing backends
# start worker processes, so a script that uses them needs the usual
# `if __name__ == "__main__":` guard; this tutorial runs in-process.

# %%
import os
from pathlib import Path

import numpy as np

from interpretable_nn.datasets import make_additive
from interpretable_nn.models import available_models
from interpretable_nn.studies import load_results, run_study, write_report

QUICK = os.environ.get("INN_TUTORIAL_QUICK") == "1"
OUT = Path(os.environ.get("INN_TUTORIAL_OUT", "tutorial_output")) / "03_study"

# %% [markdown]
# ## Your own data next to a built-in set
#
# A data set is a built-in name (`"hmda"`: mortgage decisions with a protected attribute,
# audited for fairness) or a `(name, X, y)` tuple. Here the second one is synthetic data
# whose true shape functions are known.

# %%
mine = make_additive(n_samples=1000 if QUICK else 1500, random_state=0)
datasets = ["hmda", ("my_additive", mine.X, mine.y)]
# add "ebm" (the explainable boosting machine, the accuracy anchor) or "xgb" when you have
# the minutes: an EBM fit takes 10-40 s here on 2 CPU cores
wanted = ["logreg", "rulenet"] if QUICK else ["logreg", "nam", "rulenet", "mlp"]
models = [m for m in wanted if m in available_models()]
# a parameter grid (lists = values to try: one configuration each) and fixed parameters:
# a shallow and a deep decision tree
models.append(("tree", {"max_depth": [2, 6]}))
params = {"rulenet": {"max_epochs": 10}} if QUICK else {}
# the SHAP-based checks (explanation cross-check, fairness audit) cost seconds per cell
checks = ("surrogate",) if QUICK else ("surrogate", "crosscheck", "fairness")
print("models:", models)

# %% [markdown]
# ## Run (and resume)
#
# The first call fits every cell; the second finds them all in the store and returns at
# once. A cell that fails is stored with its traceback and the study goes on.

# %%
folds = 2 if QUICK else 3
rows = run_study(datasets, models, seeds=[0], folds=folds, out=OUT, params=params, checks=checks, verbose=1)
again = run_study(datasets, models, seeds=[0], folds=folds, out=OUT, params=params, checks=checks, verbose=0)
assert again["finished_at"].tolist() == rows["finished_at"].tolist()  # nothing refitted
print(rows.groupby(["dataset", "label"])["status"].value_counts().unstack(fill_value=0))

# %% [markdown]
# ## The table behind the plots
#
# Every row holds the scores, fit/predict times, complexity (parameters, terms,
# interactions, rules, conditions, prototypes), the checks and its provenance (library
# version, parameters, data hash). It is plain pandas:

# %%
results = load_results(OUT)
table = (results[results["status"] == "ok"]
         .groupby(["dataset", "label"])
         .agg(auc=("auc", "mean"), auc_std=("auc", "std"), fit_s=("fit_time", "median"),
              parameters=("n_parameters", "median"), rules=("n_rules", "median"))
         .round(4))
print(table.to_string())
assert np.isfinite(table["auc"]).all()

# %% [markdown]
# ## The report
#
# One HTML file with everything inline (no network): attach it to a model review.

# %%
report = write_report(OUT, OUT / "report.html", title="hmda and my data: accuracy vs interpretability")
html = report.read_text()
print(f"{report}: {len(html) / 1e3:.0f} kB, {html.count('<svg')} figures")
assert html.count("<svg") >= 2

# %% [markdown]
# ## Scaling out
#
# The same call runs on worker processes (`n_jobs=2`) or on a Dask cluster, unchanged —
# `backend="dask"` starts a `LocalCluster`, `scheduler_address="tcp://host:8786"` uses a
# running one; the store stays on this machine:
#
# ```python
# run_study(["credit_data", "hmda"], ["nam", "rulenet", "ebm"], seeds=[0, 1, 2],
#           out="results/", backend="dask", scheduler_address="tcp://scheduler:8786")
# ```
#
# or from the shell, with a progress bar and an ETA:
#
# ```bash
# interpretable-nn study --datasets credit_data hmda --models nam rulenet mlp ebm --seeds 0 1 2 --out results/
# interpretable-nn report results/ -o report.html
# ```
