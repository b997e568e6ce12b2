"""The Prometheus endpoint and structured logs.

The endpoint is started exactly as ``hearth run`` starts it (the ops background starter), on
an ephemeral port, in front of a real app that processes events; what a scrape returns is
parsed with prometheus-client's own parser.
"""

from __future__ import annotations

import asyncio
import io
import json
import logging
import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.logs import JsonFormatter, log_context, redact
from domain.events import CommandInvoked, MessagePosted, ReactionAdded

T0 = datetime(2026, 3, 1, 9, tzinfo=UTC)
C = "console:metrics"


def scrape(port: int) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    from prometheus_client.parser import text_string_to_metric_families

    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10) as response:
        assert response.status == 200
        body = response.read().decode()
    samples = {}
    for family in text_string_to_metric_families(body):
        for sample in family.samples:
            samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return samples


def value(samples: dict, name: str, **labels: str) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


async def test_metrics_endpoint_counts_what_the_app_does(make_app: Any, sqlite_url: str) -> None:
    from bot.ops.metrics import start_metrics
    from bot.scheduler import repository

    app = await make_app(sqlite_url, communities=[{"platform": "console", "id": "metrics"}],
                         metrics={"enabled": True, "port": 0, "refresh_seconds": 0.05},
                         pipeline={"batch_size": 5, "flush_interval_ms": 10})
    assert "metrics" in app.services  # bound at build time: flushes are measured from the start
    stop = await start_metrics(app)
    try:
        port = app.services["metrics"].port
        assert port and port > 0
        events = [MessagePosted(C, f"console:m{i % 3}", T0 + timedelta(seconds=i),
                                channel_id="general", message_id=str(i), text=f"hello {i}")
                  for i in range(12)]
        events.append(ReactionAdded(C, "console:m1", T0 + timedelta(minutes=1),
                                    channel_id="general", message_id="0", emoji="👍",
                                    target_member_id="console:m0"))
        await app.pipeline.process_many(events)
        await app.pipeline.process_many(events[:4])  # duplicates
        await app.pipeline.process_many([CommandInvoked(
            C, "console:m0", T0 + timedelta(minutes=2), name="help", channel_id="general",
            interaction_id="h1")])
        await app.pipeline.flush()
        async with app.sessions() as session, session.begin():
            for _ in range(3):
                await repository.schedule(session, kind="reminder", due_at=T0,
                                          payload={"text": "x"}, community_id=C,
                                          owner_id="console:m0", now=T0)
        await app.services["metrics"].refresh(T0 + timedelta(hours=1))
        samples = await asyncio.to_thread(scrape, port)
    finally:
        await stop()
    assert value(samples, "hearth_events_total", outcome="processed") == 13
    assert value(samples, "hearth_events_total", outcome="duplicate") == 4
    assert value(samples, "hearth_events_total", outcome="command") == 1
    assert value(samples, "hearth_events_by_type_total", type="MessagePosted") == 16
    assert value(samples, "hearth_batch_flushed_events_total") >= 13
    assert value(samples, "hearth_batch_flush_seconds_count") >= 3
    assert value(samples, "hearth_batch_flush_seconds_sum") > 0
    assert value(samples, "hearth_queue_depth", queue="scheduler_due", community_id=C,
                 kind="reminder") == 3
    assert value(samples, "hearth_batch_buffered_events") == 0
    assert ("hearth_action_failures_total", ()) not in samples  # no platform running
    # The server is gone after stop.
    with pytest.raises(OSError):
        await asyncio.to_thread(scrape, port)


async def test_metrics_off_by_default_and_port_conflicts_are_clear(make_app: Any,
                                                                   sqlite_url: str) -> None:
    import socket

    from bot.ops.metrics import start_metrics
    from bot.runner import StartupError

    app = await make_app(sqlite_url)
    assert "metrics" not in app.services and await start_metrics(app) is None

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        busy = await make_app(sqlite_url, metrics={"enabled": True, "port": port})
        with pytest.raises(StartupError, match=rf"cannot serve metrics on 127.0.0.1:{port}"):
            await start_metrics(busy)


