"""PMML 4.4 documents for decision engines: the points :class:`~.scorecard.Scorecard` as a
PMML ``Scorecard`` (points, baselines, ranked reason codes), a :class:`~.ruleset.RuleSet`
as a PMML ``Scorecard`` of its rules and a fitted decision tree as a PMML ``TreeModel``. Torch-free; checked against the reference evaluator (JPMML) in
``tests/test_pmml.py``.

Scorecard mapping
-----------------
* ``initialScore`` is the base points; one ``Characteristic`` per term (features, then
  interactions, the scorecard's term order), named after the term, ``reasonCode`` = the
  term name, ``baselineScore`` = the term's best points.
* Each bin is an ``Attribute`` with its ``partialScore``: a numeric bin ``(lower, upper]``
  is ``greaterThan lower AND lessOrEqual upper`` (infinite ends left out), a level is
  ``equal``, the missing bin is ``isMissing``; an interaction cell is the AND of its two
  bins. A last ``<True/>`` Attribute scores **0**: an unseen level, a missing value without
  a missing bin, an unlisted cell (the Python scorecard's rule).
* ``reasonCodeAlgorithm="pointsBelow"``: a term's points are ``baselineScore -
  partialScore``, the Python *points lost*; ranked largest first, ties to the earlier term
  (PMML's evaluator keeps characteristic order among equals).

One thing PMML cannot say directly: the Python scorecard gives **no** reason for a term that
lost at most ``1e-9`` points (its best bin), while PMML ranks every reason code whose summed
points are ``>= 0``, zero included. The exact mapping used: an Attribute whose points lost
are ``<= 1e-9`` carries the reason code :data:`NO_REASON` instead of the term's, and a last
characteristic ``NO_REASON`` (one ``<True/>`` Attribute, ``partialScore 0``,
``baselineScore -1``) makes that code's summed points negative, so PMML never ranks it. The
score is unchanged (``+ 0``) and every other term's points are ``baselineScore -
partialScore`` computed exactly as Python computes them, so scores and ranked reasons are
identical, not just close.
"""

from __future__ import annotations

import math
import re
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from typing import Any

from .values import check_days_stored, py_scalar

__all__ = ["scorecard_to_pmml", "ruleset_to_pmml", "tree_to_pmml", "NO_REASON", "PMML_NS"]

PMML_NS = "http://www.dmg.org/PMML-4_4"
#: the reason code of bins that are no reason (never ranked; see the module docstring)
NO_REASON = "(no reason)"
#: how a PMML export of a model fitted on dates is given them (see ``check_days_stored``)
PMML_DAYS = ("a PMML evaluator is given numbers for it here. Give each such field as those days (pandas: "
             "(d - pd.Timestamp('1970-01-01')) / pd.Timedelta(days=1))")


def _num(x: float) -> str:
    """A float literal that parses back to exactly ``x`` (Python's repr)."""
    x = float(x)
    if not math.isfinite(x):
        raise ValueError(f"PMML needs finite numbers; got {x!r}.")
    return repr(x)


#: what XML 1.0 cannot hold (its ``Char`` production): the C0 controls but tab, newline and
#: carriage return, lone surrogates, U+FFFE and U+FFFF
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
#: a double holds every integer of magnitude below this exactly; from it on, neighbours merge
#: (2**53 + 1 reads as 2**53), so an evaluator comparing doubles could match the wrong level
_EXACT_INT = 2 ** 53


def _xml_safe(text: str, what: str, fix: str) -> str:
    """``text`` unchanged, or a ValueError naming ``what`` and the character: ElementTree
    writes a character XML 1.0 does not allow as it is, and the document then parses
    nowhere (ElementTree, JPMML), so it is refused here, where the field is known."""
    bad = _NOT_XML.search(text)
    if bad:
        ch = bad.group()
        raise ValueError(f"{what} holds {ch!r} (U+{ord(ch):04X}), a character XML 1.0 does not allow, so no "
                         f"PMML document can carry it; {fix}.")
    return text


