"""Passive sensing: the one-way (beacon) equation against published free-space figures, the IR range equation
against a published worked example, and each range function as the inverse of its power function."""

import numpy as np
import pytest
from scipy.optimize import brentq

from iadsim.physics.passive import ir_irradiance, ir_range, one_way_range, one_way_received_power
from iadsim.units import SPEED_OF_LIGHT


@pytest.mark.validation
def test_free_space_loss_of_the_one_way_equation_matches_itu_r_p525(validation):
    """ITU-R P.525-4 eq. (6): L_bf = 32.4 + 20 log f[MHz] + 20 log d[km] dB (the constant rounded to 0.1 dB:
    32.45 exactly). 10 GHz over 10 km: 32.4 + 80 + 20 = 132.4 dB. The one-way equation with isotropic antennas
    (0 dBi, 1 W) gives the loss as -10 log P_r."""
    loss = -10 * np.log10(one_way_received_power(1.0, 0.0, 10e9, 10e3))
    validation("one-way free-space loss [dB] (iadsim.physics.passive.one_way_received_power)",
               "ITU-R P.525-4 eq. (6): 32.4 + 20 log f(MHz) + 20 log d(km), 10 GHz, 10 km", loss, 132.4, abs=0.06)


@pytest.mark.validation
def test_mathworks_friis_received_power(validation):
    """MathWorks Antenna Toolbox / Phased Array Toolbox ``friisrxpow`` example: 0.5 W transmitted at 437 MHz
    over 10 km, 0 dBi antennas: P_r = 1.4901e-11 W (printed to 5 significant figures)."""
    value = one_way_received_power(0.5, 0.0, 437e6, 10e3)
    validation("one-way received power [W] (iadsim.physics.passive.one_way_received_power)",
               "MathWorks friisrxpow example (0.5 W, 437 MHz, 10 km)", value, 1.4901e-11, rel=1e-4)


@pytest.mark.validation
def test_willers_ir_range_example(validation):
    """Willers' ComputationalRadiometry notebook 06 (pyradi): a 200 W/sr source, extinction 0.15 /km, detected
    down to 1e-5 W/m^2: range 3452.03 m."""
    value = ir_range(200.0, 0.15e-3, 1e-5)
    validation("IR detection range [m] (iadsim.physics.passive.ir_range)",
               "Willers, ComputationalRadiometry notebook 06: 200 W/sr, 0.15/km, 1e-5 W/m^2", value, 3452.03, abs=0.01)


def test_the_range_functions_invert_the_power_functions():
    rng = np.random.default_rng(4)
    for _ in range(50):
        erp, gain, f, loss = 10 ** rng.uniform(0, 6), rng.uniform(-10, 30), 10 ** rng.uniform(8, 10.5), \
            rng.uniform(0, 10)
        sensitivity = 10 ** rng.uniform(-13, -6)
        r = one_way_range(erp, gain, f, sensitivity, loss)
        assert one_way_received_power(erp, gain, f, r, loss) == pytest.approx(sensitivity, rel=1e-12)
        intensity, gamma, threshold = 10 ** rng.uniform(0, 4), rng.choice([0.0, 10 ** rng.uniform(-6, -3)]), \
            10 ** rng.uniform(-11, -6)
        r = ir_range(intensity, gamma, threshold)
        expected = brentq(lambda x, i=intensity, g=gamma, e=threshold: ir_irradiance(i, x, g) - e, 1e-3, 1e9,
                          xtol=1e-9, rtol=1e-14)
        assert r == pytest.approx(expected, rel=1e-9)
    # the one-way range grows as the square root of ERP, the radar (two-way) range only as its fourth root
    base = one_way_range(1e3, 0.0, 3e9, 1e-10)
    assert one_way_range(16e3, 0.0, 3e9, 1e-10) == pytest.approx(4 * base)
    assert base == pytest.approx(SPEED_OF_LIGHT / 3e9 / (4 * np.pi) * np.sqrt(1e3 / 1e-10))


def test_passive_functions_refuse_impossible_inputs():
    for call in (lambda: one_way_received_power(1.0, 0.0, 0.0, 1e3), lambda: one_way_range(1.0, 0.0, 1e9, 0.0),
                 lambda: ir_irradiance(1.0, 1e3, -1.0), lambda: ir_range(1.0, 0.0, 0.0)):
        with pytest.raises(ValueError):
            call()
