"""Surface reflection terms against textbook identities computed here (normal incidence, Brewster angle,
grazing incidence, a perfect conductor), the rough-surface factors' limits, Blake's divergence factor and
sinc pattern at their defining points."""

from __future__ import annotations

import numpy as np
import pytest

from iadsim.physics import reflection as rf
from iadsim.physics.effects import miller_brown_vegh_factor, roughness_factor

C = 299_792_458.0


def test_complex_permittivity_is_eps_minus_j_18_sigma_over_f_ghz():
    # Rec. ITU-R P.527: eps'' = 18 sigma / f[GHz] (60 lambda sigma with lambda = 0.2998 / f[GHz] m)
    eps = rf.complex_permittivity(15.0, 0.005, 3e9)
    assert eps.real == 15.0 and eps.imag == pytest.approx(-60 * (C / 3e9) * 0.005, rel=1e-15)
    assert -eps.imag == pytest.approx(18 * 0.005 / 3.0, rel=1e-3)


@pytest.mark.parametrize("eps", [4.0, 15.0 - 1.0j, 69.0 - 39.1j])
def test_fresnel_at_normal_incidence_is_the_textbook_value(eps):
    # at normal incidence (psi = 90 deg): Gamma_H = (1 - sqrt(eps)) / (1 + sqrt(eps)) = -Gamma_V
    expected = (1 - np.sqrt(complex(eps))) / (1 + np.sqrt(complex(eps)))
    assert rf.fresnel_reflection(np.pi / 2, eps, "horizontal") == pytest.approx(expected, rel=1e-12)
    assert rf.fresnel_reflection(np.pi / 2, eps, "vertical") == pytest.approx(-expected, rel=1e-12)


def test_fresnel_tends_to_minus_one_at_grazing_incidence():
    for pol in ("horizontal", "vertical"):
        assert rf.fresnel_reflection(0.0, 15.0 - 2.0j, pol) == pytest.approx(-1.0, abs=1e-12)
        assert abs(rf.fresnel_reflection(1e-4, 69.0 - 39.1j, pol) + 1) < 0.01


def test_vertical_polarisation_vanishes_at_the_brewster_angle():
    # a lossless dielectric: Gamma_V = 0 where sin(psi) = 1 / sqrt(eps + 1) (from Gamma_V's numerator)
    eps = 4.0
    brewster = np.arcsin(1 / np.sqrt(eps + 1))
    assert abs(rf.fresnel_reflection(brewster, eps, "vertical")) < 1e-12
    angles = np.linspace(0.01, 1.5, 200)
    magnitude = np.abs(rf.fresnel_reflection(angles, eps, "vertical"))
    assert angles[np.argmin(magnitude)] == pytest.approx(brewster, abs=0.01)
    assert np.all(np.abs(rf.fresnel_reflection(angles, eps, "horizontal")) > 0.3)  # H has no Brewster angle


def test_a_perfect_conductor_reflects_everything():
    eps = rf.complex_permittivity(1.0, 1e9, 3e9)
    psi = np.deg2rad([0.5, 5, 45])
    np.testing.assert_allclose(rf.fresnel_reflection(psi, eps, "horizontal"), -1.0, atol=1e-4)
    # V: 1 - 2 sqrt(eps) / (eps sin psi) to first order, 0.3 % at half a degree for eps'' ~ 6e9
    np.testing.assert_allclose(rf.fresnel_reflection(psi, eps, "vertical"), 1.0, atol=5e-3)


