"""Smooth-earth diffraction (first term) against the ITU-R reference software's validation results, and
against Barton's independent curve fit of the same first mode."""

from __future__ import annotations

import numpy as np
import pytest

from iadsim.physics.diffraction import LAND, SEA, smooth_earth_diffraction_db

# Validation results of the ITU-R Study Group 3 reference implementation of Rec. ITU-R P.452-17
# (Py452, tests/validation_examples/results/test_result_flat_land_100km.csv, column Ldsph): a flat land
# path of 100 km, both antennas 10 m above ground, vertical polarisation, land (eps_r 22, sigma 0.003 S/m),
# a_e = 8735.511968 km; printed with 8 decimals.
P452_FREQUENCIES_GHZ = [0.1, 0.25, 0.5, 0.75, 1, 2, 2.5, 5, 7.5, 10, 15, 20, 25, 30, 35, 40, 45, 50]
P452_LDSPH_DB = [67.30014953, 70.36696319, 76.11124705, 81.15092705, 85.58724637, 99.60559847, 105.22322083,
                 126.50485015, 141.84767034, 154.17401718, 173.96155726, 189.95926961, 203.58176245, 215.55247517,
                 226.29632045, 236.08647851, 245.11015424, 253.50188255]


@pytest.mark.validation
def test_itu_r_p452_reference_software_flat_land_100km(validation):
    loss = smooth_earth_diffraction_db(100e3, 10.0, 10.0, np.array(P452_FREQUENCIES_GHZ) * 1e9, 8735.511968e3,
                                       *LAND, polarisation="vertical")
    validation("smooth-earth diffraction loss, first term [dB] (iadsim.physics.diffraction)",
               "ITU-R P.452-17 reference software, validation results, flat land 100 km, 10 m / 10 m, V-pol, "
               "0.1-50 GHz", loss, P452_LDSPH_DB, abs=1e-7)


def _barton_first_mode_db(distance, h1, h2, wavelength, ae):
    """Barton, Radar Equations for Modern Radar (2013), Eqs. 8.63-8.69: the same first mode in 'natural
    units', fitted independently (V(X) + U(Z1) + U(Z2), as a propagation factor in dB; negative = loss)."""
    n0 = 1.000318
    length = (ae**2 * wavelength / (np.pi * n0)) ** (1 / 3)
    height = (ae * wavelength**2 / (8 * np.pi**2 * n0)) ** (1 / 3)
    x = distance / length

    def u(z):
        if z <= 0.6:
            return 20 * np.log10(z)
        if z < 1.0:
            return -4.3 + 51.04 * np.log10(z / 0.6) ** 1.4
        return 19.84728 * (z**0.47 - 0.9)

    return 10.99209864 + 10 * np.log10(x) - 17.545497 * x + u(h1 / height) + u(h2 / height)


def test_agrees_with_bartons_independent_fit_where_both_hold():
    """Over normalised distances X of 1.6 to 8 and heights Y of 0.5 to 50 (beta ~ 1 at these frequencies, so
    Barton's Z is the ITU Y) the two fits of the first mode agree within 3 dB in all (their distance terms
    within about 0.5 dB, their height-gain terms within about 1.2 dB each)."""
    ae = 4 / 3 * 6371e3
    compared = 0
    for frequency in (1e9, 3e9, 10e9):
        wavelength = 299_792_458.0 / frequency
        unit_x = (np.pi / (wavelength * ae**2)) ** (1 / 3)  # X = d (pi / (lambda a_e^2))^(1/3)
        unit_y = 2 * (np.pi**2 / (wavelength**2 * ae)) ** (1 / 3)  # Y = 2 h (pi^2 / (lambda^2 a_e))^(1/3)
        for x in (1.6, 2.5, 4.0, 6.0, 8.0):
            for y1, y2 in ((0.5, 0.5), (1.0, 5.0), (2.0, 20.0), (10.0, 50.0)):
                d, h1, h2 = x / unit_x, y1 / unit_y, y2 / unit_y
                ours = -smooth_earth_diffraction_db(d, h1, h2, frequency, ae, *LAND, polarisation="horizontal")
                assert ours == pytest.approx(_barton_first_mode_db(d, h1, h2, wavelength, ae), abs=3.0), (x, y1, y2)
                compared += 1
    assert compared == 60


def test_loss_grows_with_distance_and_falls_with_height():
    ae = 4 / 3 * 6371e3
    distances = np.linspace(60e3, 150e3, 10)
    loss = smooth_earth_diffraction_db(distances, 20.0, 100.0, 3e9, ae)
    assert np.all(np.diff(loss) > 0)
    heights = np.array([10.0, 100.0, 1000.0])
    assert np.all(np.diff(smooth_earth_diffraction_db(150e3, heights, 100.0, 3e9, ae)) < 0)


def test_sea_and_polarisation_matter_little_at_microwave_frequencies():
    # K is small above ~20 MHz, so beta ~ 1 whatever the surface (ITU-R P.452-17, after Eq. 31)
    ae = 4 / 3 * 6371e3
    values = [smooth_earth_diffraction_db(100e3, 10.0, 10.0, 3e9, ae, *surface, polarisation=pol)
              for surface in (LAND, SEA) for pol in ("vertical", "horizontal")]
    assert np.ptp(values) < 0.05


def test_invalid_arguments_raise():
    with pytest.raises(ValueError, match="polarisation"):
        smooth_earth_diffraction_db(1e5, 10, 10, 1e9, 8.5e6, polarisation="circular")
    with pytest.raises(ValueError):
        smooth_earth_diffraction_db(1e5, -1, 10, 1e9, 8.5e6)
