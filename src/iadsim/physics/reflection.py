"""Reflection from the earth's surface: the terms of the two-ray (interference-region) propagation factor.

The specular reflection that interferes with the direct ray is, after Blake (NRL Report 7098, 1970, Eq. 7),
x = D rho_s |Gamma| f(theta_r) / f(theta_d): the divergence factor D of the curved earth, the rough-surface
specular factor rho_s (:func:`iadsim.physics.effects.roughness_factor` after Ament, or
:func:`~iadsim.physics.effects.miller_brown_vegh_factor`), the smooth-surface Fresnel coefficient Gamma of
the surface's complex permittivity, and the antenna's elevation voltage pattern f at the reflected and direct
rays. Each term is a function here; grazing angles are measured from the surface, not from its normal.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from iadsim.physics._checks import as_float, non_negative, output, positive
from iadsim.units import EARTH_RADIUS, SPEED_OF_LIGHT

__all__ = ["complex_permittivity", "divergence_factor", "fresnel_reflection", "sea_water_blake", "sinc_pattern"]


def complex_permittivity(relative_permittivity: ArrayLike, conductivity: ArrayLike, frequency: ArrayLike
                         ) -> complex | NDArray[np.complex128]:
    """Complex relative permittivity eps_c = eps_r - j 60 lambda sigma (time convention e^{+j w t}).

    Parameters
    ----------
    relative_permittivity : array_like
        Real relative permittivity eps_r.
    conductivity : array_like
        Conductivity sigma [S/m].
    frequency : array_like
        Carrier frequency [Hz].

    References
    ----------
    Blake, NRL Report 7098 (1970); Rec. ITU-R P.527 (the same in the form eps_r - j 18 sigma / f[GHz]).
    """
    wavelength = SPEED_OF_LIGHT / positive("frequency", frequency)
    value = positive("relative_permittivity", relative_permittivity) - 1j * 60.0 * wavelength * non_negative(
        "conductivity", conductivity)
    return value.item() if np.ndim(value) == 0 else value


def fresnel_reflection(grazing_angle: ArrayLike, permittivity: ArrayLike, polarisation: str = "horizontal"
                       ) -> complex | NDArray[np.complex128]:
    """Smooth-surface Fresnel reflection coefficient Gamma (complex) at a grazing angle.

    Gamma_H = (sin psi - sqrt(eps_c - cos^2 psi)) / (sin psi + sqrt(eps_c - cos^2 psi)),
    Gamma_V = (eps_c sin psi - sqrt(eps_c - cos^2 psi)) / (eps_c sin psi + sqrt(eps_c - cos^2 psi)).
    Both tend to -1 at grazing incidence.

    Parameters
    ----------
    grazing_angle : array_like
        Grazing angle psi [rad], from the surface, in [0, pi/2].
    permittivity : array_like
        Complex relative permittivity eps_c (:func:`complex_permittivity`).
    polarisation : {"horizontal", "vertical"}

    References
    ----------
    Blake, L. V., NRL Report 7098 (1970), Eqs. (29), (30); Skolnik (2001), ch. 8.
    """
    if polarisation not in ("horizontal", "vertical"):
        raise ValueError(f"polarisation must be 'horizontal' or 'vertical', not {polarisation!r}")
    psi = as_float("grazing_angle", grazing_angle)
    if np.any(psi < 0) or np.any(psi > np.pi / 2 + 1e-12):
        raise ValueError("grazing_angle must be in [0, pi/2] rad")
    eps = np.asarray(permittivity, dtype=np.complex128)
    root = np.sqrt(eps - np.cos(psi) ** 2)
    sin = np.sin(psi)
    if polarisation == "horizontal":
        value = (sin - root) / (sin + root)
    else:
        value = (eps * sin - root) / (eps * sin + root)
    return value.item() if np.ndim(value) == 0 else value


def sea_water_blake(frequency: ArrayLike) -> tuple:
    """(relative permittivity, conductivity [S/m]) of sea water, Blake's piecewise-linear model.

    eps_r = 80 and sigma = 4.3 S/m up to 1.5 GHz; then eps_r = 80 - 0.00733 (f - 1500), sigma = 4.3 +
    0.00148 (f - 1500) to 3 GHz; then eps_r = 69 - 0.00243 (f - 3000), sigma = 6.52 + 0.001314 (f - 3000)
    to 10 GHz (f in MHz). Valid from 100 MHz to 10 GHz.

    References
    ----------
    Blake, L. V., NRL Report 7098 (1970), Eq. (32).
    """
    f_mhz = positive("frequency", frequency) / 1e6
    if np.any(f_mhz < 100.0) or np.any(f_mhz > 10_000.0):
        raise ValueError("Blake's sea-water model holds from 100 MHz to 10 GHz")
    eps = np.where(f_mhz <= 1500.0, 80.0, np.where(f_mhz <= 3000.0, 80.0 - 0.00733 * (f_mhz - 1500.0),
                                                   69.0 - 0.00243 * (f_mhz - 3000.0)))
    sigma = np.where(f_mhz <= 1500.0, 4.3, np.where(f_mhz <= 3000.0, 4.3 + 0.00148 * (f_mhz - 1500.0),
                                                    6.52 + 0.001314 * (f_mhz - 3000.0)))
    return output(eps), output(sigma)


def divergence_factor(elevation: ArrayLike, antenna_height: ArrayLike, k: ArrayLike = 4.0 / 3.0
                      ) -> float | NDArray[np.float64]:
    """Divergence factor D of the reflection from a spherical earth, for a distant target.

    D = sqrt((1 + 2 zeta / sqrt(zeta^2 + 3)) / 3), zeta = sqrt(a_e / (2 h)) tan(theta_d): 1/sqrt(3) at zero
    elevation, tending to 1 as the elevation grows.

    Parameters
    ----------
    elevation : array_like
        Elevation angle theta_d of the direct ray at the antenna [rad], at least 0.
    antenna_height : array_like
        Antenna height above the reflecting surface h [m].
    k : array_like
        Effective earth radius factor (a_e = k x the WGS-84 equatorial radius).

    References
    ----------
    Blake, L. V., NRL Report 7098 (1970), Eqs. (27), (28).
    """
    theta = as_float("elevation", elevation)
    if np.any(theta < 0):
        raise ValueError("elevation must be at least 0 rad (the reflection geometry of a distant target)")
    ae = positive("k", k) * EARTH_RADIUS
    zeta = np.sqrt(ae / (2.0 * positive("antenna_height", antenna_height))) * np.tan(theta)
    return output(np.sqrt((1.0 + 2.0 * zeta / np.sqrt(zeta**2 + 3.0)) / 3.0))


SINC_HALF_POWER_U = 1.3915573782515103
"""The root of sin(u)/u = 1/sqrt(2): where a sin(u)/u voltage pattern is 3 dB down."""


def sinc_pattern(elevation: ArrayLike, beamwidth: ArrayLike, tilt: ArrayLike = 0.0) -> float | NDArray[np.float64]:
    """Normalised elevation voltage pattern sin(u)/u, u = 1.39156 sin(theta - tilt) / sin(beamwidth / 2),
    3 dB down (1/sqrt(2)) half a beamwidth off the beam's axis.

    Parameters
    ----------
    elevation : array_like
        Elevation angle [rad].
    beamwidth : array_like
        Half-power (3 dB) elevation beamwidth [rad].
    tilt : array_like
        Elevation of the beam's axis [rad].

    References
    ----------
    Blake, L. V., NRL Report 7098 (1970), Eqs. (38)-(40).
    """
    u = SINC_HALF_POWER_U * np.sin(as_float("elevation", elevation) - as_float("tilt", tilt)) / np.sin(
        positive("beamwidth", beamwidth) / 2.0)
    return output(np.sinc(u / np.pi))  # numpy's sinc is sin(pi x)/(pi x)
