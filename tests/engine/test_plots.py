"""Plots in the engine (issue 19): false plots against Pfa and the number of resolution cells searched, false
tracks against the M-of-N arithmetic over the false-plot density, and a dense raid whose targets the radar
cannot resolve. The expectations are worked out here from the catalog numbers, not from engine helpers."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from iadsim.engine import Engine, build_world, phases
from iadsim.units import SPEED_OF_LIGHT

from ._fire_control import catalog, scenario_maker, stream

PULSE, REACH, BEAM_DEG, PFA = 0.1e-6, 100e3, 1.0, 1e-5


@pytest.fixture
def scenario(make_scenario, tmp_path):
    return scenario_maker(make_scenario, tmp_path)


def _search_radar(scenario, pfa=PFA, **doctrine):
    """The test launcher's radar (a 1 s scan, no elevation beam: false plots on the horizon) with ``pfa``."""
    types = catalog(radar={"pfa": pfa, "pulse_width": f"{PULSE * 1e6} us"})
    return scenario("1 s", types=types, threats=[stream(1, start_x=45e3)], duration="5 min", **doctrine)


def _recorded(monkeypatch):
    """Wrap the engine's false-plot draw: the (looks, counts per look, positions) of every call."""
    seen = []
    draw = phases.false_plots

    def record(ctx, lr, ls, number, lit=None):
        out = draw(ctx, lr, ls, number, lit)
        seen.append((len(lr), np.diff(out[0]), out[1]))
        return out

    monkeypatch.setattr(phases, "false_plots", record)
    return seen


def test_each_false_plot_has_its_own_sensors_measurement_error():
    """false_plots gives each plot the variance its own sensor's measurement_sigma gives at the plot's slant and
    ground range from that sensor (at least MIN_SIGMA), whatever order the sensors' looks come in: three sensors
    with different error models, looks interleaved, the ranges worked out here from the plots' positions."""
    from types import SimpleNamespace

    class Sensor:
        def __init__(self, f):
            self.measurement_sigma = f

    sensors = [Sensor(lambda slant, ground: 30.0 + 1e-3 * ground),
               Sensor(lambda slant, ground: (2e-3 * slant).astype(np.float32)),  # (float32: read as float64)
               Sensor(lambda slant, ground: 0)]  # (a plain number, for every plot: MIN_SIGMA)
    origin = np.array([[0.0, 0.0, 10.0], [40e3, -5e3, 300.0], [-20e3, 8e3, 0.0]])
    world = SimpleNamespace(sensors=sensors, sensor_ids=["a", "b", "c"], sensor_position=origin)
    ctx = SimpleNamespace(world=world, keys=phases.rng.replication_keys(1, np.arange(8)),
                          false_plots=np.array([2.0, 3.0, 1.5]), no_false_plot=np.exp(-np.array([2.0, 3.0, 1.5])),
                          search_volume=np.array([[80e3, 0.0, 2 * np.pi, 0.3], [150e3, 1.0, 1.5, 0.5],
                                                  [60e3, -2.0, 3.0, 0.0]]))
    lr, ls = np.repeat(np.arange(8), 3), np.tile([2, 0, 1], 8)  # sensors interleaved, not in order
    ptr, z, var = phases.false_plots(ctx, lr, ls, np.arange(24) + 100)
    s = np.repeat(ls, np.diff(ptr))
    d = z - origin[s]
    slant, ground = np.linalg.norm(d, axis=-1), np.hypot(d[:, 0], d[:, 1])
    expected = np.select([s == 0, s == 1], [30.0 + 1e-3 * ground, (2e-3 * slant).astype(np.float32)], 0.0)
    np.testing.assert_allclose(var, np.maximum(expected, phases.MIN_SIGMA) ** 2, rtol=1e-6)  # (float32: rounded)
    assert len(var) > 30 and set(s.tolist()) == {0, 1, 2}


