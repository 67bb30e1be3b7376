"""Passive sensors: an ESM receiver (the one-way equation against the emitters a target carries) and an IRST
(the IR range equation against its signature). Neither radiates, so each senses whatever its unit's emission
control, and neither measures range: a detection is a bearing (and an elevation where the sensor measures it).
Registered as sensor models ``"esm"`` and ``"irst"``."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

import numpy as np

from iadsim.physics.passive import ir_irradiance, one_way_received_power
from iadsim.registry import SENSOR_MODELS
from iadsim.scenario.catalog import EsmType, IrstType
from iadsim.sensors.base import Emission, Jamming, in_sector
from iadsim.sensors.geometry import line_of_sight

if TYPE_CHECKING:
    from iadsim.scenario.models import Sector, Unit

__all__ = ["Esm", "Irst", "in_band_frequency", "in_band_power_fraction"]


def in_band_power_fraction(entry: EsmType, centre, bandwidth) -> np.ndarray:
    """Fraction of a noise emitter's power inside an ESM receiver's band [frequency_min, frequency_max]: the
    overlap of the two bands over the emitter's bandwidth. A NaN centre is a jammer tuned to every radar (the
    format-1 jammer: a power density ERP / bandwidth in any receiver, at most the whole ERP): the receiver's
    band over the jammer's bandwidth, at most 1."""
    lo, hi = entry.frequency_min.value, entry.frequency_max.value
    centre, bandwidth = np.asarray(centre, float), np.asarray(bandwidth, float)
    overlap = np.clip(np.minimum(hi, centre + bandwidth / 2) - np.maximum(lo, centre - bandwidth / 2), 0.0, None)
    with np.errstate(invalid="ignore"):
        return np.where(np.isnan(centre), np.minimum((hi - lo) / bandwidth, 1.0), np.minimum(overlap / bandwidth, 1.0))


def in_band_frequency(entry: EsmType, centre, bandwidth) -> np.ndarray:
    """The frequency [Hz] at which an emitter's in-band power is received: the middle of its band's overlap with
    the receiver's; for a jammer tuned to every radar (NaN centre), the receiver's top frequency (the least
    power the one-way equation gives over the band: the cautious choice)."""
    lo, hi = entry.frequency_min.value, entry.frequency_max.value
    centre, bandwidth = np.asarray(centre, float), np.asarray(bandwidth, float)
    low, high = np.maximum(lo, centre - bandwidth / 2), np.minimum(hi, centre + bandwidth / 2)
    return np.where(np.isnan(centre), hi, np.where(high > low, (low + high) / 2, np.clip(centre, lo, hi)))


class _Passive:
    """What ESM and IRST share: line of sight, range and sector; looks; bearing measurements."""

    emits: ClassVar[bool] = False
    entry: EsmType | IrstType
    unit_id: str
    antenna_height: float
    sector: Sector | None

    @classmethod
    def from_catalog(cls, entry, unit: Unit):
        return cls(entry, unit.id, unit.mast_height, unit.sector)

    @property
    def max_range(self) -> float:
        return self.entry.instrumented_range.value

    @property
    def look_period(self) -> float:
        return self.entry.look_period.value

    @property
    def angle_sigma(self) -> tuple[float, float]:
        """1-sigma errors [rad] of a detection's bearing and elevation (inf: not measured)."""
        elevation = self.entry.elevation_accuracy
        return self.entry.azimuth_accuracy.value, np.inf if elevation is None else elevation.value

    def visibility(self, geometry, dx, dy):
        return line_of_sight(geometry) & (geometry.slant_range <= self.max_range) & in_sector(self.sector, dx, dy)

    def _intercepted(self, chance: np.ndarray, geometry) -> np.ndarray:
        """The catalog's ``intercept_probability`` times ``chance`` (whether, or how often, a look has a signal
        above threshold); NaN where there is no path."""
        p = 1.0 if self.entry.intercept_probability is None else self.entry.intercept_probability.value
        return np.where(np.isnan(geometry.slant_range), np.nan, p * np.asarray(chance, float))

    def measurement_sigma(self, slant_range, ground_range):
        """The cross-range error [m] of a bearing at the target's distance (no range is measured)."""
        return np.asarray(ground_range, float) * self.entry.azimuth_accuracy.value


