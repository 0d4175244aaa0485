import shutil
import subprocess
import sys
from types import SimpleNamespace

import pandas as pd
import pytest

from interpretable_nn.cli import build_parser, main


def run(*args, cwd=None):
    """The CLI as a user runs it: a separate process."""
    return subprocess.run([sys.executable, "-m", "interpretable_nn.cli", *args], capture_output=True, text=True, cwd=cwd)


def run_inprocess(capsys, *args):
    """The same entry point in this process (fast): returncode, stdout, stderr."""
    try:
        rc = main(list(args))
    except SystemExit as exc:  # argparse --help / usage errors
        rc = exc.code
    out = capsys.readouterr()
    return SimpleNamespace(returncode=rc, stdout=out.out, stderr=out.err)


def test_console_script_is_installed():
    exe = shutil.which("interpretable-nn")
    assert exe, "the interpretable-nn console script is not on PATH; reinstall the package"
    r = subprocess.run([exe, "--help"], capture_output=True, text=True)
    assert r.returncode == 0 and "datasets" in r.stdout and "demo" in r.stdout


def test_help_everywhere(capsys):
    commands = [a.dest for a in build_parser()._subparsers._group_actions[0]._choices_actions]
    assert {"datasets", "models", "fit", "predict", "demo"} <= set(commands)
    for cmd in commands:
        r = run_inprocess(capsys, cmd, "--help")
        assert r.returncode == 0, (cmd, r.stderr)
        assert "usage" in r.stdout


@pytest.mark.parametrize("cmd", ["datasets"])
def test_subprocess_smoke(cmd):
    r = run(cmd)
    assert r.returncode == 0, r.stderr


def test_datasets_and_models(capsys):
    r = run_inprocess(capsys, "datasets")
    assert r.returncode == 0 and "credit_data" in r.stdout and "4454" in r.stdout
    r = run_inprocess(capsys, "models")
    assert r.returncode == 0 and "mlp" in r.stdout and "logreg" in r.stdout


def test_fit_then_predict(tmp_path, credit):
    r = run("fit", "mlp", "--dataset", "credit_data", "--out", str(tmp_path / "m"), "--param", "max_epochs=3", "--param", "verbose=0")
    assert r.returncode == 0, r.stderr
    assert "held-out AUC" in r.stdout
    inp = credit.X.head(25).assign(id=range(25))
    inp.to_csv(tmp_path / "in.csv", index=False)
    r = run("predict", str(tmp_path / "m"), "--input", str(tmp_path / "in.csv"), "--output", str(tmp_path / "out.csv"))
    assert r.returncode == 0, r.stderr
    out = pd.read_csv(tmp_path / "out.csv")
    assert list(out.columns) == ["id", "score", "probability", "prediction"]
    assert len(out) == 25 and out["probability"].between(0, 1).all()


def test_errors_are_one_line_messages(tmp_path, capsys):
    r = run_inprocess(capsys, "fit", "nosuchmodel", "--dataset", "credit_data")
    assert r.returncode == 1 and "Unknown model 'nosuchmodel'" in r.stderr and "Traceback" not in r.stderr
    r = run_inprocess(capsys, "predict", str(tmp_path), "--input", "x.csv")
    assert r.returncode == 1 and "manifest.json is missing" in r.stderr


def test_positive_class_reasons_and_distilled_rules(tmp_path, credit, capsys):
    """A "good"/"bad" target: fit warns without --positive-class and says which label the
    score is of; reasons take --adverse-class, --threshold and a reason map; a distill
    directory is scored and exported like a model."""
    df = credit.X.head(300).assign(Status=pd.Series(credit.y[:300]).map({0: "good", 1: "bad"}).to_numpy())
    df.to_csv(tmp_path / "train.csv", index=False)
    fit = ["fit", "nam", "--csv", str(tmp_path / "train.csv"), "--target", "Status", "--test-size", "0",
           "--param", "max_epochs=3", "--param", "n_bags=1", "--param", "interactions=0", "--param", "verbose=0"]
    with pytest.warns(UserWarning, match="positive class .* is 'good'"):
        r = run_inprocess(capsys, *fit)
    assert r.returncode == 0 and "log-odds of Status = good" in r.stdout
    r = run_inprocess(capsys, *fit, "--positive-class", "bad", "--out", str(tmp_path / "m"))
    assert r.returncode == 0 and "log-odds of Status = bad" in r.stdout, r.stderr
    r = run_inprocess(capsys, *fit, "--positive-class", "ugly")
    assert r.returncode == 1 and "'ugly' is not a label of 'Status'" in r.stderr
    apps = credit.X.iloc[300:340].assign(id=[f"A{i}" for i in range(40)])
    apps.to_csv(tmp_path / "apps.csv", index=False)
    pd.DataFrame({"reason": list(credit.X.columns), "code": [f"C{i}" for i in range(credit.X.shape[1])],
                  "statement": [f"about {c}" for c in credit.X.columns]}).to_csv(tmp_path / "map.csv", index=False)
    base = ["reasons", str(tmp_path / "m"), "--input", str(tmp_path / "apps.csv"), "--reference", "mean"]
    r = run_inprocess(capsys, *base, "--threshold", "0.5", "--reason-map", str(tmp_path / "map.csv"))
    assert r.returncode == 0 and "log-odds of Status = bad" in r.stderr, r.stderr
    bad = pd.read_csv(pd.io.common.StringIO(r.stdout))
    assert {"code", "statement"} <= set(bad.columns) and bad["code"].str.startswith("C").all()
    from interpretable_nn import load_model

    p_bad = load_model(tmp_path / "m").predict_proba(credit.X.iloc[300:340])[:, 1]
    assert set(bad["id"]) == {f"A{i}" for i in range(40) if p_bad[i] >= 0.5}
    r = run_inprocess(capsys, *base, "--threshold", "0.5", "--adverse-class", "good")
    good = pd.read_csv(pd.io.common.StringIO(r.stdout))
    assert "Status != bad" in r.stderr and set(good["id"]) == {f"A{i}" for i in range(40) if p_bad[i] < 0.5}
    # a distill directory: scored and exported like a model
    r = run_inprocess(capsys, "distill", str(tmp_path / "m"), "--csv", str(tmp_path / "train.csv"),
                      "--target", "Status", "--max-depth", "2", "--out", str(tmp_path / "d"))
    assert r.returncode == 0, r.stderr
    r = run_inprocess(capsys, "predict", str(tmp_path / "d"), "--input", str(tmp_path / "apps.csv"))
    assert r.returncode == 0 and r.stdout.startswith("id,score,probability,prediction"), r.stderr
    r = run_inprocess(capsys, "export-rules", str(tmp_path / "d"), "--format", "sql", "--dialect", "ansi",
                      "--id-column", "app_id", "--table", "apps")
    assert r.returncode == 0 and "app_id" in r.stdout and "apps" in r.stdout, r.stderr
    r = run_inprocess(capsys, "export-rules", str(tmp_path / "d"), "--format", "text", "--digits", "1")
    assert r.returncode == 0 and "points" in r.stdout
