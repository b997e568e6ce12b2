"""Growth reminder and the three-stage wake-up journey, with a controllable clock.

Why: nudging people who went quiet is only welcome when it is personal, rare and stops the
moment they are back. These tests walk a simulated clock day by day through the real
pipeline and sweeper and check each step's content, that a member who returns gets no
further step (and the promised bonus), that opt-out, quiet hours in the member's own zone
and frequency caps hold, and that every step is recorded with its experiment arm.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select, update

from bot.storage.models import LedgerEntry, Member
from domain.actions import DirectMessage, PostToChannel
from tests.handlers.test_time_support import build, cmd, items, nudges, say, start, sweep

DAY0 = datetime(2026, 1, 5, 10, 0, tzinfo=UTC)
NOON = timedelta(hours=2)  # sweeps run at 12:00 UTC (13:00 in Berlin, winter)
WAKE = {"silence_days": 30, "stage_gap_days": [7, 7, 7], "holdout_percent": 0,
        "stage3": "recall", "team_channel": "team", "perk_bonus_points": 50}

Script = dict[int, Callable[[Any, datetime], Awaitable[Any]]]


async def walk(app: Any, days: range, script: Script | None = None
               ) -> dict[int, list[Any]]:
    """Day by day: run the day's scripted events, then sweep at noon (UTC)."""
    fired: dict[int, list[Any]] = {}
    await start(app, DAY0 + timedelta(days=days.start))  # the bot starts
    for day in days:
        morning = DAY0 + timedelta(days=day)
        if script and day in script:
            await script[day](app, morning)
        actions = await sweep(app, morning + NOON)
        if actions:
            fired[day] = actions
    return fired


def dms_to(fired: dict[int, list[Any]], member: str) -> dict[int, str]:
    return {day: a.text for day, actions in fired.items() for a in actions
            if isinstance(a, DirectMessage) and a.member_id == member}


async def chat(app: Any, at: datetime) -> None:
    """Day 0: ana talks with bob and cy (the reply graph), dee only says hello."""
    await say(app, "console:bob", at, "anyone tried the new release?")
    await say(app, "console:ana", at + timedelta(minutes=1), "yes, works great",
              reply_to="console:bob")
    await say(app, "console:cy", at + timedelta(minutes=2), "ana how did you set it up?",
              reply_to="console:ana")
    await say(app, "console:ana", at + timedelta(minutes=3), "docs page 3",
              reply_to="console:cy")
    await say(app, "console:dee", at + timedelta(minutes=4), "hello all")


async def bob_helps(app: Any, at: datetime) -> None:
    for i in range(3):
        await say(app, "console:bob", at + timedelta(minutes=i),
                  f"here is how to fix issue {at.day * 10 + i} with the config", channel="help")


async def test_three_stages_when_the_member_stays_away(make_app: Any, db_url: str) -> None:
    app = await build(make_app, db_url, wakeup=WAKE, digest={"enabled": False})
    script: Script = {0: chat, **{d: bob_helps for d in range(40, 46)}}
    fired = await walk(app, range(0, 60), script)
    ana = dms_to(fired, "console:ana")
    # silent since day 0 10:03; the scan (run at the noon sweep) on day 30 finds her
    assert sorted(ana) == [30, 37, 44]
    assert "It's been 30 days since we saw you" in ana[30]
    assert "to become Active member you need" in ana[30] and "more points" in ana[30]
    assert "/nudges off" in ana[30]
    assert "come back within 14 days and 50 bonus points are yours" in ana[37]
    assert ana[44].startswith("ana, people you used to talk with are around: ")
    assert "bob posted 15 messages, mostly in #help" in ana[44]
    assert "cy is still around" in ana[44]
    recall = [a for a in fired.get(51, []) if isinstance(a, PostToChannel)
              and a.text.startswith("🤝 Personal recall: ana ")]
    assert len(recall) == 1 and recall[0].channel_id == "team"
    assert recall[0].text.startswith("🤝 Personal recall: ana has been quiet for 51 days")
    assert "bob" in recall[0].text and "cy" in recall[0].text and "#general" in recall[0].text
    rows = [n for n in await nudges(app) if n.member_id == "console:ana"]
    assert [(n.stage, n.step, n.arm, n.variant, n.channel, n.delivered) for n in rows] == [
        ("reminder", 0, "treatment", "progress", "dm", True),
        ("perk", 1, "treatment", "bonus", "dm", True),
        ("social", 2, "treatment", "peers", "dm", True),
        ("recall", 3, "treatment", "recall", "team", True)]
    assert {n.experiment for n in rows} == {"wakeup-v1"}
    assert all(n.returned_at is None for n in rows)
    assert rows[0].silent_since == DAY0 + timedelta(minutes=3)
    # dee was silent too; bob as well until he came back on day 40 (after the perk offer)
    assert sorted(dms_to(fired, "console:dee")) == [30, 37, 44]
    bob = dms_to(fired, "console:bob")
    assert sorted(bob) == [30, 37, 40] and bob[40] == "Welcome back! 50 bonus points are yours."


