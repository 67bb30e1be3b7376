"""The geometry of a sensor-to-target path over real terrain, shared by the engine and the coverage maps.

A :class:`Geometry` holds what a sensor model needs about the path besides the target itself: ranges, the
target's height above its ground, the terrain masking height of its cell, and the reflection that
interferes with the direct ray.

**Reflection over terrain** (:func:`path_geometry`). The reflecting surface is the ground at the specular
point, found in the DEM: starting from the level of the sensor's site, the specular point of a flat surface
at that level (ground distance d h_a / (h_a + h_t) from the sensor) is located, the DEM's height there
becomes the new level, and this is done twice more. The antenna's and the target's heights above that
level enter the two-ray model (:func:`iadsim.physics.propagation.pattern_propagation_factor`), so a radar on
a summit reflects off the valley floor, not off a plane its mast height below it.

**Broken ground** (no specular reflection, diffuse only): where the specular point is hidden from the
antenna by terrain (its cell's masking height above :data:`SPECULAR_CLEARANCE`). The DEM's relief around the
point (:func:`iadsim.terrain.local_relief`) adds to the surface's own roughness in quadrature, so rough
ground fades the reflection continuously through the roughness factor. Where the specular point is off the
DEM or on nodata (often the sea in a land DEM), the scenario's surface reflects at the last level found.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace

import numpy as np

from iadsim.physics.propagation import direct_elevation, min_visible_height
from iadsim.physics.reflection import SURFACE_CLASSES
from iadsim.terrain import Dem

__all__ = ["CURVATURE_TOLERANCE", "MASK_TOLERANCE", "SPECULAR_CLEARANCE", "Geometry", "line_of_sight", "path_geometry"]

MASK_TOLERANCE = 1e-6
"""A target this close [m] below the masking height of its cell still counts as in line of sight."""

CURVATURE_TOLERANCE = 5.0
"""A target below its cell's masking height is still reached by smooth-earth diffraction when the earth's
curvature, not a ridge, hides it: its cell's masking height is within this much [m] of the masking of a smooth
sphere through the reflecting surface, and its ground within this much of that surface's level. (Diffraction
over ridges is not modelled: they block.)"""

SPECULAR_CLEARANCE = 1.0
"""Largest masking height [m] of the specular point's cell at which the antenna still sees the ground there."""

_ITERATIONS = 3


