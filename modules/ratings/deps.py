"""Dependency providers (and builders, for tasks and listeners) of the ratings services."""

from __future__ import annotations

from app.kernel import runtime
from modules.ratings.services import AggregateService, RatingService, RecomputeQueue


def build_rating_service() -> RatingService:
    return RatingService()


def build_aggregate_service() -> AggregateService:
    return AggregateService(runtime.current().redis)


def build_recompute_queue() -> RecomputeQueue:
    return RecomputeQueue(runtime.current().redis)


async def provide_rating_service() -> RatingService:
    return build_rating_service()
