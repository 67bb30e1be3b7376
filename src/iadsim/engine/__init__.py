"""Simulation state as arrays across replications, and the step loop: readiness -> looks -> tracks ->
the fire-control cycle in continuous time (see Engine.step; the phases are functions of
:mod:`iadsim.engine.phases` over the grouped state of :mod:`iadsim.engine.state`)."""

from iadsim.engine.core import Engine
from iadsim.engine.state import State
from iadsim.engine.world import Looks, World, build_world

__all__ = ["Engine", "Looks", "State", "World", "build_world"]
