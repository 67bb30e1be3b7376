"""iadsim.terrain: DEM reading and terrain kernels (masking heights, compiled with numba).

Everything is in metres on a regular metric grid; geographic DEMs are projected to UTM on load.
"""

from iadsim.terrain.dem import (
    LOCAL_CRS,
    MAX_DEM_BYTES,
    MAX_DEM_CELLS,
    Dem,
    TerrainError,
    flat_dem,
    load_dem,
    utm_crs_for,
    write_geotiff,
)
from iadsim.terrain.masking import DEFAULT_K, masking_height, masking_height_at, masking_heights
from iadsim.terrain.relief import RELIEF_WINDOW, local_relief
from iadsim.terrain.viewshed import viewshed, viewshed_file

__all__ = [
    "DEFAULT_K",
    "LOCAL_CRS",
    "MAX_DEM_BYTES",
    "MAX_DEM_CELLS",
    "RELIEF_WINDOW",
    "Dem",
    "TerrainError",
    "flat_dem",
    "load_dem",
    "local_relief",
    "masking_height",
    "masking_height_at",
    "masking_heights",
    "utm_crs_for",
    "viewshed",
    "viewshed_file",
    "write_geotiff",
]
