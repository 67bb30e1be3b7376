"""Siting (issue 26, item 1): the MILP's optimum proved by exhaustive search on small instances, the heuristic's
bound checked valid, the constraints respected in the written scenario, and bad input refused (exit 2)."""

from __future__ import annotations

import itertools
import json
import math
import os
from types import SimpleNamespace

import numpy as np
import pytest

from iadsim.analysis import siting
from iadsim.analysis.site import SitingOptions, build_problem
from iadsim.analysis.siting import Problem, solve
from iadsim.cli import main
from iadsim.scenario import load_scenario
from iadsim.terrain import Dem, write_geotiff


# ----------------------------------------------------------------------------------------------------
# An independent exhaustive search over boolean coverage (no packed bits, no solver code)
# ----------------------------------------------------------------------------------------------------
def _exhaustive(cover, weights, fixed, allowed, xy, apart, within, floors):
    """Best (value, assignment) over every assignment; cover (n_units, n_cand, n_bands, n_cells) bool."""
    n_units, n_cand = allowed.shape
    best, best_a = -math.inf, None
    for a in itertools.product(range(n_cand), repeat=n_units):
        if not all(allowed[u, c] for u, c in enumerate(a)):
            continue
        d = {(u, v): math.dist(xy[a[u]], xy[a[v]]) for u in range(n_units) for v in range(n_units)}
        if any(d[u, v] < lim for u, v, lim in apart) or any(d[u, v] > lim for u, v, lim in within):
            continue
        union = fixed.copy()
        for u, c in enumerate(a):
            union |= cover[u, c]
        per_band = (union * weights).sum(axis=1)
        if (per_band < floors - 1e-9).any():
            continue
        if per_band.sum() > best:
            best, best_a = float(per_band.sum()), a
    return best, best_a


def _pack(a):
    return np.packbits(a, axis=-1, bitorder="little")


def _random_problem(seed: int, n_units=3, n_cand=9, n_bands=2, n_cells=70, profiles=2):
    rng = np.random.default_rng(seed)
    xy = rng.uniform(0, 10e3, (n_cand, 2))
    cover_p = rng.random((profiles, n_cand, n_bands, n_cells)) < 0.25
    cover_p[:, :, 1] |= cover_p[:, :, 0]  # a higher band sees at least what a lower one does
    profile = rng.integers(0, profiles, n_units)
    weights = rng.integers(1, 4, (n_bands, n_cells)).astype(float)
    fixed = rng.random((n_bands, n_cells)) < 0.1
    allowed = rng.random((n_units, n_cand)) < 0.8
    given = rng.choice(n_cand, n_units, replace=False)
    allowed[np.arange(n_units), given] = True
    apart = [(0, 1, 2500.0)] if math.dist(xy[given[0]], xy[given[1]]) >= 2500 else []
    limit = max(6e3, math.dist(xy[given[1]], xy[given[2]]))
    within = [(1, 2, limit)]
    cover = cover_p[profile]
    union = fixed.copy()
    for u, c in enumerate(given):
        union |= cover[u, c]
    floors = (union * weights).sum(axis=1)
    problem = Problem(xy, allowed, profile, _pack(cover_p), weights, _pack(fixed), floors, apart, within, given)
    return problem, (cover, weights, fixed, allowed, xy, apart, within, floors)


def _ok(problem_args, a) -> bool:
    cover, weights, fixed, allowed, xy, apart, within, floors = problem_args
    _, found = _exhaustive(cover, weights, fixed, allowed[:, :] & _only(allowed, a), xy, apart, within, floors)
    return found is not None


def _only(allowed, a):
    mask = np.zeros_like(allowed)
    mask[np.arange(len(a)), a] = True
    return mask


@pytest.mark.parametrize("seed", range(6))
def test_milp_optimum_equals_exhaustive_search(seed):
    problem, args = _random_problem(seed)
    best, _ = _exhaustive(*args)
    solution = solve(problem, time_limit=30)
    assert solution.method == "milp" and solution.bound_kind == "milp"
    assert solution.objective == pytest.approx(best)
    assert _ok(args, solution.assignment)  # the MILP's laydown meets every constraint (checked independently)


