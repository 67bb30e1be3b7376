"""Weapon-target assignment (iadsim.c2.wta): exactness against brute force, and the heuristics against
optima the tests prove on generated instances (exhaustive search and a MILP)."""

import itertools

import numpy as np
import pytest

from iadsim.c2 import (
    brute_force,
    expected_survival_value,
    hungarian_assign,
    improve_by_reassignment,
    mmr_greedy,
    read_published_bounds,
    read_wta_instance,
    weapon_targets,
)

# ------------------------------------------------------------------------------------------------
# Hungarian (one-to-one) assignment



def _random_start(rng, pk, weapons) -> np.ndarray:
    """A feasible assignment: each round of each weapon to a random target or left idle (-1)."""
    start = np.zeros(pk.shape, dtype=np.int64)
    for i, w in enumerate(weapons):
        for t in rng.integers(-1, pk.shape[1], size=int(w)):
            if t >= 0:
                start[i, t] += 1
    return start

def _best_partial_matching(value):
    """Brute force over every partial one-to-one assignment (forbidden pairs: -inf / NaN)."""
    n_w, n_t = value.shape
    best = 0.0
    for targets in itertools.product(range(-1, n_t), repeat=n_w):
        used = [t for t in targets if t >= 0]
        if len(used) != len(set(used)):
            continue
        pairs = [(w, t) for w, t in enumerate(targets) if t >= 0]
        if any(not np.isfinite(value[w, t]) for w, t in pairs):
            continue
        best = max(best, sum(value[w, t] for w, t in pairs))
    return best


@pytest.mark.parametrize("seed", range(40))
def test_hungarian_is_optimal_against_brute_force(seed):
    rng = np.random.default_rng(seed)
    n_w, n_t = rng.integers(1, 5, size=2)
    value = rng.uniform(-2.0, 10.0, size=(n_w, n_t))
    value[rng.random((n_w, n_t)) < 0.25] = -np.inf
    value[rng.random((n_w, n_t)) < 0.1] = np.nan
    w, t = hungarian_assign(value)
    assert len(set(w)) == len(w) and len(set(t)) == len(t)
    assert np.isfinite(value[w, t]).all() and (value[w, t] >= 0).all()
    assert value[w, t].sum() == pytest.approx(_best_partial_matching(value), abs=1e-12)



@pytest.mark.parametrize("seed", range(30))
def test_hungarian_takes_disjoint_pairs_as_the_solver_does(seed, monkeypatch):
    """Usable pairs sharing no weapon and no target (the engine's common case, answered without the solver) give the
    pairs scipy's solver gives on the same matrix, in the same order; a shared weapon or target, or a pair worth 0,
    still goes to the solver."""
    from scipy.optimize import linear_sum_assignment

    import iadsim.c2.wta as wta

    solved = []
    monkeypatch.setattr(wta, "linear_sum_assignment",
                        lambda *a, **k: solved.append(1) or linear_sum_assignment(*a, **k))

    rng = np.random.default_rng(seed)
    n_w, n_t = rng.integers(2, 15), rng.integers(2, 49)
    value = np.full((n_w, n_t), -np.inf)
    k = int(rng.integers(1, min(n_w, n_t) + 1))
    ws, ts = rng.choice(n_w, k, replace=False), rng.choice(n_t, k, replace=False)
    value[ws, ts] = rng.uniform(1e-3, 1.0, k)
    if seed % 3 == 1:  # a shared target: the solver decides
        value[(ws[0] + 1) % n_w, ts[0]] = rng.uniform(1e-3, 1.0)
    if seed % 3 == 2:  # a pair worth nothing
        value[ws[0], ts[0]] = 0.0
    usable = np.isfinite(value) & (value >= 0)
    rows, cols = linear_sum_assignment(np.where(usable, value, 0.0), maximize=True)
    keep = usable[rows, cols]
    w, t = hungarian_assign(value)
    assert w.tolist() == rows[keep].tolist() and t.tolist() == cols[keep].tolist()
    assert w.dtype == np.intp and t.dtype == np.intp
    assert bool(solved) == (seed % 3 != 0)  # disjoint pairs worth something: no solver


