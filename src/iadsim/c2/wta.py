"""Weapon-target assignment (WTA): one-to-one optimal assignment and the static WTA problem.

Static WTA (Manne 1958): weapons ``i`` with ``mu_i`` rounds each, targets ``j`` with value ``V_j``, kill
probability ``p_ij`` of one round of weapon ``i`` against target ``j``; choose integer rounds
``x_ij >= 0`` with ``sum_j x_ij <= mu_i`` to *minimise the expected surviving value*

    F(x) = sum_j V_j prod_i (1 - p_ij) ** x_ij.

An assignment is given either as a rounds matrix ``x`` of shape ``(n_weapons, n_targets)`` (integers), or,
when every weapon fires at most once, as a vector ``weapon -> target`` with -1 for "not assigned".

References
----------
A. S. Manne, "A target-assignment problem", Operations Research 6(3):346-351, 1958.
G. G. den Broeder, R. E. Ellison, L. Emerling, "On optimum target assignments", Operations Research
7(3):322-326, 1959.
R. K. Ahuja, A. Kumar, K. C. Jha, J. B. Orlin, "Exact and heuristic algorithms for the weapon-target
assignment problem", Operations Research 55(6):1136-1146, 2007.
A. C. Andersen, K. Pavlikov, T. A. M. Toffolo, "Weapon-target assignment problem: exact and approximate
solution algorithms", Annals of Operations Research, 2022, doi:10.1007/s10479-022-04525-6.
"""

from __future__ import annotations

import csv
import itertools
from pathlib import Path
from typing import NamedTuple

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.optimize import linear_sum_assignment

__all__ = [
    "WTAInstance",
    "brute_force",
    "expected_survival_value",
    "hungarian_assign",
    "improve_by_reassignment",
    "mmr_greedy",
    "read_wta_instance",
    "weapon_targets",
]


def hungarian_assign(value: ArrayLike) -> tuple[NDArray[np.intp], NDArray[np.intp]]:
    """Optimal one-to-one assignment maximising the total value.

    Each weapon gets at most one target and each target at most one weapon; a pair is used only if it
    is allowed and its value is not negative (leaving a weapon idle is always possible), so the result
    maximises ``sum value[i, j]`` over all partial one-to-one assignments.

    Parameters
    ----------
    value : array_like, shape ``(n_weapons, n_targets)``
        Value of assigning weapon ``i`` to target ``j`` (e.g. ``pk * target_value``); rectangular
        allowed. ``-inf`` or NaN marks a forbidden pair.

    Returns
    -------
    weapon_index, target_index : ndarray of int
        The assigned pairs (forbidden and negative-value pairs excluded), by ascending weapon.

    References
    ----------
    H. W. Kuhn, "The Hungarian method for the assignment problem", Naval Research Logistics Quarterly
    2:83-97, 1955; solved with :func:`scipy.optimize.linear_sum_assignment` (Crouse 2016).
    """
    value = np.asarray(value, dtype=float)
    if value.ndim != 2:
        raise ValueError(f"value must be 2-D (n_weapons, n_targets), got shape {value.shape}")
    usable = np.isfinite(value) & (value >= 0.0)
    if value.size == 0 or not usable.any():
        empty = np.empty(0, dtype=np.intp)
        return empty, empty.copy()
    # Unusable pairs are worth 0, i.e. the same as leaving both idle; they are dropped afterwards.
    weights = np.where(usable, value, 0.0)
    rows, cols = linear_sum_assignment(weights, maximize=True)
    keep = usable[rows, cols]
    return rows[keep].astype(np.intp), cols[keep].astype(np.intp)


def _as_rounds(assignment: ArrayLike, n_targets: int) -> NDArray[np.int64]:
    a = np.asarray(assignment)
    if a.ndim == 2:
        return a.astype(np.int64)
    rounds = np.zeros((a.size, n_targets), dtype=np.int64)
    used = a >= 0
    rounds[np.flatnonzero(used), a[used]] = 1
    return rounds


def expected_survival_value(assignment: ArrayLike, pk: ArrayLike, target_value: ArrayLike) -> float:
    """Static-WTA objective: expected total value of the targets that survive.

    Parameters
    ----------
    assignment : array_like of int
        Rounds matrix ``(n_weapons, n_targets)``, or a vector ``weapon -> target`` (-1 = unassigned).
    pk : array_like, shape ``(n_weapons, n_targets)``
        Single-shot kill probabilities ``p_ij`` in [0, 1].
    target_value : array_like, shape ``(n_targets,)``
        Target values ``V_j`` (any consistent unit).

    Returns
    -------
    float
        ``sum_j V_j prod_i (1 - p_ij) ** x_ij``.

    References
    ----------
    Manne (1958); Ahuja et al. (2007), eq. (1).
    """
    pk = np.nan_to_num(np.asarray(pk, dtype=float), nan=0.0)
    value = np.asarray(target_value, dtype=float)
    x = _as_rounds(assignment, pk.shape[1])
    survival = np.prod(np.power(1.0 - pk, x), axis=0)
    return float(value @ survival)


