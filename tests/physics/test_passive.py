"""Passive sensing: the one-way (beacon) equation against published free-space figures, the IR range equation
against a published worked example, and each range function as the inverse of its power function."""

import numpy as np
import pytest
from scipy.optimize import brentq

from iadsim.physics.passive import ir_irradiance, ir_range, one_way_range, one_way_received_power
from iadsim.units import SPEED_OF_LIGHT


@pytest.mark.validation
def test_free_space_loss_matches_mathworks_fspl(validation):
    """MathWorks Phased Array System Toolbox ``fspl`` example: a 10 GHz signal over 10 km loses 132.4478 dB
    (20 log10(4 pi R / lambda)). The one-way equation with isotropic antennas (0 dBi, 1 W) gives the loss as
    -10 log10 P_r."""
    loss = -10 * np.log10(one_way_received_power(1.0, 0.0, 10e9, 10e3))
    validation("one-way free-space loss [dB] (iadsim.physics.passive.one_way_received_power)",
               "MathWorks fspl example (10 GHz, 10 km)", loss, 132.4478, abs=1e-4)


@pytest.mark.validation
def test_ew_handbook_one_way_example(validation):
    """NAWCWD TP 8347 (EW and Radar Systems Engineering Handbook), one-way example of p. 4-3.9 as the NRL SIMDIS
    SDK's tests reproduce it (Testing/SimCore/EMTest.cpp): 10 kW, 45 dB transmit gain, 0 dBi receive, 5 GHz,
    31 km, 5 dB loss: -56.25 dBW (at 7 GHz: -59.17 dBW)."""
    for frequency, expected in ((5e9, -56.25), (7e9, -59.17)):
        value = 10 * np.log10(one_way_received_power(10e3 * 10**4.5, 0.0, frequency, 31e3, 5.0))
        validation("one-way received power [dBW] (iadsim.physics.passive.one_way_received_power)",
                   f"EW and Radar Systems Engineering Handbook p. 4-3.9 ({frequency / 1e9:g} GHz, 31 km)", value,
                   expected, abs=0.01)


@pytest.mark.validation
def test_intercept_ranges_of_a_main_lobe_and_a_sidelobe(validation):
    """The handbook's free-space intercept-range table (Table 4-2, as the SIMDIS SDK tests reproduce it): 10 MW at
    20 GHz, receiver sensitivity -150 dBm, 0 dBi receive antenna: a -5 dB sidelobe is intercepted out to
    2,121,068,800 m, a +50 dB main lobe out to 1,192,765,322,500 m (the table's rounded constant: 1e-4)."""
    sensitivity = 10 ** (-150 / 10) * 1e-3
    for gain_db, expected in ((-5.0, 2121068800.0), (50.0, 1192765322500.0)):
        value = one_way_range(10e6 * 10 ** (gain_db / 10), 0.0, 20e9, sensitivity)
        validation("one-way intercept range [m] (iadsim.physics.passive.one_way_range)",
                   f"EW and Radar Systems Engineering Handbook Table 4-2 ({gain_db:+g} dB transmit gain)", value,
                   expected, rel=1e-4)


@pytest.mark.validation
def test_mathworks_friis_received_power(validation):
    """MathWorks Antenna Toolbox / Phased Array Toolbox ``friisrxpow`` example: 0.5 W transmitted at 437 MHz
    over 10 km, 0 dBi antennas: P_r = 1.4901e-11 W (printed to 5 significant figures)."""
    value = one_way_received_power(0.5, 0.0, 437e6, 10e3)
    validation("one-way received power [W] (iadsim.physics.passive.one_way_received_power)",
               "MathWorks friisrxpow example (0.5 W, 437 MHz, 10 km)", value, 1.4901e-11, rel=1e-4)


@pytest.mark.validation
def test_willers_ir_range_example(validation):
    """Willers' range equation example (pyradi examples/bookcode.ipynb, "Appendix D Code: Range Equation"; also
    the ComputationalRadiometry notebook 06): a 200 W/sr source, transmittance exp(-0.00015 R), threshold
    1e-5 W/m^2: "Range is 3452.03" (pyradi interpolates a transmittance table: 0.2 mm from the exact root)."""
    value = ir_range(200.0, 0.15e-3, 1e-5)
    validation("IR detection range [m] (iadsim.physics.passive.ir_range)",
               "Willers / pyradi range equation example: 200 W/sr, 0.15 /km, 1e-5 W/m^2", value, 3452.03, abs=0.01)


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
