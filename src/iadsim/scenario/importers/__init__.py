"""Laydowns from other tools' files: GeoJSON and KML (QGIS, Google Earth) and DCS missions.

Each format is a module here with ``read(source, options) -> Imported``: it turns its file into a plain
scenario document (the mapping a scenario YAML file holds). :func:`import_laydown` then writes that
document with :func:`iadsim.scenario.importers.common.write_scenario`, which validates it as a scenario
first: nothing is written when the file is bad or the laydown does not validate.
"""

from __future__ import annotations

import importlib
from pathlib import Path

from iadsim.scenario.importers.common import Imported, ImportOptions, load_terrain, write_scenario

IMPORTERS: dict[str, str] = {
    "geojson": "iadsim.scenario.importers.gis",
    "kml": "iadsim.scenario.importers.gis",
    "dcs": "iadsim.scenario.importers.dcs",
}
"""Format name -> the module whose ``read(source, options)`` reads it (imported when used)."""


def import_laydown(fmt: str, source: str | Path, out: str | Path, options: ImportOptions | None = None) -> Imported:
    """Read ``source`` in format ``fmt`` (one of :data:`IMPORTERS`) and write the scenario it describes to
    ``out`` (validated first; written atomically). Returns what was imported, with its warnings. A DEM given
    (``options.terrain``) is read first, whatever the format: a bad one is a one-line error naming --terrain."""
    if fmt not in IMPORTERS:
        raise ValueError(f"unknown import format {fmt!r}; choose one of {', '.join(IMPORTERS)}")
    options = options or ImportOptions()
    if options.terrain is not None:
        load_terrain(Path(options.terrain).resolve())
    module = importlib.import_module(IMPORTERS[fmt])
    imported = module.read(Path(source), options, fmt)
    write_scenario(imported, Path(out), options)
    return imported


__all__ = ["IMPORTERS", "ImportOptions", "Imported", "import_laydown"]
