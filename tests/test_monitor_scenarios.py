"""Monitoring scenarios on real data across the registry, and the ``monitor`` CLI.

The slow sweep is the issue's goal table: on credit_data, hmda and default, random splits
raise no alert; each numeric feature scaled by 1.6 is found (CSI >= 0.25 on it, no other
feature flagged; for the additive logistic model also the largest attribution drift); a
label shift alerts in performance and not in CSI. Columns that are >= 80% zero are left out
of the x1.6 scenarios (scaling leaves them as they are).

The largest attribution drift, for a NAM: its pairs are purified, so the equal split of a
pair onto its two features is the exact Shapley split, and a scaled feature's pair moves its
partner's attribution too (``attribution_drift``); its own terms, the main term and the pairs
it is in, move with it alone (``term_drift``), so the largest term drift is one of them (a
pair where the feature acts mostly through it: hmda's mhist through ``pirat x mhist`` once the
default pair stage kept that pair, stop 58). A feature whose shape is flat where its values
move (constant beyond the training range, or a magnitude that stays the same) moves no
attribution at all: then its own main term's drift stays below the noise floor (the largest
term drift of the same rows unscaled) and no attribution figure can name it."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from interpretable_nn.cli import main
from interpretable_nn.datasets import load_dataset
from interpretable_nn.models.registry import available_models, make_model
from interpretable_nn.monitor import Monitor

FAST = {
    "nam": {"max_epochs": 30, "random_state": 0, "verbose": 0},
    "mlp": {"max_epochs": 5, "random_state": 0, "verbose": 0},
    "rulenet": {"max_epochs": 5, "random_state": 0, "verbose": 0},
    "prototype": {"max_epochs": 40, "n_prototypes": 6, "random_state": 0, "verbose": 0},  # 5 epochs: AUC ~.5 on hmda
    "xgb": {"n_estimators": 30},
    "ebm": {"outer_bags": 1, "interactions": 0},
}


def _split(name: str, seed: int):
    ds = load_dataset(name)
    X, y = ds.X, np.asarray(ds.y)
    idx = np.random.default_rng(seed).permutation(len(X))
    return X, y, np.array_split(idx, 3)


def scenario_table(model_name: str, seeds=(0, 1, 2)) -> pd.DataFrame:
    """One line per (dataset, scenario): random splits (per seed) and each numeric feature
    x1.6 (seed 0)."""
    rows = []
    for name in ["credit_data", "hmda", "default"]:
        for seed in seeds:
            X, y, (tr, ref, cur) = _split(name, seed)
            m = make_model(model_name, **FAST.get(model_name, {})).fit(X.iloc[tr], y[tr])
            mon = Monitor(m, reference=X.iloc[ref], y_reference=y[ref])
            rep = mon.check(X.iloc[cur], y[cur])
            rows.append({"dataset": name, "scenario": f"random split seed {seed}", "alerts": len(rep.alerts),
                         "psi": rep.psi, "max_csi": rep.csi.max(), "ndcg": rep.ndcg, "found": None})
            if seed != seeds[0]:
                continue
            noise = (rep.attribution_drift if rep.term_drift is None else rep.term_drift)["drift"].max()
            for f, num in zip(mon.names, mon.numeric):
                ref_vals = X.iloc[ref][f]
                if not num or (ref_vals == 0).mean() >= 0.8:  # x1.6 leaves a mostly-zero column as it is
                    continue
                X2 = X.iloc[cur].copy()
                X2[f] = X2[f] * 1.6
                r = mon.check(X2)
                flagged = sorted({a.feature for a in r.alerts if a.feature})
                top = r.attribution_drift["drift"].idxmax()
                terms = r.attribution_drift if r.term_drift is None else r.term_drift
                top_term = terms["drift"].idxmax()
                # the features of the top term: the model's own map for a NAM's terms ("f x g" is a
                # pair of f and g), the feature itself where the drift is per feature
                top_features = (top_term,) if r.term_drift is None else dict(zip(m.terms_, m.term_features_))[top_term]
                rows.append({"dataset": name, "scenario": f"{f} x1.6", "alerts": len(r.alerts), "psi": r.psi,
                             "max_csi": r.csi[f], "ndcg": r.ndcg, "top_drift": top, "flagged": " ".join(flagged),
                             "largest_drift": bool(top == f), "top_term": top_term,
                             # the top term is one of f's: its main term or a pair it is in, the
                             # only terms that move when f alone moves
                             "largest_term_drift": f in top_features,
                             "own_drift": terms["drift"][f], "noise": noise,
                             "found": bool(r.csi[f] >= 0.25 and flagged == [f])})
            y3 = y[cur].copy()
            y3[(y3 == 0) & (np.random.default_rng(1).random(len(y3)) < 0.3)] = 1
            r = mon.check(X.iloc[cur], y3)
            metrics = sorted({a.metric for a in r.alerts})
            rows.append({"dataset": name, "scenario": "label shift (30% of goods relabelled bad)",
                         "alerts": len(r.alerts), "psi": r.psi, "max_csi": r.csi.max(), "ndcg": r.ndcg,
                         "flagged": " ".join(metrics),
                         "found": bool("auc_drop" in metrics or "ae_ratio" in metrics) and "csi" not in metrics})
    return pd.DataFrame(rows)


@pytest.mark.slow
@pytest.mark.parametrize("model_name", ["logreg", "nam"])
def test_scenario_sweep(model_name):
    t = scenario_table(model_name)
    print(f"\n{model_name}\n" + t.to_string())
    random = t[t["scenario"].str.startswith("random")]
    assert random["alerts"].sum() == 0, random
    found = t[t["found"].notna()]
    assert found["found"].all(), found[~found["found"].astype(bool)]
    scaled = t[t["scenario"].str.endswith("x1.6")]
    if model_name == "logreg":  # additive, no pairs: only the scaled feature's attributions move
        assert scaled["largest_drift"].all(), scaled
    # for every scaled feature whose own main term moves beyond the noise floor, the largest term
    # drift is one of its terms (see the module docstring); the others are flat where their values moved
    seen = scaled["own_drift"] > scaled["noise"]
    assert scaled.loc[seen, "largest_term_drift"].all(), scaled
    # and the check above is not vacuous: at least half of the scaled features move their own
    # term beyond the noise floor (measured: 11 of 16 with the empirical-Bayes level prior, 13
    # of 16 before it; credit_data Age sits at 0.99 of its floor, hmda unemp's shape is flatter)
    assert seen.mean() >= 0.5, scaled


@pytest.mark.slow
@pytest.mark.parametrize("model_name", sorted(set(available_models()) - {"logreg"}))
def test_every_registry_model(model_name, tmp_path):
    X, y, (tr, ref, cur) = _split("hmda", 0)
    ref, cur = ref[:300], cur[:300]  # every model's own explain on every row: keep the slow suite short
    m = make_model(model_name, **FAST.get(model_name, {})).fit(X.iloc[tr], y[tr])
    mon = Monitor(m, reference=X.iloc[ref], y_reference=y[ref], protected="afam", fairness_shap_rows=20)
    rep = mon.check(X.iloc[cur], y[cur])
    assert np.isfinite(rep.psi) and np.isfinite(rep.ndcg) and rep.performance["auc"] > 0.55
    assert rep.fairness is not None and "demographic_parity_difference" in rep.fairness
    assert rep.check["attribution_gap"] < 1e-3 or model_name in {"mlp", "prototype"}
    assert rep.psi < 0.1
    if model_name == "prototype":
        X2 = X.iloc[cur].copy()
        X2["pirat"] = X2["pirat"] * 5
        _, rows = mon.log(X2, tmp_path / "m.sqlite", batch="far")
        assert rows["flags"].str.contains("nearest prototype far").any()


# ---------------------------------------------------------------------- CLI
@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    from interpretable_nn import NAMClassifier

    X, y, (tr, ref, cur) = _split("hmda", 0)
    d = tmp_path_factory.mktemp("mon")
    m = NAMClassifier(max_epochs=3, interactions=0, random_state=0, verbose=0).fit(X.iloc[tr], y[tr])
    m.save(d / "model")
    X.iloc[ref].assign(deny=y[ref]).to_csv(d / "ref.csv", index=False)
    X.iloc[cur].assign(deny=y[cur]).to_csv(d / "cur.csv", index=False)
    drifted = X.iloc[cur].copy()
    drifted["lvrat"] = drifted["lvrat"] * 1.6
    drifted.to_csv(d / "drift.csv", index=False)
    return d


def test_cli_quiet_then_alert(saved, capsys):
    d = saved
    rc = main(["monitor", str(d / "model"), "--reference", str(d / "ref.csv"), "--current", str(d / "cur.csv"),
               "--target", "deny", "--protected", "afam", "--store", str(d / "m.sqlite"), "--batch", "q1",
               "-o", str(d / "q1.html"), "--json", str(d / "q1.json")])
    assert rc == 0, capsys.readouterr().out
    assert (d / "q1.html").read_text().count("QUIET") >= 1
    rc = main(["monitor", str(d / "model"), "--reference", str(d / "ref.csv"), "--current", str(d / "drift.csv"),
               "--store", str(d / "m.sqlite"), "--batch", "q2", "-o", str(d / "q2.html")])
    out = capsys.readouterr().out
    assert rc == 3 and "lvrat" in out
    assert "Trends across batches" in (d / "q2.html").read_text()
    assert len(Monitor.history(d / "m.sqlite")["batch"].unique()) == 2


def test_cli_errors_one_line(saved, capsys):
    d = saved
    rc = main(["monitor", str(d / "model"), "--reference", str(d / "nope.csv"), "--current", str(d / "cur.csv")])
    err = capsys.readouterr().err
    assert rc == 1 and err.count("\n") == 1 and "nope.csv" in err
    rc = main(["monitor", str(d / "model"), "--reference", str(d / "ref.csv"), "--current", str(d / "cur.csv"),
               "--target", "nope"])
    err = capsys.readouterr().err
    assert rc == 1 and "--target" in err and err.count("\n") == 1


def test_the_monitor_cli_reads_a_level_na_as_predict_does(tmp_path):
    """A category level written "NA" is a level to `predict`; the monitor CLI read it with
    pandas' default NA words, as missing, so the scores it logged differed from predict's."""
    import interpretable_nn as inn
    from interpretable_nn.cli_io import read_features
    from interpretable_nn.monitor.cli import _read

    rng = np.random.default_rng(0)
    X = pd.DataFrame({"a": rng.normal(size=300), "region": rng.choice(["NA", "EU", "APAC"], 300)})
    y = ((X["region"] == "NA") | (X["a"] > 1)).astype(int).to_numpy()
    m = inn.NAMClassifier(n_bags=2, max_epochs=5, interactions=0, random_state=0, verbose=0).fit(X, y)
    path = tmp_path / "batch.csv"
    X.assign(label=y).to_csv(path, index=False)
    got = _read(str(path), "--current", m)
    assert got["region"].isna().sum() == 0 and (got["region"] == "NA").sum() == (X["region"] == "NA").sum()
    want, _ = read_features(path, m)
    np.testing.assert_array_equal(m.predict_proba(got[["a", "region"]]), m.predict_proba(want))
    assert "label" in got.columns


def test_the_monitor_cli_reads_dates_and_a_label_na_as_written(tmp_path):
    """A model fitted on a date column: the CSV holds ISO text, which the monitor CLI refused
    as "not a number" once it read columns as predict does; a label written "NA" is a label."""
    import interpretable_nn as inn
    from interpretable_nn.monitor.cli import _read

    rng = np.random.default_rng(1)
    d = pd.Timestamp("2021-01-01") + pd.to_timedelta(rng.integers(0, 500, 300), unit="D")
    X = pd.DataFrame({"opened": d, "a": rng.normal(size=300)})
    labels = np.where(rng.random(300) < 0.3, "NA", "OK")
    m = inn.NAMClassifier(n_bags=2, max_epochs=5, interactions=0, random_state=0, verbose=0).fit(X, labels)
    path = tmp_path / "batch.csv"
    X.assign(label=labels).to_csv(path, index=False)
    got = _read(str(path), "--current", m, "label")
    assert (got["label"] == "NA").sum() == (labels == "NA").sum()
    np.testing.assert_array_equal(m.predict_proba(got[["opened", "a"]]), m.predict_proba(X))
