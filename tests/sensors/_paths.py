"""Shared by the land-cover sensor tests: one radar's paths over a scenario's terrain, built as the World does."""

from __future__ import annotations

import numpy as np

from iadsim.sensors import path_geometry, sensor_model
from iadsim.terrain import local_relief, masking_height


def geometry_to(scenario, unit_id: str, x, y, height: float):
    """(Geometry, sensor model) of unit ``unit_id``'s paths to targets at world (x, y), ``height`` above the
    ground: its masking raster, the scenario's surface, land clutter map and reflecting-surface map."""
    site = scenario.sites[unit_id]
    sensor = sensor_model(scenario, scenario.unit(unit_id))
    terrain = scenario.terrain
    row, col = terrain.xy_to_rowcol(site.x, site.y)
    mask = masking_height(terrain.elevation, terrain.cell_size, int(row), int(col), sensor.antenna_height)
    x, y = np.asarray(x, float), np.asarray(y, float)
    surface = scenario.spec.surface
    path = path_geometry(terrain, local_relief(terrain.elevation, terrain.cell_size), mask,
                         (site.x, site.y, site.ground), site.ground + sensor.antenna_height, x, y,
                         terrain.elevation_at(x, y) + height, np.full(x.shape, float(height)), surface=surface.type,
                         roughness=surface.height_std, clutter_map=scenario.clutter_map,
                         beamwidth=getattr(sensor, "beamwidth", None), surface_map=scenario.surface_classes)
    return path, sensor
