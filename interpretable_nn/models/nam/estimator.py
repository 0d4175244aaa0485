"""Neural additive models (NAM / GA2M): one small network per feature, learned pairwise
interactions, monotone constraints, bagging, exact explanations, shape plots and scorecards.

``f(x) = intercept + sum_i f_i(x_i) + sum_(a,b) f_ab(x_a, x_b)``

How it is fitted (all through the shared engine :func:`~interpretable_nn.training.engine.train`):

1. **Main effects.** Every numeric feature's network is evaluated once per step on the feature's
   knot grid (unique values or equal-mass bin centres, see ``max_knots``); rows read their value by
   linear interpolation (:mod:`interpretable_nn.nn.feature_nets`). The networks see each knot's rank
   (``TermLayout.rank_coordinates``), not its scale. All bags x features networks run as one batched
   tensor program. Categorical features are one learned value per level, with a missing level (an
   unseen level scores 0); a numeric feature's missing value is its own learned value. Monotone
   features integrate a non-negative slope (monotone by construction). ``n_bags`` models train side
   by side, each early-stopped on its own held-out rows (:mod:`interpretable_nn.models.nam.fit`).
2. **Interactions.** ``interactions=k`` ranks all pairs on the residuals of the main effects
   (:func:`~interpretable_nn.models.nam.layout.rank_pairs`: Newton-step interaction gain on a
   coarse grid, minus its degrees of freedom) and keeps the top ``k`` with positive score
   (``"auto"``: ``k`` by validation; binary fits boost trees on the grids first, ``pair_boost``);
   ``interactions=[("Income", "Debt")]`` forces pairs; each a smoothed 2-D grid on the frozen mains.
3. **Bake.** The trained tables are purified (a pair's one-feature parts move into the mains,
   exactly), centred on the training rows and averaged over bags. The fitted model *is* these
   tables, so :meth:`explain` and :meth:`shape_function` read the very function that predicts.
The fitted attributes are set in one place, :meth:`_set_fitted` (after :func:`~interpretable_nn.models.nam.fit.fit_nam`, and at load time).
"""

from __future__ import annotations

from numbers import Integral, Real
from typing import ClassVar

import numpy as np
import pandas as pd
import torch
from sklearn.base import ClassifierMixin
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted

from ...attribution.explanation import Explanation
from ...data.encoding import EncodedData
from ...data.ranges import quiet_range
from ...nn.feature_nets import AdditiveTables, TermsOf
from ...training.engine import FitData, TrainResult, predict_batched
from ..base import TRAINING_CONSTRAINTS, TorchModel, positive_ints
from ..magnitudes import StableR2Mixin
from .fit import NAMState, fit_nam
from .layout import TermLayout
from .memory import check_fit_memory, memory_terms

__all__ = ["NAMClassifier", "NAMRegressor"]


