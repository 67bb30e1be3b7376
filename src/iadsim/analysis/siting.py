"""Siting: positions for named units that maximise the weighted low-level detection coverage.

The problem (``docs/siting.md`` gives the formulation and its rules):

* **Coverage grid.** Square cells of ``cell`` metres (default :data:`DEFAULT_CELL`, 500 m) over the region of
  interest: the default area of interest of :func:`iadsim.analysis.coverage.area_of_interest` (the defended
  assets' circles plus 30 km, or the laydown's box) and the threat axes (cells within :data:`AXIS_WIDTH` of a
  raid's route). A cell's weight is 1 inside the area of interest plus 1 along a threat axis (so 2 where both),
  the same at every band; cells off the terrain are left out.
* **Coverage of a unit at a site** at band ``h`` (height above the cell's ground): ``iadsim coverage``'s own
  detection rule at the DEM cell holding the grid cell's centre (:func:`iadsim.sensors.path_geometry` from the
  antenna at the site's ground plus its mast height, visibility, per-look Pd >= 0.5 against the worst threat type,
  no jamming; :func:`iadsim.analysis.site._masks`). Masks are kept as packed bits per band (``numpy.packbits``,
  little bit order). Units without a sensing sensor cover nothing: they are sited only to meet the constraints.
* **Constraints.** One candidate per unit; candidates on the terrain, on a slope of at most ``max_slope``,
  not on water (land cover whose surface class is sea or fresh water); each pair of units at least
  ``min_separation`` apart; each link no longer than ``link_range`` and each fire-control link to a launcher
  without its own sensor no longer than ``launcher_reach``; units not named stay where they are; and each
  band's weighted coverage at least the given laydown's. A distance limit is never tighter than the given
  laydown's own distance for that pair and each unit may always stay at its given site, so the given laydown is
  feasible. The units' given positions are candidates too.
* **Solution** (:func:`solve`): one time budget shared by the exact MILP (:func:`scipy.optimize.milp`, HiGHS,
  zero gap), the LP relaxation and greedy construction plus local search; the best laydown found and the least of
  the upper bounds computed (MILP dual bound, LP optimum, union bound, stand-alone bound). An optimum is rarely
  unique: each unit then goes back to its given site wherever that loses no coverage and breaks no constraint, so
  a unit moves only for a gain (:func:`_stay_home`).
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field

import numpy as np

__all__ = ["AXIS_WIDTH", "BOUND_NAMES", "DEFAULT_CELL", "DEFAULT_SITING_BANDS", "LP_MAX_NONZEROS",
           "MILP_MAX_NONZEROS", "Problem", "Solution", "SitingOptions", "coverage_of", "feasible", "solve",
           "standalone_bound", "union_bound"]

DEFAULT_SITING_BANDS = (30.0, 100.0, 300.0)
"""Heights above ground [m] of the default low-level bands."""

DEFAULT_CELL = 500.0
"""Side [m] of the coverage grid's cells."""

AXIS_WIDTH = 5e3
"""Half-width [m] of a threat axis: cells within this ground distance of a raid's route."""

MILP_MAX_NONZEROS = 4_000_000
"""Largest number of (unit, candidate, cell) coverage entries the MILP is attempted with; a larger problem counts as
a MILP that does not finish in time (its LP relaxation is still tried up to :data:`LP_MAX_NONZEROS`)."""

LP_MAX_NONZEROS = 8_000_000
"""Largest number of coverage entries the model is built with at all (for the LP relaxation's bound)."""

MODEL_BYTES = LP_MAX_NONZEROS * 100
"""Memory [bytes] counted for the largest model: about 100 bytes per coverage entry (our arrays, scipy's sparse
matrix and HiGHS's copies)."""

CHUNK = 256
"""Candidates whose coverage unions the heuristic and the model builder hold at once (memory)."""

BOUND_NAMES = {"milp": "proved optimum", "milp-dual": "MILP dual bound", "lp": "LP relaxation",
               "union": "union of every allowed mask", "standalone": "sum of stand-alone gains"}
