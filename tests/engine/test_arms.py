"""Anti-radiation missiles and shutdowns on warning. A fighter flies straight at an early-warning radar and launches
where its route comes within the launch range; the missile flies straight at the radar's antenna at its speed. The
expected launch and impact times, the silence before the impact and the kill probabilities are worked out here
from the route, the catalog's figures and the Carleton damage function integrated over a circular normal miss
(Driels, *Weaponeering*, 2nd ed., 2013): E[D0 exp(-pi D0 r^2 / A_L)] = D0 / (1 + 2 pi D0 sigma^2 / A_L)."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
from scipy import stats

from iadsim.analysis.metrics import METRICS
from iadsim.engine import Engine, build_world
from iadsim.scenario.catalog import builtin_catalog

from ._scenarios import scenario_dict

RADAR = (10.0, 0.0)  # km
START = (70.0, 0.0)  # km: the fighter flies west along y = 0
ALTITUDE = 5000.0  # m above the flat ground
MAST = 10.0  # m
ARM = "harm-class-arm"


def _scenario(launch_range: float = 41.3, rounds: int = 1, count: int = 1, hold: str = "0 s", emcon: dict | None = None,
              shutdown: dict | None = None, step: str = "1 s", altitude: float = ALTITUDE, duration: str = "300 s",
              defence: bool = False, spacing: str = "60 s") -> dict:
    radar = {"id": "ew", "type": "ew-radar", "x": f"{RADAR[0]} km", "y": f"{RADAR[1]} km", "mast_height": f"{MAST} m",
             "emcon": dict(emcon or {}) | ({"shutdown": shutdown} if shutdown else {})}
    units = [radar, {"id": "cp", "type": "command-post", "x": "0 km", "y": "-3 km"}]
    links = [{"from": "ew", "to": "cp", "carries": "tracks"}]
    if defence:  # a short-range system beside the radar, cued by the command post
        units.append({"id": "pd", "type": "sr-system", "x": f"{RADAR[0] - 0.5} km", "y": "0.5 km"})
        links.append({"from": "cp", "to": "pd", "carries": "cues"})
    sead = {"id": "sead", "type": "fighter", "count": count, "spacing": spacing,
            "route": [{"x": f"{START[0]} km", "y": "0 km", "altitude": f"{altitude} m"},
                      {"x": "30 km", "y": "0 km", "altitude": f"{altitude} m"}],
            "arms": [{"type": ARM, "at": "ew", "rounds": rounds, "launch_range": f"{launch_range} km",
                      "interval": "2 s", "hold": hold}]}
    return scenario_dict(units, links, [sead], step=step, duration=duration,
                         terrain={"flat": "100 m", "extent": "200 km"})


def _arm_figures() -> dict:
    entry = builtin_catalog().types[ARM]
    return {name: getattr(entry, name).value for name in ("speed", "cep", "miss_growth", "lethal_area", "peak_pk")}


def _pk(sigma: float, figures: dict) -> float:
    """The Carleton function's expectation over a circular normal miss of 1-sigma ``sigma`` per axis."""
    d0, area = figures["peak_pk"], figures["lethal_area"]
    return d0 / (1.0 + 2.0 * math.pi * d0 * sigma**2 / area)


def _geometry(scenario, launch_range: float, altitude: float = ALTITUDE) -> tuple[float, float]:
    """(launch time, impact time) from the route: the fighter at cruise speed reaches ground range
    ``launch_range`` [km] from the radar, then the missile flies the straight line to the antenna."""
    speed = scenario.catalog.types["fighter"].cruise_speed.value
    x0 = scenario.origin_xy[0]
    ground = float(scenario.terrain.elevation_at(np.array([x0]), np.array([scenario.origin_xy[1]]))[0])
    launch_x = RADAR[0] + launch_range  # km, on the track y = 0
    launch = (START[0] - launch_x) * 1e3 / speed
    path = math.hypot(launch_range * 1e3, altitude - MAST)  # the flat ground cancels out
    assert ground == pytest.approx(float(scenario.terrain.elevation_at(np.array([x0 + 5e4]), np.array([0.0]))[0]))
    return launch, launch + path / _arm_figures()["speed"]