def _exact_int(v: int, feature: str) -> None:
    """Refuse an integer level a double cannot tell from its neighbours (see ``_level_type``)."""
    if abs(v) >= _EXACT_INT:
        raise ValueError(f"Feature {feature!r} has the integer level {v}, 2**53 or more in size: a PMML "
                         "evaluator compares it as a double (JPMML's 'integer' is 32-bit), which cannot tell it from "
                         "its neighbours, so other codes would match it; cast the column to str and refit to export "
                         "it.")


def _level_type(levels: Sequence[Any], feature: str) -> str:
    """The PMML dataType of a categorical field from its levels. Integer levels are
    ``double``, never ``integer``: JPMML reads ``integer`` as a 32-bit Java int, so a field of
    10-digit codes scored no row, and even with small levels an input code of 2**31 or more
    (an unseen level, which Python scores as no match) failed its row. A double holds every
    integer below 2**53 exactly and JPMML matches integer inputs to it exactly; larger levels
    are refused (``_exact_int``)."""
    values = [py_scalar(v) for v in levels]
    kinds = {type(v) for v in values}
    if kinds <= {str} or not kinds:
        return "string"
    if kinds <= {bool}:
        return "boolean"
    if kinds <= {int, float}:
        for v in values:
            if isinstance(v, int):
                _exact_int(v, feature)
        return "double"
    raise ValueError(f"Feature {feature!r} needs levels of one type in PMML; got "
                     f"{sorted(k.__name__ for k in kinds)}: cast the column's levels to str before building the "
                     "scorecard or rule set.")


def _literal(v: Any, data_type: str, feature: str) -> str:
    """A level as PMML text (a string level checked for XML, an integer for an exact double)."""
    v = py_scalar(v)
    if data_type == "double":
        if isinstance(v, int) and not isinstance(v, bool):
            _exact_int(v, feature)
        return _num(v)
    if data_type == "boolean":
        return "true" if v else "false"
    return _xml_safe(str(v), f"Level {str(v)!r} of feature {feature!r}",
                     "replace that character in the column's values and refit")


def _feature_name(name: str) -> str:
    return _xml_safe(name, f"Feature {name!r}", "rename the column and refit")


def _sub(parent: ET.Element, tag: str, **attrs: Any) -> ET.Element:
    """A child element; every attribute is checked for XML 1.0 (a last guard: feature names
    and levels are checked before, with a message naming them)."""
    return ET.SubElement(parent, tag, {k: _xml_safe(str(v), f"The PMML {tag} {k} {str(v)!r}", "rename it")
                                       for k, v in attrs.items() if v is not None})


def _document(description: str) -> tuple[ET.Element, ET.Element]:
    root = ET.Element("PMML", {"xmlns": PMML_NS, "version": "4.4"})
    header = _sub(root, "Header", description=description)
    _sub(header, "Application", name="interpretable_nn")
    return root, _sub(root, "DataDictionary")


def _text(root: ET.Element) -> str:
    """The document's XML text. ElementTree writes a carriage return in element text (an
    ``Array`` of levels) as it is, and every XML parser reads it as a newline, so a level
    ``"a\\rb"`` matched ``"a\\nb"`` instead: it is written as the reference ``&#13;``
    (attributes already are)."""
    ET.indent(root)
    xml = ET.tostring(root, encoding="unicode").replace("\r", "&#13;")
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + xml + "\n"


def _unique(name: str, taken: set[str]) -> str:
    out = name
    while out in taken:
        out = "_" + out
    return out


