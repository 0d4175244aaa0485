"""Accuracy-vs-interpretability studies: data sets x models x seeds x folds -> a resumable
SQLite store -> a self-contained HTML report.

>>> from interpretable_nn.studies import run_study, write_report   # doctest: +SKIP
>>> run_study(["credit_data"], ["logreg", "mlp"], seeds=[0, 1], out="results/")  # doctest: +SKIP
>>> write_report("results/", "report.html")                          # doctest: +SKIP
"""

from .cell import CHECKS, Cell, data_hash, run_cell, split_indices
from .complexity import COMPLEXITY_MEASURES, complexity_measures
from .report import build_report, pareto_figure, summarize, write_report
from .runner import ChecksNotRunWarning, StudyFailedWarning, expand_models, plan_study, run_study
from .store import ResultStore, load_results

__all__ = [
    "CHECKS",
    "COMPLEXITY_MEASURES",
    "ChecksNotRunWarning",
    "Cell",
    "ResultStore",
    "StudyFailedWarning",
    "build_report",
    "complexity_measures",
    "data_hash",
    "expand_models",
    "load_results",
    "pareto_figure",
    "plan_study",
    "run_cell",
    "run_study",
    "split_indices",
    "summarize",
    "write_report",
]
