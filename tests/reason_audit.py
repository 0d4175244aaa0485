"""Audit of reason sentences against their points (shared by tests/test_reason_words.py and
benchmarks/reason_words.py): a sentence contradicts its points when it reads favourable, or
when the reference value it names does not lower the term's points when put in the row."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from interpretable_nn.attribution.additive import as_additive
from interpretable_nn.explain.reason_words import ADVERSE_PHRASES

FAVOURABLE_PHRASES = ("lowers the risk score", "would raise the risk score", "is above the average",
                      "is below the average", "as for most")
_BEST = re.compile(r"^(?P<who>.+?); (?P<fav>.+) would lower the risk score by (?P<pts>\S+) points$")
_MEAN = re.compile(r"^(?P<who>.+?) raises the risk score by (?P<pts>\S+) points over the average "
                   r"applicant(; (?P<fav>.+) would score at or below the average)?$")


def _num(s: str) -> float:
    return float(s.replace(",", ""))


def parse_reference(fav: str, numeric: bool):
    """The value a sentence names as the reference, and its side ("up" for "X or more")."""
    fav = fav.strip()
    if fav == "missing":
        return np.nan, None
    if not numeric:
        return re.match(r"'([^']*)'", fav).group(1), None
    m = re.match(r"^(\S+) or more$", fav)
    if m:
        return _num(m.group(1)), "up"
    m = re.match(r"^(\S+) or less$", fav)
    if m:
        return _num(m.group(1)), "down"
    m = re.match(r"^between (\S+) and (\S+)$", fav)
    if m:
        return _num(m.group(1)), None
    return _num(fav), None


def contradictions(model, X: pd.DataFrame, out: pd.DataFrame, reference: str,
                   monotone: dict | None = None, numeric: dict | None = None) -> list[str]:
    """Every reason of ``out`` (from ``reason_codes(model, X, reference=...)``) whose words
    disagree with its points; [] when none. The named references are put into copies of
    their rows and scored in one call of ``predict_terms``."""
    bad = []
    add = as_additive(model)
    terms = list(add.terms_) if add is not None else []
    pos = {lab: i for i, lab in enumerate(X.index)}
    todo = []  # (record, term index, reference value, side, numeric)
    for rec in out.itertuples(index=False):
        text = rec.text
        if not any(p in text for p in ADVERSE_PHRASES) or any(p in text for p in FAVOURABLE_PHRASES):
            bad.append(f"direction: {text}")
            continue
        if add is None or rec.reason not in terms or len(add.term_features_[terms.index(rec.reason)]) != 1:
            continue  # pairs: direction words only
        m = (_BEST if reference == "best" else _MEAN).match(text)
        if m is None:
            bad.append(f"unparsed: {text}")
            continue
        if m.group("fav") is None:
            continue
        f = add.term_features_[terms.index(rec.reason)][0]
        is_num = numeric[f] if numeric else pd.api.types.is_numeric_dtype(X[f].dtype)
        ref, side = parse_reference(m.group("fav"), is_num)
        todo.append((rec, terms.index(rec.reason), ref, side, is_num, f))
    if not todo:
        return bad
    rows = X.iloc[[pos[t[0].row] for t in todo]].reset_index(drop=True)
    orig_all = np.asarray(add.predict_terms(rows), dtype=float)
    subst = rows.copy()
    for c in {t[5] for t in todo if t[4]}:
        subst[c] = subst[c].astype(float)
    for c in {t[5] for t in todo if not t[4]}:
        subst[c] = subst[c].astype(object)
    for i, (_, _, ref, _, _, f) in enumerate(todo):
        subst.iat[i, subst.columns.get_loc(f)] = ref
    new_all = np.asarray(add.predict_terms(subst), dtype=float)
    for i, (rec, t, ref, side, is_num, f) in enumerate(todo):
        text = rec.text
        orig, new = orig_all[i, t], new_all[i, t]
        if not new < orig - 1e-12:  # the named reference must lower the points
            bad.append(f"reference does not lower the points ({orig:.4g} -> {new:.4g}): {text}")
        elif reference == "best" and abs((orig - new) - rec.points) > 1e-6 * max(1.0, rec.points):
            bad.append(f"named reference gives {orig - new:.6g}, not the stated {rec.points:.6g}: {text}")
        if monotone and f in monotone and is_num and not (isinstance(ref, float) and np.isnan(ref)):
            v = X.loc[rec.row, f]
            want = "up" if monotone[f] < 0 else "down"
            if side != want or (not pd.isna(v) and (ref - float(v)) * (1 if want == "up" else -1) <= 0):
                bad.append(f"against the monotone constraint {f}={monotone[f]}: {text}")
    return bad
