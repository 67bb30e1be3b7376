"""Relocating units (shoot-and-scoot) as units of their own at each prepared site.

A unit with ``relocation`` stands at one of its sites at a time: its own position, then each of its relocation's
``sites``. :func:`expanded` adds a copy of the unit at each other site (id ``ID@1``, ``ID@2``...), wired as the unit
is (every link to or from it is copied to each copy; a unit defending it defends each copy), so that the network,
the geometry and the kill chains of every site are built once, like any unit's; the engine keeps exactly one
of them present at a time (:func:`iadsim.engine.phases.relocate`)."""

from __future__ import annotations

from dataclasses import replace

from iadsim.scenario.load import Scenario

__all__ = ["SEPARATOR", "expanded", "home_of"]

SEPARATOR = "@"
"""Between a unit's id and its site number in a copy's id (scenario ids never contain it)."""


def home_of(unit_id: str) -> tuple[str, int]:
    """(the unit's own id, its site number: 0 its own position, j its relocation's j-th site)."""
    home, _, number = unit_id.partition(SEPARATOR)
    return home, int(number) if number else 0


def expanded(scenario: Scenario) -> Scenario:
    """The scenario with a copy of each relocating unit at each of its other sites (the copies after the scenario's
    units, in its order), links copied to and from them, and ``defends`` naming them; unchanged without."""
    if not scenario.relocations:
        return scenario
    spec, (ox, oy) = scenario.spec, scenario.origin_xy
    copies: dict[str, list[str]] = {}
    units, sites = list(spec.units), dict(scenario.sites)
    for unit in spec.units:
        for j, site in enumerate(scenario.relocations.get(unit.id, []), start=1):
            copy = f"{unit.id}{SEPARATOR}{j}"
            copies.setdefault(unit.id, []).append(copy)
            units.append(unit.model_copy(update={"id": copy, "x": site.x - ox, "y": site.y - oy, "lat": None,
                                                 "lon": None}))
            sites[copy] = site

    def every_site(ids: list[str]) -> list[str]:
        return [each for i in ids for each in (i, *copies.get(i, []))]

    units = [u.model_copy(update={"defends": every_site(u.defends)}) if u.defends else u for u in units]
    links = list(spec.links)
    for link in spec.links:
        for a in every_site([link.from_]):
            for b in every_site([link.to]):
                if (a, b) != (link.from_, link.to):
                    links.append(link.model_copy(update={"from_": a, "to": b}))
    return replace(scenario, spec=spec.model_copy(update={"units": units, "links": links}), sites=sites)
