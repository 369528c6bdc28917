"""The ratings module's public interface: the event it announces.

``rating.changed`` (payload ``{"movie_id", "user_id"}``) is published after every rating
create, update or delete.
"""

from modules.ratings.services import RATING_CHANGED

__all__ = ["RATING_CHANGED"]
