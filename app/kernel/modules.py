"""What a module hands the composition root: documents, routes, listeners, CLI, tasks, beat."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import click
from beanie import Document
from litestar.types import ControllerRouterHandler, Guard, Middleware
from pymongo.database import Database

from app.kernel.events import Listener

# run by ``marquee restore`` on the restored database (its counts verified, before anything serves
# it); returns a line for the operator
RestoreStep = Callable[[Database[dict[str, Any]]], str]


@dataclass(frozen=True)
class ModuleSpec:
    name: str
    documents: Sequence[type[Document]] = ()
    route_handlers: Sequence[ControllerRouterHandler] = ()
    # applied to every /v1 route (e.g. authentication), in module order
    middleware: Sequence[Middleware] = ()
    guards: Sequence[Guard] = ()
    listeners: Sequence[tuple[str, Listener]] = ()
    cli_commands: Sequence[click.Command] = ()
    # dotted module paths holding Celery tasks (imported by the worker)
    task_modules: Sequence[str] = ()
    beat_schedule: Mapping[str, dict[str, Any]] = field(default_factory=dict)
    # Redis key patterns (glob) of values copied from the module's MongoDB documents, beyond the
    # kernel cache's (``app.kernel.cache.PREFIX``): a restore that replaced the database drops them
    redis_copies: Sequence[str] = ()
    # what a restore must change in the restored documents (e.g. void credentials revoked since)
    after_restore: Sequence[RestoreStep] = ()
