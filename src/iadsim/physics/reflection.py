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

__all__ = [
    "SEA_STATE_HEIGHT_STD",
    "SURFACE_CLASSES",
    "complex_permittivity",
    "cosecant_squared_pattern",
    "divergence_factor",
    "fresnel_reflection",
    "reflection_point",
    "sea_water_blake",
    "sinc_pattern",
    "spherical_divergence_factor",
    "surface_electrical_constants",
    "surface_permittivity",
]


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


def reflection_point(height_1: ArrayLike, height_2: ArrayLike, distance: ArrayLike, k: ArrayLike = 4.0 / 3.0
                     ) -> float | NDArray[np.float64]:
    """Ground distance d1 [m] from terminal 1 to the specular reflection point on a smooth sphere of radius k R.

    d1 = d / 2 + p cos((Phi + pi) / 3), p = (2 / sqrt 3) sqrt(a_e (h1 + h2) + (d / 2)^2),
    Phi = arccos(2 a_e (h1 - h2) d / p^3): the root of the cubic that equal grazing angles on both sides give
    (to the approximation h << a_e). Over a flat earth (a_e -> infinity) it tends to d h1 / (h1 + h2).

    Parameters
    ----------
    height_1, height_2 : array_like
        Heights of the two terminals above the sphere [m].
    distance : array_like
        Ground distance between them d [m], inside the line of sight.
    k : array_like
        Effective earth radius factor.

    References
    ----------
    Kerr, D. E. (ed.), *Propagation of Short Radio Waves*, MIT Radiation Laboratory Series vol. 13, 1951,
    Sec. 2.11; Blake, L. V., *Radar Range-Performance Analysis*, 1986, ch. 6 (the same cubic).
    """
    h1 = non_negative("height_1", height_1)
    h2 = non_negative("height_2", height_2)
    d = positive("distance", distance)
    ae = positive("k", k) * EARTH_RADIUS
    p = 2.0 / np.sqrt(3.0) * np.sqrt(ae * (h1 + h2) + (d / 2.0) ** 2)
    phi = np.arccos(np.clip(2.0 * ae * (h1 - h2) * d / p**3, -1.0, 1.0))
    return output(np.clip(d / 2.0 + p * np.cos((phi + np.pi) / 3.0), 0.0, d))


def spherical_divergence_factor(distance_1: ArrayLike, distance_2: ArrayLike, grazing_angle: ArrayLike,
                                k: ArrayLike = 4.0 / 3.0) -> float | NDArray[np.float64]:
    """Divergence factor D of a reflection from a sphere, for terminals at finite distances.

    D = [1 + 2 d1 d2 / (a_e d sin psi)]^(-1/2), d = d1 + d2: the spreading of the reflected ray bundle by the
    convex earth; 1 over a flat earth, falling to 0 at grazing incidence. For a distant terminal (d2 >> d1)
    it agrees with Blake's form :func:`divergence_factor` (tests/physics/test_reflection.py).

    Parameters
    ----------
    distance_1, distance_2 : array_like
        Ground distances from the reflection point to each terminal [m].
    grazing_angle : array_like
        Grazing angle psi at the reflection point [rad], > 0.
    k : array_like
        Effective earth radius factor.

    References
    ----------
    Kerr, D. E. (ed.), *Propagation of Short Radio Waves*, MIT Radiation Laboratory Series vol. 13, 1951,
    Sec. 2.12; Skolnik, M. I., *Introduction to Radar Systems*, 3rd ed., 2001, Sec. 8.2.
    """
    d1 = non_negative("distance_1", distance_1)
    d2 = non_negative("distance_2", distance_2)
    psi = positive("grazing_angle", grazing_angle)
    ae = positive("k", k) * EARTH_RADIUS
    return output(1.0 / np.sqrt(1.0 + 2.0 * d1 * d2 / (ae * np.maximum(d1 + d2, 1e-9) * np.sin(psi))))


def cosecant_squared_pattern(elevation: ArrayLike, beamwidth: ArrayLike, tilt: ArrayLike, ceiling: ArrayLike
                             ) -> float | NDArray[np.float64]:
    """Elevation voltage pattern of a cosecant-squared fan beam.

    Below theta_1 = tilt + beamwidth / 2 the main beam (:func:`sinc_pattern`); from theta_1 up to the ceiling
    the voltage falls as csc(theta) (the power as csc^2), continuing the main beam's value at theta_1:
    f = f(theta_1) sin(theta_1) / sin(theta), which keeps the echo of a target at constant height constant;
    above the ceiling 0.

    Parameters
    ----------
    elevation : array_like
        Elevation angle [rad].
    beamwidth : array_like
        Half-power elevation beamwidth of the main beam [rad].
    tilt : array_like
        Elevation of the main beam's axis [rad].
    ceiling : array_like
        Highest elevation of the cosecant-squared coverage [rad], above tilt + beamwidth / 2.

    References
    ----------
    Skolnik, M. I., *Introduction to Radar Systems*, 3rd ed., 2001, Sec. 9.11 (cosecant-squared antenna
    pattern); Blake, NRL Report 7098 (1970), Eqs. (38)-(40) (the sinc main beam).
    """
    theta = as_float("elevation", elevation)
    bw = positive("beamwidth", beamwidth)
    tilt_ = as_float("tilt", tilt)
    top = as_float("ceiling", ceiling)
    theta_1 = tilt_ + bw / 2.0
    if np.any(theta_1 <= 0) or np.any(top <= theta_1):
        raise ValueError("a cosecant-squared pattern needs 0 < tilt + beamwidth / 2 < ceiling")
    main = np.asarray(sinc_pattern(theta, bw, tilt_))
    edge = np.asarray(sinc_pattern(theta_1, bw, tilt_))
    with np.errstate(divide="ignore"):
        csc = edge * np.sin(theta_1) / np.sin(np.maximum(theta, theta_1))
    return output(np.where(theta <= theta_1, main, np.where(theta <= top, csc, 0.0)))


