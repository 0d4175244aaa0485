"""The lender's own reason statements beside the reasons: ``reason_codes(reason_map=...)``
maps each reason (a term, rule or feature) to a code and a statement a notice can carry,
and refuses a reason the map does not cover."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from .reason_words import _is_missing

__all__ = ["reason_map_of", "apply_reason_map"]


def reason_map_of(reason_map: Any) -> dict[str, tuple[Any, str]] | None:
    """The lender's reason statements as ``{reason: (code, statement)}`` (``reason_codes``'
    ``reason_map``); a missing or empty code or statement is refused: a notice cannot carry
    ``None``."""
    if reason_map is None:
        return None
    if isinstance(reason_map, pd.DataFrame):
        need = {"reason", "code", "statement"}
        if not need <= set(reason_map.columns):
            raise ValueError(f"reason_map DataFrame needs the columns {sorted(need)}; got {list(reason_map.columns)}.")
        return {str(r): _entry(r, c, s) for r, c, s in reason_map[["reason", "code", "statement"]].itertuples(index=False)}
    if not isinstance(reason_map, Mapping):
        raise TypeError(f"reason_map must be a mapping or a DataFrame; got {type(reason_map).__name__}.")
    out = {}
    for key, v in reason_map.items():
        if isinstance(v, Mapping) and "code" in v:
            out[str(key)] = _entry(key, v["code"], v.get("statement", v.get("text")))
        elif isinstance(v, (tuple, list)) and len(v) == 2:
            out[str(key)] = _entry(key, *v)
        else:
            raise ValueError(f"reason_map[{key!r}] must be (code, statement) or "
                             f"{{'code': ..., 'statement': ...}}; got {v!r}.")
    return out


def apply_reason_map(out: pd.DataFrame, mapping: dict | None) -> pd.DataFrame:
    """``out`` with the columns ``code`` and ``statement`` of each reason (keyed by reason or
    feature); a reason the map does not cover is a ``ValueError`` naming it."""
    if mapping is None:
        return out
    found = [mapping.get(str(r)) or mapping.get(str(f)) for r, f in zip(out["reason"], out["features"])]
    missing = sorted({str(r) for r, m in zip(out["reason"], found) if m is None})
    if missing:
        raise ValueError(f"reason_map has no statement for {missing}; add them (keyed by reason or feature).")
    out = out.copy()
    out["code"] = [m[0] for m in found]
    out["statement"] = [m[1] for m in found]
    return out


def _entry(key: Any, code: Any, statement: Any) -> tuple[Any, str]:
    if _is_missing(code) or _is_missing(statement) or not str(statement).strip():
        raise ValueError(f"reason_map[{key!r}] needs a code and a non-empty statement; got code={code!r}, "
                         f"statement={statement!r}.")
    return code, str(statement)
