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


def _store(tmp_path) -> Path:
    """A store with every kind of content: three models on two data sets, shape functions,
    a rule set, all three checks and a failed cell."""
    rng = np.random.default_rng(0)
    rs = RuleSet([Rule((Condition("Income", "<=", 1200.0), Condition("Home", "==", "rent")), 0.83, 0.2, 0.6),
                  Rule((Condition("Age", ">", 60.0),), -0.5, 0.1, 0.1)], intercept=-1.2,
                 feature_names=["Income", "Home", "Age"])
    store = ResultStore(tmp_path)
    v = np.linspace(0, 10, 50)
    for dataset in ("credit_data", "hmda"):
        for label, n_par, base in (("logreg", 30, 0.82), ("nam", 3000, 0.84), ("rulenet", 40, 0.80)):
            for seed in (0, 1):
                for fold in (0, 1):
                    art = {}
                    if label == "nam":
                        art["shape_functions"] = {
                            "Income": {"kind": "numeric", "value": v.tolist(), "contribution": (np.sin(v) + seed).tolist()},
                            "Home": {"kind": "categorical", "value": ["rent", "own"], "contribution": [0.3, -0.3]},
                        }
                    if label == "rulenet":
                        art["ruleset"] = rs.to_json(indent=None)
                    checks = {"crosscheck": {"status": "ok", "spearman_mean": 0.9}}
                    if dataset == "hmda":
                        checks["fairness"] = {"status": "ok", "attributes": {"afam": {
                            "demographic_parity_difference": 0.1 + 0.01 * fold, "demographic_parity_ratio": 0.9,
                            "equal_opportunity_difference": 0.05, "auc_gap": 0.02, "sensitive_share": 0.04}}}
                    store.record({
                        "cell_key": f"{dataset}-{label}-{seed}-{fold}", "status": "ok", "dataset": dataset,
                        "data_hash": "abc", "model": label, "label": label, "seed": seed, "fold": fold, "n_folds": 2,
                        "auc": base + rng.normal(0, 0.01), "log_loss": 0.45, "accuracy": 0.78, "fit_time": 1.0,
                        "cell_time": 1.1, "n_parameters": n_par, "n_rules": 2 if label == "rulenet" else None,
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
    assert p.tags.count("svg") == 4  # a Pareto plot and shape functions per data set
    assert not p.refs and "<script" not in text and "<link" not in text  # nothing to fetch
    assert not re.search(r"url\(\s*['\"]?(https?:)?//", text)
    for heading in ("credit_data", "hmda", "Shape functions", "Best rule set", "Surrogate fidelity",
                    "Explanation cross-check", "Fairness", "Failed cells (1)"):
        assert f">{heading}<" in text or f">{heading} " in text, heading
    assert "Income &lt;= 1200 AND Home == &#x27;rent&#x27;" in text  # the rule, escaped
    assert "&lt;bad&gt; &amp; broken" in text and "<bad>" not in text
    assert '<tr class="best"><td class="l">nam</td>' in text  # best AUC highlighted


def test_sections_appear_only_with_their_data(tmp_path):
    store = ResultStore(tmp_path)
    for fold in (0, 1):
        store.record({"cell_key": f"k{fold}", "status": "ok", "dataset": "d", "model": "logreg", "label": "logreg",
                      "seed": 0, "fold": fold, "auc": 0.8, "n_parameters": 10, "cell_time": 1.0})
    text = build_report(tmp_path)
    assert text.count("<svg") == 1
    for absent in ("Shape functions", "Best rule set", "Fairness", "Failed cells", "Surrogate fidelity"):
        assert absent not in text
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
    assert ax.get_title() == "hmda: accuracy vs complexity" and ax.get_xscale() == "log"
    assert {t.get_text() for t in ax.texts} == {"logreg", "nam", "rulenet"}
    fig.savefig(tmp_path / "p.png")
    assert (tmp_path / "p.png").stat().st_size > 1000
    with pytest.raises(ValueError, match="No cells for data set 'nope'"):
        pareto_figure(tmp_path, "nope")


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
        pytest.skip("Chromium not found (apt-get install chromium, or set CHROMIUM=/path/to/chrome): "
                    "the report's browser rendering check cannot run here")
    return CHROMIUM


def test_chromium_renders_the_report_without_errors(chromium, tmp_path):
    path = write_report(_store(tmp_path), tmp_path / "report.html")
    out = render(path)
    assert out["errors"] == []
    assert out["requests"] == [path.resolve().as_uri()]  # the file itself and nothing else
    svgs = out["page"]["svgs"]
    assert len(svgs) == 4 and all(w > 100 and h > 100 and n > 5 for w, h, n in svgs)
    assert "Best rule set" in out["page"]["h2"] and out["page"]["tables"] >= 6


def test_the_browser_check_sees_errors(chromium, tmp_path):
    """The rendering check can fail: a page with a script error and a remote image is caught."""
    bad = tmp_path / "bad.html"
    bad.write_text("<html><body><img src='http://192.0.2.1/x.png'><script>console.error('boom'); undefined_fn()"
                   "</script></body></html>")
    out = render(bad)
    assert len(out["errors"]) >= 2 and any("192.0.2.1" in u for u in out["requests"])
