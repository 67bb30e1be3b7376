"""Multipath, clutter and jamming against the published equations they implement."""

import numpy as np
import pytest

from iadsim.physics import effects as fx
from iadsim.physics.radar import snr_db
from iadsim.units import EARTH_RADIUS, SPEED_OF_LIGHT

FREQUENCY = 3e9
LAMBDA = SPEED_OF_LIGHT / FREQUENCY


# ----------------------------------------------------------------------------------------------------
# Multipath
# ----------------------------------------------------------------------------------------------------
def test_blake_two_ray_factor_far_from_the_surface_geometry():
    # Blake (1986) / Skolnik ch. 8: F = 2 |sin(2 pi h_a h_t / (lambda R))| over a smooth flat surface
    # with Gamma = -1, from the path difference dR ~ 2 h_a h_t / R. For h_t <= 300 m at R >= 20 km the
    # neglected term, dR (h_t^2 + h_a^2) / (2 R^2), is below 2e-3 rad of phase: tolerance 3e-3 on F.
    h_r, h_t = 10.0, np.linspace(20.0, 300.0, 200)
    for d in (20e3, 50e3, 80e3):
        blake = 2 * np.abs(np.sin(2 * np.pi * h_r * h_t / (LAMBDA * d)))
        np.testing.assert_allclose(fx.multipath_propagation_factor(h_r, h_t, d, FREQUENCY), blake, atol=3e-3)


def test_lobe_maximum_is_twelve_db_gain_and_nulls_are_capped():
    # Skolnik ch. 8: at the lobe peaks F = 2, i.e. F^4 = 16 (+12 dB); at the nulls the echo vanishes.
    d, h_r = 30e3, 15.0
    h_peak = LAMBDA * d / (4 * h_r)  # 2 pi h_r h_t / (lambda d) = pi / 2
    h_null = LAMBDA * d / (2 * h_r)  # ... = pi
    assert fx.multipath_loss_db(h_r, h_peak, d, FREQUENCY) == pytest.approx(-40 * np.log10(2), abs=1e-3)
    assert fx.multipath_loss_db(h_r, h_null, d, FREQUENCY) == 40.0  # modelling cap (documented)
    assert fx.multipath_loss_db(h_r, h_null, d, FREQUENCY, max_loss_db=60.0) == 60.0


def test_low_angle_fourth_power_law():
    # Skolnik ch. 8: below the first lobe F^4 ~ (4 pi h_a h_t / (lambda R))^4, the R^-8 region.
    h_r, h_t, d = 5.0, 5.0, 100e3
    small = 4 * np.pi * h_r * h_t / (LAMBDA * d)
    assert small < 0.05
    loss = fx.multipath_loss_db(h_r, h_t, d, FREQUENCY, max_loss_db=np.inf)
    assert loss == pytest.approx(-40 * np.log10(small), abs=0.01)
    assert fx.multipath_loss_db(h_r, h_t, d, FREQUENCY) == 40.0  # the default cap applies here


def test_partial_reflection_and_roughness():
    # |Gamma| < 1 fills the nulls: F ranges over [1 - |Gamma|, 1 + |Gamma|].
    h_t = np.linspace(1.0, 3000.0, 20001)
    factor = fx.multipath_propagation_factor(10.0, h_t, 30e3, FREQUENCY, reflection_coefficient=-0.5)
    assert factor.min() == pytest.approx(0.5, abs=1e-3) and factor.max() == pytest.approx(1.5, abs=1e-3)
    # Ament / Beckmann: at the Rayleigh criterion (s sin psi = lambda / 8) rho_s = exp(-pi^2 / 8) = 0.291.
    psi = np.deg2rad(2.0)
    s = LAMBDA / (8 * np.sin(psi))
    assert fx.roughness_factor(s, psi, FREQUENCY) == pytest.approx(np.exp(-(np.pi**2) / 8), rel=1e-12)
    assert fx.roughness_factor(0.0, psi, FREQUENCY) == 1.0


