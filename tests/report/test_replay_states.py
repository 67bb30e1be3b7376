"""The replay's recorded states (states/ of a run folder) against the run's other record of the same replications,
its typed events: a fire unit guides missiles while its salvos fly, waits while its engagements are decided, and
every target it launched at was in its picture."""

import numpy as np
import pytest

from iadsim.events import STATUS_NAMES


@pytest.fixture(scope="module")
def run(run_dir):
    from iadsim.report.run import load_run

    return load_run(run_dir)


def status_at(states, column, index, time):
    """The recorded status of entity ``index`` at ``time``: its latest row at or before it (None: no row)."""
    rows = states[(states[column] == index) & (states["time"] <= time + 1e-9)]
    return None if rows.empty else str(rows.sort_values("time", kind="stable")["status"].iloc[-1])


def samples(start, end, step):
    """The time samples strictly between ``start`` and ``end``."""
    first = np.floor(start / step + 1e-9) * step + step
    return [t for t in np.arange(first, end, step) if start + 1e-9 < t < end - 1e-9]


def test_states_are_recorded_for_every_replication_target_and_unit(run):
    step = run.entities["step"]
    for rep in run.metrics["replication"]:
        states = run.states(int(rep))
        first = states[states["time"] == states["time"].min()]
        assert first["time"].iloc[0] == 0.0 and step > 0  # the state the engine starts from
        assert sorted(first.loc[first["target"] >= 0, "target"]) == list(range(len(run.entities["targets"])))
        assert sorted(first.loc[first["unit"] >= 0, "unit"]) == list(range(len(run.entities["units"])))
        assert set(states["status"].astype(str)) <= set(STATUS_NAMES)
        targets = states[states["target"] >= 0]["status"].astype(str)
        units = states[states["unit"] >= 0]["status"].astype(str)
        assert set(targets) <= set(STATUS_NAMES[:5]) and set(units) <= set(STATUS_NAMES[5:])


def test_fire_units_guide_while_their_salvos_fly_and_wait_while_decided(run):
    step = run.entities["step"]
    checked = 0
    for rep in run.metrics["replication"]:
        rep = int(rep)
        states, events = run.states(rep), run.events[run.events["replication"] == rep]
        for e in events[events["kind"] == "launch"].itertuples():
            # every time sample strictly inside the flight (a sample's state is the one after the window before it)
            for t in samples(e.time, e.time + e.time_of_flight, step):
                status = status_at(states, "unit", e.unit, t)
                if status in ("down", "chain_broken"):
                    continue
                assert status == "engaging", (rep, e.unit, e.time, t, status)
                checked += 1
        decided = events[events["kind"].isin(["launch", "lost", "vetoed"])]
        for e in events[events["kind"] == "nominated"].itertuples():
            later = decided[(decided["unit"] == e.unit) & (decided["target"] == e.target) & (decided["time"] >= e.time)]
            end = later["time"].min() if len(later) else np.inf
            for t in samples(e.time, min(end, e.time + 600), step):
                status = status_at(states, "unit", e.unit, t)
                if status in ("down", "chain_broken", "engaging"):
                    continue
                assert status == "deciding", (rep, e.unit, e.time, t, status)
                checked += 1
    assert checked > 0


def test_every_target_launched_at_was_in_a_fire_units_picture(run):
    step = run.entities["step"]
    launches = 0
    for rep in run.metrics["replication"]:
        rep = int(rep)
        states, events = run.states(rep), run.events[run.events["replication"] == rep]
        for e in events[events["kind"] == "launch"].itertuples():
            assert status_at(states, "target", e.target, e.time + step) == "in_picture", (rep, e.target, e.time)
            launches += 1
    assert launches > 0


def test_a_killed_target_leaves_the_fire_units_pictures(run):
    """A fire unit holds a track only while reports reach it: a target killed more than two minutes before the end
    is no longer in any fire unit's picture at the end."""
    duration = run.entities["duration"]
    checked = 0
    for rep in run.metrics["replication"]:
        rep = int(rep)
        states, events = run.states(rep), run.events[run.events["replication"] == rep]
        for e in events[(events["kind"] == "kill") & (events["time"] < duration - 120)].itertuples():
            assert status_at(states, "target", e.target, duration) != "in_picture", (rep, e.target, e.time)
            checked += 1
    assert checked > 0


def test_states_are_dated_at_the_frames_time_samples(tiny_thinned):
    """With frames thinned to every fifth time sample, rows fall on those samples only, the first at the start."""
    frame, samples = tiny_thinned
    assert set(frame["time"]) <= set(samples) and frame["time"].min() == samples[0]


@pytest.fixture(scope="module")
def tiny_thinned(run_dir):
    from iadsim.analysis import montecarlo
    from iadsim.engine import Engine, build_world
    from iadsim.scenario import load_scenario

    world = build_world(load_scenario(run_dir.parent / "tiny.yaml"))
    engine = Engine(world, np.arange(3), 5)
    recorder = montecarlo.StateRecorder(world, engine)
    recorder.frames = set(range(0, len(world.times), 5))
    recorder._last, recorder._rows = None, []
    recorder.record(0)
    engine.run(recorder.after_step)
    return recorder.frame(), world.times[::5]


def test_the_replay_shows_each_frames_recorded_status(run):
    """build_replay's per-frame statuses are the table's latest rows at or before each frame's time."""
    from iadsim.events import STATUS_NAMES
    from iadsim.report.replay import build_replay

    rep = run.typical_replication()
    states = run.states(rep)
    replay = build_replay(run.trajectories, run.events, run.unit_ids, rep, states=states)
    assert replay.tracking.shape == (len(replay.times), len(replay.target_ids))
    assert replay.units.shape == (len(replay.times), len(run.unit_ids))
    for f in range(0, len(replay.times), 7):
        t = replay.times[f]
        for i in range(len(replay.target_ids)):
            assert STATUS_NAMES[replay.tracking[f, i]] == status_at(states, "target", i, t)
        for u in range(len(run.unit_ids)):
            assert STATUS_NAMES[replay.units[f, u]] == status_at(states, "unit", u, t)
    assert (replay.tracking >= 0).all()  # the first row of every entity is at time 0