def test_hungarian_rectangular_and_forbidden():
    value = np.array([[5.0, -np.inf, 1.0], [4.0, 3.0, np.nan]])
    w, t = hungarian_assign(value)
    assert list(zip(w.tolist(), t.tolist(), strict=True)) == [(0, 0), (1, 1)]
    w, t = hungarian_assign(np.full((3, 2), -np.inf))
    assert w.size == 0 and t.size == 0


# ------------------------------------------------------------------------------------------------
# Static WTA: objective, greedy, brute force


def test_expected_survival_value_hand_example():
    pk = np.array([[0.5, 0.2], [0.4, 0.9]])
    value = np.array([10.0, 20.0])
    # both weapons on target 0: 10 * 0.5 * 0.6 + 20 = 23
    assert expected_survival_value([0, 0], pk, value) == pytest.approx(23.0)
    # weapon 1 on target 1, weapon 0 idle: 10 + 20 * 0.1 = 12
    assert expected_survival_value([-1, 1], pk, value) == pytest.approx(12.0)
    assert expected_survival_value([[0, 0], [0, 1]], pk, value) == pytest.approx(12.0)


@pytest.mark.parametrize("seed", range(60))
def test_mmr_greedy_is_optimal_for_identical_weapons(seed):
    """den Broeder, Ellison & Emerling (1959): with identical weapons (pk[i, j] = p_j for every weapon)
    the maximal-marginal-return greedy is optimal. Checked against brute force, with several rounds."""
    rng = np.random.default_rng(seed)
    n_w, n_t = int(rng.integers(1, 4)), int(rng.integers(1, 4))
    p_target = rng.uniform(0.05, 0.95, size=n_t)
    pk = np.broadcast_to(p_target, (n_w, n_t))
    value = rng.uniform(1.0, 100.0, size=n_t)
    rounds = rng.integers(1, 3, size=n_w)
    x, objective = mmr_greedy(pk, value, rounds)
    _, optimum = brute_force(pk, value, rounds)
    assert objective == pytest.approx(optimum, rel=1e-12)
    assert (x.sum(axis=1) <= rounds).all()
    assert objective == pytest.approx(expected_survival_value(x, pk, value), rel=1e-14)


@pytest.mark.parametrize("seed", range(60))
def test_mmr_greedy_general_pk_is_feasible_and_half_approximate(seed):
    """With weapon-dependent pk the greedy is a heuristic. The destroyed value sum(V) - F(x) is a
    monotone submodular function of the chosen (weapon, round, target) pairs and "each round picks one
    target" is a partition matroid, so the best-pair greedy destroys at least half the optimum's value
    (Fisher, Nemhauser & Wolsey 1978, Math. Programming Study 8:73-87, Theorem 2.1). Local search never
    makes it worse."""
    rng = np.random.default_rng(1000 + seed)
    n_w, n_t = int(rng.integers(2, 5)), int(rng.integers(2, 4))
    pk = rng.uniform(0.0, 0.95, size=(n_w, n_t))
    value = rng.uniform(1.0, 100.0, size=n_t)
    rounds = rng.integers(1, 3, size=n_w) if seed % 2 else None
    x, greedy = mmr_greedy(pk, value, rounds)
    _, optimum = brute_force(pk, value, rounds)
    limit = np.ones(n_w) if rounds is None else rounds
    assert (x.sum(axis=1) <= limit).all()
    assert greedy >= optimum - 1e-9
    total = value.sum()
    assert total - greedy >= 0.5 * (total - optimum) - 1e-9
    x2, improved = improve_by_reassignment(x, pk, value, rounds)
    assert optimum - 1e-9 <= improved <= greedy + 1e-12
    assert (x2.sum(axis=1) <= limit).all()


