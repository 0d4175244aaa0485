"""The boosted interaction stage (interpretable_nn.models.nam.pair_boost)."""

from __future__ import annotations

import itertools
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from repeatable import repeatable

import interpretable_nn.models.nam.fit as namfit
from interpretable_nn.models.nam.pair_boost import _tree_step, _tree_step_and_gain


def _brute_force(g, h, c, lr, min_rows):
    """The best two-level tree on one (A, C) grid by enumeration: cut the first axis (or,
    transposed, the second) at t, then each half on the other axis at s (0: no cut)."""
    best_gain, best_step = -np.inf, np.zeros_like(g)
    for swap in (False, True):
        G, H, R = (x.T if swap else x for x in (g, h, c))
        a, cdim = G.shape
        for t in range(1, a):
            halves = []
            for rows in (slice(0, t), slice(t, a)):
                options = []
                for s in range(cdim):
                    if s == 0:
                        regions = [np.s_[:]]
                    else:
                        regions = [np.s_[:s], np.s_[s:]]
                        if any(R[rows][:, r].sum() < min_rows for r in regions):
                            continue
                    gain = sum(G[rows][:, r].sum() ** 2 / H[rows][:, r].sum() for r in regions)
                    options.append((gain, regions))
                halves.append(max(options, key=lambda o: o[0]))
            if R[:t].sum() < min_rows or R[t:].sum() < min_rows:
                continue
            gain = halves[0][0] + halves[1][0]
            if gain > best_gain:
                step = np.zeros_like(G)
                for rows, (_, regions) in zip((slice(0, t), slice(t, a)), halves):
                    for r in regions:
                        block = step[rows]
                        block[:, r] = -lr * G[rows][:, r].sum() / H[rows][:, r].sum()
                        step[rows] = block
                best_gain, best_step = gain, (step.T if swap else step)
    return best_step


@settings(max_examples=60, deadline=None)
@given(st.integers(2, 5), st.integers(2, 5), st.integers(0, 10_000), st.sampled_from([0.0, 3.0, 8.0]))
def test_tree_step_is_the_best_two_level_tree(a, cdim, seed, min_rows):
    """The vectorised search finds the same tree as enumeration, for any grid shape, on
    several grids (bags x pairs) at once."""
    rng = np.random.default_rng(seed)
    g = rng.normal(size=(2, 3, a, cdim))
    c = rng.integers(1, 6, size=(2, 3, a, cdim)).astype(float)
    h = c * rng.uniform(0.05, 0.25, size=c.shape)
    step = _tree_step(*(torch.from_numpy(x) for x in (g, h, c)), 0.1, min_rows, 0.0).numpy()
    for i, j in itertools.product(range(2), range(3)):
        want = _brute_force(g[i, j], h[i, j], c[i, j], 0.1, min_rows)
        np.testing.assert_allclose(step[i, j], want, rtol=1e-9, atol=1e-12)


def test_tree_step_moves_nothing_where_no_cut_is_allowed():
    g = torch.ones(1, 1, 3, 3)
    step = _tree_step(g, g.clone(), torch.ones(1, 1, 3, 3), 0.1, min_rows=100.0, l2=0.0)
    assert torch.count_nonzero(step) == 0


def _xor_data(n=3000, seed=0):
    rng = np.random.default_rng(seed)
    X = pd.DataFrame({"a": rng.normal(size=n), "b": rng.normal(size=n), "noise": rng.normal(size=n)})
    logit = 2.0 * np.sign(X.a) * np.sign(X.b) + 0.5 * X.a
    y = (rng.uniform(size=n) < 1 / (1 + np.exp(-logit))).astype(int)
    return X, y


@pytest.fixture
def boost_stage(monkeypatch):
    monkeypatch.setattr(namfit, "PAIR_STAGE", "boost")
    monkeypatch.setattr(namfit, "AUTO_PAIRS", ("3x",))


