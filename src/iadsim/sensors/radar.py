"""The pulse radar: the radar equation against noise, clutter and jamming, an exact square-law Pd per look,
a scan schedule, and range/azimuth measurements. Registered as sensor model ``"radar"``."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

import numpy as np

from iadsim.physics import effects, propagation, reflection, scan
from iadsim.physics.detection import pd as exact_pd
from iadsim.physics.radar import range_resolution, snr_db
from iadsim.registry import SENSOR_MODELS
from iadsim.scenario.catalog import RadarType
from iadsim.scenario.landcover import DEFAULT_CLUTTER, clutter_types
from iadsim.sensors.base import Jamming, in_sector
from iadsim.sensors.geometry import SPECULAR_CLEARANCE, Geometry, line_of_sight

if TYPE_CHECKING:
    from iadsim.scenario.models import Sector, Unit

__all__ = [
    "SNR_CLIP_DB",
    "Radar",
    "elevation_pattern",
    "in_band_fraction",
    "propagation_factor",
    "pulses_per_look",
    "signal_to_interference_db",
]

SNR_CLIP_DB = (-40.0, 60.0)
"""Per-pulse SINR range [dB] the exact Pd is evaluated on: Pd is Pfa below and 1 above, to double precision."""


def pulses_per_look(radar: RadarType) -> int:
    """Pulses on a target per look: given, or beamwidth x PRF / scan rate for a rotating search radar."""
    if radar.pulses_per_look is not None:
        return int(radar.pulses_per_look.value)
    return int(scan.pulses_per_look(radar.beamwidth.value, 2 * np.pi / radar.scan_period.value, radar.prf.value))


def elevation_pattern(radar: RadarType):
    """The radar's normalised elevation voltage pattern f(theta) from its catalog entry, or None (f = 1):
    a cosecant-squared fan beam when ``csc2_ceiling`` is given, else a sin(u)/u beam of
    ``elevation_beamwidth`` about ``elevation_tilt``."""
    if radar.elevation_beamwidth is None:
        return None
    width = radar.elevation_beamwidth.value
    tilt = 0.0 if radar.elevation_tilt is None else radar.elevation_tilt.value
    if radar.csc2_ceiling is not None:
        ceiling = radar.csc2_ceiling.value
        return lambda theta: np.asarray(reflection.cosecant_squared_pattern(theta, width, tilt, ceiling))
    return lambda theta: np.asarray(reflection.sinc_pattern(theta, width, tilt))


def propagation_factor(radar: RadarType, path: Geometry, *, pattern: bool = True, boresight=None) -> np.ndarray:
    """One-way pattern-propagation factor F of ``path`` for this radar
    (:func:`iadsim.physics.propagation.pattern_propagation_factor`): its frequency, polarisation (default
    horizontal) and elevation pattern (``pattern=False``: none), steered for a fire-control radar at the
    path's far end or at the elevation ``boresight``; the path's surface class (per path where the land
    cover gives the specular point's: ``surface_index``), height deviation and specular flag. The roughness
    factor is Miller-Brown-Vegh's over the sea (it was derived for sea-wave heights) and Ament's over land."""
    if path.surface_index is None:
        return _propagation_factor(radar, path, path.surface, pattern, boresight)
    # paths reflecting off different surfaces (land cover): every array (and the boresight) broadcast to one
    # shape, then each class present worked out on its own paths only
    path = path.broadcast(np.shape(boresight))
    shape = path.surface_index.shape
    aim = None if boresight is None else np.broadcast_to(boresight, shape)
    out = np.empty(shape)
    for k in np.flatnonzero(np.bincount(path.surface_index.ravel(), minlength=len(reflection.SURFACE_CLASSES))):
        keep = path.surface_index == k
        out[keep] = _propagation_factor(radar, path.take(keep), reflection.SURFACE_CLASSES[k], pattern,
                                        None if aim is None else aim[keep])
    return out


def _propagation_factor(radar: RadarType, path: Geometry, surface: str, pattern: bool, boresight) -> np.ndarray:
    frequency = radar.frequency.value
    polarisation = "horizontal" if radar.polarisation is None else radar.polarisation.value
    return np.asarray(propagation.pattern_propagation_factor(
        path.ground_range, path.antenna_height, path.target_surface_height, frequency,
        reflection.surface_permittivity(surface, frequency), polarisation=polarisation,
        height_std=path.height_std, roughness="miller-brown-vegh" if surface == "sea" else "ament",
        pattern=elevation_pattern(radar) if pattern else None, steered=radar.role == "fire-control",
        boresight=boresight, specular=path.specular))


def in_band_fraction(radar: RadarType, centre, bandwidth) -> np.ndarray:
    """Fraction of a noise jammer's power inside the radar's receiver band (centre ``frequency``, width
    1 / pulse width): overlap of the two bands / jammer bandwidth. A NaN centre is the format-1 jammer,
    tuned to every radar: min(1, B_r / B_j)."""
    b_r = 1.0 / radar.pulse_width.value
    centre, bandwidth = np.asarray(centre, float), np.asarray(bandwidth, float)
    f = radar.frequency.value
    overlap = np.clip(np.minimum(f + b_r / 2, centre + bandwidth / 2) - np.maximum(f - b_r / 2, centre - bandwidth / 2),
                      0.0, None)
    with np.errstate(invalid="ignore"):
        return np.where(np.isnan(centre), np.minimum(1.0, b_r / bandwidth), overlap / bandwidth)


def signal_to_interference_db(radar: RadarType, path: Geometry, rcs, jammers: Sequence[Jamming] = ()):
    """Per-pulse SINR [dB]: the free-space radar equation times the two-way pattern-propagation factor F^4
    (:func:`propagation_factor`), against noise plus mainbeam land clutter (after the radar's MTI
    improvement) plus noise jamming.

    Each jammer adds ERP x (its power inside the receiver band, :func:`in_band_fraction`) x the radar's
    receive gain towards it x the one-way factor F^2 of its own path, over lambda^2 / ((4 pi)^2 R_j^2). In
    the main beam (the jammer's ``main_beam`` flag, and for a fire-control radar's steered pencil beam also
    within half the elevation beamwidth of the target's elevation) the gain is the main beam's and F
    carries the elevation pattern (steered at the target for a fire-control radar); otherwise the gain is
    the main beam's plus ``sidelobe_level`` and F carries no pattern. The radar's losses apply to the echo
    only (Mahafza's self-screening arithmetic: the catalog's losses are the radar's own, calibrated on its
    detection range). Clutter is constant-gamma with the path's land clutter gamma (its ``clutter_gamma``:
    the land-cover classes of the cells the beam illuminates at the target's range, masked cells and cells
    off the terrain giving none; without it the clutter table's default type,
    :data:`iadsim.scenario.landcover.DEFAULT_CLUTTER`, up to the ground's smooth-earth horizon), scaled from
    the table's reference frequency to the radar's, and counts only
    while the target is inside the lowest beam (its elevation above the reflecting surface below one
    azimuth beamwidth), a modelling assumption."""
    snr = snr_db(radar.peak_power.value, radar.gain.value, radar.frequency.value, rcs, path.slant_range,
                 radar.pulse_width.value, radar.system_temperature.value, radar.losses.value)
    with np.errstate(divide="ignore"):
        snr = snr + 40.0 * np.log10(propagation_factor(radar, path))
    h_a = np.maximum(path.antenna_height, 1.0)
    psi = np.maximum(effects.grazing_angle(h_a, np.maximum(path.slant_range, h_a)), 1e-4)
    table = clutter_types()
    if path.clutter_gamma is None:  # no land-cover map (smooth ground): the default, up to the ground's horizon
        beyond = np.asarray(propagation.min_visible_height(np.maximum(path.antenna_height, 0.0), path.ground_range))
        default = 10.0 ** (table.gamma_db[DEFAULT_CLUTTER] / 10.0)
        gamma = np.where(beyond <= SPECULAR_CLEARANCE, default, 0.0) + np.zeros(np.shape(snr))
    else:
        gamma = np.broadcast_to(path.clutter_gamma, np.shape(snr))
    lit = gamma > 0  # no illuminated cell (masked) or a class without clutter: no clutter
    gamma_db = effects.gamma_at_frequency(10.0 * np.log10(np.where(lit, gamma, 1.0)), radar.frequency.value,
                                          table.reference_frequency)
    sigma0 = effects.constant_gamma_sigma0(gamma_db, psi)
    cnr = effects.clutter_to_noise_db(radar.peak_power.value, radar.gain.value, radar.frequency.value,
                                      path.slant_range, radar.pulse_width.value, sigma0, radar.beamwidth.value, psi,
                                      radar.system_temperature.value, radar.losses.value, radar.mti_improvement.value)
    cnr = np.where(lit, cnr, -np.inf)
    elevation = np.arctan2(path.target_surface_height - path.antenna_height, np.maximum(path.ground_range, 1.0))
    cnr = np.where(elevation < radar.beamwidth.value, cnr, -np.inf)
    jam = np.zeros(np.shape(snr))
    factors: dict[int, tuple] = {}  # the bands of one jammer share its path: its factors are computed once
    for jammer in jammers:
        jam = jam + _jammer_to_noise(radar, jammer, path.elevation, factors)
    with np.errstate(divide="ignore"):
        jnr = np.where(jam > 0, 10.0 * np.log10(np.maximum(jam, 1e-300)), -np.inf)
    return effects.sinr_db(snr, jnr, cnr)


def _jammer_to_noise(radar: RadarType, jammer: Jamming, target_elevation: np.ndarray, factors: dict) -> np.ndarray:
    """Linear JNR of one jammer while the radar looks at targets at ``target_elevation``
    (:func:`signal_to_interference_db`); ``factors`` caches the one-way factors per jammer path."""
    erp = np.asarray(jammer.erp, float) * in_band_fraction(radar, jammer.centre, jammer.bandwidth)
    main = np.asarray(jammer.main_beam, bool)
    steered = radar.role == "fire-control"
    if steered and radar.elevation_beamwidth is not None:
        main = main & (np.abs(jammer.path.elevation - target_elevation) <= radar.elevation_beamwidth.value / 2)
    if radar.sidelobe_level is None and np.any(~main & (erp > 0)):
        raise ValueError(f"radar type '{radar.label}' has no sidelobe_level: a jammer outside its main beam needs it")
    sidelobe = 0.0 if radar.sidelobe_level is None else radar.sidelobe_level.value
    b_r = 1.0 / radar.pulse_width.value
    with np.errstate(divide="ignore"):
        jnr_db = effects.jammer_to_noise_db(np.maximum(erp, 1e-300), b_r, radar.frequency.value, radar.gain.value,
                                            np.maximum(jammer.path.slant_range, 1.0), b_r,
                                            radar.system_temperature.value, 0.0, 0.0)
    if id(jammer.path) not in factors:
        in_main = propagation_factor(radar, jammer.path, boresight=target_elevation if steered else None) ** 2
        factors[id(jammer.path)] = (jammer.path, in_main, propagation_factor(radar, jammer.path, pattern=False) ** 2)
    _, in_main, plain = factors[id(jammer.path)]
    side = 10.0 ** (sidelobe / 10.0) * plain  # the sidelobes: their level, no elevation pattern
    # in the main beam the pattern applies, but never below the sidelobes (its nulls are filled by them)
    gain = np.where(main, np.maximum(in_main, side) if radar.sidelobe_level is not None else in_main, side)
    return np.where(erp > 0, 10.0 ** (np.asarray(jnr_db) / 10.0) * gain, 0.0)


@SENSOR_MODELS.register("radar")
@dataclass(frozen=True)
class Radar:
    """A pulse radar on a unit (:class:`iadsim.sensors.SensorModel`).

    * **Visibility**: terrain leaves the path open (:func:`~iadsim.sensors.line_of_sight`: at or above the
      masking height of its cell, or below it only by the earth's curvature), within the instrumented
      range, and inside the unit's sector (:func:`~iadsim.sensors.in_sector`).
    * **Pd per look**: the exact square-law Pd (:func:`iadsim.physics.detection.pd`, the target's Swerling
      case) of the per-pulse SINR of :func:`signal_to_interference_db` (the propagation factor of the path,
      clutter, the jammers heard), for the radar's Pfa and :func:`pulses_per_look`; Pfa below
      :data:`SNR_CLIP_DB`'s floor, the SINR capped at its ceiling.
    * **Looks**: once per scan period (:attr:`look_period`); the engine draws each replication's scan phase.
    * **Measurement**: range and azimuth, each with its own error (:attr:`plot_errors`: a plot errs by the range
      accuracy along the line of sight and by ground range x azimuth accuracy across it); the error a plot
      claims (``measurement_sigma``) is the larger of the two, on every axis (a 2-D radar's height too).
    * **Plots**: two targets closer than the range resolution of the pulse (c tau / 2, no pulse compression)
      and the azimuth beamwidth give one plot (a 2-D radar does not resolve elevation). A look searches the
      range cells out to the instrumented range in every beam position of its sector (one elevation cell);
      each cell gives a false plot with probability Pfa.
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
    def beamwidth(self) -> float:
        """Azimuth beamwidth [rad]: a jammer within half of it of a target's bearing is in the main beam."""
        return self.entry.beamwidth.value

    @property
    def pulses_per_look(self) -> int:
        return pulses_per_look(self.entry)

    def visibility(self, geometry, dx, dy):
        return line_of_sight(geometry) & (geometry.slant_range <= self.max_range) & in_sector(self.sector, dx, dy)

    def pd_per_look(self, geometry, rcs, swerling, jammers=(), ir_intensity=None):
        radar = self.entry
        snr = np.asarray(signal_to_interference_db(radar, geometry, rcs, jammers), float)
        n_pulses = self.pulses_per_look
        cases = np.broadcast_to(np.asarray(swerling), snr.shape[-1:] if snr.ndim else ())
        p = np.where(np.isnan(snr), np.nan, radar.pfa.value)  # NaN geometry stays NaN (visibility masks it)
        live = snr > SNR_CLIP_DB[0]  # below it Pd is Pfa to double precision: the exact Pd is not evaluated
        for case in np.unique(cases):
            cells = live & (cases == case)
            p[cells] = exact_pd(np.minimum(snr[cells], SNR_CLIP_DB[1]), radar.pfa.value, n_pulses, int(case))
        return p

    @property
    def look_period(self) -> float:
        return self.entry.scan_period.value

    @property
    def resolution(self) -> tuple[float, float, float]:
        return float(range_resolution(self.entry.pulse_width.value)), self.beamwidth, np.inf

    @property
    def cells_searched(self) -> int:
        """Resolution cells of one look: range cells to the instrumented range x beam positions in the sector."""
        width = self.search_volume[2]
        return int(np.ceil(self.max_range / self.resolution[0]) * np.ceil(width / self.beamwidth - 1e-9))

    @property
    def false_plots_per_look(self) -> float:
        return self.entry.pfa.value * self.cells_searched

    @property
    def search_volume(self) -> tuple[float, float, float, float]:
        radar = self.entry
        centre, width = (0.0, 2 * np.pi) if self.sector is None else (self.sector.center, self.sector.width)
        top = 0.0  # the elevation beam's top: the cosecant-squared ceiling, else the beam's upper edge
        if radar.csc2_ceiling is not None:
            top = radar.csc2_ceiling.value
        elif radar.elevation_beamwidth is not None:
            top = (radar.elevation_tilt.value if radar.elevation_tilt is not None else 0.0) \
                + radar.elevation_beamwidth.value / 2
        return self.max_range, centre, width, max(top, 0.0)

    @property
    def plot_errors(self) -> tuple[float, float]:
        """1-sigma errors of a detection's range [m] and azimuth [rad] (the engine draws a plot with each)."""
        return self.entry.range_accuracy.value, self.entry.azimuth_accuracy.value

    def measurement_sigma(self, slant_range, ground_range):
        return np.maximum(self.entry.range_accuracy.value, ground_range * self.entry.azimuth_accuracy.value)
