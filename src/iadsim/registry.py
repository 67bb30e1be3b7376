"""Named choices that vary (assigners, authority rules, doctrines, decision-time distributions, sensor
models): small registries a scenario names its choices from.

A registry maps a name (as a scenario file writes it) to an implementation. The built-in
implementations live in the module that does the work (``iadsim.c2.authority`` for authority rules, and
so on) and register themselves when it is imported; the registry imports that module on first use, so
the scenario loader (a lower layer) can check a name without importing the layers above it. Adding a
choice touches one module (or a test that registers a toy one):

>>> from iadsim.c2.authority import AUTHORITY_RULES
>>> @AUTHORITY_RULES.register("my-rule")                        # doctest: +SKIP
... def my_rule(...): ...

An unknown name is a :class:`ValueError` that lists the choices.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterator
from typing import Generic, TypeVar

T = TypeVar("T")

__all__ = ["ASSIGNERS", "AUTHORITY_RULES", "DECISION_TIMES", "DOCTRINES", "EMCON_POLICIES", "SENSOR_MODELS", "Registry",
           "measures_range", "places", "places_target"]


class Registry(Generic[T]):
    """Name -> implementation, filled by ``register`` (built-ins from ``builtins``, imported on first use).

    Parameters
    ----------
    what : str
        What an entry is, for messages ("authority rule").
    builtins : str
        Dotted name of the module whose import registers the built-in entries.
    """

    def __init__(self, what: str, builtins: str):
        self.what = what
        self._builtins = builtins
        self._entries: dict[str, T] = {}
        self._loaded = False
        self._loading = False

    def _load(self) -> None:
        if not self._loaded and not self._loading:
            self._loading = True  # the built-in module registers its entries while it is imported
            try:
                importlib.import_module(self._builtins)
                self._loaded = True
            finally:
                self._loading = False

    def register(self, name: str, entry: T | None = None, *, replace: bool = False) -> Callable[[T], T] | T:
        """Register ``entry`` under ``name``; without ``entry``, a decorator. A name already taken by another
        entry is an error unless ``replace`` (the same definition registered again, as when its module is
        reloaded, replaces it)."""

        def add(obj: T) -> T:
            self._load()  # the built-ins first, so that a name taken by one is refused here
            old = self._entries.get(name)
            if not replace and old is not None and old is not obj and _origin(old) != _origin(obj):
                raise ValueError(f"{self.what} '{name}' is already registered")
            self._entries[name] = obj
            return obj

        return add if entry is None else add(entry)

    def unregister(self, name: str) -> None:
        """Remove ``name`` (tests that register a toy entry remove it afterwards)."""
        self._entries.pop(name, None)

    def names(self) -> list[str]:
        """The registered names, in registration order (built-ins first)."""
        self._load()
        return list(self._entries)

    def check(self, name: str) -> str:
        """``name`` if registered, else a ValueError listing the choices (for validators)."""
        self._load()
        if name not in self._entries:
            choices = ", ".join(repr(n) for n in self._entries)
            raise ValueError(f"unknown {self.what} {name!r}; the choices are {choices}")
        return name

    def __getitem__(self, name: str) -> T:
        return self._entries[self.check(name)]

    def __contains__(self, name: object) -> bool:
        self._load()
        return name in self._entries

    def __iter__(self) -> Iterator[str]:
        return iter(self.names())

    def __len__(self) -> int:
        return len(self.names())

    def items(self) -> list[tuple[str, T]]:
        self._load()
        return list(self._entries.items())

    def __repr__(self) -> str:
        return f"Registry({self.what!r}: {', '.join(self._entries) or 'not loaded'})"


def _origin(obj: object) -> tuple[str, str]:
    """Where an entry is defined (module, qualified name): a function's or class's own, an instance's class's."""
    target = obj if hasattr(obj, "__qualname__") else type(obj)
    return getattr(target, "__module__", ""), getattr(target, "__qualname__", "")


# The registries. Each is filled by the module named here when first used; a test or a user adds an entry
# with ``REGISTRY.register(name)(implementation)``.
ASSIGNERS: Registry = Registry("assigner", "iadsim.c2.assign")
"""Weapon-target assignment: ``doctrine.assignment`` (:class:`iadsim.c2.assign.Assigner`)."""
AUTHORITY_RULES: Registry = Registry("authority rule", "iadsim.c2.authority")
"""Who approves a launch and when: ``authority.mode`` (:class:`iadsim.c2.authority.AuthorityRule`)."""
DOCTRINES: Registry = Registry("engagement doctrine", "iadsim.c2.doctrine")
"""Rounds per engagement: ``doctrine.engagement`` (:class:`iadsim.c2.doctrine.Doctrine`)."""
DECISION_TIMES: Registry = Registry("decision-time distribution", "iadsim.c2.decision")
"""Operator decision time: ``authority.decision_time.distribution`` (:class:`iadsim.c2.decision.Distribution`)."""
SENSOR_MODELS: Registry = Registry("sensor model", "iadsim.sensors")
"""How a sensor sees: a catalog sensor's ``model`` (:class:`iadsim.sensors.SensorModel`)."""
EMCON_POLICIES: Registry = Registry("emission-control policy", "iadsim.network.emcon")
"""When a radar emits: a unit's ``emcon.policy`` (:class:`iadsim.network.emcon.Policy`)."""


def measures_range(model) -> bool:
    """Whether a sensor model measures range (a radar): one detection places a target. A passive model's give
    lines of sight only (:func:`places`). ``model``: a sensor model or its class (the network and the engine
    both ask here)."""
    return "range" in model.measures


RANGING, ELEVATION, BEARING = 3, 2, 1
"""What a sensor's tracks give a picture (:func:`places`)."""


def places(model, entry=None) -> int:
    """What a sensor's tracks give a picture: :data:`RANGING` (3) a sensor that measures range places a target
    alone; a passive one gives lines of sight, :data:`ELEVATION` (2) with elevation (its model measures it, or
    its catalog ``entry`` gives an ``elevation_accuracy``), :data:`BEARING` (1) bearing only. A picture places a
    target in three dimensions (:func:`places_target`) with a ranging sensor, or by crossing two or more passive
    sensors' bearings of which one measures elevation (the target's height); bearings alone leave it unknown,
    and an engagement needs it."""
    if measures_range(model):
        return RANGING
    if "elevation" in model.measures or getattr(entry, "elevation_accuracy", None) is not None:
        return ELEVATION
    return BEARING


def places_target(kinds) -> bool:
    """Whether sensors of these :func:`places` kinds together place a target in three dimensions: one ranging
    sensor, or two or more passive ones of which one measures elevation."""
    kinds = list(kinds)
    return RANGING in kinds or (len(kinds) >= 2 and ELEVATION in kinds)
