"""The catalog's "derived" radar losses reproduce each radar's stated detection range.

Source of the requirement: src/iadsim/scenario/catalog/air_defence.yaml, source key `calibration`
("losses set so the radar equation gives the published detection range, Pd 0.5, Pfa 1e-6, Swerling 1").
Tolerance: 2 % in range (the losses are rounded to 0.1 dB, i.e. about 0.6 % in range).
"""

import pytest
from scipy.optimize import brentq

from iadsim.physics.detection import pd
from iadsim.physics.radar import snr_db
from iadsim.scenario import builtin_catalog
from iadsim.sensors import pulses_per_look

CATALOG = builtin_catalog()


@pytest.mark.parametrize("radar_id", CATALOG.ids("radar"))
def test_radar_detects_reference_target_at_its_stated_range(radar_id):
    r = CATALOG.types[radar_id]
    n = pulses_per_look(r)

    def pd_minus_half(slant_range):
        snr = snr_db(r.peak_power.value, r.gain.value, r.frequency.value, r.reference_rcs.value, slant_range,
                     r.pulse_width.value, r.system_temperature.value, r.losses.value)
        return float(pd(snr, r.pfa.value, n, 1)) - 0.5

    r50 = brentq(pd_minus_half, 1e3, 2e6)
    assert r50 == pytest.approx(r.detection_range.value, rel=0.02)