def test_each_looks_false_plots_are_scipys_poisson_quantile_of_its_keyed_draw():
    """false_plots counts a look's false plots as scipy.stats.poisson.ppf of the full keyed uniform draw over the
    sensors at the look's number (rng.uniform, stream S_FALSE) at its sensor's mean, and none in a dark look: small
    means, one above LARGE_MEAN (scipy's own branch in the engine) and dark looks interleaved."""
    from types import SimpleNamespace

    from iadsim.engine._kernels import LARGE_MEAN

    mean = np.array([0.7, 700.0, 3.0])
    assert mean[1] > LARGE_MEAN
    sensor = SimpleNamespace(measurement_sigma=lambda slant, ground: np.full(len(ground), 50.0))
    origin = np.array([[0.0, 0.0, 10.0], [40e3, -5e3, 300.0], [-20e3, 8e3, 0.0]])
    world = SimpleNamespace(sensors=[sensor] * 3, sensor_ids=["a", "b", "c"], sensor_position=origin)
    keys = phases.rng.replication_keys(5, np.arange(10))
    ctx = SimpleNamespace(world=world, keys=keys, false_plots=mean, no_false_plot=np.exp(-mean),
                          search_volume=np.array([[80e3, 0.0, 2 * np.pi, 0.3], [150e3, 1.0, 1.5, 0.5],
                                                  [60e3, -2.0, 3.0, 0.0]]))
    lr, ls = np.repeat(np.arange(10), 3), np.tile([1, 0, 2], 10)
    number = np.arange(30) + 7
    lit = np.random.default_rng(1).random(30) < 0.7
    ptr, z, var = phases.false_plots(ctx, lr, ls, number, lit)
    u = np.array([phases.rng.uniform(keys[r:r + 1], int(n), phases.S_FALSE, (3,))[0, s]
                  for r, n, s in zip(lr, number, ls, strict=True)])
    expected = np.where(lit, stats.poisson.ppf(u, mean[ls]), 0)
    np.testing.assert_array_equal(np.diff(ptr), expected)
    assert len(z) == len(var) == ptr[-1] and (var == 50.0**2).all()
    large = ls == 1  # (scipy's counts there: within 6 sigma of the mean, sqrt(mean) its Poisson sigma)
    assert (np.abs(expected[large & lit] - mean[1]) < 6 * np.sqrt(mean[1])).all()
    assert (large & ~lit).any() and (expected[~large & lit] == 0).any()


@pytest.mark.validation
def test_false_plots_follow_pfa_over_the_resolution_cells_searched(scenario, monkeypatch, validation):
    """A look searches ceil(reach / (c tau / 2)) range cells in each of ceil(360 deg / beamwidth) beam positions;
    each cell gives a false plot with probability Pfa: a Poisson number per look (mean and variance Pfa x
    cells), uniform in range over the reach."""
    cells = np.ceil(REACH / (SPEED_OF_LIGHT * PULSE / 2)) * np.ceil(360.0 / BEAM_DEG)
    world = build_world(_search_radar(scenario))
    seen = _recorded(monkeypatch)
    Engine(world, np.arange(20), seed=3, events=False).run()
    counts = np.concatenate([c for _, c, _ in seen])
    positions = np.concatenate([z for _, _, z in seen])
    assert len(counts) > 5000
    mean = PFA * cells  # 24 a look
    validation("false plots per look (iadsim.engine.phases.false_plots)",
               "Pfa x resolution cells searched, worked out in the test", counts.mean(), mean,
               abs=4 * np.sqrt(mean / len(counts)))
    assert counts.var() == pytest.approx(mean, rel=0.1)  # Poisson: the variance is the mean
    ranges = np.linalg.norm(positions - world.sensor_position[0], axis=-1)
    assert stats.kstest(ranges / REACH, "uniform").pvalue > 1e-3


def _false_track_probability(pfa, var, gate, sigma_v, look, rng, n=200_000):
    """Independent model of one false plot's chance to become a confirmed (2-of-3) false track: it opens a
    tentative track at a point uniform in range and bearing (the plane of the horizon: the radar has no
    elevation beam); the next look confirms it if a false plot falls in its gate (a disc of radius
    sqrt(gate x (2 var + (sigma_v h)^2)) after h = 1 look), else the look after with h = 2. False plots of a
    look are Poisson with the density lam / (2 pi R rho) per unit area at distance rho from the radar: the
    expected number in a disc is that density integrated over it (by Monte Carlo here). Gates are small
    enough that two tentative tracks seldom compete for a plot."""
    lam = pfa * np.ceil(REACH / (SPEED_OF_LIGHT * PULSE / 2)) * np.ceil(360.0 / BEAM_DEG)
    r0 = REACH * rng.random(n)  # where the opening plot is (its bearing does not matter)

    def expected(h):
        radius = np.sqrt(gate * (2 * var + (sigma_v * h * look) ** 2))
        # a uniform point of the disc about (r0, 0): its distance from the radar
        a, b = radius * np.sqrt(rng.random(n)), 2 * np.pi * rng.random(n)
        rho = np.hypot(r0 + a * np.cos(b), a * np.sin(b))
        inside = rho <= REACH
        return lam * np.pi * radius**2 * np.where(inside, 1.0 / (2 * np.pi * REACH * rho), 0.0)

    mu1, mu2 = expected(1), expected(2)
    return float(np.mean(1 - np.exp(-mu1) + np.exp(-mu1) * (1 - np.exp(-mu2)))), lam


