"""ONNX graphs of fitted models that read the **raw columns**, so a deployment needs no
Python encoder: one graph input per column, ``tensor(double)`` of shape ``[N]`` for a
numeric or binary column (NaN = missing) and ``tensor(string)`` of shape ``[N]`` for a
categorical one (the level as text, ``str(level)``; the empty string ``""`` = missing).

Outputs: ``decision`` (``[N]`` log-odds for a binary classifier, ``[N, k]`` class logits for
a multiclass MLP) and ``probabilities`` (``[N, n_classes]``, the library's
``predict_proba``); ``predict`` is ``classes_[decision > 0]`` (argmax for multiclass).

The graph repeats the encoder step by step: ``z = (x - center) / scale`` in float64, cast
to float32 (as the encoder stores it) and clipped to the model's input band; a missing
number reads 0 (``z``) and sets its missing flag; a level becomes its code through an
``ai.onnx.ml.LabelEncoder`` (0 missing, 1 unseen, 2.. the training levels).

* NAM (:func:`nam_to_onnx`): each main term is its knot table read by ``Gather`` and linear
  interpolation (``searchsorted`` as a count of knots ``<= z``, constant beyond the ends,
  the missing slot for a missing value), each interaction its grid read by bilinear
  interpolation, all in float64 as :class:`~interpretable_nn.nn.feature_nets.AdditiveTables`
  reads them: the same function, not an approximation.
* RuleNet (:func:`ruleset_to_onnx`): its rule set, the model itself: each condition a
  comparison on the raw column (``if_missing`` where the value is missing), each rule the
  AND of its conditions adding its weight, in rule order, in float64.
* MLP (:func:`mlp_to_onnx`): the dense matrix (standardised numerics, missing indicators,
  one-hot levels; an unseen level all zeros) then ``Gemm`` / ``BatchNormalization`` /
  ``Relu`` in float32, as torch evaluates it. The numeric columns are encoded as one
  ``[p, N]`` block (the inputs stacked, per-column constants), the dense matrix is built
  transposed and the first ``Gemm`` reads it with ``transA``: a few nodes whatever the
  width, no strided copies.

Speed: :func:`onnx_feed` is vectorised (no per-row Python) and rule conditions that
several rules share are evaluated once, the rule weights added by one ``Sum`` (left to
right, so the score equals :meth:`~interpretable_nn.rules.RuleSet.decision_function` bit for bit).
``benchmarks/onnx_speed.py`` times 1,000,000 rows against ``predict_proba``.

Examples
--------
>>> import onnxruntime as ort                                  # doctest: +SKIP
>>> model.to_onnx("model.onnx")                                # doctest: +SKIP
>>> sess = ort.InferenceSession("model.onnx")                  # doctest: +SKIP
>>> sess.run(["probabilities"], onnx_feed(model, X))[0]        # doctest: +SKIP
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..data.encoding import MISSING_CODE, N_RESERVED, UNSEEN_CODE
from .magnitudes import input_band

__all__ = ["nam_to_onnx", "mlp_to_onnx", "ruleset_to_onnx", "onnx_feed", "OPSET"]

OPSET = 17
ML_OPSET = 3


def _onnx():
    try:
        import onnx
        from onnx import helper, numpy_helper
    except ImportError:  # pragma: no cover - exercised without the extra
        raise ImportError("to_onnx needs the 'onnx' package: pip install 'interpretable_nn[onnx]'.") from None
    return onnx, helper, numpy_helper


class _Graph:
    """A small ONNX graph builder: unique names, constants as initializers."""

    def __init__(self):
        self.onnx, self.helper, self.numpy_helper = _onnx()
        self.nodes: list = []
        self.inits: list = []
        self.inputs: list = []
        self.outputs: list = []
        self._n = 0

    def name(self, stem: str) -> str:
        self._n += 1
        return f"{stem}_{self._n}"

    def const(self, value: Any, dtype: Any = np.float64, stem: str = "c") -> str:
        name = self.name(stem)
        self.inits.append(self.numpy_helper.from_array(np.asarray(value, dtype=dtype), name))
        return name

    def op(self, op_type: str, *inputs: str, domain: str = "", **attrs: Any) -> str:
        out = self.name(op_type.lower())
        self.nodes.append(self.helper.make_node(op_type, list(inputs), [out], domain=domain, **attrs))
        return out

    def finish(self, path: str | Path | None, doc: str) -> Any:
        h = self.helper
        graph = h.make_graph(self.nodes, "interpretable_nn", self.inputs, self.outputs, self.inits)
        model = h.make_model(graph, opset_imports=[h.make_opsetid("", OPSET), h.make_opsetid("ai.onnx.ml", ML_OPSET)],
                             producer_name="interpretable_nn", doc_string=doc)
        model.ir_version = min(model.ir_version, 8)
        self.onnx.checker.check_model(model)
        if path is not None:
            from ..persistence import write_output

            write_output(path, model.SerializeToString())
        return model


# ---------------------------------------------------------------------- encoder
def _inputs(g: _Graph, encoder) -> dict[str, str]:
    """One graph input per raw column (schema order; a date or duration column's input says
    it takes days since 1970 or days, as the model reads it); returns name -> tensor name."""
    tp = g.onnx.TensorProto
    out = {}
    days = {"datetime": "days since 1970-01-01 00:00 UTC", "timedelta": "days"}
    for f in encoder.schema_:
        kind = tp.DOUBLE if f.is_numeric else tp.STRING
        g.inputs.append(g.helper.make_tensor_value_info(f.name, kind, ["N"],
                                                        doc_string=days.get(getattr(f, "converted_from", ""), "")))
        out[f.name] = f.name
    return out


def _numeric(g: _Graph, encoder, x: str, j: int, band: float) -> tuple[str, str]:
    """(z as float64 after the encoder's float32 cast and the band clip, missing flag)."""
    miss = g.op("IsNaN", x)
    z = g.op("Div", g.op("Sub", x, g.const(encoder.center_[j])), g.const(encoder.scale_[j]))
    z = g.op("Where", miss, g.const(0.0), z)  # a missing number (NaN through Sub/Div) reads 0, as the encoder sets it
    z32 = g.op("Cast", z, to=g.onnx.TensorProto.FLOAT)
    b = g.const(band, np.float32)
    z32 = g.op("Max", g.op("Min", z32, b), g.op("Neg", b))
    return g.op("Cast", z32, to=g.onnx.TensorProto.DOUBLE), miss


def _codes(g: _Graph, encoder, x: str, name: str) -> str:
    """int64 codes of a string column: '' missing, unseen 1, levels 2.."""
    levels = [str(v) for v in encoder._levels[name]]
    if "" in levels or len(set(levels)) < len(levels):
        raise ValueError(f"Column {name!r}: levels {levels[:10]} include '' or two levels with the same text; "
                         "the ONNX graph reads levels as text with '' for missing, so recode the column.")
    keys = ["", *levels]
    vals = [MISSING_CODE, *range(N_RESERVED, N_RESERVED + len(levels))]
    return g.op("LabelEncoder", x, domain="ai.onnx.ml", keys_strings=keys, values_int64s=vals,
                default_int64=UNSEEN_CODE)


def _encode(g: _Graph, encoder) -> tuple[list[tuple[str, str]], list[str]]:
    """Per numeric feature (encoder order) its (z, missing); per categorical its codes."""
    cols = _inputs(g, encoder)
    band = input_band(encoder)
    nums = [_numeric(g, encoder, cols[n], j, float(band[j])) for j, n in enumerate(encoder.numeric_names_)]
    cats = [_codes(g, encoder, cols[n], n) for n in encoder.categorical_names_]
    return nums, cats


def _numeric_block(g: _Graph, encoder, cols: dict[str, str]) -> tuple[str, str] | None:
    """(z ``[p, N]`` float32 clipped to the band, missing ``[p, N]`` bool) of all numeric
    columns at once: the steps of :func:`_numeric` on one matrix with per-column constants,
    so a wide table costs a handful of nodes instead of a dozen per column. Columns are
    stacked as rows (a ``Concat`` of whole inputs is a copy of contiguous memory; the
    first ``Gemm`` reads the transposed matrix with ``transA``)."""
    names = encoder.numeric_names_
    if not names:
        return None
    x = g.op("Reshape", g.op("Concat", *(cols[n] for n in names), axis=0), g.const([len(names), -1], np.int64))
    miss = g.op("IsNaN", x)
    zero = g.const(0.0)
    z = g.op("Div", g.op("Sub", x, g.const(encoder.center_[:, None])), g.const(encoder.scale_[:, None]))
    z32 = g.op("Cast", g.op("Where", miss, zero, z), to=g.onnx.TensorProto.FLOAT)
    band = np.asarray(input_band(encoder), dtype=np.float32)[:, None]
    z32 = g.op("Max", g.op("Min", z32, g.const(band, np.float32)), g.const(-band, np.float32))
    return z32, miss


def _outputs(g: _Graph, decision: str, n_classes: int, binary: bool) -> None:
    tp = g.onnx.TensorProto
    if binary:
        p = g.op("Sigmoid", decision)
        p2 = g.op("Unsqueeze", p, g.const([1], np.int64))
        probs = g.op("Concat", g.op("Sub", g.const(1.0), p2), p2, axis=1)
        shape = ["N"]
    else:
        probs = g.op("Softmax", decision, axis=1)
        shape = ["N", n_classes]
    g.nodes.append(g.helper.make_node("Identity", [decision], ["decision"]))
    g.nodes.append(g.helper.make_node("Identity", [probs], ["probabilities"]))
    g.outputs += [g.helper.make_tensor_value_info("decision", tp.DOUBLE, shape),
                  g.helper.make_tensor_value_info("probabilities", tp.DOUBLE, ["N", n_classes])]


# ---------------------------------------------------------------------- NAM
def _interp(g: _Graph, z: str, miss: str, knots: list[float], missing_index: int) -> tuple[str, str, str]:
    """(lo, hi, w): the layout's ``_interp_index`` (searchsorted right, constant beyond the
    ends; w rounded to float32 as the layout stores it); missing rows: lo = hi =
    ``missing_index``, w = 0."""
    t = np.asarray(knots, dtype=np.float64)
    k = len(t)
    tk = g.const(t)
    le = g.op("LessOrEqual", g.const(t[None, :]), g.op("Unsqueeze", z, g.const([1], np.int64)))
    ss = g.op("ReduceSum", g.op("Cast", le, to=g.onnx.TensorProto.INT64), g.const([1], np.int64), keepdims=0)
    lo = g.op("Clip", g.op("Sub", ss, g.const(1, np.int64)), g.const(0, np.int64), g.const(max(k - 2, 0), np.int64))
    hi = g.op("Min", g.op("Add", lo, g.const(1, np.int64)), g.const(k - 1, np.int64))
    t_lo, t_hi = g.op("Gather", tk, lo), g.op("Gather", tk, hi)
    step = g.op("Greater", hi, lo)
    width = g.op("Where", step, g.op("Sub", t_hi, t_lo), g.const(1.0))
    w = g.op("Clip", g.op("Div", g.op("Sub", z, t_lo), width), g.const(0.0), g.const(1.0))
    w = g.op("Where", step, w, g.const(0.0))
    w = g.op("Cast", g.op("Cast", w, to=g.onnx.TensorProto.FLOAT), to=g.onnx.TensorProto.DOUBLE)
    m = g.const(missing_index, np.int64)
    lo, hi = g.op("Where", miss, m, lo), g.op("Where", miss, m, hi)
    return lo, hi, g.op("Where", miss, g.const(0.0), w)


def _lerp(g: _Graph, table: np.ndarray, lo: str, hi: str, w: str) -> str:
    """``t0 + w (t1 - t0)`` with ``t0 = table[lo]``, ``t1 = table[hi]`` (AdditiveTables)."""
    tab = g.const(table)
    t0, t1 = g.op("Gather", tab, lo), g.op("Gather", tab, hi)
    return g.op("Add", t0, g.op("Mul", w, g.op("Sub", t1, t0)))


def nam_to_onnx(model: Any, path: str | Path | None = None) -> Any:
    """The ONNX graph of a fitted :class:`~interpretable_nn.models.nam.NAMClassifier`
    (see the module docstring); written to ``path`` when given. Returns the
    ``onnx.ModelProto``."""
    if getattr(model, "_task", None) != "classification":
        raise TypeError(f"nam_to_onnx exports a fitted NAMClassifier; got {type(model).__name__}.")
    lay, enc = model.layout_, model.encoder_
    g = _Graph()
    nums, cats = _encode(g, enc)
    main = model.module_.main.numpy()[0].astype(np.float64)
    pair = model.module_.pair.numpy()[0].astype(np.float64)
    offsets = lay.main_offsets()
    terms, axes = [], []
    in_pair = {i for pair in lay.pairs for i in pair}
    for i, (is_num, c) in enumerate(zip(lay.is_numeric, lay.col)):
        off = int(offsets[i])
        if is_num:
            z, miss = nums[c]
            kn = lay.knots[c]
            table = np.r_[main[off: off + len(kn)], main[off + lay.n_knots]]
            terms.append(_lerp(g, table, *_interp(g, z, miss, kn, len(kn))))
            pk = [kn[p] for p in lay.pair_knots[c]]
            axes.append(_interp(g, z, miss, pk, len(pk)) if i in in_pair else None)
        else:
            code = cats[c]
            terms.append(g.op("Gather", g.const(main[off: off + lay.cat_sizes[c]]), code))
            axes.append((code, code, g.const(0.0)) if i in in_pair else None)
    pair_off, _ = lay.pair_offsets()
    for p, (a, b) in enumerate(lay.pairs):
        sa, sb = lay.axis_size(a), lay.axis_size(b)
        grid = pair[int(pair_off[p]): int(pair_off[p]) + sa * sb].reshape(sa, sb)
        lo_a, hi_a, wa = axes[a]
        lo_b, hi_b, wb = axes[b]
        # top = grid[lo_a] read along b, bottom = grid[hi_a] read along b, then along a
        flat = g.const(grid.ravel())
        sbc = g.const(sb, np.int64)

        def at(ia: str, ib: str, flat=flat, sbc=sbc) -> str:
            return g.op("Gather", flat, g.op("Add", g.op("Mul", ia, sbc), ib))

        t00, t01, t10, t11 = at(lo_a, lo_b), at(lo_a, hi_b), at(hi_a, lo_b), at(hi_a, hi_b)
        top = g.op("Add", t00, g.op("Mul", wb, g.op("Sub", t01, t00)))
        bottom = g.op("Add", t10, g.op("Mul", wb, g.op("Sub", t11, t10)))
        terms.append(g.op("Add", top, g.op("Mul", wa, g.op("Sub", bottom, top))))
    decision = g.const(float(model.module_.bias))
    for t in terms:
        decision = g.op("Add", decision, t)
    _outputs(g, decision, len(model.classes_), binary=True)
    return g.finish(path, f"NAMClassifier: {len(lay.names)} features, {len(lay.pairs)} interactions")


# ---------------------------------------------------------------------- MLP
def mlp_to_onnx(model: Any, path: str | Path | None = None) -> Any:
    """The ONNX graph of a fitted :class:`~interpretable_nn.models.mlp.MLPClassifier`
    (see the module docstring); written to ``path`` when given."""
    import torch

    if getattr(model, "_task", None) != "classification":
        raise TypeError(f"mlp_to_onnx exports a fitted MLPClassifier; got {type(model).__name__}.")
    enc = model.encoder_
    g = _Graph()
    cols = _inputs(g, enc)
    f32 = g.onnx.TensorProto.FLOAT
    one = g.const([1], np.int64)
    parts = []
    block = _numeric_block(g, enc, cols)
    if block is not None:
        z32, miss = block
        parts.append(z32)
        flagged = [j for j, f in enumerate(enc.schema_.numeric) if f.has_missing]
        if flagged:
            parts.append(g.op("Cast", g.op("Gather", miss, g.const(flagged, np.int64), axis=0), to=f32))
    cats = [_codes(g, enc, cols[n], n) for n in enc.categorical_names_]
    for code, f in zip(cats, enc.schema_.categorical):
        lv = np.arange(MISSING_CODE if f.has_missing else N_RESERVED, len(f.categories) + N_RESERVED)
        lv = lv[lv != UNSEEN_CODE]
        eq = g.op("Equal", g.op("Unsqueeze", code, g.const([0], np.int64)), g.const(lv[:, None], np.int64))
        parts.append(g.op("Cast", eq, to=f32))
    if not parts:
        raise ValueError("The model reads no columns; there is nothing to export.")
    h = g.op("Concat", *parts, axis=0)  # the dense matrix transposed, [n_dense, N]
    transposed = True
    for layer in model.module_.net:
        if transposed and not isinstance(layer, (torch.nn.Linear, torch.nn.Dropout)):
            h, transposed = g.op("Transpose", h, perm=[1, 0]), False
        if isinstance(layer, torch.nn.Linear):
            w = layer.weight.detach().cpu().numpy().astype(np.float32)
            b = layer.bias.detach().cpu().numpy().astype(np.float32)
            h = g.op("Gemm", h, g.const(w, np.float32), g.const(b, np.float32), transA=int(transposed), transB=1)
            transposed = False
        elif isinstance(layer, torch.nn.BatchNorm1d):
            arrs = [t.detach().cpu().numpy().astype(np.float32) for t in
                    (layer.weight, layer.bias, layer.running_mean, layer.running_var)]
            h = g.op("BatchNormalization", h, *(g.const(a, np.float32) for a in arrs), epsilon=float(layer.eps))
        elif isinstance(layer, torch.nn.ReLU):
            h = g.op("Relu", h)
        elif not isinstance(layer, torch.nn.Dropout):
            raise TypeError(f"mlp_to_onnx cannot export layer {type(layer).__name__}.")
    if transposed:  # a network without layers (not built by MLPClassifier)
        h = g.op("Transpose", h, perm=[1, 0])
    binary = model.module_.n_out == 1
    if binary:
        h = g.op("Squeeze", h, one)
    decision = g.op("Cast", h, to=g.onnx.TensorProto.DOUBLE)
    _outputs(g, decision, len(model.classes_), binary=binary)
    return g.finish(path, f"MLPClassifier: {enc.n_dense_} dense inputs")


# ---------------------------------------------------------------------- rule sets
def _levels(c: Any) -> list:
    return [] if c.op in ("is_missing", "<=", ">") else list(c.value) if c.op == "in" else [c.value]


def _condition(g: _Graph, c: Any, x: str, numeric: bool, miss: str, codes: dict[str, int] | None) -> str:
    """Boolean [N]: the condition on the raw input ``x`` (RuleSet semantics); ``miss`` is
    the column's missing flag and, for a text column, ``x`` its codes under ``codes``."""
    levels = _levels(c)
    if c.op == "is_missing":
        return miss if c.value else g.op("Not", miss)
    if c.op in ("<=", ">"):
        if not numeric:
            raise ValueError(f"Condition {c} compares the categorical column {c.feature!r} with a number.")
        hit = g.op("LessOrEqual" if c.op == "<=" else "Greater", x, g.const(float(c.value)))
    else:
        if numeric:
            consts = [g.const(float(v)) for v in levels if not isinstance(v, str)]
        else:
            consts = [g.const(codes[str(v)], np.int64) for v in dict.fromkeys(levels)]
        hit = g.op("Expand", g.const(False, np.bool_), g.op("Shape", x)) if not consts else None
        for k in consts:
            eq = g.op("Equal", x, k)
            hit = eq if hit is None else g.op("Or", hit, eq)
    if c.op == "!=":
        hit = g.op("Not", hit)
    if c.if_missing:
        return g.op("Or", miss, hit)
    # a comparison or an equality is already False on a missing value (NaN compares
    # False, the missing code -1 is no level's code); only a negation needs the guard
    return g.op("And", g.op("Not", miss), hit) if c.op == "!=" else hit


def _rule_columns(g: _Graph, rs: Any, cols: dict[str, str], numeric: dict[str, bool]) -> dict[str, tuple]:
    """Per column the rules read, once: (tensor, missing flag, level codes). A text column
    becomes int64 codes through one ``LabelEncoder``: -1 for '' (missing), 1.. for the
    levels the conditions name, 0 for any other text."""
    out = {}
    for f in rs.features_used:
        if numeric[f]:
            out[f] = (cols[f], g.op("IsNaN", cols[f]), None)
            continue
        keys = list(dict.fromkeys(str(v) for r in rs.rules for c in r.conditions if c.feature == f
                                  for v in _levels(c)))
        if "" in keys:
            raise ValueError(f"A condition on {f!r} tests the empty text, which the ONNX graph reads as missing.")
        codes = {k: j + 1 for j, k in enumerate(keys)}
        x = g.op("LabelEncoder", cols[f], domain="ai.onnx.ml", keys_strings=["", *keys],
                 values_int64s=[-1, *codes.values()], default_int64=0)
        out[f] = (x, g.op("Equal", x, g.const(-1, np.int64)), codes)
    return out


def ruleset_to_onnx(rs: Any, encoder: Any, path: str | Path | None = None) -> Any:
    """The ONNX graph of a logit-link :class:`~interpretable_nn.rules.RuleSet` over the raw
    columns of ``encoder``'s schema (numeric inputs double, categorical inputs text); the
    score is ``intercept + sum of the weights of the fired rules`` in rule order, then the
    points of the linear terms in order (float64)."""
    if rs.link != "logit":
        raise ValueError("ruleset_to_onnx exports a logit rule set (a classifier); this one has link "
                         f"{rs.link!r}.")
    g = _Graph()
    cols = _inputs(g, encoder)
    numeric = {f.name: f.is_numeric for f in encoder.schema_}
    absent = [f for f in rs.features_used if f not in cols]
    if absent:
        raise ValueError(f"The rule set reads column(s) {absent} that the model's schema lacks.")
    read = _rule_columns(g, rs, cols, numeric)
    hits: dict[Any, str] = {}  # a condition several rules share is evaluated once
    zero = g.const(0.0)
    terms = [g.const(float(rs.intercept))]
    for rule in rs.rules:
        fire = None
        for c in rule.conditions:
            if c not in hits:
                hits[c] = _condition(g, c, read[c.feature][0], numeric[c.feature], *read[c.feature][1:])
            fire = hits[c] if fire is None else g.op("And", fire, hits[c])
        w = g.const(float(rule.weight))
        terms.append(w if fire is None else g.op("Where", fire, w, zero))
    for t in getattr(rs, "linear", ()):  # points * (fill if missing else min(max(x, lo), hi))
        if not numeric[t.feature]:
            raise ValueError(f"A linear term reads the categorical column {t.feature!r}.")
        x, miss, _ = read[t.feature]
        clipped = g.op("Min", g.op("Max", x, g.const(float(t.lo))), g.const(float(t.hi)))
        terms.append(g.op("Mul", g.const(float(t.points)), g.op("Where", miss, g.const(float(t.fill)), clipped)))
    # one Sum node adds its inputs left to right: the intercept, the rules in order, then
    # the linear terms
    decision = g.op("Sum", *terms) if len(terms) > 1 else terms[0]
    decision = g.op("Expand", decision, g.op("Shape", next(iter(cols.values()))))  # [N] even without rules
    _outputs(g, decision, 2, binary=True)
    n_linear = len(getattr(rs, "linear", ()))
    return g.finish(path, f"RuleSet: {rs.n_rules} rules" + (f", {n_linear} linear terms" if n_linear else ""))


# ---------------------------------------------------------------------- feeding
def _number_column(s: pd.Series) -> np.ndarray:
    """float64 ``[N]`` (NaN missing): a view of a float64 column, one cast for any other
    numeric dtype, ``pd.to_numeric`` only for object columns."""
    dtype = s.dtype
    if isinstance(dtype, np.dtype) and dtype.kind in "fiub":
        return np.ascontiguousarray(s.to_numpy(dtype=np.float64, copy=False))
    if pd.api.types.is_numeric_dtype(dtype):  # nullable Int64 / Float64 / boolean
        return s.to_numpy(dtype=np.float64, na_value=np.nan)
    return pd.to_numeric(s, errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)


def _text_column(s: pd.Series) -> np.ndarray:
    """Text ``[N]`` (``str(level)``, ``""`` missing) without per-row Python: the distinct
    values are factorised once, turned into text once and taken by code."""
    if isinstance(s.dtype, pd.CategoricalDtype):
        codes, uniques = s.cat.codes.to_numpy(), s.cat.categories
    else:
        codes, uniques = pd.factorize(s, use_na_sentinel=True)
    labels = np.array([str(u) for u in uniques] + [""], dtype=object)
    return labels[codes]  # code -1 (missing) reads the last label, ""


def onnx_feed(model: Any, X: pd.DataFrame) -> dict[str, np.ndarray]:
    """The onnxruntime input dict of raw rows ``X`` for a graph exported from ``model``:
    numeric columns as float64 (NaN missing), categorical ones as text ('' missing).

    Vectorised: a float64 column is passed as a view (no copy), other numeric dtypes in one
    cast, a text column through its distinct values (``pd.factorize``), so the cost is a
    few passes over the data whatever the number of rows.

    Examples
    --------
    >>> feed = onnx_feed(model, X)                               # doctest: +SKIP
    >>> sorted(feed) == sorted(f.name for f in model.encoder_.schema_)  # doctest: +SKIP
    True
    """
    if not isinstance(X, pd.DataFrame):
        raise TypeError(f"onnx_feed reads a pandas DataFrame of raw columns; got {type(X).__name__}. "
                        "Wrap the rows as pd.DataFrame(rows, columns=[...]).")
    schema = model.encoder_.schema_
    for f in schema:
        if f.name not in X.columns:
            raise ValueError(f"X lacks column {f.name!r}, an input of the ONNX graph.")
    return {f.name: _number_column(X[f.name]) if f.is_numeric else _text_column(X[f.name]) for f in schema}
