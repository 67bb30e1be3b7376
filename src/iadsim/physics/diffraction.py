"""Smooth-earth diffraction beyond the radio horizon: the first term of the residue series.

The method of Rec. ITU-R P.526 (smooth spherical earth, first term), in the form Rec. ITU-R P.452-17
carries it (Sec. 4.2.2.1, Eqs. 30-37): a distance term F(X) and a height-gain term G(Y) for each
terminal, with the ground's electrical constants and the polarisation entering through K and beta.
Valid beyond the horizon (the normalised distance X of the test geometries is at least 1.6); inside the
line of sight the interference (two-ray) region applies, and :mod:`iadsim.physics.reflection` gives its
terms.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from iadsim.physics._checks import as_float, non_negative, output, positive

__all__ = ["LAND", "SEA", "smooth_earth_diffraction_db"]

LAND = (22.0, 0.003)
"""(relative permittivity, conductivity [S/m]) of average land in ITU-R P.452-17 Sec. 4.2.2.1."""
SEA = (80.0, 5.0)
"""(relative permittivity, conductivity [S/m]) of sea water in ITU-R P.452-17 Sec. 4.2.2.1."""


def smooth_earth_diffraction_db(
    distance: ArrayLike, height_1: ArrayLike, height_2: ArrayLike, frequency: ArrayLike,
    effective_radius: ArrayLike, relative_permittivity: ArrayLike = LAND[0], conductivity: ArrayLike = LAND[1],
    polarisation: str = "vertical",
) -> float | NDArray[np.float64]:
    """Diffraction loss relative to free space [dB, positive] over a smooth spherical earth, first term.

    Parameters
    ----------
    distance : array_like
        Great-circle distance between the terminals [m].
    height_1, height_2 : array_like
        Terminal heights above the surface [m].
    frequency : array_like
        Carrier frequency [Hz].
    effective_radius : array_like
        Effective earth radius a_e [m] (k x 6,371 km; k = 4/3 for the standard atmosphere).
    relative_permittivity, conductivity : array_like
        The surface's electrical constants (eps_r, sigma [S/m]); :data:`LAND` by default, :data:`SEA`.
    polarisation : {"vertical", "horizontal"}

    Returns
    -------
    float or ndarray
        Loss L = -F(X) - G(Y1) - G(Y2) [dB].

    Notes
    -----
    With f in GHz, d and a_e in km and h in m (ITU-R P.452-17 Eqs. 30-37):
    K_H = 0.036 (a_e f)^(-1/3) [(eps_r - 1)^2 + (18 sigma / f)^2]^(-1/4), K_V = K_H [eps_r^2 + (18 sigma / f)^2]^(1/2);
    beta = (1 + 1.6 K^2 + 0.67 K^4) / (1 + 4.5 K^2 + 1.53 K^4); X = 21.88 beta (f / a_e^2)^(1/3) d;
    Y = 0.9575 beta (f^2 / a_e)^(1/3) h; F(X) = 11 + 10 log X - 17.6 X for X >= 1.6, else
    -20 log X - 5.6488 X^1.425; with B = beta Y, G = 17.6 (B - 1.1)^0.5 - 5 log(B - 1.1) - 8 for B > 2,
    else 20 log(B + 0.1 B^3); G is at least 2 + 20 log K.

    References
    ----------
    Rec. ITU-R P.526 (propagation by diffraction), smooth earth, first term of the residue series;
    Rec. ITU-R P.452-17 (09/2023), Sec. 4.2.2.1, Eqs. (30)-(37). Validated against the validation results
    of the ITU-R reference software for P.452-17 (tests/physics/test_diffraction.py).
    """
    if polarisation not in ("vertical", "horizontal"):
        raise ValueError(f"polarisation must be 'vertical' or 'horizontal', not {polarisation!r}")
    d_km = non_negative("distance", distance) / 1e3
    h1 = non_negative("height_1", height_1)
    h2 = non_negative("height_2", height_2)
    f_ghz = positive("frequency", frequency) / 1e9
    ae_km = positive("effective_radius", effective_radius) / 1e3
    eps = positive("relative_permittivity", relative_permittivity)
    sigma = non_negative("conductivity", as_float("conductivity", conductivity))
    loss_term = (18.0 * sigma / f_ghz) ** 2
    k = 0.036 * (ae_km * f_ghz) ** (-1.0 / 3.0) * ((eps - 1.0) ** 2 + loss_term) ** (-0.25)
    if polarisation == "vertical":
        k = k * np.sqrt(eps**2 + loss_term)
    beta = (1.0 + 1.6 * k**2 + 0.67 * k**4) / (1.0 + 4.5 * k**2 + 1.53 * k**4)
    x = 21.88 * beta * (f_ghz / ae_km**2) ** (1.0 / 3.0) * d_km
    with np.errstate(divide="ignore"):
        f_x = np.where(x >= 1.6, 11.0 + 10.0 * np.log10(x) - 17.6 * x,
                       -20.0 * np.log10(x) - 5.6488 * x**1.425)
    floor = 2.0 + 20.0 * np.log10(k)

    def height_gain(h):
        b = beta * 0.9575 * beta * (f_ghz**2 / ae_km) ** (1.0 / 3.0) * h  # B = beta Y (Eq. 36b)
        with np.errstate(invalid="ignore", divide="ignore"):
            high = 17.6 * np.sqrt(np.maximum(b - 1.1, 0.0)) - 5.0 * np.log10(np.maximum(b - 1.1, 1e-300)) - 8.0
            low = 20.0 * np.log10(b + 0.1 * b**3)
        return np.maximum(np.where(b > 2.0, high, low), floor)

    return output(-f_x - height_gain(h1) - height_gain(h2))