def test_boosted_pairs_learn_an_interaction_and_explanations_still_sum_to_the_score(boost_stage):
    from sklearn.metrics import roc_auc_score

    from interpretable_nn import NAMClassifier

    X, y = _xor_data()
    threads = torch.get_num_threads()
    m = NAMClassifier(n_bags=4, verbose=0, random_state=0).fit(X[:2000], y[:2000])
    assert torch.get_num_threads() == threads  # the stage sets torch's threads back
    assert m.fit_info_["pair_epochs"] > 1 and "a x b" in m.terms_
    flat = NAMClassifier(n_bags=4, verbose=0, random_state=0, interactions=0).fit(X[:2000], y[:2000])
    auc = roc_auc_score(y[2000:], m.predict_proba(X[2000:])[:, 1])
    assert auc > roc_auc_score(y[2000:], flat.predict_proba(X[2000:])[:, 1]) + 0.1
    terms = np.asarray(m.predict_terms(X[2000:2100]))
    np.testing.assert_allclose(terms.sum(1) + m.intercept_, m.decision_function(X[2000:2100]), atol=1e-6)


def test_boosted_stage_stops_at_its_lowest_validation_loss(boost_stage, monkeypatch):
    """Without ``stop_se`` the boosting keeps its lowest mean validation loss; with today's
    one-SE stop it keeps no later a round, at a loss no lower."""
    from interpretable_nn import NAMClassifier

    X, y = _xor_data(seed=1)
    one_se = NAMClassifier(n_bags=3, verbose=0, random_state=0).fit(X, y)
    monkeypatch.setattr(namfit, "PAIR_BOOST", {**namfit.PAIR_BOOST, "stop_se": None})
    m = NAMClassifier(n_bags=3, verbose=0, random_state=0).fit(X, y)
    pairs = m.history_[m.history_.stage == "pairs"].reset_index(drop=True)
    best = m.fit_info_["pair_best_epoch"]
    assert pairs.val_loss.iloc[best] == pairs.val_loss.min() < pairs.val_loss.iloc[0]
    assert 0 < one_se.fit_info_["pair_best_epoch"] <= best
    assert one_se.fit_info_["best_val_loss"] >= m.fit_info_["best_val_loss"]


def test_boosted_pairs_on_categories_missing_values_and_weights_survive_save_and_load(boost_stage, tmp_path):
    """A category axis, a numeric axis with missing values and sample weights: the boosted
    grids are the model's grids, so save/load and the additive property hold as before."""
    from interpretable_nn import NAMClassifier
    from interpretable_nn.persistence import load_model

    rng = np.random.default_rng(2)
    n = 2500
    X = pd.DataFrame({"grade": rng.choice(list("ABCDE"), n), "income": rng.lognormal(10, 1, n),
                      "age": rng.integers(18, 80, n).astype(float)})
    X.loc[rng.uniform(size=n) < 0.1, "income"] = np.nan
    effect = {"A": -1.0, "B": -0.5, "C": 0.0, "D": 0.5, "E": 1.0}
    inc = np.nan_to_num(np.log(X.income) - 10)
    logit = X.grade.map(effect).to_numpy() * np.sign(inc) * 2 + 0.02 * (X.age - 50)
    y = (rng.uniform(size=n) < 1 / (1 + np.exp(-logit))).astype(int)
    w = rng.uniform(0.5, 2.0, n)
    m = NAMClassifier(n_bags=3, verbose=0, random_state=0).fit(X, y, sample_weight=w)
    assert "grade x income" in m.terms_ or "income x grade" in m.terms_
    terms = m.predict_terms(X[:200])
    assert np.isfinite(terms).all()
    np.testing.assert_allclose(terms.sum(1) + m.intercept_, m.decision_function(X[:200]), atol=1e-6)
    m.save(tmp_path / "m")
    again = load_model(tmp_path / "m")
    np.testing.assert_array_equal(again.predict_proba(X[:200]), m.predict_proba(X[:200]))


