"""Prometheus metrics for one Hearth process (``[metrics] enabled = true``).

What an operator needs to see at a glance: is it keeping up (events/s, flush latency, the
batch writer's buffer), is work piling up (scheduler items due, review queue, scorer queue),
are people waiting (SLA breaches), and are actions failing on a platform (missing
permissions, API errors).

How: cheap in-process numbers (pipeline and sweeper counters, writer buffer, action failures)
are read by a custom collector at scrape time, from the HTTP server's thread — they are
plain integers, so reading them needs no lock. Numbers that need a query (queue depths, SLA
breaches) are refreshed every ``refresh_seconds`` by a task on the bot's event loop and
served from that cache, so a scrape never touches the database. Flush latency comes from the
batch writer's ``on_flush`` hook. Each process has its own registry: in a multi-process
deployment scrape every process (labels tell them apart on the Prometheus side).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

log = logging.getLogger("hearth.metrics")

FLUSH_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
REVIEW_OPEN = ("open", "claimed", "escalated")
SLA_ACTOR = "hearth"  # automatic escalations (a missed SLA step) are audited by the system


class HearthMetrics:
    """The registry and hooks of one app; ``refresh()`` updates the database-backed gauges."""

    def __init__(self, app: Any) -> None:
        from prometheus_client import CollectorRegistry, Counter, Histogram

        self.app = app
        self.registry = CollectorRegistry()
        self.flush_seconds = Histogram(
            "hearth_batch_flush_seconds", "Time to write one batch (one transaction).",
            buckets=FLUSH_BUCKETS, registry=self.registry)
        self.flushed_events = Counter(
            "hearth_batch_flushed_events", "Events written by batch flushes (durable).",
            registry=self.registry)
        self.flush_failures = Counter(
            "hearth_batch_flush_failures", "Batch flushes rolled back by a database error.",
            registry=self.registry)
        self.queues: dict[tuple[str, str, str], float] = {}  # (queue, community, kind)
        self.sla_breaches: dict[str, float] = {}
        self.events_per_second = 0.0
        self.refreshed_at: float | None = None
        self.refresh_errors = 0
        self._last_rate: tuple[float, int] | None = None
        self.registry.register(_Collector(self))
        self._install_hooks()
        self.server: Any = None
        self.port: int | None = None

    # -- hooks -------------------------------------------------------------------------------
    def _install_hooks(self) -> None:
        writer = self.app.writer
        previous_flush = writer.on_flush
        previous_failure = writer.on_failure

        def on_flush(report: Any) -> None:
            self.flush_seconds.observe(report.seconds)
            self.flushed_events.inc(report.events)
            if previous_flush is not None:
                previous_flush(report)

        def on_failure(batch: list[Any], exc: BaseException) -> None:
            self.flush_failures.inc()
            if previous_failure is not None:
                previous_failure(batch, exc)

        writer.on_flush = on_flush
        writer.on_failure = on_failure

    # -- database-backed numbers -------------------------------------------------------------
    async def refresh(self, now: datetime | None = None) -> None:
        """Read queue depths and SLA breaches (a few COUNT queries on indexed columns)."""
        from sqlalchemy import func, select

        from bot.storage.models import AuditEntry, Base, ScheduledItem

        now = now or datetime.now(UTC)
        queues: dict[tuple[str, str, str], float] = {}
        breaches: dict[str, float] = {}
        sched = ScheduledItem.__table__
        async with self.app.sessions() as session:
            due = await session.execute(
                select(sched.c.community_id, sched.c.kind, func.count()).where(
                    sched.c.status == "pending", sched.c.due_at <= now)
                .group_by(sched.c.community_id, sched.c.kind))
            for community, kind, count in due:
                queues[("scheduler_due", community or "", kind)] = float(count)
            running = await session.scalar(
                select(func.count()).select_from(sched).where(sched.c.status == "running"))
            queues[("scheduler_running", "", "")] = float(running or 0)
            review = Base.metadata.tables.get("review_items")
            if review is not None:
                rows = await session.execute(
                    select(review.c.community_id, func.count()).where(
                        review.c.status.in_(REVIEW_OPEN)).group_by(review.c.community_id))
                for community, count in rows:
                    queues[("review", community, "")] = float(count)
            audit = AuditEntry.__table__
            rows = await session.execute(
                select(audit.c.community_id, func.count()).where(
                    audit.c.action == "review.escalated", audit.c.actor_id == SLA_ACTOR)
                .group_by(audit.c.community_id))
            for community, count in rows:
                breaches[community] = float(count)
        for name, depth in _service_queues(self.app.services):
            queues[(name, "", "")] = float(depth)
        self.queues, self.sla_breaches = queues, breaches
        self._rate()
        self.refreshed_at = time.time()

    def _rate(self) -> None:
        processed = self.app.pipeline.stats.processed + self.app.pipeline.stats.commands
        now = time.monotonic()
        if self._last_rate is not None and now > self._last_rate[0]:
            self.events_per_second = (processed - self._last_rate[1]) / (now - self._last_rate[0])
        self._last_rate = (now, processed)

    async def refresh_forever(self, interval: float, stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                await self.refresh()
            except Exception:
                self.refresh_errors += 1
                log.warning("metrics: reading queue depths failed (will retry)", exc_info=True)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), interval)

    # -- HTTP endpoint -----------------------------------------------------------------------
    def serve(self, host: str, port: int) -> int:
        """Start the /metrics endpoint in a daemon thread; returns the bound port."""
        from prometheus_client import start_http_server

        server, _thread = start_http_server(port, addr=host, registry=self.registry)
        self.server = server
        self.port = int(server.server_address[1])
        return self.port

    def close(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.server = None

    def render(self) -> bytes:
        """The exposition text (what GET /metrics returns)."""
        from prometheus_client import generate_latest

        return generate_latest(self.registry)


class _Collector:
    """Numbers read at scrape time from the running app (and the refreshed cache)."""

    def __init__(self, metrics: HearthMetrics) -> None:
        self.metrics = metrics

    def collect(self) -> Iterator[Any]:
        from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily

        app = self.metrics.app
        stats = app.pipeline.stats
        events = CounterMetricFamily("hearth_events", "Events seen by the pipeline, by outcome.",
                                     labels=["outcome"])
        for outcome, value in (("processed", stats.processed), ("command", stats.commands),
                               ("duplicate", stats.duplicates), ("failed", stats.failed),
                               ("unknown_community", stats.unknown_community)):
            events.add_metric([outcome], value)
        yield events
        by_type = CounterMetricFamily("hearth_events_by_type", "Events by type.",
                                      labels=["type"])
        for name, value in sorted(dict(stats.by_type).items()):
            by_type.add_metric([name], value)
        yield by_type
        yield CounterMetricFamily("hearth_actions", "Actions produced by handlers.",
                                  value=stats.actions)
        yield GaugeMetricFamily("hearth_events_per_second",
                                "Events processed per second over the last refresh interval.",
                                value=self.metrics.events_per_second)
        yield GaugeMetricFamily("hearth_batch_buffered_events",
                                "Events waiting in the batch writer (not yet durable).",
                                value=len(app.writer))
        queue = GaugeMetricFamily("hearth_queue_depth",
                                  "Work waiting: scheduler_due (by kind), scheduler_running, "
                                  "review, scorer queues.",
                                  labels=["queue", "community_id", "kind"])
        for (name, community, kind), depth in sorted(self.metrics.queues.items()):
            queue.add_metric([name, community, kind], depth)
        yield queue
        sla = CounterMetricFamily("hearth_sla_breaches",
                                  "Review items escalated because an SLA step was missed.",
                                  labels=["community_id"])
        for community, count in sorted(self.metrics.sla_breaches.items()):
            sla.add_metric([community], count)
        yield sla
        failures = CounterMetricFamily("hearth_action_failures",
                                       "Actions a platform refused or that failed, by platform.",
                                       labels=["platform"])
        for platform, count in sorted(action_failures(app.services).items()):
            failures.add_metric([platform], count)
        yield failures
        sweeper = app.services.get("sweeper")
        if sweeper is not None:
            items = CounterMetricFamily("hearth_scheduler_items",
                                        "Scheduled items handled by this process's sweeper.",
                                        labels=["outcome"])
            for outcome in ("succeeded", "retried", "failed", "skipped", "reclaimed"):
                items.add_metric([outcome], getattr(sweeper.stats, outcome, 0))
            yield items
        if self.metrics.refreshed_at is not None:
            yield GaugeMetricFamily("hearth_metrics_refreshed_timestamp_seconds",
                                    "When queue depths were last read from the database.",
                                    value=self.metrics.refreshed_at)


def action_failures(services: dict[str, Any]) -> dict[str, int]:
    """Failed actions per platform, from each platform executor's ``ActionFailures``."""
    router = services.get("actions")
    executors = getattr(router, "executors", None) or getattr(router, "_by_platform", None)
    out: dict[str, int] = {}
    if isinstance(executors, dict):
        executors = list(executors.values())
    for executor in executors or []:
        failures = getattr(executor, "failures", None)
        count = getattr(failures, "failed_count", None)
        platform = getattr(executor, "platform", None) or getattr(failures, "platform", None)
        if isinstance(count, int) and isinstance(platform, str):
            out[platform] = out.get(platform, 0) + count
    return out


