"""The points scorecard: :class:`Scorecard`, a plain pandas/numpy artefact beside the rule
set (no deep-learning import).

A scorecard is a table of points: ``score = base points + one bin's points per feature +
one cell's points per interaction``; a **higher score is a lower risk** (the points are
``-factor x log-odds`` of the adverse class, ``factor = pdo / ln 2``). It scores raw rows
without the model (:meth:`Scorecard.score`), gives each row's principal reasons
(:meth:`Scorecard.reason_codes`), writes itself as Markdown, JSON and one SQL SELECT, and
carries its check against the model it came from (:attr:`Scorecard.check`, a
:class:`~interpretable_nn.attribution.fidelity.Fidelity`) through JSON.

Scoring semantics (the SQL of :mod:`.scorecard_sql` follows them exactly)
-------------------------------------------------------------------------
* A **numeric** feature's bins are intervals ``(lower, upper]`` (``lower=-inf`` /
  ``upper=inf`` at the ends); the value is read as a float. Missing (NaN / None; SQL NULL)
  takes the ``missing`` bin when there is one.
* A **categorical** feature's bins are levels compared with ``==`` (so ``1 == 1.0``, but
  ``'1' != 1``); missing takes the ``missing`` bin when there is one.
* A value in no bin (an unseen level, a missing value without a missing bin, text in a
  numeric column) scores **0 points**.
* An **interaction** ``"A x B"`` scores the points of the cell (bin of A, bin of B); a
  cell that is not listed, or a row with A or B in no bin, scores 0.
* The score adds the base and the terms **left to right in term order** (features, then
  interactions), in float64.

Reasons
-------
A term's *points lost* on a row are its best points (the highest points of any of its bins
or cells) minus the row's points. :meth:`Scorecard.reason_codes` ranks each row's terms by
points lost, largest first, **ties broken by term order**; only terms that lost more than
``1e-9`` points are reasons. This is the "points below the best attainable value" method
of US adverse-action practice (Regulation B, 12 CFR 1002.9), the same reading as
``interpretable_nn.explain.reason_codes`` gives a scorecard with ``reference="best"``.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from ..attribution.fidelity import Fidelity
from .scorecard_sql import to_sql as scorecard_to_sql
from .scorecard_table import (
    BASE,
    COLUMNS,
    Term,
    assign_bins,
    is_na,
    number,
    read_table,
    table_frame,
)
from .scorecard_words import days_column, label_for, points_text, show_value
from .values import (
    check_days_names,
    days_features,
    escape_text,
    format_number,
    py_scalar,
    str_columns,
    word_kinds,
)

__all__ = ["Scorecard", "assign_bins", "COLUMNS", "BASE"]

FORMAT = "interpretable_nn.scorecard"
VERSION = 1
#: points lost at or below this are no reason (as in ``explain.reason_codes``), on a card whose
#: terms span a point or more (:attr:`Scorecard.reason_tol`)
TOL = 1e-9
REASON_COLUMNS = ["row", "rank", "reason", "features", "value", "points", "text"]


def _md(text: str) -> str:
    return escape_text(text).replace("\\", "\\\\").replace("|", "\\|")


class Scorecard:
    """A points scorecard: base points plus the points of each feature's bin (and of each
    interaction's cell); higher score = lower risk. Torch-free; see the module docstring
    for the exact scoring semantics.

    Made by :meth:`NAMClassifier.to_scorecard
    <interpretable_nn.models.nam.NAMClassifier.to_scorecard>`, or from a table.

    Parameters
    ----------
    table : DataFrame
        Columns :data:`COLUMNS`: ``feature``, ``kind`` (``base`` / ``numeric`` /
        ``categorical`` / ``pair``), ``bin`` (label), ``points``, ``bin_id`` (0.. per
        feature; for a pair the bin of A), ``bin_id_b`` (a pair's bin of B), ``lower``,
        ``upper`` (numeric bins ``(lower, upper]``), ``level`` (categorical) and
        ``missing`` (the bin of missing values). Only ``feature``, ``kind`` and ``points``
        are required.
    pdo, base_score, base_odds : float, optional
        The scaling the points were made with (``score = base_score`` at odds
        ``base_odds``:1 good:bad; the odds double every ``pdo`` points).
    check : Fidelity, optional
        The scorecard compared with the model it came from.
    metadata : dict, optional
        JSON-safe extra facts (e.g. ``adverse_class``).

    Examples
    --------
    >>> table = pd.DataFrame({
    ...     "feature": ["(base)", "Income", "Income", "Income", "Home", "Home"],
    ...     "kind": ["base", "numeric", "numeric", "numeric", "categorical", "categorical"],
    ...     "points": [600.0, -20.0, 15.0, -5.0, 10.0, 0.0],
    ...     "lower": [None, -np.inf, 1000.0, None, None, None],
    ...     "upper": [None, 1000.0, np.inf, None, None, None],
    ...     "missing": [False, False, False, True, False, False],
    ...     "level": [None, None, None, None, "owner", "rent"]})
    >>> card = Scorecard(table, pdo=20, base_score=600, base_odds=50)
    >>> X = pd.DataFrame({"Income": [800.0, 2500.0, None], "Home": ["rent", "owner", "boat"]})
    >>> card.score(X).tolist()
    [580.0, 625.0, 595.0]
    >>> card.reason_codes(X, k=2)[["row", "rank", "reason", "points"]].values.tolist()
    [[0, 1, 'Income', 35.0], [0, 2, 'Home', 10.0], [2, 1, 'Income', 20.0], [2, 2, 'Home', 10.0]]
    >>> Scorecard.from_json(card.to_json()) == card
    True
    """

    def __init__(self, table: pd.DataFrame, *, pdo: float | None = None, base_score: float | None = None,
                 base_odds: float | None = None, check: Fidelity | Mapping | None = None,
                 metadata: Mapping[str, Any] | None = None):
        rows, self.base_points, self.terms_ = read_table(table)
        self._table = table_frame(rows).astype(
            {"points": float, "bin_id": np.int64, "bin_id_b": np.int64, "lower": float, "upper": float,
             "missing": bool})
        for name, v in (("pdo", pdo), ("base_score", base_score), ("base_odds", base_odds)):
            if v is not None:
                number(v, name)
        if (pdo is not None and float(pdo) <= 0) or (base_odds is not None and float(base_odds) <= 0):
            raise ValueError(f"pdo and base_odds must be positive; got pdo={pdo}, base_odds={base_odds}.")
        self.pdo = None if pdo is None else float(pdo)
        self.base_score = None if base_score is None else float(base_score)
        self.base_odds = None if base_odds is None else float(base_odds)
        self.check = None if check is None else Fidelity.from_dict(check)
        self.metadata = dict(metadata or {})
        try:
            json.dumps(self.metadata, allow_nan=False)
        except (TypeError, ValueError) as err:
            raise ValueError(f"Scorecard metadata must be JSON-safe (str keys, finite numbers): {err}.") from None
        check_days_names(self.metadata, self.feature_names, "scorecard")

    # ------------------------------------------------------------------ views
    @property
    def table(self) -> pd.DataFrame:
        """The scorecard as a table (a copy): one row per base / bin / cell, columns
        :data:`COLUMNS`; the first rows are the base points."""
        return self._table.copy()

    @property
    def terms(self) -> list[str]:
        """Term names in scoring order (features, then interactions ``"A x B"``)."""
        return [t.name for t in self.terms_]

    @property
    def term_features(self) -> list[tuple[str, ...]]:
        """The features each term reads."""
        return [t.features for t in self.terms_]

    @property
    def feature_names(self) -> list[str]:
        """The raw columns the scorecard reads, in order."""
        return [t.name for t in self.terms_ if t.kind != "pair"]

    @property
    def reason_tol(self) -> float:
        """Points lost at or below this are no reason: 1e-9, scaled down on a card whose
        terms span less than one point (``pdo=1e-11``: every loss was under 1e-9, and the
        card gave no reason at all)."""
        spread = max([t.best - min(t.points) for t in self.terms_ if t.points] + [0.0])
        return TOL * min(1.0, spread) if spread > 0 else TOL

    @property
    def best_points(self) -> np.ndarray:
        """The highest points of each term (its best bin or cell), in term order."""
        return np.array([t.best for t in self.terms_], dtype=float)

    def __repr__(self) -> str:
        n_pairs = sum(t.kind == "pair" for t in self.terms_)
        scale = "" if self.pdo is None else f", pdo {format_number(self.pdo)}"
        return (f"Scorecard({len(self.terms_) - n_pairs} features, {n_pairs} interactions, "
                f"{len(self._table)} rows, base {format_number(self.base_points)}{scale})")

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Scorecard):
            return NotImplemented
        return self.to_dict() == other.to_dict()

    __hash__ = None  # type: ignore[assignment]

    # ------------------------------------------------------------------ scoring
    def _frame(self, X: Any) -> pd.DataFrame:
        X = str_columns(X if isinstance(X, pd.DataFrame) else pd.DataFrame(X))
        absent = [f for f in self.feature_names if f not in X.columns]
        if absent:
            raise ValueError(f"X lacks column(s) {absent}, which the scorecard scores; pass the raw "
                             "applicant columns (missing values as NaN / None).")
        dup = [f for f in self.feature_names if (X.columns == f).sum() > 1]
        if dup:
            raise ValueError(f"X has duplicated column(s) {dup}; keep one of each.")
        return X

    def bins(self, X: Any) -> pd.DataFrame:
        """The bin id of each feature for each row of ``X`` (-1: in no bin; 0 points)."""
        X = self._frame(X)
        return pd.DataFrame({t.name: assign_bins(t.bins, X[t.name], t.kind == "numeric", t.name, self._days(t.name))
                             for t in self.terms_ if t.kind != "pair"}, index=X.index)

    def points(self, X: Any) -> np.ndarray:
        """Points of every term for every row of ``X``: float64 ``(n_rows, n_terms)``, in
        :attr:`terms` order (0 for a value in no bin or an unlisted cell)."""
        return self._points(self._frame(X))[0]

    def _points(self, X: pd.DataFrame) -> tuple[np.ndarray, dict[str, np.ndarray]]:
        out = np.zeros((len(X), len(self.terms_)))
        ids = {}
        for t, term in enumerate(self.terms_):
            if term.kind == "pair":
                a, b = term.features
                grid = np.zeros((len(self._term(a).bins) + 1, len(self._term(b).bins) + 1))
                for (ka, kb), (_, p) in term.cells.items():
                    grid[ka + 1, kb + 1] = p
                out[:, t] = grid[ids[a] + 1, ids[b] + 1]
            else:
                idx = ids[term.name] = assign_bins(term.bins, X[term.name], term.kind == "numeric", term.name,
                                                        self._days(term.name))
                pts = np.array([b["points"] for b in term.bins], dtype=float)
                out[:, t] = np.where(idx >= 0, pts[np.maximum(idx, 0)], 0.0)
        return out, ids

    def value_words(self, feature: str, v: Any) -> Any:
        """A value of ``feature`` as the card's sentences write it where the card read it as
        days (a date, an instant, a duration); any other value as it is."""
        kind = self._words.get(feature)
        return show_value(v, kind) if kind else v

    @property
    def _words(self) -> dict[str, str]:
        """How the sentences write each date or duration feature (:func:`word_kinds`)."""
        return word_kinds(self.metadata)

    def _days(self, name: str) -> str:
        """``"datetime"``/``"timedelta"`` for a feature the model read as days, else ``""``."""
        return days_features(self.metadata).get(name, "")

    def _term(self, name: str) -> Term:
        return next(t for t in self.terms_ if t.name == name)

    def _total(self, points: np.ndarray) -> np.ndarray:
        total = np.full(points.shape[0], self.base_points)
        for t in range(points.shape[1]):  # left to right, as the SQL adds them
            total += points[:, t]
        return total

    def score(self, X: Any) -> np.ndarray:
        """Total points of every row of the raw frame ``X`` (higher = lower risk)."""
        return self._total(self.points(X))

    def reason_codes(self, X: Any, k: int = 4, threshold: float | None = None) -> pd.DataFrame:
        """The ``k`` principal reasons for each row's score: the terms whose points fall
        furthest below their best bin (or cell).

        Parameters
        ----------
        X : DataFrame
            Raw applicant rows.
        k : int, default 4
            Reasons per row (fewer when fewer terms lost points).
        threshold : float, optional
            The approval cut-off on the score. A higher score is a lower risk, so a row
            whose score is **at or above** ``threshold`` is approved and gets no reasons;
            only rows scoring below it (declined) do. ``None``: every row gets reasons.

        Returns
        -------
        DataFrame
            One line per (row, reason), rows in ``X``'s order, ranks 1..: ``row`` (``X``'s
            index label), ``rank``, ``reason`` (the term), ``features``, ``value`` (the
            raw values), ``points`` (points lost: best minus the row's points, above
            :attr:`reason_tol`) and
            ``text``. Ranked by points lost, largest first; **ties go to the earlier
            term** (the order of :attr:`terms`). The same columns as
            :func:`interpretable_nn.explain.reason_codes`.
        """
        if not isinstance(k, (int, np.integer)) or isinstance(k, bool) or k < 1:
            raise ValueError(f"k must be a positive integer; got {k!r}.")
        if threshold is not None:
            threshold = number(threshold, "threshold")
        X = self._frame(X)
        pts, ids = self._points(X)
        lost = self.best_points[None, :] - pts
        k = min(int(k), lost.shape[1])
        order = np.argsort(-lost, axis=1, kind="stable")[:, :k]
        top = np.take_along_axis(lost, order, axis=1)
        keep = top > self.reason_tol
        if threshold is not None:
            keep &= (self._total(pts) < threshold)[:, None]
        records = []
        words = self._words  # the date and duration features, read as days once for every row
        cols = {f: days_column(X[f], f, words[f]) if f in words else X[f] for f in self.feature_names}
        for r, j in zip(*np.nonzero(keep)):
            t = int(order[r, j])
            term = self.terms_[t]
            raw = [cols[f].iloc[r] for f in term.features]
            records.append({
                "row": X.index[r], "rank": int(j) + 1, "reason": term.name, "features": ", ".join(term.features),
                "value": "; ".join(f"{f} {show_value(v, words.get(f, ''))}" for f, v in zip(term.features, raw)),
                "points": float(top[r, j]),
                "text": self._sentence(term, raw, float(pts[r, t]), float(top[r, j]), int(ids[term.features[0]][r]),
                                       words),
            })
        return pd.DataFrame(records, columns=REASON_COLUMNS)

    def _sentence(self, term: Term, raw: list, points: float, lost: float, k: int, words: dict) -> str:
        """What the row's value scores and what the best bin would score (more points =
        lower risk, so the sentence never reads as favourable)."""
        if term.kind == "pair":
            best = next(label for label, p in term.cells.values() if p == term.best)
            value = " and ".join(f"{escape_text(f)} {show_value(v, words.get(f, ''))}" for f, v in zip(term.features, raw))
            return (f"{value} together score {points_text(points)} points; the best combination, {escape_text(best)}, "
                    f"scores {points_text(lost)} more")
        label = label_for(raw[0], words.get(term.name, ""))
        best = next(label(b) for b in term.bins if b["points"] == term.best)
        where = (f"bin {escape_text(label(term.bins[k]))}" if k >= 0 else "missing, which has no bin" if is_na(raw[0])
                 else "a value the scorecard has no bin for")
        return (f"{escape_text(term.name)} {show_value(raw[0], words.get(term.name, ''))} scores {points_text(points)} points ({where}); "
                f"the best bin, {escape_text(best)}, scores {points_text(lost)} more")

    # ------------------------------------------------------------------ exports
    def to_markdown(self, digits: int | None = 2) -> str:
        """A reviewer's table (feature, bin, points) with the scaling and the check.

        ``digits``: decimals the points are shown with (``None``: exact)."""
        def fmt(p: float) -> str:
            return format_number(p if digits is None else round(p, digits) + 0.0)

        lines = ["**Scorecard**: score = base points + the points of each feature's bin"
                 + (" and of each interaction's cell" if any(t.kind == "pair" for t in self.terms_) else "")
                 + "; a higher score is a lower risk."]
        if self.pdo is not None:
            lines.append(f"Scaling: {fmt(self.base_score)} points at odds {format_number(self.base_odds)}:1 "
                         f"(good:bad); the odds double every {format_number(self.pdo)} points.")
        if self.metadata.get("adverse_class") is not None:
            lines.append(f"Adverse class: {escape_text(self.metadata['adverse_class'])}.")
        lines += ["", "| feature | bin | points |", "|---|---|---:|", f"| {_md(BASE)} |  | {fmt(self.base_points)} |"]
        for term in self.terms_:
            items = ([("missing" if b["missing"] else b["bin"], b["points"]) for b in term.bins]
                     if term.kind != "pair" else [c for _, c in sorted(term.cells.items())])
            for label, p in items:
                lines.append(f"| {_md(term.name)} | {_md(label)} | {fmt(p)} |")
        lines += ["", "A value in no bin (an unseen level; missing where there is no missing bin) scores 0 points."]
        dated = sorted(f for f, k in self._words.items() if k == "date")
        if dated:
            lines += ["", f"{', '.join(map(escape_text, dated))}: dates without a time (midnights UTC), so a bin "
                      "(2020-03-21, 2020-07-19] holds the days 2020-03-22 to 2020-07-19; a date with a time is "
                      "compared as the instant it is in UTC."]
        if self.check is not None:
            lines += ["", f"Check: {self.check.summary()}."]
        return "\n".join(lines) + "\n"

    def to_dict(self) -> dict[str, Any]:
        """The JSON document (see :meth:`to_json`) as a dict."""
        def num(x: float) -> Any:
            return None if math.isnan(x) else ("inf" if x == math.inf else "-inf" if x == -math.inf else x)

        rows = []
        for r in self._table.to_dict("records"):
            out = {"feature": r["feature"], "kind": r["kind"], "bin": r["bin"], "points": float(r["points"])}
            if r["kind"] in ("numeric", "categorical"):
                out.update(bin_id=int(r["bin_id"]), missing=bool(r["missing"]))
            if r["kind"] == "numeric" and not r["missing"]:
                out.update(lower=num(r["lower"]), upper=num(r["upper"]))
            if r["kind"] == "categorical" and not r["missing"]:
                out["level"] = py_scalar(r["level"])
            if r["kind"] == "pair":
                out.update(bin_id=int(r["bin_id"]), bin_id_b=int(r["bin_id_b"]))
            rows.append(out)
        return {"format": FORMAT, "version": VERSION, "pdo": self.pdo, "base_score": self.base_score,
                "base_odds": self.base_odds, "metadata": self.metadata,
                "check": None if self.check is None else self.check.to_dict(), "rows": rows}

    def to_json(self, indent: int | None = 2) -> str:
        """Lossless JSON: ``{"format": "interpretable_nn.scorecard", "version": 1, "pdo",
        "base_score", "base_odds", "metadata", "check" (the Fidelity's to_dict or null),
        "rows": [{"feature", "kind", "bin", "points", "bin_id", "bin_id_b", "lower",
        "upper", "level", "missing"}, ...]}`` (each row only with the keys its kind uses;
        infinite bounds as ``"-inf"`` / ``"inf"``). :meth:`from_json` reads it back equal."""
        return json.dumps(self.to_dict(), indent=indent, allow_nan=False, ensure_ascii=False)

    @classmethod
    def from_json(cls, text: str | bytes) -> Scorecard:
        """The scorecard written by :meth:`to_json`; a ValueError for anything else."""
        try:
            doc = json.loads(text)
        except (TypeError, ValueError) as err:
            raise ValueError(f"Not scorecard JSON: {err}.") from None
        if not isinstance(doc, dict) or doc.get("format") != FORMAT:
            raise ValueError(f"Not scorecard JSON: expected an object with \"format\": {FORMAT!r}.")
        if doc.get("version") != VERSION:
            raise ValueError(f"Scorecard JSON version {doc.get('version')!r} is not supported (this library reads {VERSION}).")
        rows = doc.get("rows")
        if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
            raise ValueError("Scorecard JSON: \"rows\" must be a list of objects.")
        unknown = {k for r in rows for k in r} - set(COLUMNS)
        if unknown:
            raise ValueError(f"Scorecard JSON rows have unknown keys {sorted(unknown)}.")

        def num(x: Any) -> Any:
            return {"inf": math.inf, "-inf": -math.inf}.get(x, x) if isinstance(x, str) else (math.nan if x is None else x)

        table = table_frame([{**r, "lower": num(r.get("lower")), "upper": num(r.get("upper"))} for r in rows])
        check = doc.get("check")
        if check is not None and not isinstance(check, dict):
            raise ValueError("Scorecard JSON: \"check\" must be an object or null.")
        return cls(table, pdo=doc.get("pdo"), base_score=doc.get("base_score"), base_odds=doc.get("base_odds"),
                   check=check, metadata=doc.get("metadata") or {})

    def to_sql(self, table: str | Sequence[str] = "applicants", id_column: str | None = "id", reasons: int = 4,
               dialect: str = "sqlite", threshold: float | None = None, days_stored: bool = False) -> str:
        """One SELECT returning ``id_column, score, reason_1 .. reason_<reasons>`` for
        every row of ``table``, equal to :meth:`score` and :meth:`reason_codes` (the
        reason is the term's name; NULL where a row has fewer reasons, or is approved
        under ``threshold``). NULL is missing. A card fitted on dates needs ``days_stored=True``
        (the table holds them as days since 1970-01-01 UTC). See
        :func:`interpretable_nn.rules.scorecard_sql.to_sql`.

        Examples
        --------
        >>> import sqlite3
        >>> table = pd.DataFrame({"feature": ["(base)", "Age", "Age"], "kind": ["base", "numeric", "numeric"],
        ...                       "points": [600.0, -10.0, 5.0], "lower": [None, -np.inf, 30.0],
        ...                       "upper": [None, 30.0, np.inf]})
        >>> card = Scorecard(table)
        >>> con = sqlite3.connect(":memory:")
        >>> _ = con.execute('CREATE TABLE applicants (id INTEGER, "Age" REAL)')
        >>> _ = con.executemany("INSERT INTO applicants VALUES (?, ?)", [(1, 25.0), (2, 40.0)])
        >>> con.execute(card.to_sql(reasons=1)).fetchall()
        [(1, 590.0, 'Age'), (2, 605.0, None)]
        """
        return scorecard_to_sql(self, table=table, id_column=id_column, reasons=reasons, dialect=dialect,
                                threshold=threshold, days_stored=days_stored)

    def to_pmml(self, reasons: int = 4, days_stored: bool = False) -> str:
        """A PMML 4.4 ``Scorecard`` document (output fields ``score``, ``reason_1`` ..
        ``reason_<reasons>``) whose score and ranked reason codes equal :meth:`score` and
        :meth:`reason_codes` (``k=reasons``) in a PMML evaluator. See
        :mod:`interpretable_nn.rules.export_pmml` for the mapping. A card fitted on dates
        needs ``days_stored=True``, as :meth:`to_sql`: the evaluator is given days as numbers.

        Examples
        --------
        >>> table = pd.DataFrame({"feature": ["(base)", "Age", "Age"], "kind": ["base", "numeric", "numeric"],
        ...                       "points": [600.0, -10.0, 5.0], "lower": [None, -np.inf, 30.0],
        ...                       "upper": [None, 30.0, np.inf]})
        >>> '<Characteristic name="Age" reasonCode="Age" baselineScore="5.0">' in Scorecard(table).to_pmml()
        True
        """
        from .export_pmml import scorecard_to_pmml

        return scorecard_to_pmml(self, reasons=reasons, days_stored=days_stored)
