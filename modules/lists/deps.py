"""Dependency providers for the list service."""

from __future__ import annotations

import modules.catalog
from modules.lists.services import ListService


def build_list_service() -> ListService:
    """The service reading movies through the catalog's public interface."""
    return ListService(modules.catalog)


async def provide_list_service() -> ListService:
    return build_list_service()
