"""The words of adverse-action reasons: each sentence states the applicant's value, the
reference the points are counted against, and a direction that agrees with the sign of the
points (every reason raises the risk score, so every sentence says so).

=================  =====================================================================
reference="best"   "Seniority 9; 40 or more would lower the risk score by 1.29 points":
                   the favourable block of values (the ones whose points equal the
                   best attainable) and the points the applicant would gain there
reference="mean"   "Seniority 2 raises the risk score by 0.41 points over the average
                   applicant; 7 or more would score at or below the average": the
                   comparison with the average applicant's points for this factor
rules              "Income 1,200 meets the rule Income <= 1500, which raises the risk
                   score by 0.80 points" / "... does not meet the rule ...; meeting it
                   would lower the risk score by 0.50 points"
=================  =====================================================================

The favourable block is read off the model itself (its points over the schema's grid of
training quantiles written as short numbers, and levels, or over the reference rows), never off an average of the
raw values, so a monotone feature's sentence always points the way of its constraint.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

import numpy as np
import pandas as pd

from ..data.dtypes import days_text, days_unit
from ..rules.values import days_of, escape_text, format_feature, format_number

__all__ = ["format_value", "readable_grid", "day_grid", "dated_rule_text", "describe_values", "linear_favourable", "row_kinds",
           "rule_sentence", "term_sentence", "feature_sentence", "ADVERSE_PHRASES", "AMOUNT_PHRASES", "of_amounts"]

#: how a date feature is worded: "date" (fitted on dates without a time: its days named) or
#: "datetime" (instants, with their time and zone); a duration is "timedelta" (days)
_DATES = ("date", "datetime")
#: the phrases by which every reason sentence states its (adverse) direction
ADVERSE_PHRASES = ("would lower the risk score", "raises the risk score", "more to the risk score")
#: the same for a regressor's reasons (:func:`of_amounts`): its prediction, in the target's units
AMOUNT_PHRASES = ("would lower the prediction", "raises the prediction", "more to the prediction")
#: (what the points move, their unit, what a favourable value does, what a row is)
_SCORE: ContextVar[tuple[str, str, str, str]] = ContextVar(
    "interpretable_nn_reason_score", default=("risk score", " points", "would score", "applicant"))


@contextmanager
def of_amounts():
    """Inside, the sentences speak of a regressor's prediction in its target's units ("raises
    the prediction by 36.5 over the average case") instead of a risk score in points over
    the average applicant."""
    token = _SCORE.set(("prediction", "", "would be predicted", "case"))
    try:
        yield
    finally:
        _SCORE.reset(token)


def _by(p: float) -> str:
    noun, unit = _SCORE.get()[:2]
    return f"the {noun} by {_pts(p)}{unit}"


def format_value(v: Any) -> str:
    """A raw value for a sentence, written exactly: the fewest digits that read back as the
    value in its own type (an integer as its digits, a float32 or float16 as its shortest
    digits in that type, any other float as a float64): ``1200.0 -> '1,200'``, ``20.43 ->
    '20.43'``, missing -> ``'missing'``, strings as they are. Exactly, because the sentence
    sets it beside a favourable value: an applicant at 19.87 written "19.9" beside "19.9 would
    lower the risk score" reads as a contradiction.

    Examples
    --------
    >>> format_value(1200.0), format_value(0.3468), format_value(float("nan")), format_value("rent")
    ('1,200', '0.3468', 'missing', 'rent')
    >>> format_value(1234.5), format_value(np.float32(20.43)), format_value(2.5e-7), format_value(1e300)
    ('1,234.5', '20.43', '2.5e-07', '1e+300')
    >>> format_value(np.int64(2**62 + 1)), format_value(np.float16(0.1)), format_value(2.0**-20)
    ('4,611,686,018,427,387,905', '0.1', '9.5367431640625e-07')
    """
    if v is None or (isinstance(v, float) and np.isnan(v)) or v is pd.NA:
        return "missing"
    if isinstance(v, (int, np.integer)) and not isinstance(v, (bool, np.bool_)):
        return f"{int(v):,}"  # exact beyond 2**53, where a float would round
    if isinstance(v, (np.float16, np.float32)):
        return _exact_num(float(v), type(v))
    if isinstance(v, (float, np.floating)):
        return _exact_num(float(v))
    return str(v)


def _exact_num(x: float, kind: type = np.float64) -> str:
    """``x`` in the fewest digits that read back as ``x`` in ``kind`` (float64 by default;
    float32 or float16 for a value of that type): grouped fixed point from 1e-4 to 1e15,
    else scientific."""
    if not np.isfinite(x):
        return str(x)
    if x == 0:
        return "0"  # -0.0 too: a training minimum of -0.0 is not written "-0"

    def back(s: str) -> bool:
        with np.errstate(over="ignore"):
            return float(kind(float(s.replace(",", "")))) == x

    if x == 0 or 1e-4 <= abs(x) < 1e15:
        for d in range(0, 21):
            s = f"{x:,.{d}f}"
            if back(s):
                return s
    for d in range(1, 18):
        s = f"{x:.{d}g}"
        if back(s):
            return s
    return repr(x)


def readable_grid(q: Any) -> np.ndarray:
    """Training quantiles replaced by the shortest numbers in their own cells, so that a
    sentence names a value a person would write ("19.6", not "19.58734375") and every point
    it states is the model's own at that value (the grid is scored as it is written).

    A quantile's cell runs halfway to its neighbours, and a quantile is kept where nothing
    in its cell is written shorter (95 beside 106 stays 95, not 100). The first and last
    quantiles (the training minimum and maximum) move only inward (rounded up and down, to
    3 significant digits at least), so the grid never leaves the training range, and the
    cells do not overlap, so the order is kept.

    Examples
    --------
    >>> readable_grid([8.3, 11.8902734375, 12.814296875, 13.26578125, 20.0]).tolist()
    [8.3, 12.0, 13.0, 13.3, 20.0]
    >>> readable_grid([5.84805583953857, 6.9, 7.1, 9.97771]).tolist()
    [5.85, 6.9, 7.1, 9.97]
    """
    q = np.asarray(q, dtype=float)
    out = q.copy()
    for i in range(len(q) if len(q) > 1 else 0):
        left = q[i] if i == 0 else q[i - 1] / 2 + q[i] / 2  # halves: no overflow near ±1.8e308
        right = q[i] if i == len(q) - 1 else q[i] / 2 + q[i + 1] / 2
        end = i in (0, len(q) - 1)
        best = _exact_num(float(q[i]))  # the quantile as a sentence writes it: keep it unless a
        # number in its cell is written shorter (95 stays 95, not 100: fewer digits, longer text)
        for d in range(3 if end else 1, 18):  # an end keeps 3 digits: the range stays the data's
            r = _round_sig(q[i], d, "up" if i == 0 else "down" if i == len(q) - 1 else "near")
            # only the quantile's own roundings: a shorter number further off in the cell (8
            # for 7.1 in (7.0, 8.54)) would move the point from where the data are for a digit
            inside = (left <= r if i == 0 else left < r) and (r <= right if i == len(q) - 1 else r < right)
            if inside and len(_exact_num(r)) < len(best):
                out[i], best = r, _exact_num(r)
            if r == q[i]:
                break
    return out


def day_grid(q: Any) -> np.ndarray:
    """A date feature's training quantiles (days) moved to whole days where a midnight lies
    in the quantile's own cell, so that a sentence names days ("2020-01-22 or earlier") at
    which the points are the model's own; where the quantiles are less than a day apart
    (times of day) they stay as they are, and the sentence names the instant."""
    q = np.asarray(q, dtype=float)
    out = q.copy()
    for i in range(len(q)):  # a quantile's cell runs halfway to its neighbours, as readable_grid's
        r = np.ceil(q[i]) if i == 0 else np.floor(q[i]) if i == len(q) - 1 else np.round(q[i])
        left = q[i] if i == 0 else q[i - 1] / 2 + q[i] / 2
        right = q[i] if i == len(q) - 1 else q[i] / 2 + q[i + 1] / 2
        if (left <= r if i == 0 else left < r) and (r <= right if i == len(q) - 1 else r < right):
            out[i] = r  # inside its cell: the order is kept, and the range never left
    return out


def _round_sig(x: float, d: int, how: str) -> float:
    """``x`` to ``d`` significant digits, to the nearest or up or down (never past ``x``)."""
    if x == 0 or not np.isfinite(x):
        return x
    r = float(f"{x:.{d}g}")
    if how == "near" or (how == "up" and r >= x) or (how == "down" and r <= x):
        return r
    step = 10.0 ** (np.floor(np.log10(abs(x))) - d + 1)
    with np.errstate(over="ignore"):
        r = float(f"{r + (step if how == 'up' else -step):.{d}g}")
    return r if np.isfinite(r) and ((how == "up" and r >= x) or (how == "down" and r <= x)) else x


def _is_missing(v: Any) -> bool:
    return v is None or v is pd.NA or (isinstance(v, float) and np.isnan(v))


def _fmt_num(x: float, side: str = "exact") -> str:
    """A number as short as it can be while staying on the stated side of ``x``:
    ``side="up"`` never below ``x`` (for "X or more": rounded up to 3 significant digits, or
    to a whole number from 1,000 to 1e15), ``"down"`` never above (for "X or less": rounded
    down), ``"exact"`` (or where rounding cannot keep the side) the value itself
    (:func:`format_value`).

    Examples
    --------
    >>> _fmt_num(0.000886799, "down"), _fmt_num(531.27, "up"), _fmt_num(12345.6, "down")
    ('0.000886', '532', '12,345')
    >>> _fmt_num(1.234567e300, "up"), _fmt_num(-1.234567e300, "up")
    ('1.24e+300', '-1.23e+300')
    """
    x = float(x)
    if side in ("up", "down") and x != 0 and np.isfinite(x):
        e = np.floor(np.log10(abs(x)))
        whole = 1000 <= abs(x) < 1e15
        step = 1.0 if whole else 10.0 ** (e - 2)
        with np.errstate(over="ignore"):
            v = (np.ceil if side == "up" else np.floor)(round(x / step, 9)) * step
        if np.isfinite(v):
            s = f"{v:,.0f}" if whole or 1000 <= abs(v) < 1e15 else f"{v:.3g}"  # 999.5 up: "1,000", not "1e+03"
            p = float(s.replace(",", ""))
            if (side == "up" and p >= x) or (side == "down" and p <= x):
                return s
    return _exact_num(x)


def _fmt_days(x: float, kind: str, side: str = "exact") -> str:
    """Days of a date (``kind="datetime"``: ``2023-06-29``) or a duration (``"timedelta"``:
    ``367 days``), on ``side`` of ``x`` as :func:`_fmt_num` keeps it."""
    if kind in _DATES or np.isnan(x):
        return days_text(x, kind if kind in _DATES else "date", side)
    return days_unit(_fmt_num(x, side))


def _as_days(v: Any, kind: str) -> float:
    """A date or duration feature's value as the model's days: a number is days already;
    a Timestamp, a Timedelta or ISO text is read as the model reads it."""
    if isinstance(v, (int, float, np.number)) and not isinstance(v, (bool, np.bool_)):
        return float(v)
    days = days_of(pd.Series([v], dtype=object), "value", "datetime" if kind == "date" else kind)
    return float(v) if days is None else float(days.iloc[0])


def row_kinds(kinds: Mapping[str, Any], features: tuple[str, ...], raw: list) -> dict[str, Any]:
    """``kinds`` of ``features`` for one row: a feature fitted on dates without a time
    (``"date"``) whose value here has a time is worded as an instant (``"datetime"``) in this
    row's sentence: "opened <= 2020-08-02" beside 2020-08-02 05:00 would read as the whole day."""
    out = {}
    for f, v in zip(features, raw):
        k = kinds.get(f, True)
        if k == "date" and not _is_missing(v):
            try:
                d = _as_days(v, k)
            except (TypeError, ValueError):
                d = np.nan
            k = "datetime" if np.isfinite(d) and not float(d).is_integer() else k
        out[f] = k
    return out


def dated_rule_text(conditions: Any, kinds: Mapping[str, str]) -> str:
    """A rule's conditions as :meth:`~interpretable_nn.rules.Rule.condition_text` writes them,
    a date feature's threshold as its date (``opened > 2021-12-12``: the days the rule
    compares with, 18973, written as the day they end) and a duration's in days."""
    out = []
    for c in conditions:
        kind = kinds.get(c.feature)
        if kind and c.op in ("<=", ">"):
            name = format_feature(c.feature)
            at = days_text(c.value, kind) if kind in _DATES else days_unit(format_number(c.value))
            text = f"{name} {c.op} {at}"
            out.append(f"({text} OR {name} IS MISSING)" if c.if_missing else text)
        else:
            out.append(c.to_text())
    return " AND ".join(out) or "TRUE"


def _side(x: float, side: str, numeric: bool | str, block: tuple[float, float] | None = None) -> tuple[str, float]:
    """``x`` written on ``side`` (:func:`_fmt_num`, or :func:`_fmt_days` for a date or
    duration feature) and the value the words stand for. A date is its midnight on that side
    where the midnight stays inside ``block`` (the favourable values' range), else the
    instant to the microsecond (times of day: the midnight may lie outside the data)."""
    if numeric in _DATES:
        per = 1 if numeric == "date" else 86_400  # a date's midnights, an instant's seconds
        at = float((np.ceil if side == "up" else np.floor)(x * per) / per) if side in ("up", "down") else x
        if side in ("up", "down") and block is not None and not block[0] <= at <= block[1]:
            side, at = ("ceil" if side == "up" else "floor"), x
        return days_text(x, numeric, side), at if np.isfinite(at) else x
    text = _fmt_num(x, side)
    return (days_unit(text) if numeric == "timedelta" else text), float(text.replace(",", ""))


def _fmt_raw(v: Any, numeric: bool | str) -> str:
    """The applicant's value of a feature: ``1,200``, ``'rent'`` or ``missing`` (a level
    quoted, its quotes and unprintable characters escaped: a level cannot end the quote or
    start a line of its own); a date or duration feature (``numeric`` ``"datetime"`` or
    ``"timedelta"``, its value in days) as a date or in days (:func:`_fmt_days`)."""
    if _is_missing(v):
        return "missing"
    if isinstance(numeric, str):  # a date or duration feature, read as days
        try:
            return _fmt_days(_as_days(v, numeric), numeric)
        except (TypeError, ValueError):
            return _name(v)
    if numeric:
        if isinstance(v, (int, float, np.number)) and not isinstance(v, (bool, np.bool_)):
            return format_value(v)
        try:
            return format_value(float(v))
        except (TypeError, ValueError):
            return _name(v)
    return _quote(v)


_NUMBER = re.compile(r"-?\d[\d,]*(?:\.\d+)?(?:e[+-]?\d+)?")


def _readable(v: Any, numeric: bool | str, beside: str | None) -> str:
    """The applicant's value as a sentence writes it: 4 significant digits where that keeps
    it on the same side of (and apart from) every number of ``beside`` (the favourable words
    it is set beside), else as many as it takes, at most the exact value (:func:`_fmt_raw`):
    "temp90 20.12; 3 or less would ...", never "rate 19.9; 19.9 would ..." for 19.87."""
    exact = _fmt_raw(v, numeric)
    if numeric == "timedelta" and not _is_missing(v):  # a duration: its days rounded as a number's
        try:
            x = _as_days(v, "timedelta")
        except (TypeError, ValueError):
            return exact
        return exact if np.isnan(x) else days_unit(_readable(x, True, beside))
    if not numeric or numeric in _DATES or _is_missing(v) or isinstance(v, (int, np.integer, bool, np.bool_)):
        return exact  # a date is written whole: its day, or its instant
    try:
        x = float(v)
    except (TypeError, ValueError):
        return exact
    if not np.isfinite(x) or x == 0:
        return exact
    bounds = [float(t.replace(",", "")) for t in _NUMBER.findall(beside or "")]
    for d in range(4, 18):
        r = float(f"{x:.{d}g}")
        if all((r < b) == (x < b) and (r > b) == (x > b) for b in bounds):
            text = _exact_num(r)
            return text if len(text) < len(exact) else exact
    return exact


def _quote(v: Any) -> str:
    """A level as a sentence writes it: ``'rent'``, ``'it\\'s'``, ``'a\\nb'``."""
    return "'" + escape_text(str(v).replace("\\", "\\\\").replace("'", "\\'")) + "'"


def _name(v: Any) -> str:
    """A column name on one line (:func:`~interpretable_nn.rules.values.escape_text`)."""
    return escape_text(str(v))


def _favourable(values: np.ndarray, pts: np.ndarray, ref: float, numeric: bool | str) -> str:
    """Words for the most favourable block of a feature's values: the values whose adverse
    points are at most ``ref`` (``values`` and ``pts`` over a grid or the reference rows),
    as "40 or more", "1,500 or less", "between 2 and 5", "'no'" or "missing" (a date
    feature: "2020-01-22 or earlier", "2021-03-01 or later"); the block is
    the run of neighbouring values (numeric) or the levels (categorical) that holds the
    lowest points."""
    tol = 1e-9 * max(1.0, float(np.abs(pts).max(initial=0.0)))
    ok = pts <= ref + tol
    miss = np.array([_is_missing(v) for v in values], dtype=bool)
    if not numeric:
        keep = ok & ~miss
        if not keep.any():
            return "missing"
        lv = pd.DataFrame({"v": [str(v) for v in values[keep]], "p": pts[keep]})
        lv = lv.groupby("v", sort=False)["p"].min().sort_values(kind="stable")
        names = [_quote(v) for v in lv.index]
        if len(names) <= 3:
            return " or ".join(names)
        return f"{names[0]} (or one of {len(names) - 1} other levels)"
    num = ~miss
    if not (ok & num).any():
        return "missing"
    frame = pd.DataFrame({"v": values[num].astype(float), "p": pts[num]})
    g = frame.groupby("v")["p"].max().sort_index()  # a value is favourable if every row at it is
    G, P = g.index.to_numpy(), g.to_numpy()
    good = P <= ref + tol
    if not good.any():
        return "missing"
    best = int(np.argmin(np.where(good, P, np.inf)))
    lo = best
    while lo > 0 and good[lo - 1]:
        lo -= 1
    hi = best
    while hi < len(G) - 1 and good[hi + 1]:
        hi += 1
    more, less = ("or later", "or earlier") if numeric in _DATES else ("or more", "or less")
    block = (float(G[lo]), float(G[hi]))
    if hi == len(G) - 1 and lo > 0:
        return f"{_side(G[lo], 'up', numeric, block)[0]} {more}"
    if lo == 0 and hi < len(G) - 1:
        return f"{_side(G[hi], 'down', numeric, block)[0]} {less}"
    if lo == hi or (lo == 0 and hi == len(G) - 1):
        return _side(G[best], "exact", numeric)[0]
    (a, at_a), (b, at_b) = _side(G[lo], "up", numeric, block), _side(G[hi], "down", numeric, block)
    if at_a > at_b:  # both ends in one 3-digit step (one day)
        a, b = _side(G[lo], "exact", numeric)[0], _side(G[hi], "exact", numeric)[0]
    return a if a == b else f"between {a} and {b}"


def describe_values(features: tuple[str, ...], raw: list, beside: str | None = None, kinds: dict | None = None) -> str:
    """The applicant's values of ``features``: exact, or with ``beside`` (the words they are
    set beside, e.g. the rule) as :func:`~.reason_words._readable` rounds them for a sentence;
    ``kinds`` names the date and duration features (``"datetime"``, ``"timedelta"``)."""
    num = [(kinds or {}).get(f) if isinstance((kinds or {}).get(f), str) else
           isinstance(v, (int, float, np.number)) and not isinstance(v, (bool, np.bool_)) for f, v in zip(features, raw)]
    show = _fmt_raw if beside is None else (lambda v, n: _readable(v, n, beside))
    return "; ".join(f"{_name(f)} {show(v, n)}" for f, v, n in zip(features, raw, num))


def linear_favourable(t, slope: float, reference: str, avg: float, kind: bool | str = True) -> str:
    """The values of a linear term's column that would score best (``reference="best"``:
    its clip bound) or at or below the average (``"mean"``: the average value); ``kind``
    "datetime" or "timedelta" for a date or duration column."""
    lower = slope > 0  # points rise with the value: lower values score better
    v = (t.lo if lower else t.hi) if reference == "best" else avg
    word = ("earlier" if lower else "later") if kind in _DATES else ("less" if lower else "more")
    return f"{_side(v, 'down' if lower else 'up', kind)[0]} or {word}"  # never past v


def _pts(p: float) -> str:
    return f"{p:.3g}"


def term_sentence(features: tuple[str, ...], raw: list, numeric: list[bool | str], pts: float,
                  reference: str, favourable: str | None) -> str:
    """The sentence of an additive term (one feature, or an interaction of several).

    Examples
    --------
    >>> term_sentence(("Seniority",), [9], [True], 1.2891, "best", "40 or more")
    'Seniority 9; 40 or more would lower the risk score by 1.29 points'
    >>> term_sentence(("Records",), ["yes"], [False], 0.41, "mean", "'no'")
    "Records 'yes' raises the risk score by 0.41 points over the average applicant; 'no' would score at or below the average"
    """
    if len(features) == 1:
        who = f"{_name(features[0])} {_readable(raw[0], numeric[0], favourable)}"
    else:
        who = "the combination of " + " and ".join(
            f"{_name(f)} {_readable(v, n, favourable)}" for f, v, n in zip(features, raw, numeric))
    if reference == "best":
        fav = favourable or "the most favourable value"
        return f"{who}; {fav} would lower {_by(pts)}"
    out = f"{who} raises {_by(pts)} over the average {_SCORE.get()[3]}"
    return out + (f"; {favourable} {_SCORE.get()[2]} at or below the average" if favourable else "")


def feature_sentence(feature: str, v: Any, numeric: bool | str, pts: float, reference: str,
                     favourable: Any = None) -> str:
    """A feature's share of a non-additive model's explanation (its points depend on the
    other features, so the sentence compares contributions, not values).

    Examples
    --------
    >>> feature_sentence("Income", 1200.0, True, 0.5, "best", 9000.0)
    'Income 1,200 adds 0.5 more to the risk score than the most favourable reference applicant (Income 9,000)'
    """
    if favourable is not None and _fmt_raw(favourable, numeric) == _fmt_raw(v, numeric):
        # a path-dependent explanation (a tree): the most favourable reference has this very
        # value, and the difference comes from the other features; quoting it read "home 'other'
        # adds 1.19 more ... than the most favourable reference applicant (home 'other')"
        who = f"{_name(feature)} {_fmt_raw(v, numeric)}"
        if reference == "best":
            return (f"{who} adds {_pts(pts)} more to the {_SCORE.get()[0]} than in the most favourable reference "
                    f"{_SCORE.get()[3]}, {'who' if _SCORE.get()[3] == 'applicant' else 'which'} has the same "
                    f"{_name(feature)}: its share depends on the other features")
    exact = "" if favourable is None else _fmt_raw(favourable, numeric)
    who = f"{_name(feature)} {_readable(v, numeric, exact)}"
    ref = "" if favourable is None else f" ({_name(feature)} {_readable(favourable, numeric, _fmt_raw(v, numeric))})"
    if reference == "best":
        return (f"{who} adds {_pts(pts)} more to the {_SCORE.get()[0]} than the most favourable reference "
                f"{_SCORE.get()[3]}{ref}")
    return f"{who} raises {_by(pts)} over the average contribution of {_name(feature)}"


def rule_sentence(value: str, n_features: int, rule: str, fired: bool, pts: float, reference: str) -> str:
    """A rule met (it raises the risk score) or missed (meeting it would lower it).

    Examples
    --------
    >>> rule_sentence("Income 1,200", 1, "Income <= 1500", True, 0.8, "best")
    'Income 1,200 meets the rule Income <= 1500, which raises the risk score by 0.8 points'
    """
    avg = f" more than for the average {_SCORE.get()[3]}" if reference == "mean" else ""
    if fired:
        verb = "meets" if n_features == 1 else "meet"
        return f"{value} {verb} the rule {rule}, which raises {_by(pts)}{avg}"
    verb = "does not" if n_features == 1 else "do not"
    return f"{value} {verb} meet the rule {rule}; meeting it would lower {_by(pts)}{avg}"
