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

from typing import Any

import numpy as np
import pandas as pd

__all__ = ["format_value", "rule_sentence", "term_sentence", "feature_sentence", "ADVERSE_PHRASES"]

#: the phrases by which every reason sentence states its (adverse) direction
ADVERSE_PHRASES = ("would lower the risk score", "raises the risk score", "more to the risk score")


def format_value(v: Any) -> str:
    """A raw value for a sentence, written exactly (the shortest digits that read back as the
    value, or as its float32 where the value is a float32's): ``1200.0 -> '1,200'``,
    ``20.43 -> '20.43'``, missing -> ``'missing'``, strings as they are. Exactly, because the
    sentence sets it beside a favourable value: an applicant at 19.87 written "19.9" beside
    "19.9 would lower the risk score" reads as a contradiction.

    Examples
    --------
    >>> format_value(1200.0), format_value(0.3468), format_value(float("nan")), format_value("rent")
    ('1,200', '0.3468', 'missing', 'rent')
    >>> format_value(1234.5), format_value(float(np.float32(20.43))), format_value(2.5e-7), format_value(1e300)
    ('1,234.5', '20.43', '2.5e-07', '1e+300')
    >>> format_value(np.int64(2**62 + 1)), format_value(np.float16(0.1))
    ('4,611,686,018,427,387,905', '0.1')
    """
    if v is None or (isinstance(v, float) and np.isnan(v)) or v is pd.NA:
        return "missing"
    if isinstance(v, (int, np.integer)) and not isinstance(v, (bool, np.bool_)):
        return f"{int(v):,}"  # exact beyond 2**53, where a float would round
    if isinstance(v, (float, np.floating)):
        return _exact_num(float(v))
    return str(v)


def _exact_num(x: float) -> str:
    """``x`` in the fewest digits that read back as ``x`` in the narrowest float type holding
    it exactly (float16, float32 or float64: a float32 column's 20.43 is written "20.43", not
    "20.43000030517578"): grouped fixed point from 1e-4 to 1e15, else scientific."""
    if not np.isfinite(x):
        return str(x)
    with np.errstate(over="ignore"):
        kind = next(t for t in (np.float16, np.float32, np.float64) if float(t(x)) == x)

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


def _is_missing(v: Any) -> bool:
    return v is None or v is pd.NA or (isinstance(v, float) and np.isnan(v))


def _fmt_num(x: float, side: str = "exact") -> str:
    """A number as short as it can be while staying on the stated side of ``x``:
    ``side="up"`` never below ``x`` (for "X or more": rounded up to 3 significant digits),
    ``"down"`` never above (for "X or less": rounded down), ``"exact"`` equal to ``x`` up to
    1e-9 relative.

    Examples
    --------
    >>> _fmt_num(0.000886799, "down"), _fmt_num(531.27, "up"), _fmt_num(12345.6, "down")
    ('0.000886', '532', '12,345')
    """
    x = float(x)
    big = abs(x) >= 1000
    if side in ("up", "down") and x != 0 and np.isfinite(x):
        step = 1.0 if big else 10.0 ** (np.floor(np.log10(abs(x))) - 2)
        v = (np.ceil if side == "up" else np.floor)(round(x / step, 9)) * step
        s = f"{v:,.0f}" if big else f"{v:.3g}"
        p = float(s.replace(",", ""))
        if (side == "up" and p >= x) or (side == "down" and p <= x):
            return s
    for d in ((0, 1, 2, 3, 6) if big else (3, 4, 6, 10, 17)):
        s = f"{x:,.{d}f}" if big else (f"{x:.{d}g}" if not x.is_integer() else f"{x:.0f}")
        v = float(s.replace(",", ""))
        if (side == "up" and v >= x) or (side == "down" and v <= x) or abs(v - x) <= 1e-9 * max(1.0, abs(x)):
            return s
    return repr(x)


def _fmt_raw(v: Any, numeric: bool) -> str:
    """The applicant's value of a feature: ``1,200``, ``'rent'`` or ``missing``."""
    if _is_missing(v):
        return "missing"
    if numeric:
        try:
            return format_value(float(v))
        except (TypeError, ValueError):
            return str(v)
    return f"'{v}'"


def _favourable(values: np.ndarray, pts: np.ndarray, ref: float, numeric: bool) -> str:
    """Words for the most favourable block of a feature's values: the values whose adverse
    points are at most ``ref`` (``values`` and ``pts`` over a grid or the reference rows),
    as "40 or more", "1,500 or less", "between 2 and 5", "'no'" or "missing"; the block is
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
        names = [f"'{v}'" for v in lv.index]
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
    if hi == len(G) - 1 and lo > 0:
        return f"{_fmt_num(G[lo], 'up')} or more"
    if lo == 0 and hi < len(G) - 1:
        return f"{_fmt_num(G[hi], 'down')} or less"
    if lo == hi or (lo == 0 and hi == len(G) - 1):
        return _fmt_num(G[best])
    return f"between {_fmt_num(G[lo], 'up')} and {_fmt_num(G[hi], 'down')}"


def _pts(p: float) -> str:
    return f"{p:.3g}"


def term_sentence(features: tuple[str, ...], raw: list, numeric: list[bool], pts: float,
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
        who = f"{features[0]} {_fmt_raw(raw[0], numeric[0])}"
    else:
        who = "the combination of " + " and ".join(
            f"{f} {_fmt_raw(v, n)}" for f, v, n in zip(features, raw, numeric))
    if reference == "best":
        fav = favourable or "the most favourable value"
        return f"{who}; {fav} would lower the risk score by {_pts(pts)} points"
    out = f"{who} raises the risk score by {_pts(pts)} points over the average applicant"
    return out + (f"; {favourable} would score at or below the average" if favourable else "")


def feature_sentence(feature: str, v: Any, numeric: bool, pts: float, reference: str,
                     favourable: Any = None) -> str:
    """A feature's share of a non-additive model's explanation (its points depend on the
    other features, so the sentence compares contributions, not values).

    Examples
    --------
    >>> feature_sentence("Income", 1200.0, True, 0.5, "best", 9000.0)
    'Income 1,200 adds 0.5 more to the risk score than the most favourable reference applicant (Income 9,000)'
    """
    who = f"{feature} {_fmt_raw(v, numeric)}"
    if reference == "best":
        ref = "" if favourable is None else f" ({feature} {_fmt_raw(favourable, numeric)})"
        return f"{who} adds {_pts(pts)} more to the risk score than the most favourable reference applicant{ref}"
    return f"{who} raises the risk score by {_pts(pts)} points over the average contribution of {feature}"


def rule_sentence(value: str, n_features: int, rule: str, fired: bool, pts: float, reference: str) -> str:
    """A rule met (it raises the risk score) or missed (meeting it would lower it).

    Examples
    --------
    >>> rule_sentence("Income 1,200", 1, "Income <= 1500", True, 0.8, "best")
    'Income 1,200 meets the rule Income <= 1500, which raises the risk score by 0.8 points'
    """
    avg = " more than for the average applicant" if reference == "mean" else ""
    if fired:
        verb = "meets" if n_features == 1 else "meet"
        return f"{value} {verb} the rule {rule}, which raises the risk score by {_pts(pts)} points{avg}"
    verb = "does not" if n_features == 1 else "do not"
    return f"{value} {verb} meet the rule {rule}; meeting it would lower the risk score by {_pts(pts)} points{avg}"