async def test_action_failures_are_counted_by_platform(make_app: Any, sqlite_url: str) -> None:
    from bot.ops.metrics import HearthMetrics, action_failures
    from bot.platform.failures import ActionFailures

    class Executor:
        def __init__(self, platform: str, count: int) -> None:
            self.platform = platform
            self.failures = ActionFailures(platform)
            self.failures.failed_count = count

    class Router:
        def __init__(self, *executors: Executor) -> None:
            self._by_platform = {e.platform: e for e in executors}

    app = await make_app(sqlite_url)
    app.services["actions"] = Router(Executor("discord", 3), Executor("telegram", 1))
    assert action_failures(app.services) == {"discord": 3, "telegram": 1}
    text = HearthMetrics(app).render().decode()
    assert 'hearth_action_failures_total{platform="discord"} 3.0' in text


async def test_metrics_work_against_the_demo_database(tmp_path: Path) -> None:
    """``hearth demo`` builds a database; a bot process pointed at it serves metrics."""
    from bot.bootstrap import build_app
    from bot.config import default_config
    from bot.demo import run_demo
    from bot.ops.metrics import start_metrics

    demo = tmp_path / "demo.db"
    await run_demo(demo, members=30, days=4, seed=3, progress=False)
    config = default_config(f"sqlite+aiosqlite:///{demo}", communities=[
        {"platform": "console", "id": "demo", "name": "Hearth demo"}],
        metrics={"enabled": True, "port": 0})
    app = await build_app(config)
    stop = await start_metrics(app)
    try:
        await app.services["metrics"].refresh()
        samples = await asyncio.to_thread(scrape, app.services["metrics"].port)
    finally:
        await stop()
        await app.close()
    assert ("hearth_events_total", (("outcome", "processed"),)) in samples
    assert any(name == "hearth_metrics_refreshed_timestamp_seconds" for name, _ in samples)


def test_json_logs_carry_ids_and_never_tokens_or_text() -> None:
    token = "MTIzNDU2Nzg5MDEyMzQ1Njc4.GhJkLm.abcdefghijklmnopqrstuvwxyz0123456789AB"
    event = MessagePosted(C, "console:ann", T0, channel_id="g", message_id="42",
                          text="I want to hurt myself")
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger("hearth.test.jsonlogs")
    logger.addHandler(handler)
    logger.propagate = False
    try:
        try:
            raise RuntimeError(f"boom with {token}")
        except RuntimeError:
            logger.exception("event skipped: %s", "MessagePosted", extra=log_context(event))
    finally:
        logger.removeHandler(handler)
    record = json.loads(stream.getvalue())
    assert record["community_id"] == C and record["event_id"] == "m:42"
    assert record["member_id"] == "console:ann" and record["kind"] == "MessagePosted"
    assert token not in stream.getvalue() and "[redacted-token]" in record["error"]
    assert "hurt" not in stream.getvalue()  # log context carries ids, never message text
    assert redact("123456789:AAHfakeTokenForTestsOnly0123456789abcd") == "[redacted-token]"


async def test_pipeline_logs_a_failing_handler_with_its_event_ids(
        make_app: Any, sqlite_url: str, caplog: pytest.LogCaptureFixture) -> None:
    from handlers.registry import registry

    app = await make_app(sqlite_url, communities=[{"platform": "console", "id": "metrics"}])

    async def broken(event: Any, ctx: Any) -> list[Any]:
        raise ValueError("handler bug")

    registry.on(ReactionAdded, order=99)(broken)
    try:
        with caplog.at_level(logging.ERROR, logger="hearth.pipeline"):
            await app.pipeline.process_many([ReactionAdded(
                C, "console:x", T0, channel_id="g", message_id="7", emoji="👍")])
    finally:
        chain = registry.events[ReactionAdded]
        chain[:] = [(o, f) for o, f in chain if f is not broken]
        registry._resolved.clear()
    records = [r for r in caplog.records if r.name == "hearth.pipeline"]
    assert records and records[0].community_id == C
    assert records[0].event_id == "r:7:console:x:👍" and records[0].member_id == "console:x"
