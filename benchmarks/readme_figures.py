"""Draw the README's pictures into ``docs/images/``: the NAM shape functions on
``credit_data`` (default parameters plus two monotone constraints) and, when a demo run
exists, the accuracy-vs-complexity Pareto plot of its study.

Usage::

    python benchmarks/readme_figures.py                       # shape functions only
    python benchmarks/readme_figures.py --study demo_results  # + the demo's Pareto plot
"""

from __future__ import annotations

import argparse
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import interpretable_nn as inn  # noqa: E402
from interpretable_nn.datasets import load_dataset  # noqa: E402

OUT = Path(__file__).resolve().parents[1] / "docs" / "images"


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--study", default=None, help="a study directory (e.g. demo_results) for the Pareto plot")
    ap.add_argument("--out", default=str(OUT))
    args = ap.parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)

    ds = load_dataset("credit_data")
    nam = inn.NAMClassifier(monotone={"Income": -1, "Seniority": -1}, random_state=0, verbose=0).fit(ds.X, ds.y)
    fig = nam.plot_shape_functions(max_terms=8)
    fig.savefig(out / "nam_shape_functions.png", dpi=80, bbox_inches="tight")
    print("wrote", out / "nam_shape_functions.png")

    written = {"nam_shape_functions.png": "NAMClassifier(monotone={Income: -1, Seniority: -1}) on credit_data"}
    if args.study:
        from interpretable_nn.studies.report import pareto_figure

        fig = pareto_figure(Path(args.study), "credit_data")
        fig.savefig(out / "pareto_credit_data.png", dpi=80, bbox_inches="tight")
        print("wrote", out / "pareto_credit_data.png")
        written["pareto_credit_data.png"] = f"the demo study in {Path(args.study).name}/ (interpretable-nn demo)"
    _record(out, written)


def _record(out: Path, written: dict) -> None:
    """``figures.json`` beside the pictures: the commit that drew each one, from what."""
    import hashlib
    import json

    from _provenance import current_commit

    path = out / "figures.json"
    doc = json.loads(path.read_text()) if path.exists() else {}
    for name, source in written.items():
        doc[name] = {"commit": current_commit(), "source": source, "script": "benchmarks/readme_figures.py",
                     "sha256": hashlib.sha256((out / name).read_bytes()).hexdigest()}
    path.write_text(json.dumps(doc, indent=1, sort_keys=True) + "\n")


if __name__ == "__main__":
    import _provenance  # benchmarks/_provenance.py: record the commit of every results file written

    _provenance.watch()
    main()