def test_blake_sea_water_model_is_continuous_and_in_range():
    # Blake, NRL 7098 Eq. 32 by hand: 80 and 4.3 S/m to 1.5 GHz; at 3 GHz 80 - 0.00733 x 1500 = 69.005 and
    # 4.3 + 0.00148 x 1500 = 6.52; at 10 GHz 69 - 0.00243 x 7000 = 51.99 and 6.52 + 0.001314 x 7000 = 15.718
    f = np.array([0.5e9, 1.5e9, 3e9, 10e9])
    eps, sigma = rf.sea_water_blake(f)
    np.testing.assert_allclose(eps, [80.0, 80.0, 69.005, 51.99], atol=1e-9)
    np.testing.assert_allclose(sigma, [4.3, 4.3, 6.52, 15.718], atol=1e-9)
    for edge in (1.5e9, 3e9):  # the pieces meet
        below, above = rf.sea_water_blake(edge * (1 - 1e-9)), rf.sea_water_blake(edge * (1 + 1e-9))
        assert below[0] == pytest.approx(above[0], abs=0.02) and below[1] == pytest.approx(above[1], abs=0.01)
    with pytest.raises(ValueError, match="100 MHz to 10 GHz"):
        rf.sea_water_blake(20e9)


def test_miller_brown_vegh_against_ament_and_its_asymptote():
    f, psi = 3e9, np.deg2rad(2.0)
    lam = C / f
    heights = np.array([0.001, 0.01, 0.05, 0.2, 1.0, 5.0])
    z = (4 * np.pi * heights * np.sin(psi) / lam) ** 2 / 2
    mbv, ament = miller_brown_vegh_factor(heights, psi, f), roughness_factor(heights, psi, f)
    np.testing.assert_allclose(ament, np.exp(-z), rtol=1e-12)  # both use the same roughness z
    assert np.all(mbv >= ament - 1e-15)
    # small roughness: exp(-z) I0(z) = 1 - z + 3 z^2 / 4 - ..., Ament 1 - z + z^2 / 2: they differ by ~ z^2 / 4
    small = z < 0.01
    np.testing.assert_allclose(mbv[small] - ament[small], z[small] ** 2 / 4, rtol=0.05, atol=1e-12)
    # large roughness: I0(z) exp(-z) -> 1 / sqrt(2 pi z)
    large = z > 50
    np.testing.assert_allclose(mbv[large], 1 / np.sqrt(2 * np.pi * z[large]), rtol=0.01)


def test_blake_divergence_factor_limits():
    assert rf.divergence_factor(0.0, 10.0) == pytest.approx(1 / np.sqrt(3), rel=1e-15)
    angles = np.deg2rad(np.array([0.01, 0.05, 0.1, 0.5, 1, 5, 30]))
    d = rf.divergence_factor(angles, 10.0)
    assert np.all(np.diff(d) > 0) and d[-1] == pytest.approx(1.0, abs=1e-3)
    # a higher antenna sees the curvature over a longer path: more divergence at the same angle
    assert rf.divergence_factor(np.deg2rad(0.1), 100.0) < rf.divergence_factor(np.deg2rad(0.1), 10.0)


def test_sinc_pattern_is_3_db_down_half_a_beamwidth_off_axis():
    beamwidth, tilt = np.deg2rad(4.0), np.deg2rad(1.0)
    for side in (-1, 1):
        assert rf.sinc_pattern(tilt + side * beamwidth / 2, beamwidth, tilt) == pytest.approx(1 / np.sqrt(2), rel=1e-9)
    assert rf.sinc_pattern(tilt, beamwidth, tilt) == 1.0
    first_null = np.arcsin(np.pi * np.sin(beamwidth / 2) / rf.SINC_HALF_POWER_U)
    assert abs(rf.sinc_pattern(first_null, beamwidth)) < 1e-12
    assert np.sin(rf.SINC_HALF_POWER_U) / rf.SINC_HALF_POWER_U == pytest.approx(1 / np.sqrt(2), rel=1e-12)


def test_invalid_arguments_raise():
    with pytest.raises(ValueError, match="polarisation"):
        rf.fresnel_reflection(0.1, 4.0, "circular")
    with pytest.raises(ValueError, match="grazing_angle"):
        rf.fresnel_reflection(-0.1, 4.0)
    with pytest.raises(ValueError, match="elevation"):
        rf.divergence_factor(-0.01, 10.0)
