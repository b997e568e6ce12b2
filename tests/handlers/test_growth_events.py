"""Growth on events, through the real pipeline and database: points with anti-farming,
reversals, levels, stages, badges and the teammate boost.

Why: these are the rules members feel on every message. Each test asserts on what the
database holds afterwards (ledger rows and the member_stats totals, which must always equal
the ledger sums) and on the actions a platform would execute.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from bot.storage.models import MemberStats
from domain.actions import AddRole, DirectMessage, RemoveRole, Reply
from domain.events import MessagePosted
from domain.i18n import t
from handlers.ports import Context
from handlers.registry import registry
from tests.handlers.test_growth_support import (
    COMMUNITY,
    T0,
    activity_points,
    audit_actions,
    badges,
    community,
    delete,
    edit,
    fresh_text,
    ledger,
    member,
    points,
    react,
    rows,
    say,
    stats,
    texts,
    unreact,
    voice,
)

ANN, BOB, CAT = member("ann"), member("bob"), member("cat")
MIN = timedelta(minutes=1)


@pytest.fixture
async def app(make_app: Any, sqlite_url: str) -> Any:
    return await make_app(sqlite_url, communities=[community()])


async def test_chatting_earns_points_with_cooldown_and_near_duplicates_refused(app: Any) -> None:
    first = fresh_text(1)
    m1, _ = await say(app, ANN, T0, first)
    m2, _ = await say(app, ANN, T0 + 30 * timedelta(seconds=1), fresh_text(2))  # cooldown
    m3, _ = await say(app, ANN, T0 + 2 * MIN, first.upper() + "!!")  # same text again
    m4, _ = await say(app, ANN, T0 + 4 * MIN, fresh_text(3))
    assert await points(app, ANN) == (20, 20)
    rows_ = await ledger(app, ANN)
    assert [(r["source_key"], r["reason"], r["delta"]) for r in rows_] == [
        (f"m:{m1}", "message", 10), (f"m:{m4}", "message", 10)]
    assert [await activity_points(app, m) for m in (m1, m2, m3, m4)] == [10, 0, 0, 10]
    found = await stats(app, ANN)
    assert found["messages"] == 4 and found["active_days"] == 1 and found["state"]


async def test_short_messages_no_points_channels_and_multipliers(make_app: Any,
                                                                 sqlite_url: str) -> None:
    app = await make_app(sqlite_url, communities=[community(
        channels={"no_points": ["console:memes"], "multipliers": {"console:help": 2.5}})])
    await say(app, ANN, T0, "ok!! 👍👍")
    await say(app, ANN, T0 + 2 * MIN, fresh_text(), channel="console:memes")
    await say(app, ANN, T0 + 4 * MIN, fresh_text(), channel="console:help")
    assert await points(app, ANN) == (25, 25)


async def test_reply_and_reaction_points_go_to_the_author_once(app: Any) -> None:
    post, _ = await say(app, ANN, T0)
    await say(app, BOB, T0 + MIN, reply_to=(post, ANN))
    assert await points(app, ANN) == (15, 15)  # 10 for posting, 5 for the reply received
    await react(app, CAT, T0 + 2 * MIN, post, ANN, emoji="👍")
    await react(app, CAT, T0 + 3 * MIN, post, ANN, emoji="🎉")  # same member, same message
    await react(app, ANN, T0 + 3 * MIN, post, ANN, emoji="❤️")  # own message
    assert await points(app, ANN) == (17, 17)
    reasons = sorted(r["reason"] for r in await ledger(app, ANN))
    assert reasons == ["message", "reaction_received", "reply_received"]
    assert await points(app, BOB) == (10, 10)
    assert await points(app, CAT) == (0, 0)


async def test_deleting_a_message_revokes_everything_it_earned(app: Any) -> None:
    post, _ = await say(app, ANN, T0)
    reply, _ = await say(app, BOB, T0 + MIN, reply_to=(post, ANN))
    await react(app, CAT, T0 + 2 * MIN, post, ANN)
    assert await points(app, ANN) == (17, 17)
    await delete(app, ANN, T0 + 3 * MIN, post)
    assert await points(app, ANN) == (5, 5)  # only the reply received remains
    await delete(app, BOB, T0 + 4 * MIN, reply)
    assert await points(app, ANN) == (0, 0)
    assert await points(app, BOB) == (0, 0)
    reversals = [r for r in await ledger(app) if r["delta"] < 0]
    assert {(r["member_id"], r["reason"]) for r in reversals} == {
        (ANN, "message_deleted"), (BOB, "message_deleted")}
    assert len(reversals) == 4  # ann: message + reaction + reply received; bob: message
    # A second delete of the same message (redelivered) changes nothing.
    await delete(app, ANN, T0 + 5 * MIN, post)
    assert await points(app, ANN) == (0, 0)


async def test_spent_points_stay_spent_when_a_message_is_deleted(app: Any) -> None:
    from tests.handlers.test_growth_support import MOD, cmd

    post, _ = await say(app, ANN, T0)
    await cmd(app, member("mia"), "points", f"grant ann 290 {fresh_text()}", roles=MOD,
              at=T0 + MIN)
    await cmd(app, ANN, "buy", "pinned_intro", at=T0 + 2 * MIN)
    assert await points(app, ANN) == (0, 300)
    await delete(app, ANN, T0 + 3 * MIN, post)
    balance, lifetime = await points(app, ANN)
    assert (balance, lifetime) == (0, 290)  # never negative


async def test_an_edit_that_empties_an_awarded_message_voids_its_points(app: Any) -> None:
    post, _ = await say(app, ANN, T0)
    await edit(app, ANN, T0 + MIN, post, fresh_text())  # still a real message: kept
    assert await points(app, ANN) == (10, 10)
    await edit(app, ANN, T0 + 2 * MIN, post, "ok")
    assert await points(app, ANN) == (0, 0)
    await edit(app, ANN, T0 + 3 * MIN, post, "k")  # voided once only
    await edit(app, ANN, T0 + 4 * MIN, post, fresh_text())  # edits never earn
    assert await points(app, ANN) == (0, 0)
    assert [r["reason"] for r in await ledger(app, ANN)] == ["message", "edited_too_short"]


async def test_an_edit_after_a_restart_still_finds_the_award(make_app: Any,
                                                            sqlite_url: str) -> None:
    first = await make_app(sqlite_url, communities=[community()])
    post, _ = await say(first, ANN, T0)
    second = await make_app(sqlite_url, communities=[community()])
    await edit(second, ANN, T0 + MIN, post, "…")
    assert await points(second, ANN) == (0, 0)


async def test_removing_a_reaction_takes_its_points_back(app: Any) -> None:
    post, _ = await say(app, ANN, T0)
    await react(app, BOB, T0 + MIN, post, ANN, emoji="🔥")
    assert await points(app, ANN) == (12, 12)
    await unreact(app, BOB, T0 + 2 * MIN, post, ANN, emoji="🔥")
    assert await points(app, ANN) == (10, 10)
    await unreact(app, CAT, T0 + 2 * MIN, post, ANN)  # never reacted: nothing to take
    assert await points(app, ANN) == (10, 10)


async def test_voice_minutes_earn_and_fractions_carry_over(app: Any) -> None:
    await voice(app, ANN, T0, 30.5)
    await voice(app, ANN, T0 + 60 * MIN, 30.5)
    assert await points(app, ANN) == (61, 61)
    await voice(app, BOB, T0, 10_000)  # an AFK weekend counts as a day at most
    assert await points(app, BOB) == (500, 500)  # ... and the daily cap still applies


async def test_stage_up_adds_roles_and_congratulates_in_the_community_language(
        make_app: Any, sqlite_url: str) -> None:
    app = await make_app(sqlite_url, communities=[community(lang="zh", stages={
        "newcomer_roles": ["newbie"],
        "active": {"min_points": 20, "min_active_days": 1, "roles": ["活跃"],
                   "title": "园丁", "shop_discount_pct": 10}})])
    await say(app, ANN, T0)
    _, actions = await say(app, ANN, T0 + 2 * MIN)
    assert AddRole(COMMUNITY, ANN, "活跃") in actions
    assert RemoveRole(COMMUNITY, ANN, "newbie") in actions
    congrats = [a for a in actions if isinstance(a, Reply) and "恭喜" in a.text]
    assert len(congrats) == 1
    assert congrats[0].text.startswith(t("growth.stage.up", "zh", name="ann",
                                         stage=t("growth.stage.active", "zh"), perks="")[:10])
    assert "园丁" in congrats[0].text and "10%" in congrats[0].text
    assert (await stats(app, ANN))["stage"] == "active"
    assert "growth.stage" in await audit_actions(app)
    _, later = await say(app, ANN, T0 + 4 * MIN)
    assert not [a for a in later if isinstance(a, AddRole)]


async def test_demotion_waits_for_the_grace_period_and_is_told_privately(
        make_app: Any, sqlite_url: str) -> None:
    app = await make_app(sqlite_url, communities=[community(stages={
        "grace_days": 1, "active": {"min_points": 20, "roles": ["active"]}})])
    await say(app, ANN, T0)
    second, _ = await say(app, ANN, T0 + 2 * MIN)
    assert (await stats(app, ANN))["stage"] == "active"
    await delete(app, ANN, T0 + 3 * MIN, second)
    assert (await stats(app, ANN))["stage"] == "active"  # grace period running
    _, actions = await say(app, ANN, T0 + timedelta(days=2), "ok")  # too short: no points
    assert RemoveRole(COMMUNITY, ANN, "active") in actions
    assert [a for a in actions if isinstance(a, DirectMessage)]
    assert (await stats(app, ANN))["stage"] == "newcomer"


async def test_a_badge_is_awarded_once_and_announced_once(app: Any) -> None:
    _, first = await say(app, ANN, T0)
    _, second = await say(app, ANN, T0 + 2 * MIN)
    announced = t("growth.badge.announce", "en", name="ann",
                  badge=t("growth.badge.first_message", "en"))
    assert announced in texts(first)
    assert announced not in texts(second)
    assert await badges(app, ANN) == ["first_message"]


async def test_custom_category_badge_and_points_milestone(make_app: Any,
                                                          sqlite_url: str) -> None:
    app = await make_app(sqlite_url, communities=[community(
        categories=["activity", "helping", "creation", "green"],
        points={"message": {"points": 10, "category": "green"}},
        badges=[{"id": "green_hero", "names": {"en": "Green hero", "zh": "环保达人"},
                 "conditions": {"lifetime:green": 20}}])])
    await say(app, ANN, T0)
    _, actions = await say(app, ANN, T0 + 2 * MIN)
    assert "🏅 ann earned the badge “Green hero”!" in texts(actions)
    assert await badges(app, ANN) == ["green_hero"]


async def test_level_ups_are_announced_only_when_configured(make_app: Any,
                                                            sqlite_url: str) -> None:
    quiet = await make_app(sqlite_url, communities=[community(
        points={"message": {"points": 100}})])
    _, actions = await say(quiet, ANN, T0)
    assert not [x for x in texts(actions) if "level" in x]
    assert (await stats(quiet, ANN))["level"] == 1
    loud = await make_app(sqlite_url.replace("hearth.db", "loud.db"), communities=[community(
        points={"message": {"points": 100}}, announce={"level_ups": "reply"})])
    _, actions = await say(loud, BOB, T0)
    assert t("growth.level.up", "en", name="bob", level=1) in texts(actions)


async def test_announcements_can_go_to_a_channel(make_app: Any, sqlite_url: str) -> None:
    from domain.actions import PostToChannel

    app = await make_app(sqlite_url, communities=[community(
        announce={"badges": "channel", "channel": "console:news"})])
    _, actions = await say(app, ANN, T0)
    assert [a.channel_id for a in actions if isinstance(a, PostToChannel)] == ["console:news"]


BLOCKED = "console:blockedcase"


@registry.on(MessagePosted, order=10)
async def _block_everything_in_the_blocked_case(event: MessagePosted,
                                                ctx: Context) -> list[Any]:
    """Stands in for line-1 safety, only in this test's community."""
    if event.community_id == BLOCKED:
        ctx.flags["blocked"] = True
    return []


