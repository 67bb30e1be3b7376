"""iadsim: an integrated air defence system simulator and readiness analyser.

The Python API (:mod:`iadsim.api`)::

    import iadsim
    scenario = iadsim.load("examples/airbase-as-designed.yaml")
    variant = scenario.with_changes({"authority.mode": "autonomous"})
    variant.audit().fire_units                       # who can engage, and why not
    results = iadsim.run(variant, replications=200, seed=7)
    results.summary                                  # each metric's mean and 95 % interval

Layers (data flows one way, see ../shared/STYLE.md): units, registry, events, files -> physics, terrain ->
scenario -> network, sensors, tracking, c2 -> engine -> analysis -> report -> api, cli. The API's names
are imported on first use, so ``import iadsim`` stays light and importing one layer never imports those
above it.
"""

from __future__ import annotations

import importlib

__version__ = "0.1.0"

_API = ("Audit", "Results", "Scenario", "ScenarioError", "SweepResults", "load", "run", "sweep")
__all__ = ["__version__", *_API]


def __getattr__(name: str):
    if name in _API:
        value = getattr(importlib.import_module("iadsim.api"), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'iadsim' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