# ---------------------------------------------------------------------- scorecard
def _bin_predicate(parent: ET.Element, field: str, b: dict, numeric: bool, data_type: str) -> None:
    """The predicate of one scorecard bin under ``parent``."""
    if b["missing"]:
        _sub(parent, "SimplePredicate", field=field, operator="isMissing")
    elif not numeric:
        _sub(parent, "SimplePredicate", field=field, operator="equal", value=_literal(b["level"], data_type, field))
    else:
        parts = [("greaterThan", b["lower"])] if b["lower"] != -math.inf else []
        parts += [("lessOrEqual", b["upper"])] if b["upper"] != math.inf else []
        if not parts:  # (-inf, inf]: any present value
            _sub(parent, "SimplePredicate", field=field, operator="isNotMissing")
        elif len(parts) == 1:
            _sub(parent, "SimplePredicate", field=field, operator=parts[0][0], value=_num(parts[0][1]))
        else:
            both = _sub(parent, "CompoundPredicate", booleanOperator="and")
            for op, v in parts:
                _sub(both, "SimplePredicate", field=field, operator=op, value=_num(v))


def _days_names(dd: ET.Element, days: dict[str, str]) -> None:
    """Each date or duration field's ``displayName`` says it holds days (``days_stored``)."""
    for field in dd.iter("DataField"):
        kind = days.get(field.get("name", ""))
        if kind:
            field.set("displayName", f"{field.get('name')} (days since 1970-01-01 UTC)" if kind == "datetime"
                      else f"{field.get('name')} (days)")


def _attribute(char: ET.Element, points: float, best: float, code: str, tol: float) -> ET.Element:
    """A bin's Attribute; no reason where it loses at most ``tol`` (the card's ``reason_tol``,
    as Python and SQL rank: a fixed 1e-9 left a card of tiny points without reasons)."""
    lost = best - points
    return _sub(char, "Attribute", partialScore=_num(points), reasonCode=code if lost > tol else NO_REASON)


def scorecard_to_pmml(card: Any, reasons: int = 4, model_name: str = "scorecard", days_stored: bool = False) -> str:
    """A PMML 4.4 ``Scorecard`` document reproducing ``card.score`` and
    ``card.reason_codes(k=reasons)`` (see the module docstring for the mapping).

    Parameters
    ----------
    card : Scorecard
        The scorecard (:class:`~interpretable_nn.rules.scorecard.Scorecard`).
    reasons : int, default 4
        How many ranked reason codes the document outputs (``reason_1`` ..).
    model_name : str, default "scorecard"
    days_stored : bool, default False
        A card from a model fitted on dates or durations (``card.metadata["converted_from"]``)
        bins them as days since 1970-01-01 UTC or as days. Its export is refused unless this
        is True, which says the evaluator will be given those days as numbers (the field's
        ``displayName`` says which).

    Returns
    -------
    str
        The XML text. Output fields: ``score`` (the total points) and ``reason_1`` ..
        ``reason_<reasons>`` (term names; missing where a row has fewer reasons).
    """
    if not isinstance(reasons, int) or isinstance(reasons, bool) or reasons < 0:
        raise ValueError(f"reasons must be a non-negative integer; got {reasons!r}.")
    days = check_days_stored(card.metadata, days_stored, PMML_DAYS)
    terms = card.terms_
    names = {t.name for t in terms}
    if NO_REASON in names:
        raise ValueError(f"A scorecard term is named {NO_REASON!r}, the PMML export's reserved reason code; rename it.")
    fields = [_feature_name(f) for f in card.feature_names]
    root, dd = _document("Points scorecard exported by interpretable_nn"
                         + ("" if card.check is None else f"; check: {card.check.summary()}"))
    types: dict[str, str] = {}
    for t in terms:
        if t.kind == "pair":
            continue
        if t.kind == "numeric":
            types[t.name] = "double"
            _sub(dd, "DataField", name=t.name, optype="continuous", dataType="double")
        else:
            types[t.name] = _level_type([b["level"] for b in t.bins if not b["missing"]], t.name)
            _sub(dd, "DataField", name=t.name, optype="categorical", dataType=types[t.name])
    _days_names(dd, days)
    target = _unique("points", set(fields))
    _sub(dd, "DataField", name=target, optype="continuous", dataType="double")
    dd.set("numberOfFields", str(len(fields) + 1))
    model = _sub(root, "Scorecard", modelName=model_name, functionName="regression",
                 initialScore=_num(card.base_points), useReasonCodes="true",
                 reasonCodeAlgorithm="pointsBelow", baselineMethod="max")
    schema = _sub(model, "MiningSchema")
    for f in fields:
        _sub(schema, "MiningField", name=f)
    _sub(schema, "MiningField", name=target, usageType="target")
    out = _sub(model, "Output")
    taken = set(fields) | {target}
    _sub(out, "OutputField", name=_unique("score", taken - {target}), optype="continuous", dataType="double",
         feature="predictedValue")
    for k in range(1, reasons + 1):
        _sub(out, "OutputField", name=_unique(f"reason_{k}", taken), optype="categorical", dataType="string",
             feature="reasonCode", rank=k)
    chars = _sub(model, "Characteristics")
    by_name, tol = {t.name: t for t in terms}, card.reason_tol
    for t in terms:
        char = _sub(chars, "Characteristic", name=t.name, reasonCode=t.name, baselineScore=_num(t.best))
        if t.kind == "pair":
            a, b = (by_name[f] for f in t.features)
            for (ka, kb), (_, points) in t.cells.items():
                both = _sub(_attribute(char, points, t.best, t.name, tol), "CompoundPredicate", booleanOperator="and")
                _bin_predicate(both, a.name, a.bins[ka], a.kind == "numeric", types[a.name])
                _bin_predicate(both, b.name, b.bins[kb], b.kind == "numeric", types[b.name])
        else:
            for b in t.bins:
                _bin_predicate(_attribute(char, b["points"], t.best, t.name, tol), t.name, b,
                               t.kind == "numeric", types[t.name])
        _sub(_attribute(char, 0.0, t.best, t.name, tol), "True")
    sink = _sub(chars, "Characteristic", name=NO_REASON, reasonCode=NO_REASON, baselineScore=_num(-1.0))
    _sub(_sub(sink, "Attribute", partialScore=_num(0.0)), "True")
    return _text(root)


