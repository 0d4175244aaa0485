"""The study report: one self-contained HTML file, checked as text and rendered in headless
Chromium (no console errors, no network, every plot drawn)."""

from __future__ import annotations

import fcntl
import json
import os
import re
import select
import shutil
import subprocess
import tempfile
import time
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from markupsafe import escape

from interpretable_nn.rules import Condition, Rule, RuleSet
from interpretable_nn.studies import ResultStore
from interpretable_nn.studies.report import (
    build_report,
    pareto_figure,
    pareto_front,
    summarize,
    write_report,
)

CHROMIUM = next((p for p in (os.environ.get("CHROMIUM"), shutil.which("chromium"), "/usr/bin/chromium",
                             shutil.which("chromium-browser"), shutil.which("google-chrome")) if p and os.path.exists(p)),
                None)


def _card():
    """A small hand-made scorecard (the Scorecard doctest's), checked on 900 rows."""
    from interpretable_nn.attribution.fidelity import Fidelity
    from interpretable_nn.rules.scorecard import Scorecard

    table = pd.DataFrame({
        "feature": ["(base)", "Income", "Income", "Income", "Home", "Home", "Income x Home", "Income x Home"],
        "kind": ["base", "numeric", "numeric", "numeric", "categorical", "categorical", "pair", "pair"],
        "points": [600.0, -20.0, 15.0, -5.0, 10.0, 0.0, 3.0, -4.0],
        "lower": [None, -np.inf, 1000.0, None, None, None, None, None],
        "upper": [None, 1000.0, np.inf, None, None, None, None, None],
        "missing": [False, False, False, True, False, False, False, False],
        "level": [None, None, None, None, "owner", "rent", None, None],
        "bin_id": [-1, 0, 1, 2, 0, 1, 0, 1], "bin_id_b": [-1, -1, -1, -1, -1, -1, 1, 0]})
    check = Fidelity("scorecard points vs model decision_function", "given", 900,
                     {"rows": 900, "max_score_error": 2.5, "mean_score_error": 0.4, "spearman": 0.995,
                      "auc_model": 0.80, "auc_scorecard": 0.797})
    return Scorecard(table, pdo=20, base_score=600, base_odds=50, check=check, metadata={"adverse_class": 1})


APPLICANTS = {"rows": [{"Income": 800.0, "Home": "rent", "Age": 30.0}, {"Income": None, "Home": "rent", "Age": 50.0}],
              "p_adverse": [0.71, 0.64], "declined_at": 0.5, "n_declined": 120, "n_rows": 900}