@pytest.mark.parametrize("stage", ["boost", "boost_grid"])
def test_a_regressor_a_fit_without_validation_and_a_pair_count_keep_the_grid_stage(stage, monkeypatch):
    """Boosting is for binary log loss with validation rows to stop on, under
    ``interactions="auto"``: a regressor, a classifier with ``validation_fraction=0`` and a
    classifier asked for one pair train their grids with Adam as before (one pair: exactly one)."""
    from interpretable_nn import NAMClassifier, NAMRegressor

    def refuse(*a, **k):
        raise AssertionError("boost_pairs called")

    monkeypatch.setattr(namfit, "PAIR_STAGE", stage)
    monkeypatch.setattr(namfit, "boost_pairs", refuse)
    X, y = _xor_data(n=1200, seed=3)
    r = NAMRegressor(n_bags=2, verbose=0, random_state=0).fit(X, y + X.a.to_numpy())
    k = NAMClassifier(n_bags=2, verbose=0, random_state=0, validation_fraction=0.0).fit(X, y)
    one = NAMClassifier(n_bags=2, verbose=0, random_state=0, interactions=1).fit(X, y)
    for m in (r, k, one):
        assert len(m.terms_) >= 4 and m.fit_info_["pair_epochs"] >= 1
    assert len(one.terms_) == 4


def test_the_default_classifier_boosts_its_pairs_and_fits_no_grid(monkeypatch):
    """Today's default stage (stop 58: ``b05_any``) is "boost" alone, at lr .05, kept at the
    bags' best round within a patience of 50, on the ranking's top pairs whatever their score;
    the fit records the boosting's best round as the pair stage's, and no grid stage ran."""
    from interpretable_nn import NAMClassifier

    assert namfit.PAIR_STAGE == "boost" and namfit.BOOST_ANY_SCORE is True
    assert namfit.PAIR_BOOST == {"lr": 0.05, "patience": 50, "stop_se": None}
    calls = []
    real = namfit._pairs_by_count
    monkeypatch.setattr(namfit, "_pairs_by_count", lambda *a, **k: calls.append(a[-1] if len(a) > 10 else "grid")
                        or real(*a, **k))
    X, y = _xor_data(n=1500, seed=3)
    m = NAMClassifier(n_bags=3, verbose=0, random_state=0).fit(X, y)
    assert calls == ["boost"] and m.fit_info_["pair_best_epoch"] > 0  # the boosting's best round
    assert "a x b" in m.terms_
    monkeypatch.setattr(namfit, "PAIR_STAGE", "boost_grid")  # the previous default still runs both
    calls.clear()
    NAMClassifier(n_bags=3, verbose=0, random_state=0).fit(X, y)
    assert calls == ["boost", "grid"]


def _stage_inputs(n=1500, seed=5):
    """A layout with pairs and the stage's inputs, built as fit_nam builds them."""
    from interpretable_nn import NAMClassifier

    X, y = _xor_data(n=n, seed=seed)
    m = NAMClassifier(n_bags=2, verbose=0, random_state=0, interactions=[("a", "b"), ("a", "noise")]).fit(X, y)
    lay = m.layout_
    enc = m.encoder_.transform(X)
    rng = np.random.default_rng(seed)
    held = rng.uniform(size=(n, 2)) < 0.2
    fit_w, val_w = torch.as_tensor(~held, dtype=torch.float32), torch.as_tensor(held, dtype=torch.float32)
    main = np.stack([0.5 * X.a.to_numpy()] * 2, 1)
    return lay, lay.encode_pairs(enc), main, np.asarray(y, dtype=np.float32), fit_w, val_w


def test_boost_pairs_does_not_depend_on_the_scale_of_the_weights():
    """Leaf values are gradient over hessian and the cut rule counts rows: weights a million
    times smaller give the same grids (a user's weights normalised to sum to one)."""
    from interpretable_nn.models.nam.pair_boost import boost_pairs

    lay, inputs, main, y, fw, vw = _stage_inputs()
    v1, r1 = boost_pairs(lay, inputs, main, y, fw, vw)
    v2, r2 = boost_pairs(lay, inputs, main, y, fw * 1e-6, vw * 1e-6)
    assert r1.best_epoch == r2.best_epoch > 0 and np.abs(v1).max() > 0.1
    np.testing.assert_allclose(v2, v1, rtol=1e-3, atol=1e-4)


