"""Land clutter from land cover: the clutter-to-noise ratio of a flat homogeneous cell against the
constant-gamma radar equation written out here, the class's gamma from the land-cover raster, and cells
the radar cannot see giving no clutter."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from tests.propagation import AE, C

from iadsim.sensors import signal_to_interference_db

from ._paths import geometry_to, radar_over

BOLTZMANN = 1.380649e-23  # J/K (2019 SI, exact)
HALF = 400  # cells each side of the radar: 24 km


def write_scenario(folder, ground: np.ndarray, code: int):
    """A search radar on a 10 m mast at the centre of ``ground``, land cover all ``code`` (WorldCover)."""
    return radar_over(folder, ground, np.full(ground.shape, code), radar="mr-search-radar", mast="10 m")


@pytest.mark.validation
def test_clutter_to_noise_of_a_flat_farmland_cell_is_the_constant_gamma_radar_equation(tmp_path, validation):
    scenario = write_scenario(tmp_path, np.full((2 * HALF, 2 * HALF), 200.0), 40)  # cropland: farmland
    radar = scenario.catalog.types[scenario.unit("sr").type]
    site = scenario.sites["sr"]
    ranges = np.array([3e3, 6e3, 9e3])
    path, sensor = geometry_to(scenario, "sr", site.x + ranges, np.full(3, site.y), 20.0)
    rcs = 0.01  # a small target: the clutter dominates
    sinr = signal_to_interference_db(radar, path, rcs)
    snr = signal_to_interference_db(radar, replace(path, clutter_gamma=np.zeros(3)), rcs)
    cnr_engine = 10 * np.log10(10 ** ((snr - sinr) / 10) - 1)

    # the constant-gamma clutter radar equation (Skolnik 2001, ch. 7; Nathanson 1991): farmland's gamma -15 dB
    # at 10 GHz (MathWorks surfacegamma, from Nathanson) scaled by 5 log10(f / 10 GHz) (Barton 1985); the
    # grazing angle at the slant range over the 4/3 earth; a pulse-limited cell R theta (c tau / 2) sec psi;
    # noise k T_s / tau; the MTI improvement removes the rest
    f, tau = radar.frequency.value, radar.pulse_width.value
    gamma = 10 ** ((-15.0 + 5 * np.log10(f / 10e9)) / 10)
    a = AE
    h = 10.0
    r = path.slant_range
    psi = np.arcsin((2 * a * h + h * h - r * r) / (2 * a * r))
    area = r * radar.beamwidth.value * (C * tau / 2) / np.cos(psi)
    wavelength = C / f
    gain = 10 ** (radar.gain.value / 10)
    clutter = (radar.peak_power.value * gain**2 * wavelength**2 * gamma * np.sin(psi) * area
               / ((4 * np.pi) ** 3 * r**4 * 10 ** (radar.losses.value / 10)))
    noise = BOLTZMANN * radar.system_temperature.value / tau
    cnr_expected = 10 * np.log10(clutter / noise) - radar.mti_improvement.value
    assert np.all(cnr_expected > 0)  # the comparison is not lost under the noise
    validation("constant-gamma land clutter, flat farmland", "clutter radar equation (Skolnik 2001 ch. 7) with "
               "surfacegamma farmland -15 dB at 10 GHz", cnr_engine, cnr_expected, abs=1e-4)


def test_the_class_sets_gamma_and_cells_the_radar_cannot_see_give_none(tmp_path):
    # a wall 300 m high 3 km east of the radar hides the ground behind it
    ground = np.zeros((2 * HALF, 2 * HALF))
    ground[:, HALF + 100:HALF + 103] = 300.0
    built = write_scenario(tmp_path, ground, 50)  # built-up: metropolitan, 0 dB
    site = built.sites["sr"]
    x = site.x + np.array([-6e3, 6e3])  # west: open ground; east: behind the wall
    path, _ = geometry_to(built, "sr", x, np.full(2, site.y), 20.0)
    assert path.clutter_gamma[0] == pytest.approx(1.0)  # 0 dB on every illuminated cell across the beam
    assert path.clutter_gamma[1] == 0.0  # masked: no clutter
    assert path.masking_height[1] > 100.0  # the ground there really is hidden
    folder = tmp_path / "water"
    folder.mkdir()
    water = write_scenario(folder, np.zeros((2 * HALF, 2 * HALF)), 80)  # permanent water: sea state 3, -40 dB
    path, _ = geometry_to(water, "sr", x[:1], np.full(1, site.y), 20.0)
    assert 10 * np.log10(path.clutter_gamma[0]) == pytest.approx(-40.0, abs=1e-4)
