"""The lists module's public interface: the names of the three personal lists."""

from modules.lists.rules import ListName

__all__ = ["ListName"]