def _run(make_scenario, data: dict, replications: int, seed: int = 3):
    world = build_world(make_scenario(data))
    engine = Engine(world, np.arange(replications), seed=seed)
    engine.run()
    return world, engine


@pytest.mark.parametrize("step", ["1 s", "5 s"])
def test_hit_fraction_is_the_mix_of_homing_and_silent_kill_probabilities(make_scenario, step):
    """One missile per replication at a radar whose crew, warned with probability q, silences it ``reaction`` after
    the launch, 5.3 s before the impact: the hit fraction is (1 - q) Pk_homing + q Pk_silent (4 standard errors),
    and the warned fraction is q. The same at 1 s and 5 s steps."""
    q, n = 0.5, 1500
    probe = make_scenario(_scenario())
    launch, impact = _geometry(probe, 41.3)
    reaction = impact - launch - 5.3
    world, engine = _run(make_scenario, _scenario(step=step, shutdown={
        "probability": q, "reaction": f"{reaction} s", "dark": "10 min"}), n)
    t = world.target_ids.index("sead-arm1")
    assert world.start_time[t] == pytest.approx(launch, abs=1e-6)
    assert world.arrival_time[t] == pytest.approx(impact, abs=1e-6)
    figures = _arm_figures()
    sigma_homing = figures["cep"] / math.sqrt(2 * math.log(2))
    pk_homing = _pk(sigma_homing, figures)
    pk_silent = _pk(sigma_homing + figures["miss_growth"] * 5.3, figures)
    expected = (1 - q) * pk_homing + q * pk_silent
    ev = engine.events
    assert (ev.kind == "arm_launch").sum() == n  # always launched: in sight, emitting
    hits = (ev.kind == "arm_hit").sum()
    assert hits + (ev.kind == "arm_miss").sum() == n
    assert abs(hits / n - expected) < 4 * math.sqrt(expected * (1 - expected) / n)
    warned = ev[ev.kind == "shutdown"]
    assert abs(len(warned) / n - q) < 4 * math.sqrt(q * (1 - q) / n)
    assert np.allclose(warned.time, launch + reaction)
    # warned replications hit with Pk_silent, the others with Pk_homing
    hit_rows = set(ev.replication[ev.kind == "arm_hit"])
    warned_rows = set(warned.replication)
    n_w = len(warned_rows)
    h_w = len(hit_rows & warned_rows)
    assert abs(h_w / n_w - pk_silent) < 4 * math.sqrt(pk_silent * (1 - pk_silent) / n_w) + 1 / n_w
    h_u = len(hit_rows - warned_rows)
    assert abs(h_u / (n - n_w) - pk_homing) < 4 * math.sqrt(pk_homing * (1 - pk_homing) / (n - n_w))
    # the metrics: every missile launched; defeated = missed (no defence here)
    assert METRICS["arms_launched"].of_state(world, engine.state).tolist() == [1] * n
    defeated = METRICS["arms_defeated"].of_state(world, engine.state)
    assert defeated.sum() == n - hits


def test_miss_after_shutdown_follows_the_growth_law(make_scenario):
    """The logged impact errors are Rayleigh with sigma = homing sigma + miss_growth x silence: for missiles at a
    radar silenced 12 s before the impact, and for those at one that kept emitting (Kolmogorov-Smirnov)."""
    probe = make_scenario(_scenario())
    launch, impact = _geometry(probe, 41.3)
    figures = _arm_figures()
    sigma_homing = figures["cep"] / math.sqrt(2 * math.log(2))
    for probability, silence in ((1.0, 12.0), (0.0, 0.0)):
        shutdown = {"probability": probability, "reaction": f"{impact - launch - 12.0} s", "dark": "10 min"}
        world, engine = _run(make_scenario, _scenario(shutdown=shutdown), 400)
        ev = engine.events
        miss = ev[ev.kind.isin(["arm_hit", "arm_miss"])].miss_distance.to_numpy()
        assert len(miss) == 400
        sigma = sigma_homing + figures["miss_growth"] * silence
        assert stats.kstest(miss, stats.rayleigh(scale=sigma).cdf).pvalue > 1e-3
        reasons = ev[ev.kind == "arm_miss"].reason.astype(str)
        assert set(reasons) <= ({"radar_dark"} if silence else {"warhead"})