@pytest.mark.validation
def test_false_tracks_confirm_at_the_rate_the_m_of_n_arithmetic_gives(scenario, validation):
    """False tracks confirmed over a run against the independent model above (4 sigma of the count and 3 %
    for its approximations: plots taken by other tracks, false plots absorbed instead of opening tracks,
    each under 1 % here).
    72 false plots a look; a new track's speed is known to 20 m/s, so its gate is small."""
    pfa, speed_sigma = 3e-5, 20.0
    world = build_world(_search_radar(scenario, pfa=pfa, doctrine={"tracking": {
        "process_noise": 1e-4, "initial_speed_sigma": f"{speed_sigma} m/s"}}))
    reps = 20
    engine = Engine(world, np.arange(reps), seed=5, events=False)
    engine.run()
    ctx = engine.ctx
    looks = reps * len(world.times)  # one look a second
    var = 1e-6  # [m^2] the test radar's 1 mm range accuracy (cross-range under 1 mm): nothing beside the speed's
    assert ctx.initial_speed_sigma == speed_sigma
    p, lam = _false_track_probability(pfa, var, ctx.gate, speed_sigma, 1.0, np.random.default_rng(1))
    expected = looks * lam * p
    got = engine.state.tracks.false_confirmed.sum()
    assert engine.state.tracks.dropped.sum() == 0  # every false plot found a slot
    assert expected > 100  # enough false tracks to see a wrong rate
    validation("false tracks confirmed (iadsim.tracking.scan, 2 of 3)",
               "M-of-N over the false-plot density, worked out in the test", float(got), expected,
               abs=4 * np.sqrt(expected) + 0.03 * expected)


def test_a_dense_raid_in_one_resolution_cell_is_one_track(scenario):
    """Two targets 50 m apart on one line (less than the 1.5 km range cell of a 10 us pulse, one beam): the
    radar follows both at once only in the look where its one track's name passes from one to the other (it
    is named after the stronger echo) - under 2 % of the run. 6 km apart it follows both once the second is
    up (half the run)."""
    both = {}
    for spacing in ("0.5 s", "60 s"):
        types = catalog(radar={"pfa": 1e-12, "pulse_width": "10 us"})
        world = build_world(scenario("1 s", types=types, threats=[stream(2, spacing=spacing)], duration="4 min"))
        engine = Engine(world, np.arange(4), seed=2, events=False)
        together = []
        while engine.state.time_index < len(world.times):
            engine.step()
            together.append(np.isfinite(engine.state.tracks.confirmed_at[:, 0, :]).all(axis=1))
        both[spacing] = np.array(together)
    assert (both["0.5 s"].mean(axis=0) < 0.02).all()
    assert (both["60 s"].mean(axis=0) > 0.45).all()


def test_a_fire_unit_cut_from_its_guiding_radar_does_not_engage(make_scenario):
    """Issue 19's check that a fire unit cut from the picture does not engage what only the cut sensor sees,
    on the kill-chain rules the real tracks feed (it held before them too): a launcher-loader sees nothing
    itself, its picture and its guidance come from the TELAR over the fire-control link. With the link down
    it never launches, though the TELAR holds the raiders; with the link up it does."""
    from ._scenarios import networked

    launches = {}
    for up in (True, False):
        data = networked()
        for unit in data["units"]:
            unit.pop("readiness", None)
        data["units"] = [u for u in data["units"] if u["id"] != "pd"]
        data["links"] = [{k: v for k, v in link.items() if k != "availability"} for link in data["links"]
                         if link["to"] != "pd" and (up or link["to"] != "ll")]
        world = build_world(make_scenario(data))
        engine = Engine(world, np.arange(4), seed=8)
        engine.run()
        ev = engine.events
        ll = world.unit_ids.index("ll")
        launches[up] = int(((ev.kind == "launch") & (ev.unit == ll)).sum())
        assert np.isfinite(engine.state.tracks.confirmed_at[:, world.sensor_ids.index("telar")]).any()
    assert launches[True] > 0 and launches[False] == 0
