"""Time wiring, called by ``bot.bootstrap.configure_features`` (after the scheduler's).

- ``services["time"]``: the :class:`TimeService` (the handlers' ``TimePort``);
- at start (``hearth run`` background starter) and after every config reload, every
  community gets its recurring items, idempotently: the daily ``lifecycle_scan``, the weekly
  ``digest`` and the announcements of ``[scheduler] announcements``. Keys are stable per
  community and entry, so a restart or a second process schedules nothing twice; a changed
  schedule updates the row, a removed entry cancels it. ``services["time_ensure"](now)`` runs
  the same on demand (the demo calls it with its simulated clock; the console should call
  it when a session starts);
- the demo summary section (reminders, nudges by stage, returns, digests in simulated time).
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
from datetime import UTC, datetime
from typing import Any

from bot.config import Config
from bot.lifecycle.service import TimeService
from bot.storage.cache import StateCache

log = logging.getLogger("hearth.lifecycle")

SCAN_KIND = "lifecycle_scan"
DIGEST_KIND = "digest"
ANNOUNCE_KIND = "announcement"
RELOAD_CHECK_SECONDS = 30.0


def configure(config: Config, cache: StateCache, services: dict[str, Any]) -> None:
    if not isinstance(services.get("time"), TimeService):
        services["time"] = TimeService()
    services.setdefault("on_app", []).append(_bind)
    services.setdefault("background", []).append(_start)
    register_summary()


def register_summary() -> None:
    from bot import demo
    from bot.lifecycle.summary import TITLE, show_time_summary

    if all(title != TITLE for title, _ in demo.SUMMARY_SECTIONS):
        demo.SUMMARY_SECTIONS.append((TITLE, show_time_summary))


def _bind(app: Any) -> None:
    service: TimeService = app.services["time"]
    service.bind(app.sessions)

    async def ensure(now: datetime) -> int:
        return await ensure_schedules(app, now)

    app.services["time_ensure"] = ensure


async def _start(app: Any) -> Any:
    """At start, and again whenever the config is reloaded (SIGHUP), bring the recurring
    items in line with the config. Returns the stop function of the watcher."""
    ensure = app.services["time_ensure"]
    state = {"config": None}

    async def run_once() -> None:
        try:
            await ensure(datetime.now(UTC))
            state["config"] = app.config
        except Exception:
            log.exception("could not schedule the recurring time items (scan, digest, "
                          "announcements); retrying in %.0f s", RELOAD_CHECK_SECONDS)

    async def watch() -> None:
        while True:
            await asyncio.sleep(RELOAD_CHECK_SECONDS)
            if state["config"] is not app.config:
                await run_once()

    await run_once()
    task = asyncio.create_task(watch(), name="hearth-time-config-watch")

    async def stop() -> None:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task

    return stop


def entry_key(community_id: str, cron: str, channel: str, text: str, tz: str | None) -> str:
    digest = hashlib.sha256("\x1f".join((cron, channel, text, tz or "")).encode()).hexdigest()
    return f"cfg:announce:{community_id}:{digest[:20]}"


async def ensure_schedules(app: Any, now: datetime) -> int:
    """Schedule (or update, or cancel) every community's recurring time items; returns how
    many are active. One transaction per community: a community with a broken setting does
    not keep the others from being scheduled."""
    from bot.storage.repos.time import ScheduledRepository
    from handlers.lifecycle_common import channel_ref

    active = 0
    earliest: datetime | None = None
    for community_id, settings in app.config.communities.items():
        section = getattr(settings, "scheduler", None)
        if section is None:
            continue
        zone = section.timezone or settings.timezone
        policy = section.missed_policy
        try:
            async with app.sessions() as session:
                repo = ScheduledRepository(session, community_id)
                scan_key, digest_key = f"cfg:scan:{community_id}", f"cfg:digest:{community_id}"
                if section.enabled and section.wakeup.enabled:
                    await repo.ensure_recurring(kind=SCAN_KIND, key=scan_key,
                                                cron=section.wakeup.scan_cron, timezone=zone,
                                                payload={}, missed_policy=policy, now=now)
                    active += 1
                else:
                    await repo.cancel_by_key(scan_key, now=now)
                if section.enabled and section.digest.enabled:
                    await repo.ensure_recurring(kind=DIGEST_KIND, key=digest_key,
                                                cron=section.digest.cron, timezone=zone,
                                                payload={}, missed_policy=policy, now=now)
                    active += 1
                else:
                    await repo.cancel_by_key(digest_key, now=now)
                keep: list[str] = []
                if section.enabled:
                    for entry in section.announcements:
                        entry_zone = entry.timezone or zone
                        channel = channel_ref(entry.channel, community_id)
                        key = entry_key(community_id, entry.cron, channel, entry.text,
                                        entry_zone)
                        await repo.ensure_recurring(
                            kind=ANNOUNCE_KIND, key=key, cron=entry.cron, timezone=entry_zone,
                            payload={"channel_id": channel, "text": entry.text,
                                     "lang": settings.language, "source": "config"},
                            missed_policy=policy, now=now)
                        keep.append(key)
                        active += 1
                await repo.cancel_family(ANNOUNCE_KIND, f"cfg:announce:{community_id}:", keep,
                                         now)
                await session.commit()
                if repo.earliest is not None and (earliest is None or repo.earliest < earliest):
                    earliest = repo.earliest
        except Exception:
            log.exception("recurring time items of %s could not be scheduled", community_id)
    sweeper = app.services.get("sweeper")
    if sweeper is not None and earliest is not None:
        sweeper.wake(earliest)
    return active
