"""Member reminders through the real pipeline and sweeper, with an explicit clock.

Why: a reminder is a promise ("I'll remind you at 15:00") — it must fire at that instant in
the member's time zone, exactly once, survive in the database, refuse bad times with a
usable example, respect per-member limits (plus stage perks), and never let one member
cancel another's.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import insert

from bot.storage.models import MemberStats
from domain.actions import DirectMessage, Reply
from domain.i18n import t
from handlers.reminders import resolve_zone
from tests.handlers.test_time_support import build, cmd, items, only_text, sweep

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)  # 13:00 in Berlin (CET)


async def test_remind_in_2h_fires_once_at_the_right_time(make_app: Any, db_url: str) -> None:
    app = await build(make_app, db_url)
    reply = only_text(await cmd(app, "remind", "in 2h check the PR", at=T0))
    assert "Reminder #1" in reply and "2026-03-01 15:00 Europe/Berlin" in reply
    assert "check the PR" in reply and "in 2 h" in reply
    assert await sweep(app, T0 + timedelta(hours=1, minutes=59)) == []
    fired = await sweep(app, T0 + timedelta(hours=2))
    assert fired == [DirectMessage("console:demo", "console:ana", "⏰ Reminder: check the PR",
                                   fallback_channel_id="general")]
    assert await sweep(app, T0 + timedelta(hours=5)) == []  # never twice
    (row,) = await items(app, "reminder")
    assert (row.status, row.owner_id, row.due_at) == ("done", "console:ana",
                                                      T0 + timedelta(hours=2))


async def test_absolute_and_chinese_times_in_the_members_zone(make_app: Any,
                                                              sqlite_url: str) -> None:
    app = await build(make_app, sqlite_url)
    text = only_text(await cmd(app, "remind", "at 2026-12-01 09:00 call Ana", at=T0))
    assert "2026-12-01 09:00 Europe/Berlin" in text
    zh = only_text(await cmd(app, "remind", "明天上午9点 开会", at=T0, locale="zh",
                             member="console:li"))
    assert zh.startswith("⏰ 已设置提醒") and "2026-03-02 09:00 Europe/Berlin" in zh
    rows = {r.owner_id: r for r in await items(app, "reminder")}
    assert rows["console:ana"].due_at == datetime(2026, 12, 1, 8, 0, tzinfo=UTC)  # CET
    assert rows["console:li"].due_at == datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
    fired = await sweep(app, datetime(2026, 3, 2, 8, 0, tzinfo=UTC))
    assert [(a.member_id, a.text) for a in fired] == [("console:li", "⏰ 提醒：开会")]


async def test_bad_times_get_a_clear_reply_with_an_example(make_app: Any,
                                                           sqlite_url: str) -> None:
    app = await build(make_app, sqlite_url)
    cases = {
        "at 25:99 call mum": ("There is no hour 25", "Example: at 18:30"),
        "whenever you like": ("I couldn't find a time", "Example: in 2h check the PR"),
        "at 2020-01-01 10:00 old": ("2020-01-01 10:00 has already passed",
                                    "Example: at 2026-03-02 09:00"),
        "in 0 minutes now": ("no time at all", "Example:"),
    }
    for args, (problem, example) in cases.items():
        actions = await cmd(app, "remind", args, at=T0)
        assert len(actions) == 1 and isinstance(actions[0], Reply) and actions[0].ephemeral
        assert problem in actions[0].text and example in actions[0].text, actions[0].text
    zh = only_text(await cmd(app, "remind", "25点 开会", at=T0, locale="zh"))
    assert zh.startswith("没有 25 点") and "示例：" in zh
    assert await items(app, "reminder") == []  # nothing half-written


async def test_usage_list_and_cancel_only_your_own(make_app: Any, sqlite_url: str) -> None:
    app = await build(make_app, sqlite_url)
    assert only_text(await cmd(app, "remind", "", at=T0)) == t("time.remind.usage", "en")
    await cmd(app, "remind", "in 1h stretch", at=T0)
    await cmd(app, "remind", "in 3h water the plants", at=T0)
    listing = only_text(await cmd(app, "reminders", at=T0))
    assert listing.splitlines() == [
        "Your reminders (2):", "#1 · 2026-03-01 14:00 Europe/Berlin · stretch",
        "#2 · 2026-03-01 16:00 Europe/Berlin · water the plants"]
    assert "no pending reminder #1" in only_text(
        await cmd(app, "remind", "cancel 1", at=T0, member="console:bob"))
    assert only_text(await cmd(app, "remind", "cancel 1", at=T0)) == "Reminder #1 cancelled."
    assert "no pending reminder #1" in only_text(await cmd(app, "remind", "cancel 1", at=T0))
    assert "not a reminder number" in only_text(await cmd(app, "remind", "cancel abc", at=T0))
    assert only_text(await cmd(app, "reminders", at=T0, member="console:bob")) == t(
        "time.reminders.empty", "en")
    fired = await sweep(app, T0 + timedelta(hours=4))
    assert [a.text for a in fired] == [
        "⏰ Reminder (due 2026-03-01 16:00 Europe/Berlin, delivered late): water the plants"]


async def test_per_member_limit_plus_stage_perk_slots(make_app: Any, sqlite_url: str) -> None:
    growth = {"stages": {"active": {"min_points": 100, "min_active_days": 3,
                                    "extra_reminder_slots": 2}}}
    entry = {"platform": "console", "id": "demo", "language": "en",
             "timezone": "Europe/Berlin", "scheduler": {"reminders": {"max_per_member": 1}},
             "growth": growth}
    app = await build(make_app, sqlite_url, entry=entry)
    assert "Reminder #1" in only_text(await cmd(app, "remind", "in 1h a", at=T0))
    refused = only_text(await cmd(app, "remind", "in 1h b", at=T0))
    assert refused == t("time.remind.limit", "en", limit=1)
    async with app.sessions() as session:  # an active-stage member: 1 + 2 slots
        await session.execute(insert(MemberStats).values(
            community_id="console:demo", member_id="console:vet", lifetime=300, balance=300,
            active_days=5, stage="active"))
        await session.commit()
    for n in range(3):
        assert "Reminder #" in only_text(await cmd(app, "remind", f"in 1h v{n}", at=T0,
                                                  member="console:vet"))
    assert only_text(await cmd(app, "remind", "in 1h v4", at=T0, member="console:vet")) == t(
        "time.remind.limit", "en", limit=3)
    await cmd(app, "remind", "cancel 1", at=T0)
    assert "Reminder #" in only_text(await cmd(app, "remind", "in 2h c", at=T0))
    # fired reminders free their slot too
    await sweep(app, T0 + timedelta(hours=3))
    assert "Reminder #" in only_text(await cmd(app, "remind", "in 2h d", at=T0 + timedelta(
        hours=3)))


async def test_timezone_command_changes_how_times_are_read_and_shown(make_app: Any,
                                                                     sqlite_url: str) -> None:
    app = await build(make_app, sqlite_url)
    assert "community's time zone, Europe/Berlin" in only_text(await cmd(app, "timezone",
                                                                         at=T0))
    assert only_text(await cmd(app, "timezone", "asia/shanghai", at=T0)) == (
        "Your time zone is now Asia/Shanghai (it is 2026-03-01 20:00 Asia/Shanghai there).")
    text = only_text(await cmd(app, "remind", "tomorrow 9am standup", at=T0))
    assert "2026-03-02 09:00 Asia/Shanghai" in text
    (row,) = await items(app, "reminder")
    assert row.due_at == datetime(2026, 3, 2, 1, 0, tzinfo=UTC)
    unknown = only_text(await cmd(app, "timezone", "Asia/Shangai", at=T0))
    assert "don't know the time zone Asia/Shangai" in unknown and "Asia/Shanghai?" in unknown
    assert "Etc/GMT-8" in only_text(await cmd(app, "timezone", "UTC+8", at=T0))
    assert "Europe/Berlin" in only_text(await cmd(app, "timezone", "reset", at=T0))


async def test_missed_policy_skip_drops_reminders_due_during_downtime(make_app: Any,
                                                                      sqlite_url: str) -> None:
    app = await build(make_app, sqlite_url, reminders={"missed_policy": "skip"})
    await cmd(app, "remind", "in 1h on time", at=T0)
    await cmd(app, "remind", "in 2h missed", at=T0)
    assert texts_of(await sweep(app, T0 + timedelta(hours=1))) == ["⏰ Reminder: on time"]
    assert await sweep(app, T0 + timedelta(days=1)) == []  # the bot was down: skipped
    rows = await items(app, "reminder")
    assert [r.status for r in rows] == ["done", "done"]
    assert "missed_policy=skip" in (rows[1].last_error or "")


def texts_of(actions: list[Any]) -> list[str]:
    return [a.text for a in actions]


@given(st.integers(min_value=-12, max_value=14), st.sampled_from(["UTC", "GMT", ""]),
       st.sampled_from(["", ":00"]))
def test_offsets_map_to_zones_with_that_offset(hours: int, prefix: str, suffix: str) -> None:
    from zoneinfo import ZoneInfo

    text = f"{prefix}{'+' if hours >= 0 else '-'}{abs(hours)}{suffix}"
    name, _ = resolve_zone(text)
    assert name is not None, text
    offset = datetime(2026, 1, 1, tzinfo=UTC).astimezone(ZoneInfo(name)).utcoffset()
    assert offset == timedelta(hours=hours)


def test_zone_lookup_is_forgiving_but_never_guesses() -> None:
    assert resolve_zone("Europe/Berlin") == ("Europe/Berlin", None)
    assert resolve_zone("europe/berlin") == ("Europe/Berlin", None)
    assert resolve_zone("Shanghai") == ("Asia/Shanghai", None)
    assert resolve_zone("Mars/Olympus") == (None, None)
    name, suggestion = resolve_zone("Europe/Berlinn")
    assert name is None and suggestion == "Europe/Berlin"