def test_boost_pairs_stays_finite_when_the_mains_are_confidently_wrong():
    """Rows whose main logit is +-40 against their label (hessian ~0, gradient ~1) must not
    turn into huge steps: every value stays finite and small."""
    from interpretable_nn.models.nam.pair_boost import boost_pairs

    lay, inputs, main, y, fw, vw = _stage_inputs(seed=6)
    main = main.copy()
    main[:50] = np.where(y[:50, None] > 0, -40.0, 40.0)
    values, res = boost_pairs(lay, inputs, main, y, fw, vw, max_rounds=200)
    assert np.isfinite(values).all() and np.abs(values).max() < 50
    assert np.isfinite(res.history.val_loss).all()


@pytest.mark.parametrize("greedy", [True, False])
def test_greedy_boosting_steps_one_pair_per_bag_and_round(greedy, monkeypatch):
    """Under GREEDY each bag's first round moves the cells of one pair only (the one whose
    tree gains most: the true interaction a x b, not a x noise); stepping every pair at once
    moves both. Many pairs stepped at once on the same residuals overshoot."""
    import interpretable_nn.models.nam.pair_boost as pbm

    monkeypatch.setattr(pbm, "GREEDY", greedy)
    lay, inputs, main, y, fw, vw = _stage_inputs()
    values, _ = pbm.boost_pairs(lay, inputs, main, y, fw, vw, max_rounds=1, patience=5)
    off, _ = lay.pair_offsets()
    sizes = [lay.axis_size(a) * lay.axis_size(b) for a, b in lay.pairs]
    moved = np.array([[np.abs(values[bag, o:o + s]).max() > 0 for o, s in zip(off, sizes)]
                      for bag in range(values.shape[0])])
    if greedy:
        assert moved.sum(1).tolist() == [1, 1] and moved[:, 0].all()  # a x b, the true pair
    else:
        assert moved.all()
    # the argument overrides the module's setting either way, and None follows it
    monkeypatch.setattr(pbm, "GREEDY", not greedy)
    same, _ = pbm.boost_pairs(lay, inputs, main, y, fw, vw, max_rounds=1, patience=5, greedy=greedy)
    np.testing.assert_array_equal(same, values)
    monkeypatch.setattr(pbm, "GREEDY", greedy)
    np.testing.assert_array_equal(pbm.boost_pairs(lay, inputs, main, y, fw, vw, max_rounds=1, patience=5,
                                                  greedy=None)[0], values)


def test_blend_tables_adds_tables_on_their_own_pair_lists(monkeypatch):
    """Two pair tables on different pair lists add cell by cell on the union of the pairs;
    a pair whose cells sum to zero everywhere is dropped."""
    from interpretable_nn.models.nam.pair_boost import blend_tables

    class Lay:
        def __init__(self):
            self.pairs = []

        def axis_size(self, a):
            return a + 2

        def pair_offsets(self):
            sizes = [self.axis_size(a) * self.axis_size(b) for a, b in self.pairs]
            off = np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)
            return off[:-1], int(off[-1] + 3)

        def encode_pairs(self, enc):
            return None, None, None

    import interpretable_nn.models.nam.layout as layout_mod

    lay, rng = Lay(), np.random.default_rng(0)
    pa, pb, pc = [0, 1], [1, 2], [0, 2]  # cells 2x3, 3x4, 2x4
    t1 = np.concatenate([rng.normal(size=(2, 6)), rng.normal(size=(2, 12)), np.zeros((2, 3))], 1)
    t2 = np.concatenate([rng.normal(size=(2, 12)), np.zeros((2, 8))], 1)
    monkeypatch.setattr(layout_mod, "pair_mass", lambda *a: np.zeros(3))
    out, _ = blend_tables(lay, None, [(t1, [pa, pb], 1.0), (t2, [pb, pc], 0.5)], None)
    assert lay.pairs == [pa, pb]  # pc's cells are all zero
    np.testing.assert_allclose(out[:, :6], t1[:, :6])
    np.testing.assert_allclose(out[:, 6:18], t1[:, 6:18] + 0.5 * t2[:, :12])


