"""Operations wiring (called by ``bot.bootstrap.configure_features``).

* ``services["privacy"]``: the :class:`~bot.ops.privacy.PrivacyService` behind /mydata,
  /forgetme and the retention timer.
* With ``[metrics] enabled``: ``services["metrics"]`` (hooks the batch writer from the start,
  so flush latencies are measured from the first event) and a background starter serving
  /metrics under ``hearth run``.
* A background starter that makes sure every community with ``[privacy]
  message_text_days`` has its daily ``retention_sweep`` (a recurring scheduled row with an
  idempotency key, so any number of processes and restarts keep exactly one).
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

from bot.config import Config
from bot.storage.cache import StateCache

log = logging.getLogger("hearth.ops")
RETENTION_CRON = "17 4 * * *"  # daily, 04:17 in the community's time zone (a quiet hour)


def configure(config: Config, cache: StateCache, services: dict[str, Any]) -> None:
    from bot.ops.privacy import PrivacyService

    services.setdefault("privacy", PrivacyService(cache, services, config.database.url))
    services.setdefault("on_app", []).append(_bind)
    background = services.setdefault("background", [])
    background.append(_start_metrics)
    background.append(ensure_retention_sweeps)


def _bind(app: Any) -> None:
    privacy = app.services.get("privacy")
    if privacy is not None and getattr(privacy, "sessions", False) is None:
        privacy.sessions = app.sessions
    if app.config.metrics.enabled and "metrics" not in app.services:
        from bot.ops.metrics import HearthMetrics

        app.services["metrics"] = HearthMetrics(app)


async def _start_metrics(app: Any) -> Any:
    from bot.ops.metrics import start_metrics

    return await start_metrics(app)


async def ensure_retention_sweeps(app: Any, now: datetime | None = None) -> None:
    """Schedule the daily retention sweep of every community that keeps text for N days."""
    from bot.scheduler import repository
    from handlers.privacy import RETENTION_KIND

    wanted = [c for c in app.config.communities.values()
              if getattr(getattr(c, "privacy", None), "message_text_days", 0)]
    if not wanted:
        return None
    now = now or datetime.now(UTC)
    async with app.sessions() as session, session.begin():
        for community in wanted:
            await repository.schedule(
                session, kind=RETENTION_KIND, due_at=None, payload={},
                community_id=community.id, recurrence=RETENTION_CRON,
                timezone=community.timezone, idempotency_key=f"{RETENTION_KIND}:{community.id}",
                now=now)
    log.info("retention sweeps scheduled for %d communities", len(wanted))
    return None
