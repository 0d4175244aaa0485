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