def test_weapon_targets_round_trip():
    pk = np.array([[0.9, 0.1], [0.2, 0.8], [0.0, 0.0]])
    x, _ = mmr_greedy(pk, [10.0, 10.0])
    assert weapon_targets(x).tolist() == [0, 1, -1]
    with pytest.raises(ValueError):
        weapon_targets([[2, 0]])


def test_mmr_greedy_leaves_useless_weapons_idle():
    x, objective = mmr_greedy(np.array([[0.0, 0.0], [0.5, 0.0]]), [10.0, 5.0], [3, 3])
    assert x.tolist() == [[0, 0], [3, 0]]
    assert objective == pytest.approx(10.0 * 0.5**3 + 5.0)


# ------------------------------------------------------------------------------------------------
# Generated instances whose optimum the test proves twice: by exhaustive search over every assignment
# (organised by target, so that it stays fast) and by a MILP. No data files: nothing outside the repo.


def generated_instance(seed, weapon_independent=False):
    """3-5 weapon types with 1-3 weapons each, 3-6 targets, pk in [0.05, 0.95] (about one pair in seven
    out of reach, pk = 0), values in [1, 100]. ``weapon_independent``: pk[i, j] = p_j for every type."""
    rng = np.random.default_rng(seed)
    n_types, n_targets = int(rng.integers(3, 6)), int(rng.integers(3, 7))
    weapons = rng.integers(1, 4, size=n_types)
    if weapon_independent:
        pk = np.broadcast_to(rng.uniform(0.05, 0.95, size=n_targets), (n_types, n_targets)).copy()
    else:
        pk = rng.uniform(0.05, 0.95, size=(n_types, n_targets))
        pk[rng.random(pk.shape) < 0.15] = 0.0
    value = rng.uniform(1.0, 100.0, size=n_targets)
    return pk, value, weapons


def _count_vectors(weapons):
    """Every (k_1, ..., k_m) with 0 <= k_i <= weapons_i: the rounds of each type one target may get."""
    return np.array(list(itertools.product(*(range(int(w) + 1) for w in weapons))), dtype=np.int64)


def exhaustive_optimum(pk, value, weapons):
    """Minimum of F(x) = sum_j V_j prod_i (1 - p_ij)^x_ij over every integer x >= 0 with
    sum_j x_ij <= weapons_i, by enumeration.

    F is a sum over targets of terms that depend only on that target's column x_.j, so the search goes
    target by target: best[j][r] = least surviving value of targets j.. with r rounds of each type
    still free, = min over every column k <= r of V_j prod_i (1 - p_ij)^k_i + best[j + 1][r - k].
    Every pair (r, k) is visited: this is the enumeration of all assignments, without repeating the
    work shared by assignments that agree on the later targets."""
    counts = _count_vectors(weapons)
    radix = np.cumprod(np.r_[1, np.asarray(weapons[::-1]) + 1])[:-1][::-1]  # index of a count vector
    index = counts @ radix
    assert (index == np.arange(len(counts))).all()
    r_idx, k_idx = np.nonzero((counts[None, :, :] <= counts[:, None, :]).all(axis=2))  # every k <= r, by r
    rest_idx = (counts[r_idx] - counts[k_idx]) @ radix
    n_targets = pk.shape[1]
    best = np.zeros(len(counts))
    choice = []
    for j in reversed(range(n_targets)):
        term = value[j] * np.prod((1.0 - pk[:, j]) ** counts, axis=1)
        total = term[k_idx] + best[rest_idx]
        new = np.full(len(counts), np.inf)
        np.minimum.at(new, r_idx, total)
        hits = np.flatnonzero(total == new[r_idx])
        states, first = np.unique(r_idx[hits], return_index=True)  # one optimal column per state
        arg = np.full(len(counts), -1)
        arg[states] = k_idx[hits[first]]
        choice.append(arg)
        best = new
    x = np.zeros(pk.shape, dtype=np.int64)
    r = len(counts) - 1  # all rounds free
    for j, arg in zip(range(n_targets), reversed(choice), strict=True):
        x[:, j] = counts[arg[r]]
        r = int((counts[r] - counts[arg[r]]) @ radix)
    return x, float(best[-1])


