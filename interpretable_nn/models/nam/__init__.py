"""Neural additive models (NAM / GA2M): :class:`NAMClassifier` and :class:`NAMRegressor`.

Modules
-------
``estimator``   the scikit-learn estimators (parameters, fitted state, explanations, persistence)
``fit``         the fit: bags, main effects, interaction ranking and grids, baking
``layout``      knot grids, flat table layout, row indexing, interaction ranking, purification
``plots``       shape functions as tables and matplotlib plots
``scorecard``   points scorecards from a fitted classifier (torch-free), with their check
"""

from .estimator import NAMClassifier, NAMRegressor

__all__ = ["NAMClassifier", "NAMRegressor"]