# ---------------------------------------------------------------------- conditions
_OPS = {"<=": "lessOrEqual", ">": "greaterThan", "==": "equal", "!=": "notEqual"}


def _field_types(conditions: Sequence[Any], given: dict[str, str] | None = None) -> dict[str, str]:
    """The PMML dataType of every feature the conditions read: ``double`` when a threshold
    reads it, else from its levels (``string`` for a feature only tested for missing)."""
    out = dict(given or {})
    levels: dict[str, list] = {}
    for c in conditions:
        if c.feature in out and c.feature not in levels:
            continue
        if c.op in ("<=", ">"):
            out[c.feature] = "double"
            levels.pop(c.feature, None)
            continue
        if out.get(c.feature) == "double" and c.feature not in levels:
            continue
        bucket = levels.setdefault(c.feature, [])
        if c.op == "in":
            bucket.extend(c.value)
        elif c.op in ("==", "!="):
            bucket.append(c.value)
    for f, lv in levels.items():
        if out.get(f) != "double":
            out[f] = _level_type(lv, f)
    for c in conditions:
        out.setdefault(c.feature, "string")
    return out


def _array(values: Sequence[Any], data_type: str, feature: str) -> tuple[str, str]:
    """(PMML Array type, content) of a set of levels."""
    if data_type == "double":
        return "real", " ".join(_literal(v, data_type, feature) for v in values)
    quoted = ['"' + _literal(v, data_type, feature).replace("\\", "\\\\").replace('"', '\\"') + '"' for v in values]
    return "string", " ".join(quoted)


