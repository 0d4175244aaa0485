"""Epoch time of the NAM feature networks: a per-feature ``nn.ModuleList`` loop (the reference
NAM implementations' design) vs stacked weights on the rows vs stacked weights on the knot
grid (this library), at 10, 50 and 200 features; then epoch time vs rows up to 1,000,000.

All three variants train the same networks (hidden sizes below) through the library's one
training loop (:func:`interpretable_nn.training.engine.train`) with the same batch size, so
the difference is the forward/backward design alone.

Usage::

    python benchmarks/nam_speed.py            # CPU, a few minutes
    python benchmarks/nam_speed.py --full     # more epochs, up to 1,000,000 rows x 3 repeats
    python benchmarks/nam_speed.py --device cuda

Writes ``benchmarks/results/nam_speed.csv`` and ``nam_speed.json``.
"""

from __future__ import annotations

import argparse
import json
import platform
import time
from pathlib import Path

import numpy as np
import pandas as pd
import torch
from torch import nn

from interpretable_nn.models.nam.layout import TermLayout, knot_levels
from interpretable_nn.nn.feature_nets import FeatureNets, MainEffectNet
from interpretable_nn.training.engine import TrainConfig, resolve_device, train

RESULTS = Path(__file__).parent / "results"


class LoopNAM(nn.Module):
    """Reference design: one ``nn.Sequential`` per feature, called in a Python loop."""

    def __init__(self, n_features: int, hidden: tuple[int, ...]):
        super().__init__()
        nets = []
        for _ in range(n_features):
            layers, d = [], 1
            for h in hidden:
                layers += [nn.Linear(d, h), nn.ReLU()]
                d = h
            layers.append(nn.Linear(d, 1))
            nets.append(nn.Sequential(*layers))
        self.nets = nn.ModuleList(nets)
        self.bias = nn.Parameter(torch.zeros(1))

    def forward(self, x):
        return self.bias + sum(net(x[:, j : j + 1]) for j, net in enumerate(self.nets)).squeeze(-1)


class StackedRowsNAM(nn.Module):
    """Stacked weights (one batched program) evaluated on every row: O(rows x features)."""

    def __init__(self, n_features: int, hidden: tuple[int, ...]):
        super().__init__()
        self.nets = FeatureNets(n_features, hidden)
        self.bias = nn.Parameter(torch.zeros(1))

    def forward(self, x):
        return self.bias + self.nets(x.T.contiguous()).sum(0)


def _data(n: int, f: int, seed: int = 0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, f)).astype(np.float32)
    logit = np.sin(x[:, : min(f, 5)]).sum(1) + 0.3 * x[:, min(f, 5) :].sum(1) * 0.1
    y = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(np.int64)
    return x, y


def _knot_inputs(x: np.ndarray, max_knots: int):
    """Knot grid (equal-mass bin centres plus tail knots, as the NAM's layout builds it) and
    the rows' (lo, w) reads."""
    levels = knot_levels(max_knots, len(x))
    qs = [np.unique(np.quantile(x[:, j], levels)).tolist() for j in range(x.shape[1])]
    lay = TermLayout(
        names=[f"x{j}" for j in range(x.shape[1])], is_numeric=[True] * x.shape[1], col=list(range(x.shape[1])),
        knots=qs, cat_sizes=[], monotone=[0] * x.shape[1], pair_knots=[[0] for _ in qs],
    )
    lo, w = lay._interp_index(x, np.zeros_like(x, dtype=bool), qs)
    lo = lo + lay.main_offsets()[None, :]
    return lay, torch.from_numpy(lo), torch.from_numpy(w)


THREADS = 1


def _epoch_seconds(module, inputs, y, batch, epochs, device) -> float:
    cfg = TrainConfig(max_epochs=epochs, batch_size=batch, lr=1e-3, validation_fraction=0.0, verbose=0,
                      device=device, random_state=0, schedule="constant", num_threads=THREADS)
    res = train(module, inputs, torch.from_numpy(y), "binary", cfg)
    sec = res.history["seconds"].to_numpy()
    return float(np.median(sec[1:] if len(sec) > 1 else sec))  # the first epoch warms up


