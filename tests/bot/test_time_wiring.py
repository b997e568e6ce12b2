"""Time wiring: start-up schedules (idempotent across processes), exactly-once journey steps,
the demo's simulated tail, and the ``hearth bench scheduler`` command.
"""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from typer.testing import CliRunner

from bot.storage.models import ScheduledItem
from bot.storage.models_time import Nudge
from handlers.registry import registry

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
COMMUNITIES = [
    {"platform": "console", "id": "a", "timezone": "Europe/Berlin",
     "scheduler": {"announcements": [{"cron": "0 10 * * mon", "channel": "news",
                                      "text": "Weekly"}]}},
    {"platform": "console", "id": "b", "timezone": "Asia/Shanghai",
     "scheduler": {"digest": {"enabled": False}}},
]


def test_every_time_kind_has_a_timer() -> None:
    import handlers

    handlers.load_all()
    assert {"reminder", "announcement", "lifecycle_scan", "wakeup", "digest",
            "trigger_check"} <= set(registry.timers)


async def _counts(app: Any) -> dict[tuple[str | None, str, str], int]:
    async with app.sessions() as session:
        rows = (await session.execute(
            select(ScheduledItem.community_id, ScheduledItem.kind, ScheduledItem.status,
                   func.count()).group_by(ScheduledItem.community_id, ScheduledItem.kind,
                                          ScheduledItem.status))).all()
    return {(c, k, s): n for c, k, s, n in rows}


async def test_two_processes_starting_together_schedule_each_item_once(make_app: Any,
                                                                       db_url: str) -> None:
    quiet = {"sentiment": {"enabled": False}}
    first = await make_app(db_url, communities=COMMUNITIES, **quiet)
    second = await make_app(db_url, communities=COMMUNITIES, **quiet)
    await asyncio.gather(first.services["time_ensure"](T0), second.services["time_ensure"](T0))
    await first.services["time_ensure"](T0 + timedelta(hours=1))
    assert await _counts(first) == {
        ("console:a", "lifecycle_scan", "pending"): 1, ("console:a", "digest", "pending"): 1,
        ("console:a", "announcement", "pending"): 1, ("console:b", "lifecycle_scan", "pending"): 1,
    }
    async with first.sessions() as session:
        scan = (await session.execute(select(ScheduledItem).where(
            ScheduledItem.community_id == "console:b",
            ScheduledItem.kind == "lifecycle_scan"))).scalar_one()
    # 10:00 in Shanghai, the day after T0 (20:00 there)
    assert scan.due_at == datetime(2026, 3, 2, 2, 0, tzinfo=UTC)
    assert (scan.recurrence, scan.timezone) == ("0 10 * * *", "Asia/Shanghai")


async def test_a_journey_step_run_twice_records_and_sends_once(make_app: Any,
                                                               sqlite_url: str) -> None:
    from tests.handlers.test_time_support import say

    app = await make_app(sqlite_url, communities=[
        {"platform": "console", "id": "demo", "scheduler": {"wakeup": {"holdout_percent": 0}}}],
        sentiment={"enabled": False})
    await say(app, "console:ana", T0 - timedelta(days=40), "hello")
    since = (T0 - timedelta(days=40)).isoformat()
    payload = {"member_id": "console:ana", "step": 0, "since": since, "arm": "treatment",
               "stage3": "digest", "experiment": "x", "due": T0.isoformat()}
    item = {"id": 1, "kind": "wakeup", "due_at": T0, "idempotency_key": "k"}
    first = await app.pipeline.run_timer("wakeup", dict(payload), community_id="console:demo",
                                         now=T0, item=item)
    again = await app.pipeline.run_timer("wakeup", dict(payload), community_id="console:demo",
                                         now=T0 + timedelta(seconds=5), item=item)
    assert len(first) == 1 and again == []
    async with app.sessions() as session:
        assert (await session.execute(select(func.count()).select_from(Nudge))).scalar() == 1
        steps = (await session.execute(select(ScheduledItem.idempotency_key).where(
            ScheduledItem.kind == "wakeup"))).scalars().all()
    assert len(steps) == 1 and steps[0].endswith(":1")  # the next step, scheduled once


async def test_demo_tail_fires_reminders_nudges_and_digests(make_app: Any,
                                                            sqlite_url: str) -> None:
    from bot.lifecycle.summary import run_time_tail
    from bot.simulate import simulate

    app = await make_app(sqlite_url, communities=[
        {"platform": "console", "id": "demo", "name": "Hearth demo"}],
        sentiment={"enabled": False})  # the scorer is not the subject and is slow here
    events = list(simulate(members=30, days=30, seed=3))
    for start in range(0, len(events), 2000):
        await app.pipeline.process_many(events[start:start + 2000])
    await app.pipeline.flush()
    result = await run_time_tail(app, step=timedelta(hours=12), response_rate=0.5,
                                 baseline_rate=0.0)
    assert result["reminders_set"] > 0
    assert result["reminders_fired"] == result["reminders_set"]
    assert result["delivered"]["reminder DMs"] == result["reminders_set"]
    assert result["digests"] >= 6  # weekly over ~55 simulated days
    stages = result["nudges"]
    assert stages["reminder"]["sent"] > 0 and stages["perk"]["sent"] > 0
    assert stages["reminder"]["sent"] > stages["perk"]["sent"]  # half came back in between
    assert 0 < result["members_returned"] <= stages["reminder"]["sent"]
    assert result["recurring_items"]["announcement"] == 1


def test_bench_scheduler_command_prints_the_json_keys(tmp_path: Any) -> None:
    import bot.cli_features  # noqa: F401  (mounts the command)
    from bot.cli import app

    url = f"sqlite+aiosqlite:///{tmp_path / 'bench.db'}"
    result = CliRunner().invoke(app, ["bench", "scheduler", "--items", "300", "--spread", "1",
                                      "--url", url, "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output[result.output.index("{"):])
    assert data["items"] == 300 and data["fired"] == 300
    for key in ("lateness_p99_ms", "rss_mb_before", "rss_mb_after"):
        assert isinstance(data[key], (int, float)), key


async def test_hearth_run_schedules_at_start_and_after_a_config_reload(
        make_app: Any, sqlite_url: str, monkeypatch: Any) -> None:
    from bot.lifecycle import wiring
    from bot.lifecycle.summary import with_scheduler

    monkeypatch.setattr(wiring, "RELOAD_CHECK_SECONDS", 0.05)
    app = await make_app(sqlite_url, communities=[{"platform": "console", "id": "demo"}],
                         sentiment={"enabled": False})
    stop = await wiring._start(app)
    try:
        kinds = {k for (_, k, s) in await _counts(app) if s == "pending"}
        assert kinds == {"lifecycle_scan", "digest"}
        reloaded = with_scheduler(app.config, "console:demo", {"announcements": [
            {"cron": "0 9 * * fri", "channel": "news", "text": "Friday!"}]})
        app.pipeline.swap_config(reloaded)
        app.config = reloaded  # what SIGHUP does
        for _ in range(100):
            await asyncio.sleep(0.05)
            if ("console:demo", "announcement", "pending") in await _counts(app):
                break
        assert (await _counts(app))[("console:demo", "announcement", "pending")] == 1
    finally:
        await stop()