def test_boost_grid_adds_the_grids_on_the_boosting_and_explanations_sum(monkeypatch, tmp_path):
    """PAIR_STAGE='boost_grid': the boosted pairs, then grids fitted on their residuals; the
    model differs from the boosting alone, its terms sum to its score, and save/load keeps it."""
    from interpretable_nn import NAMClassifier
    from interpretable_nn.persistence import load_model, save_model

    X, y = _xor_data(n=1500, seed=3)
    monkeypatch.setattr(namfit, "PAIR_STAGE", "boost")
    monkeypatch.setattr(namfit, "PAIR_BOOST", {"lr": 0.1, "max_rounds": 3})  # leaves the grids work
    boosted = NAMClassifier(n_bags=3, verbose=0, random_state=0).fit(X, y)
    calls = []
    real = namfit._pairs_by_count
    monkeypatch.setattr(namfit, "_pairs_by_count", lambda *a, **k: calls.append(a[-1] if len(a) > 10 else "grid")
                        or real(*a, **k))
    monkeypatch.setattr(namfit, "PAIR_STAGE", "boost_grid")
    both = NAMClassifier(n_bags=3, verbose=0, random_state=0).fit(X, y)
    assert calls == ["boost", "grid"]
    assert "a x b" in both.terms_
    assert both.score(X, y) > boosted.score(X, y) + 0.02  # the grids learn what 3 rounds left
    terms = np.asarray(both.predict_terms(X[:300]))
    np.testing.assert_allclose(terms.sum(1) + both.intercept_, both.decision_function(X[:300]), atol=1e-6)
    back = load_model(save_model(both, tmp_path / "m"))
    np.testing.assert_array_equal(back.predict_proba(X[:300]), both.predict_proba(X[:300]))


def test_round_within_se_picks_the_earliest_round_near_the_best():
    from interpretable_nn.training.engine import round_within_se as _round_within_se

    rounds = [[1.0, 1.2, 0.8], [0.70, 0.72, 0.74], [0.69, 0.73, 0.71], [0.60, 0.61, 0.62]]
    assert _round_within_se(rounds, 3, None) == 3
    assert _round_within_se(rounds, 3, 1.0) == 3  # rounds 1 and 2 are ~.1 above, SE ~.01
    assert _round_within_se(rounds, 2, 1.0) == 1  # round 1 vs 2: mean diff .01, SE .012
    assert _round_within_se(rounds, 2, 0.1) == 2
    assert _round_within_se(rounds, 0, 1.0) == 0
    assert _round_within_se([[1.0], [0.9], [0.8]], 2, 1.0) == 2  # one bag: no spread, no warning


def test_stop_se_keeps_the_values_of_the_round_it_picks(monkeypatch):
    """Under ``stop_se`` the boosting is replayed to the round the rule keeps: its values are those
    of a run stopped at that round, its record names the round, and the (rounds, B) record of
    validation losses is not kept in the result."""
    import interpretable_nn.models.nam.pair_boost as pbm

    lay, inputs, main, y, fw, vw = _stage_inputs()
    full, res = pbm.boost_pairs(lay, inputs, main, y, fw, vw, max_rounds=40, patience=50)
    assert "val_by_member" not in res.extra and res.best_epoch > 4
    k = res.best_epoch // 2
    monkeypatch.setattr(pbm, "round_within_se", lambda by_round, best, se: k)
    half, res_half = pbm.boost_pairs(lay, inputs, main, y, fw, vw, max_rounds=40, patience=50)
    monkeypatch.undo()
    ref, res_ref = pbm.boost_pairs(lay, inputs, main, y, fw, vw, max_rounds=k, patience=k + 1)
    assert res_ref.best_epoch == k and res_half.best_epoch == k and res_half.extra["stop_se_round"] == k
    np.testing.assert_allclose(half, ref, atol=1e-6)
    assert res_half.best_val_loss == pytest.approx(res_ref.best_val_loss, abs=1e-6)
    assert not np.allclose(half, full)


