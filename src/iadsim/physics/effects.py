"""Degradations of a radar's SNR: low-altitude multipath, surface clutter and noise jamming.

Every function returns a ratio in dB that the engine combines with :func:`sinr_db`, or a loss in dB
that it subtracts from the free-space SNR. What is physics and what is a modelling assumption is said
in each docstring; the main assumptions are

* multipath: two rays over a *flat*, uniform reflecting surface (no earth curvature, no divergence
  factor, no diffraction below the horizon). The sensors no longer use it: they use
  :func:`iadsim.physics.propagation.pattern_propagation_factor` (curved earth, rough surfaces, elevation
  patterns, diffraction); the flat two-ray functions stay as the textbook special case;
* clutter: a single pulse-limited surface cell in the main beam at the target's range, with the
  constant-gamma reflectivity model and Doppler/MTI processing summarised by one improvement factor;
* jamming: barrage noise spread uniformly over the jammer bandwidth, entering through the main beam
  (self-screening) or a sidelobe at a given level (stand-off).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from iadsim.physics import _checks
from iadsim.physics.radar import snr_db
from iadsim.units import BOLTZMANN, EARTH_RADIUS, SPEED_OF_LIGHT, STANDARD_TEMPERATURE, db_to_linear, linear_to_db

__all__ = [
    "clutter_cell_area",
    "clutter_to_noise_db",
    "constant_gamma_sigma0",
    "gamma_at_frequency",
    "grazing_angle",
    "jammer_to_noise_db",
    "multipath_loss_db",
    "multipath_propagation_factor",
    "roughness_factor",
    "self_screening_burn_through_range",
    "self_screening_js_db",
    "signal_to_clutter_db",
    "sinr_db",
    "standoff_js_db",
]

_FOUR_PI = 4.0 * np.pi


# ----------------------------------------------------------------------------------------------------
# Multipath over a flat reflecting surface
# ----------------------------------------------------------------------------------------------------
def multipath_propagation_factor(
    antenna_height: ArrayLike,
    target_height: ArrayLike,
    ground_range: ArrayLike,
    frequency: ArrayLike,
    reflection_coefficient: ArrayLike = -1.0,
) -> float | NDArray[np.float64]:
    """One-way pattern-propagation factor F of the two-ray (direct + surface-reflected) model.

    F = |1 + Gamma exp(-j 2 pi dR / lambda)|, dR = sqrt(d^2 + (h_t + h_r)^2) - sqrt(d^2 + (h_t - h_r)^2).

    With Gamma = -1 (smooth surface, grazing incidence) and dR ~ 2 h_r h_t / d this is Blake's
    F = 2 |sin(2 pi h_r h_t / (lambda d))|: lobes up to F = 2 (+6 dB one way, +12 dB two way) and nulls
    at the ground; at low angles F^4 ~ (4 pi h_r h_t / (lambda d))^4, the R^-8 law.

    Parameters
    ----------
    antenna_height : array_like
        Radar phase-centre height above the reflecting surface h_r [m].
    target_height : array_like
        Target height above the surface h_t [m].
    ground_range : array_like
        Horizontal distance d [m], > 0.
    frequency : array_like
        Carrier frequency [Hz].
    reflection_coefficient : array_like (complex allowed), optional
        Surface reflection coefficient Gamma (default -1: smooth sea or flat land at grazing incidence,
        horizontal polarisation). Multiply by :func:`roughness_factor` for a rough surface.

    Returns
    -------
    float or ndarray
        F (amplitude ratio to free space, one way); the two-way power factor is F^4.

    References
    ----------
    Blake, L. V., *Radar Range-Performance Analysis*, Artech House, 1986 (pattern-propagation
    factor). Skolnik, *Introduction to Radar Systems*, 3rd ed., 2001, ch. 8 (propagation over a plane
    earth, F = 2 sin(2 pi h_a h_t / (lambda R))).
    """
    h_r = _checks.non_negative("antenna_height", antenna_height)
    h_t = _checks.non_negative("target_height", target_height)
    d = _checks.positive("ground_range", ground_range)
    lam = SPEED_OF_LIGHT / _checks.positive("frequency", frequency)
    gamma = np.asarray(reflection_coefficient, dtype=complex)
    # Path difference without cancellation: (a^2 - b^2) / (a + b) with a^2 - b^2 = 4 h_r h_t.
    reflected = np.hypot(d, h_t + h_r)
    direct = np.hypot(d, h_t - h_r)
    path_difference = 4.0 * h_r * h_t / (reflected + direct)
    factor = np.abs(1.0 + gamma * np.exp(-2j * np.pi * path_difference / lam))
    return _checks.output(factor)


def multipath_loss_db(
    antenna_height: ArrayLike,
    target_height: ArrayLike,
    ground_range: ArrayLike,
    frequency: ArrayLike,
    reflection_coefficient: ArrayLike = -1.0,
    max_loss_db: ArrayLike = 40.0,
) -> float | NDArray[np.float64]:
    """Two-way multipath loss [dB] to subtract from the free-space SNR: -10 log10(F^4).

    Negative values are gains (lobes, down to -12 dB for |Gamma| = 1). Modelling assumption: the loss
    is capped at ``max_loss_db`` because real interference nulls are filled in by surface roughness,
    earth curvature, the elevation beam pattern and target extent, none of which the flat two-ray model
    contains; the cap keeps a single null from hiding a target completely.

    Parameters
    ----------
    antenna_height, target_height, ground_range, frequency, reflection_coefficient
        As for :func:`multipath_propagation_factor`.
    max_loss_db : float, optional
        Largest loss returned [dB] (default 40 dB).

    Returns
    -------
    float or ndarray
        Loss [dB].

    References
    ----------
    Blake (1986); Skolnik (2001), ch. 8.
    """
    factor = np.asarray(
        multipath_propagation_factor(antenna_height, target_height, ground_range, frequency, reflection_coefficient)
    )
    with np.errstate(divide="ignore"):
        loss = -40.0 * np.log10(factor)
    return _checks.output(np.minimum(loss, max_loss_db))


def roughness_factor(
    height_std: ArrayLike, grazing_angle: ArrayLike, frequency: ArrayLike
) -> float | NDArray[np.float64]:
    """Specular (roughness) factor of a Gaussian rough surface: exp(-2 (2 pi s sin psi / lambda)^2).

    Multiplies the smooth-surface reflection coefficient. At the Rayleigh criterion
    (s sin psi = lambda / 8) it is exp(-pi^2 / 8) = 0.29.

    Parameters
    ----------
    height_std : array_like
        Standard deviation of the surface height s [m].
    grazing_angle : array_like
        Grazing angle psi [rad].
    frequency : array_like
        Carrier frequency [Hz].

    Returns
    -------
    float or ndarray
        Roughness factor in (0, 1].

    References
    ----------
    Ament, W. S., "Toward a theory of reflection by a rough surface", Proc. IRE 41(1), 1953;
    Beckmann, P. and Spizzichino, A., *The Scattering of Electromagnetic Waves from Rough Surfaces*, 1963.
    """
    return _checks.output(np.exp(-_roughness_z(height_std, grazing_angle, frequency)))


def miller_brown_vegh_factor(
    height_std: ArrayLike, grazing_angle: ArrayLike, frequency: ArrayLike
) -> float | NDArray[np.float64]:
    """Specular factor of a rough surface after Miller, Brown and Vegh: exp(-z) I0(z), where exp(-z) is
    :func:`roughness_factor` (Ament) and I0 the modified Bessel function of order 0. It falls more slowly than
    Ament's at large roughness, which matches measurements over the sea better. Same parameters as
    :func:`roughness_factor`.

    References
    ----------
    Miller, A. R., Brown, R. M. and Vegh, E., "New derivation for the rough-surface reflection coefficient and
    for the distribution of sea-wave elevations", IEE Proc. H 131(2), 114-116, 1984.
    """
    from scipy import special

    return _checks.output(special.i0e(_roughness_z(height_std, grazing_angle, frequency)))  # i0e(z) = e^-z I0(z)


def _roughness_z(height_std, grazing_angle, frequency) -> np.ndarray:
    """z = g^2 / 2 = 2 (2 pi s sin psi / lambda)^2, with g = 4 pi s sin psi / lambda the Rayleigh roughness."""
    s = _checks.non_negative("height_std", height_std)
    psi = _checks.as_float("grazing_angle", grazing_angle)
    lam = SPEED_OF_LIGHT / _checks.positive("frequency", frequency)
    return 2.0 * (2.0 * np.pi * s * np.sin(psi) / lam) ** 2


# ----------------------------------------------------------------------------------------------------
# Surface clutter
# ----------------------------------------------------------------------------------------------------
def grazing_angle(
    antenna_height: ArrayLike, slant_range: ArrayLike, k: ArrayLike = 4.0 / 3.0
) -> float | NDArray[np.float64]:
    """Grazing angle [rad] at a surface point seen from ``antenna_height`` over a spherical earth.

    sin psi = (2 a h + h^2 - R^2) / (2 a R), a = k R_earth (law of cosines in the earth-centred
    triangle); ~ h / R - R / (2 a) for h << R. Zero beyond the horizon (no illuminated surface).

    Parameters
    ----------
    antenna_height : array_like
        Antenna height above the surface h [m].
    slant_range : array_like
        Slant range R to the surface point [m], > 0.
    k : float, optional
        Effective-earth-radius factor.

    Returns
    -------
    float or ndarray
        Grazing angle psi [rad], >= 0.

    References
    ----------
    Skolnik (2001), ch. 7 (sea and land clutter, grazing angle); Long, M. W., *Radar Reflectivity of
    Land and Sea*, 3rd ed., Artech House, 2001.
    """
    h = _checks.non_negative("antenna_height", antenna_height)
    r = _checks.positive("slant_range", slant_range)
    a = _checks.positive("k", k) * EARTH_RADIUS
    sin_psi = (2.0 * a * h + h * h - r * r) / (2.0 * a * r)
    return _checks.output(np.arcsin(np.clip(sin_psi, 0.0, 1.0)))


def clutter_cell_area(
    slant_range: ArrayLike, beamwidth_az: ArrayLike, pulse_width: ArrayLike, grazing_angle: ArrayLike
) -> float | NDArray[np.float64]:
    """Area [m^2] of a pulse-limited surface clutter cell: A = R theta_az (c tau / 2) sec psi.

    Valid at low grazing angles, where the range extent of the pulse on the ground is smaller than the
    elevation beam footprint (the usual case for surface-based air-defence radars).

    Parameters
    ----------
    slant_range : array_like
        Range R [m].
    beamwidth_az : array_like
        Azimuth (3 dB) beamwidth theta_az [rad].
    pulse_width : array_like
        Compressed pulse width tau [s] (range resolution c tau / 2).
    grazing_angle : array_like
        Grazing angle psi [rad], in [0, pi/2).

    Returns
    -------
    float or ndarray
        Cell area [m^2].

    References
    ----------
    Skolnik (2001), ch. 7, surface clutter radar equation (pulse-limited cell);
    Nathanson, F. E., *Radar Design Principles*, 2nd ed., McGraw-Hill, 1991 (surface clutter).
    """
    r = _checks.positive("slant_range", slant_range)
    theta = _checks.positive("beamwidth_az", beamwidth_az)
    tau = _checks.positive("pulse_width", pulse_width)
    psi = _checks.non_negative("grazing_angle", grazing_angle)
    return _checks.output(r * theta * (SPEED_OF_LIGHT * tau / 2.0) / np.cos(psi))


def gamma_at_frequency(gamma_db: ArrayLike, frequency: ArrayLike, reference_frequency: float
                       ) -> float | NDArray[np.float64]:
    """Constant-gamma reflectivity scaled from the frequency it was measured at: gamma(f) = gamma(f0) + 5 log10(f / f0).

    Parameters
    ----------
    gamma_db : array_like
        gamma [dB] at ``reference_frequency``.
    frequency : array_like
        The radar's frequency f [Hz], > 0.
    reference_frequency : float
        f0 [Hz] (10 GHz for the usual tables).

    Returns
    -------
    float or ndarray
        gamma [dB] at ``frequency`` (gamma grows as the square root of frequency).

    References
    ----------
    Barton, D. K., "Land Clutter Models for Radar Design and Analysis", Proc. IEEE 73(2), 1985, pp. 198-204,
    as applied by MathWorks' Radar Toolbox function ``surfacegamma`` (tables at 10 GHz).
    """
    f = _checks.positive("frequency", frequency)
    return _checks.output(_checks.as_float("gamma_db", gamma_db) + 5.0 * np.log10(f / reference_frequency))


def constant_gamma_sigma0(gamma_db: ArrayLike, grazing_angle: ArrayLike) -> float | NDArray[np.float64]:
    """Surface reflectivity sigma0 [m^2/m^2] of the constant-gamma model: sigma0 = gamma sin psi.

    Modelling assumption: one terrain- or sea-dependent gamma describes the clutter at all low grazing
    angles (it overestimates clutter very near grazing incidence, where sigma0 falls faster).

    Parameters
    ----------
    gamma_db : array_like
        Normalised reflectivity gamma [dB] of the terrain or sea (scenario data, from published
        measurements such as Nathanson's tables).
    grazing_angle : array_like
        Grazing angle psi [rad].

    Returns
    -------
    float or ndarray
        sigma0 (linear, area-normalised RCS).

    References
    ----------
    Nathanson (1991) (constant-gamma model); Skolnik (2001), ch. 7; Barton, D. K.,
    *Radar System Analysis and Modeling*, Artech House, 2005.
    """
    gamma = db_to_linear(_checks.as_float("gamma_db", gamma_db))
    psi = _checks.non_negative("grazing_angle", grazing_angle)
    return _checks.output(gamma * np.sin(psi))


def signal_to_clutter_db(
    rcs: ArrayLike,
    sigma0: ArrayLike,
    slant_range: ArrayLike,
    beamwidth_az: ArrayLike,
    pulse_width: ArrayLike,
    grazing_angle: ArrayLike,
    improvement_factor_db: ArrayLike = 0.0,
) -> float | NDArray[np.float64]:
    """Signal-to-clutter ratio [dB] of a target sharing a pulse-limited surface clutter cell.

    S/C = sigma_t I / (sigma0 A_c), with A_c from :func:`clutter_cell_area` and I the clutter improvement
    factor of the MTI or Doppler filter. Target and clutter are at the same range and in the same beam,
    so the radar equation cancels (free-space propagation to both; the multipath factor of a low
    target is applied separately).

    Parameters
    ----------
    rcs : array_like
        Target RCS [m^2].
    sigma0 : array_like
        Clutter reflectivity [m^2/m^2].
    slant_range, beamwidth_az, pulse_width, grazing_angle
        As for :func:`clutter_cell_area`.
    improvement_factor_db : array_like, optional
        MTI / pulse-Doppler clutter improvement factor I [dB] (modelling parameter of the radar).

    Returns
    -------
    float or ndarray
        S/C [dB] after processing.

    References
    ----------
    Skolnik (2001), ch. 7 (S/C for surface clutter) and ch. 3 (MTI improvement factor).
    """
    sigma_t = _checks.non_negative("rcs", rcs)
    s0 = _checks.non_negative("sigma0", sigma0)
    area = np.asarray(clutter_cell_area(slant_range, beamwidth_az, pulse_width, grazing_angle))
    improvement = _checks.as_float("improvement_factor_db", improvement_factor_db)
    with np.errstate(divide="ignore"):
        return _checks.output(linear_to_db(sigma_t / (s0 * area)) + improvement)


def clutter_to_noise_db(
    peak_power: ArrayLike,
    gain_db: ArrayLike,
    frequency: ArrayLike,
    slant_range: ArrayLike,
    pulse_width: ArrayLike,
    sigma0: ArrayLike,
    beamwidth_az: ArrayLike,
    grazing_angle: ArrayLike,
    system_temperature: ArrayLike = STANDARD_TEMPERATURE,
    losses_db: ArrayLike = 0.0,
    improvement_factor_db: ArrayLike = 0.0,
) -> float | NDArray[np.float64]:
    """Clutter-to-noise ratio [dB] of the surface cell at ``slant_range``, after clutter processing.

    CNR = radar equation with sigma = sigma0 A_c (see :func:`iadsim.physics.radar.snr_db`) minus the
    improvement factor I. Modelling assumption: mainbeam clutter only; sidelobe clutter and the
    elevation pattern are ignored.

    Parameters
    ----------
    peak_power, gain_db, frequency, slant_range, pulse_width, system_temperature, losses_db
        As for :func:`iadsim.physics.radar.snr_db`.
    sigma0 : array_like
        Clutter reflectivity [m^2/m^2].
    beamwidth_az : array_like
        Azimuth beamwidth [rad].
    grazing_angle : array_like
        Grazing angle [rad].
    improvement_factor_db : array_like, optional
        Clutter improvement factor I [dB].

    Returns
    -------
    float or ndarray
        CNR [dB] (residual clutter after processing, relative to thermal noise).

    References
    ----------
    Skolnik (2001), ch. 7; Nathanson (1991).
    """
    area = np.asarray(clutter_cell_area(slant_range, beamwidth_az, pulse_width, grazing_angle))
    clutter_rcs = _checks.non_negative("sigma0", sigma0) * area
    improvement = _checks.as_float("improvement_factor_db", improvement_factor_db)
    cnr = np.asarray(
        snr_db(
            peak_power,
            gain_db,
            frequency,
            clutter_rcs,
            slant_range,
            pulse_width,
            system_temperature,
            losses_db,
        )
    )
    return _checks.output(cnr - improvement)


# ----------------------------------------------------------------------------------------------------
# Noise jamming
# ----------------------------------------------------------------------------------------------------
def _bandwidth_fraction(radar_bandwidth, jammer_bandwidth):
    # Fraction of a barrage jammer's power that falls in the radar's receiver bandwidth.
    b_r = _checks.positive("radar_bandwidth", radar_bandwidth)
    b_j = _checks.positive("jammer_bandwidth", jammer_bandwidth)
    return np.minimum(1.0, b_r / b_j)


def jammer_to_noise_db(
    jammer_erp: ArrayLike,
    jammer_bandwidth: ArrayLike,
    frequency: ArrayLike,
    gain_db: ArrayLike,
    jammer_range: ArrayLike,
    radar_bandwidth: ArrayLike,
    system_temperature: ArrayLike = STANDARD_TEMPERATURE,
    sidelobe_level_db: ArrayLike = 0.0,
    losses_db: ArrayLike = 0.0,
) -> float | NDArray[np.float64]:
    """Jammer-to-noise ratio [dB] of a barrage noise jammer at the radar receiver.

    J = ERP_j G_r lambda^2 / ((4 pi)^2 R_j^2 L) min(1, B_r / B_j),  N = k T_s B_r,
    with G_r = G 10^(sidelobe_level_db / 10) the radar's receive gain towards the jammer.

    Parameters
    ----------
    jammer_erp : array_like
        Jammer effective radiated power towards the radar [W] (P_j G_j).
    jammer_bandwidth : array_like
        Jammer noise bandwidth B_j [Hz].
    frequency : array_like
        Radar carrier frequency [Hz].
    gain_db : array_like
        Radar main-beam antenna gain [dBi].
    jammer_range : array_like
        Radar-jammer distance R_j [m].
    radar_bandwidth : array_like
        Radar receiver noise bandwidth B_r [Hz] (1 / pulse width for a simple pulse).
    system_temperature : array_like, optional
        Radar system noise temperature [K].
    sidelobe_level_db : array_like, optional
        Receive gain towards the jammer relative to the main-beam peak [dB]: 0 for a main-beam
        (self-screening) jammer, e.g. -30 for a stand-off jammer in the sidelobes.
    losses_db : array_like, optional
        One-way losses on the jammer path [dB].

    Returns
    -------
    float or ndarray
        JNR [dB].

    References
    ----------
    Skolnik (2001) (noise jamming and electronic counter-countermeasures);
    Adamy, D., *EW 101*, Artech House, 2001; NAWCWPNS TP 8347, *Electronic Warfare and Radar
    Systems Engineering Handbook*, 1999, Secs. 4-7 and 4-9.
    """
    erp = _checks.non_negative("jammer_erp", jammer_erp)
    lam = SPEED_OF_LIGHT / _checks.positive("frequency", frequency)
    r_j = _checks.positive("jammer_range", jammer_range)
    gain = db_to_linear(_checks.as_float("gain_db", gain_db) + _checks.as_float("sidelobe_level_db", sidelobe_level_db))
    loss = db_to_linear(_checks.as_float("losses_db", losses_db))
    fraction = _bandwidth_fraction(radar_bandwidth, jammer_bandwidth)
    temperature = _checks.positive("system_temperature", system_temperature)
    jam = erp * gain * lam**2 / (_FOUR_PI**2 * r_j**2 * loss) * fraction
    noise = BOLTZMANN * temperature * _checks.positive("radar_bandwidth", radar_bandwidth)
    with np.errstate(divide="ignore"):
        return _checks.output(linear_to_db(jam / noise))


def self_screening_js_db(
    jammer_erp: ArrayLike,
    jammer_bandwidth: ArrayLike,
    peak_power: ArrayLike,
    gain_db: ArrayLike,
    rcs: ArrayLike,
    slant_range: ArrayLike,
    radar_bandwidth: ArrayLike,
) -> float | NDArray[np.float64]:
    """Jamming-to-signal ratio [dB] of a self-screening (escort-free, on-board) noise jammer.

    J/S = ERP_j 4 pi R^2 / (P_t G sigma) min(1, B_r / B_j): the jammer and the echo come from the same
    point through the main beam, so wavelength and receive gain cancel; J/S grows as R^2.

    Parameters
    ----------
    jammer_erp : array_like
        Jammer ERP towards the radar [W].
    jammer_bandwidth : array_like
        Jammer noise bandwidth [Hz].
    peak_power : array_like
        Radar peak power P_t [W].
    gain_db : array_like
        Radar antenna gain G [dBi].
    rcs : array_like
        Target RCS sigma [m^2], > 0.
    slant_range : array_like
        Radar-target (= radar-jammer) range R [m].
    radar_bandwidth : array_like
        Radar receiver bandwidth B_r [Hz].

    Returns
    -------
    float or ndarray
        J/S [dB].

    References
    ----------
    NAWCWPNS TP 8347 (1999), Sec. 4-7: J/S = 10.99 dB + ERP_J - ERP_S + 20 log R - 10 log sigma
    (R in m; 71 dB with R in km; 10.99 dB = 10 log 4 pi). Adamy, *EW 101*.
    """
    erp = _checks.non_negative("jammer_erp", jammer_erp)
    pt = _checks.positive("peak_power", peak_power)
    gain = db_to_linear(_checks.as_float("gain_db", gain_db))
    sigma = _checks.positive("rcs", rcs)
    r = _checks.positive("slant_range", slant_range)
    fraction = _bandwidth_fraction(radar_bandwidth, jammer_bandwidth)
    with np.errstate(divide="ignore"):
        return _checks.output(linear_to_db(erp * _FOUR_PI * r**2 * fraction / (pt * gain * sigma)))


def standoff_js_db(
    jammer_erp: ArrayLike,
    jammer_bandwidth: ArrayLike,
    peak_power: ArrayLike,
    gain_db: ArrayLike,
    rcs: ArrayLike,
    target_range: ArrayLike,
    jammer_range: ArrayLike,
    radar_bandwidth: ArrayLike,
    sidelobe_level_db: ArrayLike,
) -> float | NDArray[np.float64]:
    """Jamming-to-signal ratio [dB] of a stand-off (support) noise jammer entering a sidelobe.

    J/S = ERP_j G_sl 4 pi R_t^4 / (P_t G^2 sigma R_j^2) min(1, B_r / B_j), G_sl = G 10^(SLL/10).

    Parameters
    ----------
    jammer_erp, jammer_bandwidth, peak_power, gain_db, rcs, radar_bandwidth
        As for :func:`self_screening_js_db`.
    target_range : array_like
        Radar-target range R_t [m].
    jammer_range : array_like
        Radar-jammer range R_j [m].
    sidelobe_level_db : array_like
        Radar receive gain towards the jammer relative to the main-beam peak [dB] (e.g. -30; 0 if the
        jammer is in the main beam).

    Returns
    -------
    float or ndarray
        J/S [dB].

    References
    ----------
    NAWCWPNS TP 8347 (1999), Sec. 4-9 (support jamming): J/S = 10.99 dB + ERP_J - ERP_S
    + 40 log R_T - 20 log R_J + G_sl - G_M - 10 log sigma. Adamy, *EW 101*.
    """
    erp = _checks.non_negative("jammer_erp", jammer_erp)
    pt = _checks.positive("peak_power", peak_power)
    gain_main = db_to_linear(_checks.as_float("gain_db", gain_db))
    gain_sidelobe = gain_main * db_to_linear(_checks.as_float("sidelobe_level_db", sidelobe_level_db))
    sigma = _checks.positive("rcs", rcs)
    r_t = _checks.positive("target_range", target_range)
    r_j = _checks.positive("jammer_range", jammer_range)
    fraction = _bandwidth_fraction(radar_bandwidth, jammer_bandwidth)
    ratio = erp * gain_sidelobe * _FOUR_PI * r_t**4 * fraction / (pt * gain_main**2 * sigma * r_j**2)
    with np.errstate(divide="ignore"):
        return _checks.output(linear_to_db(ratio))


def self_screening_burn_through_range(
    jammer_erp: ArrayLike,
    jammer_bandwidth: ArrayLike,
    peak_power: ArrayLike,
    gain_db: ArrayLike,
    rcs: ArrayLike,
    radar_bandwidth: ArrayLike,
    required_sj_db: ArrayLike,
) -> float | NDArray[np.float64]:
    """Burn-through range [m]: where the echo of a self-screening jammer's platform reaches S/J required.

    R_bt = sqrt(P_t G sigma (S/J)_req^-1 / (4 pi ERP_j min(1, B_r / B_j))) (inverse of
    :func:`self_screening_js_db`); inside it the radar sees the target despite the jamming.

    Parameters
    ----------
    jammer_erp, jammer_bandwidth, peak_power, gain_db, rcs, radar_bandwidth
        As for :func:`self_screening_js_db`.
    required_sj_db : array_like
        Signal-to-jamming ratio the radar needs [dB].

    Returns
    -------
    float or ndarray
        Burn-through range [m].

    References
    ----------
    NAWCWPNS TP 8347 (1999), Sec. 4-8 (burn-through / crossover range).
    """
    erp = _checks.positive("jammer_erp", jammer_erp)
    pt = _checks.positive("peak_power", peak_power)
    gain = db_to_linear(_checks.as_float("gain_db", gain_db))
    sigma = _checks.positive("rcs", rcs)
    fraction = _bandwidth_fraction(radar_bandwidth, jammer_bandwidth)
    sj = db_to_linear(_checks.as_float("required_sj_db", required_sj_db))
    return _checks.output(np.sqrt(pt * gain * sigma / (sj * _FOUR_PI * erp * fraction)))


def sinr_db(snr_db: ArrayLike, jnr_db: ArrayLike = -np.inf, cnr_db: ArrayLike = -np.inf) -> float | NDArray[np.float64]:
    """Signal-to-interference-plus-noise ratio [dB]: S / (N + J + C) = SNR / (1 + JNR + CNR).

    Modelling assumption: noise jamming and residual clutter are treated as extra Gaussian noise, so the
    result can be used as the SNR of :func:`iadsim.physics.detection.pd`.

    Parameters
    ----------
    snr_db : array_like
        Signal-to-noise ratio [dB].
    jnr_db : array_like, optional
        Jammer-to-noise ratio [dB] (``-inf``: no jamming).
    cnr_db : array_like, optional
        Clutter-to-noise ratio after processing [dB] (``-inf``: no clutter).

    Returns
    -------
    float or ndarray
        SINR [dB].

    References
    ----------
    Richards, *Fundamentals of Radar Signal Processing*, 2nd ed., 2014 (signal-to-interference ratio).
    """
    snr = _checks.as_float("snr_db", snr_db)
    interference = (
        1.0 + db_to_linear(_checks.as_float("jnr_db", jnr_db)) + db_to_linear(_checks.as_float("cnr_db", cnr_db))
    )
    return _checks.output(snr - linear_to_db(interference))