"""How the report names each kind of upper bound (:attr:`Solution.bound_kind`)."""

MILP_SHARE = 0.6
"""Share of the time budget the MILP may take; the LP relaxation may take half of what is left, the heuristic the
rest."""


@dataclass(frozen=True)
class SitingOptions:
    """The user's choices (SI units; angles in radians)."""

    bands: tuple[float, ...] = DEFAULT_SITING_BANDS
    cell: float = DEFAULT_CELL
    max_slope: float = math.radians(10.0)
    min_separation: float = 200.0
    link_range: float = 40e3
    launcher_reach: float = 5e3
    time_limit: float = 60.0
    threat_types: tuple[str, ...] | None = None


@dataclass(frozen=True)
class Problem:
    """A siting problem as arrays: what the solvers see.

    Attributes
    ----------
    xy : numpy.ndarray, shape (n_candidates, 2)
        Candidate positions [m].
    allowed : numpy.ndarray of bool, shape (n_units, n_candidates)
        Candidates each unit may take (terrain and fixed-unit constraints).
    profile : numpy.ndarray of int, shape (n_units,)
        Each unit's coverage profile: an index into ``masks``.
    masks : numpy.ndarray of uint8, shape (n_profiles, n_candidates, n_bands, n_bytes)
        Coverage of a profile at a candidate per band, as ``numpy.packbits(..., bitorder="little")`` of the
        ``n_cells`` cells.
    weights : numpy.ndarray of float, shape (n_bands, n_cells)
        Positive weight of each cell at each band.
    fixed : numpy.ndarray of uint8, shape (n_bands, n_bytes)
        Cells covered by the units kept where they are (packed likewise).
    floors : numpy.ndarray of float, shape (n_bands,)
        Least weighted coverage per band (the given laydown's).
    apart : list of (int, int, float)
        (u, v, d): units u and v at least d [m] apart.
    within : list of (int, int, float)
        (u, v, d): units u and v at most d [m] apart.
    given : numpy.ndarray of int, shape (n_units,)
        Each unit's given position, as a candidate index.
    """

    xy: np.ndarray
    allowed: np.ndarray
    profile: np.ndarray
    masks: np.ndarray
    weights: np.ndarray
    fixed: np.ndarray
    floors: np.ndarray
    apart: list[tuple[int, int, float]] = field(default_factory=list)
    within: list[tuple[int, int, float]] = field(default_factory=list)
    given: np.ndarray | None = None

    @property
    def n_units(self) -> int:
        return self.allowed.shape[0]

    @property
    def n_cells(self) -> int:
        return self.weights.shape[1]

    def planes(self) -> list[tuple[float, np.ndarray]]:
        """(weight, packed mask of the cells with that weight per band (n_bands, n_bytes)) for each weight value."""
        out = []
        n_bytes = self.fixed.shape[1]
        for value in np.unique(self.weights):
            plane = np.packbits(self.weights == value, axis=-1, bitorder="little")
            out.append((float(value), plane[:, :n_bytes]))
        return out


@dataclass(frozen=True)
class Solution:
    """A siting answer.

    Attributes
    ----------
    assignment : numpy.ndarray of int, shape (n_units,)
        Candidate index of each unit.
    objective : float
        Weighted coverage summed over the bands (fixed units included).
    per_band : numpy.ndarray, shape (n_bands,)
        Weighted coverage per band.
    method : str
        ``"milp"`` (proved optimal: HiGHS with ``mip_rel_gap=0``), ``"milp-incumbent"`` (the MILP's best laydown
        when it ran out of time, better than the heuristic's) or ``"heuristic"``.
    bound : float
        Upper bound on the optimum (the objective itself when proved optimal).
    bound_kind : str
        ``"milp"`` (proved), ``"milp-dual"`` (HiGHS's dual bound when it ran out of time), ``"lp"`` (LP relaxation),
        ``"union"`` (the weight of the fixed coverage OR-ed with every allowed mask of every unit) or
        ``"standalone"`` (the fixed coverage plus the sum of each unit's best stand-alone gain): the least of those
        computed.
    notes : list of str
        What happened: the MILP's and LP's outcomes.
    fixed_value : float
        Weighted coverage of the units kept where they are (a constant of every laydown).
    """

    assignment: np.ndarray
    objective: float
    per_band: np.ndarray
    method: str
    bound: float
    bound_kind: str
    notes: list[str]
    fixed_value: float = 0.0

    @property
    def gap(self) -> float:
        """Relative gap over the whole objective: (bound - objective) / bound (0 when proved optimal)."""
        return 0.0 if self.bound <= 0 else max(0.0, (self.bound - self.objective) / self.bound)

    @property
    def gap_sited(self) -> float:
        """Relative gap over the sited units' share: (bound - objective) / (bound - fixed_value)."""
        share = self.bound - self.fixed_value
        return 0.0 if share <= 0 else max(0.0, (self.bound - self.objective) / share)


