"""What models need to explain themselves: the one :class:`Explanation` type, the one check
type :class:`Fidelity`, the exact additive-SHAP protocol, and the linear
(:mod:`~interpretable_nn.attribution.linear`) and tree
(:mod:`~interpretable_nn.attribution.trees`) explanations the scikit-learn wrappers use.

This layer sits below ``models/`` (models import it) and above nothing but ``data/``.
Its ``__init__`` stays torch-free so torch-free artefacts (rule sets, scorecards) can use
the types; the torch-side integrated gradients are imported from
:mod:`interpretable_nn.attribution.gradients` directly.
"""

from .additive import additive_shap_explanation, as_additive, is_additive, mixed_frame, shap_values
from .explanation import Explanation
from .fidelity import Fidelity

__all__ = [
    "Explanation",
    "Fidelity",
    "additive_shap_explanation",
    "as_additive",
    "is_additive",
    "mixed_frame",
    "shap_values",
]