def _condition(parent: ET.Element, c: Any, data_type: str) -> None:
    """One rule condition as a predicate that is TRUE or FALSE, never UNKNOWN: the test
    ``AND is not missing`` (``OR is missing`` when ``if_missing``), as the rule set reads it."""
    if c.op == "is_missing":
        _sub(parent, "SimplePredicate", field=c.feature, operator="isMissing" if c.value else "isNotMissing")
        return
    wrap = _sub(parent, "CompoundPredicate", booleanOperator="or" if c.if_missing else "and")
    _sub(wrap, "SimplePredicate", field=c.feature, operator="isMissing" if c.if_missing else "isNotMissing")
    if c.op == "in":
        kind, content = _array(c.value, data_type, c.feature)
        pred = _sub(wrap, "SimpleSetPredicate", field=c.feature, booleanOperator="isIn")
        _sub(pred, "Array", n=len(c.value), type=kind).text = content
    else:
        value = _num(c.value) if c.op in ("<=", ">") else _literal(c.value, data_type, c.feature)
        _sub(wrap, "SimplePredicate", field=c.feature, operator=_OPS[c.op], value=value)


def _all(parent: ET.Element, conditions: Sequence[Any], types: dict[str, str]) -> None:
    if not conditions:
        _sub(parent, "True")
    elif len(conditions) == 1:
        _condition(parent, conditions[0], types[conditions[0].feature])
    else:
        both = _sub(parent, "CompoundPredicate", booleanOperator="and")
        for c in conditions:
            _condition(both, c, types[c.feature])


def _fields(dd: ET.Element, schema: ET.Element, types: dict[str, str], target: str) -> None:
    for f, t in types.items():
        _sub(dd, "DataField", name=_feature_name(f), optype="continuous" if t == "double" else "categorical", dataType=t)
        _sub(schema, "MiningField", name=f)
    _sub(dd, "DataField", name=target, optype="continuous", dataType="double")
    _sub(schema, "MiningField", name=target, usageType="target")
    dd.set("numberOfFields", str(len(types) + 1))


def _score_outputs(model: ET.Element, link: str, taken: set[str]) -> None:
    """``score`` (the additive score / log-odds) and, for the logit link,
    ``probability = 1 / (1 + exp(-score))``."""
    out = _sub(model, "Output")
    score = _unique("score", taken)
    _sub(out, "OutputField", name=score, optype="continuous", dataType="double", feature="predictedValue")
    if link == "logit":
        prob = _sub(out, "OutputField", name=_unique("probability", taken | {score}), optype="continuous",
                    dataType="double", feature="transformedValue")
        div = _sub(prob, "Apply", function="/")
        _sub(div, "Constant", dataType="double").text = "1.0"
        plus = _sub(div, "Apply", function="+")
        _sub(plus, "Constant", dataType="double").text = "1.0"
        exp = _sub(plus, "Apply", function="exp")
        neg = _sub(exp, "Apply", function="*")
        _sub(neg, "Constant", dataType="double").text = "-1.0"
        _sub(neg, "FieldRef", field=score)


