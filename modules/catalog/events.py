"""Domain events the catalog publishes on ``app.kernel.events.bus`` (higher modules subscribe).

- ``movie.deleted`` ``{"movie_id": str}``: after a movie is deleted; lists and ratings drop it.
- ``movie.availability_changed`` ``{"movie_id": str, "countries": [str]}``: after an update
  changed the countries where the movie is available.
"""

from __future__ import annotations

MOVIE_DELETED = "movie.deleted"
MOVIE_AVAILABILITY_CHANGED = "movie.availability_changed"
