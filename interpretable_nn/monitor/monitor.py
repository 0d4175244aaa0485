"""The monitor: a fitted model and its reference rows, checked against new batches.

:class:`Monitor` reads the model once through :class:`~interpretable_nn.explain.view.ModelView`
(the model's own ``explain``, so the attributions are those a reviewer would see) and
summarises the reference: the score's bins, every feature's bins, the mean ``|contribution|``
per feature, how often each feature is a principal reason and, with labels, the
performance. :meth:`Monitor.check` summarises a new batch the same way and compares;
:meth:`Monitor.log` also writes each applicant's score, decision, top reasons and review
flags to a SQLite store; :meth:`Monitor.history` reads the batches back.

Rows are processed in chunks of ``chunk_rows`` rows: bin counts, sums of ``|contribution|`` and
reason counts accumulate, so the memory beyond the input does not grow with its size (with labels,
the probabilities and labels are kept: 9 bytes per row, for AUC and KS). A model of amounts is
watched without labels (no performance or fairness figures).

Principal reasons: per row, the ``k`` features with the largest positive contribution toward the
adverse class (:func:`~interpretable_nn.explain.reason_codes`' ``reference="mean"``, per feature).
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field
from numbers import Integral, Real
from typing import Any

import numpy as np
import pandas as pd

from ..attribution.additive import is_additive
from ..attribution.fidelity import Fidelity
from ..data.ranges import checked_in_chunks, quiet_range, tallied
from ..explain.view import ModelView
from .drift import Bins, attribution_noise, mean_abs_change, ndcg, psi_terms
from .flags import FlagRules
from .performance import REGRESSOR_LABELS, class_list, performance
from .report import DEFAULT_THRESHOLDS, MonitorReport, build_alerts, check_thresholds

__all__ = ["Monitor", "DEFAULT_THRESHOLDS"]

#: rows of the reference whose |contributions| are kept (a seeded sample) to simulate the
#: attribution figures' sampling noise (:func:`~.drift.attribution_noise`)
NOISE_SAMPLE_ROWS = 4000


@dataclass
class _Pass:
    """What one pass over rows accumulates."""

    n: int = 0
    score_counts: np.ndarray | None = None
    feature_counts: list[np.ndarray] = field(default_factory=list)
    abs_sum: np.ndarray | None = None
    sample: list[np.ndarray] = field(default_factory=list)  # |values| of sampled rows: attribution noise
    reason_counts: np.ndarray | None = None
    flag_counts: dict[str, int] = field(default_factory=dict)
    gap: float = 0.0
    gap_rows: int = 0
    term_abs_sum: np.ndarray | None = None
    scores: list[np.ndarray] = field(default_factory=list)
    similarity: list[np.ndarray] = field(default_factory=list)


class Monitor:
    """Watch a fitted model, its inputs and its explanations against a reference.

    Parameters
    ----------
    model : fitted estimator of the library (any registry model), RuleSet or wrapper
        Read through :class:`~interpretable_nn.explain.view.ModelView`; its own ``explain``
        gives the attributions.
    reference : DataFrame
        The reference rows (e.g. the validation sample at deployment).
    y_reference : array-like, optional
        Their labels; enables the AUC-drop alert.
    protected : str, optional
        A protected column (e.g. hmda's ``"afam"``): with labels, the fairness audit's
        figures are reported for the reference and each batch.
    thresholds : dict, optional
        Overrides of :data:`DEFAULT_THRESHOLDS`.
    threshold : float, default 0.5
        Decision threshold on the probability of the adverse class (``classes_[1]``).
    k : int, default 4
        Principal reasons per row.
    margin : float, default 0.05
        Review band around ``threshold``.
    chunk_rows : int, default 65536
        Rows scored and explained at once.
    fairness_shap_rows : int, default 50
        Rows on which the fairness audit measures the protected feature's share of the
        attributions (exact for additive models; a permutation-SHAP estimate otherwise).

    Examples
    --------
    >>> from sklearn.linear_model import LogisticRegression
    >>> from interpretable_nn.datasets import load_dataset
    >>> from interpretable_nn.models import EncodedSklearnClassifier
    >>> ds = load_dataset("hmda")
    >>> m = EncodedSklearnClassifier(LogisticRegression(max_iter=2000)).fit(ds.X, ds.y)
    >>> mon = Monitor(m, reference=ds.X.iloc[::2])
    >>> rep = mon.check(ds.X.iloc[1::2])
    >>> rep.psi < 0.1, len(rep.alerts)
    (True, 0)
    """

    @tallied
    def __init__(self, model: Any, reference: Any, y_reference: Any = None, protected: str | None = None,
                 thresholds: dict[str, Any] | None = None, threshold: float = 0.5, k: int = 4,
                 margin: float = 0.05, chunk_rows: int = 65536, fairness_shap_rows: int = 50):
        thresholds = check_thresholds(thresholds)
        if not 0 < threshold < 1:
            raise ValueError(f"threshold must lie in (0, 1); got {threshold!r}.")
        for name, v in (("k (reasons per row)", k), ("chunk_rows", chunk_rows), ("fairness_shap_rows", fairness_shap_rows)):
            if isinstance(v, (bool, np.bool_)) or not isinstance(v, Integral) or v < 1:
                raise ValueError(f"{name} must be a positive integer; got {v!r}.")
        # a NaN, negative or text margin switched the near-threshold review flag off unsaid
        if isinstance(margin, (bool, np.bool_)) or not isinstance(margin, Real) or not 0 <= margin < 1:
            raise ValueError(f"margin (the review band around threshold) must be a number in [0, 1); got {margin!r}.")
        if not isinstance(reference, pd.DataFrame) or len(reference) < 10:
            raise ValueError("reference must be a DataFrame of at least 10 rows (the model's raw columns).")
        self.model, self.thresholds = model, thresholds
        self.threshold, self.k, self.margin, self.chunk_rows = float(threshold), int(k), float(margin), int(chunk_rows)
        # rows of the fairness audit's SHAP share: exact and cheap for additive models; a
        # permutation-SHAP estimate otherwise, whose cost grows with rows x features
        self.fairness_shap_rows = int(fairness_shap_rows)
        self.view = ModelView(model, reference)
        if self.view.is_regression and (y_reference is not None or protected is not None):
            raise ValueError(REGRESSOR_LABELS)  # before the reference is scored
        self.names, self.is_classifier = self.view.names, not self.view.is_regression
        if protected is not None and protected not in self.names:
            raise ValueError(f"protected={protected!r} is not a feature of the model; features: {self.names}.")
        self.protected = protected
        Rf = self.view.frame(reference, "reference")
        self.numeric = self.view.numeric_flags(Rf)
        schema = self.view.schema
        self.feature_bins = [
            Bins.from_reference(f, Rf[f], numeric=num, kind="" if schema is None else schema[f].word_kind,
                                levels=None if num or schema is None else list(schema[f].categories))
            for f, num in zip(self.names, self.numeric)
        ]
        self._split = self._split_matrix()
        self.flag_rules = FlagRules.from_model(model, self.names, self.numeric, Rf, self.threshold, self.margin)
        ref = self._scan(Rf, keep_scores=True)
        scores = np.concatenate(ref.scores)
        self.score_bins = Bins.from_reference("score", scores)
        ref.score_counts = self.score_bins.counts(scores)
        ref.feature_counts = [b.counts(Rf[f].to_numpy()) for b, f in zip(self.feature_bins, self.names)]
        if ref.similarity:
            self.flag_rules.min_similarity = float(np.quantile(np.concatenate(ref.similarity), 0.01))
        self.reference_ = ref
        self.y_reference = None if y_reference is None else self._adverse(y_reference, len(Rf))
        self.reference_performance_ = None
        if self.y_reference is not None and self.is_classifier:
            self.reference_performance_ = performance(self.y_reference, self._proba(scores))
        self.reference_fairness_ = self._fairness(Rf, y_reference)

    # ------------------------------------------------------------------ reading the model
    def _proba(self, score: np.ndarray) -> np.ndarray:
        return 1.0 / (1.0 + np.exp(-score))

    def _adverse(self, y: Any, n: int) -> np.ndarray:
        if self.view.is_regression:
            raise ValueError(REGRESSOR_LABELS)
        y = np.asarray(y)
        if y.ndim != 1 or len(y) != n:
            raise ValueError(f"y must hold one label per row ({n}); got shape {y.shape}.")
        if pd.isna(pd.Series(y)).any():
            raise ValueError("y has missing labels; drop those rows or fill the labels.")
        classes = self.view.classes
        if classes is None or len(classes) != 2:
            raise ValueError("Labels need a binary classifier (classes_ of two labels).")
        unknown = set(pd.unique(y)) - set(classes)
        if unknown:
            raise ValueError(f"y holds label(s) {sorted(map(str, unknown))} the model does not know; "
                             f"its classes are {class_list(classes)}.")
        return y == classes[1]

    def _split_matrix(self) -> np.ndarray | None:
        """(n_terms, d): term ``t``'s share of feature ``j`` (1 for a main term, 1/2 on each
        feature of a pair), for a NAM-like model (additive protocol and an ``explain`` that
        can split interactions); ``None`` otherwise."""
        m = self.model
        if not (self.view.takes("split_interactions") and is_additive(m)):
            return None
        col = {f: i for i, f in enumerate(self.names)}
        feats = [tuple(str(f) for f in F) for F in m.term_features_]
        if len(feats) != len(m.terms_) or any(f not in col for F in feats for f in F):
            return None
        S = np.zeros((len(feats), len(self.names)))
        for t, F in enumerate(feats):
            for f in F:
                S[t, col[f]] += 1.0 / len(F)
        return S

    def _explain_chunk(self, Xf: pd.DataFrame, first: bool = True
                       ) -> tuple[np.ndarray, np.ndarray, float, int, np.ndarray | None]:
        """(contributions (n, d), score (n,), gap, rows the gap was measured on, the terms
        (n, n_terms) of a model read term by term or ``None``) of one chunk.

        The model's own ``explain``; a model that can split its interaction terms (a NAM)
        explains term by term and each ``"A x B"`` term is split equally onto A and B. For a
        NAM fitted with ``purify=True`` (the default) this *is* the exact interventional
        Shapley split against its training marginals: its pairs are purified (each
        one-feature mean is zero under the product of the training marginals, see
        :func:`interpretable_nn.models.nam.layout.bake`), so
        ``phi_A = 1/2[(f(a, b) - E f(A, b)) + (E f(a, B) - E f)] = f(a, b) / 2``.
        The score is ``base + sum`` when the explanation's own ``additivity_gap`` is
        below 1e-6, else the model's decision function; ``gap`` is the largest
        ``|base + sum - decision|``.

        A NAM is read in one pass (``predict_terms``, then the split as one matrix product);
        the sum is checked against ``decision_function`` on the first :attr:`GAP_SAMPLE`
        rows of a pass (``first``: the pass's first chunk; on every row of the chunk when it
        is off by more than 1e-6, and then on every later chunk too)."""
        if self._split is not None:
            return self._explain_terms(Xf, first)
        if self.view.takes("split_interactions"):
            e = self.view.per_feature(self.model.explain(Xf))
        else:
            e = self.view.explain(Xf)
        values = np.asarray(e.values, dtype=float)
        total = e.base_values + values.sum(1)
        own = dict(e.check).get("additivity_gap") if e.check is not None else None
        if own is not None and np.isfinite(own) and own <= 1e-6:
            return values, np.asarray(total, dtype=float), float(own), len(Xf), None
        score = self.view.decision_function()(Xf)
        gap = float(np.max(np.abs(total - score))) if len(Xf) else 0.0
        return values, score, gap, len(Xf), None

    #: rows of a pass on which a NAM's ``intercept_ + sum(terms)`` is checked against its
    #: ``decision_function`` (see :meth:`_explain_chunk`)
    GAP_SAMPLE = 1024

    def _explain_terms(self, Xf: pd.DataFrame, first: bool) -> tuple[np.ndarray, np.ndarray, float, int, np.ndarray]:
        terms = np.asarray(self.model.predict_terms(Xf), dtype=float)
        values = terms @ self._split
        score = float(self.model.intercept_) + values.sum(1)
        if not len(Xf) or not (first or self._full_gap):
            return values, score, 0.0, 0, terms
        decision = self.view.decision_function()
        head = len(Xf) if self._full_gap else min(len(Xf), self.GAP_SAMPLE)
        gap = float(np.max(np.abs(score[:head] - decision(Xf.iloc[:head]))))
        if gap <= 1e-6:
            return values, score, gap, head, terms
        self._full_gap = True  # off: the decision function scores every row from here on
        full = decision(Xf)
        return values, full, float(np.max(np.abs(score - full))), len(Xf), terms

    def _explained(self, X: pd.DataFrame, validated: bool):
        """``(slice, validated chunk, _explain_chunk(chunk))`` in order; the next chunk is read
        and explained in a second thread while the caller accumulates this one (the model's
        numerical work releases the GIL; 20-25% less time for a NAM on 2 cores). Not for a
        prototype model, whose ``similarities`` the caller reads at the same time."""
        self._full_gap, checked = False, self.view.schema is not None  # without a schema the model's reads warn
        own = [c for c in self.names if c in X.columns]
        cols = own if len(own) == len(self.names) else list(X.columns)  # by name (extras said once), or by position

        def read(sl: slice):  # checked: the reference at init, a batch below (set here: it may run in a thread)
            with quiet_range() if checked else contextlib.nullcontext():
                Xf = X.iloc[sl][cols].reset_index(drop=True)
                Xf = Xf if validated else self.view.frame(Xf, "X")
                return sl, Xf, self._explain_chunk(Xf, first=sl.start == 0)

        slices = [slice(i, min(len(X), i + self.chunk_rows)) for i in range(0, len(X), self.chunk_rows)]
        if checked and not validated:  # one warning a column for the whole batch (the thread below sees no tally)
            checked_in_chunks(lambda sl: self.view.frame(X.iloc[sl][cols] if sl.start else X.iloc[sl], "X"), slices)
        if len(slices) < 2 or callable(getattr(self.model, "similarities", None)):
            yield from map(read, slices)
            return
        from concurrent.futures import ThreadPoolExecutor
        with ThreadPoolExecutor(1) as pool:
            ahead = pool.submit(read, slices[0])
            for nxt in [*slices[1:], None]:
                done = ahead.result()
                if nxt is not None:
                    ahead = pool.submit(read, nxt)
                yield done

    def _scan(self, X: pd.DataFrame, keep_scores: bool = False, count_bins: bool = False,
              on_chunk: Any = None, validated: bool = True) -> _Pass:
        """One pass over ``X`` in chunks (see the module docstring)."""
        d = len(self.names)
        acc = _Pass(abs_sum=np.zeros(d), reason_counts=np.zeros(d, dtype=np.int64))
        rng, share = np.random.default_rng(0), NOISE_SAMPLE_ROWS / max(len(X), 1)  # kept where keep_scores
        if count_bins:
            acc.score_counts = np.zeros(self.score_bins.n_bins, dtype=np.int64)
            acc.feature_counts = [np.zeros(b.n_bins, dtype=np.int64) for b in self.feature_bins]
        sim = getattr(self.model, "similarities", None)
        for sl, Xf, (values, score, gap, gap_rows, terms) in self._explained(X, validated):
            if terms is not None:
                acc.term_abs_sum = np.abs(terms).sum(0) + (0 if acc.term_abs_sum is None else acc.term_abs_sum)
            acc.n += len(Xf)
            acc.gap = max(acc.gap, gap)
            acc.gap_rows += gap_rows
            acc.abs_sum += np.abs(values).sum(0)
            if keep_scores:
                acc.sample.append(np.abs(values[rng.random(len(values)) < share]))
            kk = min(self.k, d)
            top = np.argsort(-values, axis=1, kind="stable")[:, :kk]
            positive = np.take_along_axis(values, top, axis=1) > 1e-9
            acc.reason_counts += np.bincount(top[positive], minlength=d)
            smax = np.asarray(sim(Xf)).max(1) if callable(sim) else None
            if keep_scores:
                acc.scores.append(score)
                if smax is not None:
                    acc.similarity.append(smax)
            if count_bins:
                acc.score_counts += self.score_bins.counts(score)
                for j, (b, f) in enumerate(zip(self.feature_bins, self.names)):
                    acc.feature_counts[j] += b.counts(Xf[f].to_numpy())
            p = self._proba(score) if self.is_classifier else None
            marks, text = self.flag_rules.row_flags(Xf, p, smax, text=on_chunk is not None)
            for key, m in marks.items():
                acc.flag_counts[key] = acc.flag_counts.get(key, 0) + int(m.sum())
            if on_chunk is not None:
                on_chunk(sl, Xf, values, score, p, text)
        if acc.n == 0:
            raise ValueError("X has no rows to check.")
        return acc

    def _fairness(self, Xf: pd.DataFrame, y: Any, max_rows: int = 20000) -> dict[str, Any] | None:
        if self.protected is None or y is None or not self.is_classifier:
            return None
        from ..explain.fairness import fairness_audit
        y = np.asarray(y)
        idx = np.arange(len(Xf))
        if len(idx) > max_rows:
            idx = np.random.default_rng(0).choice(idx, max_rows, replace=False)
        background = Xf.iloc[idx[: self.fairness_shap_rows]]  # a small background keeps SHAP's cost bounded
        with quiet_range():  # Xf was checked: its rows and the background drawn from it say nothing again
            audit = fairness_audit(self.model, Xf.iloc[idx], y[idx], self.protected, threshold=self.threshold,
                                   background=background, max_shap_rows=self.fairness_shap_rows)
        f = audit.summary()
        return {k: f[k] for k in ("demographic_parity_difference", "demographic_parity_ratio",
                                  "equal_opportunity_difference", "auc_gap", "sensitive_share",
                                  "demographic_parity_se")}

    # ------------------------------------------------------------------ the check
    @tallied
    def check(self, X: Any, y: Any = None) -> MonitorReport:
        """Compare a batch with the reference.

        Parameters
        ----------
        X : DataFrame
            The batch (raw columns).
        y : array-like, optional
            Its labels, when they have come back: adds AUC, Gini, KS, calibration and the
            fairness audit's figures.

        Returns
        -------
        MonitorReport
        """
        return self._check(X, y)

    def _check(self, X: Any, y: Any = None, on_chunk: Any = None) -> MonitorReport:
        if not isinstance(X, pd.DataFrame):
            raise TypeError(f"X must be a pandas DataFrame of raw columns; got {type(X).__name__}.")
        y_adv = None if y is None else self._adverse(y, len(X))
        keep = y_adv is not None and self.is_classifier
        cur = self._scan(X, keep_scores=keep, count_bins=True, on_chunk=on_chunk, validated=False)
        return self._report(cur, X, y, y_adv)

    def _report(self, cur: _Pass, X: pd.DataFrame, y: Any, y_adv: np.ndarray | None) -> MonitorReport:
        ref = self.reference_
        terms = psi_terms(ref.score_counts, cur.score_counts)
        psi_table = pd.DataFrame({"bin": self.score_bins.labels(), "reference": ref.score_counts,
                                  "current": cur.score_counts, "term": terms})
        csi, tables = {}, {}
        for b, rc, cc in zip(self.feature_bins, ref.feature_counts, cur.feature_counts):
            t = psi_terms(rc, cc)
            csi[b.name] = float(t.sum())
            tables[b.name] = pd.DataFrame({"bin": b.labels(), "reference": rc, "current": cc, "term": t})
        drift = mean_abs_change((ref.abs_sum, ref.n), (cur.abs_sum, cur.n), pd.Index(self.names, name="feature"))
        q = self.thresholds["drift_noise_quantile"]
        drift["drift_noise"], ndcg_low = attribution_noise(np.concatenate(ref.sample), ref.n, cur.n, q)
        ref_mean, cur_mean = drift["reference_mean_abs"].to_numpy(), drift["current_mean_abs"].to_numpy()
        drift["reference_rank"] = pd.Series(-ref_mean).rank(method="first").astype(int).to_numpy()
        drift["current_rank"] = pd.Series(-cur_mean).rank(method="first").astype(int).to_numpy()
        term_drift = None
        if ref.term_abs_sum is not None and cur.term_abs_sum is not None:
            term_drift = mean_abs_change((ref.term_abs_sum, ref.n), (cur.term_abs_sum, cur.n),
                                         pd.Index([str(t) for t in self.model.terms_], name="term"))
            term_drift.insert(0, "features", [" ".join(map(str, F)) for F in self.model.term_features_])
        mix = pd.DataFrame({"reference_share": ref.reason_counts / ref.n, "current_share": cur.reason_counts / cur.n},
                           index=pd.Index(self.names, name="feature"))
        mix["change"] = mix["current_share"] - mix["reference_share"]
        perf = None
        if y_adv is not None and self.is_classifier:
            perf = performance(y_adv, self._proba(np.concatenate(cur.scores)))
        fair = None
        if y is not None and self.protected is not None:
            fair = self._fairness(self.view.frame(X, "X"), y)
        review = self._review_table(cur)
        report = MonitorReport(
            model=self.view.name, n_reference=ref.n, n_rows=cur.n, psi=float(terms.sum()), psi_table=psi_table,
            csi=pd.Series(csi, name="csi").rename_axis("feature"), csi_tables=tables,
            attribution_drift=drift, ndcg=ndcg(ref_mean, cur_mean), ndcg_noise=ndcg_low, reason_mix=mix, term_drift=term_drift,
            performance=perf, reference_performance=self.reference_performance_,
            fairness=fair, reference_fairness=self.reference_fairness_, review=review,
            review_shares={k: v / cur.n for k, v in cur.flag_counts.items() if ":" not in k},
            thresholds={**self.thresholds, "k": self.k},  # k: the page says how many reasons a row has
            check=Fidelity("base_values + attributions.sum(1) vs the model's decision_function",
                           "current" if cur.gap_rows == cur.n else "current (the first rows)",
                           cur.gap_rows, {"attribution_gap": cur.gap, "reference_attribution_gap": ref.gap}),
        )
        report.alerts = build_alerts(report)
        return report

    def _review_table(self, cur: _Pass) -> pd.DataFrame:
        def out(p: _Pass, f: str) -> int:
            return p.flag_counts.get(f"out_of_range:{f}", 0) + p.flag_counts.get(f"unseen_level:{f}", 0)

        rows = []
        for f in self.names:
            kind = "outside training range" if f in self.flag_rules.ranges else "unseen level"
            rows.append({"feature": f, "kind": kind, "rows": out(cur, f), "share": out(cur, f) / cur.n,
                         "reference_share": out(self.reference_, f) / self.reference_.n})
        return pd.DataFrame(rows).set_index("feature")

    # ------------------------------------------------------------------ logging
    @tallied
    def log(self, X: Any, store: Any, batch: str | None = None, y: Any = None,
            id_column: str | None = None) -> tuple[MonitorReport, pd.DataFrame]:
        """Check ``X`` and append each applicant's score, decision, top-``k`` reasons and
        review flags to the SQLite ``store`` (one transaction per batch), with the batch's
        summary figures.

        Parameters
        ----------
        X : DataFrame
        store : str or Path
            SQLite file (created when missing).
        batch : str, optional
            The batch's name (default: the UTC time it was logged). Names are unique.
        y : array-like, optional
            Labels, as in :meth:`check`.
        id_column : str, optional
            A column of ``X`` copied as the applicant id (default: the row's index label).

        Returns
        -------
        (MonitorReport, DataFrame)
            The report (with ``history`` read back from the store) and the rows as logged:
            ``id``, ``score``, ``probability``, ``decision``, ``reason_1..k``,
            ``points_1..k``, ``review`` (bool) and ``flags`` (why).
        """
        from .store import MonitorStore, id_text
        if not isinstance(X, pd.DataFrame):  # before the store is created: an array failed on X.index after it
            raise TypeError(f"X must be a pandas DataFrame of raw columns; got {type(X).__name__}.")
        if id_column is not None and id_column not in X.columns:
            raise ValueError(f"id_column={id_column!r} is not a column of X.")
        if y is not None:  # the labels' errors before the store is created
            self._adverse(y, len(X))
        db = MonitorStore(store, features=self.names)
        name = db.new_batch_name(batch)
        ids = id_text(X[id_column] if id_column is not None else pd.Series(X.index))
        pieces: list[pd.DataFrame] = []
        with db.transaction() as tx:
            def write(sl, Xf, values, score, p, text):
                rows = self._log_rows(ids[sl], values, score, p, text)
                tx.write_rows(name, rows)
                pieces.append(rows)

            # the id column is copied, not read: it is no extra column of the model's to warn about
            report = self._check(X.drop(columns=[id_column]) if id_column not in (None, *self.names) else X, y,
                                 on_chunk=write)
            tx.write_batch(name, report)
        report.history = db.history()
        report.batch = name
        for a in report.alerts:
            a.since = db.since(a.metric, a.feature)
        return report, pd.concat(pieces, ignore_index=True)

    def _log_rows(self, ids, values, score, p, text) -> pd.DataFrame:
        kk = min(self.k, len(self.names))
        top = np.argsort(-values, axis=1, kind="stable")[:, :kk]
        pts = np.take_along_axis(values, top, axis=1)
        names = np.asarray(self.names, dtype=object)
        out = {"id": ids, "score": score}
        if p is not None:
            out["probability"] = p
            out["decision"] = np.where(p > self.threshold, "adverse", "favourable")
        for j in range(kk):
            ok = pts[:, j] > 1e-9
            out[f"reason_{j + 1}"] = np.where(ok, names[top[:, j]], None)
            out[f"points_{j + 1}"] = np.where(ok, pts[:, j], np.nan)
        out["review"] = np.array([bool(t) for t in text])
        out["flags"] = text
        return pd.DataFrame(out)

    @staticmethod
    def history(store: Any) -> pd.DataFrame:
        """The logged batches' figures, one line per (batch, metric, feature): ``batch``,
        ``logged_at``, ``n_rows``, ``metric``, ``feature`` ("" for model-level figures),
        ``value``, ``level`` (the alert level, "" when quiet)."""
        from .store import MonitorStore
        return MonitorStore(store, create=False).history()

