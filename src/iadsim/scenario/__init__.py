"""The scenario file format, the system catalog, and the loader that turns files into SI models."""

from iadsim.scenario.catalog import Catalog, builtin_catalog, load_catalog
from iadsim.scenario.load import Scenario, Site, load_scenario
from iadsim.scenario.models import ScenarioSpec
from iadsim.scenario.yamlio import InputError, InputErrors

__all__ = [
    "Catalog",
    "InputError",
    "InputErrors",
    "Scenario",
    "ScenarioSpec",
    "Site",
    "builtin_catalog",
    "load_catalog",
    "load_scenario",
]
