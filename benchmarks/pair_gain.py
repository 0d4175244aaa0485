"""What the interaction stage adds, NAM against EBM, on the suite's **dev** group.

For each data set and fold (seed 0, the folds of ``suite_tune.py``): the NAM at its defaults
and with ``interactions=0``; EBM at its defaults (``interactions="3x"`` in interpret 0.7) and
with 0, 3 and 10 pairs. The pair stage's gain is each model minus its own no-pair fit, paired
over folds. Written to find out why EBM wins where it wins (issue 16) without reading the
confirm group.

Usage::

    python benchmarks/pair_gain.py --datasets health_insurance
    python benchmarks/pair_gain.py               # every dev set
    python benchmarks/pair_gain.py --fits nam,nam_0 --refresh   # the NAM again, at this commit

``nam_0+ebm_pairs`` and ``nam_0+ebm_pairs_nosmooth`` are the NAM's mains (``interactions=0``)
with EBM's own pair stage fitted on their residual (``exclude="mains"``, the NAM's training
logits as ``init_score``; interpret 0.7.8's defaults, or without its 75 random-split rounds,
``interaction_smoothing_rounds=0``): how far the NAM's pairs are from EBM's on the same mains.

``--refresh`` drops the CSV's rows of the fits asked for (on the data sets asked for) before
the run, so that a table whose NAM rows measured older defaults is measured again; the old
rows stay in git history.

Writes ``benchmarks/results/pair_gain.csv`` (resumable) and ``.md``.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
OUT = HERE / "results" / "pair_gain.csv"
#: name -> (model, parameters)
FITS = {"nam": ("nam", {}), "nam_0": ("nam", {"interactions": 0}), "ebm": ("ebm", {}),
        "ebm_0": ("ebm", {"interactions": 0}), "ebm_3": ("ebm", {"interactions": 3}),
        "ebm_10": ("ebm", {"interactions": 10})}
COLUMNS = ["dataset", "fit", "seed", "fold", "auc", "fit_seconds", "commit"]
#: the NAM's mains with EBM's pair stage on their residual: name -> EBM's parameters
HYBRIDS = {"nam_0+ebm_pairs": {}, "nam_0+ebm_pairs_nosmooth": {"interaction_smoothing_rounds": 0}}


class MainsWithEBMPairs:
    """The NAM without pairs, then EBM's pair stage alone (``exclude="mains"``) boosted from
    its logits; ``predict_proba`` adds the two. ``fit_fold`` times both stages."""

    def __init__(self, **ebm_kw):
        self.ebm_kw = ebm_kw

    def fit(self, X, y):
        from interpret.glassbox import ExplainableBoostingClassifier

        from interpretable_nn import NAMClassifier

        self.nam_ = NAMClassifier(interactions=0, random_state=0, verbose=0, device="cpu").fit(X, y)
        self.ebm_ = ExplainableBoostingClassifier(exclude="mains", random_state=0, **self.ebm_kw)
        self.ebm_.fit(X, y, init_score=self.nam_.decision_function(X))
        return self

    def predict_proba(self, X):
        return self.ebm_.predict_proba(X, init_score=self.nam_.decision_function(X))


def run(datasets: list[str], folds: list[int], out: Path = OUT, fits: list[str] | None = None,
        refresh: bool = False) -> pd.DataFrame:
    import _provenance
    import _suite_data as sd
    from suite_tune import fit_fold
    from tqdm.auto import tqdm

    from interpretable_nn.models import make_model

    done = pd.read_csv(out) if out.exists() else pd.DataFrame(columns=COLUMNS)
    if refresh:
        done = done[~(done.fit.isin(fits or FITS) & done.dataset.isin(datasets) & done.fold.isin(folds))]
    have = {(r.dataset, r.fit, int(r.fold)) for r in done.itertuples()}
    rows, commit = done.to_dict("records"), _provenance.current_commit()
    plan = [(d, f, name) for d in datasets for f in folds for name in (fits or FITS) if (d, name, f) not in have]
    data: dict[str, tuple] = {}
    for d, f, name in (bar := tqdm(plan, desc="pair_gain", unit="fit")):
        bar.set_postfix_str(f"{d} {name} {f}")
        if d not in data:
            data[d] = sd.load(d, str(sd.SUITE_TOML))
        if name in HYBRIDS:
            est = MainsWithEBMPairs(**HYBRIDS[name])
        else:
            model, kw = FITS[name]
            extra = {"verbose": 0, "device": "cpu"} if model == "nam" else {}
            est = make_model(model, random_state=0, **extra, **kw)
        auc, secs = fit_fold(est, *data[d], f)
        rows.append(dict(dataset=d, fit=name, seed=0, fold=f, auc=auc, fit_seconds=secs, commit=commit))
        pd.DataFrame(rows, columns=COLUMNS).to_csv(out, index=False)
    return pd.DataFrame(rows, columns=COLUMNS)


def summary(df: pd.DataFrame) -> str:
    from suite_tune import _pair, _verdict

    pairs = [("nam", "nam_0"), ("ebm", "ebm_0"), ("ebm_3", "ebm_0"), ("ebm_10", "ebm_0"), ("nam_0", "ebm_0"),
             ("nam", "ebm")]
    pairs += [(h, "nam") for h in HYBRIDS if h in set(df.fit)]
    head = ["data set"] + [f"{a} − {b}" for a, b in pairs]
    lines = ["# What the pair stage adds: NAM vs EBM on the dev group", "",
             f"Seed 0, folds {sorted(df.fold.unique().tolist())}; commits: "
             + ", ".join(f"`{c[:10]}`" for c in sorted(df.commit.unique())) + ". `x_0`: no pairs; `ebm_3`, "
             "`ebm_10`: EBM with 3 or 10 pairs; `ebm`: its default (3 per column). Paired over folds; "
             "**on par** inside 2 SE. Written by `benchmarks/pair_gain.py`.", "",
             "| " + " | ".join(head) + " |", "|---|" + "---:|" * len(pairs)]
    means = {p: [] for p in pairs}
    for d, g in df.groupby("dataset", sort=True):
        piv = g.pivot_table(index="fold", columns="fit", values="auc")
        cells = [d]
        for a, b in pairs:
            n, diff, se = _pair(piv[a], piv[b]) if a in piv and b in piv else (0, np.nan, np.nan)
            cells.append(_verdict(n, diff, se))
            if n == 5:
                means[(a, b)].append(diff)
        lines.append("| " + " | ".join(cells) + " |")
    lines += ["", "Mean over the data sets with all 5 folds: "
              + "; ".join(f"{a} − {b} {np.mean(v):+.4f} ({len(v)})" for (a, b), v in means.items() if v) + "."]
    return "\n".join(lines) + "\n"


def main(argv=None) -> int:
    import _suite_data as sd

    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--datasets", default=None, help="comma-separated dev data sets (default: all of dev)")
    ap.add_argument("--folds", default="0,1,2,3,4")
    ap.add_argument("--fits", default=",".join(FITS),
                    help=f"comma-separated subset of {[*FITS, *HYBRIDS]} (the others can follow later: the CSV resumes)")
    ap.add_argument("--refresh", action="store_true",
                    help="measure the fits asked for again at this commit (their old rows are dropped)")
    args = ap.parse_args(argv)
    fits = args.fits.split(",")
    if set(fits) - set(FITS) - set(HYBRIDS):
        raise SystemExit(f"unknown fits: {sorted(set(fits) - set(FITS) - set(HYBRIDS))}")
    _, specs = sd.read_suite()
    dev = [n for n, s in specs.items() if s.group == "dev"]
    datasets = args.datasets.split(",") if args.datasets else dev
    if set(datasets) - set(dev):
        raise SystemExit(f"{sorted(set(datasets) - set(dev))} are not dev data sets")
    df = run(datasets, [int(f) for f in args.folds.split(",")], fits=fits, refresh=args.refresh)
    text = summary(df)
    OUT.with_suffix(".md").write_text(text)
    print(text)
    return 0


if __name__ == "__main__":
    import _provenance

    _provenance.watch(prefix="pair_gain")
    raise SystemExit(main())