async def test_the_journey_stops_when_the_member_comes_back(make_app: Any,
                                                           sqlite_url: str) -> None:
    app = await build(make_app, sqlite_url, wakeup=WAKE, digest={"enabled": False})

    async def ana_returns(app: Any, at: datetime) -> None:
        await say(app, "console:ana", at + timedelta(hours=5), "I'm back! what did I miss?")

    fired = await walk(app, range(0, 60), {0: chat, 40: ana_returns})
    ana = dms_to(fired, "console:ana")
    assert sorted(ana) == [30, 37, 41]  # reminder, perk, then only the welcome-back bonus
    assert ana[41] == "Welcome back! 50 bonus points are yours."
    rows = [n for n in await nudges(app) if n.member_id == "console:ana"]
    assert [n.stage for n in rows] == ["reminder", "perk"]
    back = DAY0 + timedelta(days=40, hours=5)
    assert [n.returned_at for n in rows] == [back, back]
    assert [n.bonus_paid for n in rows] == [False, True]
    async with app.sessions() as session:
        bonus = (await session.execute(select(LedgerEntry).where(
            LedgerEntry.reason == "wakeup_bonus"))).scalars().all()
    assert [(b.member_id, b.delta, b.source_key) for b in bonus] == [
        ("console:ana", 50, f"nudge:{rows[1].id}")]
    wake = [i for i in await items(app, "wakeup") if i.owner_id == "console:ana"]
    assert [i.payload["step"] for i in wake] == [0, 1, 2]  # step 2 fired, found her back
    assert not [a for a in fired.get(51, []) if isinstance(a, PostToChannel)
                and "recall: ana " in a.text]


async def test_opt_out_stops_nudges_at_once(make_app: Any, sqlite_url: str) -> None:
    app = await build(make_app, sqlite_url, wakeup=WAKE, digest={"enabled": False})

    async def opt_out(app: Any, at: datetime) -> None:
        reply = await cmd(app, "nudges", "off", at=at, member="console:ana")
        assert reply[0].text.startswith("OK, no more nudges")

    fired = await walk(app, range(0, 60), {0: chat, 33: opt_out})
    assert sorted(dms_to(fired, "console:ana")) == [30]
    rows = [n for n in await nudges(app) if n.member_id == "console:ana"]
    assert [n.stage for n in rows] == ["reminder"]
    assert rows[0].returned_at is None  # /nudges off is not "coming back"
    later = DAY0 + timedelta(days=61)
    assert (await cmd(app, "nudges", at=later))[0].text.startswith("Nudges are off for you")
    assert (await cmd(app, "nudges", at=later, member="console:bob"))[0].text.startswith(
        "Nudges are on for you")
    async with app.sessions() as session:
        opted = (await session.execute(select(Member.nudges_opt_out).where(
            Member.member_id == "console:ana"))).scalar_one()
    assert opted is True