@pytest.mark.parametrize("seed", range(4))
def test_heuristic_is_below_a_valid_lp_bound(seed):
    problem, args = _random_problem(seed + 10)
    best, _ = _exhaustive(*args)
    solution = solve(problem, time_limit=30, method="heuristic")
    assert solution.method == "heuristic" and solution.bound_kind == "lp"
    assert _ok(args, solution.assignment)
    assert solution.objective <= best + 1e-9 <= solution.bound + 1e-6
    assert 0 <= solution.gap == pytest.approx((solution.bound - solution.objective) / solution.bound)


def _bounds_by_hand(args):
    """(stand-alone bound, union bound) written out on the boolean coverage."""
    cover, weights, fixed, allowed, *_ = args
    base = (fixed * weights).sum()
    standalone = base + sum(max(((fixed | cover[u, c]) * weights).sum() - base for c in np.flatnonzero(allowed[u]))
                            for u in range(len(allowed)))
    union = fixed.copy()
    for u in range(len(allowed)):
        for c in np.flatnonzero(allowed[u]):
            union |= cover[u, c]
    return standalone, (union * weights).sum()


def test_union_and_standalone_bounds_when_the_model_is_too_large(monkeypatch):
    problem, args = _random_problem(3)
    best, _ = _exhaustive(*args)
    monkeypatch.setattr(siting, "MILP_MAX_NONZEROS", 0)
    monkeypatch.setattr(siting, "LP_MAX_NONZEROS", 0)
    solution = solve(problem, time_limit=30)
    standalone, union = _bounds_by_hand(args)
    assert solution.method == "heuristic" and any("LP not attempted (too large)" in n for n in solution.notes)
    assert solution.bound == pytest.approx(min(standalone, union)) and solution.bound >= best
    assert solution.bound_kind == ("union" if union < standalone else "standalone")
    assert solution.objective <= best + 1e-9


def test_the_lp_is_still_tried_when_the_milp_is_too_large(monkeypatch):
    problem, args = _random_problem(4)
    best, _ = _exhaustive(*args)
    monkeypatch.setattr(siting, "MILP_MAX_NONZEROS", 0)
    solution = solve(problem, time_limit=30)
    assert any("MILP not attempted (too large)" in n for n in solution.notes)
    assert "LP relaxation solved" in solution.notes
    assert solution.objective <= best + 1e-9 <= solution.bound + 1e-6
    fixed_value = (args[2] * args[1]).sum()
    assert solution.gap_sited == pytest.approx((solution.bound - solution.objective) / (solution.bound - fixed_value))


def test_a_milp_time_out_falls_back_to_the_lp_bound(monkeypatch):
    import scipy.optimize

    problem, args = _random_problem(5)
    best, _ = _exhaustive(*args)

    def timed_out(*_args, **_kwargs):  # HiGHS out of time with neither incumbent nor dual bound
        return SimpleNamespace(status=1, x=None, mip_dual_bound=None, message="Time limit reached.")

    monkeypatch.setattr(scipy.optimize, "milp", timed_out)
    solution = solve(problem, time_limit=30)
    assert any(n.startswith("MILP: did not finish") for n in solution.notes)
    assert "LP relaxation solved" in solution.notes
    assert solution.method == "heuristic" and _ok(args, solution.assignment)
    assert solution.objective <= best + 1e-9 <= solution.bound + 1e-6


def test_a_milp_time_out_keeps_its_incumbent_and_dual_bound(monkeypatch):
    import scipy.optimize

    problem, args = _random_problem(0)
    best, found = _exhaustive(*args)
    real = scipy.optimize.milp

    def interrupted(c, **kwargs):  # the optimum found but not proved: reported as a time-out, dual bound loose
        result = real(c, **kwargs)
        return SimpleNamespace(status=1, x=result.x, mip_dual_bound=result.fun - 0.5, message="Time limit reached.")

    monkeypatch.setattr(scipy.optimize, "milp", interrupted)
    monkeypatch.setattr(siting, "_heuristic", lambda *_: None)  # only the incumbent is left
    solution = solve(problem, time_limit=30)
    assert solution.method == "milp-incumbent" and solution.objective == pytest.approx(best)
    assert solution.bound_kind == "milp-dual" and solution.bound == pytest.approx(best + 0.5)


