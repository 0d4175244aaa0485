"""The SymPy export keeps integer levels beyond 2**53 apart (a hostile pass, stop 65): it read
them as float64, where 2**60 and 2**60 + 1 are one value, so a rule on one merchant id fired
for its neighbours (118 of 400 decisions differed from the model's)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import sympy

from interpretable_nn.rules import Condition, Rule, RuleSet


def test_integer_levels_beyond_2_53_are_matched_exactly():
    rs = RuleSet([Rule((Condition("m", "==", 2**60 + 1),), 2.0), Rule((Condition("m", "in", [2**60, 2**60 + 2]),), -1.0),
                  Rule((Condition("x", "<=", 1.0),), 0.5), Rule((Condition("k", "==", 3),), 0.25)], intercept=0.1)
    X = pd.DataFrame({"m": np.array([2**60, 2**60 + 1, 2**60 + 2, 5], dtype=np.int64), "x": [0.0, 2.0, 1.0, np.nan],
                      "k": [3, 4, 3, 3]})
    f = sympy.lambdify(rs.sympy_symbols(), rs.to_sympy(), "numpy")
    got = np.asarray(f(*rs.sympy_inputs(X)), dtype=float)
    np.testing.assert_allclose(got, rs.decision_function(X), rtol=0, atol=1e-12)
    assert got[1] != got[0]
