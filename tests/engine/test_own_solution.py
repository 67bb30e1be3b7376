"""A fire unit launches on its own solution: the intercept its own track predicts must lie in the launch envelope,
and it launches when that solution opens, whatever the time step.

The envelope judged on the truth alone launched the moment the true intercept entered it, wherever the crew's own
track put the intercept: with a radar of 150 m in range, about half the first launches at each target were
aimed beyond the missile's longest range. Now a target the truth puts inside and the track outside waits
(``waiting``, reason ``no_solution``) for a report, or for the moment its track, flown on, gives the solution.
"""

from __future__ import annotations

import numpy as np
import pytest

from iadsim.engine import Engine, build_world, phases

from ._fire_control import MAX_RANGE, MIN_RANGE, catalog, scenario_maker, stream

# 150 m in range, along the targets' line of flight (a plot's claimed error is the range's at any distance: the same
# plots at every step)
NOISY = {"range_accuracy": "150 m", "azimuth_accuracy": "0.01 deg"}


@pytest.fixture
def scenario(make_scenario, tmp_path):
    return scenario_maker(make_scenario, tmp_path)


def _launches(scenario, step: str, replications: int):
    world = build_world(scenario(step, threats=[stream(6, spacing="20 s")], types=catalog(radar=NOISY)))
    engine = Engine(world, np.arange(replications), seed=5)
    engine.run()
    ev = engine.events
    return world, ev[ev.kind == "launch"].sort_values(["replication", "time"], kind="stable"), ev


def test_every_launch_is_aimed_inside_the_envelope(scenario):
    world, launches, events = _launches(scenario, "1 s", 20)
    assert len(launches) >= 100  # six targets, twenty replications, Pk 1: one missile each (120 at seed 5)
    fire = world.fire_position[0]
    ground = np.hypot(launches.x - fire[0], launches.y - fire[1])  # a launch's place is its aim point
    assert (ground <= MAX_RANGE + 1e-6).all() and (ground >= MIN_RANGE - 1e-6).all(), ground.max()
    waits = events[(events.kind == "waiting") & (events.reason == "no_solution")]
    assert len(waits) >= 10  # the crews waited for their own solutions (the truth entered first; 69 at seed 5)


def test_a_launch_waits_for_its_solution_not_for_the_step(scenario):
    """The same looks, plots and tracks at a 2 s and a 0.25 s step: a target waiting for its own solution is
    launched on when the track gives it (a report, or the track flown on, found to 1 ms), not at the next step."""
    times = {step: _launches(scenario, step, 8)[1].time.to_numpy() for step in ("2 s", "0.25 s")}
    assert len(times["2 s"]) == len(times["0.25 s"]) >= 40  # six targets, eight replications (48 at seed 5)
    np.testing.assert_allclose(times["2 s"], times["0.25 s"], atol=2.1e-3)


def test_the_opening_search_finds_the_first_millisecond_a_full_scan_finds(scenario, monkeypatch):
    """solution_opens searches every 50 ms, then every millisecond before the first found: at every call of a run
    at a 2 s step, the same moment as a scan of every millisecond to the window's end."""
    search, calls = phases.solution_opens, []

    def checked(ctx, k, pic, rr, ff, tt, when):
        out = search(ctx, k, pic, rr, ff, tt, when)
        end = phases.window(ctx, k)[1]
        last = when + 1e-3 * np.floor((end - when) / 1e-3 - 1e-6)
        full = phases._first_solution(ctx, k, pic, rr, ff, tt, when, last, 1e-3)
        calls.append((out, full))
        return out

    monkeypatch.setattr(phases, "solution_opens", checked)
    _launches(scenario, "2 s", 4)
    found = np.concatenate([out for out, _ in calls])
    assert np.isfinite(found).sum() >= 5  # solutions that opened as the tracks flew on (14 in 10 calls, seed 5)
    for out, full in calls:
        np.testing.assert_allclose(out, full, atol=1e-9)