def test_binding_floors_are_met():
    """Floors from the laydown best at band 0 alone: the unconstrained optimum breaks them on some instances."""
    binding = 0
    for seed in range(30):
        problem, args = _random_problem(100 + seed)
        cover, weights, fixed, allowed, xy, apart, within, _ = args
        band0 = np.array([weights[0], 0 * weights[1]])
        _, a0 = _exhaustive(cover, band0, fixed, allowed, xy, apart, within, np.full(2, -1e9))
        union = fixed.copy()
        for u, c in enumerate(a0):
            union |= cover[u, c]
        floors = (union * weights).sum(axis=1)
        free, _ = _exhaustive(cover, weights, fixed, allowed, xy, apart, within, np.full(2, -1e9))
        best, _ = _exhaustive(cover, weights, fixed, allowed, xy, apart, within, floors)
        if free <= best + 1e-9:
            continue
        binding += 1
        bound = Problem(xy, allowed, problem.profile, problem.masks, weights, problem.fixed, floors, apart, within,
                        np.asarray(a0))
        for method in ("auto", "heuristic"):
            solution = solve(bound, time_limit=30, method=method)
            assert (solution.per_band >= floors - 1e-9).all()
            assert solution.objective <= best + 1e-9
        assert solve(bound, time_limit=30).objective == pytest.approx(best)
        if binding == 3:
            break
    assert binding == 3  # the floors did bind on three instances


def test_binding_separation_is_kept():
    """Two units, three candidates: the two best sites are 100 m apart, the separation is 500 m."""
    xy = np.array([[0.0, 0.0], [100.0, 0.0], [5000.0, 0.0]])
    cover = np.zeros((1, 3, 1, 16), bool)
    cover[0, 0, 0, :6] = True  # best
    cover[0, 1, 0, 6:11] = True  # second best, next to the best
    cover[0, 2, 0, 11:14] = True  # far, least
    problem = Problem(xy, np.ones((2, 3), bool), np.zeros(2, int), _pack(cover), np.ones((1, 16)),
                      _pack(np.zeros((1, 16), bool)), np.array([9.0]), [(0, 1, 500.0)], [], np.array([0, 2]))
    for method in ("auto", "heuristic"):
        solution = solve(problem, time_limit=30, method=method)
        assert sorted(solution.assignment.tolist()) == [0, 2] and solution.objective == 9.0


def test_a_unit_moves_only_for_a_gain():
    """Three units, four candidates: unit 0's best site covers more than its given one; unit 1 covers nothing (a
    launcher, a command post) and unit 2 what unit 0 covers at its best site. Every optimum moves unit 0 or unit 2
    to a best site; only those that keep the other two at their given sites tell the analyst nothing false ("move
    it, for no gain")."""
    xy = np.array([[0.0, 0.0], [1000.0, 0.0], [2000.0, 0.0], [3000.0, 0.0]])
    cover = np.zeros((2, 4, 1, 16), bool)
    cover[0, 0, 0, :4] = True  # the given site of units 0 and 2's profile
    cover[0, 1, 0, :10] = True  # the best site
    cover[0, 2, 0, 2:8] = True  # unit 2's given site: inside what the best site covers
    cover[0, 3, 0, :10] = True  # as good as the best site
    profile = np.array([0, 1, 0])  # unit 1's profile covers nothing anywhere
    given = np.array([0, 3, 2])
    for method in ("auto", "heuristic"):
        problem = Problem(xy, np.ones((3, 4), bool), profile, _pack(cover), np.ones((1, 16)),
                          _pack(np.zeros((1, 16), bool)), np.array([8.0]), [], [], given)
        solution = solve(problem, time_limit=30, method=method)
        assert solution.objective == 10.0
        assert solution.assignment[1] == given[1], method  # it covers nothing: it stays
        assert (solution.assignment != given).sum() == 1, (method, solution.assignment)


# ----------------------------------------------------------------------------------------------------
# A scenario on a small synthetic DEM
# ----------------------------------------------------------------------------------------------------
_SCENARIO = """\
name: ridges
duration: 5 min
terrain: {{source: ridges.tif}}
defended_assets:
  - {{id: base, x: 0 km, y: 0 km, radius: 1 km}}
units:
  - {{id: cp, type: command-post, x: 1 km, y: -1 km}}
  - {{id: sr1, type: mr-search-radar, x: -3 km, y: -3 km, mast_height: 10 m}}
  - {{id: sr2, type: mr-search-radar, x: 4 km, y: 3 km, mast_height: 10 m}}
  - {{id: telar, type: mr-telar, x: -1 km, y: 1 km, mast_height: 6 m}}
  - {{id: ll, type: mr-launcher-loader, x: -1.4 km, y: 0.6 km}}
links:
  - {{from: sr1, to: cp, carries: tracks}}
  - {{from: sr2, to: cp, carries: tracks}}
  - {{from: cp, to: telar, carries: cues}}
  - {{from: telar, to: ll, carries: fire-control}}
threats:
  - id: raid
    type: attack-helicopter
    target: base
    altitude_reference: agl
    route:
      - {{x: -12 km, y: 8 km, altitude: 30 m}}
      - {{x: 0 km, y: 0 km, altitude: 30 m}}
"""