def milp_optimum(pk, value, weapons):
    """The same optimum from scipy.optimize.milp (HiGHS), exact linearisation: one binary y[j, k] per
    target j and column k of rounds per type (all columns enumerated, cost V_j prod_i (1 - p_ij)^k_i);
    each target takes exactly one column; the columns' rounds of type i sum to at most weapons_i."""
    from scipy.optimize import Bounds, LinearConstraint, milp

    counts = _count_vectors(weapons)
    n_types, n_targets = pk.shape
    n_k = len(counts)
    cost = np.concatenate([value[j] * np.prod((1.0 - pk[:, j]) ** counts, axis=1) for j in range(n_targets)])
    one_column = np.kron(np.eye(n_targets), np.ones(n_k))
    rounds_used = np.tile(counts.T, n_targets)
    result = milp(
        cost,
        integrality=np.ones(cost.size),
        bounds=Bounds(0, 1),
        constraints=[LinearConstraint(one_column, 1, 1), LinearConstraint(rounds_used, 0, weapons)],
        options={"mip_rel_gap": 0.0},
    )
    assert result.success, result.message
    y = np.round(result.x).reshape(n_targets, n_k)
    x = (y @ counts).T.astype(np.int64)
    return x, float(result.fun)


def assert_feasible(x, weapons):
    x = np.asarray(x)
    assert x.dtype.kind == "i" and (x >= 0).all()
    assert (x.sum(axis=1) <= weapons).all()


@pytest.mark.parametrize("seed", range(25))
def test_generated_instance_optimum_is_proven_by_enumeration_and_milp(seed):
    pk, value, weapons = generated_instance(seed)
    x, by_enumeration = exhaustive_optimum(pk, value, weapons)
    assert_feasible(x, weapons)
    assert expected_survival_value(x, pk, value) == pytest.approx(by_enumeration, rel=1e-12)
    # HiGHS closes the gap in well under a second up to ~1500 binaries (21 of these 25 instances); the
    # four larger ones take 1-14 s each and are proven by the enumeration alone
    if len(_count_vectors(weapons)) * pk.shape[1] <= 1500:
        x_milp, by_milp = milp_optimum(pk, value, weapons)
        assert_feasible(x_milp, weapons)
        assert by_milp == pytest.approx(by_enumeration, rel=1e-9)
        assert expected_survival_value(x_milp, pk, value) == pytest.approx(by_milp, rel=1e-9)
    if (pk.shape[1] + 1) ** int(weapons.sum()) <= 50_000:  # the library's brute force agrees where it is quick
        assert brute_force(pk, value, weapons)[1] == pytest.approx(by_enumeration, rel=1e-12)


def test_exhaustive_optimum_on_a_hand_instance():
    # One weapon type with 2 rounds, pk 0.5 on both targets, values 10 and 4: 11 placements of at most
    # two rounds; best is one round each: 10 * 0.5 + 4 * 0.5 = 7 (two on the first: 2.5 + 4 = 6.5 wins).
    pk, value, weapons = np.array([[0.5, 0.5]]), np.array([10.0, 4.0]), np.array([2])
    x, objective = exhaustive_optimum(pk, value, weapons)
    assert objective == pytest.approx(6.5) and x.tolist() == [[2, 0]]
    assert milp_optimum(pk, value, weapons)[1] == pytest.approx(6.5)


@pytest.mark.parametrize("seed", range(25))
def test_greedy_and_local_search_are_feasible_and_not_below_the_proven_optimum(seed):
    """Minimisation: every feasible objective is >= the optimum. The greedy also keeps the
    Fisher-Nemhauser-Wolsey guarantee (half the optimum's destroyed value; see above), and the local
    search never makes it worse."""
    pk, value, weapons = generated_instance(seed)
    _, optimum = exhaustive_optimum(pk, value, weapons)
    x, greedy = mmr_greedy(pk, value, weapons)
    assert_feasible(x, weapons)
    assert greedy == pytest.approx(expected_survival_value(x, pk, value), rel=1e-12)
    assert greedy >= optimum * (1 - 1e-12)
    assert value.sum() - greedy >= 0.5 * (value.sum() - optimum) - 1e-9
    x2, improved = improve_by_reassignment(x, pk, value, weapons)
    assert_feasible(x2, weapons)
    assert improved == pytest.approx(expected_survival_value(x2, pk, value), rel=1e-12)
    assert optimum * (1 - 1e-12) <= improved <= greedy * (1 + 1e-12)


