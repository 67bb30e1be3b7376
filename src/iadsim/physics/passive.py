"""Passive sensing: the one-way (beacon) equation of an ESM receiver and the infrared range equation of an
IRST, with Beer-Lambert extinction.

Functions take SI quantities (watts, hertz, metres, W/sr, W/m^2, per metre) and decibels where the name says
so; they broadcast over any array shapes.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.special import lambertw

from iadsim.physics import _checks
from iadsim.units import SPEED_OF_LIGHT, db_to_linear

__all__ = ["ir_irradiance", "ir_range", "one_way_range", "one_way_received_power"]


def one_way_received_power(erp: ArrayLike, receive_gain_db: ArrayLike, frequency: ArrayLike,
                           slant_range: ArrayLike, losses_db: ArrayLike = 0.0) -> float | NDArray[np.float64]:
    """Power [W] an antenna receives from an emitter: the one-way (beacon, Friis) equation

        P_r = ERP G_r lambda^2 / ((4 pi R)^2 L)

    Parameters
    ----------
    erp : array_like
        Effective radiated power of the emitter towards the receiver [W] (its transmitter power times its
        antenna's gain in that direction: the main lobe's, or a sidelobe's).
    receive_gain_db : array_like
        Gain of the receiving antenna towards the emitter [dBi].
    frequency : array_like
        Carrier frequency [Hz]; lambda = c / f.
    slant_range : array_like
        Emitter-receiver distance R [m], > 0.
    losses_db : array_like, optional
        Losses L [dB] (receiver, polarisation, atmosphere); >= 0 is a loss.

    Returns
    -------
    float or ndarray

    References
    ----------
    H. T. Friis, "A note on a simple transmission formula", *Proc. IRE* 34, 1946; Naval Air Warfare Center,
    *Electronic Warfare and Radar Systems Engineering Handbook*, NAWCWD TP 8347, sec. 4-3 (the one-way
    equation, its example of p. 4-3.9 and the intercept ranges of Table 4-2 are the tests').
    """
    erp = _checks.non_negative("erp", erp)
    lam = SPEED_OF_LIGHT / _checks.positive("frequency", frequency)
    r = _checks.positive("slant_range", slant_range)
    gain = db_to_linear(_checks.as_float("receive_gain_db", receive_gain_db))
    loss = db_to_linear(_checks.as_float("losses_db", losses_db))
    return _checks.output(erp * gain * lam**2 / ((4.0 * np.pi * r) ** 2 * loss))


def one_way_range(erp: ArrayLike, receive_gain_db: ArrayLike, frequency: ArrayLike, sensitivity: ArrayLike,
                  losses_db: ArrayLike = 0.0) -> float | NDArray[np.float64]:
    """Distance [m] at which an emitter's signal falls to the receiver's ``sensitivity`` [W]: the one-way
    equation solved for R, lambda / (4 pi) sqrt(ERP G_r / (S L)) (:func:`one_way_received_power`). The
    detection range of an ESM receiver against that emitter, before the horizon and terrain."""
    erp = _checks.non_negative("erp", erp)
    lam = SPEED_OF_LIGHT / _checks.positive("frequency", frequency)
    s = _checks.positive("sensitivity", sensitivity)
    gain = db_to_linear(_checks.as_float("receive_gain_db", receive_gain_db))
    loss = db_to_linear(_checks.as_float("losses_db", losses_db))
    return _checks.output(lam / (4.0 * np.pi) * np.sqrt(erp * gain / (s * loss)))


def ir_irradiance(intensity: ArrayLike, slant_range: ArrayLike, extinction: ArrayLike) -> float | NDArray[np.float64]:
    """Irradiance [W/m^2] at an aperture from a point source of radiant ``intensity`` [W/sr] in the band
    (its contrast against the background), through an atmosphere of ``extinction`` coefficient gamma [1/m]:

        E = I tau(R) / R^2,  tau(R) = exp(-gamma R)  (Beer-Lambert)

    References
    ----------
    C. J. Willers, *Electro-Optical System Analysis and Design: A Radiometry Perspective*, SPIE Press, 2013,
    and its code (pyradi ``ryutils.rangeEquation``, whose worked example is the test's); R. D. Hudson,
    *Infrared System Engineering*, Wiley, 1969.
    """
    i = _checks.non_negative("intensity", intensity)
    r = _checks.positive("slant_range", slant_range)
    gamma = _checks.non_negative("extinction", extinction)
    return _checks.output(i * np.exp(-gamma * r) / r**2)


def ir_range(intensity: ArrayLike, extinction: ArrayLike, threshold: ArrayLike) -> float | NDArray[np.float64]:
    """Distance [m] at which a point source's irradiance (:func:`ir_irradiance`) falls to ``threshold``
    [W/m^2] (an IRST's noise-equivalent irradiance times its detection threshold): the root of
    I exp(-gamma R) / R^2 = E_t, in closed form

        R = (2 / gamma) W0((gamma / 2) sqrt(I / E_t))

    with W0 the principal branch of Lambert's W (sqrt(I / E_t) without extinction). Irradiance falls
    monotonically with range, so this is the one range beyond which the source is below threshold."""
    i = _checks.non_negative("intensity", intensity)
    gamma = _checks.non_negative("extinction", extinction)
    e = _checks.positive("threshold", threshold)
    vacuum = np.sqrt(i / e)
    with np.errstate(divide="ignore", invalid="ignore"):
        r = np.where(gamma > 0, 2.0 / np.where(gamma > 0, gamma, 1.0) * lambertw(gamma / 2.0 * vacuum).real,
                     vacuum)
    return _checks.output(r)
