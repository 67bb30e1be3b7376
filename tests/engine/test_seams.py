"""The seams: an authority rule, a decision-time distribution and an engagement doctrine are each one
registered entry. Toy ones registered here (and removed afterwards) show that adding one touches one
module and its test, and the engine's timing and rounds are checked against what each toy says."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pytest

from iadsim.engine import Engine, build_world
from iadsim.registry import AUTHORITY_RULES, DECISION_TIMES, DOCTRINES
from iadsim.scenario import InputError

from ._scenarios import point_defence


@dataclass(frozen=True)
class _Delayed:
    """Launch (or refuse) a fixed time after nomination, whatever the operator."""

    seconds: float
    approve: bool

    def delay(self, decision_time, veto_window):
        return self.seconds

    def approves(self, operator_says_hostile, decision_time, veto_window):
        return self.approve


@pytest.fixture
def registered():
    added = []

    def add(registry, name, entry):
        registry.register(name, entry)
        added.append((registry, name))

    yield add
    for registry, name in added:
        registry.unregister(name)


def _run(make_scenario, authority=None, doctrine=None, reps=6):
    data = point_defence()
    if authority:
        data["authority"] = {**data.get("authority", {}), **authority}
    if doctrine:
        data["doctrine"] = doctrine
    world = build_world(make_scenario(data))
    engine = Engine(world, np.arange(reps), seed=11)
    engine.run()
    return world, engine


def _launch_delays(events) -> list[float]:
    """For each launch, the time since that (replication, fire unit, target)'s latest nomination."""
    nominated = events[events["kind"] == "nominated"]
    delays = []
    for e in events[events["kind"] == "launch"].itertuples():
        before = nominated[(nominated["replication"] == e.replication) & (nominated["unit"] == e.unit)
                           & (nominated["target"] == e.target) & (nominated["time"] <= e.time)]
        delays.append(e.time - before["time"].max())
    return delays


def test_a_toy_authority_rule_sets_the_delay_and_the_approval(make_scenario, registered):
    registered(AUTHORITY_RULES, "seven-seconds", _Delayed(7.0, True))
    registered(AUTHORITY_RULES, "never", _Delayed(0.0, False))
    _, engine = _run(make_scenario, {"mode": "seven-seconds"})
    delays = _launch_delays(engine.events)
    assert len(delays) > 10 and all(d == pytest.approx(7.0) for d in delays)  # a 1 s step: 7 s exactly
    _, refused = _run(make_scenario, {"mode": "never"})
    ev = refused.events
    assert not (ev["kind"] == "launch").any()
    assert (ev["kind"] == "vetoed").sum() == (ev["kind"] == "nominated").sum() > 0
    assert refused.state.outcomes.vetoes.sum() == (ev["kind"] == "vetoed").sum()


@dataclass(frozen=True)
class _Twice:
    parameters: tuple[str, ...] = ("value",)

    def check(self, spec):
        if spec.value > 60:
            raise ValueError("at most a minute")

    def ppf(self, spec, u):
        return 2 * spec.value


def test_a_toy_decision_time_distribution_decides_how_long_the_operator_takes(make_scenario, registered):
    registered(DECISION_TIMES, "twice", _Twice())
    world, engine = _run(make_scenario, {"mode": "human-in-the-loop",
                                         "decision_time": {"distribution": "twice", "value": "3 s"}})
    crew = world.scenario.proficiency(world.scenario.unit(world.fire_ids[0]).crew)
    expected = np.ceil(6.0 * crew.reaction_time_factor)  # the launch waits for the first step at or after it
    delays = _launch_delays(engine.events)
    assert len(delays) > 10 and all(d == pytest.approx(expected) for d in delays)
    # the distribution's own check runs when the scenario is read
    with pytest.raises(InputError, match="at most a minute"):
        _run(make_scenario, {"decision_time": {"distribution": "twice", "value": "2 min"}})


def test_an_unknown_decision_time_distribution_is_an_error_not_a_lognormal(make_scenario):
    with pytest.raises(InputError, match=r"unknown decision-time distribution 'gamma'.*'lognormal'"):
        _run(make_scenario, {"decision_time": {"distribution": "gamma", "median": "5 s"}})


def test_an_unknown_authority_rule_or_doctrine_is_an_error_listing_the_choices(make_scenario):
    with pytest.raises(InputError, match=r"unknown authority rule 'human-near-the-loop'.*'autonomous'"):
        _run(make_scenario, {"mode": "human-near-the-loop"})
    with pytest.raises(InputError, match=r"unknown engagement doctrine 'ripple'.*'shoot-look-shoot', 'salvo'"):
        _run(make_scenario, doctrine={"engagement": "ripple"})


def test_a_toy_doctrine_sets_the_rounds_per_engagement(make_scenario, registered):
    registered(DOCTRINES, "pairs", lambda salvo_size: 2)
    _, engine = _run(make_scenario, doctrine={"engagement": "pairs", "salvo_size": 5})
    launches = engine.events[engine.events["kind"] == "launch"]
    assert len(launches) > 10
    # 2 rounds each, fewer only when the radar's 4 channels or the magazine run short
    assert launches["missiles"].max() == 2 and (launches["missiles"] == 2).mean() > 0.8
    assert engine.state.outcomes.expended.sum() == launches["missiles"].sum()
