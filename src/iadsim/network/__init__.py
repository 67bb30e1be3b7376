"""The kill chain as a graph: who can feed whom, degraded-mode rules, readiness and the audit."""

from iadsim.network.audit import audit, cached_audit, chain_probability, readiness, single_points_of_failure
from iadsim.network.chain import REASONS, ChainStatus, Network, build_network, evaluate, is_able

__all__ = [
    "REASONS",
    "ChainStatus",
    "Network",
    "audit",
    "cached_audit",
    "build_network",
    "chain_probability",
    "evaluate",
    "is_able",
    "readiness",
    "single_points_of_failure",
]
