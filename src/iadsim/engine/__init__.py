"""Simulation state as arrays across replications, and the step loop:
move -> sense -> track -> assess -> authorise -> assign (see Engine.step)."""

from iadsim.engine.core import Engine, State
from iadsim.engine.world import World, build_world

__all__ = ["Engine", "State", "World", "build_world"]