def test_a_warned_radar_falls_silent_for_its_dark_time(make_scenario):
    """A crew always warned: the radar switches off reaction after the launch and on again dark later; its emission
    time is the run's duration less the silence (the missile misses: a silent radar at a huge miss growth)."""
    probe = make_scenario(_scenario())
    launch, impact = _geometry(probe, 41.3)
    reaction, dark = 7.25, 100.0
    world, engine = _run(make_scenario, _scenario(shutdown={"probability": 1.0, "reaction": f"{reaction} s",
                                                            "dark": f"{dark} s"}), 20)
    ev = engine.events
    u, s = world.unit_index["ew"], world.sensor_ids.index("ew")
    missed = sorted(set(ev.replication[ev.kind == "arm_miss"]))
    assert missed  # at a 60 s silence most miss
    off_at, on_at = launch + reaction, launch + reaction + dark
    for r in missed:
        mine = ev[(ev.replication == r) & (ev.unit == u) & ev.kind.isin(["emitter_on", "emitter_off"])]
        assert mine.kind.astype(str).tolist() == ["emitter_on", "emitter_off", "emitter_on"]
        assert mine.time.tolist() == pytest.approx([0.0, off_at, on_at])
        assert engine.state.outcomes.emission_time[r, s] == pytest.approx(world.scenario.spec.duration - dark)


def test_blinking_radar_is_launched_at_only_while_its_esm_holds_it(make_scenario):
    """A radar on 10 s, off 10 s: with no hold, an aircraft launches only the rounds that fall while it emits (the
    schedule, computed here, at each launch time); holding it 10 s, every round; a silent radar, none."""
    probe = make_scenario(_scenario())
    launch, _ = _geometry(probe, 41.3)
    blink = {"policy": "blink", "on": "10 s", "off": "10 s"}
    rounds = 8  # one every 2 s: launch, launch + 2, ...
    times = launch + 2.0 * np.arange(rounds)
    on = (times % 20.0) < 10.0
    world, engine = _run(make_scenario, _scenario(rounds=rounds, emcon=blink), 3)
    released = engine.state.outcomes.released
    arms = [world.target_ids.index(f"sead-arm{i + 1}") for i in range(rounds)]
    assert (released[:, arms] == np.where(on, 1, 2)[None, :]).all()
    assert not engine.state.outcomes.alive[:, np.array(arms)[~on]].any()  # never flew
    _, engine = _run(make_scenario, _scenario(rounds=rounds, emcon=blink, hold="10 s"), 3)
    assert (engine.state.outcomes.released[:, arms] == 1).all()
    world, engine = _run(make_scenario, _scenario(emcon={"policy": "silent"}), 3)
    assert (engine.state.outcomes.released[:, world.arm] == 2).all()
    assert (METRICS["arms_launched"].of_state(world, engine.state) == 0).all()
    assert not (engine.events.kind == "arm_launch").any()


@pytest.mark.parametrize(("launch_range", "sight"), [(48.0, False), (40.0, True)])
def test_no_launch_below_the_radio_horizon(make_scenario, launch_range, sight):
    """At 60 m above the ground (the fighter's lowest) 48 km out the aircraft is below the radar's horizon (4/3
    earth: 4.12 (sqrt(10) + sqrt(60)) km, about 44.9 km): its ESM cannot hold the radar; 40 km out it can."""
    # the radio horizon over a smooth 4/3 earth (R = 6371 km): sqrt(2 k R h) from each end, about 4.12 km sqrt(h [m])
    horizon = sum(math.sqrt(2 * 4 / 3 * 6371e3 * h) for h in (MAST, 60.0))  # [m]
    assert (launch_range * 1e3 < horizon) == sight
    from iadsim.scenario.load import ScenarioWarning

    scenario = make_scenario(_scenario(altitude=60.0, launch_range=launch_range))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        world = build_world(scenario)
    said = [str(w.message) for w in caught if issubclass(w.category, ScenarioWarning)]
    assert said == ([] if sight else ["threats[sead].arms[0]: 1 of 1 rounds are launched where the radar is out of "
                                      "sight (terrain or the horizon): they are never launched"])
    engine = Engine(world, np.arange(2), seed=3)
    engine.run()
    assert (world.arm_sight[world.arm] == sight).all()
    assert (engine.state.outcomes.released[:, world.arm] == (1 if sight else 2)).all()


