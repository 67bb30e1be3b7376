"""Where the events that happen to a target (a nomination, a wait, a veto, a loss) say it was: its flight at that
moment, found when the events' table is built (:class:`iadsim.engine.log.TargetAt`), against the flight written out
here from the world's sampled positions and velocities."""

from __future__ import annotations

import numpy as np
import pytest

from iadsim.engine import Engine, build_world
from iadsim.engine.log import EventLog, TargetAt
from iadsim.events import EventKind
from iadsim.scenario import load_scenario

from ._scenarios import EXAMPLES


@pytest.mark.parametrize("example", ["airbase-as-designed.yaml", "automated-battery.yaml"])
def test_a_targets_event_is_where_its_flight_puts_it_then(example):
    """Exactly the sampled position of the step whose window holds the moment, carried by that step's sampled
    velocity (in double, as numpy casts it): a neighbouring step's samples give other numbers."""
    world = build_world(load_scenario(EXAMPLES / example))
    engine = Engine(world, np.arange(12))
    engine.run()
    events = engine.events
    kinds = {"nominated", "waiting", "vetoed", "lost", "held"}
    mine = events[events["kind"].astype(str).isin(kinds)]
    assert set(mine["kind"].astype(str)) >= {"nominated"} and len(set(mine["kind"].astype(str))) >= 2
    times, t = mine["time"].to_numpy(), mine["target"].to_numpy()
    k = np.searchsorted(world.times, times, side="right") - 1  # the step whose window holds the moment
    expected = world.position[k, t] + world.velocity[k, t].astype(float) * (times - world.times[k])[:, None]
    assert np.isfinite(expected).all()
    assert np.array_equal(mine[["x", "y", "z"]].to_numpy(), expected)


def test_the_engine_lets_go_of_its_context_and_events_without_waiting_for_the_collector():
    """The event log finds places from the world, not through the context that holds it: no reference cycle keeps a
    finished batch's context and events alive until a full collection."""
    import gc
    import weakref

    world = build_world(load_scenario(EXAMPLES / "airbase-as-designed.yaml"))
    engine = Engine(world, np.arange(3))
    engine.run()
    context, log = weakref.ref(engine.ctx), weakref.ref(engine.ctx.log)
    collecting = gc.isenabled()
    gc.disable()
    try:
        del engine
        assert context() is None and log() is None
    finally:
        if collecting:
            gc.enable()


def test_the_log_finds_each_place_a_step_at_a_time_in_its_own_row():
    """Places asked for at several steps, interleaved with events placed outright: each row gets its own, and
    ``place`` is called once per step."""
    calls = []

    def place(step, targets, times):
        calls.append(step)
        return np.column_stack([np.full(len(targets), step, float), targets, times])

    log = EventLog(place)
    log.add(0, 1.0, EventKind.NOMINATED, 3, 4, where=TargetAt(2, 4, 1.5))
    log.add(0, 2.0, EventKind.LAUNCH, 3, 4, where=(7.0, 8.0, 9.0))
    log.add(1, 3.0, EventKind.LOST, 3, 5, where=TargetAt(1, 5, 3.25))
    log.add(1, 4.0, EventKind.NOMINATED, 3, 6, where=TargetAt(2, 6, 4.5))
    log.add(1, 5.0, EventKind.LEAK, target=6)
    table = log.frame()
    assert table[["x", "y", "z"]].to_numpy().tolist()[:4] == [[2, 4, 1.5], [7, 8, 9], [1, 5, 3.25], [2, 6, 4.5]]
    assert np.isnan(table[["x", "y", "z"]].to_numpy()[4]).all()
    assert sorted(calls) == [1, 2]
    log.add(2, 6.0, EventKind.VETOED, 3, 7, where=TargetAt(5, 7, 6.0))  # asked after a table: in the next
    again = log.frame()[["x", "y", "z"]].to_numpy()
    assert again[-1].tolist() == [5, 7, 6.0] and again[:4].tolist() == table[["x", "y", "z"]].to_numpy()[:4].tolist()


def test_a_log_without_a_way_to_place_targets_says_so():
    log = EventLog()
    log.add(0, 1.0, EventKind.NOMINATED, 3, 4, where=TargetAt(2, 4, 1.5))
    with pytest.raises(ValueError, match="no 'place'"):
        log.frame()