SEA_STATE_HEIGHT_STD = (0.01, 0.03, 0.10, 0.24, 0.38, 0.57, 0.91, 1.65, 2.50)
"""Standard deviation of the sea surface height [m] for sea states 0-8 (Douglas scale).

References
----------
Barton, D. K., *Radar Equations for Modern Radar*, Artech House, 2013, Table 9.1 (as tabulated by
MathWorks' ``searoughness``, whose documentation gives sea state 2 -> 0.1 m).
"""

SURFACE_CLASSES = ("sea", "fresh-water", "wet-ground", "medium-dry-ground", "very-dry-ground")
"""The surface classes of Rec. ITU-R P.527-3 (1992) that :func:`surface_electrical_constants` knows."""

_GROUND = {  # class: (a, b, c, d) of ITU-R P.2040 Table 3, eps = a f^b, sigma = c f^d (f in GHz, 1-10 GHz),
    # and the low-frequency conductivity [S/m] of ITU-R P.527-3 Fig. 1 (whose permittivity is a)
    "very-dry-ground": (3.0, 0.0, 0.00015, 2.52, 1e-4),
    "medium-dry-ground": (15.0, -0.1, 0.035, 1.63, 1e-3),
    "wet-ground": (30.0, -0.4, 0.15, 1.30, 1e-2),
}
_LOW_FREQUENCY = 30e6  # P.527-3: the ground conductivities are constant up to at least 30 MHz


def _pure_water(f_ghz, temperature=20.0):
    """Double-Debye permittivity (eps', eps'') of pure water, ITU-R P.527-4+ Sec. 5.1 form."""
    theta = 300.0 / (temperature + 273.15) - 1.0
    f1 = 20.20 - 146.4 * theta + 316.0 * theta**2
    f2 = 39.8 * f1
    eps_s = 77.66 + 103.3 * theta
    eps_1 = 0.0671 * eps_s
    eps_inf = 3.52 - 7.52 * theta
    real = (eps_s - eps_1) / (1 + (f_ghz / f1) ** 2) + (eps_1 - eps_inf) / (1 + (f_ghz / f2) ** 2) + eps_inf
    imag = (f_ghz / f1) * (eps_s - eps_1) / (1 + (f_ghz / f1) ** 2) + (f_ghz / f2) * (eps_1 - eps_inf) / (
        1 + (f_ghz / f2) ** 2)
    return real, imag


def surface_electrical_constants(surface: str, frequency: ArrayLike) -> tuple:
    """(relative permittivity, effective conductivity [S/m]) of a surface class at a frequency.

    * ``sea``: :func:`sea_water_blake`, the frequency held inside its 100 MHz - 10 GHz range (an assumption
      outside it).
    * ``fresh-water``: pure water at 20 degC, the double-Debye model of Rec. ITU-R P.527 (-4 and later,
      Sec. 5.1); its dielectric loss as an effective conductivity sigma = eps'' 2 pi f eps_0 (what P.527-3's
      curves plot).
    * ground (``wet-ground``, ``medium-dry-ground``, ``very-dry-ground``): from 1 to 10 GHz the fits of
      Rec. ITU-R P.2040 Table 3 to the P.527 curves (eps = a f^b, sigma = c f^d, f in GHz), held at their
      10 GHz values above; below 1 GHz the permittivity a and the conductivity interpolated log-log between
      P.527-3's low-frequency value (constant up to 30 MHz) and the fit's at 1 GHz.

    References
    ----------
    Rec. ITU-R P.527-3 (1992), Fig. 1; Rec. ITU-R P.527-6 (2021), Sec. 5.1; Rec. ITU-R P.2040, Table 3;
    Blake, NRL Report 7098 (1970), Eq. (32).
    """
    if surface not in SURFACE_CLASSES:
        raise ValueError(f"unknown surface class {surface!r}; known: {', '.join(SURFACE_CLASSES)}")
    f = positive("frequency", frequency)
    if surface == "sea":
        return sea_water_blake(np.clip(f, 100e6, 10e9))
    if surface == "fresh-water":
        real, imag = _pure_water(f / 1e9)
        return output(real), output(imag * 2.0 * np.pi * f * 8.8541878128e-12)
    a, b, c, d, sigma_low = _GROUND[surface]
    f_ghz = np.minimum(f / 1e9, 10.0)
    fit_eps, fit_sigma = a * np.maximum(f_ghz, 1.0) ** b, c * np.maximum(f_ghz, 1.0) ** d
    ramp = np.clip(np.log(np.maximum(f, _LOW_FREQUENCY) / _LOW_FREQUENCY) / np.log(1e9 / _LOW_FREQUENCY), 0.0, 1.0)
    low_sigma = sigma_low * (c / sigma_low) ** ramp
    return output(np.where(f_ghz >= 1.0, fit_eps, a)), output(np.where(f_ghz >= 1.0, fit_sigma, low_sigma))


def surface_permittivity(surface: str, frequency: ArrayLike) -> complex | NDArray[np.complex128]:
    """Complex relative permittivity eps_r - j 60 lambda sigma of a surface class
    (:func:`surface_electrical_constants`) at a frequency."""
    eps, sigma = surface_electrical_constants(surface, frequency)
    return complex_permittivity(eps, sigma, frequency)
