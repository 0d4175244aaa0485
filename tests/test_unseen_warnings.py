"""Categories not seen in training are said once per call, with their true count.

Left out by stop 73: the ``UnseenCategoryWarning`` did not go through the range tally that
the other predict-time warnings use, so a chunked predict said it once per chunk (four
warnings, "(1 rows)" in one of them, for 7 rows), ``fairness_audit`` of an MLP up to 61
times (SHAP's mixed rows counted as the user's: "(197 rows)" of 30), the monitor once per
chunk from its reading thread (pointing at Python's thread module), ``SurrogateTree.fit``
once per split and augmented batch, and a scorecard's ``reason_codes`` 14 times.
"""

from __future__ import annotations

import functools
import warnings

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from interpretable_nn.data import UnseenCategoryWarning

RNG = np.random.default_rng(0)
X = pd.DataFrame({"a": RNG.normal(size=300), "b": RNG.normal(size=300), "c": RNG.choice(["x", "y"], 300),
                  "g": RNG.choice(["m", "f"], 300)})
Y = (X["a"] > 0).astype(int)
ODD = X.head(30).copy()
ODD.loc[[0, 1, 10, 11, 20, 21, 25], "c"] = ["z", "z", "w", "z", "q", "z", "w"]
SAID = ("Column 'c': 3 categories not seen in training ['z', 'w', 'q'] (7 rows) scored as the 'unseen' level; "
        "refit with these levels to learn them.")


def _said(call) -> list[str]:
    with warnings.catch_warnings(record=True) as got:
        warnings.simplefilter("always")
        call()
    ours = [w for w in got if issubclass(w.category, UnseenCategoryWarning)]
    assert all(w.filename == __file__ for w in ours), [w.filename for w in ours]
    return [str(w.message) for w in ours]


@functools.cache
def _model(kind: str):
    from interpretable_nn.models import make_model

    fast = {"nam": {"n_bags": 2, "max_epochs": 5}, "mlp": {"max_epochs": 3}, "rulenet": {"max_epochs": 3}}
    return make_model(kind, verbose=0, random_state=0, **fast[kind]).fit(X, Y)


def _chunked(m, rows: int, frame=ODD):
    from interpretable_nn.models.chunking import chunk_rows

    with chunk_rows(rows):
        return m.predict_proba(frame)


def test_every_reading_of_the_users_rows_says_the_unseen_categories_once_with_their_count():
    from interpretable_nn import SurrogateTree
    from interpretable_nn.explain import builtin_explanation, crosscheck, library_shap, reason_codes
    from interpretable_nn.explain.fairness import fairness_audit
    from interpretable_nn.explain.metrics import deletion_curve, stability
    from interpretable_nn.monitor import Monitor

    for kind in ("nam", "mlp", "rulenet"):
        m = _model(kind)
        calls = {
            "predict": lambda m=m: m.predict_proba(ODD),
            "chunked predict": lambda m=m: _chunked(m, 9),
            "fairness_audit": lambda m=m: fairness_audit(m, ODD, Y.head(30), sensitive="g"),
            "fairness_audit, background": lambda m=m: fairness_audit(m, X.head(30), Y.head(30), sensitive="g",
                                                                     background=ODD),
            "Monitor.check": lambda m=m: Monitor(m, X.head(50), chunk_rows=7).check(ODD),
            "Monitor(reference)": lambda m=m: Monitor(m, ODD, chunk_rows=7),
            "SurrogateTree.fit": lambda m=m: SurrogateTree(random_state=0).fit(m, pd.concat([X, ODD])),
            "crosscheck": lambda m=m: crosscheck(m, ODD, background=X.head(20)),
            "builtin_explanation": lambda m=m: builtin_explanation(m, ODD, X.head(20)),
            "library_shap": lambda m=m: library_shap(m, ODD, X.head(20)),
            "stability": lambda m=m: stability(m, ODD, lambda d: np.ones((len(d), 4)), n_perturbations=2),
            "deletion_curve": lambda m=m: deletion_curve(m, ODD, np.ones((30, 4)), X.head(20)),
        }
        if kind == "nam":
            card = m.to_scorecard()
            calls.update({
                "explain": lambda m=m: m.explain(ODD),
                "explain(split)": lambda m=m: m.explain(ODD, split_interactions=True),
                "reason_codes": lambda m=m: reason_codes(m, ODD),
                "scorecard reason_codes": lambda card=card: reason_codes(card.table, ODD),
            })
        for label, call in calls.items():
            said = _said(call)
            table = {"fairness_audit, background": "background", "Monitor(reference)": "reference"}.get(label)
            want = [SAID.replace("'c':", f"'c' of {table}:")] if table else [SAID]
            if label == "scorecard reason_codes":
                want = [SAID.replace("scored as the 'unseen' level", "score 0 points: the scorecard has no bin for "
                                     "them")]
            assert said == want, (kind, label, said)