# ----------------------------------------------------------------------------------------------------
# Evaluation
# ----------------------------------------------------------------------------------------------------
def _weighted(cover: np.ndarray, planes) -> np.ndarray:
    """Weighted count of packed coverage ``cover`` (..., n_bands, n_bytes) -> (..., n_bands)."""
    total = 0.0
    for value, plane in planes:
        total = total + value * np.bitwise_count(cover & plane).sum(axis=-1, dtype=np.int64)
    return np.asarray(total, dtype=float)


def _union(problem: Problem, assignment, skip: int | None = None) -> np.ndarray:
    cover = problem.fixed.copy()
    for u, c in enumerate(assignment):
        if u != skip:
            cover |= problem.masks[problem.profile[u], c]
    return cover


def coverage_of(problem: Problem, assignment) -> np.ndarray:
    """Weighted coverage per band (n_bands,) of the laydown ``assignment`` (a candidate index per unit)."""
    return _weighted(_union(problem, assignment), problem.planes())


def _pair_ok(problem: Problem, u: int, cu, v: int, cv) -> np.ndarray:
    """Whether unit u at candidates ``cu`` and unit v at ``cv`` (broadcast) meet their pair constraints."""
    d = np.hypot(problem.xy[cu, 0] - problem.xy[cv, 0], problem.xy[cu, 1] - problem.xy[cv, 1])
    ok = np.ones(np.shape(d), bool)
    for a, b, limit in problem.apart:
        if {a, b} == {u, v}:
            ok &= d >= limit
    for a, b, limit in problem.within:
        if {a, b} == {u, v}:
            ok &= d <= limit
    return ok


def feasible(problem: Problem, assignment, tolerance: float = 1e-6) -> bool:
    """Whether a laydown meets every constraint: allowed candidates, pairs and per-band floors."""
    a = np.asarray(assignment)
    if not problem.allowed[np.arange(problem.n_units), a].all():
        return False
    for u in range(problem.n_units):
        for v in range(u + 1, problem.n_units):
            if not _pair_ok(problem, u, a[u], v, a[v]):
                return False
    return bool((coverage_of(problem, a) >= problem.floors - tolerance).all())


def _chunks(n: int):
    for start in range(0, n, CHUNK):
        yield slice(start, min(start + CHUNK, n))


def standalone_bound(problem: Problem) -> float:
    """The fixed units' weighted coverage plus, for each unit, its best gain over it alone on an allowed candidate:
    an upper bound on any laydown's (the union's gain is at most the sum of the parts')."""
    planes = problem.planes()
    base = _weighted(problem.fixed, planes).sum()
    bound = base
    for u in range(problem.n_units):
        cand = np.flatnonzero(problem.allowed[u])
        best = 0.0
        for part in _chunks(cand.size):
            gains = _weighted(problem.masks[problem.profile[u], cand[part]] | problem.fixed, planes).sum(axis=-1)
            best = max(best, float(gains.max()) - base)
        bound += best
    return float(bound)


def union_bound(problem: Problem) -> float:
    """The weight of the fixed coverage OR-ed with every allowed candidate's mask of every unit: no laydown covers
    a cell none of them covers."""
    cover = problem.fixed.copy()
    for u in range(problem.n_units):
        cand = np.flatnonzero(problem.allowed[u])
        for part in _chunks(cand.size):
            cover |= np.bitwise_or.reduce(problem.masks[problem.profile[u], cand[part]], axis=0)
    return float(_weighted(cover, problem.planes()).sum())


