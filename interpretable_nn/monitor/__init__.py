"""Monitoring a model and its explanations in production: score PSI, input CSI,
attribution drift, the reason-code mix, performance when labels return, review flags per
row, and an attribution log in SQLite (:class:`Monitor`, :class:`MonitorReport`).

Layer 3, beside :mod:`interpretable_nn.explain`: it reads models through
:class:`~interpretable_nn.explain.view.ModelView`; only ``studies`` and the CLI import it.
"""

from .drift import Bins, ndcg, psi, psi_terms
from .monitor import DEFAULT_THRESHOLDS, Monitor
from .performance import performance
from .report import Alert, MonitorReport
from .store import MonitorStore

__all__ = [
    "DEFAULT_THRESHOLDS",
    "Alert",
    "Bins",
    "Monitor",
    "MonitorReport",
    "MonitorStore",
    "ndcg",
    "performance",
    "psi",
    "psi_terms",
]
