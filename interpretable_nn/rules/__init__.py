"""Torch-free rule sets and their exports (text, Markdown, JSON, SQL, SymPy, Graphviz).

Modules, lowest first (imports point down only): :mod:`.values` (shared value helpers),
:mod:`.conditions` (:class:`Condition`, :class:`Rule`), the exporters ``export_text``,
``export_json``, ``export_sql``, ``export_sympy`` and :mod:`.from_tree` (sklearn trees),
:mod:`.ruleset` (:class:`RuleSet` and its evaluation semantics), and :mod:`.export` (all
exports in one namespace). Beside them, the points scorecard: :mod:`.scorecard_sql` (its
SQL) and :mod:`.scorecard` (:class:`Scorecard`).
"""

from .conditions import Condition, Rule
from .ruleset import RuleSet
from .scorecard import Scorecard

__all__ = ["Condition", "Rule", "RuleSet", "Scorecard"]
