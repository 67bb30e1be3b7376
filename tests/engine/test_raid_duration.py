"""A raid whose last aircraft cannot reach its target before the scenario ends: the loader says so, naming the
raid's route and the times, and the engine agrees (that aircraft neither leaks nor is shot down). The times come
from the route here: its length over the type's cruise speed."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from iadsim.engine import Engine, build_world
from iadsim.scenario.load import ScenarioWarning

from ._scenarios import raid, scenario_dict


def _data(duration: str) -> dict:
    """Three drones 45 s apart from 30 km out (no defence that can reach them: a lone search radar), and a raid
    with no target on the same route."""
    units = [{"id": "ew", "type": "ew-radar", "x": "0 km", "y": "5 km"}]
    strike = raid("strike", -30, 0, count=3, start="60 s", spacing="45 s")
    untargeted = raid("sweep", -30, 0, count=3, start="60 s", spacing="45 s", target=None)
    return scenario_dict(units, [], [strike, untargeted], duration=duration)


def _times(scenario) -> tuple[float, float]:
    """(the route's flight time, when the strike's last drone ends it) [s]: 30 km at the drone's cruise speed."""
    flight = scenario.spec.threats[0]
    flown = 30e3 / scenario.catalog.types[flight.type].cruise_speed.value
    return flown, flight.start + 2 * flight.spacing + flown


def test_a_raid_ending_after_the_scenario_is_warned_about_and_its_late_aircraft_do_not_leak(make_scenario):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        short = make_scenario(_data("13.5 min"))
    end = 810.0
    flown, last = _times(short)
    assert last - 90 < end - 10 < end + 10 < last - 45  # (the first drone arrives in time, the others do not)
    said = [str(w.message) for w in caught if issubclass(w.category, ScenarioWarning)]
    assert len(said) == 1, said  # the strike only: the raid with no target leaks nowhere
    assert (f"threats[0].route: the route takes {flown / 60:.1f} min: its last aircraft reaches it "
            f"{last - end:.3g} s after the scenario ends (at 13.5 min)") in said[0]
    world = build_world(short)
    engine = Engine(world, np.arange(4), seed=3, events=False)
    engine.run()
    strike = np.flatnonzero([f.id == "strike" for f in world.target_flight])
    arrives = world.arrival_time[strike]
    assert arrives[-1] == pytest.approx(last, abs=1.0)  # the loader's times are the engine's
    out = engine.state.outcomes
    late = strike[arrives > end]
    assert len(late) == 2 and (out.alive[:, late] & ~out.leaked[:, late]).all()  # flying at the end: neither
    assert out.leaked[:, strike[arrives < end]].all()  # (no defence: the first leaks)


def test_a_raid_ending_in_time_is_not_warned_about(make_scenario):
    with warnings.catch_warnings():
        warnings.simplefilter("error", ScenarioWarning)
        long = make_scenario(_data("20 min"))
    assert _times(long)[1] < 1200
