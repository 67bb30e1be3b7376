"""Engagement doctrines the engine chooses from by ``doctrine.engagement``: how many missiles one
engagement fires. Either way a target that survives is looked at for the kill assessment time and may
be engaged again.
"""

from __future__ import annotations

from typing import Protocol

from iadsim.registry import DOCTRINES

__all__ = ["DOCTRINES", "Doctrine", "salvo", "shoot_look_shoot"]


class Doctrine(Protocol):
    """``rounds(salvo_size)``: missiles per engagement, given the scenario's ``doctrine.salvo_size``."""

    def __call__(self, salvo_size: int) -> int: ...


@DOCTRINES.register("shoot-look-shoot")
def shoot_look_shoot(salvo_size: int) -> int:
    """One missile, then look."""
    return 1


@DOCTRINES.register("salvo")
def salvo(salvo_size: int) -> int:
    """``salvo_size`` missiles at once, then look."""
    return salvo_size
