"""The safety service (per-process memory), the new config sections, and the repository's
race-safe state changes on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from pydantic import ValidationError

from bot.safety.config import SafetySettings
from bot.safety.wiring import BoundedMemory, SafetyService
from bot.storage.engine import create_engine, sessionmaker
from bot.storage.migrate import upgrade
from bot.storage.repos.safety import SafetyRepository

T0 = datetime(2026, 5, 1, 12, tzinfo=UTC)


def test_sla_review_and_learning_defaults() -> None:
    settings = SafetySettings()
    assert settings.sla.steps() == {"acknowledge": 3600, "assessment": 1800, "statement": 900,
                                    "remediation": 86400}
    assert settings.review.delete_held and settings.review.mod_channel_id is None
    assert settings.learning.retrain_after == 20
    custom = SafetySettings.model_validate({"sla": {"acknowledge": "15m"},
                                            "review": {"mod_channel_id": "dc:5"}})
    assert custom.sla.acknowledge == 900 and custom.review.mod_channel_id == "dc:5"
    with pytest.raises(ValidationError, match="not a duration"):
        SafetySettings.model_validate({"sla": {"acknowledge": "soon"}})
    with pytest.raises(ValidationError, match="mod_chanel"):
        SafetySettings.model_validate({"review": {"mod_chanel_id": "x"}})
    with pytest.raises(ValidationError):
        SafetySettings.model_validate({"learning": {"retrain_after": 0}})


def test_engine_is_rebuilt_for_new_settings_and_keeps_flood_memory() -> None:
    service = SafetyService()
    old = SafetySettings.model_validate({"flood": {"max_messages": 3, "window": "1m"}})
    engine = service.engine("c", old)
    assert service.engine("c", old) is engine
    for i in range(3):
        engine.check("hi", member_id="m", channel_id="x", at=T0 + timedelta(seconds=i))
    new = SafetySettings.model_validate({"flood": {"max_messages": 3, "window": "1m"},
                                         "caps": {"enabled": False}})
    rebuilt = service.engine("c", new)
    assert rebuilt is not engine
    result = rebuilt.check("hi", member_id="m", channel_id="x", at=T0 + timedelta(seconds=4))
    assert [h.rule_id for h in result.hits] == ["flood"]


def test_bounded_memory_forgets_the_least_recently_used() -> None:
    memory = BoundedMemory(2)
    memory["a"], memory["b"] = 1, 2
    assert memory.get("a") == 1  # a is now the most recent
    memory["c"] = 3
    assert list(memory) == ["a", "c"] and memory.get("b") is None


async def test_repository_state_changes_are_race_safe(db_url: str) -> None:
    engine = create_engine(db_url)
    try:
        await upgrade(engine)
        sessions = sessionmaker(engine)
        async with sessions() as session:
            store = SafetyRepository(session, "console:a")
            item, created = await store.open_item(member_id="m", message_id="42", text="x",
                                                  created_at=T0)
            again, created_again = await store.open_item(member_id="m", message_id="42",
                                                         text="x", created_at=T0)
            assert (created, again, created_again) == (True, item, False)
            other = SafetyRepository(session, "console:b")
            assert await other.item(item) is None
            assert not await other.claim(item, "mod-b", T0)
            assert await store.claim(item, "mod1", T0)
            assert not await store.claim(item, "mod2", T0)
            assert await store.escalate(item, 1, T0)
            assert (await store.item(item))["status"] == "claimed"  # the claim stands
            assert await store.decide(item, "remove", "mod2", "", T0)
            assert not await store.decide(item, "ban", "mod1", "", T0)
            row = await store.item(item)
            assert (row["decision"], row["claimed_by"]) == ("remove", "mod1")
            assert not await store.escalate(item, 2, T0)

            s1 = await store.add_strike("m", reason="r", case_id=item, issued_by="mod",
                                        issued_at=T0, expires_at=T0 + timedelta(hours=1))
            assert await store.active_strike_count("m", T0) == 1
            assert await store.active_strike_count("m", T0 + timedelta(hours=1)) == 0
            assert await store.active_strike_count("m", T0 - timedelta(seconds=1)) == 0
            assert await store.pardon(s1, "mod", T0) and not await store.pardon(s1, "mod", T0)
            assert await store.add_appeal("m", item, "pls", T0) is not None
            assert await store.add_appeal("m", item, "pls again", T0) is None
            await session.commit()
    finally:
        await engine.dispose()


async def test_model_versions_per_scope(db_url: str) -> None:
    engine = create_engine(db_url)
    try:
        await upgrade(engine)
        async with sessionmaker(engine)() as session:
            a = SafetyRepository(session, "console:a")
            b = SafetyRepository(session, "console:b")
            assert await a.newest_model_info() is None
            assert await a.add_model(b"g1", "f", {}, T0, scope_global=True) == 1
            assert (await b.newest_model_info())["version"] == 1
            assert await a.add_model(b"a1", "f", {}, T0) == 1
            assert await a.add_model(b"a2", "f", {}, T0) == 2
            info = await a.newest_model_info()
            assert (info["community_id"], info["version"]) == ("console:a", 2)
            assert await a.model_blob(info["id"]) == b"a2"
            assert await b.model_blob(info["id"]) is None  # not b's model
            assert (await b.newest_model_info())["community_id"] is None
    finally:
        await engine.dispose()