async def test_quiet_hours_use_the_members_own_time_zone(make_app: Any,
                                                         sqlite_url: str) -> None:
    wake = {**WAKE, "quiet_hours": {"start": "19:00", "end": "09:00"}}
    app = await build(make_app, sqlite_url, wakeup=wake, digest={"enabled": False})
    await chat(app, DAY0)
    await start(app, DAY0 + NOON)  # the bot starts: the daily scan is scheduled
    async with app.sessions() as session:
        await session.execute(update(Member).where(Member.member_id == "console:ana")
                              .values(timezone="Asia/Shanghai"))
        await session.commit()
    scan_day = DAY0 + timedelta(days=30)
    fired = await sweep(app, scan_day + NOON)  # 12:00 UTC = 20:00 in Shanghai: quiet
    assert "console:ana" not in {a.member_id for a in fired if isinstance(a, DirectMessage)}
    assert "console:dee" in {a.member_id for a in fired if isinstance(a, DirectMessage)}
    moved = [i for i in await items(app, "wakeup")
             if i.owner_id == "console:ana" and i.status == "pending"]
    nine_shanghai = datetime(2026, 2, 5, 1, 0, tzinfo=UTC)
    assert [i.due_at for i in moved] == [nine_shanghai]
    assert await sweep(app, nine_shanghai - timedelta(minutes=1)) == []
    later = await sweep(app, nine_shanghai)
    assert [a.member_id for a in later] == ["console:ana"]


async def test_frequency_caps_space_the_steps_out(make_app: Any, sqlite_url: str) -> None:
    wake = {**WAKE, "stage_gap_days": [1, 1, 1], "caps": [{"limit": 1, "days": 3}]}
    app = await build(make_app, sqlite_url, wakeup=wake, digest={"enabled": False})
    fired = await walk(app, range(0, 45), {0: chat})
    # without the cap: days 30, 31, 32, 33; one nudge per 3 days moves them to 30, 33, 36
    assert sorted(dms_to(fired, "console:ana")) == [30, 33, 36]
    team = [d for d, actions in fired.items()
            if any(isinstance(a, PostToChannel) for a in actions)]
    assert team == [39]


async def test_control_arm_is_recorded_but_never_sent(make_app: Any, sqlite_url: str) -> None:
    wake = {**WAKE, "holdout_percent": 100, "experiment": "wake-ab-2"}
    app = await build(make_app, sqlite_url, wakeup=wake, digest={"enabled": False})
    fired = await walk(app, range(0, 60), {0: chat})
    assert not dms_to(fired, "console:ana") and not any(
        isinstance(a, PostToChannel) for acts in fired.values() for a in acts)
    rows = [n for n in await nudges(app) if n.member_id == "console:ana"]
    assert [(n.stage, n.arm, n.delivered, n.channel, n.experiment) for n in rows] == [
        ("reminder", "control", False, "none", "wake-ab-2"),
        ("perk", "control", False, "none", "wake-ab-2"),
        ("social", "control", False, "none", "wake-ab-2"),
        ("recall", "control", False, "none", "wake-ab-2")]


async def test_tailored_digest_variant_and_members_who_left(make_app: Any,
                                                            sqlite_url: str) -> None:
    from domain.events import MemberLeft

    wake = {**WAKE, "stage3": "digest"}
    app = await build(make_app, sqlite_url, wakeup=wake, digest={"enabled": False})

    async def dee_leaves(app: Any, at: datetime) -> None:
        await app.pipeline.process(MemberLeft("console:demo", "console:dee", at))
        await app.pipeline.flush()

    async def lively(app: Any, at: datetime) -> None:
        from domain.events import ReactionAdded

        await say(app, "console:bob", at, "big news in general today", message_id="big")
        for fan in ("console:cy", "console:gus", "console:hal"):
            await app.pipeline.process(ReactionAdded("console:demo", fan, at + timedelta(
                minutes=5), channel_id="general", message_id="big", emoji="🎉",
                target_member_id="console:bob"))
        await app.pipeline.flush()

    fired = await walk(app, range(0, 60), {0: chat, 1: dee_leaves, 50: lively})
    ana = dms_to(fired, "console:ana")
    assert sorted(ana) == [30, 37, 44, 51]
    assert ana[51].startswith("ana, here is what happened lately in the places you like:")
    assert "bob in #general: big news in general today" in ana[51]
    assert not dms_to(fired, "console:dee")  # left the community: never nudged
    stages = [n.stage for n in await nudges(app) if n.member_id == "console:ana"]
    assert stages == ["reminder", "perk", "social", "digest"]
