"""Point defence (``defends``): a short-range fire unit beside a radar engages what its own picture shows flying at
the units it defends. The controlled case: n anti-radiation missiles launched at the same instant from n bearings
at a radar, a point-defence unit 300 m from it whose missile kills what it reaches (constant pk 1, a wide basket)
and whose radar, with c guidance channels, tracks the missiles from their launch. The kills are then the channel
and launcher arithmetic alone, worked out here by an event schedule: the unit launches one missile at a time, one
``launch_interval`` apart at least, while a guidance channel is free and an unengaged missile's intercept is inside
its envelope; a channel is busy from launch to intercept. Every missile not killed reaches the radar: the leaks."""

from __future__ import annotations

import math
from importlib.resources import files

import numpy as np
import pytest
import yaml

from iadsim.analysis.metrics import METRICS
from iadsim.engine import Engine, build_world
from iadsim.scenario.catalog import builtin_catalog

from ._scenarios import scenario_dict

GROUND = 100.0  # m, the flat terrain
MAST = 10.0  # m, the radar's antenna
PD_XY = (300.0, 0.0)  # m, the point-defence unit
LAUNCH_RANGE = 45e3  # m, ground range of every launch from the radar
START = 60e3  # m, where the fighters start, flying straight at the radar
ALTITUDE = 1000.0  # m above mean sea level
ARM = "harm-class-arm"
MISSILE = {"min_range": 5e3, "max_range": 20e3, "min_altitude": 5.0, "max_altitude": 15e3, "speed": 900.0}
INTERVAL = 1.0  # s between two launches of the point-defence unit


def _catalog(channels: int) -> str:
    builtin = yaml.safe_load(files("iadsim.scenario").joinpath("catalog/air_defence.yaml").read_text())
    radar = dict(builtin["types"]["sr-radar"])
    # a hundred times the power: it sees a 0.1 m^2 missile from about 50 km, firm tracks long before the envelope
    radar.update(peak_power={"value": "2 MW", "source": "test", "grade": "assumed"},
                 instrumented_range={"value": "110 km", "source": "test", "grade": "assumed"},
                 guidance_channels={"value": channels, "source": "test", "grade": "assumed"})
    radar = {k: ({**v, "source": "test"} if isinstance(v, dict) and "source" in v else v) for k, v in radar.items()}
    value = lambda v: {"value": v, "source": "test", "grade": "assumed"}  # noqa: E731
    return yaml.safe_dump({"sources": {"test": "a test's controlled case"}, "types": {
        "pd-radar": radar,
        "sure-missile": {"kind": "missile", "label": "kills what it reaches", "min_range": value("5 km"),
                         "max_range": value("20 km"), "min_altitude": value("5 m"), "max_altitude": value("15 km"),
                         "speed": value("900 m/s"), "max_target_speed": value("1000 m/s"), "pk": value(1.0)},
        "pd-system": {"kind": "launcher", "label": "point defence", "missile": "sure-missile", "missiles": value(40),
                      "launch_interval": value(f"{INTERVAL} s"), "reload_time": value("1 h"), "radar": "pd-radar"}}},
        sort_keys=False)


def _bearings(n: int) -> list[float]:
    return [math.radians(70.0 + 40.0 * i / max(n - 1, 1)) for i in range(n)]  # from north, clockwise


