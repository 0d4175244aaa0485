"""Shape functions of a fitted neural additive model as tables and matplotlib plots."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ...data.dtypes import days_text, days_unit

__all__ = ["shape_frame", "plot_shapes"]


def _band(values: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Mean and mean -/+ 1.96 standard deviations over bags (axis 0)."""
    mean = values.mean(0)
    sd = values.std(0, ddof=1) if values.shape[0] > 1 else np.zeros_like(mean)
    return mean, mean - 1.96 * sd, mean + 1.96 * sd


def shape_frame(model, name: str) -> pd.DataFrame:
    """See :meth:`NAMClassifier.shape_function`."""
    lay = model.layout_
    scale = model._out_scale
    bags = model.module_.main_bags.numpy() * scale
    if name in lay.names:
        i = lay.names.index(name)
        spec = model.encoder_.schema_[name]
        slot = lay.main_slot(i)
        mean, lower, upper = _band(bags[:, slot])
        density = model.main_mass_[slot]
        if lay.is_numeric[i]:
            c = lay.col[i]
            values = list(np.asarray(lay.knots[c]) * model.encoder_.scale_[c] + model.encoder_.center_[c])
            values.append(np.nan)
            missing = [False] * (len(values) - 1) + [True]
            keep = np.r_[np.ones(len(values) - 1, bool), spec.has_missing]
        else:
            values = [None, "<unseen>", *spec.categories]
            missing = [True, False] + [False] * len(spec.categories)
            keep = np.r_[spec.has_missing, False, np.ones(len(spec.categories), bool)]
        out = pd.DataFrame(
            {
                "value": pd.Series(values, dtype=float if lay.is_numeric[i] else object),
                "contribution": mean, "lower": lower, "upper": upper, "density": density,
                "missing": missing,
            }
        )
        return out[keep].reset_index(drop=True)
    if name in lay.pair_names:
        return _pair_frame(model, lay.pair_names.index(name))
    raise ValueError(f"No term named {name!r}; terms: {model.terms_}.")


def _axis_values(model, i: int) -> tuple[list, np.ndarray]:
    """Raw values of feature ``i``'s pair axis and whether each slot is real (seen)."""
    lay = model.layout_
    spec = model.encoder_.schema_[lay.names[i]]
    c = lay.col[i]
    if lay.is_numeric[i]:
        z = np.asarray(lay.knots[c])[np.asarray(lay.pair_knots[c], dtype=int)]
        vals = list(z * model.encoder_.scale_[c] + model.encoder_.center_[c]) + [np.nan]
        return vals, np.r_[np.ones(len(vals) - 1, bool), spec.has_missing]
    return [None, "<unseen>", *spec.categories], np.r_[spec.has_missing, False, np.ones(len(spec.categories), bool)]


def _pair_frame(model, p: int) -> pd.DataFrame:
    lay = model.layout_
    a, b = lay.pairs[p]
    off, _ = lay.pair_offsets()
    sa, sb = lay.axis_size(a), lay.axis_size(b)
    sl = slice(off[p], off[p] + sa * sb)
    mean, lower, upper = _band(model.module_.pair_bags.numpy()[:, sl] * model._out_scale)
    va, ka = _axis_values(model, a)
    vb, kb = _axis_values(model, b)
    out = pd.DataFrame(
        {
            lay.names[a]: pd.Series(np.repeat(np.array(va, dtype=object), sb), dtype=object),
            lay.names[b]: pd.Series(np.tile(np.array(vb, dtype=object), sa), dtype=object),
            "contribution": mean, "lower": lower, "upper": upper,
            "density": model.pair_mass_[sl],
        }
    )
    keep = np.outer(ka, kb).ravel()
    return out[keep].reset_index(drop=True)


def _plot_numeric(ax, sf: pd.DataFrame, name: str, banded: bool, output: str) -> None:
    cur = sf[~sf["missing"]]
    miss = sf[sf["missing"]]
    x = cur["value"].to_numpy(dtype=float)
    ax.plot(x, cur["contribution"], color="#4C72B0", lw=1.8)
    if banded:
        ax.fill_between(x, cur["lower"], cur["upper"], color="#4C72B0", alpha=0.25, lw=0)
    lo, hi = ax.get_ylim()
    dens = cur["density"].to_numpy(dtype=float)
    if len(x) and dens.max() > 0:  # density rug: bars at the bottom, height ~ share of rows
        ax.vlines(x, lo, lo + 0.15 * (hi - lo) * dens / dens.max(), color="0.45", lw=1.0, alpha=0.7)
    if len(miss):
        span = (x.max() - x.min()) if len(x) > 1 else 1.0
        xm = (x.max() if len(x) else 0.0) + 0.08 * span
        m = miss.iloc[0]
        ax.errorbar([xm], [m["contribution"]], yerr=[[m["contribution"] - m["lower"]], [m["upper"] - m["contribution"]]],
                    fmt="D", color="#C44E52", capsize=3)
        ax.annotate("missing", (xm, m["contribution"]), textcoords="offset points", xytext=(4, 4),
                    fontsize=8, color="#C44E52")
    ax.axhline(0, color="black", lw=0.6)
    ax.set_title(name)
    ax.set_ylabel(output)