@pytest.mark.parametrize("seed", range(25))
def test_mmr_greedy_is_optimal_when_pk_does_not_depend_on_the_weapon(seed):
    """den Broeder, Ellison & Emerling (1959): when every weapon has the same kill probability against a
    given target (pk[i, j] = p_j), the maximal-marginal-return greedy is optimal. (Kill probabilities
    that depend on the weapon only, pk[i, j] = p_i, are not covered: the greedy can then miss.)"""
    pk, value, weapons = generated_instance(200 + seed, weapon_independent=True)
    _, optimum = exhaustive_optimum(pk, value, weapons)
    x, greedy = mmr_greedy(pk, value, weapons)
    assert_feasible(x, weapons)
    assert greedy == pytest.approx(optimum, rel=1e-12)


def test_reading_an_instance_and_published_bounds_in_the_benchmark_format(tmp_path):
    """The readers the benchmark uses on the Andersen, Pavlikov & Toffolo (2022) files, on a small file
    written here in the same format: ``m n mu``, n target values, then m * n lines ``w t p``."""
    pk, value, _ = generated_instance(7)
    m, n = pk.shape
    lines = [f"{m} {n} 2", *(repr(float(v)) for v in value)]
    lines += [f"{w} {t} {float(pk[w, t])!r}" for w in range(m) for t in range(n)]
    (tmp_path / "wta_small.txt").write_text("\n".join(lines) + "\n")
    instance = read_wta_instance(tmp_path / "wta_small.txt")
    np.testing.assert_array_equal(instance.pk, pk)
    np.testing.assert_array_equal(instance.target_value, value)
    np.testing.assert_array_equal(instance.weapons_available, np.full(m, 2))
    # results.csv: one table per approach; the best bounds over approaches are kept per instance size
    (tmp_path / "results.csv").write_text(
        "Approach: one\n\n,|W|,|T|,\\mi,delta,LB,UB,Gap,Time(s)\n"
        ",5,10,1,,100.5,101.0,0.5%,1.0\n,5,10,2,,40.0,45.0,11%,7200.0\n\n"
        "Approach: two\n\n,|W|,|T|,\\mi,delta,LB,UB,Gap,Time(s)\n"
        ",5,10,1,,100.0,100.75,0.7%,2.0\n,5,10,2,,42.0,42.0,opt,3.0\n"
    )
    bounds = read_published_bounds(tmp_path / "results.csv")
    assert bounds == {(5, 10, 1): (100.5, 100.75), (5, 10, 2): (42.0, 42.0)}


# ------------------------------------------------------------------------------------------------
# Local search (1-move and 2-swap): checked against the test's own objective, its own enumeration of the
# optimum and its own enumeration of every neighbour; nothing here calls the module to judge the module.


def _surviving_value(x, pk, value):
    """sum_j V_j prod_i (1 - p_ij) ** x_ij, in plain Python."""
    total = 0.0
    for j in range(len(value)):
        survive = float(value[j])
        for i in range(len(x)):
            survive *= (1.0 - float(pk[i][j])) ** int(x[i][j])
        total += survive
    return total