@dataclass(frozen=True)
class Geometry:
    """One sensor's paths to targets; every array broadcasts against the others.

    Attributes
    ----------
    slant_range, ground_range : numpy.ndarray
        Distance from the antenna to the target and its horizontal part [m].
    target_height : numpy.ndarray
        Target height above the ground of its cell [m].
    masking_height : numpy.ndarray
        Terrain masking height of the target's cell seen from this sensor [m] (NaN: not reached).
    antenna_height, target_surface_height : numpy.ndarray
        Heights of the antenna and the target above the reflecting surface at the specular point [m].
    height_std : numpy.ndarray
        Standard deviation of the reflecting surface's height [m]: the surface's roughness and the DEM's
        relief there, in quadrature.
    specular : numpy.ndarray of bool
        The surface reflects specularly (False: broken ground, diffuse only).
    elevation : numpy.ndarray
        Elevation angle of the direct ray at the antenna [rad] over the 4/3 earth, from the true heights
        (the heights above the reflecting surface are clipped at 0 where the surface rises above an end).
    surface : str
        The surface class (:data:`iadsim.physics.reflection.SURFACE_CLASSES`).
    clutter_gamma : numpy.ndarray or None
        Land clutter reflectivity gamma (linear) at the clutter types' reference frequency, averaged over the
        cells the beam illuminates at the target's range (:data:`CLUTTER_SAMPLES` across the azimuth beam;
        a cell the radar cannot see, its masking height above :data:`SPECULAR_CLEARANCE`, contributes 0).
        None: no land-cover map (flat geometries): the radar's default land clutter applies.
    surface_index : numpy.ndarray or None
        Per path, the reflecting surface at its specular point as an index into
        :data:`iadsim.physics.reflection.SURFACE_CLASSES` (the land cover's class there, else ``surface``);
        None: ``surface`` everywhere.
    """

    slant_range: np.ndarray
    ground_range: np.ndarray
    target_height: np.ndarray
    masking_height: np.ndarray
    antenna_height: np.ndarray
    target_surface_height: np.ndarray
    height_std: np.ndarray
    specular: np.ndarray
    elevation: np.ndarray
    surface: str = "medium-dry-ground"
    clutter_gamma: np.ndarray | None = None
    surface_index: np.ndarray | None = None

    @classmethod
    def flat(cls, ground_range, antenna_height, target_height, *, surface: str = "medium-dry-ground",
             height_std=1.0, specular=True, masking_height=0.0) -> Geometry:
        """Paths over level ground: the reflecting surface is the ground under both ends."""
        ground_range, antenna_height, target_height = np.broadcast_arrays(
            np.asarray(ground_range, float), np.asarray(antenna_height, float), np.asarray(target_height, float))
        slant = np.hypot(ground_range, target_height - antenna_height)
        return cls(slant, ground_range, target_height, np.broadcast_to(np.asarray(masking_height, float),
                                                                      ground_range.shape),
                   antenna_height, target_height, np.broadcast_to(np.asarray(height_std, float), ground_range.shape),
                   np.broadcast_to(np.asarray(specular, bool), ground_range.shape),
                   np.asarray(direct_elevation(ground_range, antenna_height, target_height)), surface)

    def broadcast(self, *shapes) -> Geometry:
        """The paths with every array broadcast to one shape: theirs and ``shapes``'."""
        arrays = {f.name: getattr(self, f.name) for f in fields(self)
                  if f.name != "surface" and getattr(self, f.name) is not None}
        shape = np.broadcast_shapes(*(np.shape(a) for a in arrays.values()), *shapes)
        return replace(self, **{name: np.broadcast_to(a, shape) for name, a in arrays.items()})

    def take(self, keep) -> Geometry:
        """The paths where ``keep`` (an index or a boolean mask over the arrays' shape)."""
        return replace(self, **{f.name: getattr(self, f.name)[keep] for f in fields(self)
                                if f.name != "surface" and getattr(self, f.name) is not None})

    @classmethod
    def concatenate(cls, paths: list[Geometry]) -> Geometry:
        """One geometry of the paths of several (1-D, of one sensor and surface), in order."""
        first = paths[0]
        absent = [f.name for f in fields(cls) if f.name != "surface" and getattr(first, f.name) is None]
        if any(p.surface != first.surface or [f.name for f in fields(cls) if f.name != "surface"
                                               and getattr(p, f.name) is None] != absent for p in paths):
            raise ValueError("geometries of different surfaces, or with different optional fields, cannot be joined")
        paths = [p.broadcast() for p in paths]
        first = paths[0]
        return replace(first, **{f.name: np.concatenate([getattr(p, f.name) for p in paths]) for f in fields(cls)
                                 if f.name != "surface" and getattr(first, f.name) is not None})


def _cell(terrain: Dem, x, y):
    """(row, col) of the cells holding points (x, y), clipped to the grid, and whether each point is on it."""
    n_rows, n_cols = terrain.shape
    row, col = terrain.xy_to_rowcol(x, y)
    inside = (row >= 0) & (row < n_rows) & (col >= 0) & (col < n_cols)
    return np.clip(row, 0, n_rows - 1), np.clip(col, 0, n_cols - 1), inside


PATH_CHUNK = 1 << 18
"""Paths evaluated at once when a world is built (:func:`iadsim.engine.build_world`: tens of arrays of this length
per chunk); the memory budget (:mod:`iadsim.analysis.sweep.budget`) counts one chunk's temporaries."""


CLUTTER_SAMPLES = 5
"""Points across the azimuth beam, at the target's range, where land clutter is evaluated."""