@pytest.mark.parametrize("stage", ["boost", "boost_grid"])
def test_boost_grid_without_any_pair_to_boost(monkeypatch, stage):
    """No pair chosen: the boosted stages (today's "boost", the previous "boost_grid") boost
    nothing, fit no grid, and the model is its mains, with finite scores and no pair term."""
    from interpretable_nn import NAMClassifier

    monkeypatch.setattr(namfit, "PAIR_STAGE", stage)

    rng = np.random.default_rng(0)
    X = pd.DataFrame({"a": rng.normal(size=1500), "b": rng.normal(size=1500)})
    y = (rng.uniform(size=1500) < 1 / (1 + np.exp(-X.a.to_numpy()))).astype(int)
    monkeypatch.setattr(namfit, "_choose_pairs", lambda lay, scores, forced, k, *a: setattr(lay, "pairs", []))
    m = NAMClassifier(n_bags=2, verbose=0, random_state=0).fit(X, y)
    assert m.terms_ == ["a", "b"] and np.isfinite(m.predict_proba(X)).all()


@pytest.mark.parametrize("shape", [(4, 7, 9, 5), (3, 2, 1, 6), (2, 5, 6, 1)])
def test_greedy_tree_step_is_the_full_steps_slice_bit_for_bit(shape):
    """Boosting builds the tree of each bag's best pair only: the same step, to the last bit, as
    building every pair's tree and keeping the best pair's (so fits did not move)."""
    gen = torch.Generator().manual_seed(sum(shape))
    g = torch.randn(shape, generator=gen)
    h = torch.rand(shape, generator=gen) + 0.05
    c = torch.randint(0, 30, shape, generator=gen).float()
    w = c * 1.5
    full, gain, no_pick = _tree_step_and_gain(g, h, c, 0.1, 4.0, 0.0, w)
    assert no_pick is None
    step, gain2, pick = _tree_step_and_gain(g, h, c, 0.1, 4.0, 0.0, w, greedy=True)
    assert torch.equal(gain, gain2)
    assert torch.equal(pick, gain.argmax(-1))
    assert torch.equal(step, full[torch.arange(shape[0]), pick])


def test_grid_stop_se_stops_binary_grids_earlier_and_leaves_regressors_alone(monkeypatch):
    """``GRID_STOP_SE`` (the engine's ``stop_se`` for the pair grids) keeps a binary fit's grids
    at an epoch no later than the best one, at a validation loss no lower, with explanations
    that still sum to the score; a regressor's grids are those of the best epoch, as before."""
    from interpretable_nn import NAMClassifier, NAMRegressor

    X, y = _xor_data(n=1500, seed=4)
    y = np.where(np.random.default_rng(4).uniform(size=len(y)) < 0.3, 1 - y, y)  # noisy: the bags disagree
    monkeypatch.setattr(namfit, "PAIR_STAGE", "grid")
    fits = {}
    for se in (None, 2.0):
        monkeypatch.setattr(namfit, "GRID_STOP_SE", se)
        with repeatable():  # the regressors are compared bit for bit (CUDA: the deterministic mode)
            fits[se] = (NAMClassifier(n_bags=4, verbose=0, random_state=0).fit(X, y),
                        NAMRegressor(n_bags=2, verbose=0, random_state=0).fit(X, y + X.a.to_numpy()))
    best, early = fits[None][0], fits[2.0][0]
    assert early.fit_info_["pair_best_epoch"] < best.fit_info_["pair_best_epoch"]
    assert early.fit_info_["best_val_loss"] >= best.fit_info_["best_val_loss"]
    terms = np.asarray(early.predict_terms(X[:300]))
    np.testing.assert_allclose(terms.sum(1) + early.intercept_, early.decision_function(X[:300]), atol=1e-6)
    np.testing.assert_array_equal(fits[None][1].predict(X[:300]), fits[2.0][1].predict(X[:300]))


