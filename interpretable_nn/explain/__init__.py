"""Explanations and their checks: exact additive SHAP, the SHAP cross-check of every
built-in explanation, adverse-action reason codes, faithfulness and fairness measures."""

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