def _plot_categorical(ax, sf: pd.DataFrame, name: str, banded: bool, output: str) -> None:
    labels = ["missing" if m else str(v) for v, m in zip(sf["value"], sf["missing"])]
    c = sf["contribution"].to_numpy(dtype=float)
    err = np.vstack([c - sf["lower"].to_numpy(dtype=float), sf["upper"].to_numpy(dtype=float) - c])
    colors = ["#C44E52" if m else "#4C72B0" for m in sf["missing"]]
    ax.bar(range(len(c)), c, color=colors, yerr=err if banded else None, capsize=3)
    ax.set_xticks(range(len(c)))
    ax.set_xticklabels(labels, rotation=45, ha="right", fontsize=8)
    ax.axhline(0, color="black", lw=0.6)
    ax.set_title(name)
    ax.set_ylabel(output)


def _fmt_days(v: float) -> str:
    """A duration tick: 3 significant digits, whole days from 1,000 ("1630 days", not "1.63e+03")."""
    return days_unit(f"{v:.0f}" if abs(v) >= 1000 else f"{v:.3g}")


def _time_axis(axis, kind: str) -> None:
    """A date feature's axis (days since 1970-01-01 UTC) labelled with dates; a duration's
    says its unit."""
    if kind in ("date", "datetime"):
        from matplotlib.ticker import FuncFormatter, MaxNLocator

        axis.set_major_locator(MaxNLocator(5, integer=kind == "date"))  # whole days' ticks: on days
        axis.set_major_formatter(FuncFormatter(lambda v, _: days_text(v, kind)))
        for t in axis.get_ticklabels():
            t.set_rotation(30)
            t.set_ha("right")
    elif kind == "timedelta":
        axis.set_label_text(f"{axis.get_label_text() or ''} (days)".strip())


def _plot_pair(ax, sf: pd.DataFrame, name: str, kinds: dict | None = None) -> None:
    a, b = sf.columns[:2]
    sf = sf[sf[a].notna() & sf[b].notna()]  # the missing slots are not part of the surface
    grid = sf.pivot_table(index=a, columns=b, values="contribution", aggfunc="first", sort=False)
    lim = float(np.nanmax(np.abs(grid.to_numpy(dtype=float)))) or 1.0
    im = ax.imshow(grid.to_numpy(dtype=float), aspect="auto", cmap="RdBu_r", vmin=-lim, vmax=lim, origin="lower")

    def ticks(vals, kind):
        idx = np.unique(np.linspace(0, len(vals) - 1, min(len(vals), 5)).round().astype(int))
        return idx, [(days_text(v, kind) if kind in ("date", "datetime") else _fmt_days(v) if kind else f"{v:.3g}")
                     if isinstance(v, float) else str(v) for v in np.asarray(vals, dtype=object)[idx]]

    yi, yl = ticks(list(grid.index), (kinds or {}).get(a))
    xi, xl = ticks(list(grid.columns), (kinds or {}).get(b))
    ax.set_yticks(yi)
    ax.set_yticklabels(yl, fontsize=7)
    ax.set_xticks(xi)
    ax.set_xticklabels(xl, fontsize=7, rotation=45, ha="right")
    ax.set_ylabel(a)
    ax.set_xlabel(b)
    ax.set_title(name)
    ax.figure.colorbar(im, ax=ax, fraction=0.046)


def plot_shapes(model, features=None, ncols: int = 3, max_terms: int | None = None):
    """See :meth:`NAMClassifier.plot_shape_functions`."""
    import matplotlib.pyplot as plt

    terms = list(model.terms_) if features is None else [str(f) for f in features]
    unknown = [t for t in terms if t not in model.terms_]
    if unknown:
        raise ValueError(f"No terms named {unknown}; terms: {model.terms_}.")
    if max_terms is not None:
        terms = terms[: int(max_terms)]
    ncols = max(1, min(int(ncols), len(terms) or 1))
    nrows = max(1, -(-len(terms) // ncols))
    fig, axes = plt.subplots(nrows, ncols, figsize=(4.2 * ncols, 3.2 * nrows), squeeze=False)
    banded = int(model.n_bags) > 1
    output = model._output_name()
    lay = model.layout_
    for ax, name in zip(axes.ravel(), terms):
        sf = shape_frame(model, name)
        if name in lay.pair_names:
            _plot_pair(ax, sf, name, {f: model.encoder_.schema_[f].word_kind for f in sf.columns[:2]})
        elif lay.is_numeric[lay.names.index(name)]:
            _plot_numeric(ax, sf, name, banded, output)
            _time_axis(ax.xaxis, model.encoder_.schema_[name].word_kind)
        else:
            _plot_categorical(ax, sf, name, banded, output)
    for ax in axes.ravel()[len(terms):]:
        ax.set_visible(False)
    fig.tight_layout()
    return fig