def path_geometry(terrain: Dem, relief: np.ndarray, mask: np.ndarray, site: tuple[float, float, float],
                  antenna_z: float, x, y, z, target_height, *, surface: str, roughness: float,
                  clutter: np.ndarray | None = None, surface_map: np.ndarray | None = None) -> Geometry:
    """The :class:`Geometry` of paths from one antenna to targets over a DEM.

    Parameters
    ----------
    terrain : iadsim.terrain.Dem
        The DEM.
    relief : numpy.ndarray
        :func:`iadsim.terrain.local_relief` of the DEM.
    mask : numpy.ndarray
        This sensor's masking-height raster (NaN where not reached).
    site : (float, float, float)
        The sensor site's x, y and ground elevation [m].
    antenna_z : float
        The antenna's elevation above sea level [m].
    x, y, z : array_like
        Target positions [m] (z above sea level).
    target_height : array_like
        Targets' heights above the ground of their cells [m].
    surface : str
        Surface class.
    roughness : float
        The surface's own height standard deviation [m].
    clutter : numpy.ndarray, optional
        The paths' ``clutter_gamma`` (:func:`land_clutter`; it depends on the targets' ground positions only,
        so paths to several heights over the same cells share it).
    surface_map : numpy.ndarray, optional
        Each DEM cell's reflecting surface (index into :data:`iadsim.physics.reflection.SURFACE_CLASSES`,
        -1: ``surface``); the geometry then carries ``surface_index`` at each specular point (off the DEM or
        on nodata: ``surface``).
    """
    rasters = {"mask": mask, "relief": relief, "surface_map": surface_map}
    for name, raster in rasters.items():
        if raster is not None and np.shape(raster) != terrain.shape:
            raise ValueError(f"{name} has shape {np.shape(raster)}, not the terrain's {terrain.shape}")
    x, y, z = np.broadcast_arrays(np.asarray(x, float), np.asarray(y, float), np.asarray(z, float))
    dx, dy = x - site[0], y - site[1]
    ground_range = np.hypot(dx, dy)
    slant = np.maximum(np.sqrt(ground_range**2 + (z - antenna_z) ** 2), 1.0)
    row, col, inside = _cell(terrain, x, y)
    masking = np.where(inside, mask[row, col], np.nan)
    level = np.full(x.shape, float(site[2]))
    on_dem = np.ones(x.shape, bool)
    for _ in range(_ITERATIONS):
        h_a = np.maximum(antenna_z - level, 0.5)
        h_t = np.maximum(z - level, 0.5)
        fraction = h_a / (h_a + h_t)
        row, col, on_dem = _cell(terrain, site[0] + fraction * dx, site[1] + fraction * dy)
        ground = terrain.elevation[row, col]
        on_dem &= np.isfinite(ground)
        level = np.where(on_dem, ground, level)
    # off the DEM (or on nodata, often the sea) the scenario's surface reflects at the last level found
    seen = ~on_dem | (np.nan_to_num(mask[row, col], nan=np.inf) <= SPECULAR_CLEARANCE)
    local = np.where(on_dem, np.nan_to_num(relief[row, col]), 0.0)
    surface_index = None
    if surface_map is not None:
        found = np.where(on_dem, surface_map[row, col], -1)
        surface_index = np.where(found >= 0, found, SURFACE_CLASSES.index(surface)).astype(np.int8)
    return Geometry(slant, ground_range, np.asarray(target_height, float) + np.zeros(x.shape), masking,
                    np.maximum(antenna_z - level, 0.0), np.maximum(z - level, 0.0), np.hypot(roughness, local),
                    seen, np.asarray(direct_elevation(ground_range, 0.0, z - antenna_z)), surface, clutter,
                    surface_index)


def land_clutter(terrain: Dem, mask: np.ndarray, site, x, y, clutter_map: np.ndarray, beamwidth: float
                 ) -> np.ndarray:
    """Land clutter gamma (linear) seen from a sensor at ``site`` looking at ground points (x, y): the mean of
    ``clutter_map`` over :data:`CLUTTER_SAMPLES` points across the azimuth ``beamwidth`` at each point's
    ground range, a point the sensor cannot see (masking height above :data:`SPECULAR_CLEARANCE`) or off
    the DEM counting 0."""
    if np.shape(clutter_map) != terrain.shape or np.shape(mask) != terrain.shape:
        raise ValueError(f"clutter_map and mask must have the terrain's shape {terrain.shape}")
    dx, dy = np.asarray(x, float) - site[0], np.asarray(y, float) - site[1]
    out = np.zeros(np.broadcast_shapes(dx.shape, dy.shape))
    for offset in np.linspace(-0.5, 0.5, CLUTTER_SAMPLES) * beamwidth:
        # the point at the same range, ``offset`` clockwise in bearing: (dx, dy) rotated
        cos, sin = np.cos(offset), np.sin(offset)
        row, col, on = _cell(terrain, site[0] + dx * cos + dy * sin, site[1] + dy * cos - dx * sin)
        lit = on & (np.nan_to_num(mask[row, col], nan=np.inf) <= SPECULAR_CLEARANCE)
        out += np.where(lit, clutter_map[row, col], 0.0)
    return out / CLUTTER_SAMPLES


def line_of_sight(geometry: Geometry) -> np.ndarray:
    """Whether terrain leaves the path open: the target is at or above its cell's masking height (within
    :data:`MASK_TOLERANCE`), or below it only because of the earth's curvature (:data:`CURVATURE_TOLERANCE`:
    then smooth-earth diffraction decides how much gets through). False where the masking height is NaN."""
    mask = np.asarray(geometry.masking_height)
    with np.errstate(invalid="ignore"):
        above = geometry.target_height >= mask - MASK_TOLERANCE
        level = geometry.target_surface_height - geometry.target_height  # the target's ground above the surface
        sphere = np.asarray(min_visible_height(np.maximum(geometry.antenna_height, 0.0), geometry.ground_range))
        curvature = (np.abs(mask - (sphere - level)) <= CURVATURE_TOLERANCE) & (np.abs(level) <= CURVATURE_TOLERANCE)
    return np.isfinite(mask) & (above | curvature)
