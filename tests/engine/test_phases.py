"""Engine phases driven one at a time on a hand-set state (a fake in the middle of a run): what a phase
does is checked against arithmetic written here, and State.check() catches a state that breaks its
invariants."""

from __future__ import annotations

import numpy as np
import pytest

from iadsim.engine import Engine, build_world
from iadsim.engine.core import Assumptions, InvariantError, Phase, channel_groups

from ._scenarios import point_defence


@pytest.fixture
def engine(make_scenario):
    world = build_world(make_scenario(point_defence()))
    return Engine(world, [0], seed=1, assumptions=Assumptions(acquisition_basket=1000.0))


def _arriving(engine, aim_offset: float):
    """One salvo of fire unit 0 at the first drone, due now at step k, aimed ``aim_offset`` m east of it."""
    w, st = engine.w, engine.state
    t = 0
    k = int(np.flatnonzero(w.active[:, t])[10])
    st.time_index = k
    group, _ = channel_groups(w)
    eng = st.engagements
    eng.phase[0, t], eng.fire[0, t], eng.due[0, t], eng.rounds[0, t] = Phase.FLYING, 0, w.times[k], 2
    eng.aim[0, t] = w.position[k, t] + np.array([aim_offset, 0.0, 0.0])
    st.batteries.guiding[0, group[0]] = 2
    st.readiness.unit_up[0, :] = True
    st.readiness.able[0, 0] = True
    return k, t, group[0]


def test_a_salvo_aimed_outside_the_basket_misses_by_its_aim_error(engine):
    k, t, g = _arriving(engine, 5000.0)
    engine.assess()
    ev = engine.events.iloc[-1]
    assert ev.kind == "miss" and ev.reason == "aim_error" and ev.miss_distance == pytest.approx(5000.0)
    st = engine.state
    assert st.outcomes.alive[0, t] and st.batteries.guiding[0, g] == 0  # its channels are free again
    kill_assessment = engine.w.scenario.spec.doctrine.kill_assessment_time
    assert st.engagements.phase[0, t] == Phase.ASSESSING
    assert st.engagements.due[0, t] == pytest.approx(engine.w.times[k] + kill_assessment)


def test_a_salvo_on_its_aim_point_kills_or_fails_only_by_the_warhead(engine):
    _, t, _ = _arriving(engine, 0.0)
    engine.assess()
    ev = engine.events.iloc[-1]
    assert ev.miss_distance == pytest.approx(0.0, abs=1e-6)
    assert (ev.kind == "kill" and not engine.state.outcomes.alive[0, t]) or ev.reason == "warhead"


def test_a_salvo_at_a_target_that_leaked_meanwhile_misses_it(engine):
    _, t, _ = _arriving(engine, 0.0)
    engine.state.outcomes.leaked[0, t] = True
    engine.assess()
    ev = engine.events.iloc[-1]
    assert ev.kind == "miss" and ev.reason == "target_gone" and engine.state.outcomes.kills[0] == 0


def test_state_check_names_each_broken_invariant(engine):
    st = engine.state
    magazine = st.batteries.missiles[0].copy()
    channels = np.full(st.batteries.guiding.shape[1], 4)
    st.check(magazine, channels)  # as built
    st.batteries.missiles[0, 0] = -1
    st.batteries.busy[0, 1] = True  # busy with no pending engagement
    with pytest.raises(InvariantError, match="magazine") as caught:
        st.check(magazine, channels)
    assert "busy without a pending engagement" in str(caught.value)
