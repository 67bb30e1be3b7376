"""What every sensor model provides, the one sector rule, and the sensor of a unit.

A *sensor model* is one sensor kind (a radar, an ESM receiver, an IRST): how a deployed sensor of that
kind sees a target - visibility, probability of detection per look, when it looks, and how well it
measures. The engine (:func:`iadsim.engine.world.build_world`) and the coverage maps
(:func:`iadsim.analysis.coverage.coverage_maps`) both ask the model, so they cannot disagree.

A catalog sensor names its model (``model: radar``, the default); the model class is
``iadsim.registry.SENSOR_MODELS[name]`` and :meth:`SensorModel.from_catalog` builds it for one unit.
Adding a sensor kind is one module that registers its class, plus its test.
"""

from __future__ import annotations

import inspect
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, ClassVar, Protocol

import numpy as np
from numpy.typing import ArrayLike, NDArray

from iadsim.registry import SENSOR_MODELS
from iadsim.scenario.catalog import SENSOR_TYPES, EsmType, IrstType, LauncherType, RadarType
from iadsim.sensors.geometry import MASK_TOLERANCE, Geometry

if TYPE_CHECKING:
    from iadsim.scenario import Scenario
    from iadsim.scenario.models import Sector, Unit

__all__ = ["MASK_TOLERANCE", "Emission", "Jamming", "SensorModel", "bearing_offset", "in_sector", "look_pd",
           "sensor_entry", "sensor_model"]



@dataclass(frozen=True)
class Jamming:
    """One noise jammer as a sensor hears it while looking at targets; arrays broadcast against the
    targets' (e.g. ``(n_steps, n_targets)``).

    Attributes
    ----------
    erp : numpy.ndarray
        Effective radiated power towards the sensor [W] (0: silent).
    centre : numpy.ndarray
        Centre frequency of the noise band [Hz]; NaN: tuned to every radar (the format-1 meaning: a power
        density ERP / bandwidth in any receiver, at most the whole ERP).
    bandwidth : numpy.ndarray
        Width of the noise band [Hz].
    path : iadsim.sensors.Geometry
        The jammer-to-sensor path (a self-screening jammer's is the target's own).
    main_beam : numpy.ndarray of bool
        The sensor's main beam is on the jammer while it looks at the target (else its sidelobes hear it).
    self_screening : bool
        The target's own jammer (an ESM hears it as the target's emission); else another aircraft's.
    """

    erp: np.ndarray
    centre: np.ndarray
    bandwidth: np.ndarray
    path: Geometry
    main_beam: np.ndarray
    self_screening: bool = False


@dataclass(frozen=True)
class Emission:
    """The targets' own radars (their type's ``emitter``) as a receiver hears them; arrays broadcast against the
    targets' (e.g. ``(1, n_targets)``).

    Attributes
    ----------
    erp : numpy.ndarray
        Effective radiated power of the main beam [W] (0: no radar, or silent).
    frequency : numpy.ndarray
        Carrier frequency [Hz].
    sidelobe_level : numpy.ndarray
        Sidelobe gain relative to the main beam [dB] (negative).
    main_beam_fraction : numpy.ndarray
        Probability that one look catches the main beam.
    """

    erp: np.ndarray
    frequency: np.ndarray
    sidelobe_level: np.ndarray
    main_beam_fraction: np.ndarray