CANDIDATES = [(-6, -6), (-6, 5), (5, -6), (0, 8), (8, 0), (-2, -7), (3, 7), (-8, 0), (2, 2)]


def _write(tmp_path, half=15e3):
    cell = 200.0
    n = int(2 * half / cell)
    centres = (np.arange(n) + 0.5) * cell - half
    x, y = np.meshgrid(centres, -centres)
    ridges = 500 * np.exp(-((x - 0.4 * y - 3e3) / 700) ** 2) + 400 * np.exp(-((y + 0.3 * x - 4e3) / 600) ** 2)
    # a gentle tilt (0.6 degrees): no cell is level
    elevation = 300.0 + 0.01 * x + ridges + 200 * np.exp(-((x + 5e3) ** 2 + (y - 5e3) ** 2) / 2e6)
    write_geotiff(tmp_path / "ridges.tif", elevation, Dem.from_array(elevation, cell, (-half, half), "EPSG:32633"))
    scenario = tmp_path / "ridges.yaml"
    scenario.write_text(_SCENARIO.format())
    candidates = tmp_path / "candidates.csv"
    candidates.write_text("x,y\n" + "".join(f"{a} km,{b} km\n" for a, b in CANDIDATES))
    return scenario, candidates


def test_site_command_finds_the_exhaustive_optimum_and_respects_the_constraints(tmp_path, capsys):
    scenario, candidates = _write(tmp_path)
    out = tmp_path / "out"
    args = ["site", str(scenario), "--units", "sr1,telar,ll", "--candidates", str(candidates), "--cell", "1km",
            "--min-separation", "1km", "--launcher-reach", "3km", "--max-slope", "30", "--out", str(out)]
    assert main(args) == 0, capsys.readouterr().err
    summary = json.loads((out / "siting.json").read_text())
    assert summary["solver"]["status"] == "optimal"
    assert {"ridges-sited.yaml", "siting.csv", "report.html", "map_30m.png", "map_100m.png"} <= {
        p.name for p in out.iterdir()}

    loaded = load_scenario(scenario)
    built = build_problem(loaded, ["sr1", "telar", "ll"], SitingOptions(
        cell=1e3, min_separation=1e3, launcher_reach=3e3, max_slope=math.radians(30)), candidates=candidates)
    p = built.problem
    cover = np.unpackbits(p.masks, axis=-1, count=p.n_cells, bitorder="little").astype(bool)[p.profile]
    fixed = np.unpackbits(p.fixed, axis=-1, count=p.n_cells, bitorder="little").astype(bool)
    best, _ = _exhaustive(cover, p.weights, fixed, p.allowed, p.xy, p.apart, p.within, p.floors)
    assert summary["solver"]["objective"] == pytest.approx(best)
    assert summary["solver"]["objective"] >= sum(summary["coverage"]["weighted_before"].values())

    sited = load_scenario(out / "ridges-sited.yaml")
    ox, oy = sited.origin_xy
    allowed_xy = {(round(a * 1e3), round(b * 1e3)) for a, b in CANDIDATES}
    allowed_xy |= {(-3000, -3000), (-1000, 1000), (-1400, 600)}  # the given positions are candidates too
    pos = {u.id: (sited.sites[u.id].x - ox, sited.sites[u.id].y - oy) for u in sited.spec.units}
    for uid in ("sr1", "telar", "ll"):
        assert (round(pos[uid][0]), round(pos[uid][1])) in allowed_xy
    assert pos["cp"] == pytest.approx((1000, -1000)) and pos["sr2"] == pytest.approx((4000, 3000))  # kept
    # separation: 1 km, or the given distance if closer (telar-ll: 566 m)
    for a, b in itertools.combinations(pos, 2):
        given = math.dist(*(_given(a), _given(b)))
        assert math.dist(pos[a], pos[b]) >= min(1000, given) - 1
    assert math.dist(pos["telar"], pos["ll"]) <= 3000 + 1  # launcher within its radar's reach
    for band, after in summary["coverage"]["weighted_after"].items():  # per-band floors
        assert after >= summary["coverage"]["weighted_before"][band]