async def test_a_message_blocked_by_safety_earns_nothing(make_app: Any,
                                                         sqlite_url: str) -> None:
    app = await make_app(sqlite_url, communities=[community(cid="blockedcase")])
    who = member("ann", BLOCKED)
    _, actions = await say(app, who, T0, cid=BLOCKED)
    assert actions == [] or not texts(actions)
    assert await points(app, who, BLOCKED) == (0, 0)


async def test_teammates_interacting_within_the_window_earn_the_boost(app: Any) -> None:
    from tests.handlers.test_growth_support import cmd

    await cmd(app, ANN, "team", "create Tree Huggers", at=T0)
    await cmd(app, BOB, "team", "join tree huggers", at=T0)
    post, _ = await say(app, ANN, T0 + MIN, channel="general")
    await say(app, BOB, T0 + 2 * MIN, channel="help", reply_to=(post, ANN))
    await say(app, CAT, T0 + 3 * MIN, channel="random", reply_to=(post, ANN))  # no team
    assert await points(app, BOB) == (20, 20)
    assert await points(app, ANN) == (10 + 10 + 5, 25)
    assert await points(app, CAT) == (10, 10)
    late, _ = await say(app, ANN, T0 + 30 * MIN, channel="docs")
    await say(app, BOB, T0 + 35 * MIN, channel="other", reply_to=(late, ANN))  # in window
    await say(app, BOB, T0 + 70 * MIN, channel="third", reply_to=(late, ANN))  # 40 min later
    assert await points(app, BOB) == (20 + 20 + 10, 50)


