"""The pulse radar: the radar equation against noise, clutter and jamming, an exact square-law Pd per look,
a scan schedule, and range/azimuth measurements. Registered as sensor model ``"radar"``."""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

import numpy as np

from iadsim.physics import effects, scan
from iadsim.physics.detection import pd as exact_pd
from iadsim.physics.radar import snr_db
from iadsim.registry import SENSOR_MODELS
from iadsim.scenario.catalog import RadarType
from iadsim.sensors.base import MASK_TOLERANCE, in_sector

if TYPE_CHECKING:
    from iadsim.scenario.models import Sector, Unit

__all__ = ["LAND_GAMMA_DB", "SNR_CLIP_DB", "Radar", "pulses_per_look", "signal_to_interference_db"]

LAND_GAMMA_DB = -15.0  # constant-gamma land clutter (Nathanson: wooded hills ~ -15 dB); an assumption

SNR_CLIP_DB = (-40.0, 60.0)
"""Per-pulse SINR range [dB] the exact Pd is evaluated on: Pd is Pfa below and 1 above, to double precision."""


def pulses_per_look(radar: RadarType) -> int:
    """Pulses on a target per look: given, or beamwidth x PRF / scan rate for a rotating search radar."""
    if radar.pulses_per_look is not None:
        return int(radar.pulses_per_look.value)
    return int(scan.pulses_per_look(radar.beamwidth.value, 2 * np.pi / radar.scan_period.value, radar.prf.value))


def signal_to_interference_db(radar: RadarType, antenna_height, rcs, slant_range, ground_range, target_height,
                              jammer_erp=0.0, jammer_bandwidth=1.0):
    """Per-pulse SINR [dB]: the radar equation, minus two-ray multipath loss at low altitude, against
    noise plus mainbeam land clutter (after the radar's MTI improvement) plus self-screening noise
    jamming. Each term is a cited function of :mod:`iadsim.physics.effects`; combining them this way
    (clutter only while the target is inside the lowest beam, i.e. its elevation angle is below one
    beamwidth) is a modelling assumption."""
    snr = snr_db(radar.peak_power.value, radar.gain.value, radar.frequency.value, rcs, slant_range,
                 radar.pulse_width.value, radar.system_temperature.value, radar.losses.value)
    height = np.maximum(target_height, 1.0)
    snr = snr - effects.multipath_loss_db(antenna_height, height, np.maximum(ground_range, 1.0), radar.frequency.value)
    psi = effects.grazing_angle(antenna_height, np.maximum(slant_range, 1.0))
    sigma0 = effects.constant_gamma_sigma0(LAND_GAMMA_DB, np.maximum(psi, 1e-4))
    cnr = effects.clutter_to_noise_db(radar.peak_power.value, radar.gain.value, radar.frequency.value, slant_range,
                                      radar.pulse_width.value, sigma0, radar.beamwidth.value, np.maximum(psi, 1e-4),
                                      radar.system_temperature.value, radar.losses.value, radar.mti_improvement.value)
    elevation = np.arctan2(height - antenna_height, np.maximum(ground_range, 1.0))
    cnr = np.where(elevation < radar.beamwidth.value, cnr, -np.inf)
    jammer = np.broadcast_to(np.asarray(jammer_erp, float), np.shape(snr))
    with np.errstate(divide="ignore"):
        jnr = np.where(jammer > 0, effects.jammer_to_noise_db(
            np.maximum(jammer, 1e-30), jammer_bandwidth, radar.frequency.value, radar.gain.value, slant_range,
            1.0 / radar.pulse_width.value, radar.system_temperature.value, 0.0, radar.losses.value), -np.inf)
    return effects.sinr_db(snr, jnr, cnr)


@SENSOR_MODELS.register("radar")
@dataclass(frozen=True)
class Radar:
    """A pulse radar on a unit (:class:`iadsim.sensors.SensorModel`).

    * **Visibility**: the target is at or above the masking height of its cell (within
      :data:`~iadsim.sensors.base.MASK_TOLERANCE`), within the instrumented range, and inside the unit's
      sector (:func:`~iadsim.sensors.in_sector`).
    * **Pd per look**: the exact square-law Pd (:func:`iadsim.physics.detection.pd`, the target's Swerling
      case) of the per-pulse SINR of :func:`signal_to_interference_db` clipped to :data:`SNR_CLIP_DB`, for
      the radar's Pfa and :func:`pulses_per_look`.
    * **Looks**: a radar that scans at least once per step looks in every step, its several looks
      combining as independent looks (``1 - (1 - pd) ** (step / scan_period)``); a slower one looks in
      the steps where a new scan starts, with a phase that is stable per site (from the unit id).
    * **Measurement**: range and azimuth; the position error is the larger of the range accuracy and the
      cross-range error (ground range x azimuth accuracy).
    """

    emits: ClassVar[bool] = True
    measures: ClassVar[tuple[str, ...]] = ("range", "azimuth")
    entry: RadarType
    unit_id: str
    antenna_height: float
    sector: Sector | None = None

    @classmethod
    def from_catalog(cls, entry: RadarType, unit: Unit) -> Radar:
        return cls(entry, unit.id, unit.mast_height, unit.sector)

    @property
    def max_range(self) -> float:
        return self.entry.instrumented_range.value

    @property
    def pulses_per_look(self) -> int:
        return pulses_per_look(self.entry)

    def visibility(self, masking_height, target_height, slant_range, dx, dy):
        masking_height = np.asarray(masking_height)
        return (np.isfinite(masking_height) & (target_height >= masking_height - MASK_TOLERANCE)
                & (slant_range <= self.max_range) & in_sector(self.sector, dx, dy))

    def pd_per_look(self, slant_range, ground_range, target_height, rcs, swerling, jammer_erp=0.0,
                    jammer_bandwidth=1.0):
        radar = self.entry
        snr = signal_to_interference_db(radar, self.antenna_height, rcs, slant_range, ground_range, target_height,
                                        jammer_erp, jammer_bandwidth)
        n_pulses = self.pulses_per_look
        cases = np.asarray(swerling)
        if cases.ndim == 0:
            return np.asarray(exact_pd(np.clip(snr, *SNR_CLIP_DB), radar.pfa.value, n_pulses, int(cases)))
        p = np.zeros(np.shape(snr))
        for case in np.unique(cases):
            cols = cases == case
            p[..., cols] = exact_pd(np.clip(snr[..., cols], *SNR_CLIP_DB), radar.pfa.value, n_pulses, int(case))
        return p

    def looks(self, times, step, pd):
        period = self.entry.scan_period.value
        looks_per_step = step / period
        if looks_per_step >= 1.0:  # several looks within one step combine as independent looks
            return np.ones(len(times), bool), 1.0 - (1.0 - pd) ** looks_per_step
        phase = (zlib.crc32(self.unit_id.encode()) % 997) / 997.0 * period  # stable per site
        cycle = np.floor((times + phase) / period)
        return np.concatenate([[True], np.diff(cycle) > 0]), pd

    def measurement_sigma(self, slant_range, ground_range):
        return np.maximum(self.entry.range_accuracy.value, ground_range * self.entry.azimuth_accuracy.value)