def _given(uid):
    return {"cp": (1000, -1000), "sr1": (-3000, -3000), "sr2": (4000, 3000), "telar": (-1000, 1000),
            "ll": (-1400, 600)}[uid]


def test_the_sited_scenarios_warnings_name_its_final_path(tmp_path, capsys):
    """The written scenario is loaded (validated) in the staging folder before the swap: its loader warnings name it
    where it will be, never the staging folder that is gone once the command ends."""
    scenario, _ = _write(tmp_path)
    scenario.write_text(_SCENARIO.format().replace("altitude: 30 m", "altitude: 2 m"))  # (below the clearance)
    out = tmp_path / "out"
    assert main(["site", str(scenario), "--units", "sr1", "--auto", "5", "--cell", "2km", "--time-limit", "5",
                 "--out", str(out)]) == 0
    lines = [line for line in capsys.readouterr().err.splitlines() if "terrain clearance" in line]
    sited = [line for line in lines if "ridges-sited.yaml" in line]
    assert sited and all(f"{out / 'ridges-sited.yaml'}:" in line for line in sited), lines
    assert not any(".out." in line for line in lines), lines


def test_site_is_deterministic(tmp_path):
    scenario, candidates = _write(tmp_path)
    runs = []
    for name in ("a", "b"):
        assert main(["site", str(scenario), "--units", "sr1,sr2", "--candidates", str(candidates), "--cell", "1km",
                     "--max-slope", "30", "--out", str(tmp_path / name)]) == 0
        data = json.loads((tmp_path / name / "siting.json").read_text())
        runs.append([u["sited"] for u in data["units"]])
    assert runs[0] == runs[1]


@pytest.mark.parametrize(("extra", "expected"), [
    (["--units", "sr1,nosuch"], "--units: unknown unit 'nosuch'"),
    (["--units", "sr1", "--auto", "5"], "--candidates/--auto: give either"),
])
def test_bad_options_exit_2_with_one_line_and_nothing_written(tmp_path, capsys, extra, expected):
    scenario, candidates = _write(tmp_path)
    out = tmp_path / "out"
    assert main(["site", str(scenario), "--candidates", str(candidates), "--cell", "1km", "--out", str(out),
                 *extra]) == 2
    err = capsys.readouterr().err.strip()
    assert expected in err and len(err.splitlines()) == 1
    assert not out.exists()


def test_a_candidate_off_the_dem_names_file_line_and_field(tmp_path, capsys):
    scenario, candidates = _write(tmp_path)
    candidates.write_text("x,y\n1 km,2 km\n40 km,0 km\n")
    out = tmp_path / "out"
    assert main(["site", str(scenario), "--units", "sr1", "--candidates", str(candidates), "--out", str(out)]) == 2
    err = capsys.readouterr().err.strip()
    assert f"{candidates}:3: x: the candidate is off the terrain" in err and len(err.splitlines()) == 1
    assert not out.exists()


def test_a_given_site_too_steep_stays_allowed_with_a_warning(tmp_path, capsys):
    scenario, candidates = _write(tmp_path)  # the DEM tilts 0.57 degrees everywhere: nothing meets 0.1
    out = tmp_path / "out"
    assert main(["site", str(scenario), "--units", "sr1", "--candidates", str(candidates), "--cell", "1km",
                 "--max-slope", "0.1", "--out", str(out)]) == 0
    err = capsys.readouterr().err
    assert "unit 'sr1': its given site fails --max-slope" in err
    data = json.loads((out / "siting.json").read_text())
    assert data["units"][0]["moved_m"] == 0 and data["solver"]["status"] == "optimal"


def test_rewriting_an_existing_folder_leaves_no_stale_file(tmp_path):
    scenario, candidates = _write(tmp_path)
    out = tmp_path / "out"
    out.mkdir()
    (out / "stale.txt").write_text("from an earlier run")
    (out / "map_1000m.png").write_text("an earlier band")
    args = ["site", str(scenario), "--units", "sr1", "--candidates", str(candidates), "--cell", "1km",
            "--max-slope", "30", "--out", str(out)]
    assert main(args) == 0
    written = json.loads((out / "siting.json").read_text())["files"]
    assert sorted(p.name for p in out.iterdir()) == sorted(written)
    assert main(args) == 0  # again over its own output
    assert sorted(p.name for p in out.iterdir()) == sorted(written)
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".out")] == []  # no staging left
    umask = os.umask(0)
    os.umask(umask)
    assert out.stat().st_mode & 0o777 == 0o777 & ~umask