def test_shot_down_missiles_are_defeated_not_kills(make_scenario):
    """A short-range system beside the radar engages the missiles: those it kills count as defeated, not as kills of
    the raid's aircraft; the raid's threats count the fighters only."""
    world, engine = _run(make_scenario, _scenario(rounds=4, count=2, defence=True), 30)
    ev, out = engine.events, engine.state.outcomes
    killed = ev[ev.kind == "kill"]
    arm_kills = killed[world.arm[killed.target.to_numpy()]]
    assert len(arm_kills) > 0
    per_row = arm_kills.groupby("replication").size().reindex(range(30), fill_value=0).to_numpy()
    assert (out.arms_shot_down == per_row).all()
    fighter_kills = killed[~world.arm[killed.target.to_numpy()]].groupby("replication").size()
    assert (out.kills == fighter_kills.reindex(range(30), fill_value=0).to_numpy()).all()
    assert world.threat.sum() == 2
    defeated = METRICS["arms_defeated"].of_state(world, engine.state)
    assert (defeated == out.arms_shot_down + (ev.kind == "arm_miss").groupby(ev.replication).sum().reindex(
        range(30), fill_value=0).to_numpy() - _gone(ev) - _shot_down_late(ev, world)).all()


def _shot_down_late(ev, world) -> np.ndarray:
    """Missiles shot down after their radar's ``destroyed`` event (not defeated: nothing left to strike)."""
    destroyed = ev[ev.kind == "destroyed"].groupby(["replication", "unit"]).time.min()
    late = np.zeros(30, np.int64)
    for row in ev[(ev.kind == "kill") & world.arm[ev.target.clip(lower=0).to_numpy()]].itertuples():
        radar = int(world.unit_of[row.target])
        late[row.replication] += int(destroyed.get((row.replication, radar), np.inf) <= row.time)
    return late


def _gone(ev) -> np.ndarray:
    """Misses at a radar already destroyed (not defeated: nothing stopped them)."""
    gone = ev[(ev.kind == "arm_miss") & (ev.reason == "target_gone")]
    return gone.groupby("replication").size().reindex(range(30), fill_value=0).to_numpy()


def test_missiles_in_flight_miss_when_their_radar_falls_silent(make_scenario):
    """A short-range system engaging drones is the missile's radar; its crew silences it (always warned) 5 s after
    the launch, for 60 s: salvos in flight at that instant miss with radar_dark, none is launched while it is
    silent or would arrive after it falls silent (the crew knows), and the others kill or miss as usual."""
    pd = {"id": "pd", "type": "sr-system", "x": "1 km", "y": "0 km",
          "emcon": {"shutdown": {"probability": 1.0, "reaction": "5 s", "dark": "60 s"}}}
    drones = {"id": "drones", "type": "drone", "count": 12, "spacing": "4 s",
              "route": [{"x": "-25 km", "y": "2 km", "altitude": "300 m"}, {"x": "0 km", "y": "0 km",
                                                                           "altitude": "300 m"}], "target": "base"}
    sead = {"id": "sead", "type": "fighter", "start": "103 s",  # launches at 215 s, once the system engages
            "route": [{"x": "70 km", "y": "0 km", "altitude": "5000 m"},
                                                       {"x": "30 km", "y": "0 km", "altitude": "5000 m"}],
            "arms": [{"type": ARM, "at": "pd", "launch_range": "41 km"}]}
    data = scenario_dict([pd], [], [drones, sead], duration="400 s",
                         terrain={"flat": "100 m", "extent": "200 km"})
    world, engine = _run(make_scenario, data, 12)
    ev = engine.events
    u = world.unit_index["pd"]
    launch = float(world.start_time[world.arm][0])
    silent_from, silent_until = launch + 5.0, launch + 65.0
    salvos = ev[(ev.kind == "launch") & (ev.unit == u)]
    arrivals = ev[ev.kind.isin(["kill", "miss"]) & (ev.unit == u)]
    straddling = 0
    for row in salvos.itertuples():
        assert not silent_from <= row.time < silent_until  # no launch while silent
        arrive = arrivals[(arrivals.replication == row.replication) & (arrivals.target == row.target)
                          & np.isclose(arrivals.time, row.time + row.time_of_flight)]
        assert len(arrive) == 1
        outcome = arrive.iloc[0]
        if row.time < silent_from < row.time + row.time_of_flight:
            straddling += 1
            assert row.time < launch  # launched before the warning
            assert outcome.kind == "miss" and outcome.reason == "radar_dark"
        else:
            assert outcome.reason != "radar_dark"
    assert straddling > 0