def _scenario(tmp_path, n: int, channels: int, mode: str | None = None, step: str = "1 s", passer: bool = False):
    (tmp_path / "pd.yaml").write_text(_catalog(channels))
    pd = {"id": "pd", "type": "pd-system", "x": f"{PD_XY[0]} m", "y": f"{PD_XY[1]} m", "defends": ["ew"]}
    if mode:
        pd["point_defence"] = mode
    units = [{"id": "ew", "type": "ew-radar", "x": "0 km", "y": "0 km", "mast_height": f"{MAST} m"}, pd]
    threats = []
    for i, b in enumerate(_bearings(n)):
        route = [{"x": f"{r * math.sin(b)} m", "y": f"{r * math.cos(b)} m", "altitude": f"{ALTITUDE} m"}
                 for r in (START, 30e3)]
        threats.append({"id": f"sead{i}", "type": "fighter", "altitude_reference": "msl", "route": route,
                        "arms": [{"type": ARM, "at": "ew", "launch_range": f"{LAUNCH_RANGE} m"}]})
    if passer:  # a drone crossing 8 km south of the radar, inside the envelope, flying at nothing defended
        threats.append({"id": "passer", "type": "drone", "altitude_reference": "msl", "start": "60 s", "route": [
            {"x": "12 km", "y": "-8 km", "altitude": "600 m"}, {"x": "-12 km", "y": "-8 km", "altitude": "600 m"}]})
    return scenario_dict(units, [], threats, step=step, duration="200 s", catalog=["pd.yaml"],
                         terrain={"flat": f"{GROUND} m", "extent": "200 km"}, defended_assets=[],
                         doctrine={"engagement": "salvo", "salvo_size": 1, "acquisition_basket": "5 km"})


def _intercept(p0: np.ndarray, v: np.ndarray, f: np.ndarray, speed: float) -> float:
    """Time of flight of a constant-speed missile from ``f`` to a target at ``p0`` moving at ``v`` (the smallest
    positive root of |p0 + v t - f| = speed t); inf if none."""
    d = p0 - f
    a, b, c = v @ v - speed**2, 2 * d @ v, d @ d
    roots = np.roots([a, b, c]) if abs(a) > 1e-9 else np.array([-c / b])
    roots = roots[np.isreal(roots)].real
    roots = roots[roots > 0]
    return float(roots.min()) if len(roots) else math.inf


def _schedule(n: int, channels: int, slack: float = 0.0) -> tuple[int, list[float]]:
    """(missiles killed, launch times) of the event schedule: each anti-radiation missile flies from its launch
    point straight at the radar's antenna from the same instant; the unit launches at the earliest time a channel
    is free, INTERVAL has passed since its last launch and an unengaged missile's intercept lies in its envelope.
    ``slack`` [s] delays (or advances) each channel's next launch: the case is robust if the count stays."""
    cat = builtin_catalog()
    arm_speed = cat.types[ARM].speed.value
    launch = (START - LAUNCH_RANGE) / cat.types["fighter"].cruise_speed.value
    antenna = np.array([0.0, 0.0, GROUND + MAST])
    f = np.array([PD_XY[0], PD_XY[1], GROUND + 3.0])
    starts = [np.array([LAUNCH_RANGE * math.sin(b), LAUNCH_RANGE * math.cos(b), ALTITUDE]) for b in _bearings(n)]
    vel = [(antenna - s) / np.linalg.norm(antenna - s) * arm_speed for s in starts]
    impact = launch + np.linalg.norm(antenna - starts[0]) / arm_speed

    def feasible(i: int, t: float) -> float | None:
        p0 = starts[i] + vel[i] * (t - launch)
        tof = _intercept(p0, vel[i], f, MISSILE["speed"])
        point = p0 + vel[i] * tof
        ground, height = math.hypot(*(point[:2] - f[:2])), point[2] - GROUND
        inside = (MISSILE["min_range"] <= ground <= MISSILE["max_range"]
                  and MISSILE["min_altitude"] <= height <= MISSILE["max_altitude"] and t + tof < impact)
        return tof if inside else None

    free, ready, engaged, launches = [launch] * channels, launch, set(), []
    t = launch
    while t < impact and len(engaged) < n:
        channel = int(np.argmin(free))
        t = max(t, ready, free[channel])
        options = [(i, tof) for i in range(n) if i not in engaged and (tof := feasible(i, t)) is not None]
        if not options:
            t += 0.01  # (not yet inside, or no longer)
            continue
        i, tof = options[0]
        engaged.add(i)
        launches.append(t)
        free[channel], ready = t + tof + slack, t + INTERVAL
    return len(engaged), launches


