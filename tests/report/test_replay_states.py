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


def test_states_are_recorded_for_every_replication_target_and_unit(run):
    step = run.entities["step"]
    for rep in run.metrics["replication"]:
        states = run.states(int(rep))
        first = states[states["time"] == states["time"].min()]
        assert first["time"].iloc[0] == pytest.approx(step)  # the first step's window ends one step in
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
            # frames strictly inside the flight, a step clear of its ends (states are dated at windows' ends)
            for t in np.arange(e.time + 2 * step, e.time + e.time_of_flight - step, step):
                status = status_at(states, "unit", e.unit, t)
                if status in ("down", "chain_broken"):
                    continue
                assert status == "engaging", (rep, e.unit, e.time, t, status)
                checked += 1
        decided = events[events["kind"].isin(["launch", "lost", "vetoed"])]
        for e in events[events["kind"] == "nominated"].itertuples():
            later = decided[(decided["unit"] == e.unit) & (decided["target"] == e.target) & (decided["time"] >= e.time)]
            end = later["time"].min() if len(later) else np.inf
            for t in np.arange(e.time + 2 * step, min(end, e.time + 600) - step, step):
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
