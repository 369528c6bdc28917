"""In-process domain-event bus for module-to-module notifications.

A lower module announces what happened (``movie.deleted``, ``rating.changed``); higher modules
subscribe. The bus lives in the kernel so the API process and the Celery workers share it: each
process registers the modules' listeners at start-up. Listeners run in subscription order and
are awaited, so a listener that must be synchronous with the write (a deleted movie vanishing
from lists) is; slow work belongs in a Celery task the listener enqueues.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import structlog

log = structlog.get_logger("marquee.events")

Listener = Callable[[dict[str, Any]], Awaitable[None]]


@dataclass
class EventBus:
    _listeners: dict[str, list[Listener]] = field(default_factory=lambda: defaultdict(list))

    def subscribe(self, event: str, listener: Listener) -> None:
        if listener not in self._listeners[event]:
            self._listeners[event].append(listener)

    def clear(self) -> None:
        self._listeners.clear()

    def listeners(self, event: str) -> list[Listener]:
        return list(self._listeners.get(event, ()))

    async def publish(self, event: str, payload: dict[str, Any]) -> None:
        """Deliver ``payload`` to every listener; one failing listener does not stop the others."""
        errors: list[BaseException] = []
        for listener in self.listeners(event):
            try:
                await listener(payload)
            except Exception as exc:
                log.exception("event_listener_failed", event_name=event, listener=listener.__qualname__)
                errors.append(exc)
        if errors:
            raise errors[0]


bus = EventBus()
