"""The fitted state of a NAM besides its tables: the term layout, bag count, data masses,
pair ranking and the background rows (what a saved model keeps as JSON)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ...data.schema import FeatureSchema, to_json_value
from .layout import TermLayout

__all__ = ["NAMState"]


@dataclass
class NAMState:
    """A fitted NAM's state besides its tables (what is saved as JSON)."""

    layout: TermLayout
    n_bags: int
    main_mass: np.ndarray
    pair_mass: np.ndarray
    pair_scores: pd.DataFrame
    background: pd.DataFrame
    background_y: np.ndarray

    def to_dict(self) -> dict:
        """JSON-safe (the ``extra`` state of a saved model)."""
        bg = self.background
        return {
            "n_bags": int(self.n_bags),
            "layout": self.layout.to_dict(),
            "main_mass": self.main_mass.tolist(),
            "pair_mass": self.pair_mass.tolist(),
            "pair_scores": {
                "pair": self.pair_scores["pair"].tolist(),
                "score": [float(s) for s in self.pair_scores["score"]],
                "selected": [bool(s) for s in self.pair_scores["selected"]],
            },
            "background": {
                c: [None if pd.isna(v) else to_json_value(v) for v in bg[c].tolist()] for c in bg.columns
            },
            "background_y": [to_json_value(v) for v in self.background_y.tolist()],
        }

    @classmethod
    def from_dict(cls, d: dict, schema: FeatureSchema, regression: bool) -> NAMState:
        """Inverse of :meth:`to_dict`; the background's columns typed by ``schema``."""
        bg = {}
        for f in schema:
            vals = d["background"][f.name]
            if f.is_numeric:
                bg[f.name] = np.array([np.nan if v is None else v for v in vals], dtype=float)
            else:
                bg[f.name] = pd.Series([np.nan if v is None else v for v in vals], dtype=object)
        yb = d["background_y"]
        return cls(
            layout=TermLayout.from_dict(d["layout"]),
            n_bags=int(d["n_bags"]),
            main_mass=np.asarray(d["main_mass"], dtype=float),
            pair_mass=np.asarray(d["pair_mass"], dtype=float),
            pair_scores=pd.DataFrame(d["pair_scores"]),
            background=pd.DataFrame(bg)[schema.names],
            background_y=np.array(yb, dtype=float) if regression else np.array(yb),
        )