def _improving_neighbours(x, pk, value, weapons, tol):
    """Every 1-move (a round, used or idle, to another target) and 2-swap (rounds of two different weapons
    on two different targets, idle counting as a target, exchange them) that lowers the surviving value by
    more than ``tol``, by recomputing the objective of each neighbour."""
    x = np.asarray(x, dtype=np.int64)
    n_weapons, n_targets = x.shape
    idle = n_targets
    # the rounds as (weapon, target), idle rounds on the pseudo-target n_targets
    rounds = [(i, j) for i in range(n_weapons) for j in range(n_targets) for _ in range(int(x[i, j]))]
    rounds += [(i, idle) for i in range(n_weapons) for _ in range(int(weapons[i] - x[i].sum()))]
    base = _surviving_value(x, pk, value)

    def objective_after(changes):
        y = np.zeros((n_weapons, n_targets + 1), dtype=np.int64)
        y[:, :n_targets] = x
        y[:, idle] = np.asarray(weapons) - x.sum(axis=1)
        for i, j, d in changes:
            y[i, j] += d
        assert (y >= 0).all()
        return _surviving_value(y[:, :n_targets], pk, value)

    found = []
    for i, a in rounds:
        for k in range(n_targets):
            if k != a and objective_after([(i, a, -1), (i, k, +1)]) < base - tol:
                found.append(("move", i, a, k))
    for (i, a), (i2, b) in itertools.combinations(rounds, 2):
        if i != i2 and a != b:
            if objective_after([(i, a, -1), (i2, b, -1), (i, b, +1), (i2, a, +1)]) < base - tol:
                found.append(("swap", i, a, i2, b))
    return found


def _small_instance(seed):
    """2-4 weapons with 1-2 rounds (at most 5 rounds), 2-3 targets; pk in [0, 1] with some exact 0s and
    1s (a round that cannot reach, or kills for certain)."""
    rng = np.random.default_rng(5000 + seed)
    n_w, n_t = int(rng.integers(2, 5)), int(rng.integers(2, 4))
    weapons = rng.integers(1, 3, size=n_w)
    while weapons.sum() > 5:
        weapons[int(np.argmax(weapons))] -= 1
    pk = rng.uniform(0.0, 1.0, size=(n_w, n_t))
    pk[rng.random(pk.shape) < 0.1] = 0.0
    pk[rng.random(pk.shape) < 0.1] = 1.0
    value = rng.uniform(1.0, 100.0, size=n_t)
    return pk, value, weapons


@pytest.mark.parametrize("seed", range(40))
def test_local_search_from_greedy_is_a_local_optimum_between_the_optimum_and_the_greedy(seed):
    pk, value, weapons = _small_instance(seed)
    tol = 1e-9 * max(1.0, value.sum())
    _, optimum = exhaustive_optimum(pk, value, weapons)
    x_g, _ = mmr_greedy(pk, value, weapons)
    greedy = _surviving_value(x_g, pk, value)
    x, objective = improve_by_reassignment(x_g, pk, value, weapons)
    assert_feasible(x, weapons)
    assert objective == pytest.approx(_surviving_value(x, pk, value), rel=1e-12, abs=1e-12)
    assert optimum - tol <= objective <= greedy + 1e-12
    assert _improving_neighbours(x, pk, value, weapons, tol) == []


@pytest.mark.parametrize("instance,seed", [("small", s) for s in range(15)] + [("generated", s) for s in range(10)])
def test_local_search_from_random_starts_with_idle_rounds_is_a_local_optimum(instance, seed):
    """From random feasible starts (idle rounds included): never worse than the start, never below the proven
    optimum, and no improving move or swap left."""
    pk, value, weapons = _small_instance(100 + seed) if instance == "small" else generated_instance(100 + seed)
    tol = 1e-9 * max(1.0, value.sum())
    _, optimum = exhaustive_optimum(pk, value, weapons)
    rng = np.random.default_rng(seed)
    for _ in range(4):
        start = _random_start(rng, pk, weapons)
        before = _surviving_value(start, pk, value)
        x, after = improve_by_reassignment(start, pk, value, weapons)
        assert_feasible(x, weapons)
        assert optimum - tol <= _surviving_value(x, pk, value) <= before + 1e-12
        assert after == pytest.approx(_surviving_value(x, pk, value), rel=1e-12, abs=1e-12)
        assert _improving_neighbours(x, pk, value, weapons, tol) == []


