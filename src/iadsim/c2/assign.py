"""Weapon-target assigners the engine chooses from by ``doctrine.assignment``.

An assigner takes, for one replication at one step, which (fire unit, target) pairs are feasible, each
fire unit's single-shot Pk and each target's urgency, and returns the pairs to nominate: at most one
target per fire unit and one fire unit per target (one engagement per target at a time).
"""

from __future__ import annotations

from typing import Protocol

import numpy as np

from iadsim.c2.wta import hungarian_assign, mmr_greedy
from iadsim.registry import ASSIGNERS

__all__ = ["ASSIGNERS", "Assigner", "greedy", "hungarian", "takes_disjoint"]


class Assigner(Protocol):
    """Choose the engagements to nominate.

    Parameters
    ----------
    feasible : numpy.ndarray of bool, shape (n_fire_units, n_targets)
        The fire unit can engage the target now.
    pk : numpy.ndarray, shape (n_fire_units,)
        Single-shot kill probability of each fire unit's missile.
    urgency : numpy.ndarray, shape (n_targets,)
        Value of engaging each target now (higher: sooner at its asset).

    Returns
    -------
    list of (int, int)
        (fire unit, target) pairs, each fire unit and each target at most once.

    An assigner is a function of its arguments and leaves them as they are (no state, no random draws of its own):
    the engine asks it once for each choice that replications pose alike at one moment and gives them all its
    answer.

    An assigner may declare ``takes_disjoint = True``: whenever no two feasible pairs share a fire unit or a target
    and each is worth more than 0 (``pk[f] * urgency[t]``, finite), it returns every one of them, by ascending
    fire unit. The engine then nominates such pairs without calling it (the common case: its calls cost more than
    the choice); see :func:`takes_disjoint`.
    """

    def __call__(self, feasible: np.ndarray, pk: np.ndarray, urgency: np.ndarray) -> list[tuple[int, int]]: ...


def takes_disjoint(assigner) -> bool:
    """Whether the engine may nominate pairs that share no fire unit and no target without calling ``assigner``: it
    declares ``takes_disjoint = True`` (:class:`Assigner`) and is not a wrapper (``functools.wraps`` copies the
    attribute of what it wraps, and a wrapper may filter or re-rank what that returns)."""
    return getattr(assigner, "takes_disjoint", False) is True and not hasattr(assigner, "__wrapped__")


@ASSIGNERS.register("hungarian")
def hungarian(feasible: np.ndarray, pk: np.ndarray, urgency: np.ndarray) -> list[tuple[int, int]]:
    """Optimal one-to-one assignment of the expected value ``pk * urgency`` (:func:`hungarian_assign`). Solved over
    the whole matrix: among equally valuable assignments (identical fire units) the solver's choice depends on the
    matrix it is given, so a smaller one would change which is made."""
    value = pk[:, None] * urgency[None, :]
    return list(zip(*hungarian_assign(np.where(feasible, value, -np.inf)), strict=True))


hungarian.takes_disjoint = True  # (hungarian_assign: such pairs are the unique optimum, by ascending fire unit)


@ASSIGNERS.register("greedy")
def greedy(feasible: np.ndarray, pk: np.ndarray, urgency: np.ndarray) -> list[tuple[int, int]]:
    """Maximal-marginal-return greedy (:func:`mmr_greedy`), then one target per fire unit (its first) and one
    fire unit per target (the lowest-numbered), since MMR may put several fire units on one target. Solved over
    the fire units and targets with a feasible pair, in order: MMR's first largest marginal return is the same
    there as over the whole."""
    fs, ts = np.flatnonzero(feasible.any(axis=1)), np.flatnonzero(feasible.any(axis=0))  # the others take no part
    if not len(fs):
        return []
    rounds, _ = mmr_greedy(np.where(feasible[np.ix_(fs, ts)], pk[fs, None], 0.0), urgency[ts])
    targets = np.where(rounds.any(axis=1), rounds.argmax(axis=1), -1)
    chosen = [f for f in np.flatnonzero(targets >= 0) if targets[f] not in targets[:f]]
    return [(int(fs[f]), int(ts[targets[f]])) for f in chosen]
