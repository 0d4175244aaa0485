"""Checks on any fitted model: the SHAP cross-check of every built-in explanation
(``crosscheck``; the SHAP side in ``shap_library``), adverse-action reason codes
(``reason_codes``), faithfulness measures (``metrics``) and the fairness audit
(``fairness``). Each reads the model through one :class:`~.view.ModelView` (``view``),
which validates ``X`` once.

The explanation types and exact additive SHAP live one layer down, in
:mod:`interpretable_nn.attribution`; they are re-exported here for convenience."""

from ..attribution.additive import additive_shap_explanation, as_additive, is_additive, shap_values
from ..attribution.explanation import Explanation
from ..attribution.gradients import integrated_gradients
from .crosscheck import CrosscheckReport, builtin_explanation, crosscheck, library_shap
from .fairness import FairnessAudit, fairness_audit
from .metrics import (
    comprehensiveness,
    deletion_curve,
    faithfulness_report,
    insertion_curve,
    stability,
    sufficiency,
)
from .reason_codes import reason_codes

__all__ = [
    "CrosscheckReport",
    "Explanation",
    "FairnessAudit",
    "additive_shap_explanation",
    "as_additive",
    "builtin_explanation",
    "comprehensiveness",
    "crosscheck",
    "deletion_curve",
    "fairness_audit",
    "faithfulness_report",
    "insertion_curve",
    "integrated_gradients",
    "is_additive",
    "library_shap",
    "reason_codes",
    "shap_values",
    "stability",
    "sufficiency",
]