def test_the_surrogate_counts_the_users_rows_once():
    """The frame given to SurrogateTree.fit holds ODD's 7 rows twice: 14, whatever share of
    them the tree's split holds out, and nothing for the augmented rows drawn from them."""
    from interpretable_nn import SurrogateTree

    frame = pd.concat([ODD, ODD])
    assert _said(lambda: SurrogateTree(random_state=0, holdout=0.5, target="proba").fit(_model("mlp"), frame)) == [
        SAID.replace("(7 rows)", "(14 rows)")]


@settings(max_examples=40, deadline=None)
@given(st.lists(st.sampled_from(["x", "y", "z", "w", "1", None]), min_size=1, max_size=25),
       st.integers(1, 25))
def test_a_chunked_predict_says_what_a_whole_predict_says(cells, rows):
    """For any column of seen, unseen and missing cells and any chunk size: the chunked
    predict's warnings are the unchunked predict's, word for word (values in order of first
    appearance, the whole count, the same advice)."""
    m = _model("mlp")
    frame = X.head(len(cells)).astype({"c": object})
    frame["c"] = cells
    whole = _said(lambda: m.predict_proba(frame))
    assert _said(lambda: _chunked(m, rows, frame)) == whole
    unseen = [c for c in cells if c not in (None, "x", "y")]
    assert len(whole) == (1 if unseen else 0)
    if unseen:
        assert f"({len(unseen)} rows)" in whole[0]
        assert str(list(dict.fromkeys(unseen))[:5]) in whole[0]


def test_a_faithfulness_metric_says_the_users_far_values_once():
    """The metrics read perturbed copies of X and X mixed with the background: the library's
    rows, said nothing of (each perturbed copy of a far value said it again before)."""
    from interpretable_nn.data import OutOfRangeWarning
    from interpretable_nn.explain.metrics import deletion_curve, stability

    bad = X.head(10).copy()
    bad.loc[2, "a"] = 1e4
    for kind in ("nam", "mlp"):
        m = _model(kind)
        for call in (lambda m=m: stability(m, bad, lambda d: np.ones((len(d), 4)), n_perturbations=3),
                     lambda m=m: deletion_curve(m, bad, np.ones((10, 4)), X.head(20))):
            with warnings.catch_warnings(record=True) as got:
                warnings.simplefilter("always")
                call()
            ours = [str(w.message) for w in got if issubclass(w.category, OutOfRangeWarning)]
            assert len(ours) == 1 and ours[0].startswith("Column 'a' of X holds 1 value(s) far beyond"), (kind, ours)


def test_chunked_predicts_in_threads_leave_the_processs_warnings_as_they_were():
    """Hostile pass of stop 74: a chunked call caught its chunks' warnings with
    ``warnings.catch_warnings(record=True)``, which swaps the whole process's filters and
    ``showwarning``; four threads predicting in chunks at once left an "always" filter and a
    dead list installed, and every later warning of the process (the user's own too) was
    never shown. The chunks now report through the tally only."""
    import threading

    from interpretable_nn.data.validation import ExtraColumnsWarning

    m = _model("mlp")
    frame = ODD.assign(extra=1.0)
    before = (list(warnings.filters), warnings.showwarning)

    def job():
        for _ in range(10):
            _chunked(m, 2, frame)

    threads = [threading.Thread(target=job) for _ in range(4)]  # (no catch_warnings here: it would mend
    for t in threads:                                              # the state on leaving and hide the fault)
        t.start()
    for t in threads:
        t.join()
    assert (list(warnings.filters), warnings.showwarning) == before
    with warnings.catch_warnings(record=True) as got:
        warnings.simplefilter("always")
        warnings.warn("the user's own", UserWarning, stacklevel=1)
        _chunked(m, 2, frame)
    said = [(w.category, str(w.message).split(";")[0]) for w in got]
    assert said == [(UserWarning, "the user's own"),
                    (ExtraColumnsWarning, "X has column(s) ['extra'] that the model was not fitted on"),
                    (UnseenCategoryWarning, SAID.split(";")[0])], said