def weapon_targets(rounds: ArrayLike) -> NDArray[np.intp]:
    """Convert a rounds matrix in which each weapon fires at most once to ``weapon -> target`` (-1)."""
    x = np.asarray(rounds)
    if (x.sum(axis=1) > 1).any():
        raise ValueError("a weapon fires more than one round; keep the rounds matrix")
    return np.where(x.any(axis=1), x.argmax(axis=1), -1).astype(np.intp)


def _availability(weapons_available: ArrayLike | None, n_weapons: int) -> NDArray[np.int64]:
    if weapons_available is None:
        return np.ones(n_weapons, dtype=np.int64)
    mu = np.broadcast_to(np.asarray(weapons_available, dtype=np.int64), (n_weapons,)).copy()
    if (mu < 0).any():
        raise ValueError("weapons_available must be non-negative")
    return mu


def mmr_greedy(
    pk: ArrayLike, target_value: ArrayLike, weapons_available: ArrayLike | None = None
) -> tuple[NDArray[np.int64], float]:
    """Maximal-marginal-return (MMR) greedy for the static WTA problem.

    Rounds are assigned one at a time: each time, over every weapon with rounds left and every target,
    take the pair ``(i, j)`` with the largest decrease of expected surviving value, ``s_j * p_ij`` where
    ``s_j`` is target ``j``'s current expected surviving value, then set ``s_j <- s_j (1 - p_ij)``. Stops
    when no round is left or no pair decreases the objective.

    It is optimal when all weapons are identical, i.e. ``pk[i, j] = p_j`` for every weapon ``i``
    (kill probabilities may differ between targets): den Broeder, Ellison & Emerling (1959). The
    objective is then a sum over targets of convex decreasing functions of the number of rounds
    ``V_j (1 - p_j)**n_j``, and a greedy on marginal returns is optimal for such separable convex
    allocation. With weapon-dependent ``p_ij`` it is a heuristic (Ahuja et al. 2007, sec. 4).

    Parameters
    ----------
    pk : array_like, shape ``(n_weapons, n_targets)``
        Single-shot kill probabilities in [0, 1]; NaN or 0 marks a pair that cannot engage.
    target_value : array_like, shape ``(n_targets,)``
        Target values (non-negative).
    weapons_available : array_like of int, shape ``(n_weapons,)`` or scalar, optional
        Rounds of each weapon (or each weapon *type*: a row may stand for several identical launchers).
        Default: one round per weapon.

    Returns
    -------
    rounds : ndarray of int, shape ``(n_weapons, n_targets)``
        Rounds of weapon ``i`` assigned to target ``j`` (use :func:`weapon_targets` to get
        ``weapon -> target`` when every weapon fires at most once).
    objective : float
        Expected surviving value of the assignment.

    References
    ----------
    Manne (1958); den Broeder, Ellison & Emerling (1959); Ahuja et al. (2007), sec. 4.1.
    """
    pk = np.nan_to_num(np.asarray(pk, dtype=float), nan=0.0)
    survival_value = np.asarray(target_value, dtype=float).copy()
    n_weapons, n_targets = pk.shape
    left = _availability(weapons_available, n_weapons)
    rounds = np.zeros((n_weapons, n_targets), dtype=np.int64)
    gain = pk * survival_value  # marginal decrease for each (weapon, target)
    gain[left == 0] = -np.inf
    for _ in range(int(left.sum())):
        flat = int(np.argmax(gain))
        i, j = divmod(flat, n_targets)
        if not gain[i, j] > 0.0:
            break
        rounds[i, j] += 1
        survival_value[j] *= 1.0 - pk[i, j]
        left[i] -= 1
        gain[:, j] = pk[:, j] * survival_value[j]
        gain[left == 0, j] = -np.inf
        if left[i] == 0:
            gain[i, :] = -np.inf
    return rounds, float(survival_value.sum())