# ----------------------------------------------------------------------------------------------------
# The MILP and its LP relaxation
# ----------------------------------------------------------------------------------------------------
def _entries(problem: Problem, limit: int) -> int:
    """The model's coverage entries (allowed (unit, candidate) x cell not covered by the fixed units), counting
    stopped once above ``limit``."""
    pu, pc = np.nonzero(problem.allowed)
    entries = 0
    for part in _chunks(pu.size):
        entries += int(np.bitwise_count(problem.masks[problem.profile[pu[part]], pc[part]] & ~problem.fixed).sum())
        if entries > limit:
            break
    return entries


def _model(problem: Problem):
    """(c, A, lower, upper, n_x, pairs, constant) of the MILP in scipy's form (minimise c @ z). Variables: x (unit,
    candidate) binary, then one y in [0, 1] per band and group of cells covered by the same (unit, candidate) set
    (their weights summed). Built column-wise from the packed masks, :data:`CHUNK` candidates unpacked at a time."""
    from scipy import sparse

    planes = problem.planes()
    pu, pc = np.nonzero(problem.allowed)
    n_x = pu.size
    x_id = np.full(problem.allowed.shape, -1, np.int64)
    x_id[pu, pc] = np.arange(n_x)
    n_bands, n_cells = problem.weights.shape
    free = ~problem.fixed
    constant = float(_weighted(problem.fixed, planes).sum())
    fixed_band = _weighted(problem.fixed, planes)
    rows, cols, vals, lower, upper, objective = [], [], [], [], [], []
    row = 0
    n_y = 0
    floor_rows = []
    for b in range(n_bands):
        xs, cells = [], []
        for part in _chunks(n_x):
            bits = problem.masks[problem.profile[pu[part]], pc[part], b] & free[b]
            xi, ki = np.nonzero(np.unpackbits(bits, axis=-1, count=n_cells, bitorder="little"))
            xs.append(xi + part.start)
            cells.append(ki)
        xs, cells = np.concatenate(xs).astype(np.int64), np.concatenate(cells)
        order = np.lexsort((xs, cells))
        xs, cells = xs[order], cells[order]
        edges = np.flatnonzero(np.diff(cells)) + 1
        groups: dict[bytes, list[int]] = {}
        for k0, k1 in zip(np.r_[0, edges], np.r_[edges, cells.size], strict=True):
            if k1 > k0:
                groups.setdefault(xs[k0:k1].tobytes(), []).append(int(cells[k0]))
        band_y, band_w = [], []
        for key, members in groups.items():
            x_of = np.frombuffer(key, dtype=np.int64)
            y = n_x + n_y
            n_y += 1
            rows.append(np.full(x_of.size + 1, row))
            cols.append(np.r_[y, x_of])
            vals.append(np.r_[1.0, -np.ones(x_of.size)])
            lower.append(-np.inf)
            upper.append(0.0)
            row += 1
            weight = float(problem.weights[b, members].sum())
            objective.append(weight)
            band_y.append(y)
            band_w.append(weight)
        floor_rows.append((np.asarray(band_y, np.int64), np.asarray(band_w), float(problem.floors[b] - fixed_band[b])))
    for band_y, band_w, floor in floor_rows:  # weighted coverage of each band at least its floor
        rows.append(np.full(band_y.size, row))
        cols.append(band_y)
        vals.append(band_w)
        lower.append(floor)
        upper.append(np.inf)
        row += 1
    for u in range(problem.n_units):  # one candidate per unit
        ids = x_id[u][problem.allowed[u]]
        rows.append(np.full(ids.size, row))
        cols.append(ids)
        vals.append(np.ones(ids.size))
        lower.append(1.0)
        upper.append(1.0)
        row += 1
    for kind, constraints in (("apart", problem.apart), ("within", problem.within)):
        for u, v, limit in constraints:
            cu, cv = np.flatnonzero(problem.allowed[u]), np.flatnonzero(problem.allowed[v])
            for c in cu:
                # apart: x[u,c] + sum of v's candidates too close <= 1; within: x[u,c] - sum of v's near enough <= 0
                d = np.hypot(problem.xy[cv, 0] - problem.xy[c, 0], problem.xy[cv, 1] - problem.xy[c, 1])
                others = cv[d < limit] if kind == "apart" else cv[d <= limit]
                rows.append(np.full(others.size + 1, row))
                cols.append(np.r_[x_id[u, c], x_id[v, others]])
                vals.append(np.r_[1.0, np.full(others.size, 1.0 if kind == "apart" else -1.0)])
                lower.append(-np.inf)
                upper.append(1.0 if kind == "apart" else 0.0)
                row += 1
    n = n_x + n_y
    a = sparse.csr_array((np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))), shape=(row, n))
    c = np.concatenate([np.zeros(n_x), -np.asarray(objective, float)])
    return c, a, np.asarray(lower, float), np.asarray(upper, float), n_x, (pu, pc), constant