def test_the_run_folder_replays_only_launched_missiles_and_groups_them_apart(make_scenario, tmp_path, capsys):
    """Through a run folder: the entities mark the missiles; a replication's replay shows a missile its aircraft did
    not launch waiting (never flying), a launched one flying; the outcomes by raid count the missiles as a group of
    their own, not as more of the raid's aircraft."""
    import yaml
    from tests.scenario._helpers import run_cli

    from iadsim.analysis.breakdown import outcomes_by, radars
    from iadsim.report import build_report
    from iadsim.report.replay import FLYING, GONE, LEAKED, build_replay
    from iadsim.report.run import load_run

    path = tmp_path / "sead.yaml"
    path.write_text(yaml.safe_dump(_scenario(rounds=8, emcon={"policy": "blink", "on": "10 s", "off": "10 s"})))
    status, _, err = run_cli(capsys, "simulate", str(path), "--replications", "2", "--out", str(tmp_path / "run"))
    assert status == 0, err
    run = load_run(tmp_path / "run")
    arms = [i for i, t in enumerate(run.entities["targets"]) if t["arm"]]
    assert len(arms) == 8 and not run.entities["targets"][0]["arm"]
    events = run.events
    launched = set(events.target[(events.replication == 0) & (events.kind == "arm_launch")])
    assert 0 < len(launched) < 8  # the blink: some rounds fall while the radar is dark
    replay = build_replay(run.trajectories, events, run.unit_ids, 0)
    arrived = set(events.target[(events.replication == 0) & events.kind.isin(["arm_hit", "arm_miss"])])
    assert arrived
    for t in arms:
        assert (replay.status[:, t] == FLYING).any() == (t in launched)
        assert not (replay.status[:, t] == LEAKED).any()  # at its radar it is gone, not a leaker
        assert (replay.status[-1, t] == GONE) == (t in arrived)
    table = outcomes_by(events, run.entities, 2, "raid")
    assert table.group.tolist() == ["sead", "sead anti-radiation missiles"]
    assert table.aircraft.tolist() == [1.0, 8.0] and table.arm.tolist() == [False, True]
    # the radars' table adds up the events' on-off spans: the same emission time the engine accounted
    radar = radars(events, run.entities, 2)
    assert radar.group.tolist() == ["ew"]
    assert radar.emitting.iloc[0] == pytest.approx(run.metrics["emitter_on_time"].mean())
    assert radar.arms_launched.iloc[0] == pytest.approx(run.metrics["arms_launched"].mean())
    page = build_report([tmp_path / "run"], tmp_path / "report.html").read_text()
    assert "radars, emission and anti-radiation missiles" in page


def test_the_audit_warns_of_radars_anti_radiation_missiles_attack(make_scenario):
    from iadsim.network import audit

    status = audit(make_scenario(_scenario(defence=True)))
    pd = next(u for u in status["fire_units"] if u["id"] == "pd")
    reasons = {r["code"]: r["message"] for r in pd["reasons"]}
    assert "ew (by sead's anti-radiation missiles)" in reasons["targeted"]


def _switches(ev, unit: int) -> dict:
    """Each replication's emitter switches of a unit: [(time, kind), ...]."""
    mine = ev[(ev.unit == unit) & ev.kind.isin(["emitter_on", "emitter_off"])].sort_values(["replication", "time"])
    return {r: [(round(float(t), 9), str(k)) for t, k in zip(g.time, g.kind, strict=True)]
            for r, g in mine.groupby("replication")}


