"""iadsim.c2: threat evaluation, weapon-target assignment, doctrine, authorisation."""

from iadsim.c2.wta import (
    WTAInstance,
    brute_force,
    expected_survival_value,
    hungarian_assign,
    improve_by_reassignment,
    mmr_greedy,
    read_published_bounds,
    read_wta_instance,
    weapon_targets,
)

__all__ = [
    "WTAInstance",
    "brute_force",
    "expected_survival_value",
    "hungarian_assign",
    "improve_by_reassignment",
    "mmr_greedy",
    "read_published_bounds",
    "read_wta_instance",
    "weapon_targets",
]