def test_a_candidate_next_to_nodata_is_refused(tmp_path, capsys):
    scenario, candidates = _write(tmp_path)
    dem = load_scenario(scenario).terrain
    elevation = dem.elevation.copy()
    elevation[:, 110] = np.nan  # a nodata column at x = 7.1 km; the cell at x = 6.9 km keeps its value
    write_geotiff(tmp_path / "ridges.tif", elevation, dem)
    candidates.write_text("x,y\n-6 km,-6 km\n6.95 km,2 km\n")
    out = tmp_path / "out"
    assert main(["site", str(scenario), "--units", "sr1", "--candidates", str(candidates), "--out", str(out)]) == 2
    err = capsys.readouterr().err.strip()
    assert np.isfinite(elevation[dem.xy_to_rowcol(np.array([6950.0]), np.array([2000.0]))][0])  # its own cell has data
    assert f"{candidates}:3: x: the candidate is off the terrain (DEM) or next to a nodata cell" in err
    assert len(err.splitlines()) == 1 and not out.exists()


def test_the_memory_guard_names_the_options(tmp_path, capsys, monkeypatch):
    from iadsim.analysis import site as site_module

    scenario, candidates = _write(tmp_path)
    monkeypatch.setattr(site_module, "MEMORY_BUDGET", 1e6)
    out = tmp_path / "out"
    assert main(["site", str(scenario), "--units", "sr1", "--auto", "50", "--out", str(out)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("iadsim: --cell/--auto: the run would need about") and not out.exists()


def test_coverage_of_the_given_laydown_agrees_with_coverage_maps(tmp_path):
    """On the SRTM crop around Mount Washington (rough terrain), each sited unit's coverage at its given site equals
    ``iadsim coverage``'s on the DEM cells holding the grid cells' centres: at least 99 % of the cells agree and
    siting claims at most 0.5 % of the cells more (measured: all agree)."""
    import shutil
    from pathlib import Path

    from iadsim.analysis.coverage import coverage_maps

    dem = Path(__file__).resolve().parents[1] / "data" / "dem" / "n44w072_mt_washington.tif"
    shutil.copy(dem, tmp_path / "dem.tif")
    (tmp_path / "mw.yaml").write_text(_MOUNTAIN)
    (tmp_path / "c.csv").write_text("x,y\n0 km,0 km\n")
    loaded = load_scenario(tmp_path / "mw.yaml")
    units = ["sr1", "sr2", "t1"]
    built = build_problem(loaded, units, SitingOptions(cell=400.0, max_slope=math.radians(90), min_separation=0),
                          candidates=tmp_path / "c.csv")
    maps = coverage_maps(loaded, bands=built.bands)
    p = built.problem
    x0, y1 = built.grid_origin
    cx = x0 + (built.cell_rc[:, 1] + 0.5) * built.cell
    cy = y1 - (built.cell_rc[:, 0] + 0.5) * built.cell
    r, c = loaded.terrain.xy_to_rowcol(cx, cy)
    agree = more = total = 0
    for u, uid in enumerate(units):
        ours = np.unpackbits(p.masks[p.profile[u], p.given[u]], axis=-1, count=p.n_cells, bitorder="little")
        theirs = maps.detection[maps.sensor_ids.index(uid)][:, r, c]
        agree += int((ours.astype(bool) == theirs).sum())
        more += int((ours.astype(bool) & ~theirs).sum())
        total += theirs.size
        assert theirs.any()
    assert agree >= 0.99 * total and more <= 0.005 * total


_MOUNTAIN = """\
name: mount-washington
duration: 5 min
terrain: {source: dem.tif}
defended_assets:
  - {id: base, lat: 44.27, lon: -71.30, radius: 1 km}
units:
  - {id: cp, type: command-post, lat: 44.26, lon: -71.28}
  - {id: sr1, type: mr-search-radar, lat: 44.2705, lon: -71.3036, mast_height: 15 m}
  - {id: sr2, type: mr-search-radar, lat: 44.30, lon: -71.25, mast_height: 8 m}
  - {id: t1, type: mr-telar, lat: 44.25, lon: -71.33, mast_height: 6 m}
links:
  - {from: sr1, to: cp, carries: tracks}
  - {from: sr2, to: cp, carries: tracks}
  - {from: cp, to: t1, carries: cues}
threats:
  - id: raid
    type: attack-helicopter
    target: base
    altitude_reference: agl
    route:
      - {lat: 44.33, lon: -71.40, altitude: 30 m}
      - {lat: 44.27, lon: -71.30, altitude: 30 m}
"""


def test_the_masks_do_not_depend_on_how_sweeps_and_paths_are_batched(tmp_path, monkeypatch):
    """The masks are built a few sites at a time (their mast heights swept together, over the DEM cells the paths
    may read only), the paths of a site's bands together and the Pd of several sites' paths at once: one site per
    sweep over the whole DEM and the fewest paths at once (one grid's worth: a site's bands then split, and the Pd
    judged site by site) give the same bits. The DEM reaches 45 km, the grid (the area of interest) 31 km."""
    from iadsim.analysis import site as site_module

    scenario, candidates = _write(tmp_path, half=45e3)
    loaded = load_scenario(scenario)
    options = SitingOptions(cell=1e3, bands=(30.0, 100.0, 300.0), max_slope=math.radians(30))
    units = ["sr1", "telar"]  # masts 10 m and 6 m: two heights per candidate
    windows = []
    window = site_module._window
    monkeypatch.setattr(site_module, "_window", lambda *args: windows.append(window(*args)) or windows[-1])
    batched = build_problem(loaded, units, options, candidates=candidates).problem
    n_rows, n_cols = loaded.terrain.shape
    assert site_module._sites_per_sweep(2) > 1
    assert all(w[0] > 0 and w[1] < n_rows - 1 and w[2] > 0 and w[3] < n_cols - 1 for w in windows)
    monkeypatch.setattr(site_module, "_window", lambda *args: (0, n_rows - 1, 0, n_cols - 1))
    monkeypatch.setattr(site_module, "_sites_per_sweep", lambda n_heights: 1)
    monkeypatch.setattr(site_module, "_PATHS", 1)
    alone = build_problem(loaded, units, options, candidates=candidates).problem
    assert np.unpackbits(batched.masks).any() and not np.unpackbits(batched.masks).all()
    np.testing.assert_array_equal(alone.masks, batched.masks)
    np.testing.assert_array_equal(alone.fixed, batched.fixed)


def test_paths_with_a_height_per_cell_equal_the_paths_one_height_at_a_time(tmp_path):
    """``sensor_paths`` with one target height per cell (siting's bands at once) gives, path by path, what it gives
    for each height alone (over the rough Mount Washington crop: specular points and masking differ per path)."""
    import shutil
    from dataclasses import fields
    from pathlib import Path

    from iadsim.analysis.coverage import sensor_clutter, sensor_paths
    from iadsim.sensors import Geometry, sensor_model
    from iadsim.terrain import local_relief, masking_height

    dem = Path(__file__).resolve().parents[1] / "data" / "dem" / "n44w072_mt_washington.tif"
    shutil.copy(dem, tmp_path / "dem.tif")
    (tmp_path / "mw.yaml").write_text(_MOUNTAIN)
    loaded = load_scenario(tmp_path / "mw.yaml")
    terrain, site = loaded.terrain, loaded.sites["sr1"]
    sensor = sensor_model(loaded, loaded.unit("sr1"))
    r0, c0 = terrain.xy_to_rowcol(site.x, site.y)
    mask = masking_height(terrain.elevation, terrain.cell_size, int(r0), int(c0), sensor.antenna_height)
    relief = local_relief(terrain.elevation, terrain.cell_size)
    rows, cols = np.nonzero(np.isfinite(mask))
    rows, cols = rows[::7], cols[::7]
    xs, ys = terrain.rowcol_to_xy(rows, cols)
    ground = terrain.elevation[rows, cols]
    clutter = sensor_clutter(loaded, sensor, (site.x, site.y), mask, xs, ys)
    bands = np.array([30.0, 100.0, 1000.0])
    height = bands[np.arange(xs.size) % bands.size]
    together = sensor_paths(loaded, sensor, (site.x, site.y, site.ground), mask, relief, xs, ys, ground, height,
                            clutter)
    for h in bands:
        keep = height == h
        alone = sensor_paths(loaded, sensor, (site.x, site.y, site.ground), mask, relief, xs[keep], ys[keep],
                             ground[keep], float(h), clutter[keep])
        for f in fields(Geometry):
            got, expected = getattr(together, f.name), getattr(alone, f.name)
            if isinstance(expected, np.ndarray):
                np.testing.assert_array_equal(got[keep], expected, err_msg=f.name)
            else:
                assert got == expected, f.name
    assert np.unique(together.specular).size == 2 and np.unique(together.target_height).size == 3


class _Reads(np.ndarray):
    """A raster that notes the (rows, cols) it is read at (paths' target and specular cells, land clutter's)."""

    def __array_finalize__(self, obj):
        self.log = getattr(obj, "log", None)

    def __getitem__(self, key):
        if isinstance(key, tuple) and len(key) == 2 and all(isinstance(k, np.ndarray) for k in key):
            self.log.append(tuple(np.asarray(k).ravel() for k in key))
        return super().__getitem__(key)


def test_the_paths_read_their_sweeps_within_the_swept_window(tmp_path, monkeypatch):
    """Only a window of the DEM is swept for the candidates of a batch (the box of the sites and the grid's cells,
    widened by the land clutter looked up beside a path): every cell the paths read (target, specular point,
    clutter samples) lies inside it. The DEM reaches 45 km, the grid 31 km; the clutter samples beside the paths
    to the grid's edge lie beyond the grid's box."""
    from iadsim.analysis import site as site_module

    scenario, candidates = _write(tmp_path, half=45e3)
    loaded = load_scenario(scenario)
    sweeps = site_module._sweeps
    reads = []  # per job: its window, and the rows and columns read

    def recorded(terrain, srow, scol, jobs):
        for job, sweep in sweeps(terrain, srow, scol, jobs):
            watched = sweep.view(_Reads)
            watched.log = []
            yield job, watched
            reads.append((job[3], watched.log))

    monkeypatch.setattr(site_module, "_sweeps", recorded)
    built = build_problem(loaded, ["sr1", "telar"], SitingOptions(cell=1e3, bands=(30.0, 100.0, 300.0),
                                                                  max_slope=math.radians(30)), candidates=candidates)
    x0, y1 = built.grid_origin
    grid_r, grid_c = loaded.terrain.xy_to_rowcol(x0 + (built.cell_rc[:, 1] + 0.5) * built.cell,
                                                 y1 - (built.cell_rc[:, 0] + 0.5) * built.cell)
    n_read = n_outside = beyond_grid = 0
    for (r0, r1, c0, c1), log in reads:
        for rows, cols in log:
            n_read += rows.size
            n_outside += int(((rows < r0) | (rows > r1) | (cols < c0) | (cols > c1)).sum())
            beyond_grid += int(((rows < grid_r.min()) | (rows > grid_r.max()) | (cols < grid_c.min())
                                | (cols > grid_c.max())).sum())
    assert n_read > 0 and beyond_grid > 0 and n_outside == 0


def test_a_sectored_unit_covers_only_its_sector(tmp_path):
    """A search radar looking east only (90 deg wide): sited, its masks hold no covered cell west of it."""
    scenario, candidates = _write(tmp_path)
    text = scenario.read_text().replace("{id: sr1, type: mr-search-radar, x: -3 km, y: -3 km, mast_height: 10 m}",
                                        "{id: sr1, type: mr-search-radar, x: -3 km, y: -3 km, mast_height: 10 m, "
                                        "sector: {center: 90 deg, width: 90 deg}}")
    assert "sector" in text
    scenario.write_text(text)
    built = build_problem(load_scenario(scenario), ["sr1"], SitingOptions(cell=1e3, max_slope=math.radians(30)),
                          candidates=candidates)
    p = built.problem
    cover = np.unpackbits(p.masks[p.profile[0]], axis=-1, count=p.n_cells, bitorder="little").astype(bool)
    x0, y1 = built.grid_origin
    cx = x0 + (built.cell_rc[:, 1] + 0.5) * built.cell
    cy = y1 - (built.cell_rc[:, 0] + 0.5) * built.cell
    for c, (sx, sy) in enumerate(p.xy):
        seen = cover[c].any(axis=0)
        assert seen.any()
        bearing = np.degrees(np.arctan2(cx[seen] - sx, cy[seen] - sy))
        assert (np.abs(bearing - 90) <= 45 + 10).all()  # (judged at the DEM cell holding each grid centre)