@pytest.mark.parametrize("step", ["0.7 s", "10 s"])
def test_each_warning_is_a_silence_of_its_own_whatever_the_step(make_scenario, step):
    """Two missiles 3 s apart, each warning the crew (reaction 0.5 s, dark 1 s): the radar is silent twice, from
    0.5 to 1.5 s after each launch; the run ends before the impacts. The switches and the emission time are those
    worked out here, at a 1 s step and at this one."""
    probe = make_scenario(_scenario())
    launch, impact = _geometry(probe, 41.3)
    data = dict(rounds=2, shutdown={"probability": 1.0, "reaction": "0.5 s", "dark": "1 s"}, duration="120 s")
    expected = [(0.0, "emitter_on")]
    for first in (launch, launch + 2.0):  # the rounds' interval is 2 s in _scenario
        expected += [(round(first + 0.5, 9), "emitter_off"), (round(first + 1.5, 9), "emitter_on")]
    assert impact > 120.0
    for each in ("1 s", step):
        world, engine = _run(make_scenario, _scenario(step=each, **data), 4)
        s, u = world.sensor_ids.index("ew"), world.unit_index["ew"]
        assert all(v == expected for v in _switches(engine.events, u).values())
        assert engine.state.outcomes.emission_time[:, s] == pytest.approx(np.full(4, 120.0 - 2.0))
        shutdowns = engine.events[engine.events.kind == "shutdown"]
        assert sorted(set(shutdowns.time.round(9))) == [round(launch + 0.5, 9), round(launch + 2.5, 9)]


def test_a_crew_knows_of_a_launch_only_once_it_happens(make_scenario):
    """At a 10 s step the window holding the missile's launch (215 s) starts at 210 s: the system still launches at
    the drones in [210, 215) (its crew cannot know yet), and loses none to radar_dark before the launch."""
    pd = {"id": "pd", "type": "sr-system", "x": "1 km", "y": "0 km",
          "emcon": {"shutdown": {"probability": 1.0, "reaction": "5 s", "dark": "60 s"}}}
    drones = {"id": "drones", "type": "drone", "count": 12, "spacing": "4 s",
              "route": [{"x": "-25 km", "y": "2 km", "altitude": "300 m"}, {"x": "0 km", "y": "0 km",
                                                                           "altitude": "300 m"}], "target": "base"}
    sead = {"id": "sead", "type": "fighter", "start": "103 s",
            "route": [{"x": "70 km", "y": "0 km", "altitude": "5000 m"},
                      {"x": "30 km", "y": "0 km", "altitude": "5000 m"}],
            "arms": [{"type": ARM, "at": "pd", "launch_range": "41 km"}]}
    data = scenario_dict([pd], [], [drones, sead], duration="300 s", step="10 s",
                         terrain={"flat": "100 m", "extent": "200 km"})
    world, engine = _run(make_scenario, data, 12)
    ev = engine.events
    launch = float(world.start_time[world.arm][0])
    assert 210.0 < launch < 220.0
    assert not ((ev.kind == "lost") & (ev.reason == "radar_dark") & (ev.time < launch)).any()
    assert ((ev.kind == "launch") & (ev.time >= 210.0) & (ev.time < launch)).any()


def test_no_shutdown_is_logged_for_a_radar_destroyed_or_a_run_ended_first(make_scenario):
    """A reaction longer than the missile's flight: the missile strikes first (those that hit leave no shutdown to
    log); a reaction beyond the run's end: no shutdown at all."""
    probe = make_scenario(_scenario())
    launch, impact = _geometry(probe, 41.3)
    world, engine = _run(make_scenario, _scenario(shutdown={"probability": 1.0, "reaction": f"{impact - launch + 5} s",
                                                            "dark": "1 min"}), 30)
    ev = engine.events
    hit = set(ev.replication[ev.kind == "arm_hit"])
    assert hit and set(ev.replication[ev.kind == "shutdown"]) == set(range(30)) - hit
    _, engine = _run(make_scenario, _scenario(shutdown={"probability": 1.0, "reaction": "250 s", "dark": "1 min"}), 5)
    assert not (engine.events.kind == "shutdown").any()


