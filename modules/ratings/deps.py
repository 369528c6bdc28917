"""Dependency providers (and builders, for tasks and listeners) of the ratings services."""

from __future__ import annotations

from app.kernel import runtime
from modules.ratings.services import AggregateService, EnqueuedFlags, RatingService


def build_rating_service() -> RatingService:
    return RatingService()


def build_aggregate_service() -> AggregateService:
    return AggregateService(runtime.current().redis)


def build_enqueued_flags() -> EnqueuedFlags:
    return EnqueuedFlags(runtime.current().redis)


async def provide_rating_service() -> RatingService:
    return build_rating_service()
