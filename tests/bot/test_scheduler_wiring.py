"""The sweeper fires due rows through the pipeline, once, with their actions delivered."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select

from bot.scheduler.repository import schedule
from bot.storage.models import AuditEntry, ScheduledItem
from domain.actions import Reply
from handlers.registry import registry

NOW = datetime(2026, 3, 1, 12, tzinfo=UTC)
FIRED: list[dict[str, Any]] = []


@registry.timer("test_wiring_echo")
async def _echo(payload: dict[str, Any], ctx: Any) -> list[Reply]:
    FIRED.append(payload)
    ctx.uow.audit("hearth", "test_echo", reason=str(payload.get("n")))
    if payload.get("boom"):
        raise RuntimeError("handler failed on purpose")
    return [Reply(ctx.community_id, "general", f"echo {payload['n']}")]


async def test_due_items_fire_once_with_effects_and_actions(make_app, sqlite_url) -> None:
    FIRED.clear()
    app = await make_app(sqlite_url)
    async with app.sessions() as session:
        await schedule(session, kind="test_wiring_echo", due_at=NOW + timedelta(minutes=5),
                       payload={"n": 1}, community_id="console:demo")
        await schedule(session, kind="test_wiring_echo", due_at=NOW + timedelta(hours=5),
                       payload={"n": 2}, community_id="console:demo")
        await session.commit()
    sweep = app.services["sweep"]
    assert await sweep(NOW) == []
    actions = await sweep(NOW + timedelta(minutes=10))
    assert [a.text for a in actions] == ["echo 1"]
    assert await sweep(NOW + timedelta(minutes=11)) == []  # never twice
    assert FIRED == [{"n": 1}]
    async with app.sessions() as session:
        audits = (await session.execute(select(AuditEntry.reason))).scalars().all()
        statuses = (await session.execute(
            select(ScheduledItem.status)
            .where(ScheduledItem.kind == "test_wiring_echo")  # features add their own rows
            .order_by(ScheduledItem.id))).scalars().all()
    assert audits == ["1"]
    assert statuses == ["done", "pending"]


async def test_failing_handler_rolls_back_its_writes_and_retries(make_app, sqlite_url) -> None:
    FIRED.clear()
    app = await make_app(sqlite_url)
    async with app.sessions() as session:
        await schedule(session, kind="test_wiring_echo", due_at=NOW, payload={"n": 3,
                                                                              "boom": True},
                       community_id="console:demo")
        await session.commit()
    assert await app.services["sweep"](NOW + timedelta(seconds=1)) == []
    async with app.sessions() as session:
        audits = (await session.execute(select(AuditEntry))).scalars().all()
        item = (await session.execute(select(ScheduledItem).where(
            ScheduledItem.kind == "test_wiring_echo"))).scalar_one()
    assert audits == []  # the handler's write was rolled back with the failure
    assert item.status == "pending" and item.attempts == 1
    assert "handler failed on purpose" in (item.last_error or "")