def test_local_search_strictly_improves_the_greedy_where_the_greedy_is_suboptimal():
    """Two weapons, two targets of value 1. pk = [[0.9, 0.8], [0.8, 0.1]]. The greedy takes the best pair
    first, weapon 0 on target 0 (0.9), then weapon 1 has 0.1 * 0.8 = 0.08 on target 0 and 1 * 0.1 = 0.1 on
    target 1: surviving value 0.1 + 0.9 = 1.0. Crossed, 0.2 + 0.2 = 0.4, the optimum (enumerated below).
    No single move helps the greedy (1.02 and 1.18), so only the 2-swap reaches the optimum."""
    pk, value, weapons = np.array([[0.9, 0.8], [0.8, 0.1]]), np.array([1.0, 1.0]), np.array([1, 1])
    x_opt, optimum = exhaustive_optimum(pk, value, weapons)
    assert optimum == pytest.approx(0.4) and x_opt.tolist() == [[0, 1], [1, 0]]
    x_g, greedy = mmr_greedy(pk, value, weapons)
    assert x_g.tolist() == [[1, 0], [0, 1]] and _surviving_value(x_g, pk, value) == pytest.approx(1.0)
    neighbours = _improving_neighbours(x_g, pk, value, weapons, 1e-12)
    assert neighbours == [("swap", 0, 0, 1, 1)]  # no improving 1-move: a 1-move search stops at the greedy
    x, objective = improve_by_reassignment(x_g, pk, value, weapons)
    assert x.tolist() == [[0, 1], [1, 0]]
    assert objective == pytest.approx(optimum) and objective < greedy - 0.5


def test_local_search_strictly_improves_the_greedy_with_several_rounds():
    """Weapon 0 has two rounds, weapon 1 one; targets of value 4, 5, 4; pk = [[0.4, 0.7, 0.5],
    [0.6, 0.8, 0.7]]. Greedy: weapon 1 on target 1 (gain 4.0), then weapon 0 on target 2 (2.0), then on
    target 0 (1.6 against 1.0 and 0.7): 4 * 0.6 + 5 * 0.2 + 4 * 0.5 = 5.4. The optimum, enumerated below,
    is 5.1, reached by two assignments, each one swap away from the greedy (weapon 1 trades target 1 for
    one of weapon 0's targets); no 1-move helps the greedy."""
    pk = np.array([[0.4, 0.7, 0.5], [0.6, 0.8, 0.7]])
    value = np.array([4.0, 5.0, 4.0])
    weapons = np.array([2, 1])
    _, optimum = exhaustive_optimum(pk, value, weapons)
    assert optimum == pytest.approx(5.1)
    x_g, greedy = mmr_greedy(pk, value, weapons)
    assert x_g.tolist() == [[1, 0, 1], [0, 1, 0]] and _surviving_value(x_g, pk, value) == pytest.approx(5.4)
    assert {n[0] for n in _improving_neighbours(x_g, pk, value, weapons, 1e-12)} == {"swap"}  # no 1-move
    x, objective = improve_by_reassignment(x_g, pk, value, weapons)
    assert_feasible(x, weapons)
    assert _surviving_value(x, pk, value) == pytest.approx(optimum) and objective < greedy - 0.25


def test_local_search_is_deterministic_bounded_by_max_sweeps_and_rejects_infeasible_starts():
    pk, value, weapons = _small_instance(3)
    x_g, greedy = mmr_greedy(pk, value, weapons)
    a = improve_by_reassignment(x_g, pk, value, weapons)
    b = improve_by_reassignment(x_g, pk, value, weapons)
    np.testing.assert_array_equal(a[0], b[0])
    assert a[1] == b[1]
    x0, f0 = improve_by_reassignment(x_g, pk, value, weapons, max_sweeps=0)
    np.testing.assert_array_equal(x0, x_g)
    assert f0 == pytest.approx(greedy)
    with pytest.raises(ValueError):
        improve_by_reassignment(x_g + 1, pk, value, weapons)