def _service_queues(services: dict[str, Any]) -> Iterator[tuple[str, int]]:
    """Queues that services expose as an int ``pending`` (the scorer's micro-batcher)."""
    for name, service in sorted(services.items()):
        for candidate in (service, getattr(service, "batcher", None)):
            pending = getattr(candidate, "pending", None) if candidate is not None else None
            if isinstance(pending, int) and not isinstance(pending, bool):
                yield f"scorer:{name}" if name != "scorer" else "scorer", pending
                break


async def start_metrics(app: Any) -> Any:
    """Background starter for ``hearth run``: serve /metrics and refresh the gauges."""
    settings = app.config.metrics
    if not settings.enabled:
        return None
    metrics = app.services.get("metrics")
    if metrics is None:
        metrics = app.services["metrics"] = HearthMetrics(app)
    try:
        port = metrics.serve(settings.host, settings.port)
    except OSError as exc:
        from bot.runner import StartupError

        raise StartupError(f"cannot serve metrics on {settings.host}:{settings.port}: {exc}; "
                           "free the port or change [metrics] port") from None
    log.info("metrics on http://%s:%d/metrics", settings.host, port)
    stop = asyncio.Event()
    task = asyncio.create_task(metrics.refresh_forever(settings.refresh_seconds, stop),
                               name="hearth-metrics")

    async def shutdown() -> None:
        stop.set()
        with contextlib.suppress(Exception):
            await task
        metrics.close()

    return shutdown
