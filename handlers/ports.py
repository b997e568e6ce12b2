"""Ports: the only ways use cases reach the world.

``bot/`` implements these (SQLAlchemy repositories, scorers, schedulers); tests implement
them with fakes. Keeping them as Protocols means handlers never import an adapter.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol


class UnitOfWork(Protocol):
    """One unit of work per event or command.

    Repositories hang off it as attributes (``members``, ``activity``, ``ledger``, ``audit``,
    ``scheduled`` …). Writes become visible atomically at ``commit``; nothing is written when
    the handler raises.
    """

    async def commit(self) -> None: ...

    async def rollback(self) -> None: ...

    def __getattr__(self, name: str) -> Any: ...


@dataclass(slots=True)
class Context:
    """What a handler gets besides the event.

    ``settings`` is the effective (global + per-community override) configuration object of
    the community, ``services`` holds optional ports (scorers, filters, scheduler) keyed by
    name, and ``flags`` lets an earlier handler tell later ones about this event
    (e.g. ``blocked`` when line-1 safety removed the message so it earns nothing).
    """

    now: datetime
    community_id: str
    settings: Any
    lang: str
    uow: Any
    services: dict[str, Any] = field(default_factory=dict)
    flags: dict[str, Any] = field(default_factory=dict)


class Handler(Protocol):
    async def __call__(self, event: Any, ctx: Context) -> Sequence[Any]: ...
