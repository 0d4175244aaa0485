"""The ``export`` subcommand: a saved model as a deployable artefact.

``interpretable-nn export MODEL_DIR --format pmml|onnx -o FILE``

* ``pmml``: a rule model (RuleNet, or a ``distill --out`` directory) as its rule set
  (:meth:`RuleSet.to_pmml <interpretable_nn.rules.RuleSet.to_pmml>`); an additive
  classifier (NAM) as its points scorecard with ranked reason codes
  (:meth:`Scorecard.to_pmml <interpretable_nn.rules.Scorecard.to_pmml>`, ``--reasons``,
  ``--pdo``, ``--base-score``, ``--base-odds``).
* ``onnx``: ``model.to_onnx(FILE)`` (NAM, MLP, RuleNet): one graph input per raw column.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

__all__ = ["add_parser", "run"]


def add_parser(sub: Any) -> None:
    """Register ``export`` on the CLI's subparsers."""
    s = sub.add_parser("export", help="a saved model as PMML (scorecard, rule set) or ONNX, for decision engines")
    s.add_argument("model_dir", help="directory written by `fit --out`, model.save() or `distill --out`")
    s.add_argument("--format", choices=["pmml", "onnx"], required=True, help="artefact format")
    s.add_argument("-o", "--output", required=True, help="file to write")
    s.add_argument("--reasons", type=int, default=4, help="PMML scorecard: ranked reason codes (default 4)")
    s.add_argument("--pdo", type=float, default=20.0, help="PMML scorecard: points to double the odds (default 20)")
    s.add_argument("--base-score", type=float, default=600.0, help="PMML scorecard: score at --base-odds (default 600)")
    s.add_argument("--base-odds", type=float, default=50.0, help="PMML scorecard: good:bad odds at --base-score (default 50)")
    s.add_argument("--days-stored", action="store_true",
                   help="PMML or ONNX of a model fitted on dates: the evaluator is given those fields as days "
                        "since 1970-01-01 (durations: days)")
    s.set_defaults(func=run)


def _load(model_dir: str) -> Any:
    from ..persistence import load_model
    from ..rules import RuleSet

    path = Path(model_dir)
    if not path.is_dir():
        raise ValueError(f"model directory {path}: no such directory; give the directory written by "
                         "`interpretable-nn fit --out`, model.save() or `distill --out`.")
    if not (path / "manifest.json").is_file() and (path / "ruleset.json").is_file():
        return RuleSet.from_json((path / "ruleset.json").read_text(encoding="utf-8"))
    return load_model(path)


def _pmml(model: Any, args: Any) -> tuple[str, str]:
    from ..rules import RuleSet

    rs = model if isinstance(model, RuleSet) else getattr(model, "ruleset_", None)
    if rs is not None:
        return rs.to_pmml(days_stored=args.days_stored), f"a rule set of {rs.n_rules} rules"
    if hasattr(model, "to_scorecard"):
        card = model.to_scorecard(pdo=args.pdo, base_score=args.base_score, base_odds=args.base_odds)
        return card.to_pmml(reasons=args.reasons, days_stored=args.days_stored), f"a scorecard of {len(card.terms)} terms"
    raise ValueError(f"{args.model_dir} holds a {type(model).__name__}, which has no PMML form; PMML needs a "
                     "rule model (rulenet, a `distill --out` directory) or an additive classifier (nam). "
                     + ("Try --format onnx." if hasattr(model, "to_onnx") else
                        "It has no ONNX export either (ONNX covers the classifiers nam, mlp and rulenet); "
                        + _instead(args.model_dir)))


def _instead(model_dir: str) -> str:
    """What a model with neither artefact can do (a regressor: the exports are classifiers')."""
    import shlex

    model_dir = shlex.quote(str(model_dir))
    return (f"score rows with `interpretable-nn predict {model_dir} --input FILE.csv`, or distil it into rules "
            f"(`interpretable-nn distill {model_dir} --csv FILE.csv --out RULES_DIR`), whose PMML covers amounts.")


def run(args: Any) -> int:
    """Write the artefact; print one line saying what was written."""
    from ..persistence.csv_io import check_output

    out = check_output(args.output, what="-o/--output", inputs=[args.model_dir])  # never over the model's files
    model = _load(args.model_dir)
    if args.format == "pmml":
        text, what = _pmml(model, args)
        from ..persistence import write_output

        write_output(out, text)
    else:
        if not hasattr(model, "to_onnx"):
            raise ValueError(f"{args.model_dir} holds a {type(model).__name__}, which has no ONNX export; ONNX "
                             "covers the classifiers nam, mlp and rulenet. " + (
                                 "Try --format pmml." if any(hasattr(model, k) for k in ("to_pmml", "to_scorecard", "ruleset_"))
                                 else "Instead, " + _instead(args.model_dir)))
        from ..rules.values import check_days_stored

        check_days_stored({"converted_from": model.encoder_.schema_.converted()}, args.days_stored,
                          "the ONNX graph's inputs are numbers (each such input's doc_string says days); "
                          "feed it those days")
        model.to_onnx(out)
        what = f"the {type(model).__name__}"
    print(f"wrote {what} ({args.format}) to {out}")
    return 0
