"""The ratings services: ratings, aggregate recomputes and their bookkeeping (no Litestar here)."""

from modules.ratings.services._aggregate import MovieAggregate, UserStats
from modules.ratings.services._aggregates import AGGREGATE_CACHE, AggregateService, ReconcileReport
from modules.ratings.services._ids import canonical_id
from modules.ratings.services._marks import MOVIE, USER, EnqueuedFlags, Kind, RecomputeMarks
from modules.ratings.services._ratings import RATING_CHANGED, RatedMovie, Rater, RatingService

RECOMPUTE_MOVIE_TASK = "ratings.recompute_movie_aggregate"
RECOMPUTE_USERS_TASK = "ratings.recompute_user_stats"
RECONCILE_TASK = "ratings.reconcile_aggregates"
SWEEP_TASK = "ratings.sweep_pending_recomputes"

__all__ = [
    "AGGREGATE_CACHE",
    "MOVIE",
    "RATING_CHANGED",
    "RECOMPUTE_MOVIE_TASK",
    "RECOMPUTE_USERS_TASK",
    "RECONCILE_TASK",
    "SWEEP_TASK",
    "USER",
    "AggregateService",
    "EnqueuedFlags",
    "Kind",
    "MovieAggregate",
    "RatedMovie",
    "Rater",
    "RatingService",
    "RecomputeMarks",
    "ReconcileReport",
    "UserStats",
    "canonical_id",
]
