"""A rule set's JSON with edited fidelity metadata is refused, not carried (a hostile pass, stop
65: "agreement": 7, "n_rows": -5 and a fidelity that was the string "perfect" loaded)."""

from __future__ import annotations

import json

import pytest

from interpretable_nn.rules import Condition, Rule, RuleSet


@pytest.mark.parametrize("fidelity, match", [
    ({"compared": "x", "rows": "r", "n_rows": 5, "figures": {"agreement": 7}}, "share"),
    ({"compared": "x", "rows": "r", "n_rows": -5, "figures": {}}, "n_rows"),
    ({"compared": "x", "rows": "r", "n_rows": 5, "figures": {"agreement": "high"}}, "share"),
    ({"compared": "x", "rows": "r", "n_rows": 5, "figures": {"r2": [1]}}, "a number, a flag"),
    ("perfect", "must be an object"),
])
def test_edited_fidelity_metadata_is_refused(fidelity, match):
    doc = json.loads(RuleSet([Rule((Condition("a", ">", 1.0),), 1.0)], intercept=0.0).to_json())
    doc["metadata"] = {"fidelity": fidelity}
    with pytest.raises(ValueError, match=match):
        RuleSet.from_json(json.dumps(doc))


def test_a_written_fidelity_reads_back():
    from interpretable_nn.attribution.fidelity import Fidelity

    f = Fidelity("surrogate vs teacher", "test", 40, {"agreement": 0.95, "r2": -0.1, "target_reached": True})
    rs = RuleSet([Rule((Condition("a", ">", 1.0),), 1.0)], intercept=0.0, metadata={"fidelity": f})
    assert RuleSet.from_json(rs.to_json()).metadata["fidelity"] == f