def _store(tmp_path) -> Path:
    """A store with every kind of content: three models on two data sets, shape functions
    with bands, density and a missing level, interactions (one negligible), a scorecard with
    declined applicants, a rule set, all three checks and a failed cell."""
    rng = np.random.default_rng(0)
    rs = RuleSet([Rule((Condition("Income", "<=", 1200.0), Condition("Home", "==", "rent")), 0.83, 0.2, 0.6),
                  Rule((Condition("Age", ">", 60.0),), -0.5, 0.1, 0.1)], intercept=-1.2,
                 feature_names=["Income", "Home", "Age"])
    store = ResultStore(tmp_path)
    v = np.linspace(0, 10, 50)
    card = _card().to_json(indent=None)
    for dataset in ("credit_data", "hmda"):
        for label, n_par, base in (("logreg", 30, 0.82), ("nam", 3000, 0.84), ("rulenet", 40, 0.80)):
            for seed in (0, 1):
                for fold in (0, 1):
                    art = {}
                    if label == "nam":
                        c = np.sin(v) + seed
                        art["shape_functions"] = {
                            "Home": {"kind": "categorical", "value": ["rent", "own"], "contribution": [0.3, -0.3],
                                     "importance": 0.3},
                            "Income": {"kind": "numeric", "value": v.tolist(), "contribution": c.tolist(),
                                       "lower": (c - 0.2).tolist(), "upper": (c + 0.2).tolist(),
                                       "density": np.exp(-v / 3).tolist(), "importance": 0.6,
                                       "missing": {"contribution": 0.5, "lower": 0.3, "upper": 0.7, "density": 0.1}},
                        }
                        grid = np.outer(np.linspace(-1, 1, 4), np.linspace(-1, 1, 3))
                        art["interactions"] = {
                            "Income x Home": {"a": "Income", "b": "Home", "a_values": [1.0, 2.0, 3.0, 4.0],
                                              "b_values": ["own", "rent", "other"], "contribution": grid.tolist(),
                                              "importance": 0.2},
                            "Income x Age": {"a": "Income", "b": "Age", "a_values": [1.0, 2.0],
                                             "b_values": [20.0, 60.0], "contribution": [[0.001, 0], [0, -0.001]],
                                             "importance": 0.0005},
                        }
                        art["output"] = "log-odds"
                        art["scorecard"] = card
                        if fold == 0:
                            art["applicants"] = APPLICANTS
                    if label == "rulenet":
                        art["ruleset"] = rs.to_json(indent=None)
                    checks = {"crosscheck": {"status": "ok", "spearman_mean": 0.9, "n_rows": 25, "spearman_sd": 0.1},
                              "surrogate": {"status": "ok", "agreement": 0.95 if label == "logreg" else 0.85,
                                            "n_rows": 500}}
                    if label == "nam":
                        checks["crosscheck"].update(additive=True, max_abs_diff=2e-7)
                    if dataset == "hmda":
                        checks["fairness"] = {"status": "ok", "attributes": {"afam": {
                            "demographic_parity_difference": 0.1 + 0.01 * fold, "demographic_parity_ratio": 0.9,
                            "equal_opportunity_difference": 0.05, "auc_gap": 0.02, "sensitive_share": 0.04}}}
                    auc = base + rng.normal(0, 0.01)
                    store.record({
                        "cell_key": f"{dataset}-{label}-{seed}-{fold}", "status": "ok", "dataset": dataset,
                        "data_hash": "abc", "model": label, "label": label, "seed": seed, "fold": fold, "n_folds": 2,
                        "auc": auc, "log_loss": 0.45, "accuracy": 0.78, "brier": 0.17, "ks": 0.4 + 0.1 * (label == "nam"),
                        "fit_time": 1.0, "cell_time": 1.1, "n_parameters": n_par,
                        "n_rules": 2 if label == "rulenet" else None, "n_terms": 3 if label != "rulenet" else None,
                        "surrogate_fidelity": 0.9, "crosscheck_agreement": 0.95 if label != "nam" else 1.0,
                        "library_version": "0.1.0", "details": {"artefacts": art, "checks": checks},
                    })
    store.record({"cell_key": "boom", "status": "failed", "dataset": "hmda", "model": "ebm", "label": "ebm",
                  "seed": 0, "fold": 0, "error": "ValueError: <bad> & broken\nTraceback ..."})
    return tmp_path


