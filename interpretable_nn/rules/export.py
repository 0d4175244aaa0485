"""Every export of a :class:`~interpretable_nn.rules.RuleSet` in one namespace; each
reproduces the rule set's scores.

The formats live in their own modules; this one gathers them (and :func:`from_json`) for
callers who want ``export.to_sql(rs)``:

* :mod:`.export_text`: :func:`to_text` / :func:`to_markdown` for a reader (numbers written
  as the shortest decimal that parses back to the same float; ``digits=`` rounds weights
  for display only) and :func:`to_graphviz` (a ``graphviz.Digraph``, one node per rule
  feeding the score node).
* :mod:`.export_json`: :func:`to_json` / :func:`from_json`, lossless and versioned (the
  schema is in that module's docstring).
* :mod:`.export_sql`: :func:`to_sql`, one NULL-safe SELECT returning the id, ``score``,
  ``decision`` and (link logit) ``probability``.
* :mod:`.export_sympy`: :func:`to_sympy`, :func:`sympy_symbols`, :func:`sympy_inputs`.

The ``RuleSet.to_*`` methods call the same functions.
"""

from __future__ import annotations

from .export_json import FORMAT, VERSION, read_json, to_json
from .export_sql import to_sql
from .export_sympy import sympy_inputs, sympy_symbols, to_sympy
from .export_text import to_graphviz, to_markdown, to_text
from .ruleset import RuleSet
from .values import format_number, format_points

__all__ = [
    "FORMAT",
    "VERSION",
    "to_text",
    "to_markdown",
    "to_json",
    "from_json",
    "read_json",
    "to_sql",
    "to_sympy",
    "sympy_symbols",
    "sympy_inputs",
    "to_graphviz",
    "format_number",
    "format_points",
]


def from_json(s: str | bytes) -> RuleSet:
    """The rule set written by :func:`to_json` (``RuleSet.from_json``).

    Examples
    --------
    >>> from_json('{"format": "interpretable_nn.ruleset", "version": 1, "link": "logit",'
    ...           ' "intercept": 0.5, "rules": []}')
    RuleSet(n_rules=0, n_conditions=0, intercept=0.5, link='logit', classes=(0, 1))
    """
    return RuleSet.from_json(s)