def _assignment(problem: Problem, x: np.ndarray, pairs) -> np.ndarray | None:
    """The laydown of a 0/1 solution vector x (None unless each unit has exactly one candidate)."""
    pu, pc = pairs
    chosen = np.flatnonzero(x > 0.5)
    if np.bincount(pu[chosen], minlength=problem.n_units).tolist() != [1] * problem.n_units:
        return None
    assignment = np.zeros(problem.n_units, int)
    assignment[pu[chosen]] = pc[chosen]
    return assignment


def _solve_milp(problem: Problem, model, time_limit: float):
    """(assignment or None, status, upper bound or None). HiGHS with ``mip_rel_gap=0``: "optimal" is proved. On a
    time limit: HiGHS's incumbent (if any) and its dual bound (as an upper bound on the coverage)."""
    from scipy.optimize import Bounds, LinearConstraint, milp

    c, a, lower, upper, n_x, pairs, constant = model
    integrality = np.zeros(c.size)
    integrality[:n_x] = 1
    result = milp(c, integrality=integrality, bounds=Bounds(0, 1), constraints=LinearConstraint(a, lower, upper),
                  options={"time_limit": max(float(time_limit), 0.01), "disp": False, "mip_rel_gap": 0.0})
    assignment = None if result.x is None else _assignment(problem, result.x[:n_x], pairs)
    dual = getattr(result, "mip_dual_bound", None)
    bound = None if dual is None or not np.isfinite(dual) else constant - float(dual)
    if result.status == 0 and assignment is not None:
        return assignment, "optimal", bound
    if result.status == 2:
        return None, "infeasible", None
    return assignment, f"did not finish within {time_limit:.3g} s ({result.message})", bound


def _lp_bound(model, time_limit: float) -> tuple[float | None, str]:
    from scipy import sparse
    from scipy.optimize import linprog

    c, a, lower, upper, _, _, constant = model
    finite_up, finite_low = np.isfinite(upper), np.isfinite(lower)
    eq = finite_up & finite_low & (lower == upper)
    a_ub = [a[finite_up & ~eq], -a[finite_low & ~eq]]
    result = linprog(c, A_ub=sparse.vstack(a_ub), b_ub=np.concatenate([upper[finite_up & ~eq],
                                                                        -lower[finite_low & ~eq]]),
                     A_eq=a[eq], b_eq=upper[eq], bounds=(0, 1), method="highs",
                     options={"time_limit": max(float(time_limit), 0.01)})
    if result.status == 0:
        return constant - float(result.fun), "LP relaxation solved"
    return None, f"LP relaxation did not solve within {time_limit:.3g} s ({result.message})"


# ----------------------------------------------------------------------------------------------------
# Greedy and local search
# ----------------------------------------------------------------------------------------------------
def _moves_ok(problem: Problem, assignment: np.ndarray, u: int) -> np.ndarray:
    """(n_candidates,) bool: unit u may move to each candidate, the others staying (allowed and pairs)."""
    ok = problem.allowed[u].copy()
    cand = np.arange(problem.xy.shape[0])
    for v in range(problem.n_units):
        if v != u and assignment[v] >= 0:
            ok &= _pair_ok(problem, u, cand, v, assignment[v])
    return ok