class SensorModel(Protocol):
    """One deployed sensor: a catalog sensor type on one unit (site, mast height, sector).

    Arrays broadcast against each other, e.g. over ``(n_steps, n_targets)`` in the engine or over the
    cells of a raster in the coverage maps. Lengths are in metres, angles in radians, times in seconds.

    Attributes
    ----------
    emits : bool
        Whether the sensor radiates (a radar does; a passive sensor - ESM, IRST - does not). A sensor that
        radiates senses only while it emits (its unit's emission-control policy); a passive one senses whatever
        the policy (``iadsim.network.Network.senses``).
    measures : tuple of str
        What one detection measures, e.g. ``("range", "azimuth")`` for a 2-D radar, ``("azimuth",)`` for a
        bearing-only passive sensor. Without ``"range"`` the sensor is passive: its detections are lines of
        sight (an optional ``angle_sigma``, its bearing and elevation errors [rad], gives their error; else
        ``measurement_sigma`` at 10 km over that distance does). A sensor that measures range may give
        ``plot_errors``, its range [m] and azimuth [rad] errors: its plots are then drawn with each (along and
        across the line of sight on the ground; the height with ``measurement_sigma``), else with
        ``measurement_sigma`` on every axis; either way they claim ``measurement_sigma``.
    unit_id : str
        The unit carrying the sensor.
    antenna_height : float
        Height of the antenna (or aperture) above the site's ground [m]: the masking heights are computed
        from there.
    max_range : float
        Slant range [m] beyond which the sensor sees nothing (the masking sweep stops at this distance, and
        :func:`iadsim.engine.build_world` evaluates no path whose ground range exceeds it: ``visibility``
        must be False there).
    """

    emits: ClassVar[bool]
    measures: ClassVar[tuple[str, ...]]

    @property
    def unit_id(self) -> str: ...

    @property
    def antenna_height(self) -> float: ...

    @property
    def max_range(self) -> float: ...

    @classmethod
    def from_catalog(cls, entry: RadarType | EsmType | IrstType, unit: Unit) -> SensorModel:
        """The sensor of catalog type ``entry`` deployed on ``unit`` (its id, mast height and sector).

        Parameters
        ----------
        entry : iadsim.scenario.catalog.RadarType, EsmType or IrstType
            The catalog sensor type (its ``model`` names this class).
        unit : iadsim.scenario.models.Unit
            The scenario unit that carries it.
        """
        ...

    def visibility(self, geometry: Geometry, dx: ArrayLike, dy: ArrayLike) -> NDArray[np.bool_]:
        """Whether the sensor can see a target at all: line of sight (from the terrain masking height of the
        target's cell, :attr:`Geometry.masking_height`; NaN: not visible), range limit and sector.

        Parameters
        ----------
        geometry : iadsim.sensors.Geometry
            The paths to the targets (:func:`iadsim.sensors.path_geometry`).
        dx, dy : array_like
            Target's offset from the sensor's site, east and north [m] (for the sector, :func:`in_sector`).

        Returns
        -------
        numpy.ndarray of bool
        """
        ...

    def pd_per_look(self, geometry: Geometry, rcs: ArrayLike, swerling: ArrayLike,
                    jammers: Sequence[Jamming] = (),
                    ir_intensity: Mapping[str, ArrayLike] | None = None,
                    emitters: Emission | None = None) -> NDArray[np.float64]:
        """Probability of detection of one look at a visible target (visibility is not applied here).

        Parameters
        ----------
        geometry : iadsim.sensors.Geometry
            The paths to the targets: ranges, heights, and the reflecting surface.
        rcs : array_like
            Target radar cross-section [m^2] (a sensor that does not use it ignores it).
        swerling : int or array_like of int
            Swerling case of the target, a scalar or one per target (the last axis).
        jammers : sequence of Jamming, optional
            Noise jammers heard while looking at the targets (self-screening and stand-off): noise to a radar,
            the targets' own emissions to an ESM receiver.
        ir_intensity : mapping of str to array_like, optional
            The targets' IR radiant intensity [W/sr] per band (``"mwir"``, ``"lwir"``; NaN: no signature), for
            an IRST.
        emitters : Emission, optional
            The targets' own radars, for an ESM receiver.

        Returns
        -------
        numpy.ndarray of float
        """
        ...

    @property
    def look_period(self) -> float:
        """Seconds between two looks at a target (a search radar's scan period, a tracking sensor's update
        period); positive. The engine draws a scan phase per replication and sensor, so each sensor looks at
        its own times whatever the time step, and every look is one detection draw."""
        ...

    # Optional (the engine reads them with getattr; a model without them gives one plot per detected target
    # and no false plots):
    #
    # resolution : tuple[float, float, float]
    #     Range [m], azimuth and elevation [rad] within which two targets give one plot (inf: not resolved).
    # false_plots_per_look : float
    #     Mean number of false plots of one look (Pfa x resolution cells searched).
    # search_volume : tuple[float, float, float, float]
    #     What a look searches: out to a range [m], over a bearing sector (centre, width [rad]) and from the
    #     horizon up to an elevation [rad]; false plots fall uniformly in range, bearing and elevation there
    #     (uniformly over its resolution cells).

    def measurement_sigma(self, slant_range: ArrayLike, ground_range: ArrayLike) -> NDArray[np.float64]:
        """1-sigma error [m] of the target position the tracker takes from one detection.

        Parameters
        ----------
        slant_range, ground_range : array_like
            Antenna-to-target distance and its horizontal part [m]: read them, do not modify them (the engine
            passes views of its own arrays).
        """
        ...