# ----------------------------------------------------------------------------------------------------
# Clutter
# ----------------------------------------------------------------------------------------------------
def test_grazing_angle_spherical_earth():
    # Skolnik ch. 7 / Long: sin psi ~ h / R - R / (2 k a) for h << R; zero at and beyond the horizon.
    h, r = 20.0, np.array([1e3, 5e3, 10e3])
    approx = np.arcsin(h / r - r / (2 * 4 / 3 * EARTH_RADIUS))
    np.testing.assert_allclose(fx.grazing_angle(h, r), approx, rtol=1e-5)
    horizon = np.sqrt(2 * 4 / 3 * EARTH_RADIUS * h)
    np.testing.assert_array_equal(fx.grazing_angle(h, np.array([horizon * 1.0001, 2 * horizon])), 0.0)


def test_clutter_cell_and_signal_to_clutter_skolnik_form():
    # Skolnik ch. 7: S/C = sigma_t / (sigma0 R theta_B (c tau / 2) sec psi), then + I for MTI.
    r, theta, tau, psi = 20e3, np.deg2rad(1.5), 1e-6, np.deg2rad(0.5)
    area = r * theta * (SPEED_OF_LIGHT * tau / 2) / np.cos(psi)
    assert fx.clutter_cell_area(r, theta, tau, psi) == pytest.approx(area, rel=1e-14)
    sigma0 = fx.constant_gamma_sigma0(-20.0, psi)
    assert sigma0 == pytest.approx(0.01 * np.sin(psi), rel=1e-14)
    scr = fx.signal_to_clutter_db(2.0, sigma0, r, theta, tau, psi, improvement_factor_db=30.0)
    assert scr == pytest.approx(10 * np.log10(2.0 / (sigma0 * area)) + 30.0, abs=1e-12)


def test_clutter_to_noise_is_consistent_with_signal_to_clutter():
    # Same range, same beam: SNR - CNR = S/C (both before processing, I = 0).
    args = dict(slant_range=15e3, beamwidth_az=np.deg2rad(2.0), pulse_width=0.5e-6, grazing_angle=np.deg2rad(0.3))
    sigma0 = fx.constant_gamma_sigma0(-15.0, args["grazing_angle"])
    cnr = fx.clutter_to_noise_db(1e5, 35.0, FREQUENCY, sigma0=sigma0, **args)
    signal = snr_db(1e5, 35.0, FREQUENCY, 1.0, args["slant_range"], args["pulse_width"])
    assert signal - cnr == pytest.approx(fx.signal_to_clutter_db(1.0, sigma0, **args), abs=1e-10)
    assert fx.clutter_to_noise_db(1e5, 35.0, FREQUENCY, sigma0=sigma0, improvement_factor_db=40.0, **args) == (
        pytest.approx(cnr - 40.0)
    )


# ----------------------------------------------------------------------------------------------------
# Jamming
# ----------------------------------------------------------------------------------------------------
@pytest.mark.validation
def test_ew_handbook_self_screening_constant(validation):
    # NAWCWPNS TP 8347 Sec. 4-7: J/S = 10.99 dB + ERP_J - ERP_S + 20 log R - 10 log sigma (R in m);
    # the printed constant has 2 decimals. With ERP_J = ERP_S, R = 1 m, sigma = 1 m^2 J/S is the constant.
    validation("self-screening J/S [dB] (iadsim.physics.effects.self_screening_js_db)",
               "EW and Radar Systems Engineering Handbook, J/S constant 10.99 dB",
               fx.self_screening_js_db(1e3, 1e6, 1e3, 0.0, 1.0, 1.0, 1e6), 10.99, abs=0.005)
    # ... and 71 dB with R in km (Adamy, EW 101): 100 W ERP jammer, 1 MW x 35 dB radar, 30 km, 5 m^2.
    erp_j, pt, g, r_km, sigma = 100.0, 1e6, 35.0, 30.0, 5.0
    handbook = 71 + 10 * np.log10(erp_j) - (10 * np.log10(pt) + g) + 20 * np.log10(r_km) - 10 * np.log10(sigma)
    validation("self-screening J/S [dB] (iadsim.physics.effects.self_screening_js_db)",
               "Adamy, EW 101: J/S = 71 dB + ERP_J - ERP_S + 20 log R[km] - 10 log sigma",
               fx.self_screening_js_db(erp_j, 1e6, pt, g, sigma, r_km * 1e3, 1e6), handbook, abs=0.01)


