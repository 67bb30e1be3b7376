"""A radar's plots err as its catalog says, in its own coordinates: by its range accuracy along the line of sight and
by the ground range times its azimuth accuracy across it (the catalog's ``range_accuracy`` and
``azimuth_accuracy``), each plot claiming the larger of the two (its ``measurement_sigma``). Over many plots of a
target that barely moves, the errors along and across, each over its own sigma, have a mean square of 1 (chi-square,
as many degrees of freedom as plots)."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import chi2

from iadsim.engine import Engine, build_world

from ._scenarios import scenario_dict

NORTH, HEIGHT = 40e3, 1e3  # the target's distance north of the radar and its height [m]


def _plots(make_scenario, replications: int):
    """Every plot the radar's confirmed tracks reported of a target creeping north at 1 m/s, 40 km out: (errors
    east, north and up [m] against the target's position at the plot's time, the variance each plot claims)."""
    units = [{"id": "search", "type": "mr-search-radar", "x": "0 km", "y": "0 km"}]
    raid = {"id": "raid", "type": "fighter", "count": 1, "altitude_reference": "msl", "emission": "off",
            "route": [{"x": "0 km", "y": f"{NORTH / 1e3} km", "altitude": f"{HEIGHT / 1e3} km", "speed": "1 m/s"},
                      {"x": "0 km", "y": f"{(NORTH + 500.0) / 1e3} km", "altitude": f"{HEIGHT / 1e3} km"}]}
    data = scenario_dict(units, [], threats=[raid], duration="180 s", terrain={"flat": "0 m", "extent": "200 km"})
    data["defended_assets"] = []
    world = build_world(make_scenario(data))
    engine = Engine(world, np.arange(replications), seed=7, events=False)
    plots = []
    while engine.state.time_index < len(world.times) - 1:
        engine.step()
        plots += [numbers for _, numbers in engine.state.tracks.reports]
        engine.state.tracks.reports.clear()
    numbers = np.concatenate(plots)
    start = world.position[0, 0]
    truth = start + np.outer(numbers[:, 0] - world.start_time[0], [0.0, 1.0, 0.0])
    return world, numbers[:, 2:5] - truth, numbers[:, 1]


@pytest.mark.validation
def test_a_radars_plots_err_by_its_range_and_azimuth_accuracy(make_scenario, validation):
    world, error, claimed = _plots(make_scenario, 60)
    entry = world.scenario.catalog.types["mr-search-radar"]
    sigma_range, sigma_azimuth = entry.range_accuracy.value, entry.azimuth_accuracy.value
    radar = world.sensor_position[0]
    ground = np.hypot(0.0 - radar[0], NORTH - radar[1])
    across_sigma = ground * sigma_azimuth
    assert across_sigma > 1.5 * sigma_range  # the two differ: a case that tells them apart
    n = len(error)
    assert n > 1000
    along, across = error[:, 1], error[:, 0]  # the target is due north: along is north, across east
    low, high = chi2.ppf([0.005, 0.995], n) / n
    for name, e, s in (("range", along, sigma_range), ("cross-range", across, across_sigma)):
        validation(f"radar plot {name} error, mean square over sigma^2 (engine, {n} plots)",
                   "the catalog's range accuracy, and ground range x azimuth accuracy; chi-square 99 % interval",
                   np.mean((e / s) ** 2), 1.0, abs=max(high - 1.0, 1.0 - low))
    # each plot claims the larger, on every axis (its height too: a 2-D radar measures none)
    np.testing.assert_allclose(np.sqrt(claimed), across_sigma, rtol=0.01)
    assert np.mean((error[:, 2] / across_sigma) ** 2) == pytest.approx(1.0, abs=max(high - 1.0, 1.0 - low))