@SENSOR_MODELS.register("esm")
@dataclass(frozen=True)
class Esm(_Passive):
    """An ESM receiver on a unit (:class:`iadsim.sensors.SensorModel`).

    * **Visibility**: line of sight, the instrumented range and the unit's sector, as a radar's.
    * **Pd per look**: the emissions a target carries - its self-screening jammer - reach the receiver with
      P_r = ERP x (the fraction of the jammer's band inside the receiver's, :func:`in_band_power_fraction`) x
      G_r lambda^2 / ((4 pi R)^2 L) at the middle of the bands' overlap
      (:func:`iadsim.physics.passive.one_way_received_power`, :func:`in_band_frequency`; a jammer tuned to
      every radar at the receiver's top frequency, the cautious end); a look detects it with the catalog's
      ``intercept_probability`` (default 1) when that reaches the ``sensitivity``. A jammer radiates its ERP at
      the defence (its main beam).
    * **Its own radar** (the aircraft type's ``emitter``, in the receiver's band and switched on): the
      one-way equation with its main beam's ERP and with its sidelobes' (ERP times ``sidelobe_level``). Heard
      in its sidelobes, every look detects it (times ``intercept_probability``); heard only in its main beam,
      a look detects it when it catches the main beam (``main_beam_fraction``): **sidelobe intercepts** at
      short range, main-beam intercepts farther out. A target that emits nothing is not detected.
    * **Measurement**: bearing (and elevation where the catalog gives ``elevation_accuracy``); no range.
    """

    measures: ClassVar[tuple[str, ...]] = ("azimuth",)
    entry: EsmType
    unit_id: str
    antenna_height: float
    sector: Sector | None = None

    def received_power(self, geometry, jammers: Sequence[Jamming] = ()) -> np.ndarray:
        """Power [W] at the receiver from the targets' own emitters (their self-screening jammers)."""
        entry = self.entry
        total = np.zeros(np.shape(geometry.slant_range))
        r = np.where(np.isnan(geometry.slant_range), 1.0, np.maximum(geometry.slant_range, 1.0))
        for jammer in jammers:
            if not jammer.self_screening:
                continue  # another aircraft's emission: not this target's
            erp = np.asarray(jammer.erp, float) * in_band_power_fraction(entry, jammer.centre, jammer.bandwidth)
            frequency = in_band_frequency(entry, jammer.centre, jammer.bandwidth)
            total = total + np.where(erp > 0, one_way_received_power(
                np.maximum(erp, 0.0), entry.gain.value, frequency, r, entry.losses.value), 0.0)
        return total

    def radar_power(self, geometry, emitters: Emission) -> tuple[np.ndarray, np.ndarray]:
        """Power [W] at the receiver from the targets' own radars, in their main beam and in their sidelobes (0
        for a radar outside the receiver's band or silent)."""
        entry = self.entry
        r = np.where(np.isnan(geometry.slant_range), 1.0, np.maximum(geometry.slant_range, 1.0))
        frequency = np.asarray(emitters.frequency, float)
        heard = (np.asarray(emitters.erp, float) > 0) & (frequency >= entry.frequency_min.value) & (
            frequency <= entry.frequency_max.value)
        main = np.where(heard, one_way_received_power(np.where(heard, emitters.erp, 1.0), entry.gain.value,
                                                      np.where(heard, frequency, 1e9), r, entry.losses.value), 0.0)
        return main, main * 10 ** (np.asarray(emitters.sidelobe_level, float) / 10)

    def pd_per_look(self, geometry, rcs, swerling, jammers=(), ir_intensity=None, emitters=None):
        threshold = self.entry.sensitivity.value
        chance = (self.received_power(geometry, jammers) >= threshold).astype(float)
        if emitters is not None:
            main, side = self.radar_power(geometry, emitters)
            chance = np.maximum(chance, np.where(side >= threshold, 1.0, np.where(
                main >= threshold, np.asarray(emitters.main_beam_fraction, float), 0.0)))
        return self._intercepted(chance, geometry)


@SENSOR_MODELS.register("irst")
@dataclass(frozen=True)
class Irst(_Passive):
    """An infrared search and track sensor on a unit (:class:`iadsim.sensors.SensorModel`).

    * **Visibility**: line of sight, the instrumented range and the unit's sector.
    * **Pd per look**: the target's radiant intensity in the sensor's band (the aircraft type's
      ``ir_intensity``) gives the irradiance I exp(-gamma R) / R^2 at the aperture
      (:func:`iadsim.physics.passive.ir_irradiance`, the sensor's extinction gamma); a look detects it with the
      catalog's ``intercept_probability`` (default 1) when that reaches the ``threshold``, else not at all. A
      type with no signature in the band is not detected.
    * **Measurement**: bearing and elevation; no range.
    """

    measures: ClassVar[tuple[str, ...]] = ("azimuth", "elevation")
    entry: IrstType
    unit_id: str
    antenna_height: float
    sector: Sector | None = None

    def irradiance(self, geometry, ir_intensity: Mapping[str, np.ndarray] | None) -> np.ndarray:
        """Irradiance [W/m^2] at the aperture from the targets (0 without a signature in the band)."""
        band = self.entry.band.value
        intensity = None if ir_intensity is None else ir_intensity.get(band)
        if intensity is None:
            return np.zeros(np.shape(geometry.slant_range))
        r = np.where(np.isnan(geometry.slant_range), 1.0, np.maximum(geometry.slant_range, 1.0))
        intensity = np.nan_to_num(np.asarray(intensity, float))
        return ir_irradiance(intensity, r, self.entry.extinction.value)

    def pd_per_look(self, geometry, rcs, swerling, jammers=(), ir_intensity=None):
        return self._intercepted(self.irradiance(geometry, ir_intensity) >= self.entry.threshold.value, geometry)
