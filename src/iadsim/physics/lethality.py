"""Kill probability: salvos, cookie-cutter and Carleton damage functions with Gaussian miss distances.

Coordinates of a miss are in the plane of the target: ``x`` along the weapon's track (down-range) and
``y`` across it (deflection). Impact errors are independent normal variables per axis.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from iadsim.physics import _checks

__all__ = [
    "GUIDANCE",
    "HOMING",
    "carleton_damage",
    "carleton_sspk",
    "endgame_miss",
    "cep_to_sigma",
    "cookie_cutter_sspk",
    "salvo_pk",
    "shots_required",
]


def salvo_pk(pk: ArrayLike, n: ArrayLike) -> float | NDArray[np.float64]:
    """Probability that at least one of ``n`` independent shots kills: 1 - (1 - pk)^n.

    Parameters
    ----------
    pk : array_like
        Single-shot kill probability, in [0, 1].
    n : array_like of int
        Number of shots (>= 0; 0 gives 0).

    Returns
    -------
    float or ndarray
        Salvo kill probability.

    References
    ----------
    Przemieniecki, J. S., *Mathematical Methods in Defense Analyses*, 3rd ed., AIAA, 2000
    (independent shots).
    """
    p = _checks.closed_unit_interval("pk", pk)
    shots = _checks.non_negative("n", n)
    if np.any(shots != np.round(shots)):
        raise ValueError("n must be a whole number of shots")
    with np.errstate(divide="ignore", invalid="ignore"):
        value = -np.expm1(shots * np.log1p(-p))
    return _checks.output(np.where(p >= 1.0, np.where(shots > 0, 1.0, 0.0), value))


def shots_required(pk: ArrayLike, desired_pk: ArrayLike) -> int | NDArray[np.int64]:
    """Smallest number of independent shots whose salvo kill probability reaches ``desired_pk``.

    n = ceil(ln(1 - desired_pk) / ln(1 - pk)).

    Parameters
    ----------
    pk : array_like
        Single-shot kill probability, in (0, 1].
    desired_pk : array_like
        Required salvo kill probability, in [0, 1).

    Returns
    -------
    int or ndarray of int
        Shots needed.
    """
    p = _checks.closed_unit_interval("pk", pk)
    if np.any(p <= 0.0):
        raise ValueError("pk must be > 0 (no number of shots reaches a positive kill probability)")
    goal = _checks.closed_unit_interval("desired_pk", desired_pk)
    if np.any(goal >= 1.0):
        raise ValueError("desired_pk must be < 1")
    with np.errstate(divide="ignore"):
        ratio = np.log1p(-goal) / np.log1p(-p)  # log1p(-1) = -inf when pk == 1 -> 0 shots beyond 1
    shots = np.where(p >= 1.0, np.where(goal > 0.0, 1, 0), np.ceil(ratio - 1e-12))
    return _checks.output(shots.astype(np.int64))


def cep_to_sigma(cep: ArrayLike) -> float | NDArray[np.float64]:
    """Per-axis standard deviation [m] of a circular normal miss with circular error probable ``cep``.

    CEP = sigma sqrt(2 ln 2) ~= 1.1774 sigma (half of the shots fall within CEP).

    References
    ----------
    Driels, M. R., *Weaponeering: Conventional Weapon System Effectiveness*, 2nd ed., AIAA, 2013
    (delivery accuracy, CEP).
    """
    return _checks.output(_checks.non_negative("cep", cep) / np.sqrt(2.0 * np.log(2.0)))


def cookie_cutter_sspk(lethal_radius: ArrayLike, sigma: ArrayLike) -> float | NDArray[np.float64]:
    """Single-shot kill probability of a cookie-cutter lethal radius against a circular normal miss.

    SSPK = 1 - exp(-R^2 / (2 sigma^2)) (the Rayleigh distribution function of the miss distance).

    Parameters
    ----------
    lethal_radius : array_like
        Radius R [m] inside which the target is killed with certainty, outside never.
    sigma : array_like
        Per-axis standard deviation of the (unbiased, circular) miss [m]; 0 means a perfect hit.

    Returns
    -------
    float or ndarray
        SSPK.

    References
    ----------
    Przemieniecki, *Mathematical Methods in Defense Analyses*, 3rd ed., 2000 (circular normal
    distribution, cookie-cutter damage function); Driels, *Weaponeering*, 2nd ed., 2013.
    """
    radius = _checks.non_negative("lethal_radius", lethal_radius)
    s = _checks.non_negative("sigma", sigma)
    with np.errstate(divide="ignore", invalid="ignore"):
        value = -np.expm1(-(radius**2) / (2.0 * s**2))
    value = np.where(s > 0.0, value, np.where(radius > 0.0, 1.0, 0.0))
    return _checks.output(value)


def carleton_damage(
    x: ArrayLike, y: ArrayLike, d0: ArrayLike, lethal_area: ArrayLike, range_deflection_ratio: ArrayLike
) -> float | NDArray[np.float64]:
    """Carleton damage function: kill probability of a burst at offset (x, y) from the target.

    D(x, y) = D0 exp[-(pi D0 / A_L) (x^2 / rho + rho y^2)],

    with ``rho`` the range-to-deflection ratio of the lethal pattern (its down-range extent over its
    cross-range extent). The function integrates to the lethal area: integral D dx dy = A_L.
    AFSIM's ``WSF_CARLTON_LETHALITY`` writes the same function with ``RDR = 1 / rho``
    (``x^2 RDR + y^2 / RDR``).

    Parameters
    ----------
    x, y : array_like
        Down-range and cross-range offsets of the burst from the target [m].
    d0 : array_like
        Kill probability of a burst exactly on the target, in [0, 1].
    lethal_area : array_like
        Lethal (mean area of effectiveness) area A_L [m^2], > 0.
    range_deflection_ratio : array_like
        rho = down-range / cross-range extent of the pattern, > 0 (1 is circular).

    Returns
    -------
    float or ndarray
        Kill probability.

    References
    ----------
    Driels, *Weaponeering*, 2nd ed., 2013 (Carleton damage function, lethal area, range-deflection
    ratio); Przemieniecki, *Mathematical Methods in Defense Analyses*, 3rd ed., 2000;
    AFSIM user documentation, ``WSF_CARLTON_LETHALITY`` (the equation as printed there).
    """
    peak = _checks.closed_unit_interval("d0", d0)
    area = _checks.positive("lethal_area", lethal_area)
    rho = _checks.positive("range_deflection_ratio", range_deflection_ratio)
    x_ = _checks.as_float("x", x)
    y_ = _checks.as_float("y", y)
    return _checks.output(peak * np.exp(-(np.pi * peak / area) * (x_**2 / rho + rho * y_**2)))


def carleton_sspk(
    d0: ArrayLike,
    lethal_area: ArrayLike,
    range_deflection_ratio: ArrayLike,
    sigma_x: ArrayLike,
    sigma_y: ArrayLike,
    mean_x: ArrayLike = 0.0,
    mean_y: ArrayLike = 0.0,
) -> float | NDArray[np.float64]:
    """Single-shot kill probability of the Carleton damage function against normal impact errors.

    With a_x = pi D0 / (A_L rho) and a_y = pi D0 rho / A_L (see :func:`carleton_damage`) and independent
    normal misses x ~ N(mu_x, sigma_x^2), y ~ N(mu_y, sigma_y^2), the expectation of D is

        SSPK = D0 prod_i exp(-a_i mu_i^2 / (1 + 2 a_i sigma_i^2)) / sqrt(1 + 2 a_i sigma_i^2).

    For an unbiased weapon (mu = 0) and D0 = 1 this is the weaponeering form
    SSPK = 1 / sqrt((1 + 2 sigma_x^2 / WR_x^2)(1 + 2 sigma_y^2 / WR_y^2)), WR the weapon radii.

    Parameters
    ----------
    d0 : array_like
        Peak kill probability, in [0, 1].
    lethal_area : array_like
        Lethal area A_L [m^2].
    range_deflection_ratio : array_like
        Down-range / cross-range extent of the lethal pattern, > 0.
    sigma_x, sigma_y : array_like
        Standard deviations of the down-range and cross-range impact errors [m].
    mean_x, mean_y : array_like, optional
        Systematic (bias) components of the miss [m].

    Returns
    -------
    float or ndarray
        SSPK.

    References
    ----------
    Driels, *Weaponeering*, 2nd ed., 2013 (SSPK of the Carleton damage function with normal delivery
    errors); Przemieniecki, *Mathematical Methods in Defense Analyses*, 3rd ed., 2000.
    """
    peak = _checks.closed_unit_interval("d0", d0)
    area = _checks.positive("lethal_area", lethal_area)
    rho = _checks.positive("range_deflection_ratio", range_deflection_ratio)
    sx = _checks.non_negative("sigma_x", sigma_x)
    sy = _checks.non_negative("sigma_y", sigma_y)
    mx = _checks.as_float("mean_x", mean_x)
    my = _checks.as_float("mean_y", mean_y)
    ax = np.pi * peak / (area * rho)
    ay = np.pi * peak * rho / area
    fx = 1.0 + 2.0 * ax * sx**2
    fy = 1.0 + 2.0 * ay * sy**2
    value = peak * np.exp(-ax * mx**2 / fx - ay * my**2 / fy) / np.sqrt(fx * fy)
    return _checks.output(value)


GUIDANCE = ("inertial", "command", "sarh", "active")
"""Missile guidance kinds: ``inertial`` flies to the intercept point predicted at launch; ``command`` is
steered by its guiding radar's measurements until the end; ``sarh`` (semi-active) and ``active`` home on the
target with their own seeker once acquired."""

HOMING = ("sarh", "active")
"""The guidance kinds with a seeker of their own (its update interval is the prediction interval)."""


def endgame_miss(
    guidance: str,
    aim_error: ArrayLike,
    time_of_flight: ArrayLike,
    update_interval: ArrayLike,
    track_sigma: ArrayLike,
    manoeuvre: ArrayLike,
    crossing_speed: ArrayLike,
    response_time: ArrayLike,
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Bias and standard deviation (per axis of the miss plane) of a missile's miss distance.

    What the missile does not see coming is the target's motion over the *prediction interval* T: the whole
    time of flight for ``inertial`` guidance, the interval between guidance updates otherwise (the guiding
    radar's for ``command``, the seeker's for ``sarh`` and ``active``). Over T an unknown manoeuvre of
    acceleration a moves the target by a T^2 / 2; a target crossing the missile's line of flight at
    speed v_c moves v_c tau while the missile's end game settles (its response time tau). Command guidance
    also carries the guiding radar's own error (``track_sigma``, the track predicted over T); a seeker
    measures the target itself. Inertial guidance keeps its aim error as a bias; guided missiles remove it
    (once the target is acquired).

        bias = aim_error (inertial), 0 otherwise
        sigma^2 = [track_sigma^2 (command)] + (a T^2 / 2)^2 + (v_c tau)^2

    The terms are independent and add in quadrature (a modelling assumption; Zarchan's single-lag
    proportional-navigation results scale the same way: miss from a target manoeuvre grows with the
    manoeuvre and the square of the time the guidance cannot correct).

    Parameters
    ----------
    guidance : {"inertial", "command", "sarh", "active"}
    aim_error : array_like
        Distance of the predicted intercept point from the target when the missile arrives [m].
    time_of_flight, update_interval : array_like
        [s].
    track_sigma : array_like
        Per-axis standard deviation of the guiding radar's track predicted over the update interval [m].
    manoeuvre : array_like
        Target acceleration the defence cannot predict [m/s^2].
    crossing_speed : array_like
        Target speed across the missile's line of flight [m/s].
    response_time : array_like
        Missile end-game response time [s].

    Returns
    -------
    bias, sigma : numpy.ndarray
        [m].

    References
    ----------
    P. Zarchan, *Tactical and Strategic Missile Guidance*, 6th ed., AIAA, 2012, ch. 6-7 (miss distance of
    a single-lag guidance loop against target manoeuvre); Przemieniecki, *Mathematical Methods in Defense
    Analyses*, 3rd ed., 2000 (combining error sources).
    """
    if guidance not in GUIDANCE:
        raise ValueError(f"guidance must be one of {', '.join(GUIDANCE)}, got {guidance!r}")
    inertial = guidance == "inertial"
    interval = _checks.non_negative("time_of_flight" if inertial else "update_interval",
                                    time_of_flight if inertial else update_interval)
    drift = 0.5 * _checks.non_negative("manoeuvre", manoeuvre) * interval**2
    lag = _checks.non_negative("crossing_speed", crossing_speed) * _checks.non_negative("response_time",
                                                                                        response_time)
    track = _checks.non_negative("track_sigma", track_sigma) if guidance == "command" else 0.0
    sigma = np.sqrt(track**2 + drift**2 + lag**2)
    bias = _checks.non_negative("aim_error", aim_error) if inertial else 0.0
    bias, sigma = np.broadcast_arrays(np.asarray(bias, float), np.asarray(sigma, float))
    return bias.copy(), sigma.copy()