def test_boost_any_score_takes_the_rankings_top_pairs_whatever_their_score(monkeypatch):
    """``BOOST_ANY_SCORE`` (on by default since stop 58): the boosted stage takes the ranking's
    top 3 per column even where the score is not positive (EBM's FAST count); off, and in the
    grid stage, only the pairs with a positive score."""
    from interpretable_nn import NAMClassifier

    rng = np.random.default_rng(3)
    n = 2000
    X = pd.DataFrame({c: rng.normal(size=n) for c in "abcd"})
    logit = X.a.to_numpy() + X.b.to_numpy() + 1.5 * X.a.to_numpy() * X.b.to_numpy()
    y = (rng.uniform(size=n) < 1 / (1 + np.exp(-logit))).astype(int)
    assert namfit.BOOST_ANY_SCORE is True
    lay = SimpleNamespace(names=list("abcd"), pairs=[])
    scores = [((0, 1), 50.0), ((2, 3), -1.0), ((0, 2), -3.0)]
    namfit._choose_pairs(lay, scores, [], 3)
    assert lay.pairs == [[0, 1]]
    namfit._choose_pairs(lay, scores, [], 2, True)
    assert lay.pairs == [[0, 1], [2, 3]]
    kw = dict(n_bags=2, max_epochs=30, verbose=0, random_state=0)
    monkeypatch.setattr(namfit, "PAIR_STAGE", "boost")
    monkeypatch.setattr(namfit, "BOOST_ANY_SCORE", False)
    some = NAMClassifier(**kw).fit(X, y)
    monkeypatch.setattr(namfit, "BOOST_ANY_SCORE", True)
    every = NAMClassifier(**kw).fit(X, y)
    assert len(every.layout_.pairs) == 6 > len(some.layout_.pairs)  # all six pairs of 4 columns (3 x 4 > 6)
    assert "a x b" in some.layout_.pair_names
    ex = every.explain(X.iloc[:100])
    assert np.abs(ex.base_values + ex.values.sum(1) - every.decision_function(X.iloc[:100])).max() < 1e-6


def _best_halves_by_concatenation(g, h, masks):
    """The split search as written before stop 58 (out of place, 'no cut' concatenated at
    position 0 of one argmax): the reference the in-place search must equal bit for bit."""
    def half(xg, xh, mask):
        sg, sh = xg.cumsum(-1), xh.cumsum(-1)
        tg, th = sg[..., -1:], sh[..., -1:]
        lg, lh = sg[..., :-1], sh[..., :-1]
        split = lg ** 2 / lh.clamp_min(1e-12) + (tg - lg) ** 2 / (th - lh).clamp_min(1e-12)
        split = split.masked_fill(mask, -1.0)
        whole = tg ** 2 / th.clamp_min(1e-12)
        both = torch.cat([whole, split], -1)
        return both.amax(-1), both.argmax(-1)

    cg, ch = g.cumsum(-2)[..., :-1, :], h.cumsum(-2)[..., :-1, :]
    tg, th = g.sum(-2, keepdim=True), h.sum(-2, keepdim=True)
    lo_gain, lo_cut = half(cg, ch, masks[0])
    up_gain, up_cut = half(tg - cg, th - ch, masks[1])
    return (lo_gain + up_gain).masked_fill(masks[2], -1.0), lo_cut, up_cut


@settings(max_examples=60, deadline=None)
@given(st.integers(2, 6), st.integers(1, 6), st.integers(0, 10_000), st.sampled_from([0.0, 4.0]),
       st.booleans())
def test_the_in_place_split_search_equals_the_concatenating_one_bit_for_bit(a, cdim, seed, min_rows, ties):
    """Any grid shape (one column included: no second cut to try), rows per cell that forbid
    some cuts, and gradients with exact ties (whole-number sums, zero cells): the same gains
    and the same cuts, 'no cut' winning a tie as before."""
    from interpretable_nn.models.nam.pair_boost import _best_halves, _order_masks

    rng = np.random.default_rng(seed)
    shape = (3, 2, a, cdim)  # bags x pairs x grid
    if ties:
        g = torch.from_numpy(rng.integers(-2, 3, shape).astype(np.float32))
        h = torch.from_numpy(rng.integers(0, 3, shape).astype(np.float32))
    else:
        g = torch.from_numpy(rng.normal(size=shape).astype(np.float32))
        h = torch.from_numpy(rng.uniform(0.01, 1.0, shape).astype(np.float32))
    c = torch.from_numpy(rng.integers(0, 6, shape).astype(np.float32))
    for swap, masks in enumerate(_order_masks(c, min_rows)):
        x = [t.transpose(-1, -2) for t in (g, h)] if swap else [g, h]
        for got, want in zip(_best_halves(*x, masks), _best_halves_by_concatenation(*x, masks)):
            assert got.dtype == want.dtype and torch.equal(got, want)