async def test_replaying_the_same_events_leaves_identical_ledger_sums(
        make_app: Any, sqlite_url: str) -> None:
    from domain.events import MessageDeleted, ReactionAdded

    events: list[Any] = []
    for i in range(12):
        who = (ANN, BOB, CAT)[i % 3]
        reply = events[-1] if events and i % 4 == 0 else None
        events.append(MessagePosted(
            COMMUNITY, who, T0 + i * 40 * timedelta(seconds=1), channel_id="general",
            message_id=f"r{i}", text=fresh_text(100 + i), member_name=who[8:],
            reply_to_message_id=reply.message_id if reply else None,
            reply_to_member_id=reply.member_id if reply else None))
    events.append(ReactionAdded(COMMUNITY, BOB, T0 + 20 * MIN, channel_id="general",
                                message_id="r0", emoji="✨", target_member_id=ANN))
    events.append(MessageDeleted(COMMUNITY, CAT, T0 + 21 * MIN, channel_id="general",
                                 message_id="r2"))
    app = await make_app(sqlite_url, communities=[community()])
    await app.pipeline.process_many(events)
    await app.pipeline.flush()

    async def snapshot(target: Any) -> Any:
        found = await rows(target, select(MemberStats.member_id, MemberStats.lifetime,
                                          MemberStats.balance).order_by(MemberStats.member_id))
        entries = [(r["member_id"], r["source_key"], r["reason"], r["delta"])
                   for r in await ledger(target)]
        return found, sorted(entries)

    before = await snapshot(app)
    assert sum(lifetime for _, lifetime, _ in before[0]) > 0
    await app.pipeline.process_many(events)  # the same process replays
    await app.pipeline.flush()
    assert await snapshot(app) == before
    again = await make_app(sqlite_url, communities=[community()])  # a restart replays
    await again.pipeline.process_many(events)
    await again.pipeline.flush()
    assert await snapshot(again) == before
    for who in (ANN, BOB, CAT):
        await points(again, who)  # totals still equal the ledger sums


async def test_disabled_growth_earns_nothing(make_app: Any, sqlite_url: str) -> None:
    app = await make_app(sqlite_url, communities=[community(enabled=False)])
    await say(app, ANN, T0)
    assert await points(app, ANN) == (0, 0)