def test_the_users_rows_and_the_background_are_said_apart_with_their_own_counts():
    """Hostile pass of stop 74: unseen levels of X and of the background merged into one
    warning ("2 categories ['x_unseen', 'bg_unseen'] (10 rows)": the larger read's count,
    neither X's 2 nor the total), and reason_codes said the background's far value "of X" too.
    Each table now has its own warnings; the background's name it."""
    from interpretable_nn.explain import builtin_explanation, crosscheck, reason_codes

    m = _model("nam")
    Xu = X.head(5).copy()
    Xu.loc[:1, "c"] = "x_unseen"
    Bu = X.iloc[100:130].reset_index(drop=True)
    Bu.loc[:9, "c"] = "bg_unseen"
    Xu.loc[2, "a"], Bu.loc[3, "b"] = 100.0, -100.0
    want = ["Column 'a' of X holds 1 value(s) far beyond",
            "Column 'b' of background holds 1 value(s) far beyond",
            "Column 'c' of background: 1 category not seen in training ['bg_unseen'] (10 rows)",
            "Column 'c': 1 category not seen in training ['x_unseen'] (2 rows)"]
    from interpretable_nn.data import OutOfRangeWarning

    for call in (lambda: reason_codes(m, Xu, background=Bu), lambda: builtin_explanation(m, Xu, Bu),
                 lambda: crosscheck(m, Xu, background=Bu)):
        with warnings.catch_warnings(record=True) as got:
            warnings.simplefilter("always")
            call()
        said = sorted(str(w.message).split(" scored as")[0].split(" its training range")[0] for w in got
                      if issubclass(w.category, (UnseenCategoryWarning, OutOfRangeWarning)))
        assert said == want, said  # reason_codes said b's far value "of X" too, and merged the levels