def test_ew_handbook_support_jamming():
    # NAWCWPNS TP 8347 Sec. 4-9: J/S = 10.99 + ERP_J - ERP_S + 40 log R_T - 20 log R_J + G_sl - G_M - 10 log sigma
    # (here G_sl - G_M is the sidelobe level).
    erp_j, pt, g, sll, r_t, r_j, sigma = 1e3, 2e5, 38.0, -30.0, 60e3, 150e3, 3.0
    handbook = (
        10.99 + 10 * np.log10(erp_j) - (10 * np.log10(pt) + g) + 40 * np.log10(r_t) - 20 * np.log10(r_j)
        + sll - 10 * np.log10(sigma)
    )  # fmt: skip
    assert fx.standoff_js_db(erp_j, 1e6, pt, g, sigma, r_t, r_j, 1e6, sll) == pytest.approx(handbook, abs=0.005)
    # A jammer wider than the receiver puts only B_r / B_j of its power in band.
    wide = fx.standoff_js_db(erp_j, 100e6, pt, g, sigma, r_t, r_j, 1e6, sll)
    assert wide == pytest.approx(handbook - 20.0, abs=0.005)


def test_jammer_to_noise_consistent_with_radar_equation():
    # For a self-screening jammer SNR - JNR must equal -J/S (same receiver, same bandwidth 1/tau).
    pt, g, sigma, r, tau, erp, b_j = 1e6, 35.0, 2.0, 40e3, 1e-6, 50.0, 5e6
    snr = snr_db(pt, g, FREQUENCY, sigma, r, tau)
    jnr = fx.jammer_to_noise_db(erp, b_j, FREQUENCY, g, r, 1 / tau)
    js = fx.self_screening_js_db(erp, b_j, pt, g, sigma, r, 1 / tau)
    assert snr - jnr == pytest.approx(-js, abs=1e-10)


def test_burn_through_range_inverts_js():
    args = (200.0, 10e6, 1e6, 36.0, 4.0, 1e6)
    r_bt = fx.self_screening_burn_through_range(*args, required_sj_db=6.0)
    assert fx.self_screening_js_db(*args[:5], r_bt, args[5]) == pytest.approx(-6.0, abs=1e-10)


def test_sinr_combiner():
    # Noise and equal-power interference: SINR is 3.01 dB below SNR; no interference leaves SNR unchanged.
    assert fx.sinr_db(15.0, jnr_db=0.0) == pytest.approx(15.0 - 10 * np.log10(2), abs=1e-12)
    assert fx.sinr_db(15.0) == 15.0
    np.testing.assert_allclose(
        fx.sinr_db(np.array([10.0, 20.0]), 10.0, 10.0), np.array([10.0, 20.0]) - 10 * np.log10(21)
    )


@pytest.mark.parametrize(
    "call",
    [
        lambda: fx.multipath_propagation_factor(-1.0, 10.0, 1e3, FREQUENCY),
        lambda: fx.multipath_propagation_factor(10.0, 10.0, 0.0, FREQUENCY),
        lambda: fx.clutter_cell_area(1e3, 0.0, 1e-6, 0.01),
        lambda: fx.self_screening_js_db(10.0, 1e6, 1e6, 30.0, 0.0, 1e4, 1e6),
        lambda: fx.jammer_to_noise_db(10.0, 0.0, FREQUENCY, 30.0, 1e4, 1e6),
        lambda: fx.grazing_angle(10.0, -1.0),
    ],
)
def test_invalid_arguments_raise(call):
    with pytest.raises(ValueError):
        call()