def run_features(features, n_rows, hidden, batch, epochs, max_knots, device) -> list[dict]:
    rows = []
    print(f"batch {batch or 'full'}, knots per feature: {max_knots} bins + tails")
    for f in features:
        x, y = _data(n_rows, f)
        torch.manual_seed(0)
        t_loop = _epoch_seconds(LoopNAM(f, hidden), (torch.from_numpy(x),), y, batch, epochs, device)
        t_rows = _epoch_seconds(StackedRowsNAM(f, hidden), (torch.from_numpy(x),), y, batch, epochs, device)
        lay, lo, w = _knot_inputs(x, max_knots)
        knots = torch.from_numpy(lay.padded_knots())
        grid = MainEffectNet(knots, torch.zeros(f), 0, n_bags=1, hidden_sizes=hidden)
        t_grid = _epoch_seconds(grid, (lo, w), y, batch, epochs, device)
        rows.append({"benchmark": "features", "features": f, "rows": n_rows, "batch": batch or "full",
                     "max_knots": max_knots, "knots": lay.n_knots,
                     "loop_s": t_loop, "stacked_rows_s": t_rows, "knot_grid_s": t_grid,
                     "speedup_stacked_rows": t_loop / t_rows, "speedup_knot_grid": t_loop / t_grid})
        print(f"features {f:4d}: loop {t_loop * 1000:9.1f} ms/epoch | stacked rows {t_rows * 1000:8.1f} ms "
              f"({t_loop / t_rows:5.1f}x) | knot grid {t_grid * 1000:7.1f} ms ({t_loop / t_grid:6.1f}x)", flush=True)
    return rows


def run_rows(sizes, f, hidden, epochs, max_knots, device, repeats) -> list[dict]:
    out = []
    for n in sizes:
        x, y = _data(n, f)
        lay, lo, w = _knot_inputs(x, max_knots)
        times = []
        for r in range(repeats):
            torch.manual_seed(r)
            grid = MainEffectNet(torch.from_numpy(lay.padded_knots()), torch.zeros(f), 0, n_bags=1, hidden_sizes=hidden)
            times.append(_epoch_seconds(grid, (lo, w), y, None, epochs, device))
        t = float(np.median(times))
        out.append({"benchmark": "rows", "features": f, "rows": n, "batch": "full", "max_knots": max_knots,
                    "knots": lay.n_knots, "knot_grid_s": t,
                    "us_per_row": 1e6 * t / n})
        print(f"rows {n:9,d}: {t * 1000:9.1f} ms/epoch (full batch)  {1e6 * t / n:6.3f} us/row", flush=True)
    return out


def main(argv=None) -> pd.DataFrame:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--full", action="store_true", help="more epochs and repeats")
    ap.add_argument("--device", default="cpu", help="cpu (default), cuda or auto")
    ap.add_argument("--threads", type=int, default=1, help="torch CPU threads for every variant (default 1)")
    ap.add_argument("--max-knots", type=int, default=16, help="the NAM's max_knots (default 16, its default)")
    ap.add_argument("--out", default=str(RESULTS))
    args = ap.parse_args(argv)
    global THREADS
    THREADS = args.threads
    device = str(resolve_device(args.device))
    hidden = (64, 64, 32)  # the probe: 64-64-32 networks, batch 1024, 10,000 rows
    epochs = 6 if args.full else 3
    print(f"device {device}, torch threads {THREADS}, nets {hidden}, 10,000 rows")
    rows = run_features([10, 50, 200], 10_000, hidden, 1024, epochs, args.max_knots, device)  # the probe
    rows += run_features([10, 50, 200], 10_000, hidden, None, epochs, args.max_knots, device)  # the NAM's default
    if args.full:
        rows += run_features([50], 10_000, hidden, 1024, epochs, 256, device)  # the 256 knots
    sizes = [10_000, 100_000, 1_000_000]
    print("epoch time vs rows (10 features, knot grid, full batch):")
    rows += run_rows(sizes, 10, hidden, epochs, args.max_knots, device, 3 if args.full else 1)
    df = pd.DataFrame(rows)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    df.to_csv(out / "nam_speed.csv", index=False)
    meta = {"device": device, "threads": THREADS, "torch": torch.__version__,
            "machine": platform.machine(), "hidden": list(hidden), "epochs": epochs,
            "time": time.strftime("%Y-%m-%d %H:%M:%S")}
    (out / "nam_speed.json").write_text(json.dumps({"meta": meta, "rows": rows}, indent=1))
    print(f"wrote {out / 'nam_speed.csv'}")
    return df


if __name__ == "__main__":
    import _provenance  # benchmarks/_provenance.py: record the commit of every results file written

    _provenance.watch()
    main()
