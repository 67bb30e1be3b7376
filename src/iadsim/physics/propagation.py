"""Line of sight and the pattern-propagation factor over a smooth spherical earth of effective radius k R.

Refraction in a standard atmosphere bends rays down; replacing the earth radius R by k R (k = 4/3 for
radio waves) lets rays be drawn straight. Heights are above the smooth surface (the terrain package
handles real relief; :mod:`iadsim.sensors` finds the reflecting surface in the DEM).

:func:`pattern_propagation_factor` joins the two regions of a smooth earth: the interference region (the
direct ray and the ray reflected at the specular point, :mod:`iadsim.physics.reflection`) and the
diffraction region beyond the horizon (:mod:`iadsim.physics.diffraction`), with a documented blend.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from numpy.typing import ArrayLike, NDArray

from iadsim.physics import _checks, diffraction, effects, reflection
from iadsim.units import EARTH_RADIUS, SPEED_OF_LIGHT

__all__ = [
    "INTERFERENCE_PATH_DIFFERENCE",
    "RADIO_K",
    "direct_elevation",
    "effective_earth_radius",
    "horizon_distance",
    "horizon_range",
    "min_visible_height",
    "pattern_propagation_factor",
]

RADIO_K = 4.0 / 3.0
"""Effective-earth-radius factor of the standard radio atmosphere (Skolnik 2001, ch. 8)."""


def effective_earth_radius(k: ArrayLike = RADIO_K) -> float | NDArray[np.float64]:
    """Effective earth radius k R [m], R = 6378137 m (WGS-84 equatorial)."""
    return _checks.output(_checks.positive("k", k) * EARTH_RADIUS)


def horizon_distance(height: ArrayLike, k: ArrayLike = RADIO_K) -> float | NDArray[np.float64]:
    """Distance to the smooth-earth horizon from ``height`` [m]: d = sqrt(2 k R h) [m].

    Uses the small-height approximation (h << R): the exact tangent length sqrt(2 k R h + h^2) is
    larger by a relative h / (4 k R), under 1e-4 below 30 km.

    References
    ----------
    Skolnik, M. I., *Introduction to Radar Systems*, 3rd ed., McGraw-Hill, 2001, ch. 8 (propagation
    over a spherical earth, effective earth radius).
    """
    h = _checks.non_negative("height", height)
    return _checks.output(np.sqrt(2.0 * _checks.positive("k", k) * EARTH_RADIUS * h))


def horizon_range(
    antenna_height: ArrayLike, target_height: ArrayLike, k: ArrayLike = RADIO_K
) -> float | NDArray[np.float64]:
    """Maximum line-of-sight range [m] between two heights over a smooth earth.

    d = sqrt(2 k R h1) + sqrt(2 k R h2); for k = 4/3 this is the familiar
    d [km] = 4.12 (sqrt(h1 [m]) + sqrt(h2 [m])).

    Parameters
    ----------
    antenna_height : array_like
        Radar antenna height above the surface [m].
    target_height : array_like
        Target height above the surface [m].
    k : float, optional
        Effective-earth-radius factor (4/3 radio; 7/6 visible light).

    Returns
    -------
    float or ndarray
        Horizon-limited range [m] (ground range and slant range agree to the same approximation).

    References
    ----------
    Skolnik, *Introduction to Radar Systems*, 3rd ed., 2001, ch. 8; ITU-R P.834 (effective earth
    radius).
    """
    return _checks.output(
        np.asarray(horizon_distance(antenna_height, k)) + np.asarray(horizon_distance(target_height, k))
    )


def min_visible_height(
    antenna_height: ArrayLike, ground_range: ArrayLike, k: ArrayLike = RADIO_K
) -> float | NDArray[np.float64]:
    """Lowest target height [m] visible from ``antenna_height`` at ``ground_range`` over a smooth earth.

    h_min = (d - sqrt(2 k R h1))^2 / (2 k R) beyond the antenna's own horizon distance, 0 inside it.
    It inverts :func:`horizon_range`: ``horizon_range(h1, min_visible_height(h1, d)) == d``.

    Parameters
    ----------
    antenna_height : array_like
        Antenna height above the surface [m].
    ground_range : array_like
        Distance along the surface to the target [m].
    k : float, optional
        Effective-earth-radius factor.

    Returns
    -------
    float or ndarray
        Masking height [m] (the same quantity as GDAL's viewshed GROUND mode over a smooth earth).

    References
    ----------
    Skolnik, *Introduction to Radar Systems*, 3rd ed., 2001, ch. 8: the horizon relation solved for
    the target height.
    """
    kr = _checks.positive("k", k) * EARTH_RADIUS
    d1 = np.sqrt(2.0 * kr * _checks.non_negative("antenna_height", antenna_height))
    beyond = np.maximum(_checks.non_negative("ground_range", ground_range) - d1, 0.0)
    return _checks.output(beyond**2 / (2.0 * kr))


def direct_elevation(ground_range: ArrayLike, antenna_height: ArrayLike, target_height: ArrayLike,
                     k: ArrayLike = RADIO_K) -> float | NDArray[np.float64]:
    """Elevation angle [rad] of the direct ray at the antenna, over a sphere of radius k R: the target at
    ``target_height`` and ground distance ``ground_range`` seen from ``antenna_height`` (heights above the
    sphere), atan2((a + h2) cos(d / a) - (a + h1), (a + h2) sin(d / a))."""
    ae = _checks.positive("k", k) * EARTH_RADIUS
    d = _checks.as_float("ground_range", ground_range)
    h1 = _checks.as_float("antenna_height", antenna_height)
    h2 = _checks.as_float("target_height", target_height)
    angle = d / ae
    return _checks.output(np.arctan2((ae + h2) * np.cos(angle) - (ae + h1), (ae + h2) * np.sin(angle)))


INTERFERENCE_PATH_DIFFERENCE = 1.0 / 6.0
"""Path difference (in wavelengths) above which the two-ray interference formula holds alone (Blake's
interference region; Barton 2013, Sec. 8.6.1, takes the same lambda / 6)."""

_FLOOR = 1e-12  # smallest factor returned (a null is -240 dB, far below any detection)


def pattern_propagation_factor(
    ground_range: ArrayLike, antenna_height: ArrayLike, target_height: ArrayLike, frequency: float,
    permittivity: complex, *, polarisation: str = "horizontal", height_std: ArrayLike = 0.0,
    roughness: str = "ament", pattern: Callable[[np.ndarray], np.ndarray] | None = None, steered: bool = False,
    boresight: ArrayLike | None = None, specular: ArrayLike = True, k: float = RADIO_K,
) -> float | NDArray[np.float64]:
    """One-way pattern-propagation factor F (field relative to free space on the beam's axis) over a smooth
    spherical earth; the two-way power factor of a monostatic radar is F^4, of a one-way path F^2.

    * **Interference region** (path difference Delta >= lambda / 6): the direct ray and the ray reflected at
      the specular point (:func:`~iadsim.physics.reflection.reflection_point`; heights above the tangent
      plane there h' = h - d_i^2 / (2 a_e), grazing angle tan psi = h1' / d1, Delta the exact difference over
      that plane):
      F = |f(theta_d) + D rho_s Gamma f(theta_r) exp(-j 2 pi Delta / lambda)|, with the Fresnel coefficient
      Gamma of the surface for the polarisation, the roughness factor rho_s (Ament, or Miller-Brown-Vegh) of
      the height deviation, the divergence factor D of the sphere, and the antenna's voltage pattern f at
      the direct ray's elevation theta_d and the reflected ray's, theta_r = -(psi + d1 / a_e) (Blake 1970, Eqs. 7-9).
    * **Diffraction region** (beyond the horizon d_h = sqrt(2 a_e h1) + sqrt(2 a_e h2)): the first term of
      the residue series (:func:`~iadsim.physics.diffraction.smooth_earth_diffraction_db`), never above 0 dB,
      times f(theta_d).
    * **Blend** (inside the horizon, Delta < lambda / 6): with w = Delta / (lambda / 6), both evaluated at the
      same point, F_dB = w F_interference,dB + (1 - w) F_diffraction,dB, capped at f(theta_d) + w max(0,
      F_interference - f(theta_d)) (so never above the direct ray near the horizon, and continuous where w
      reaches 1). At the horizon (Delta = 0) it is the diffraction value; at Delta = lambda / 6 the two-ray
      value. This is a modelling choice: Blake and Barton interpolate a cubic in range between the two
      regions' values at the range where Delta = lambda / 6 and at the horizon; ours needs no search for
      that range, is continuous, and ends at the horizon.

    Parameters
    ----------
    ground_range : array_like
        Distance along the surface between the antenna and the target [m] (clamped to at least 1 m).
    antenna_height, target_height : array_like
        Heights above the reflecting surface [m] (clamped to at least 0).
    frequency : float
        Carrier frequency [Hz].
    permittivity : complex
        Complex relative permittivity of the surface (:func:`~iadsim.physics.reflection.surface_permittivity`).
    polarisation : {"horizontal", "vertical"}
    height_std : array_like
        Standard deviation of the surface height around the specular point [m].
    roughness : {"ament", "miller-brown-vegh"}
        The rough-surface specular factor (:func:`~iadsim.physics.effects.roughness_factor`,
        :func:`~iadsim.physics.effects.miller_brown_vegh_factor`).
    pattern : callable, optional
        Normalised elevation voltage pattern f(theta) of the antenna; None: 1 at every elevation.
    steered : bool
        The beam's axis follows the target (a tracking radar): the pattern is taken at theta - theta_d, or at
        theta - ``boresight`` when that is given (the beam on another target than this path's far end, e.g.
        a jammer heard while the beam tracks a target).
    boresight : array_like, optional
        Elevation of the steered beam's axis [rad] (only with ``steered``).
    specular : array_like of bool
        Where False the surface gives no specular reflection (broken ground: diffuse only).
    k : float
        Effective earth radius factor.

    Returns
    -------
    float or ndarray
        F (linear, field ratio), at least 1e-12.

    References
    ----------
    Blake, L. V., NRL Report 7098 (1970), Eqs. (7)-(9) and the regions of its coverage diagrams;
    Kerr, D. E. (ed.), *Propagation of Short Radio Waves*, 1951, ch. 2; Barton, D. K., *Radar Equations for
    Modern Radar*, 2013, Sec. 8.6.1 (lambda / 6 and the blend between regions); Rec. ITU-R P.526 (diffraction).
    """
    d = np.maximum(_checks.as_float("ground_range", ground_range), 1.0)
    h1 = np.maximum(_checks.as_float("antenna_height", antenna_height), 0.0)
    h2 = np.maximum(_checks.as_float("target_height", target_height), 0.0)
    if roughness not in ("ament", "miller-brown-vegh"):
        raise ValueError(f"roughness must be 'ament' or 'miller-brown-vegh', not {roughness!r}")
    lam = SPEED_OF_LIGHT / float(_checks.positive("frequency", frequency))
    ae = float(_checks.positive("k", k)) * EARTH_RADIUS
    sigma_h = _checks.non_negative("height_std", height_std)
    shape = np.broadcast_shapes(d.shape, h1.shape, h2.shape, sigma_h.shape, np.shape(specular),
                                np.shape(boresight) if boresight is not None else ())
    # everything as 1-D arrays of one length (indexing subsets below), the result reshaped at the end
    d, h1, h2, sigma_h = (np.broadcast_to(a, shape).ravel() for a in (d, h1, h2, sigma_h))
    specular = np.broadcast_to(np.asarray(specular, bool), shape).ravel()
    eps = complex(permittivity)

    theta_d = np.asarray(direct_elevation(d, h1, h2, k))
    f_of = (lambda theta: np.ones_like(theta)) if pattern is None else pattern
    axis = (theta_d if boresight is None else np.broadcast_to(np.asarray(boresight, float), shape).ravel()
            ) if steered else 0.0
    f_d = np.broadcast_to(np.asarray(f_of(theta_d - axis), float), d.shape)

    # interference region
    d1 = np.asarray(reflection.reflection_point(h1, h2, d, k))
    d2 = d - d1
    p1 = h1 - d1**2 / (2.0 * ae)
    p2 = h2 - d2**2 / (2.0 * ae)
    lit = (p1 > 0) & (p2 > 0)
    p1, p2 = np.where(lit, p1, 0.0), np.where(lit, p2, 0.0)
    delta = 4.0 * p1 * p2 / (np.hypot(d, p1 + p2) + np.hypot(d, p1 - p2))
    psi = np.arctan2(p1, np.maximum(d1, 1e-9))
    rough = effects.roughness_factor if roughness == "ament" else effects.miller_brown_vegh_factor
    rho = np.asarray(rough(sigma_h, psi, SPEED_OF_LIGHT / lam))
    divergence = np.where(lit, reflection.spherical_divergence_factor(d1, d2, np.maximum(psi, 1e-12), k), 0.0)
    theta_r = -(psi + d1 / ae)
    f_r = f_of(theta_r - axis)
    amplitude = np.where(specular, divergence * rho * f_r, 0.0)
    f_int = np.abs(f_d)
    # the reflected ray where it can matter (|Gamma| <= 1): below 1e-12 of the direct ray's scale it cannot
    reflecting = np.abs(amplitude) > _FLOOR
    if reflecting.any():
        gamma = np.asarray(reflection.fresnel_reflection(np.clip(psi[reflecting], 0.0, np.pi / 2), eps, polarisation))
        f_int[reflecting] = np.abs(f_d[reflecting] + amplitude[reflecting] * gamma
                                   * np.exp(-2j * np.pi * delta[reflecting] / lam))

    horizon = np.sqrt(2.0 * ae * h1) + np.sqrt(2.0 * ae * h2)
    w = np.where(lit & (d < horizon), np.clip(delta / (INTERFERENCE_PATH_DIFFERENCE * lam), 0.0, 1.0), 0.0)
    value = np.array(f_int, dtype=float)
    near = w < 1.0  # the blend and the diffraction region: only there is the diffraction term needed
    if near.any():
        eps_r, sigma = eps.real, max(-eps.imag / (60.0 * lam), 0.0)
        pol = "horizontal" if polarisation == "horizontal" else "vertical"
        loss = np.asarray(diffraction.smooth_earth_diffraction_db(d[near], h1[near], h2[near], SPEED_OF_LIGHT / lam,
                                                                  ae, eps_r, sigma, pol))
        direct = np.abs(f_d[near])
        f_diff = 10.0 ** (-np.maximum(loss, 0.0) / 20.0) * direct
        w_near, f_near = w[near], value[near]
        with np.errstate(divide="ignore"):
            blended = 10.0 ** (w_near * np.log10(np.maximum(f_near, _FLOOR))
                               + (1.0 - w_near) * np.log10(np.maximum(f_diff, _FLOOR)))
        value[near] = np.minimum(blended, direct + w_near * np.maximum(f_near - direct, 0.0))
    return _checks.output(np.maximum(value, _FLOOR).reshape(shape))