class _NAMBase(TorchModel):
    _parameter_constraints: ClassVar[dict] = {
        **TRAINING_CONSTRAINTS,
        "hidden_sizes": [list, tuple],
        "activation": [StrOptions({"relu", "exu"})],
        "n_bags": [Interval(Integral, 1, None, closed="left")],
        "interactions": [Interval(Integral, 0, None, closed="left"), StrOptions({"auto"}), list, tuple],
        "monotone": [dict, None],
        "max_knots": [Interval(Integral, 2, 4096, closed="both"), StrOptions({"auto"})],
        "pair_knots": [Interval(Integral, 2, 256, closed="both")],
        "dropout": [Interval(Real, 0, 1, closed="left")],
        "feature_dropout": [Interval(Real, 0, 1, closed="left")],
        "output_penalty": [Interval(Real, 0, None, closed="left")],
        "pair_smoothness": [Interval(Real, 0, None, closed="left")],
        "smoothness": [Interval(Real, 0, None, closed="left"), StrOptions({"auto"})],
        "pair_lr": [Interval(Real, 0, None, closed="neither")],
        "purify": ["boolean"],
        "n_threads": [Interval(Integral, 1, None, closed="left"), None],
    }

    # fitted attributes
    layout_: TermLayout
    module_: AdditiveTables
    terms_: list[str]
    term_features_: list[tuple[str, ...]]
    intercept_: float
    pair_scores_: pd.DataFrame
    background_: pd.DataFrame
    background_y_: np.ndarray
    main_mass_: np.ndarray
    pair_mass_: np.ndarray

    def __init__(
        self,
        *,
        hidden_sizes=(32, 16),
        activation: str = "relu",
        n_bags: int = 8,
        interactions="auto",
        monotone: dict | None = None,
        categorical=None,
        max_knots: int | str = "auto",
        pair_knots: int = 32,
        dropout: float = 0.0,
        feature_dropout: float = 0.0,
        output_penalty: float = 0.0,
        smoothness: float | str = "auto",
        pair_smoothness: float = 1.0,
        pair_lr: float = 0.05,
        purify: bool = True,
        max_epochs: int = 300,
        batch_size: int | None = None,
        lr: float = 0.01,
        weight_decay: float = 1e-5,
        validation_fraction: float = 0.15,
        patience: int = 30,
        device: str = "auto",
        n_threads: int | None = 1,
        random_state: int | None = 0,
        verbose: int = 1,
    ):
        self.hidden_sizes = hidden_sizes
        self.activation = activation
        self.n_bags = n_bags
        self.interactions = interactions
        self.monotone = monotone
        self.categorical = categorical
        self.max_knots = max_knots
        self.pair_knots = pair_knots
        self.dropout = dropout
        self.feature_dropout = feature_dropout
        self.output_penalty = output_penalty
        self.smoothness = smoothness
        self.pair_smoothness = pair_smoothness
        self.pair_lr = pair_lr
        self.purify = purify
        self.max_epochs = max_epochs
        self.batch_size = batch_size
        self.lr = lr
        self.weight_decay = weight_decay
        self.validation_fraction = validation_fraction
        self.patience = patience
        self.device = device
        self.n_threads = n_threads
        self.random_state = random_state
        self.verbose = verbose

    # ------------------------------------------------------------------ checks
    def _check_hidden(self) -> tuple[int, ...]:
        return positive_ints(self.hidden_sizes, "hidden_sizes", "(64, 32)", allow_empty=False)

    # ------------------------------------------------------------------ fit
    def _validate_fit_input(self, X, y):
        df, yy = super()._validate_fit_input(X, y)
        if self._task == "classification" and len(self.classes_) != 2:
            raise ValueError(
                f"Only binary classification is supported by {type(self).__name__}; y has {len(self.classes_)} "
                "classes. Wrap it for multiclass: sklearn.multiclass.OneVsRestClassifier(NAMClassifier())."
            )
        return df, yy

    def _prepare(self, data: FitData) -> None:
        self._check_hidden()
        enc = data.encoded  # refused before training when the fit cannot fit in memory
        check_fit_memory(len(enc), enc.numeric.shape[1], enc.codes.shape[1], int(self.n_bags), type(self).__name__, *memory_terms(self, enc))

    def _train(self, data: FitData) -> TrainResult:
        """Mains then pairs, baked into tables (:func:`~interpretable_nn.models.nam.fit.fit_nam`)."""
        fitted = fit_nam(self, data, self._target_tensor(data.y, data.sample_weight))
        self._set_fitted(fitted.state, fitted.tables)
        return fitted.result

    def _set_fitted(self, state: NAMState, tables: AdditiveTables | None = None) -> None:
        """The one place that sets a NAM's fitted attributes: from a fit (with its baked
        ``tables``) or at load time (the saved tables then fill a module of these shapes)."""
        self.layout_ = state.layout
        self._n_bags_fitted = int(state.n_bags)
        self.main_mass_, self.pair_mass_ = state.main_mass, state.pair_mass
        self.pair_scores_ = state.pair_scores
        self.background_, self.background_y_ = state.background, state.background_y
        if tables is not None:
            self.module_ = tables
            self._set_terms()

    def _set_terms(self) -> None:
        """Term names and the intercept, read from the layout and the tables."""
        lay = self.layout_
        self.terms_ = [*lay.names, *lay.pair_names]
        self.term_features_ = [(n,) for n in lay.names] + [(lay.names[a], lay.names[b]) for a, b in lay.pairs]
        bias = float(self.module_.bias)
        if self._task == "regression":
            self.intercept_ = float(self.y_mean_ + self.y_scale_ * bias)
        else:
            self.intercept_ = bias

    # ------------------------------------------------------------------ module plumbing
    def _build_module(self) -> AdditiveTables:
        """Empty tables of the fitted shapes (filled by ``load_state_dict`` at load time)."""
        b, lay = self._n_bags_fitted, self.layout_
        _, size = lay.pair_offsets()
        return AdditiveTables(
            torch.zeros(b, lay.main_size()), torch.zeros(b, size), torch.zeros(b),
            torch.from_numpy(lay.pair_strides()),
        )

    def _module_inputs(self, enc: EncodedData) -> tuple[torch.Tensor, ...]:
        return tuple(torch.from_numpy(a) for a in (*self.layout_.encode_main(enc), *self.layout_.encode_pairs(enc)))

    @property
    def _out_scale(self) -> float:
        return float(self.y_scale_) if self._task == "regression" else 1.0

    # ------------------------------------------------------------------ the additive protocol
    def _terms_encoded(self, enc: EncodedData, bags: bool = False) -> np.ndarray:
        inputs = self._module_inputs(enc)
        if bags:  # (B, n, T): every bag's own tables
            with torch.no_grad():
                return self.module_.terms(*inputs, bags=True).numpy() * self._out_scale
        return predict_batched(TermsOf(self._scoring_module()), inputs).numpy() * self._out_scale  # to()'s device

    def predict_terms(self, X) -> np.ndarray:
        """Each term's centred contribution, shape (n, n_terms), in decision units (log-odds
        for classifiers, target units for regressors), columns as :attr:`terms_`:
        ``decision_function(X) == intercept_ + predict_terms(X).sum(1)``."""
        check_is_fitted(self, "module_")
        _, enc = self._encode(X)
        return self._terms_encoded(enc)

    def explain(self, X, split_interactions: bool = False) -> Explanation:
        """Exact contributions of the decision function.

        Parameters
        ----------
        X : DataFrame
        split_interactions : bool, default False
            ``False``: one column per term (interactions as ``"A x B"`` columns), base value
            :attr:`intercept_` (the mean training prediction). ``True``: one column per
            original feature; each interaction is split onto its two features by the exact
            two-player Shapley formula against :attr:`background_` (interventional SHAP,
            :func:`interpretable_nn.attribution.additive.shap_values`); the base value is the
            mean prediction on the background.

        Returns
        -------
        Explanation
            ``check["additivity_gap"]``: the largest ``|base + sum(values) - decision|``.
        """
        check_is_fitted(self, "module_")
        df, enc = self._encode(X)
        decision = self._decision_encoded(enc)
        if split_interactions:
            from ...attribution.additive import shap_values
            with quiet_range():  # df's rows were checked (and warned about) above: say it once
                values = np.asarray(shap_values(self, df, self.background_), dtype=float)
            base = float(np.mean(self.decision_function(self.background_))) if len(self.background_) else 0.0
            names, method = list(self.feature_names_), "exact-additive-shapley"
        else:
            values = self._terms_encoded(enc)
            base, names, method = self.intercept_, list(self.terms_), "exact-additive"
        gap = float(np.max(np.abs(base + values.sum(1) - decision))) if len(df) else 0.0
        return Explanation(
            values=values, base_values=np.full(len(df), base), feature_names=names,
            data=df.reset_index(drop=True), output=self._output_name(), method=method,
            check={"additivity_gap": gap},
        )

    # ------------------------------------------------------------------ shapes
    def shape_function(self, name: str) -> pd.DataFrame:
        """The learned term of feature ``name`` (or interaction ``"A x B"``).

        Returns
        -------
        DataFrame
            Main terms: one row per knot / level with ``value`` (raw units or level),
            ``contribution`` (decision units), ``lower``/``upper`` (mean -/+ 1.96 bag
            standard deviations; equal to the contribution when ``n_bags=1``), ``density``
            (share of training rows) and ``missing`` (True on the missing-value row).
            Interactions: one row per grid cell with the two features' values.
        """
        from .plots import shape_frame

        check_is_fitted(self, "module_")
        return shape_frame(self, name)

    def plot_shape_functions(self, features=None, ncols: int = 3, max_terms: int | None = None):
        """A matplotlib grid of the learned terms: curves with their uncertainty band when
        ``n_bags > 1``, a training-density rug, the missing value as a marker, bars for
        categorical levels, heat maps for interactions. Returns the Figure."""
        from .plots import plot_shapes

        check_is_fitted(self, "module_")
        return plot_shapes(self, features=features, ncols=ncols, max_terms=max_terms)

    # ------------------------------------------------------------------ persistence
    def _extra_state(self) -> dict:
        state = NAMState(self.layout_, int(self.module_.main_bags.shape[0]), self.main_mass_, self.pair_mass_,
                         self.pair_scores_, self.background_, self.background_y_)
        return state.to_dict()

    def _load_extra_state(self, state: dict) -> None:
        self._set_fitted(NAMState.from_dict(state, self.encoder_.schema_, self._task == "regression"))

    def _set_state(self, state, tensors):
        super()._set_state(state, tensors)  # _load_extra_state, then the tables
        self._set_terms()


