"""Exports of a rule set for a reader: :func:`to_text`, :func:`to_markdown` and
:func:`to_graphviz`.

Weights are rounded for a reader to ``digits=3`` significant digits by default (display
only: the JSON and SQL exports stay exact); ``digits=None`` writes every number as the
shortest decimal that parses back to the same float. Every export ends with how to score.
User text (feature names, levels, rule names) is written on one line: control and
bidirectional-override characters are escaped as ``repr`` writes them (``\\n``,
``\\u202e``; :func:`~.values.escape_text`), so a name cannot forge a line. The
functions take any :class:`~interpretable_nn.rules.conditions.RuleSetLike` (a
:class:`~interpretable_nn.rules.RuleSet`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import pandas as pd

from ..attribution.fidelity import Fidelity
from .conditions import RuleSetLike
from .values import days_features, escape_text, format_feature, format_number, format_points

__all__ = ["to_text", "to_markdown", "to_graphviz"]


def _points(x: float, digits: int | None) -> str:
    """``x`` with its sign, to ``digits`` significant digits (``None``: exact).

    >>> _points(0.30000000000000004, 3), _points(-1234.5678, 3), _points(0.0625, 3), _points(1/3, None)
    ('+0.3', '-1230', '+0.0625', '+0.3333333333333333')
    """
    if digits is None or x == 0 or not math.isfinite(x):
        return format_points(x)
    if isinstance(digits, bool) or not isinstance(digits, int) or digits < 1:
        raise ValueError(f"digits must be a positive number of significant digits or None (exact); got {digits!r}.")
    return format_points(round(x, digits - 1 - math.floor(math.log10(abs(x)))))


def _rounded(rs: RuleSetLike, digits: int | None) -> bool:
    """Whether ``digits`` changes any number a reader adds up."""
    if digits is None:
        return False
    values = [rs.intercept, *(r.weight for r in rs), *(t.points for t in getattr(rs, "linear", ()))]
    return any(math.isfinite(v) and float(_points(v, digits)) != v for v in values)


def _how_to_score(rs: RuleSetLike, digits: int | None = None) -> list[str]:
    lines = ["score = intercept + the points of every rule whose conditions all hold"
             + (" + the points of every linear term" if getattr(rs, "linear", ()) else "")]
    if rs.link == "logit":
        c0, c1 = rs.classes
        lines += [f"probability of {c1!r} = 1 / (1 + exp(-score))",
                  f"decision = {c1!r} if score > 0 else {c0!r}"]
    else:
        lines.append("prediction = score")
    lines.append("a missing value makes a condition false unless it says OR ... IS MISSING")
    lines += _days_notes(rs)
    if getattr(rs, "linear", ()):
        lines.append("a linear term's points = its points per unit x the column clipped to [lo, hi]"
                     " (a missing value counts as the term's 'missing' value)")
    if _rounded(rs, digits):  # a reviewer re-scoring from rounded points flipped 4 of 4,454 decisions
        lines.append(f"the points are rounded to {digits} significant digits for reading, so a score added up "
                     "from them can differ a little (a decision near the cut can flip); digits=None writes them "
                     "exactly, as the JSON and SQL do")
    return lines


def _days_notes(rs: RuleSetLike) -> list[str]:
    """How to read the thresholds of a feature fitted on dates or durations, with the first
    threshold as a worked example (``18725 days = 2021-04-08``)."""
    out = []
    for name, kind in days_features(getattr(rs, "metadata", None), rs.features_used).items():
        cuts = [c.value for r in rs for c in r.conditions if c.feature == name and c.op in ("<=", ">")]
        if kind == "datetime":
            example = ""
            if cuts and math.isfinite(cuts[0]) and abs(cuts[0]) < 1e6:
                when = pd.Timestamp("1970-01-01") + pd.Timedelta(days=float(cuts[0]))
                shown = str(when.date()) if when == when.normalize() else when.isoformat(sep=" ", timespec="seconds")
                example = f": {format_number(cuts[0])} is {shown}"
            out.append(f"{format_feature(name)} is a date, compared as days since 1970-01-01 00:00 UTC{example}")
        else:
            out.append(f"{format_feature(name)} is a duration, compared in days")
    return out


def _linear_head(rs: RuleSetLike) -> str:
    n = len(getattr(rs, "linear", ()))
    return f", {n} linear terms" if n else ""


# ---------------------------------------------------------------------- text, markdown
def to_text(rs: RuleSetLike, digits: int | None = 3) -> str:
    """One ``IF ... THEN ... points`` line per rule, with the intercept and the link.

    Examples
    --------
    >>> from interpretable_nn.rules import Condition, Rule, RuleSet
    >>> rs = RuleSet([Rule((Condition("Income", "<=", 1200.0),
    ...                     Condition("Home", "==", "rent")), 0.83)], intercept=-0.4)
    >>> print(to_text(rs).splitlines()[2])
    IF Income <= 1200 AND Home == 'rent' THEN +0.83 points
    """
    head = f"# rule set: {rs.n_rules} rules, {rs.n_conditions} conditions{_linear_head(rs)}, link {rs.link}"
    lines = [head, f"INTERCEPT {_points(rs.intercept, digits)} points"]
    lines += [f"IF {r.condition_text()} THEN {_points(r.weight, digits)} points" for r in rs]
    lines += [f"LINEAR {_points(t.points, digits)} points × {t.value_text()}" for t in getattr(rs, "linear", ())]
    lines += ["# " + line for line in _how_to_score(rs, digits)]
    return "\n".join(lines) + "\n"


def _md_cell(text: str) -> str:
    """``text`` as one Markdown table cell: in a code span long enough for its backticks,
    pipes escaped, line breaks made spaces."""
    run = longest = 0
    for ch in text:
        run = run + 1 if ch == "`" else 0
        longest = max(longest, run)
    fence = "`" * (longest + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    cell = f"{fence}{pad}{text}{pad}{fence}"
    return escape_text(cell).replace("|", "\\|")


def to_markdown(rs: RuleSetLike, digits: int | None = 3) -> str:
    """A reviewer's table (rule #, conditions, points, support, precision) and how to score.

    Examples
    --------
    >>> from interpretable_nn.rules import Condition, Rule, RuleSet
    >>> rs = RuleSet([Rule((Condition("Income", "<=", 1200.0),), 0.83, support=0.2)])
    >>> "| 1 | `Income <= 1200` | +0.83 | 0.2 |  |" in to_markdown(rs)
    True
    """

    def fmt(v: float | None) -> str:
        return "" if v is None else format_number(v)

    lines = [
        f"**Rule set**: {rs.n_rules} rules, {rs.n_conditions} conditions{_linear_head(rs)}, link `{rs.link}`"
        + (f", classes {rs.classes[0]!r} / {rs.classes[1]!r}." if rs.link == "logit" else "."),
        "",
        "| # | conditions (all must hold) | points | support | precision |",
        "|---:|---|---:|---:|---:|",
    ]
    for i, r in enumerate(rs, start=1):
        conds = " AND ".join(_md_cell(c.to_text()) for c in r.conditions) or "always"
        lines.append(f"| {i} | {conds} | {_points(r.weight, digits)} | {fmt(r.support)} "
                     f"| {fmt(r.precision)} |")
    linear = getattr(rs, "linear", ())
    if linear:
        lines += ["", "| # | linear term: column (clipped to [lo, hi]; missing counts as) | points per unit |",
                  "|---:|---|---:|"]
        lines += [f"| L{i} | {_md_cell(t.value_text())} | {_points(t.points, digits)} |"
                  for i, t in enumerate(linear, start=1)]
    lines += ["", f"Intercept: **{_points(rs.intercept, digits)}** points.", "", "How to score:"]
    lines += [f"- {line}" for line in _how_to_score(rs, digits)]
    fid = rs.metadata.get("fidelity")
    if isinstance(fid, Mapping):
        where = (f" ({escape_text(fid.compared)}, {fid.n_rows} {escape_text(fid.rows)} rows)"
                 if isinstance(fid, Fidelity) and fid.compared else "")
        lines += ["", f"Fidelity to the source model{where}: "
                  + ", ".join(f"{escape_text(k)} = {escape_text(v)}" for k, v in fid.items()) + "."]
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------------- Graphviz
def _dot(text: str) -> str:
    """User text made literal in a DOT label (non-printable characters escaped, backslashes
    doubled; quotes are escaped by graphviz's own quoting)."""
    return escape_text(text).replace("\\", "\\\\")


def to_graphviz(rs: RuleSetLike) -> Any:
    """A ``graphviz.Digraph``: one box per rule (conditions and points) feeding the score.

    ``.source`` gives the DOT text without the ``dot`` binary; ``.render`` needs it.

    Examples
    --------
    >>> from interpretable_nn.rules import Condition, Rule, RuleSet
    >>> rs = RuleSet([Rule((Condition("Income", "<=", 1200.0),), 0.5)])
    >>> "Income <= 1200" in to_graphviz(rs).source
    True
    """
    import graphviz

    g = graphviz.Digraph("ruleset", graph_attr={"rankdir": "LR"},
                         node_attr={"shape": "box", "fontname": "Helvetica"})
    how = "\\l".join(_dot(line) for line in _how_to_score(rs)) + "\\l"
    g.node("score", graphviz.nohtml(
        f"score (link {rs.link})\\lintercept {_dot(_points(rs.intercept, None))}\\l{how}"),
        shape="ellipse")
    for i, r in enumerate(rs, start=1):
        lines = [f"Rule {i}" + (f" ({_dot(r.name)})" if r.name else "")]
        conds = [_dot(c.to_text()) for c in r.conditions] or ["TRUE"]
        lines += [("AND " if k else "IF ") + text for k, text in enumerate(conds)]
        lines += [f"THEN {_dot(format_points(r.weight))} points"]
        g.node(f"rule_{i}", graphviz.nohtml("\\l".join(lines) + "\\l"))
        g.edge(f"rule_{i}", "score", label=_dot(format_points(r.weight)))
    for i, t in enumerate(getattr(rs, "linear", ()), start=1):
        lines = [f"Linear term {i}" + (f" ({_dot(t.name)})" if t.name else ""), _dot(t.value_text()),
                 f"x {_dot(format_points(t.points))} points per unit"]
        g.node(f"linear_{i}", graphviz.nohtml("\\l".join(lines) + "\\l"))
        g.edge(f"linear_{i}", "score", label=_dot(format_points(t.points)) + " x")
    return g
