"""The radar range equation.

Functions take SI quantities and return decibels where the name says so; they broadcast over any
array shapes, e.g. ``(n_radars, 1)`` against ``(1, n_targets)``.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from iadsim.physics import _checks
from iadsim.units import BOLTZMANN, SPEED_OF_LIGHT, STANDARD_TEMPERATURE, db_to_linear, linear_to_db

__all__ = ["range_resolution", "snr_db", "wavelength", "received_echo_power"]

_FOUR_PI_CUBED = (4.0 * np.pi) ** 3


def range_resolution(pulse_width: ArrayLike) -> float | NDArray[np.float64]:
    """Range resolution [m] of an uncompressed pulse of width ``pulse_width`` [s]: delta R = c tau / 2 (two
    targets closer in range than this return overlapping echoes; 1 us gives 150 m).

    References
    ----------
    M. I. Skolnik, *Introduction to Radar Systems*, 3rd ed., McGraw-Hill, 2001, sec. 1.1 ("range
    resolution ... c tau / 2"); M. A. Richards, *Fundamentals of Radar Signal Processing*, 2nd ed., 2014,
    sec. 1.4.3 (Eq. 1.7).
    """
    return _checks.output(SPEED_OF_LIGHT * _checks.positive("pulse_width", pulse_width) / 2.0)


def wavelength(frequency: ArrayLike) -> float | NDArray[np.float64]:
    """Free-space wavelength [m] of a carrier ``frequency`` [Hz]: lambda = c / f."""
    return _checks.output(SPEED_OF_LIGHT / _checks.positive("frequency", frequency))


def received_echo_power(
    peak_power: ArrayLike,
    gain_db: ArrayLike,
    frequency: ArrayLike,
    rcs: ArrayLike,
    slant_range: ArrayLike,
    losses_db: ArrayLike = 0.0,
) -> float | NDArray[np.float64]:
    """Peak echo power at the receiver [W] of a monostatic radar.

    P_r = P_t G^2 lambda^2 sigma / ((4 pi)^3 R^4 L), one antenna for transmit and receive.

    Parameters
    ----------
    peak_power : array_like
        Transmitter peak power P_t [W].
    gain_db : array_like
        Antenna gain G [dBi], used on transmit and on receive.
    frequency : array_like
        Carrier frequency [Hz].
    rcs : array_like
        Target radar cross section sigma [m^2].
    slant_range : array_like
        Radar-target distance R [m].
    losses_db : array_like, optional
        Total system losses L [dB] (>= 0 is a loss).

    Returns
    -------
    float or ndarray
        Received power [W].

    References
    ----------
    Skolnik, M. I., *Introduction to Radar Systems*, 3rd ed., McGraw-Hill, 2001, ch. 1-2.
    """
    pt = _checks.positive("peak_power", peak_power)
    lam = SPEED_OF_LIGHT / _checks.positive("frequency", frequency)
    sigma = _checks.non_negative("rcs", rcs)
    r = _checks.positive("slant_range", slant_range)
    gain = db_to_linear(_checks.as_float("gain_db", gain_db))
    loss = db_to_linear(_checks.as_float("losses_db", losses_db))
    return _checks.output(pt * gain**2 * lam**2 * sigma / (_FOUR_PI_CUBED * r**4 * loss))


def snr_db(
    peak_power: ArrayLike,
    gain_db: ArrayLike,
    frequency: ArrayLike,
    rcs: ArrayLike,
    slant_range: ArrayLike,
    pulse_width: ArrayLike,
    system_temperature: ArrayLike = STANDARD_TEMPERATURE,
    losses_db: ArrayLike = 0.0,
) -> float | NDArray[np.float64]:
    """Single-pulse signal-to-noise ratio [dB] from the monostatic radar range equation.

    SNR = P_t G^2 lambda^2 sigma tau / ((4 pi)^3 k T_s R^4 L)

    The noise bandwidth is taken as 1 / pulse width (a matched filter for a simple pulse), so
    ``k T_s / tau`` is the noise power. Same antenna gain on transmit and receive.

    Parameters
    ----------
    peak_power : array_like
        Transmitter peak power P_t [W].
    gain_db : array_like
        Antenna gain G [dBi].
    frequency : array_like
        Carrier frequency f [Hz]; lambda = c / f.
    rcs : array_like
        Target radar cross section sigma [m^2] (0 gives -inf dB).
    slant_range : array_like
        Radar-target distance R [m], > 0.
    pulse_width : array_like
        Pulse width tau [s].
    system_temperature : array_like, optional
        System noise temperature T_s [K] (default 290 K).
    losses_db : array_like, optional
        Total system losses L [dB].

    Returns
    -------
    float or ndarray
        SNR [dB] of a single pulse at the matched-filter output.

    Raises
    ------
    ValueError
        For a negative or zero range, power, frequency, pulse width or temperature, or a negative RCS.

    References
    ----------
    Skolnik, M. I., *Introduction to Radar Systems*, 3rd ed., 2001, ch. 2 (radar equation, B = 1/tau).
    MathWorks, Radar Toolbox documentation, ``radareqsnr`` (same equation, worked examples).
    """
    tau = _checks.positive("pulse_width", pulse_width)
    temperature = _checks.positive("system_temperature", system_temperature)
    power = np.asarray(received_echo_power(peak_power, gain_db, frequency, rcs, slant_range, losses_db))
    with np.errstate(divide="ignore"):
        return _checks.output(linear_to_db(power * tau / (BOLTZMANN * temperature)))
