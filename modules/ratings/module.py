"""How the ratings module plugs into the app and the workers."""

from app.kernel.modules import ModuleSpec
from modules.catalog import MOVIE_DELETED
from modules.ratings.controllers import MovieRatingController, MyRatingsController, UserRatingsController
from modules.ratings.documents import Rating, RecomputeMark
from modules.ratings.events import on_movie_deleted, on_rating_changed
from modules.ratings.services import RATING_CHANGED, RECONCILE_TASK, SWEEP_TASK

RECONCILE_EVERY_SECONDS = 600.0
SWEEP_EVERY_SECONDS = 60.0

MODULE = ModuleSpec(
    name="ratings",
    documents=[Rating, RecomputeMark],
    route_handlers=[MovieRatingController, UserRatingsController, MyRatingsController],
    listeners=[(RATING_CHANGED, on_rating_changed), (MOVIE_DELETED, on_movie_deleted)],
    task_modules=["modules.ratings.tasks"],
    beat_schedule={
        RECONCILE_TASK: {
            "task": RECONCILE_TASK,
            "schedule": RECONCILE_EVERY_SECONDS,
            # a run that could not start before the next one is due is dropped, not stacked
            "options": {"expires": RECONCILE_EVERY_SECONDS - 60},
        },
        SWEEP_TASK: {"task": SWEEP_TASK, "schedule": SWEEP_EVERY_SECONDS, "options": {"expires": SWEEP_EVERY_SECONDS}},
    },
)
