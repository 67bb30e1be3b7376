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

import numba
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
    usable, weights, count, disjoint = _usable(value)
    if count == 0:
        empty = np.empty(0, dtype=np.intp)
        return empty, empty.copy()
    if disjoint:
        # usable pairs that share no weapon and no target, each worth something: the optimum takes every one of them
        # and nothing else (dropping one loses its value; any other pair shares a weapon or target with one of them
        # or is unusable), so the solver is not needed (the engine's common case: a few fire units, a few targets)
        rows, cols = np.nonzero(usable)
        return rows.astype(np.intp), cols.astype(np.intp)
    # Unusable pairs are worth 0, i.e. the same as leaving both idle; they are dropped afterwards.
    rows, cols = linear_sum_assignment(weights, maximize=True)
    keep = usable[rows, cols]
    return rows[keep].astype(np.intp), cols[keep].astype(np.intp)


@numba.njit(cache=True, nogil=True)
def _usable(value):  # pragma: no cover - compiled
    """For :func:`hungarian_assign`, in one pass over ``value`` (n, m): which pairs are usable (finite, at least 0),
    their values with the others' 0 (the solver's weights), how many are usable, and whether they share no weapon
    and no target and are each worth more than 0. (The engine calls the solver about 50 times per replication of
    its reference; this set-up took numpy three quarters of each call.)"""
    n, m = value.shape
    usable = np.zeros((n, m), np.bool_)
    weights = np.zeros((n, m))
    per_row, per_col = np.zeros(n, np.int64), np.zeros(m, np.int64)
    count = 0
    disjoint = True
    for i in range(n):
        for j in range(m):
            v = value[i, j]
            if np.isfinite(v) and v >= 0.0:
                usable[i, j] = True
                weights[i, j] = v
                count += 1
                per_row[i] += 1
                per_col[j] += 1
                disjoint &= v > 0.0 and per_row[i] == 1 and per_col[j] == 1
    return usable, weights, count, disjoint


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
    """Local search over 1-moves and 2-swaps of single rounds, until no move lowers the objective.

    Every round of every weapon (``weapons_available[i]`` rounds of weapon ``i``; rounds the start leaves
    unused sit on an "idle" pseudo-target of value 0) is visited in turn, and the best of its moves is
    made if it lowers the objective by more than a tolerance (``1e-12 * max(1, sum(V))``):

    * **1-move** - the round leaves its target (or idleness) for another target;
    * **2-swap** - the round and a round of *another* weapon on *another* target exchange targets
      (one of them may be idle: a weapon then takes over a target from an idle round).

    Deltas are incremental, from the per-target survival products ``S_j = V_j prod_i (1 - p_ij)**x_ij``
    (kept as the product of the non-zero factors and the number of rounds with ``p_ij = 1``, so a round
    can be removed exactly): removing a round of ``i`` from ``a`` gives ``S_a^-``, and a 1-move to ``k``
    changes the objective by ``S_a^- p_ia - S_k p_ik``; a 2-swap with a round of ``i'`` on ``b`` by
    ``S_a^- (1 - p_i'a) - S_a + S_b^- (1 - p_ib) - S_b``. So a 1-move costs O(1) (all targets of one round:
    O(n_targets)) and a 2-swap O(1) (all partners of one round: O(rounds)); a pass costs
    O(rounds * (rounds + n_targets)). The products are recomputed exactly at the start of every pass.

    Passes repeat until one makes no move (the result is then a local optimum for both neighbourhoods)
    or ``max_sweeps`` passes have been made. Deterministic (fixed visiting order, first index on ties).
    Never returns an assignment with a larger objective than the start: if rounding ever made the
    result worse, the start is returned.

    The 2-swap is what makes it useful after :func:`mmr_greedy`: on the published instances of Andersen,
    Pavlikov & Toffolo (2022) the greedy's assignment admits no improving 1-move at all (each round was
    placed at the best marginal return), while improving 2-swaps exist.

    Parameters
    ----------
    rounds : array_like of int, shape ``(n_weapons, n_targets)``
        Feasible starting assignment, e.g. from :func:`mmr_greedy`.
    pk, target_value, weapons_available
        As in :func:`mmr_greedy`.
    max_sweeps : int
        Upper bound on the number of passes over the rounds.

    Returns
    -------
    rounds : ndarray of int, shape ``(n_weapons, n_targets)``
    objective : float
        Expected surviving value of the returned assignment (recomputed from scratch).

    References
    ----------
    Ahuja et al. (2007), sec. 5 (neighbourhood search for the WTA problem).
    """
    pk = np.nan_to_num(np.asarray(pk, dtype=float), nan=0.0)
    value = np.asarray(target_value, dtype=float)
    x0 = np.asarray(rounds, dtype=np.int64)
    n_weapons, n_targets = pk.shape
    mu = _availability(weapons_available, n_weapons)
    if x0.shape != pk.shape or (x0 < 0).any() or (x0.sum(axis=1) > mu).any():
        raise ValueError("starting assignment is infeasible")
    start_objective = expected_survival_value(x0, pk, value)

    # Column n_targets is the idle pseudo-target: value 0, kill probability 0.
    p = np.zeros((n_weapons, n_targets + 1))
    p[:, :n_targets] = pk
    q = 1.0 - p
    sure = q <= 0.0  # a round that kills for certain: tracked by count, never divided by
    q_div = np.where(sure, 1.0, q)
    v = np.append(value, 0.0)
    # one entry per round: its weapon and its target (n_targets = idle)
    owner = np.repeat(np.arange(n_weapons), mu)
    target = np.concatenate(
        [np.arange(n_targets + 1).repeat(np.append(x0[i], mu[i] - x0[i].sum())) for i in range(n_weapons)]
        + [np.empty(0, dtype=np.intp)]
    ).astype(np.intp)
    n_rounds = owner.size
    tol = 1e-12 * max(1.0, float(value.sum()))

    for _ in range(max(int(max_sweeps), 0)):
        # exact products at the start of each pass: prod_j = V_j * prod of the non-zero factors of j
        x = np.zeros(p.shape, dtype=np.int64)
        np.add.at(x, (owner, target), 1)
        prod = v * np.prod(np.power(q_div, x), axis=0)
        n_sure = (x * sure).sum(axis=0)
        improved = False
        for r in range(n_rounds):
            # survival with and without one round of its weapon, for every round's target
            surv = np.where(n_sure == 0, prod, 0.0)
            without = np.where(n_sure[target] - sure[owner, target] == 0, prod[target] / q_div[owner, target], 0.0)
            i, a = owner[r], target[r]
            s_a, s_a_without = surv[a], without[r]
            # 1-move of round r to every target k
            move = s_a_without * p[i, a] - surv * p[i]
            move[a] = np.inf
            k = int(np.argmin(move))
            # 2-swap of round r with every round of another weapon on another target
            swap = s_a_without * q[owner, a] - s_a + without * q[i, target] - surv[target]
            swap[(owner == i) | (target == a)] = np.inf
            s = int(np.argmin(swap))
            if min(move[k], swap[s]) >= -tol:
                continue
            improved = True
            if move[k] <= swap[s]:
                changes = [(i, a, -1), (i, k, +1)]
                target[r] = k
            else:
                b, i2 = target[s], owner[s]
                changes = [(i, a, -1), (i2, b, -1), (i2, a, +1), (i, b, +1)]
                target[r], target[s] = b, a
            for w, j, sign in changes:
                if sure[w, j]:
                    n_sure[j] += sign
                elif sign > 0:
                    prod[j] *= q[w, j]
                else:
                    prod[j] /= q[w, j]
        if not improved:
            break

    x = np.zeros(p.shape, dtype=np.int64)
    np.add.at(x, (owner, target), 1)
    x = x[:, :n_targets]
    objective = expected_survival_value(x, pk, value)
    if objective > start_objective:  # rounding only; never hand back a worse assignment
        return x0.copy(), start_objective
    return x, objective


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
