"""Shared by the land-cover sensor tests: a radar over a DEM and a land-cover raster written here, and its paths
over the terrain, built as the World does."""

from __future__ import annotations

import numpy as np
import rasterio
from rasterio.transform import Affine

from iadsim.scenario import load_scenario
from iadsim.sensors import path_geometry, sensor_model
from iadsim.sensors.geometry import land_clutter
from iadsim.terrain import local_relief, masking_height


def geometry_to(scenario, unit_id: str, x, y, height: float):
    """(Geometry, sensor model) of unit ``unit_id``'s paths to targets at world (x, y), ``height`` above the
    ground: its masking raster, the scenario's surface, land clutter map and reflecting-surface map."""
    site = scenario.sites[unit_id]
    sensor = sensor_model(scenario, scenario.unit(unit_id))
    terrain = scenario.terrain
    row, col = terrain.xy_to_rowcol(site.x, site.y)
    mask = masking_height(terrain.elevation, terrain.cell_size, int(row), int(col), sensor.antenna_height,
                          max_distance=sensor.max_range)
    x, y = np.asarray(x, float), np.asarray(y, float)
    surface = scenario.spec.surface
    clutter = land_clutter(terrain, mask, (site.x, site.y), x, y, scenario.clutter_map, sensor.beamwidth)
    path = path_geometry(terrain, local_relief(terrain.elevation, terrain.cell_size), mask,
                         (site.x, site.y, site.ground), site.ground + sensor.antenna_height, x, y,
                         terrain.elevation_at(x, y) + height, np.full(x.shape, float(height)), surface=surface.type,
                         roughness=surface.height_std, clutter=clutter, surface_map=scenario.surface_classes)
    return path, sensor


CELL = 30.0  # [m]


def radar_over(folder, ground: np.ndarray, codes: np.ndarray | None, *, radar: str, mast: str,
               surface: str = "type: medium-dry-ground"):
    """A scenario in ``folder``: one radar ``sr`` of type ``radar`` on a ``mast`` at the centre of the square DEM
    ``ground`` (30 m cells, UTM 33N), the land cover ``codes`` (WorldCover; None: none) on the same grid, and the
    ``surface`` fields given."""
    folder.mkdir(exist_ok=True)
    n = ground.shape[0]
    transform = Affine(CELL, 0, 500_000 - n / 2 * CELL, 0, -CELL, 5_000_000 + n / 2 * CELL)
    profile = {"driver": "GTiff", "width": n, "height": n, "count": 1, "crs": "EPSG:32633", "transform": transform}
    with rasterio.open(folder / "dem.tif", "w", dtype="float32", **profile) as dst:
        dst.write(ground.astype("float32"), 1)
    landcover = ""
    if codes is not None:
        with rasterio.open(folder / "cover.tif", "w", dtype="uint8", nodata=0, **profile) as dst:
            dst.write(codes.astype("uint8"), 1)
        landcover = ", landcover: {path: cover.tif, classes: worldcover}"
    (folder / "s.yaml").write_text(f"""\
name: radar-over
duration: 1 min
terrain: {{source: dem.tif}}
surface: {{{surface}{landcover}}}
units:
  - {{id: sr, type: {radar}, x: 0 km, y: 0 km, mast_height: {mast}}}
""")
    return load_scenario(folder / "s.yaml")