def test_rounds_after_the_route_ends_are_not_launched_and_the_loader_says_so(make_scenario):
    """16 rounds 10 s apart from the first launch (74.8 s) on a route flown in 160 s (40 km at 250 m/s): the rounds
    at 74.8 + 10 i < 160 s are launched, 9 of them; the loader warns."""
    from iadsim.scenario.load import ScenarioWarning

    data = _scenario(rounds=16)
    data["threats"][0]["arms"][0]["interval"] = "10 s"
    probe = make_scenario(_scenario())
    launch, _ = _geometry(probe, 41.3)
    flown = 40e3 / probe.catalog.types["fighter"].cruise_speed.value
    fit = sum(launch + 10.0 * i < flown for i in range(16))
    with pytest.warns(ScenarioWarning, match=f"each aircraft launches {fit} of its 16 rounds at 'ew'"):
        scenario = make_scenario(data)
    assert fit == 9 and build_world(scenario).arm.sum() == fit


@pytest.mark.parametrize("step", ["1 s", "10 s"])
def test_a_crew_warned_by_its_own_track_of_the_missile(make_scenario, step):
    """``on: track``: the warning is the radar's confirmation of its own track of the inbound missile, made at one of
    its looks (phase + n x look period) after the launch and before the impact; the silence starts ``reaction``
    later. (Not the same instants at both steps: a target is seen from the first step sample after it takes off.)"""
    probe = make_scenario(_scenario())
    launch, impact = _geometry(probe, 41.3)
    shutdown = {"on": "track", "probability": 1.0, "reaction": "0.25 s", "dark": "10 min"}
    world, engine = _run(make_scenario, _scenario(shutdown=shutdown, step=step), 6)
    s = world.sensor_ids.index("ew")
    ev = engine.events
    shutdowns = ev[ev.kind == "shutdown"].set_index("replication").time
    assert len(shutdowns) == 6  # a 0.1 m^2 missile at 40 km: the early-warning radar confirms it in every one
    warned = shutdowns.to_numpy() - 0.25
    assert (warned > launch).all() and (warned < impact).all()
    phase, period = engine.state.tracks.phase[shutdowns.index, s], world.look_period[s]
    looks = (warned - phase) / period
    assert np.allclose(looks, np.round(looks), atol=1e-6)
    # the radar's own silence: it emitted until then, and its crew heeded nothing before it saw the missile
    assert engine.state.outcomes.emission_time[shutdowns.index, s] == pytest.approx(shutdowns.to_numpy())


def test_the_crew_carries_out_the_shutdown(make_scenario):
    """The shutdown's numbers are a trained crew's: an untrained crew (reaction-time factor 3, error-rate factor 4 in
    the default proficiency table) reacts three times slower and misses the warning four times as often: heeding
    0.9 becomes 1 - 0.1 x 4 = 0.6."""
    probe = make_scenario(_scenario())
    launch, _ = _geometry(probe, 41.3)
    n = 800
    data = _scenario(shutdown={"probability": 0.9, "reaction": "2 s", "dark": "10 min"}, duration="100 s")
    data["units"][0]["crew"] = "untrained"
    _, engine = _run(make_scenario, data, n)
    shutdowns = engine.events[engine.events.kind == "shutdown"]
    assert np.allclose(shutdowns.time, launch + 3 * 2.0)
    assert abs(len(shutdowns) / n - 0.6) < 4 * math.sqrt(0.6 * 0.4 / n)


def test_never_and_always_are_doctrine_whatever_the_crew(make_scenario):
    """A probability of 0 (never switch off) stays 0 for an expert crew, and 1 stays 1 for an untrained one."""
    for crew, probability, expected in (("expert", 0.0, 0), ("untrained", 1.0, 40)):
        data = _scenario(shutdown={"probability": probability, "reaction": "2 s", "dark": "10 min"}, duration="100 s")
        data["units"][0]["crew"] = crew
        _, engine = _run(make_scenario, data, 40)
        assert (engine.events.kind == "shutdown").sum() == expected