def _mixed_shape_inputs(n=2000, seed=3):
    """A layout whose pair grids differ in shape: two numeric axes, and a 60-level category
    paired with each (fitted as fit_nam fits, the bags as in :func:`_stage_inputs`)."""
    from interpretable_nn import NAMClassifier

    rng = np.random.default_rng(seed)
    X = pd.DataFrame({"a": rng.normal(size=n), "b": rng.normal(size=n),
                      "c": rng.choice([f"c{i}" for i in range(60)], n)})
    logit = X.a * X.b + np.where(X.c.isin(["c1", "c2", "c3"]), 1.5 * X.a, 0.0)
    y = (rng.uniform(size=n) < 1 / (1 + np.exp(-logit))).astype(int)
    m = NAMClassifier(n_bags=2, verbose=0, random_state=0,
                      interactions=[("a", "b"), ("a", "c"), ("b", "c")]).fit(X, y)
    lay = m.layout_
    held = rng.uniform(size=(n, 2)) < 0.2
    fw, vw = torch.as_tensor(~held, dtype=torch.float32), torch.as_tensor(held, dtype=torch.float32)
    return lay, lay.encode_pairs(m.encoder_.transform(X)), np.stack([0.3 * X.a.to_numpy()] * 2, 1), \
        np.asarray(y, dtype=np.float32), fw, vw


def test_grids_of_different_shapes_are_boosted_as_if_all_were_padded_to_the_largest(monkeypatch):
    """Boosting groups the pair grids by shape (:func:`_shape_groups`) instead of padding every
    grid to the largest (a 1,274-level category made 51 grids 23 x 1,274 and a fit take 480 s
    instead of 8): every round each bag picks the same pair with the same step as the padded
    run (a tie to the first pair), so the grids agree to float rounding, also when the
    ``stop_se`` rule replays the rounds."""
    import interpretable_nn.models.nam.pair_boost as pbm

    lay, inputs, main, y, fw, vw = _mixed_shape_inputs()
    cells = pbm._padded_cells(lay)[0]
    size = lay.pair_offsets()[1]
    groups = pbm._shape_groups(cells, size)
    assert len(groups) == 2 and [g[0].tolist() for g in groups] == [[0], [1, 2]]
    assert groups[0][1].shape[1:] != cells.shape[1:] and all((g[1] != size).all() for g in groups)
    grouped, res_g = pbm.boost_pairs(lay, inputs, main, y, fw, vw, max_rounds=60, patience=100)
    monkeypatch.setattr(pbm, "_shape_groups", lambda c, s: [(torch.arange(len(c)), c)])
    padded, res_p = pbm.boost_pairs(lay, inputs, main, y, fw, vw, max_rounds=60, patience=100)
    assert res_g.best_epoch == res_p.best_epoch > 5 and np.abs(padded).max() > 0.05
    np.testing.assert_allclose(grouped, padded, atol=1e-6)
    np.testing.assert_allclose(res_g.history.val_loss, res_p.history.val_loss, atol=1e-7)
    monkeypatch.undo()
    k = res_g.best_epoch // 2  # the replay of a grouped run: the values of a run stopped there
    monkeypatch.setattr(pbm, "round_within_se", lambda by_round, best, se: k)
    half, _ = pbm.boost_pairs(lay, inputs, main, y, fw, vw, max_rounds=60, patience=100)
    monkeypatch.undo()
    ref, _ = pbm.boost_pairs(lay, inputs, main, y, fw, vw, max_rounds=k, patience=k + 1)
    np.testing.assert_allclose(half, ref, atol=1e-6)