@pytest.mark.parametrize(("n", "channels", "step"), [(6, 1, "1 s"), (8, 2, "1 s"), (8, 2, "5 s"), (10, 3, "2 s"),
                                                     (4, 4, "1 s")])
def test_point_defence_against_simultaneous_missiles_leaks_what_the_channels_cannot_serve(make_scenario, tmp_path, n,
                                                                                         channels, step):
    killed, launches = _schedule(n, channels)
    assert _schedule(n, channels, 0.5)[0] == _schedule(n, channels, -0.5)[0] == killed  # no knife edge
    assert killed == min(n, 3 * channels)  # three cycles a channel fit between the envelope's edges
    reps = 8
    world = build_world(make_scenario(_scenario(tmp_path, n, channels, step=step)))
    engine = Engine(world, np.arange(reps), seed=2)
    engine.run()
    ev = engine.events
    assert (ev.kind == "arm_launch").sum() == n * reps  # every missile launched
    shot = METRICS["arms_defeated"].of_state(world, engine.state) - engine.state.outcomes.arms_missed
    assert shot.tolist() == [killed] * reps, (killed, launches)
    impacts = ev[ev.kind.isin(["arm_hit", "arm_miss"])].groupby("replication").size()
    assert impacts.reindex(range(reps), fill_value=0).tolist() == [n - killed] * reps


def test_only_and_first(make_scenario, tmp_path):
    """A drone crossing the unit's envelope flying at nothing it defends: a point-defence unit (only) never
    engages it; with first it does, once the missiles flying at the radar leave a channel free; without defends
    the unit engages whatever it can."""
    fired = {}
    for mode in ("only", "first", None):
        data = _scenario(tmp_path, 2, 4, mode=mode, passer=True)
        if mode is None:
            data["units"][1].pop("defends")
        world = build_world(make_scenario(data))
        engine = Engine(world, np.arange(4), seed=2)
        engine.run()
        launches = engine.events[engine.events.kind == "launch"]
        passer = world.target_ids.index("passer")
        fired[mode] = ((launches.target == passer).sum(), world.arm[launches.target.to_numpy()].sum())
    assert fired["only"][0] == 0 and fired["only"][1] >= 2 * 4
    assert fired["first"][0] > 0 and fired["first"][1] >= 2 * 4
    assert fired[None][0] > 0


def test_first_serves_what_flies_at_the_defended_units_before_more_urgent_targets(make_scenario, tmp_path):
    """One channel, two missiles at the radar: the first is engaged at the envelope's edge; when its intercept frees
    the channel, the second missile and a fighter 11 s from the asset it attacks (the more urgent target to the
    assigner) compete. A point-defence unit (first) takes the missile; the same unit without defends takes the
    fighter."""
    chosen = {}
    for mode in ("first", None):
        data = _scenario(tmp_path, 2, 1, mode=mode)
        if mode is None:
            data["units"][1].pop("defends")
        data["defended_assets"] = [{"id": "depot", "x": "4 km", "y": "-8 km", "radius": "500 m"}]
        data["threats"].append({"id": "strike", "type": "fighter", "altitude_reference": "msl", "start": "80 s",
                                "target": "depot", "route": [{"x": "12 km", "y": "-8 km", "altitude": "600 m"},
                                                             {"x": "4 km", "y": "-8 km", "altitude": "600 m"}]})
        world = build_world(make_scenario(data))
        engine = Engine(world, np.arange(3), seed=2)
        engine.run()
        launches = engine.events[engine.events.kind == "launch"].sort_values(["replication", "time"])
        second = launches.groupby("replication").nth(1)
        assert (second.time > 100.0).all() and (second.time < 102.0).all()  # when the first intercept frees it
        chosen[mode] = {world.target_ids[t] for t in second.target}
    assert chosen["first"] <= {"sead0-arm1", "sead1-arm1"} and len(chosen["first"]) >= 1
    assert chosen[None] == {"strike"}
