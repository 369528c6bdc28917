"""Catalog HTTP routes."""

from modules.catalog.controllers._movies import MovieController
from modules.catalog.controllers._reference import (
    ActorController,
    CountryController,
    DirectorController,
    GenreController,
)

__all__ = ["ActorController", "CountryController", "DirectorController", "GenreController", "MovieController"]
