"""One model per sensor kind: visibility, Pd per look, looks and measurement error, used by the engine and
by the coverage maps alike.

A catalog sensor names its model (``model: radar``); ``iadsim.registry.SENSOR_MODELS`` maps the name to a
class following :class:`SensorModel`. Importing this package registers the built-in models.

============  ====================================================================================
model         module
============  ====================================================================================
``radar``     :mod:`iadsim.sensors.radar` - pulse radar, exact square-law Pd, scan schedule
``esm``       :mod:`iadsim.sensors.passive` - ESM receiver, one-way equation, bearings
``irst``      :mod:`iadsim.sensors.passive` - infrared search and track, IR range equation, angles
============  ====================================================================================
"""

from iadsim.sensors.base import (
    MASK_TOLERANCE,
    Emission,
    Jamming,
    SensorModel,
    bearing_offset,
    in_sector,
    look_pd,
    sensor_entry,
    sensor_model,
)
from iadsim.sensors.geometry import CURVATURE_TOLERANCE, SPECULAR_CLEARANCE, Geometry, line_of_sight, path_geometry
from iadsim.sensors.passive import Esm, Irst
from iadsim.sensors.radar import (
    SNR_CLIP_DB,
    Radar,
    in_band_fraction,
    propagation_factor,
    pulses_per_look,
    signal_to_interference_db,
)

__all__ = [
    "CURVATURE_TOLERANCE",
    "Esm",
    "Irst",
    "MASK_TOLERANCE",
    "SPECULAR_CLEARANCE",
    "SNR_CLIP_DB",
    "Geometry",
    "Emission",
    "Jamming",
    "Radar",
    "bearing_offset",
    "SensorModel",
    "in_band_fraction",
    "in_sector",
    "look_pd",
    "line_of_sight",
    "path_geometry",
    "propagation_factor",
    "pulses_per_look",
    "sensor_entry",
    "sensor_model",
    "signal_to_interference_db",
]
