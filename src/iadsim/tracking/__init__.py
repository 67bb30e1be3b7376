"""iadsim.tracking: batched constant-velocity Kalman filtering, gating, GNN association and M-of-N
track management, all over arrays with leading ``(n_replications, n_tracks)`` axes."""

from iadsim.tracking.association import Association, associate, gate, gate_threshold, mahalanobis_sq
from iadsim.tracking.bearings import triangulate
from iadsim.tracking.kalman import (
    PROCESS_NOISE_MODELS,
    Update,
    cv_process_noise,
    cv_transition,
    fuse_in_order,
    predict,
    update,
)
from iadsim.tracking.tracks import (
    CONFIRMED,
    FREE,
    TENTATIVE,
    TrackRules,
    TrackTable,
    empty_table,
    initiate,
    record_scan,
)

__all__ = [
    "CONFIRMED",
    "FREE",
    "PROCESS_NOISE_MODELS",
    "TENTATIVE",
    "Association",
    "TrackRules",
    "TrackTable",
    "Update",
    "associate",
    "cv_process_noise",
    "cv_transition",
    "fuse_in_order",
    "empty_table",
    "gate",
    "gate_threshold",
    "initiate",
    "mahalanobis_sq",
    "predict",
    "record_scan",
    "triangulate",
    "update",
]
