"""The lossless JSON form of a rule set: :func:`to_json` and :func:`read_json`.

Versioned schema::

    {"format": "interpretable_nn.ruleset", "version": 1,
     "link": "logit" | "identity", "intercept": float, "classes": [label, label],
     "feature_names": [str, ...] | null, "metadata": {...},
     "rules": [{"conditions": [{"feature": str, "op": str, "value": ...,
                                "if_missing": bool}, ...],
                "weight": float, "support": float | null, "precision": float | null,
                "name": str | null}, ...],
     "linear": [{"feature": str, "points": float, "lo": float, "hi": float,
                 "fill": float, "name": str | null, "mean": float | null}, ...]}

``classes`` is written only for link ``"logit"``: a regression's score has no labels (a reader
takes ``[0, 1]`` where it is absent, as before). ``linear``
(:class:`~interpretable_nn.rules.conditions.LinearTerm`) is written only when the
rule set has linear terms, and then with ``"version": 2``: a reader of version 1 refuses the
file (asking for an upgrade) instead of scoring without them. A file without linear terms
is version 1, as before.

``value`` is a number (``<=``, ``>``), a level (str, int, float or bool: JSON keeps them
apart), a list of levels (``in``) or a bool (``is_missing``). No NaN or Infinity. A
:class:`~interpretable_nn.attribution.fidelity.Fidelity` in the metadata is written as its
``to_dict()``; ``metadata["fidelity"]`` is read back as a ``Fidelity`` (an older file's
plain dict of figures too).

:func:`read_json` returns the parts :meth:`RuleSet.from_json
<interpretable_nn.rules.RuleSet.from_json>` builds the rule set from, so this module does
not import the rule set.
"""

from __future__ import annotations

import json
import math
from typing import Any

import numpy as np

from ..attribution.fidelity import Fidelity
from .conditions import Condition, LinearTerm, Rule, RuleSetLike, RuleSetParts
from .values import LINKS, OPS, days_features

__all__ = ["FORMAT", "VERSION", "to_json", "read_json"]

FORMAT = "interpretable_nn.ruleset"
VERSION = 2
#: the version of a file without linear terms (what readers before version 2 read)
VERSION_RULES_ONLY = 1
MAX_RULES = 100_000
MAX_CONDITIONS = 1_000_000
MAX_LEVELS = 100_000
MAX_ABS_NUMBER = 1e300
MAX_METADATA_DEPTH = 16


def _jsonable(obj: Any, where: str, depth: int = 0) -> Any:
    """``obj`` as JSON holds it (a Fidelity as its ``to_dict()``); a ValueError naming
    ``where`` for what JSON cannot store."""
    if depth > MAX_METADATA_DEPTH:
        raise ValueError(f"{where} is nested deeper than {MAX_METADATA_DEPTH} levels.")
    obj = obj.item() if isinstance(obj, np.generic) else obj
    if isinstance(obj, Fidelity):
        obj = obj.to_dict()
    if obj is None or isinstance(obj, (str, bool, int)):
        return obj
    if isinstance(obj, float):
        return _number(obj, where)
    if isinstance(obj, (list, tuple, np.ndarray)):
        return [_jsonable(v, f"{where}[{i}]", depth + 1) for i, v in enumerate(list(obj))]
    if isinstance(obj, dict):
        out = {}
        for k, v in obj.items():
            if not isinstance(k, str):
                raise ValueError(f"{where} has a non-string key {k!r}.")
            out[k] = _jsonable(v, f"{where}[{k!r}]", depth + 1)
        return out
    raise ValueError(f"{where} holds a {type(obj).__name__}, which JSON cannot store.")


def to_json(rs: RuleSetLike, indent: int | None = 2) -> str:
    """Lossless JSON (schema in the module docstring).

    Examples
    --------
    >>> from interpretable_nn.rules import Condition, Rule, RuleSet
    >>> rs = RuleSet([Rule((Condition("Home", "in", ("rent", 1)),), 0.1)])
    >>> RuleSet.from_json(to_json(rs)) == rs
    True

    A rule set ``from_json`` would refuse (a number beyond ±1e300, ...) is refused here, so
    no file is written that does not read back.
    """
    def cond(c: Condition) -> dict[str, Any]:
        value = list(c.value) if c.op == "in" else c.value
        return {"feature": c.feature, "op": c.op, "value": value, "if_missing": c.if_missing}

    linear = getattr(rs, "linear", ())
    doc = {
        "format": FORMAT,
        "version": VERSION if linear else VERSION_RULES_ONLY,
        "link": rs.link,
        "intercept": rs.intercept,
        **({"classes": list(rs.classes)} if rs.link == "logit" else {}),  # a regression has none
        "feature_names": rs.feature_names,
        "rules": [
            {"conditions": [cond(c) for c in r.conditions], "weight": r.weight,
             "support": r.support, "precision": r.precision, "name": r.name}
            for r in rs
        ],
        "metadata": _jsonable(rs.metadata, "metadata"),
    }
    if linear:
        doc["linear"] = [{"feature": t.feature, "points": t.points, "lo": t.lo, "hi": t.hi, "fill": t.fill,
                          "name": t.name, "mean": t.mean} for t in linear]
    text = json.dumps(doc, indent=indent, allow_nan=False, ensure_ascii=False)
    try:  # never write a file that from_json refuses (e.g. a threshold beyond ±1e300)
        read_json(text)
    except ValueError as err:
        raise ValueError(f"This rule set cannot be saved as JSON that reads back: {err}") from err
    return text


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """A JSON object whose keys are unique: a hand-edited file with ``"intercept"`` twice
    would otherwise keep the last silently."""
    out = dict(pairs)
    if len(out) != len(pairs):
        seen: set[str] = set()
        dup = next(k for k, _ in pairs if k in seen or seen.add(k))
        raise ValueError(f"Rule set JSON has the key {dup!r} twice in one object; keep one.")
    return out