def look_pd(sensor: SensorModel, geometry: Geometry, rcs: ArrayLike, swerling: ArrayLike,
            jammers: Sequence[Jamming] = (),
            ir_intensity: Mapping[str, ArrayLike] | None = None,
            emitters: Emission | None = None) -> NDArray[np.float64]:
    """``sensor.pd_per_look``, given ``ir_intensity`` and ``emitters`` only if the model takes them (a model
    written before the passive sensors has no such parameters and needs none)."""
    accepts = _parameters(type(sensor))
    extra = {name: value for name, value in (("ir_intensity", ir_intensity), ("emitters", emitters))
             if value is not None and name in accepts}
    return sensor.pd_per_look(geometry, rcs, swerling, jammers, **extra)


@cache
def _parameters(model: type) -> frozenset[str]:
    return frozenset(inspect.signature(model.pd_per_look).parameters)


def in_sector(sector: Sector | None, dx: ArrayLike, dy: ArrayLike) -> NDArray[np.bool_]:
    """Whether the bearings of offsets are inside a sector - the one sector rule, for sensors and launchers.

    Parameters
    ----------
    sector : iadsim.scenario.models.Sector or None
        Centre bearing (clockwise from north) and full width [rad]; None: no limit (all True).
    dx, dy : array_like
        Offsets east and north [m] from the unit's site.

    Returns
    -------
    numpy.ndarray of bool
        Inside when the bearing is within half the width of the centre, either way round (so a sector
        centred on north wraps through 0, and a width of 360 deg holds every bearing).
    """
    if sector is None:
        return np.ones(np.broadcast_shapes(np.shape(dx), np.shape(dy)), bool)
    return bearing_offset(np.arctan2(dx, dy), sector.center) <= sector.width / 2


def bearing_offset(bearing: ArrayLike, other: ArrayLike) -> NDArray[np.float64]:
    """Absolute angle [rad] between two bearings, the short way round (0 to pi)."""
    return np.abs(np.angle(np.exp(1j * (np.asarray(bearing, float) - np.asarray(other, float)))))


def sensor_entry(scenario: Scenario, unit: Unit) -> RadarType | EsmType | IrstType | None:
    """The catalog sensor type a unit carries: its own type for a sensor (radar, ESM, IRST), a launcher's own
    radar, else None."""
    entry = scenario.catalog.types[unit.type]
    if isinstance(entry, SENSOR_TYPES):
        return entry
    if isinstance(entry, LauncherType) and entry.radar:
        return scenario.catalog.types[entry.radar]
    return None


def sensor_model(scenario: Scenario, unit: Unit) -> SensorModel | None:
    """The sensor model of a unit (``SENSOR_MODELS[entry.model]`` built for it), or None if it has none."""
    entry = sensor_entry(scenario, unit)
    return None if entry is None else SENSOR_MODELS[entry.model].from_catalog(entry, unit)
