"""The ratings services: ratings, aggregate recomputes and their bookkeeping (no Litestar here)."""

from modules.ratings.services._aggregate import MovieAggregate, UserStats
from modules.ratings.services._aggregates import AggregateService, ReconcileReport
from modules.ratings.services._ids import canonical_id
from modules.ratings.services._marks import MOVIE, USER, Kind, RecomputeMarks, RecomputeQueue
from modules.ratings.services._ratings import RATING_CHANGED, RatedMovie, Rater, RatingService

DRAIN_TASK = "ratings.drain_recomputes"
RECONCILE_TASK = "ratings.reconcile_aggregates"
SWEEP_TASK = "ratings.sweep_pending_recomputes"

__all__ = [
    "DRAIN_TASK",
    "MOVIE",
    "RATING_CHANGED",
    "RECONCILE_TASK",
    "SWEEP_TASK",
    "USER",
    "AggregateService",
    "Kind",
    "MovieAggregate",
    "RatedMovie",
    "Rater",
    "RatingService",
    "RecomputeMarks",
    "RecomputeQueue",
    "ReconcileReport",
    "UserStats",
    "canonical_id",
]
