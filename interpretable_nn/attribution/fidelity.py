"""The one check type every artefact carries: :class:`Fidelity`.

An explanation, a rule set, a scorecard and a surrogate tree each say how far to trust them
by comparing themselves with the model they came from. :class:`Fidelity` records that
comparison in one shape: *what* was compared (``compared``), on *which rows* (``rows``,
``n_rows``) and the *figures* (``figures``: name -> number). It is a read-only mapping over
its figures, so ``check["additivity_gap"]`` and ``dict(check)`` read the numbers directly,
and it round-trips through JSON (:meth:`to_dict` / :meth:`from_dict`) so the figure travels
with a saved artefact. Non-scalar material (e.g. a per-leaf table) goes in ``details``,
which is kept in memory but not written to JSON.

The study runner and the report find checks by type (``isinstance(x, Fidelity)``), never
by guessing key names.

Torch-free: rule sets and scorecards import it.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = ["Fidelity", "wilson_interval"]


def _json_number(v: Any) -> Any:
    """A figure as JSON can hold it: numbers as float/int (NaN/inf as None), text as is."""
    if isinstance(v, bool) or v is None or isinstance(v, str):
        return v
    try:
        f = float(v)
    except (TypeError, ValueError):
        return str(v)
    if isinstance(v, int) or (hasattr(v, "dtype") and getattr(v.dtype, "kind", "") in "iu"):
        return int(v)
    return f if math.isfinite(f) else None


def wilson_interval(k: float, n: float, z: float = 1.96) -> tuple[float, float]:
    """Wilson score interval of a proportion ``k / n`` (``z`` = 1.96: 95%): the interval to
    report with an agreement measured on ``n`` held-out rows. ``(nan, nan)`` when ``n == 0``.

    Unlike the normal approximation it stays inside [0, 1] and is not empty at ``k = n``.

    Examples
    --------
    >>> lo, hi = wilson_interval(90, 100)
    >>> round(lo, 4), round(hi, 4)
    (0.8256, 0.9448)
    >>> wilson_interval(10, 10)[1]
    1.0
    """
    if n < 0 or k < 0 or k > n:
        raise ValueError(f"wilson_interval needs 0 <= k <= n; got k={k}, n={n}.")
    if z <= 0:
        raise ValueError(f"z must be positive; got {z}.")
    if n == 0:
        return math.nan, math.nan
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return max(0.0, centre - half), min(1.0, centre + half)


@dataclass(frozen=True)
class Fidelity(Mapping):
    """How an artefact compares with the model it came from.

    Parameters
    ----------
    compared : str
        What was compared with what, e.g. ``"rule set vs network decisions"`` or
        ``"base_values + values.sum(1) vs decision_function"``.
    rows : str
        Which rows: ``"training"``, ``"held-out"``, ``"explained"``, ...
    n_rows : int
        How many rows the figures are computed on.
    figures : dict
        Name -> number (or short text), e.g. ``{"agreement": 0.97}``. The mapping interface
        of the object reads these.
    details : dict
        Extra in-memory material (tables); not part of :meth:`to_dict`.

    Examples
    --------
    >>> f = Fidelity("surrogate vs teacher decisions", "held-out", 300, {"agreement": 0.9})
    >>> f["agreement"], dict(f)
    (0.9, {'agreement': 0.9})
    >>> Fidelity.from_dict(f.to_dict()) == f
    True
    """

    compared: str = ""
    rows: str = ""
    n_rows: int = 0
    figures: dict[str, Any] = field(default_factory=dict)
    details: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    # mapping over the figures -------------------------------------------------
    def __getitem__(self, key: str) -> Any:
        return self.figures[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self.figures)

    def __len__(self) -> int:
        return len(self.figures)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Fidelity):
            return (self.compared, self.rows, int(self.n_rows), dict(self.figures)) == (
                other.compared,
                other.rows,
                int(other.n_rows),
                dict(other.figures),
            )
        if isinstance(other, Mapping):
            return dict(self.figures) == dict(other)
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]  (mutable figures)

    # JSON ---------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        """A JSON-safe dict (numbers as float/int, NaN as None); ``details`` left out."""
        return {
            "compared": self.compared,
            "rows": self.rows,
            "n_rows": int(self.n_rows),
            "figures": {str(k): _json_number(v) for k, v in self.figures.items()},
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Fidelity:
        """Inverse of :meth:`to_dict`. A plain figures dict (older files) is accepted too."""
        if isinstance(d, Fidelity):
            return d
        if "figures" in d:
            return cls(str(d.get("compared", "")), str(d.get("rows", "")), int(d.get("n_rows", 0) or 0), dict(d["figures"]))
        return cls(figures=dict(d))

    def with_figures(self, **figures: Any) -> Fidelity:
        """A copy with ``figures`` added or replaced."""
        return Fidelity(self.compared, self.rows, self.n_rows, {**self.figures, **figures}, dict(self.details))

    def summary(self) -> str:
        """One line a reader understands: what, on which rows, the figures."""
        nums = ", ".join(
            f"{k} {v:.4g}" if isinstance(v, float) else f"{k} {v}" for k, v in self.figures.items()
        )
        where = f" on {self.n_rows} {self.rows} rows" if self.rows else ""
        return f"{self.compared}{where}: {nums}" if self.compared else nums