def test_no_interceptor_is_launched_to_meet_a_missile_after_its_impact(make_scenario):
    """Missiles dive steeply at the radar (launched 20 km out from 6 km up) past a medium-range battery 12 km away:
    flown on past the impact their line runs underground, and an intercept predicted there would find the missile
    gone. Every launch at one is planned to arrive before its impact, worked out here from the route (the fighters
    at cruise speed, each round ``interval`` after the last, then the straight line to the antenna); some are made."""
    altitude, launch_range, interval, spacing = 6000.0, 20.0, 2.0, 20.0
    data = _scenario(launch_range=launch_range, rounds=2, count=2, altitude=altitude, spacing=f"{spacing:g} s")
    data["threats"][0]["route"][1]["x"] = "5 km"  # on over the radar
    data["units"] += [{"id": "telar", "type": "mr-telar", "x": f"{RADAR[0]} km", "y": "-12 km"},
                      {"id": "ll", "type": "mr-launcher-loader", "x": f"{RADAR[0] + 0.4} km", "y": "-12.4 km"}]
    data["links"].append({"from": "telar", "to": "ll", "carries": "fire-control"})
    world, engine = _run(make_scenario, data, 100)
    speed = world.scenario.catalog.types["fighter"].cruise_speed.value
    impacts = []
    for fighter in range(2):
        for shot in range(2):
            launch = fighter * spacing + (START[0] - RADAR[0] - launch_range) * 1e3 / speed + shot * interval
            ground = launch_range * 1e3 - shot * interval * speed
            impacts.append(launch + math.hypot(ground, altitude - MAST) / _arm_figures()["speed"])
    arms = np.flatnonzero(world.arm)
    assert len(arms) == 4
    impact = dict(zip(arms.tolist(), sorted(impacts), strict=True))  # (the missiles in launch order)
    ev = engine.events
    at_arm = ev[(ev.kind == "launch") & ev.target.isin(arms)]
    assert at_arm.replication.nunique() > 25
    planned = at_arm.time + at_arm.time_of_flight
    assert (planned < at_arm.target.map(impact) + 0.05).all()


def test_a_crews_silence_holds_at_the_site_it_relocates_to(make_scenario):
    """A short-range system's crew shuts down at once on the launch (dark 20 min, past the run's end) and moves on
    the warning: the silence is the crew's, so the radar stays dark at its new site. It emitted from the start to
    the launch only, worked out from the route (:func:`_geometry`); before, it came on again where it set up."""
    data = _scenario(duration="15 min")
    data["units"] = [{"id": "ew", "type": "sr-system", "x": f"{RADAR[0]} km", "y": f"{RADAR[1]} km",
                      "mast_height": f"{MAST} m",
                      "emcon": {"shutdown": {"probability": 1.0, "reaction": "0 s", "dark": "20 min"}},
                      "relocation": {"after": "warning", "delay": "0 s",
                                     "sites": [{"x": f"{RADAR[0]} km", "y": "2 km", "travel": "1 s"}]}}]
    data["links"] = []
    world, engine = _run(make_scenario, data, 6)
    launch, _ = _geometry(make_scenario(data), 41.3)
    ev = engine.events
    assert (ev.kind == "set_up").groupby(ev.replication).sum().reindex(range(6), fill_value=0).eq(1).all()
    assert not ((ev.kind == "emitter_on") & (ev.time > 0)).any()
    assert (ev.kind == "shutdown").sum() == 6  # one per warning, not one per site
    np.testing.assert_allclose(engine.state.outcomes.emission_time.sum(axis=1), launch, atol=1e-6)


def test_a_radar_silenced_by_its_crew_scores_nothing_while_its_tracks_coast(make_scenario):
    """Silenced on the launch, the radar's confirmed tracks coast a few looks: out of service, it is scored as holding
    nothing and having nothing to hold (it scored the 5 km OSPA cut-off, three tracks against nothing to hold)."""
    from iadsim.analysis.metrics import picture_quality
    from iadsim.tracking.tracks import CONFIRMED

    data = _scenario(shutdown={"probability": 1.0, "reaction": "0 s", "dark": "10 min"})
    world = build_world(make_scenario(data))
    engine = Engine(world, np.arange(4), seed=3, events=False)
    st, s, coasting = engine.state, world.sensor_ids.index("ew"), 0
    while st.time_index < len(world.times):
        engine.step()
        counts = picture_quality(world, st)
        silent = ~st.readiness.emitting[:, s]
        confirmed = (st.tracks.table.status[:, s] == CONFIRMED).sum(axis=1)
        assert (counts[silent, s] == 0).all()
        coasting += int((silent & (confirmed > 0)).sum())
    assert coasting > 0  # the case arose: tracks held while silenced