def improve_by_reassignment(
    rounds: ArrayLike,
    pk: ArrayLike,
    target_value: ArrayLike,
    weapons_available: ArrayLike | None = None,
    max_sweeps: int = 100,
) -> tuple[NDArray[np.int64], float]:
    """Local search: move single rounds to another target while that lowers the objective.

    A first-improvement 1-move neighbourhood (one round of weapon ``i`` leaves target ``j`` - or is
    taken from the weapon's unused rounds - for the best target ``k``), swept over all weapons until
    no move improves or ``max_sweeps`` is reached. Never returns a worse assignment than it is given.

    Parameters
    ----------
    rounds : array_like of int, shape ``(n_weapons, n_targets)``
        Feasible starting assignment, e.g. from :func:`mmr_greedy`.
    pk, target_value, weapons_available
        As in :func:`mmr_greedy`.
    max_sweeps : int
        Upper bound on the number of passes over the weapons.

    Returns
    -------
    rounds : ndarray of int, shape ``(n_weapons, n_targets)``
    objective : float

    References
    ----------
    Ahuja et al. (2007), sec. 5 (neighbourhood search for the WTA problem).
    """
    pk = np.nan_to_num(np.asarray(pk, dtype=float), nan=0.0)
    value = np.asarray(target_value, dtype=float)
    x = np.asarray(rounds, dtype=np.int64).copy()
    n_weapons, _ = pk.shape
    mu = _availability(weapons_available, n_weapons)
    if (x.sum(axis=1) > mu).any() or (x < 0).any():
        raise ValueError("starting assignment is infeasible")
    survival = value * np.prod(np.power(1.0 - pk, x), axis=0)
    tol = 1e-12 * max(1.0, float(value.sum()))
    for _ in range(max_sweeps):
        improved = False
        for i in range(n_weapons):
            if mu[i] == 0:
                continue
            # candidate sources: each target the weapon fires at, plus an unused round (gain 0)
            sources = list(np.flatnonzero(x[i]))
            if x[i].sum() < mu[i]:
                sources.append(-1)
            for j in sources:
                if j >= 0:
                    # surviving value of j without this round (recomputed: p may be 1)
                    x[i, j] -= 1
                    s_without = value[j] * np.prod(np.power(1.0 - pk[:, j], x[:, j]))
                    x[i, j] += 1
                    loss_if_removed = s_without * pk[i, j]
                    gains = survival * pk[i]
                    gains[j] = -np.inf
                else:
                    loss_if_removed = 0.0
                    gains = survival * pk[i]
                k = int(np.argmax(gains))
                if gains[k] > loss_if_removed + tol:
                    if j >= 0:
                        x[i, j] -= 1
                        survival[j] = s_without
                    x[i, k] += 1
                    survival[k] *= 1.0 - pk[i, k]
                    improved = True
                    break
        if not improved:
            break
    return x, expected_survival_value(x, pk, value)


def brute_force(
    pk: ArrayLike, target_value: ArrayLike, weapons_available: ArrayLike | None = None
) -> tuple[NDArray[np.int64], float]:
    """Exact static-WTA optimum by enumerating every assignment of every round (tiny instances only).

    Enumerates ``(n_targets + 1) ** total_rounds`` assignments; meant for tests.

    Returns
    -------
    rounds : ndarray of int, shape ``(n_weapons, n_targets)``
    objective : float
    """
    pk = np.nan_to_num(np.asarray(pk, dtype=float), nan=0.0)
    value = np.asarray(target_value, dtype=float)
    n_weapons, n_targets = pk.shape
    mu = _availability(weapons_available, n_weapons)
    owner = np.repeat(np.arange(n_weapons), mu)
    if (n_targets + 1) ** owner.size > 2_000_000:
        raise ValueError("instance too large for brute force")
    best, best_x = np.inf, np.zeros((n_weapons, n_targets), dtype=np.int64)
    for choice in itertools.product(range(-1, n_targets), repeat=owner.size):
        x = np.zeros((n_weapons, n_targets), dtype=np.int64)
        c = np.asarray(choice, dtype=np.intp)
        used = c >= 0
        np.add.at(x, (owner[used], c[used]), 1)
        f = expected_survival_value(x, pk, value)
        if f < best - 1e-12:
            best, best_x = f, x
    return best_x, float(best)


class WTAInstance(NamedTuple):
    """A static WTA instance: kill probabilities, target values and rounds per weapon."""

    pk: NDArray[np.float64]
    """Shape ``(n_weapons, n_targets)``."""
    target_value: NDArray[np.float64]
    """Shape ``(n_targets,)``."""
    weapons_available: NDArray[np.int64]
    """Rounds per weapon, shape ``(n_weapons,)``."""


def read_wta_instance(path: str | Path) -> WTAInstance:
    """Read an instance in the text format of Andersen, Pavlikov & Toffolo (2022).

    First line ``m n mu`` (weapons, targets, rounds per weapon); then ``n`` lines with one target value
    each; then ``m * n`` lines ``w t p`` (weapon, target, kill probability).
    """
    lines = Path(path).read_text().split("\n")
    m, n, mu = (int(v) for v in lines[0].split())
    target_value = np.array([float(v) for v in lines[1 : n + 1]])
    data = np.loadtxt(lines[n + 1 :], ndmin=2)
    pk = np.zeros((m, n))
    pk[data[:, 0].astype(int), data[:, 1].astype(int)] = data[:, 2]
    return WTAInstance(pk, target_value, np.full(m, mu, dtype=np.int64))


def read_published_bounds(results_csv: str | Path) -> dict[tuple[int, int, int], tuple[float, float]]:
    """Best lower and upper bound over every approach in the benchmark's ``results.csv`` (Andersen,
    Pavlikov & Toffolo 2022), keyed by (weapons, targets, rounds per weapon)."""
    bounds: dict[tuple[int, int, int], tuple[float, float]] = {}
    with open(results_csv, newline="") as f:
        for row in csv.reader(f):
            if len(row) < 9 or not row[1].strip().isdigit():
                continue
            key = (int(row[1]), int(row[2]), int(row[3]))
            lb, ub = float(row[5]), float(row[6])
            old_lb, old_ub = bounds.get(key, (-np.inf, np.inf))
            bounds[key] = (max(old_lb, lb), min(old_ub, ub))
    return bounds
