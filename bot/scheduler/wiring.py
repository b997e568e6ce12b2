"""Scheduler wiring: one sweeper per process fires due rows through the pipeline.

Every kind registered with ``@registry.timer(kind)`` is handled; the handler runs in a
transaction that also settles the item (``settle_success``), so its database effects and the
"done" mark commit together — a crash in between re-runs nothing twice. Actions the handler
returns go to ``services["actions"]`` (the platform router under ``hearth run``) or are
collected for the console and tests.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from bot.config import Config
from bot.storage.cache import StateCache

log = logging.getLogger("hearth.scheduler")


def configure(config: Config, cache: StateCache, services: dict[str, Any]) -> None:
    services.setdefault("on_app", []).append(_bind)
    services.setdefault("background", []).append(_start)


def build_sweeper(app: Any, clock: Callable[[], datetime]) -> Any:
    from bot.scheduler.sweeper import Sweeper, settle_success
    from handlers.registry import registry

    async def fire(item: Any, now: datetime) -> None:
        meta = {"id": item.id, "kind": item.kind, "due_at": item.due_at,
                "attempt": item.attempt, "owner_id": item.owner_id,
                "idempotency_key": item.idempotency_key}
        actions = await app.pipeline.run_timer(
            item.kind, dict(item.payload), community_id=item.community_id, now=now, item=meta,
            settle=lambda session: settle_success(session, item, now))
        await deliver(app, actions)

    handlers = {kind: fire for kind in registry.timers}
    return Sweeper(app.sessions, handlers, clock=clock,
                   community_prefixes=served_prefixes(app))


def served_prefixes(app: Any) -> list[str] | None:
    """Community-id prefixes whose items this process can deliver: the platforms its action
    router runs, plus console communities (delivered in-process). Without a router (demo,
    console, tests) every item is served.

    Why: with two processes on one database, one running Discord and the other Telegram,
    a sweeper must not claim an item whose messages it has no client to send.
    """
    from domain.events import PLATFORM_PREFIX

    platforms = getattr(app.services.get("actions"), "platforms", None)
    if platforms is None:
        return None
    return sorted({PLATFORM_PREFIX[p] for p in platforms if p in PLATFORM_PREFIX}
                  | {PLATFORM_PREFIX["console"]})


async def deliver(app: Any, actions: list[Any]) -> None:
    if not actions:
        return
    router = app.services.get("actions")
    if router is not None:
        await router.execute(actions)
    else:
        app.services.setdefault("delivered", []).extend(actions)


def _bind(app: Any) -> None:
    """Give the console a ``sweep(now)`` that fires everything due at a simulated time."""

    async def sweep(now: datetime) -> list[Any]:
        sweeper = build_sweeper(app, lambda: now)
        before = len(app.services.get("delivered", []))
        while await sweeper.sweep_once():
            pass
        delivered = app.services.get("delivered", [])
        return delivered[before:]

    app.services["sweep"] = sweep


async def _start(app: Any) -> Any:
    sweeper = build_sweeper(app, lambda: datetime.now(UTC))
    stop = asyncio.Event()
    task = asyncio.create_task(sweeper.run_forever(stop), name="hearth-sweeper")
    app.services["sweeper"] = sweeper

    async def shutdown() -> None:
        stop.set()
        sweeper.wake()
        try:
            await asyncio.wait_for(task, timeout=15)
        except (TimeoutError, asyncio.CancelledError):
            task.cancel()
        except Exception:
            log.exception("scheduler sweeper stopped with an error")

    return shutdown
