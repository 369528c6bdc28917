"""How the lists module plugs into the app and the workers."""

from app.kernel.modules import ModuleSpec
from modules.catalog import MOVIE_AVAILABILITY_CHANGED, MOVIE_DELETED
from modules.lists.controllers import LIST_CONTROLLERS
from modules.lists.documents import ListEntry
from modules.lists.events import movie_availability_changed, movie_deleted

MODULE = ModuleSpec(
    name="lists",
    documents=[ListEntry],
    route_handlers=LIST_CONTROLLERS,
    listeners=[(MOVIE_DELETED, movie_deleted), (MOVIE_AVAILABILITY_CHANGED, movie_availability_changed)],
)