def _per_band(problem: Problem, u: int, cover: np.ndarray, planes) -> np.ndarray:
    """(n_candidates, n_bands): weighted coverage of unit u at each candidate OR-ed with ``cover`` (in chunks)."""
    n = problem.xy.shape[0]
    out = np.empty((n, problem.weights.shape[0]))
    for part in _chunks(n):
        out[part] = _weighted(problem.masks[problem.profile[u], part] | cover, planes)
    return out


def _greedy(problem: Problem, planes) -> np.ndarray | None:
    """Units placed one at a time, each where it adds most to the coverage of those placed (pairs respected)."""
    assignment = np.full(problem.n_units, -1)
    for u in range(problem.n_units):
        placed = [v for v in range(problem.n_units) if assignment[v] >= 0]
        cover = problem.fixed.copy()
        for v in placed:
            cover |= problem.masks[problem.profile[v], assignment[v]]
        ok = _moves_ok(problem, assignment, u)
        if not ok.any():
            return None
        values = _per_band(problem, u, cover, planes).sum(axis=-1)
        values[~ok] = -np.inf
        assignment[u] = int(np.argmax(values))
    return assignment


def _local_search(problem: Problem, start: np.ndarray, planes, deadline: float) -> np.ndarray:
    """Best-improvement single-unit moves, then pair swaps, until neither improves (or the deadline)."""
    a = start.copy()
    current = float(_weighted(_union(problem, a), planes).sum())
    while time.monotonic() < deadline:
        best = (current + 1e-9, None)
        for u in range(problem.n_units):
            others = _union(problem, a, skip=u)
            per_band = _per_band(problem, u, others, planes)
            values = per_band.sum(axis=-1)
            ok = _moves_ok(problem, a, u) & (per_band >= problem.floors - 1e-9).all(axis=-1)
            values[~ok] = -np.inf
            c = int(np.argmax(values))
            if values[c] > best[0]:
                best = (float(values[c]), (u, c))
        if best[1] is None:
            for u in range(problem.n_units):
                for v in range(u + 1, problem.n_units):
                    b = a.copy()
                    b[u], b[v] = a[v], a[u]
                    if problem.profile[u] != problem.profile[v] and feasible(problem, b):
                        value = float(coverage_of(problem, b).sum())
                        if value > best[0]:
                            best = (value, ("swap", u, v))
        if best[1] is None:
            break
        if best[1][0] == "swap":
            _, u, v = best[1]
            a[u], a[v] = a[v], a[u]
        else:
            u, c = best[1]
            a[u] = c
        current = best[0]
    return a


def _stay_home(problem: Problem, assignment: np.ndarray) -> np.ndarray:
    """``assignment`` with each unit back at its given site wherever that loses no coverage and breaks no constraint
    (in unit order, until none moves back): an optimum is rarely unique, and a unit that gains nothing (one without a
    sensor, or covering what others cover) is not moved."""
    if problem.given is None:
        return assignment
    given, planes = np.asarray(problem.given), problem.planes()
    best, value = assignment.copy(), float(_weighted(_union(problem, assignment), planes).sum())
    moved = True
    while moved:
        moved = False
        for u in np.flatnonzero(best != given):
            trial = best.copy()
            trial[u] = given[u]
            v = float(_weighted(_union(problem, trial), planes).sum())
            if v >= value - 1e-9 and feasible(problem, trial):
                best, value, moved = trial, v, True
    return best


def _heuristic(problem: Problem, deadline: float) -> np.ndarray | None:
    planes = problem.planes()
    starts = []
    if problem.given is not None and feasible(problem, problem.given):
        starts.append(np.asarray(problem.given).copy())
    greedy = _greedy(problem, planes)
    if greedy is not None and feasible(problem, greedy):
        starts.append(greedy)
    best, value = None, -np.inf
    for start in starts:
        found = _local_search(problem, start, planes, deadline)
        v = float(coverage_of(problem, found).sum())
        if v > value:
            best, value = found, v
    return best