class NAMClassifier(ClassifierMixin, _NAMBase):
    """Neural additive model for binary classification (log-odds are a sum of per-feature
    shape functions and a few pairwise interactions).

    Parameters
    ----------
    hidden_sizes : tuple of int, default (32, 16)
        Hidden units of every feature network.
    activation : {"relu", "exu"}, default "relu"
        First layer of the feature networks (``"exu"``: the NAM paper's exp-centred units).
    n_bags : int, default 8
        Models trained side by side, each holding out its own ``validation_fraction`` of the
        rows for early stopping, and averaged; their spread gives :meth:`shape_function`'s
        bands. Main terms that do not lower their validation loss are left out where that is
        better by 2 paired SE (``fit_info_["term_selection"]``); with 20+ columns, each term is
        then scaled toward its mean by a factor in [0, 1] fitted per bag (``"term_shrink"``).
    interactions : int, "auto" or list of (str, str), default "auto"
        How many pairs (at most: pairs whose gain on the mains' residuals beats its degrees of
        freedom), the pairs, or ``"auto"``: a binary fit boosts the ranking's top 3 pairs per column
        in small steps, stopped on the bags' validation loss; others fit 10, then 3 per column where
        that is 2 paired SE better (``fit_info_["pair_search"]``). Monotone features pair with none.
    monotone : dict, optional
        ``{"Income": -1, "Debt": +1}``: the prediction is guaranteed non-increasing /
        non-decreasing in these numeric features (by construction, not by a penalty).
    categorical : list of str, optional
        Numeric columns to treat as categorical.
    max_knots : int or "auto", default "auto"
        Resolution of the numeric shape functions: a feature with at most this many distinct
        values gets a knot at each, else knots at the centres of ``max_knots`` equal-mass bins
        plus tail knots; rows between knots interpolate, rows beyond the ends read the end.
        ``"auto"``: chosen with ``smoothness`` (below); 64/256 need 50 rows per knot and bag.
        Binary fits give heaped values (a bracket midpoint, a code) knots with free offsets
        where that is 2 paired SE better (``fit_info_["heaps"]``, ``docs/bad_input.md``).
    pair_knots : int, default 32
        Knots per numeric axis of an interaction grid (a subset of the main knots).
    dropout, feature_dropout : float, default 0
        Dropout on hidden units / on whole feature contributions (NAM paper).
    output_penalty : float, default 0
        Weight of the mean squared feature contribution (NAM paper's output penalty).
    smoothness : float or "auto", default "auto"
        Roughness penalty ``(smoothness / n) sum_i integral f_i''(z)^2 dz`` on the numeric
        shapes (z: rank coordinates; n: training rows per bag). ``"auto"`` (with ``max_knots``)
        fits the mains at (16 knots, 3), (64, .3), (256, .03) in turn while the bags' validation
        loss falls and keeps the last that lowered it (``fit_info_["flexibility_search"]``).
    pair_smoothness : float, default 1
        Squared-difference penalty ``(pair_smoothness / n) sum (g_c - g_c')^2`` between
        neighbouring cells c, c' of the interaction grids: a Gaussian random-walk prior of
        variance ``1 / (2 pair_smoothness)`` per step, whatever the number of rows.
    pair_lr : float, default 0.05 (learning rate of the interaction stage)
    purify : bool, default True
        Move the one-feature parts of each interaction into the main terms (exact), so an
        ``"A x B"`` term holds only what A and B do jointly.
    max_epochs, batch_size, lr, weight_decay, validation_fraction, patience
        Training settings of :class:`~interpretable_nn.training.engine.TrainConfig`;
        ``batch_size=None`` trains full-batch (one step per epoch: the step's cost is the
        knot grid's, so full batches are cheap; on the CPU, batches under a quarter of the rows
        took 4-6 times as long, with pairs twice the memory: ``benchmarks/results/nam_memory.csv``).
    class_weight : None, "balanced" or dict
    device : str, default "auto"
        Where to train (CUDA when present); the fitted model is a set of CPU tables.
    n_threads : int or None, default 1
        torch CPU threads while training (``None``: torch's setting). The knot-grid steps
        are small, and on a busy machine every parallel op waits for its slowest thread;
        one thread was faster on every data set measured.
    random_state : int or None, default 0
    verbose : int, default 1

    Attributes
    ----------
    terms_ : list of str
        Feature names then ``"A x B"`` interactions.
    term_features_ : list of tuple of str
    intercept_ : float
        Mean training log-odds (every term is centred on the training rows).
    pair_scores_ : DataFrame
        The interaction ranking (pair, score, selected).
    background_ : DataFrame
        Up to 500 training rows (a seeded sample) for interventional Shapley splits and the
        default scorecard check; ``background_y_`` holds their labels.
    scorecard_check_ : Fidelity
        The check of the last :meth:`to_scorecard` (scorecard points vs the decision
        function), set by :meth:`to_scorecard`.
    history_ : DataFrame
        Training curves of both stages (column ``stage``: mains / pairs).

    Examples
    --------
    >>> from interpretable_nn.datasets import load_dataset
    >>> ds = load_dataset("credit_data")
    >>> m = NAMClassifier(n_bags=2, max_epochs=30, verbose=0).fit(ds.X, ds.y)
    >>> e = m.explain(ds.X.head(3))
    >>> bool(abs(e.output_values() - m.decision_function(ds.X.head(3))).max() < 1e-6)
    True
    >>> m.shape_function("Income").columns.tolist()
    ['value', 'contribution', 'lower', 'upper', 'density', 'missing']
    """

    _task: ClassVar[str] = "classification"

    def __init__(
        self,
        *,
        hidden_sizes=(32, 16),
        activation: str = "relu",
        n_bags: int = 8,
        interactions="auto",
        monotone: dict | None = None,
        categorical=None,
        max_knots: int | str = "auto",
        pair_knots: int = 32,
        dropout: float = 0.0,
        feature_dropout: float = 0.0,
        output_penalty: float = 0.0,
        smoothness: float | str = "auto",
        pair_smoothness: float = 1.0,
        pair_lr: float = 0.05,
        purify: bool = True,
        max_epochs: int = 300,
        batch_size: int | None = None,
        lr: float = 0.01,
        weight_decay: float = 1e-5,
        validation_fraction: float = 0.15,
        patience: int = 30,
        class_weight=None,
        device: str = "auto",
        n_threads: int | None = 1,
        random_state: int | None = 0,
        verbose: int = 1,
    ):
        super().__init__(
            hidden_sizes=hidden_sizes, activation=activation, n_bags=n_bags, interactions=interactions,
            monotone=monotone, categorical=categorical, max_knots=max_knots, pair_knots=pair_knots,
            dropout=dropout, feature_dropout=feature_dropout, output_penalty=output_penalty, smoothness=smoothness,
            pair_smoothness=pair_smoothness, pair_lr=pair_lr, purify=purify, max_epochs=max_epochs, batch_size=batch_size,
            lr=lr, weight_decay=weight_decay, validation_fraction=validation_fraction, patience=patience, device=device,
            n_threads=n_threads, random_state=random_state, verbose=verbose,
        )
        self.class_weight = class_weight

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_class = False  # binary: one log-odds per row
        return tags

    def to_scorecard(self, pdo: float = 20, base_score: float = 600, base_odds: float = 50, **kwargs):
        """A points scorecard: a torch-free :class:`~interpretable_nn.rules.Scorecard`
        (``table``, ``score``, ``reason_codes``, ``to_markdown``, ``to_json``, ``to_sql``);
        see :func:`interpretable_nn.models.nam.scorecard.to_scorecard` for the binning and
        ``kwargs`` (``max_bins``, ``decimals``, ``X``, ``y``). Its check (a
        :class:`~interpretable_nn.attribution.fidelity.Fidelity`) is ``card.check`` and
        also :attr:`scorecard_check_` (the check of the last scorecard made).

        Examples
        --------
        >>> from interpretable_nn.datasets import make_additive
        >>> ds = make_additive(n_samples=400)
        >>> m = NAMClassifier(n_bags=1, max_epochs=5, interactions=0, verbose=0).fit(ds.X, ds.y)
        >>> card = m.to_scorecard(pdo=20, base_score=600, base_odds=50)
        >>> card.check is m.scorecard_check_, len(card.score(ds.X.head(3)))
        (True, 3)
        """
        from .scorecard import to_scorecard

        check_is_fitted(self, "module_")
        card = to_scorecard(self, pdo=pdo, base_score=base_score, base_odds=base_odds, **kwargs)
        self.scorecard_check_ = card.check
        return card

    def score_with_scorecard(self, X, scorecard) -> np.ndarray:
        """Total points of each row of ``X`` under ``scorecard`` (a :class:`~interpretable_nn.rules.Scorecard`
        or its ``table``; higher = lower risk); the same as ``scorecard.score(X)``."""
        from .scorecard import score_with_scorecard
        return score_with_scorecard(scorecard, X)

    def to_onnx(self, path=None):
        """The ONNX graph of the same function (knot tables read by ``Gather`` and
        interpolation), with one input per raw column; written to ``path`` when given and
        returned as an ``onnx.ModelProto``. See :mod:`interpretable_nn.models.export_onnx`."""
        from ..export_onnx import nam_to_onnx

        check_is_fitted(self, "module_")
        return nam_to_onnx(self, path)


class NAMRegressor(StableR2Mixin, _NAMBase):
    """Neural additive model for regression: predictions are a sum of per-feature shape
    functions and a few pairwise interactions (targets standardized for training, terms
    and :attr:`intercept_` in target units). Same parameters as :class:`NAMClassifier`
    without ``class_weight``; no scorecard.

    Examples
    --------
    >>> from interpretable_nn.datasets import make_additive
    >>> ds = make_additive(n_samples=500, task="regression")
    >>> m = NAMRegressor(n_bags=2, max_epochs=30, verbose=0).fit(ds.X, ds.y)
    >>> m.predict_terms(ds.X.head(2)).shape[0]
    2
    """

    _task: ClassVar[str] = "regression"