class _Tags(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags: list[str] = []
        self.refs: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.refs += [v for k, v in attrs if k in ("src", "href") and v]


def test_report_is_one_self_contained_file_with_every_section(tmp_path):
    path = write_report(_store(tmp_path), tmp_path / "report.html")
    text = path.read_text(encoding="utf-8")
    p = _Tags()
    p.feed(text)
    # per data set two Pareto plots and shape functions (+ interactions); one waterfall
    assert p.tags.count("svg") == 2 * 4 + 1
    assert not [r for r in p.refs if not r.startswith("#")] and "<script" not in text and "<link" not in text
    assert not re.search(r"url\(\s*['\"]?(https?:)?//", text)
    for heading in ("credit_data", "hmda", "Scorecard", "Shape functions", "Best rule set", "Checks", "Fairness",
                    "Failed cells (1)"):
        assert f">{heading}<" in text, heading
    assert "Income &lt;= 1200 AND Home == &#39;rent&#39;" in text  # the rule, escaped
    assert "&lt;bad&gt; &amp; broken" in text and "<bad>" not in text
    assert '<tr class="best"><td class="l">nam</td>' in text  # best AUC highlighted
    assert '"created_with"' not in text and "{&#34;" not in text  # no raw JSON at the bottom


def test_table_of_contents_links_every_section(tmp_path):
    text = build_report(_store(tmp_path))
    p = _Tags()
    p.feed(text)
    links = [r[1:] for r in p.refs if r.startswith("#")]
    ids = re.findall(r'<section id="([^"]+)">', text)
    assert links == ids and len(ids) == 2 + 6  # two data sets, then the six other sections
    assert text.index('<nav class="toc"') < text.index("<section")


def test_risk_figures_gini_and_ks_beside_auc(tmp_path):
    rows = summarize(_store(tmp_path))
    text = build_report(tmp_path)
    head = re.search(r"<thead><tr>(.*?)</tr></thead>", text).group(1)
    cols = re.findall(r"<th[^>]*>([^<]*)</th>", head)
    assert cols[:7] == ["model", "cells", "ROC AUC", "Gini", "KS", "Brier", "log-loss"]
    nam = rows[(rows["dataset"] == "credit_data") & (rows["label"] == "nam")].iloc[0]
    assert nam["gini_mean"] == pytest.approx(2 * nam["auc_mean"] - 1) and nam["ks_mean"] == pytest.approx(0.5)
    # an older store without KS still reads; Gini comes from the AUC
    store = ResultStore(tmp_path / "old")
    store.record({"cell_key": "k", "status": "ok", "dataset": "d", "model": "m", "label": "m", "seed": 0, "fold": 0,
                  "auc": 0.75, "brier": 0.2, "n_parameters": 3, "cell_time": 1.0})
    s = summarize(tmp_path / "old")
    assert s["gini_mean"].iloc[0] == pytest.approx(0.5) and "ks_mean" not in s
    assert ">KS<" not in build_report(tmp_path / "old")


def test_scorecard_reason_codes_and_waterfall(tmp_path):
    text = build_report(_store(tmp_path))
    card = _card()
    X = pd.DataFrame(APPLICANTS["rows"])
    reasons = card.reason_codes(X, k=4)
    for t in reasons["text"]:  # every reason the card gives, in the report
        assert str(escape(t)) in text, t
    scores = card.score(X)
    assert f"<td>{scores[0]:.0f}</td>" in text and f"<td>{scores[1]:.0f}</td>" in text
    assert "Reason codes of declined applicants" in text and "120 held-out applicants" in text
    assert "P(Status = bad) = 0.5 at 487 points" in text  # 600 - 20/ln2 * ln 50
    assert 'aria-label="waterfall"' in text and "cut-off 487" in text
    sc = text[text.index('<section id="scorecard">'):]
    sc = sc[:sc.index("</section>")]
    # features ranked by their range of points: Income (35) before Home (10)
    assert sc.index(">1. Income</th>") < sc.index(">2. Home</th>")
    assert "1 interactions (2 cells)" in sc


def test_shapes_by_importance_and_negligible_pairs_hidden(tmp_path):
    text = build_report(_store(tmp_path))
    sh = text[text.index('<section id="shapes">'):]
    assert sh.index("1. Income") < sh.index("2. Home")  # importance 0.6 before 0.3, not column order
    assert ">missing</text>" in sh  # the missing level, drawn beside the curve
    assert "1 negligible pairs hidden" in sh and "Income x Age." in sh
    assert sh.count("one scale for all panels") == 2  # one colour bar per data set's heat maps


def test_checks_are_named_explained_and_judged(tmp_path):
    text = build_report(_store(tmp_path))
    ck = text[text.index('<section id="checks">'):]
    ck = ck[:ck.index("</section>")]
    for name in ("surrogate agreement on held-out rows", "SHAP rank correlation", "additive explanation = SHAP",
                 "scorecard AUC lost", "scorecard rank correlation"):
        assert f"<dt>{name}</dt>" in ck, name
    assert "Threshold ≥ 0.90" in ck
    # logreg's tree agrees on 95% of 2,000 pooled rows (meets), the nam's on 85% (below)
    row = re.search(r'<td class="l">credit_data</td><td class="l">logreg</td><td class="l">surrogate agreement'
                    r'[^<]*</td><td>([^<]*)</td><td>([^<]*)</td><td>([^<]*)</td><td>([^<]*)</td>', ck)
    assert row.groups() == ("0.950 [0.940, 0.959]", "2,000 held-out (4 folds)", "≥ 0.90", "meets")
    assert re.search(r"<td class=\"l\">nam</td><td class=\"l\">surrogate agreement[^<]*</td><td>0.850[^<]*</td>"
                     r"<td>[^<]*</td><td>[^<]*</td><td>below threshold</td>", ck)
    assert "<td>0.900 ± 0.020</td>" in ck  # 0.9 ± 1.96 * 0.1 / sqrt(100)
    assert "<td>-0.0030 (0.8000 → 0.7970)</td>" not in ck and "+0.0030 (0.8000 → 0.7970)" in ck


def test_sections_appear_only_with_their_data(tmp_path):
    store = ResultStore(tmp_path)
    for fold in (0, 1):
        store.record({"cell_key": f"k{fold}", "status": "ok", "dataset": "d", "model": "logreg", "label": "logreg",
                      "seed": 0, "fold": fold, "auc": 0.8, "n_parameters": 10, "cell_time": 1.0})
    text = build_report(tmp_path)
    assert text.count("<svg") == 1  # no readable size: the parameters view only
    for absent in ("Shape functions", "Best rule set", "Fairness", "Failed cells", "Checks", "Scorecard"):
        assert f">{absent}<" not in text
    with pytest.raises(ValueError, match="complexity must be one of"):
        build_report(tmp_path, complexity="beauty")
    with pytest.raises(ValueError, match="no cells"):
        build_report(ResultStore(tmp_path / "empty").path)


def test_rule_set_section_shows_the_check_it_carries(tmp_path):
    from interpretable_nn.attribution.fidelity import Fidelity

    check = Fidelity("rule set vs network decisions", "training", 200, {"agreement": 0.97})
    rs = RuleSet([Rule((Condition("a", ">", 0.0),), 1.0)], feature_names=["a"], metadata={"fidelity": check})
    old = RuleSet([Rule((Condition("a", ">", 0.0),), 1.0)], feature_names=["a"], metadata={"fidelity": {"agreement": 0.9}})
    store = ResultStore(tmp_path)
    for k, (dataset, r) in enumerate((("d", rs), ("e", old))):
        store.record({"cell_key": f"k{k}", "status": "ok", "dataset": dataset, "model": "rulenet", "label": "rulenet",
                      "seed": 0, "fold": 0, "auc": 0.8, "n_parameters": 3, "cell_time": 1.0,
                      "details": {"artefacts": {"ruleset": r.to_json(indent=None)}}})
    text = build_report(tmp_path)
    assert "Check: rule set vs network decisions on 200 training rows: agreement 0.97." in text
    assert "Check: agreement 0.9." in text  # a plain dict of figures (an older file) reads too


def test_pareto_figure_for_a_readme(tmp_path):
    fig = pareto_figure(_store(tmp_path), "hmda", complexity="n_parameters")
    ax = fig.axes[0]
    assert ax.get_title() == "hmda: accuracy vs complexity (parameters)" and ax.get_xscale() == "log"
    assert {t.get_text() for t in ax.texts} == {"logreg", "nam", "rulenet"}
    ax = pareto_figure(tmp_path, "hmda", complexity="readable").axes[0]  # what a reviewer reads
    assert {t.get_text() for t in ax.texts} == {"logreg (3 terms)", "nam (3 terms)", "rulenet (2 rules)"}
    assert "rules, prototypes or terms" in ax.get_xlabel()
    fig.savefig(tmp_path / "p.png")
    assert (tmp_path / "p.png").stat().st_size > 1000
    with pytest.raises(ValueError, match="No cells for data set 'nope'"):
        pareto_figure(tmp_path, "nope")


def test_a_study_mixing_classification_and_regression_heads_each_data_set_by_its_own_score(tmp_path):
    """ROC AUC heads a classification set and R² a regression set of the same store; one
    score for the whole study left the regression set without a best model and a plot."""
    store = ResultStore(tmp_path)
    for dataset, task in (("loans", "classification"), ("amounts", "regression")):
        for label, size, quality in (("small", 3, 0.6), ("big", 30, 0.8)):
            for fold in (0, 1):
                scores = ({"auc": quality + 0.01 * fold, "brier": 0.2} if task == "classification"
                          else {"r2": quality - 0.01 * fold, "rmse": 1 - quality})
                store.record({"cell_key": f"{dataset}-{label}-{fold}", "status": "ok", "dataset": dataset,
                              "model": label, "label": label, "seed": 0, "fold": fold, "n_folds": 2, "task": task,
                              "n_parameters": size, "n_terms": size, "cell_time": 1.0, **scores})
    text = build_report(tmp_path)
    assert "primary score: ROC AUC, R²" in text
    assert re.search(r"R² on held-out folds, mean ± std over cells; best: big\.", text)
    assert re.search(r"ROC AUC on held-out folds, mean ± std over cells; best: big\.", text)
    assert 'id="pareto-amounts' in text or "pareto-amounts" in text
    ax = pareto_figure(tmp_path, "amounts", complexity="n_parameters").axes[0]
    assert {t.get_text() for t in ax.texts} == {"small", "big"}
    assert len(ax.lines) + len(ax.collections) > 0


def test_summary_and_pareto_front():
    rows = pd.DataFrame({"dataset": ["d"] * 4, "label": ["a", "a", "b", "b"], "status": ["ok"] * 4,
                         "auc": [0.8, 0.9, 0.7, 0.7], "n_parameters": [10, 10, 2, 2]})
    s = summarize(rows).set_index("label")
    assert s.loc["a", "auc_mean"] == pytest.approx(0.85) and s.loc["a", "auc_std"] == pytest.approx(np.std([0.8, 0.9], ddof=1))
    assert s.loc["b", "cells"] == 2 and s.loc["b", "failed"] == 0
    # lower x and higher y win; a point beaten on both axes is off the front
    assert pareto_front(np.array([2, 10, 5]), np.array([0.7, 0.85, 0.6])).tolist() == [0, 1]
    assert pareto_front(np.array([1.0, np.nan]), np.array([0.5, 0.9])).tolist() == [0]
    assert pareto_front(np.array([1, 2]), np.array([0.5, 0.4]), higher_is_better=False).tolist() == [0, 1]


# ---------------------------------------------------------------------- headless Chromium
class _Chromium:
    """A minimal DevTools-protocol client over ``--remote-debugging-pipe`` (stdlib only)."""

    def __init__(self, binary: str):
        self.profile = tempfile.mkdtemp(prefix="inn-chromium-")
        to_chrome_r, self._w = os.pipe()
        self._r, from_chrome_w = os.pipe()
        # fds 3 and 4 in the child; dup above 100 first so dup2 never meets itself
        a = fcntl.fcntl(to_chrome_r, fcntl.F_DUPFD_CLOEXEC, 100)
        b = fcntl.fcntl(from_chrome_w, fcntl.F_DUPFD_CLOEXEC, 100)

        def child():
            os.dup2(a, 3)
            os.dup2(b, 4)

        flags = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 f"--user-data-dir={self.profile}", "--remote-debugging-pipe", "about:blank"]
        self.proc = subprocess.Popen([binary, *flags], preexec_fn=child, close_fds=False,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for fd in (to_chrome_r, from_chrome_w, a, b):
            os.close(fd)
        self._buf, self._id, self.events = b"", 0, []

    def send(self, method: str, params: dict | None = None, session: str | None = None, timeout: float = 30):
        self._id += 1
        msg = {"id": self._id, "method": method, "params": params or {}}
        if session:
            msg["sessionId"] = session
        os.write(self._w, json.dumps(msg).encode() + b"\0")
        while True:
            m = self.recv(timeout)
            if m.get("id") == self._id:
                if "error" in m:
                    raise RuntimeError(f"{method}: {m['error']}")
                return m.get("result", {})
            self.events.append(m)

    def recv(self, timeout: float) -> dict:
        end = time.time() + timeout
        while b"\0" not in self._buf:
            ready, _, _ = select.select([self._r], [], [], max(0.0, end - time.time()))
            if not ready:
                raise TimeoutError("Chromium did not answer")
            chunk = os.read(self._r, 1 << 16)
            if not chunk:
                raise EOFError("Chromium closed the pipe")
            self._buf += chunk
        msg, self._buf = self._buf.split(b"\0", 1)
        return json.loads(msg)

    def wait_for(self, method: str, timeout: float = 30) -> None:
        end = time.time() + timeout
        while not any(e.get("method") == method for e in self.events):
            self.events.append(self.recv(max(0.1, end - time.time())))

    def close(self) -> None:
        try:
            self.send("Browser.close", timeout=5)
        except Exception:  # noqa: BLE001 - it may already be gone
            pass
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        shutil.rmtree(self.profile, ignore_errors=True)


def render(path: Path) -> dict:
    """Open ``path`` in headless Chromium; return console errors, exceptions, requests and
    what the page drew."""
    chrome = _Chromium(CHROMIUM)
    try:
        target = chrome.send("Target.createTarget", {"url": "about:blank"})["targetId"]
        sid = chrome.send("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        for domain in ("Runtime", "Log", "Page", "Network"):
            chrome.send(f"{domain}.enable", session=sid)
        chrome.send("Page.navigate", {"url": path.resolve().as_uri()}, session=sid)
        chrome.wait_for("Page.loadEventFired")
        js = ("JSON.stringify({svgs: [...document.querySelectorAll('svg.plot')].map(s => {"
              "const r = s.getBoundingClientRect(); return [r.width, r.height, s.querySelectorAll('path').length]}),"
              "h2: [...document.querySelectorAll('h2')].map(h => h.textContent),"
              "tables: document.querySelectorAll('table').length})")
        page = json.loads(chrome.send("Runtime.evaluate", {"expression": js, "returnByValue": True},
                                      session=sid)["result"]["value"])
        time.sleep(0.3)  # let late log entries arrive
        events = chrome.events
    finally:
        chrome.close()
    params = [(e.get("method"), e.get("params", {})) for e in events]
    return {
        "page": page,
        "errors": [p for m, p in params if m == "Runtime.consoleAPICalled" and p.get("type") in ("error", "assert")]
        + [p for m, p in params if m == "Runtime.exceptionThrown"]
        + [p for m, p in params if m == "Log.entryAdded" and p.get("entry", {}).get("level") == "error"],
        "requests": [p["request"]["url"] for m, p in params if m == "Network.requestWillBeSent"],
    }


@pytest.fixture(scope="module")
def chromium():
    if CHROMIUM is None:
        if os.environ.get("INN_REQUIRE_CHROMIUM") == "1" or os.environ.get("CI", "").lower() in ("1", "true"):
            pytest.fail("Chromium not found, and INN_REQUIRE_CHROMIUM=1 / CI=1 (set by .ci/run) forbid "
                        "skipping the report's browser check: install chromium or set CHROMIUM=/path/to/chrome")
        pytest.skip("Chromium not found (apt-get install chromium, or set CHROMIUM=/path/to/chrome): "
                    "the report's browser rendering check cannot run here")
    return CHROMIUM


def test_chromium_renders_the_report_without_errors(chromium, tmp_path):
    path = write_report(_store(tmp_path), tmp_path / "report.html")
    out = render(path)
    assert out["errors"] == []
    assert out["requests"] == [path.resolve().as_uri()]  # the file itself and nothing else
    svgs = out["page"]["svgs"]
    assert len(svgs) == 9 and all(w > 100 and h > 100 and n > 5 for w, h, n in svgs)
    assert "Best rule set" in out["page"]["h2"] and out["page"]["tables"] >= 10


def test_the_browser_check_sees_errors(chromium, tmp_path):
    """The rendering check can fail: a page with a script error and a remote image is caught."""
    bad = tmp_path / "bad.html"
    bad.write_text("<html><body><img src='http://192.0.2.1/x.png'><script>console.error('boom'); undefined_fn()"
                   "</script></body></html>")
    out = render(bad)
    assert len(out["errors"]) >= 2 and any("192.0.2.1" in u for u in out["requests"])


# ---------------------------------------------------------------------- what a cell stores
def test_cell_stores_ks_and_the_artefacts_the_report_draws(small_credit):
    """KS from the cell equals scipy's two-sample KS of the scores; a NAM's artefacts hold
    ranked shapes with band, density and missing level, interactions, a scorecard checked on
    the held-out rows and declined held-out applicants."""
    from scipy.stats import ks_2samp

    from interpretable_nn import NAMClassifier
    from interpretable_nn.studies.artefacts import model_artefacts
    from interpretable_nn.studies.cell import _scores

    X, y, Xt, yt = small_credit
    m = NAMClassifier(max_epochs=3, interactions=2, n_bags=2, random_state=0, verbose=0).fit(X, y)
    s = _scores(m, Xt, yt)
    p = m.predict_proba(Xt)[:, 1]
    assert s["ks"] == pytest.approx(ks_2samp(p[yt == 1], p[yt == 0]).statistic)
    art = model_artefacts(m, Xt, yt, seed=0)
    assert set(art) >= {"shape_functions", "interactions", "output", "scorecard", "applicants"}
    terms = m.predict_terms(Xt)
    imp = np.abs(terms - terms.mean(0)).mean(0)
    for name, d in art["shape_functions"].items():
        assert d["importance"] == pytest.approx(imp[m.terms_.index(name)])
        assert len(d["lower"]) == len(d["upper"]) == len(d["density"]) == len(d["value"])
    assert any(d["missing"] is not None for d in art["shape_functions"].values())  # credit_data has NaN
    assert len(art["interactions"]) == 2 and all(len(g["contribution"]) == len(g["a_values"])
                                                  for g in art["interactions"].values())
    from interpretable_nn.rules.scorecard import Scorecard

    card = Scorecard.from_json(art["scorecard"])
    assert card.check.n_rows == len(Xt) and card.check.rows == "given"
    app = art["applicants"]
    assert app["n_rows"] == len(Xt) and app["n_declined"] == int((p > 0.5).sum())
    assert all(q > 0.5 for q in app["p_adverse"]) and 1 <= len(app["rows"]) <= 4
    rows = pd.DataFrame(app["rows"])
    assert np.allclose(m.predict_proba(rows.astype(Xt.dtypes.to_dict()))[:, 1], app["p_adverse"])


def test_errors_in_the_target_units_keep_four_significant_digits():
    """RMSE 1.12 and 0.87 were both written "1 ± 0" (0 decimals for any metric not listed)."""
    from interpretable_nn.studies.report import _digits

    assert [_digits("rmse", v) for v in (1.12, 0.87, 1234.5, 0.0123)] == [3, 4, 0, 5]
    assert _digits("mae", float("nan")) == 4 and _digits("auc", 0.7) == 4 and _digits("fit_time", 3.0) == 2