# ----------------------------------------------------------------------------------------------------
# The solver
# ----------------------------------------------------------------------------------------------------
def solve(problem: Problem, time_limit: float = 60.0, method: str = "auto") -> Solution:
    """The best laydown found within one time budget of ``time_limit`` [s] shared by the MILP, the LP relaxation
    and the heuristic, with an upper bound on the optimum.

    The MILP (when its model has at most :data:`MILP_MAX_NONZEROS` coverage entries) may take
    :data:`MILP_SHARE` of the budget; if it proves its optimum that is the answer. Otherwise the LP relaxation (when
    the model has at most :data:`LP_MAX_NONZEROS` entries) may take half of what is left, and greedy construction
    plus local search the rest; the answer is the better of the heuristic's laydown and the MILP's incumbent, and
    the bound the least of the MILP's dual bound, the LP's optimum, :func:`union_bound` and
    :func:`standalone_bound`.

    Parameters
    ----------
    problem : Problem
    time_limit : float
        The total budget [s] of the three stages (building the masks is not counted).
    method : {"auto", "heuristic"}
        ``"heuristic"`` skips the MILP (the bounds are still computed as above).

    Raises
    ------
    ValueError
        When no laydown meets the constraints (the MILP proves it, or neither it nor the heuristic finds one).
    """
    if method not in ("auto", "heuristic"):
        raise ValueError(f"unknown method {method!r}; choose auto or heuristic")
    deadline = time.monotonic() + time_limit
    planes = problem.planes()
    fixed_value = float(_weighted(problem.fixed, planes).sum())
    notes: list[str] = []
    entries = _entries(problem, LP_MAX_NONZEROS)
    model = _model(problem) if entries <= LP_MAX_NONZEROS else None
    found: list[tuple[float, str, np.ndarray]] = []
    bounds = [(standalone_bound(problem), "standalone"), (union_bound(problem), "union")]
    if model is None:
        notes.append(f"MILP and LP not attempted (too large): more than {LP_MAX_NONZEROS:,} coverage entries")
    elif method == "auto" and entries > MILP_MAX_NONZEROS:
        notes.append(f"MILP not attempted (too large): {entries:,} coverage entries, more than "
                     f"{MILP_MAX_NONZEROS:,} (counts as not finishing)")
    elif method == "auto":
        budget = max(deadline - time.monotonic(), 0.0) * MILP_SHARE
        assignment, status, dual = _solve_milp(problem, model, budget)
        notes.append(f"MILP: {status}")
        if status == "optimal":
            assignment = _stay_home(problem, assignment)
            per_band = coverage_of(problem, assignment)
            total = float(per_band.sum())
            return Solution(assignment, total, per_band, "milp", total, "milp", notes, fixed_value)
        if status == "infeasible":
            raise ValueError("the MILP proves that no laydown of the candidates meets the constraints")
        if assignment is not None and feasible(problem, assignment):
            found.append((float(coverage_of(problem, assignment).sum()), "milp-incumbent", assignment))
        if dual is not None:
            bounds.append((dual, "milp-dual"))
    if model is not None:
        bound, message = _lp_bound(model, max(deadline - time.monotonic(), 0.0) / 2)
        notes.append(message)
        if bound is not None:
            bounds.append((bound, "lp"))
    assignment = _heuristic(problem, deadline)
    if assignment is not None:
        found.append((float(coverage_of(problem, assignment).sum()), "heuristic", assignment))
    if not found:
        raise ValueError("no laydown found that meets the constraints and the given laydown's per-band coverage")
    total, how, assignment = max(found, key=lambda f: (f[0], f[1] == "heuristic"))
    assignment = _stay_home(problem, assignment)
    bound, kind = min(bounds, key=lambda b: b[0])
    per_band = coverage_of(problem, assignment)
    return Solution(assignment, float(per_band.sum()), per_band, how, max(float(bound), total), kind, notes,
                    fixed_value)
