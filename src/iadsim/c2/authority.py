"""Authority rules the engine chooses from by ``authority.mode``: whether an operator decides, how long a
nominated engagement waits, and whether it is then approved.

``autonomous``: the system launches at once. ``human-on-the-loop``: the system launches when the veto
window ends unless the operator has vetoed within it (an operator who decides a target is not hostile
vetoes it, unless the decision takes longer than the window). ``human-in-the-loop``: nothing launches
until the operator decides, and only what the operator judges hostile.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, Protocol

from iadsim.registry import AUTHORITY_RULES

__all__ = ["AUTHORITY_RULES", "AuthorityRule", "Autonomous", "InTheLoop", "OnTheLoop"]


class AuthorityRule(Protocol):
    """Who approves a launch, and when.

    ``operator`` says whether an operator decides (a decision occupies one of the deciding crew's
    ``doctrine.concurrent_decisions`` slots; a rule without the attribute has one);
    ``delay(decision_time, veto_window)`` is the time [s] from nomination to the end of authorisation;
    ``approves(operator_says_hostile, decision_time, veto_window)`` whether the launch then goes ahead.
    ``decision_time`` [s] is the time from nomination to the operator's decision (the drawn decision time
    plus any wait for a free slot), ``veto_window`` [s] the scenario's.
    """

    operator: bool

    def delay(self, decision_time: float, veto_window: float) -> float: ...

    def approves(self, operator_says_hostile: bool, decision_time: float, veto_window: float) -> bool: ...


@dataclass(frozen=True)
class Autonomous:
    operator: ClassVar[bool] = False

    def delay(self, decision_time: float, veto_window: float) -> float:
        return 0.0

    def approves(self, operator_says_hostile: bool, decision_time: float, veto_window: float) -> bool:
        return True


@dataclass(frozen=True)
class OnTheLoop:
    operator: ClassVar[bool] = True

    def delay(self, decision_time: float, veto_window: float) -> float:
        return veto_window

    def approves(self, operator_says_hostile: bool, decision_time: float, veto_window: float) -> bool:
        return operator_says_hostile or decision_time > veto_window


@dataclass(frozen=True)
class InTheLoop:
    operator: ClassVar[bool] = True

    def delay(self, decision_time: float, veto_window: float) -> float:
        return decision_time

    def approves(self, operator_says_hostile: bool, decision_time: float, veto_window: float) -> bool:
        return operator_says_hostile


AUTHORITY_RULES.register("autonomous", Autonomous())
AUTHORITY_RULES.register("human-on-the-loop", OnTheLoop())
AUTHORITY_RULES.register("human-in-the-loop", InTheLoop())