# ---------------------------------------------------------------------- rule set
def ruleset_to_pmml(rs: Any, model_name: str = "ruleset", days_stored: bool = False) -> str:
    """A PMML 4.4 ``Scorecard`` reproducing ``rs.decision_function`` (output ``score``)
    and, with the logit link, ``predict_proba[:, 1]`` (output ``probability``): the
    intercept is the ``initialScore``; each rule is one ``Characteristic`` whose first
    ``Attribute`` (all its conditions) scores its weight and whose ``<True/>`` Attribute
    scores 0, added in rule order. A PMML ``RuleSetModel`` cannot add rule weights (its
    rules vote or the first one wins), so the scorecard is the exact form. Each linear term
    follows as a ``Characteristic`` of two Attributes: missing scores ``points * fill``
    (computed here), else a ``ComplexPartialScore`` ``points * min(max(x, lo), hi)``.
    A rule set fitted on dates needs ``days_stored=True`` (the evaluator is given days), as
    :func:`scorecard_to_pmml`."""
    days = check_days_stored(getattr(rs, "metadata", None), days_stored, PMML_DAYS, rs.features_used)
    conditions = [c for r in rs.rules for c in r.conditions]
    linear = tuple(getattr(rs, "linear", ()))
    types = _field_types(conditions)
    for t in linear:
        if types.get(t.feature, "double") != "double":
            raise ValueError(f"Feature {t.feature!r} has a linear term and rules comparing it with non-numeric "
                             "levels; PMML needs one type per field.")
        types[t.feature] = "double"
    what = f"{rs.n_rules} rules" + (f", {len(linear)} linear terms" if linear else "")
    root, dd = _document(f"Rule set exported by interpretable_nn ({what}, link {rs.link})")
    target = _unique("target", set(types))
    model = _sub(root, "Scorecard", modelName=model_name, functionName="regression",
                 initialScore=_num(rs.intercept), useReasonCodes="false")
    _fields(dd, _sub(model, "MiningSchema"), types, target)
    _days_names(dd, days)
    _score_outputs(model, rs.link, set(types) | {target})
    chars = _sub(model, "Characteristics")
    for j, rule in enumerate(rs.rules):
        char = _sub(chars, "Characteristic", name=rule.name or f"rule_{j + 1}")
        _all(_sub(char, "Attribute", partialScore=_num(rule.weight)), rule.conditions, types)
        _sub(_sub(char, "Attribute", partialScore=_num(0.0)), "True")
    taken = {el.get("name") for el in chars}
    for j, t in enumerate(linear):
        name = _unique(t.name or f"linear_{j + 1}", taken)
        taken.add(name)
        char = _sub(chars, "Characteristic", name=name)
        # a missing value: the points Python forms, points * fill, as one number
        _sub(_sub(char, "Attribute", partialScore=_num(t.points * t.fill)), "SimplePredicate",
             field=t.feature, operator="isMissing")
        # else points * min(max(x, lo), hi), the product Python forms
        present = _sub(char, "Attribute")
        _sub(present, "True")
        product = _sub(_sub(present, "ComplexPartialScore"), "Apply", function="*")
        _sub(product, "Constant", dataType="double").text = _num(t.points)
        clip = _sub(product, "Apply", function="min")
        floor = _sub(clip, "Apply", function="max")
        _sub(floor, "FieldRef", field=t.feature)
        _sub(floor, "Constant", dataType="double").text = _num(t.lo)
        _sub(clip, "Constant", dataType="double").text = _num(t.hi)
    return _text(root)


# ---------------------------------------------------------------------- tree
def tree_to_pmml(children_left: Sequence[int], children_right: Sequence[int],
                 branches: dict[int, tuple[Any, Any]], leaf_score: Sequence[float], link: str,
                 field_types: dict[str, str] | None = None, model_name: str = "tree") -> str:
    """A PMML 4.4 ``TreeModel`` (``functionName="regression"``): every split node's two
    children carry the (left, right) conditions of ``branches`` (raw terms, as
    :func:`~interpretable_nn.rules.from_tree.split_conditions` reads them: TRUE or FALSE on
    every row, missing values included), every leaf its ``leaf_score`` (log-odds with
    ``link="logit"``, the prediction with ``"identity"``). Outputs ``score`` and, for the
    logit link, ``probability``."""
    conditions = [c for pair in branches.values() for c in pair]
    types = _field_types(conditions, {f: t for f, t in (field_types or {}).items()
                                      if f in {c.feature for c in conditions}})
    root, dd = _document("Decision tree exported by interpretable_nn")
    target = _unique("target", set(types))
    model = _sub(root, "TreeModel", modelName=model_name, functionName="regression",
                 splitCharacteristic="binarySplit", missingValueStrategy="none",
                 noTrueChildStrategy="returnNullPrediction")
    _fields(dd, _sub(model, "MiningSchema"), types, target)
    _score_outputs(model, link, set(types) | {target})

    def node(parent: ET.Element, k: int, condition: Any) -> None:
        el = _sub(parent, "Node", id=k)
        if condition is None:
            _sub(el, "True")
        else:
            _condition(el, condition, types[condition.feature])
        left, right = int(children_left[k]), int(children_right[k])
        if left == -1:
            el.set("score", _num(leaf_score[k]))
            return
        go_left, go_right = branches[k]
        node(el, left, go_left)
        node(el, right, go_right)

    node(model, 0, None)
    return _text(root)