def _reject_constant(name: str) -> None:
    raise ValueError(f"Rule set JSON may not contain {name}.")


def _number(x: Any, where: str) -> float | int:
    if isinstance(x, bool) or not isinstance(x, (int, float)):
        raise ValueError(f"{where} must be a number; got {x!r}.")
    if not (isinstance(x, int) or math.isfinite(x)) or abs(x) > MAX_ABS_NUMBER:
        raise ValueError(f"{where} is not a finite number of sensible size: {x!r}.")
    return x


def _obj(d: Any, where: str, required: set[str], optional: set[str]) -> dict[str, Any]:
    if not isinstance(d, dict):
        raise ValueError(f"{where} must be a JSON object; got {type(d).__name__}.")
    missing, unknown = required - d.keys(), d.keys() - required - optional
    if missing or unknown:
        raise ValueError(f"{where}: missing keys {sorted(missing)}, unknown keys {sorted(unknown)}.")
    return d


def _list(d: Any, where: str, limit: int) -> list:
    if not isinstance(d, list):
        raise ValueError(f"{where} must be a JSON array; got {type(d).__name__}.")
    if len(d) > limit:
        raise ValueError(f"{where} has {len(d)} entries; at most {limit} are accepted.")
    return d


def _json_level(v: Any, where: str) -> Any:
    if isinstance(v, str):
        return v
    if isinstance(v, bool):
        return v
    if isinstance(v, (int, float)):
        return _number(v, where)
    raise ValueError(f"{where} must be a str, number or bool; got {type(v).__name__}.")


def _optional_unit(v: Any, where: str) -> float | None:
    return None if v is None else float(_number(v, where))




def _read_condition(c: Any, where: str) -> Condition:
    c = _obj(c, where, {"feature", "op", "value"}, {"if_missing"})
    if not isinstance(c["feature"], str):
        raise ValueError(f"{where}.feature must be a string; got {c['feature']!r}.")
    if c["op"] not in OPS:
        raise ValueError(f"{where}: unknown op {c['op']!r}; valid ops are {', '.join(OPS)}.")
    value = c["value"]
    if c["op"] == "in":
        value = tuple(_json_level(v, f"{where}.value")
                      for v in _list(value, f"{where}.value", MAX_LEVELS))
    else:
        value = _json_level(value, f"{where}.value")
    if_missing = c.get("if_missing", False)
    if not isinstance(if_missing, bool):
        raise ValueError(f"{where}.if_missing must be true or false.")
    return Condition(c["feature"], c["op"], value, if_missing=if_missing)


def _read_rules(doc: Any) -> list[Rule]:
    rules, n_conditions = [], 0
    for i, r in enumerate(_list(doc, "rules", MAX_RULES)):
        where = f"rules[{i}]"
        r = _obj(r, where, {"conditions", "weight"}, {"support", "precision", "name"})
        conds = _list(r["conditions"], f"{where}.conditions", MAX_CONDITIONS)
        n_conditions += len(conds)
        if n_conditions > MAX_CONDITIONS:
            raise ValueError(f"The rule set has more than {MAX_CONDITIONS} conditions.")
        parsed = [_read_condition(c, f"{where}.conditions[{k}]") for k, c in enumerate(conds)]
        name = r.get("name")
        if name is not None and not isinstance(name, str):
            raise ValueError(f"{where}.name must be a string or null.")
        rules.append(Rule(tuple(parsed), float(_number(r["weight"], f"{where}.weight")),
                          support=_optional_unit(r.get("support"), f"{where}.support"),
                          precision=_optional_unit(r.get("precision"), f"{where}.precision"),
                          name=name))
    return rules


def _optional_number(v: Any, where: str) -> float | None:
    return None if v is None else float(_number(v, where))


def _read_linear(doc: Any) -> list[LinearTerm]:
    terms = []
    for i, t in enumerate(_list(doc, "linear", MAX_RULES)):
        where = f"linear[{i}]"
        t = _obj(t, where, {"feature", "points", "lo", "hi", "fill"}, {"name", "mean"})
        if not isinstance(t["feature"], str):
            raise ValueError(f"{where}.feature must be a string; got {t['feature']!r}.")
        name = t.get("name")
        if name is not None and not isinstance(name, str):
            raise ValueError(f"{where}.name must be a string or null.")
        nums = {k: float(_number(t[k], f"{where}.{k}")) for k in ("points", "lo", "hi", "fill")}
        terms.append(LinearTerm(t["feature"], name=name, mean=_optional_number(t.get("mean"), f"{where}.mean"),
                                **nums))
    return terms