def test_many_or_long_unseen_values_are_said_briefly():
    """Thousands of distinct unseen values over many chunks: the tally keeps at most
    MAX_UNSEEN_KEPT of them (it copied a growing list every chunk), says "at least", and
    the whole row count; a 100,000-character value is cut in the message."""
    from interpretable_nn.data.ranges import MAX_UNSEEN_KEPT

    m = _model("mlp")
    n = MAX_UNSEEN_KEPT + 500
    frame = pd.concat([X] * (n // len(X) + 1), ignore_index=True).head(n).astype({"c": object})
    frame["c"] = [f"v{i}" for i in range(n)]
    said = _said(lambda: _chunked(m, 7, frame))
    assert len(said) == 1 and said[0].startswith(
        f"Column 'c': at least {MAX_UNSEEN_KEPT} categories not seen in training ['v0', 'v1', 'v2', 'v3', 'v4'] "
        f"({n} rows)"), said[0][:200]
    long = ODD.head(2).astype({"c": object})
    long.loc[0, "c"] = "x" * 100_000
    said = _said(lambda: m.predict(long))
    assert len(said) == 1 and len(said[0]) < 500 and "(100000 characters)" in said[0], said[0][:300]


def test_a_level_with_spaces_or_other_capitals_is_named_as_such():
    """Hostile pass of stop 74: 'rent ' (a CSV's padding) or 'Own' (another tool's capitals)
    were unseen levels with the advice to refit; the advice now names the spelling."""
    rows = ODD.head(3).astype({"c": object}).assign(c=["x ", "Y", "castle"])
    said = _said(lambda: _model("mlp").predict(rows))
    assert said == ["Column 'c': 3 categories not seen in training ['x ', 'Y', 'castle'] (3 rows) scored as the "
                    "'unseen' level; 2 of them match training levels but for spaces or capitals (e.g. 'x ' where "
                    "training saw 'x'): strip or recase the column to match (e.g. X[col].str.strip()), or refit "
                    "with these levels to learn them."], said


def test_at_least_only_where_values_were_dropped_and_a_precision_warning_once():
    """Second hostile pass of stop 74: 1,500 distinct values said "at least 1500" (exact) in
    one predict and "at least 1000" in chunks; 1,000 said "at least 1000". Now "at least"
    only where values were dropped, alike in both. The integers-beyond-2**53 warning came
    once per chunk, each with its own example."""
    from interpretable_nn.data.ranges import MAX_UNSEEN_KEPT

    m = _model("mlp")
    for n, head in ((MAX_UNSEEN_KEPT, f"{MAX_UNSEEN_KEPT} categories"),
                    (MAX_UNSEEN_KEPT + 500, f"at least {MAX_UNSEEN_KEPT} categories")):
        frame = pd.concat([X] * (n // len(X) + 1), ignore_index=True).head(n).astype({"c": object})
        frame["c"] = [f"v{i}" for i in range(n)]
        for call in (lambda frame=frame: m.predict(frame), lambda frame=frame: _chunked(m, 97, frame)):
            said = _said(call)
            assert len(said) == 1 and said[0].startswith(f"Column 'c': {head} not seen"), said[0][:80]
    big = X.head(10).copy()
    big["a"] = [2**53 + 2 * i + 1 for i in range(10)]
    with warnings.catch_warnings(record=True) as got:
        warnings.simplefilter("always")
        _chunked(m, 2, big)
    assert len([w for w in got if "beyond 2**53" in str(w.message)]) == 1


@settings(max_examples=20, deadline=None)
@given(st.integers(1, 30))
def test_a_chunked_predict_inside_an_enclosing_tally_counts_every_chunk(rows):
    """Inside a tally of its own caller (``reason_codes``, or a user's ``range_tally``), a
    chunked predict counts every chunk's rows, and a second reading of the same rows does not
    add them again. (Before, the nested tally did not roll, so only the largest chunk was
    counted: "(2 rows)" of 7 in chunks of 2 rows.)"""
    from interpretable_nn.data.ranges import range_tally

    m = _model("mlp")

    def twice():
        with range_tally():
            _chunked(m, rows)
            _chunked(m, rows + 1)

    assert _said(twice) == [SAID]


def test_a_background_read_with_every_chunk_is_counted_once():
    """Hostile pass of stop 75: in an enclosing tally (``builtin_explanation``, ``crosscheck``)
    a chunked explain read the whole background with each chunk, and the nested tally added
    each read: "background holds 27 value(s)" of 3 in chunks of one row. X's chunks add up,
    the background's reads do not, whatever the chunk size. (A wrapper's explain also counted
    the background's unseen levels as X's.)"""
    from interpretable_nn.explain.crosscheck import builtin_explanation
    from interpretable_nn.models import make_model
    from interpretable_nn.models.chunking import chunk_rows

    m = make_model("logreg", random_state=0).fit(X, Y)
    bg = ODD.head(9).assign(a=[0, 100, 0, 200, 0, 0, 0, 0, -300.0])
    whole = _said(lambda: builtin_explanation(m, ODD, background=bg))
    assert whole == [SAID, "Column 'c' of background: 1 category not seen in training ['z'] (2 rows) scored as the "
                     "'unseen' level; refit with these levels to learn them."]
    far = [w for w in _all_said(lambda: builtin_explanation(m, ODD, background=bg)) if "of background" in w]
    assert any("Column 'a' of background holds 3 value(s) far beyond" in w for w in far), far
    for rows in (1, 3, 7):
        def call(rows=rows):
            with chunk_rows(rows):
                return builtin_explanation(m, ODD, background=bg)
        assert _said(call) == whole
        assert [w for w in _all_said(call) if "of background" in w] == far


def _all_said(call) -> list[str]:
    with warnings.catch_warnings(record=True) as got:
        warnings.simplefilter("always")
        call()
    return [str(w.message) for w in got]