def _naive_greedy_assigner(feasible, pk, urgency):
    """The greedy assigner's rule written out over the whole matrix: repeatedly the feasible (fire unit, target)
    with the largest pk * remaining value (first in row-major order), each fire unit once; then each fire unit's
    first target, and each target to its lowest-numbered fire unit."""
    value = np.asarray(urgency, float).copy()
    free = np.ones(len(pk), bool)
    rounds = np.zeros(feasible.shape, np.int64)
    while True:
        best, at = 0.0, None
        for f in range(feasible.shape[0]):
            for t in range(feasible.shape[1]):
                gain = pk[f] * value[t] if feasible[f, t] and free[f] else 0.0
                if gain > best:
                    best, at = gain, (f, t)
        if at is None:
            break
        f, t = at
        rounds[f, t] += 1
        value[t] *= 1.0 - pk[f]
        free[f] = False
    taken, out = set(), []
    for f in range(feasible.shape[0]):
        if rounds[f].any():
            t = int(np.argmax(rounds[f]))
            if t not in taken:
                taken.add(t)
                out.append((f, t))
    return out


@pytest.mark.parametrize("seed", range(60))
def test_greedy_assigner_over_the_involved_units_chooses_as_over_the_whole(seed):
    from iadsim.c2.assign import greedy

    rng = np.random.default_rng(seed)
    n_f, n_t = rng.integers(1, 12), rng.integers(1, 30)
    feasible = rng.random((n_f, n_t)) < rng.choice([0.02, 0.1, 0.4])
    pk = rng.choice([0.3, 0.5, 0.5, 0.7], n_f)  # ties: identical fire units
    urgency = rng.choice([0.2, 0.5, 0.5, 1.0], n_t)
    assert greedy(feasible, pk, urgency) == _naive_greedy_assigner(feasible, pk, urgency)


@pytest.mark.parametrize("seed", range(20))
def test_assigners_that_take_disjoint_pairs_return_every_one_by_fire_unit(seed):
    """An assigner declaring ``takes_disjoint`` (the engine then nominates such pairs without calling it) returns every
    feasible pair when none shares a fire unit or a target and each is worth more than 0, by ascending fire unit;
    the built-in hungarian declares it."""
    from iadsim.c2.assign import ASSIGNERS, takes_disjoint

    declaring = [name for name in ASSIGNERS if takes_disjoint(ASSIGNERS[name])]
    assert "hungarian" in declaring
    rng = np.random.default_rng(seed)
    n_f, n_t = rng.integers(1, 15), rng.integers(1, 49)
    k = int(rng.integers(0, min(n_f, n_t) + 1))
    fs, ts = np.sort(rng.choice(n_f, k, replace=False)), rng.choice(n_t, k, replace=False)
    feasible = np.zeros((n_f, n_t), bool)
    feasible[fs, ts] = True
    pk = rng.choice([0.3, 0.5, 0.5, 0.7], n_f)  # ties: identical fire units
    urgency = rng.choice([0.2, 0.5, 0.5, 1.0], n_t)
    for name in declaring:
        got = [(int(a), int(b)) for a, b in ASSIGNERS[name](feasible, pk, urgency)]
        assert got == list(zip(fs.tolist(), ts.tolist(), strict=True)), name


def test_a_wrapper_does_not_inherit_the_declaration_that_it_takes_disjoint_pairs():
    """functools.wraps copies ``takes_disjoint`` from what it wraps: the engine does not take a wrapper at that word
    (it may filter or re-rank, and skipping its call would change the result); an undeclared assigner is called."""
    import functools

    from iadsim.c2.assign import greedy, hungarian, takes_disjoint

    @functools.wraps(hungarian)
    def fewer(feasible, pk, urgency):
        return hungarian(feasible, pk, urgency)[:1]

    assert fewer.takes_disjoint is True  # (copied)
    assert takes_disjoint(hungarian) and not takes_disjoint(fewer) and not takes_disjoint(greedy)
