"""Static WTA: MMR greedy vs greedy + local search, against the published bounds of Andersen, Pavlikov &
Toffolo (2022).

Reads every instance in ../shared/data/wta (never copied into the project) and, in the same run:

* ``greedy``       - iadsim.c2.mmr_greedy (maximal marginal return, best pair first);
* ``greedy + LS``  - the greedy's assignment improved by iadsim.c2.improve_by_reassignment (1-moves and
  2-swaps of single rounds until no move improves); the time is that of the local search alone;
* peer: ``Hungarian + LS`` - each round treated as its own weapon and given at most one per target by
  scipy's linear_sum_assignment on pk * V (iadsim.c2.hungarian_assign), then the same local search, which
  also places any rounds left over when rounds outnumber targets.

Objective: expected surviving value (minimise). Gap = (objective - best published UB) / best UB, where the
best UB / LB are taken over every approach in results.csv (LB = UB: proven optimum, marked ``opt``).
Times: best of 3 runs. Every objective is checked against the best published LB.
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np

from iadsim.c2 import hungarian_assign, improve_by_reassignment, mmr_greedy, read_published_bounds, read_wta_instance

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "wta"


def hungarian_seed(pk, value, mu):
    """One round per target at most: a linear assignment of rounds to targets on pk * V."""
    owner = np.repeat(np.arange(pk.shape[0]), mu)
    w, t = hungarian_assign(pk[owner] * value)
    x = np.zeros(pk.shape, dtype=np.int64)
    np.add.at(x, (owner[w], t), 1)
    return x


def timed(fn, *args, repeat=3):
    best, out = np.inf, None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn(*args)
        best = min(best, time.perf_counter() - t0)
    return out, best


def main() -> None:
    bounds = read_published_bounds(DATA / "results.csv")
    print("Static WTA, expected surviving value (lower is better); gap to the best published UB")
    header = f"{'instance':<15}{'best LB':>11}{'best UB':>11}{'':4}"
    header += f"{'greedy':>11}{'gap':>8}{'ms':>7}  {'greedy+LS':>11}{'gap':>8}{'ms':>7}  {'LS improved':>11}"
    print(header)
    print("-" * len(header))
    gaps_g, gaps_l, improved, peer = [], [], [], []
    for path in sorted(DATA.glob("wta_*.txt"), key=lambda p: [int(v) for v in p.stem[4:].split("x")]):
        inst = read_wta_instance(path)
        m, n = inst.pk.shape
        mu = int(inst.weapons_available[0])
        lb, ub = bounds[(m, n, mu)]
        (x_g, f_g), t_g = timed(mmr_greedy, *inst)
        (_, f_l), t_l = timed(improve_by_reassignment, x_g, *inst)
        x_h, t_h0 = timed(hungarian_seed, *inst)
        (_, f_h), t_h1 = timed(improve_by_reassignment, x_h, *inst)
        for f in (f_g, f_l, f_h):
            assert f >= lb * (1 - 1e-6), "below a published lower bound: objective is wrong"
        assert f_l <= f_g, "local search made the greedy worse"
        gap_g, gap_l = (f_g - ub) / ub, (f_l - ub) / ub
        gaps_g.append(gap_g)
        gaps_l.append(gap_l)
        improved.append(f_l < f_g)
        peer.append((path.stem, f_h, (f_h - ub) / ub, t_h0 + t_h1))
        opt = "opt" if lb >= ub * (1 - 1e-6) else ""
        print(
            f"{path.stem:<15}{lb:>11.4f}{ub:>11.4f}{opt:>4}{f_g:>11.4f}{gap_g:>8.2%}{1e3 * t_g:>7.1f}"
            f"  {f_l:>11.4f}{gap_l:>8.2%}{1e3 * t_l:>7.1f}  {'yes' if f_l < f_g else 'no':>11}"
        )
    print("-" * len(header))
    reduction = 100 * (np.array(gaps_g) - np.array(gaps_l))
    print(
        f"local search improved the greedy on {sum(improved)} of {len(improved)} instances; mean gap "
        f"{np.mean(gaps_g):.2%} -> {np.mean(gaps_l):.2%}, mean gap reduction {np.mean(reduction):.2f} "
        f"percentage points (min {np.min(reduction):.2f}, max {np.max(reduction):.2f})"
    )
    print()
    print("peer: Hungarian seed + the same local search")
    for name, f, gap, t in peer:
        print(f"{name:<15}{f:>11.4f}{gap:>8.2%}{1e3 * t:>7.1f} ms")
    print(f"mean gap Hungarian + LS {np.mean([p[2] for p in peer]):.2%}")


if __name__ == "__main__":
    main()
