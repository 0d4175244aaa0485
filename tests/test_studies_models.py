"""Every registered model goes through the runner and the report, with no model-specific
code in either: scores, complexity, artefacts and checks come from the registry's estimators."""

from __future__ import annotations

import numpy as np
import pytest

from interpretable_nn.datasets import Dataset
from interpretable_nn.models import available_models, make_model
from interpretable_nn.studies import run_study
from interpretable_nn.studies.report import build_report

FAST = {"max_epochs": 3, "n_estimators": 20, "outer_bags": 1, "max_rounds": 100, "interactions": 0}


@pytest.fixture(scope="module")
def study(tmp_path_factory, credit):
    rng = np.random.default_rng(0)
    idx = rng.permutation(len(credit.y))[:500]
    ds = Dataset(X=credit.X.iloc[idx].reset_index(drop=True), y=credit.y[idx], name="credit_500",
                 task="classification", target="Status")
    names = available_models()
    params = {}
    for n in names:  # a few epochs / trees: this checks the plumbing, not the accuracy
        own = make_model(n).get_params(deep=True)  # the factory passes these on (wrapped: estimator__k)
        params[n] = {k: v for k, v in FAST.items() if k in own or f"estimator__{k}" in own}
    out = tmp_path_factory.mktemp("all_models")
    rows = run_study([ds], names, seeds=[0], folds=2, out=out, params={k: v for k, v in params.items() if v},
                     checks=("surrogate",), verbose=0)
    return names, rows, out


def test_every_registered_model_runs(study):
    names, rows, _ = study
    assert set(rows["model"]) == set(names) and len(rows) == 2 * len(names)
    failed = rows[rows["status"] != "ok"]
    assert failed.empty, dict(zip(failed["model"], failed["error"]))
    assert rows["auc"].between(0, 1).all() and rows["log_loss"].gt(0).all(), rows[["model", "auc"]]
    assert rows["n_parameters"].gt(0).all(), rows.loc[rows["n_parameters"].isna(), "model"].tolist()


def test_family_measures_and_artefacts(study):
    names, rows, _ = study
    by = rows.groupby("model").first()
    if "rulenet" in names:
        assert by.loc["rulenet", "n_rules"] >= 1 and "ruleset" in by.loc["rulenet", "details"]["artefacts"]
    if "nam" in names:
        assert by.loc["nam", "n_terms"] >= 1 and "shape_functions" in by.loc["nam", "details"]["artefacts"]
    if "prototype" in names:
        assert by.loc["prototype", "n_prototypes"] >= 1
    if "ebm" in names:
        assert by.loc["ebm", "n_terms"] >= 1
    assert np.isnan(by.loc["logreg", "n_rules"])


def test_report_covers_every_model(study):
    names, rows, out = study
    html = build_report(out)
    for n in names:
        assert f'<td class="l">{n}</td>' in html
    if "rulenet" in names:
        assert "Best rule set" in html
    if "nam" in names:
        assert "Shape functions" in html
