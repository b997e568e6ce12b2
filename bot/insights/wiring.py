"""Insights wiring, called by ``bot.bootstrap.configure_features`` for every app.

Installs ``services["insights"]`` (the handlers' ``InsightsPort``), adds the insights part of
the ``hearth demo`` summary, and — under ``hearth run`` — makes sure every community has its
recurring ``segments_recompute`` and ``churn_recompute`` items (cron from the config, in the
community's time zone) and the experiments defined in the config.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

from bot.config import Config
from bot.insights.service import InsightsService
from bot.storage.cache import StateCache

log = logging.getLogger("hearth.insights")
TIMERS = (("segments_recompute", "rfm"), ("churn_recompute", "churn"))


def configure(config: Config, cache: StateCache, services: dict[str, Any]) -> None:
    services.setdefault("insights", InsightsService())
    services.setdefault("background", []).append(start)
    register_summary()


def register_summary() -> None:
    from bot import demo
    from bot.insights.demo import TITLE, show_insights_summary

    if all(title != TITLE for title, _ in demo.SUMMARY_SECTIONS):
        demo.SUMMARY_SECTIONS.append((TITLE, show_insights_summary))


def schedule_key(kind: str, community_id: str) -> str:
    return f"insights:{kind}:{community_id}"


async def ensure_schedules(session: Any, community: Any, now: datetime) -> list[int]:
    """The recurring recompute items of ``community`` exist and follow the config (an
    edited cron or time zone moves the next run); cancelled when insights is disabled.
    Does not commit."""
    from sqlalchemy import select, update

    from bot.scheduler import recurrence
    from bot.scheduler.repository import ACTIVE, TABLE, cancel_by_key, schedule

    ids: list[int] = []
    for kind, section in TIMERS:
        key = schedule_key(kind, community.id)
        if not community.insights.enabled:
            await cancel_by_key(session, key, now=now)
            continue
        cron = recurrence.normalise(getattr(community.insights, section).recompute_cron)
        row = (await session.execute(select(TABLE).where(TABLE.c.idempotency_key == key))
               ).mappings().first()
        if row is None:
            ids.append(await schedule(session, kind=kind, due_at=None, payload={},
                                      community_id=community.id, idempotency_key=key,
                                      recurrence=cron, timezone=community.timezone,
                                      missed_policy="once", now=now))
            continue
        ids.append(int(row["id"]))
        if row["status"] in ACTIVE and row["recurrence"] == cron \
                and row["timezone"] == community.timezone:
            continue
        due = recurrence.next_fire(cron, community.timezone, now)
        values: dict[str, Any] = {"recurrence": cron, "timezone": community.timezone,
                                  "updated_at": now}
        if row["status"] != "running":
            values.update(status="pending", due_at=due, attempts=0, last_error=None)
        await session.execute(update(TABLE).where(TABLE.c.id == row["id"]).values(**values))
    return ids


async def start(app: Any) -> None:
    """Background starter: schedules and config experiments for every community."""
    from bot.insights.experiments import ensure_config_experiments
    from bot.storage.repos.insights import InsightsRepository

    now = datetime.now(UTC)
    for community in app.config.communities.values():
        settings = getattr(community, "insights", None)
        if settings is None:
            continue
        try:
            async with app.sessions() as session:
                await ensure_schedules(session, community, now)
                if settings.enabled:
                    started = await ensure_config_experiments(
                        InsightsRepository(session, community.id), settings.experiments, now,
                        community.timezone)
                    if started:
                        log.info("experiments started from the config in %s: %s",
                                 community.id, ", ".join(started))
                await session.commit()
        except Exception:
            log.exception("could not set up insights schedules for %s", community.id)
    return None
