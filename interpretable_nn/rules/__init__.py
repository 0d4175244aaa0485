"""Torch-free rule sets and their exports (text, Markdown, JSON, SQL, SymPy, Graphviz).

See :mod:`interpretable_nn.rules.ruleset` for the evaluation semantics and
:mod:`interpretable_nn.rules.export` for the export formats.
"""

from .ruleset import Condition, Rule, RuleSet

__all__ = ["Condition", "Rule", "RuleSet"]
