"""How the catalog module plugs into the app and the workers."""

from app.kernel.modules import ModuleSpec
from modules.catalog.controllers import (
    ActorController,
    CountryController,
    DirectorController,
    GenreController,
    MovieController,
)
from modules.catalog.documents import Actor, Country, Director, Genre, Movie
from modules.catalog.tasks import BEAT_SCHEDULE

MODULE = ModuleSpec(
    name="catalog",
    documents=[Movie, Genre, Country, Director, Actor],
    route_handlers=[MovieController, GenreController, CountryController, DirectorController, ActorController],
    task_modules=["modules.catalog.tasks"],
    beat_schedule=BEAT_SCHEDULE,
)