def _read_metadata(doc: Any) -> dict[str, Any]:
    metadata = doc or {}
    if not isinstance(metadata, dict):
        raise ValueError("metadata must be a JSON object.")
    metadata = _jsonable(metadata, "metadata")
    days_features(metadata)  # converted_from, when present, names dates or durations only
    if "fidelity" in metadata:
        metadata["fidelity"] = _read_fidelity(metadata["fidelity"])
    return metadata


#: fidelity figures that are shares: an edit outside [0, 1] is refused, not carried
_SHARES = ("agreement", "agreement_low", "agreement_high", "fidelity", "accuracy")


def _read_fidelity(d: Any) -> Fidelity:
    """``metadata["fidelity"]`` as a Fidelity, or a ValueError for one no export writes: not
    an object, a row count that is not a whole number >= 0, a share outside [0, 1], a figure
    that is a list or an object (an edited file's "agreement": 7 was carried silently)."""
    if not isinstance(d, dict):
        raise ValueError(f"metadata.fidelity must be an object (as to_json writes it); got {d!r}.")
    f = Fidelity.from_dict(d)
    n = d.get("n_rows", 0)
    if isinstance(n, bool) or not isinstance(n, int) or n < 0:
        raise ValueError(f"metadata.fidelity.n_rows must be a whole number >= 0; got {n!r}.")
    for k, v in f.figures.items():
        if isinstance(v, (dict, list)):
            raise ValueError(f"metadata.fidelity figure {k!r} must be a number, a flag, a text or null; got {v!r}.")
        if k in _SHARES and v is not None and (isinstance(v, (bool, str)) or not 0 <= v <= 1):
            raise ValueError(f"metadata.fidelity figure {k!r} is a share and must lie in [0, 1]; got {v!r}.")
    return f


def read_json(s: str | bytes) -> RuleSetParts:
    """Read a rule set written by :func:`to_json`, validating strictly; returns the parts
    of ``RuleSet(**parts)`` (``RuleSet.from_json`` builds it).

    Raises ``ValueError`` on another format or a newer version, unknown keys or ops,
    non-finite or absurd (``|x| > 1e300``) numbers, wrong types or nesting, and more than
    100,000 rules or 1,000,000 conditions.

    Examples
    --------
    >>> parts = read_json('{"format": "interpretable_nn.ruleset", "version": 1,'
    ...                   ' "link": "logit", "intercept": 0.5, "rules": []}')
    >>> parts["intercept"], parts["rules"], parts["classes"]
    (0.5, [], (0, 1))
    """
    if isinstance(s, (bytes, bytearray)):
        s = s.decode("utf-8")
    if not isinstance(s, str):
        raise TypeError(f"from_json needs a str; got {type(s).__name__}.")
    try:
        doc = json.loads(s, parse_constant=_reject_constant, object_pairs_hook=_unique_keys)
    except RecursionError as err:
        raise ValueError("Rule set JSON is nested far deeper than its schema.") from err
    try:  # a lone surrogate ("\udfff") loads, then fails every UTF-8 file and database
        json.dumps(doc, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError as err:
        raise ValueError(f"Rule set JSON holds text that is not valid Unicode ({err.reason} at {err.start}).") from err
    top = _obj(doc, "rule set", {"format", "version", "link", "intercept", "rules"},
               {"classes", "feature_names", "metadata", "linear"})
    if top["format"] != FORMAT:
        raise ValueError(f"Not a rule set: format is {top['format']!r}, expected {FORMAT!r}.")
    version = top["version"]
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        raise ValueError(f"Invalid rule set version {version!r}.")
    if version > VERSION:
        raise ValueError(f"This rule set uses schema version {version}, newer than the version "
                         f"{VERSION} this interpretable_nn reads; upgrade interpretable_nn.")
    if top["link"] not in LINKS:
        raise ValueError(f"Unknown link {top['link']!r}.")
    classes = [_json_level(c, "classes") for c in _list(top.get("classes", [0, 1]), "classes", 2)]
    names = top.get("feature_names")
    if names is not None:
        names = _list(names, "feature_names", MAX_CONDITIONS)
        if not all(isinstance(f, str) for f in names):
            raise ValueError("feature_names must all be strings.")
    metadata = _read_metadata(top.get("metadata"))
    rules = _read_rules(top["rules"])
    if "linear" in top and version < VERSION:
        raise ValueError(f"Linear terms need rule set schema version {VERSION}; this file says {version}.")
    linear = _read_linear(top.get("linear", []))
    return RuleSetParts(rules=rules, intercept=float(_number(top["intercept"], "intercept")),
                        link=top["link"], classes=tuple(classes), feature_names=names,
                        metadata=metadata, linear=linear)
