"""/rank, /profile, /leaderboard, /badges, /points and /helpful through the real pipeline.

Why: these are how members see their growth and how moderators correct it; every answer
must be in the member's language, and every bad input must get a clear reply without
touching the ledger.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from domain.actions import AddRole, Reply
from domain.i18n import t
from tests.handlers.test_growth_support import (
    ADMIN,
    COMMUNITY,
    MOD,
    T0,
    audit_actions,
    cmd,
    community,
    ledger,
    ledger_count,
    member,
    one_text,
    points,
    say,
    stats,
)

ANN, BOB, CAT, MIA = member("ann"), member("bob"), member("cat"), member("mia")
MIN = timedelta(minutes=1)


@pytest.fixture
async def app(make_app: Any, sqlite_url: str) -> Any:
    app = await make_app(sqlite_url, communities=[community(), community(cid="zh", lang="zh")])
    for i, who in enumerate((ANN, ANN, ANN, BOB, BOB, CAT)):
        await say(app, who, T0 + i * 2 * MIN)
    return app


async def test_rank_shows_level_progress_position_and_categories(app: Any) -> None:
    text = one_text(await cmd(app, ANN, "rank", at=T0 + 20 * MIN))
    assert text.splitlines()[0] == t(
        "growth.rank", "en", name="ann", level=0, xp_into=30, xp_step=100, next_level=1,
        rank=1, members=3, points=30, stage=t("growth.stage.newcomer", "en"))
    assert text.splitlines()[1] == "By category: activity 30"
    other = one_text(await cmd(app, ANN, "rank", "@cat", at=T0 + 20 * MIN))
    assert other.startswith("cat: level 0 (10/100 XP to level 1), rank #3 of 3, 10 points")


async def test_rank_in_chinese_from_the_member_locale(app: Any) -> None:
    text = one_text(await cmd(app, BOB, "rank", at=T0 + 20 * MIN, locale="zh-CN"))
    assert text.startswith("bob：等级 0（距 1 级 20/100 XP），排名第 2/3，20 积分 — 新人。")
    assert text.splitlines()[1] == "分类：活跃 20"


async def test_rank_of_unknown_or_pointless_members(app: Any) -> None:
    unknown = await cmd(app, ANN, "rank", "nobody", at=T0 + 20 * MIN)
    assert one_text(unknown) == t("growth.refusal.unknown_member", "en", member="nobody")
    assert unknown[0].ephemeral
    quiet = await cmd(app, MIA, "rank", at=T0 + 20 * MIN)
    assert one_text(quiet) == t("growth.rank.unranked", "en", name="mia")


async def test_leaderboard_windows_in_both_languages(app: Any) -> None:
    board = one_text(await cmd(app, CAT, "leaderboard", at=T0 + 20 * MIN))
    assert board.splitlines() == ["Leaderboard — all time", "#1 ann — 30 points",
                                  "#2 bob — 20 points", "#3 cat — 10 points"]
    week = one_text(await cmd(app, CAT, "leaderboard", "week", at=T0 + 20 * MIN))
    assert week.splitlines()[0] == "Leaderboard — this week"
    assert len(week.splitlines()) == 4
    # Next Monday the weekly board starts again; the monthly one does not.
    next_week = T0 + timedelta(days=7)
    assert one_text(await cmd(app, CAT, "leaderboard", "week", at=next_week)) == t(
        "growth.leaderboard.empty", "en")
    assert len(one_text(await cmd(app, CAT, "leaderboard", "month", at=next_week))
               .splitlines()) == 4
    zh = one_text(await cmd(app, CAT, "leaderboard", "周", at=T0 + 20 * MIN, locale="zh"))
    assert zh.splitlines()[:2] == ["排行榜 — 本周", "第 1 名 ann — 30 积分"]
    bad = one_text(await cmd(app, CAT, "leaderboard", "forever", at=T0 + 20 * MIN))
    assert bad == t("growth.leaderboard.bad_window", "en", window="forever")


async def test_profile_and_badges(app: Any) -> None:
    await cmd(app, ANN, "team", "create Night Owls", at=T0 + 20 * MIN)
    profile = one_text(await cmd(app, ANN, "profile", at=T0 + 21 * MIN))
    assert profile.splitlines()[0] == "ann — Newcomer"
    assert "30 lifetime points · 30 to spend" in profile
    assert "Badges: First words · team: Night Owls" in profile
    zh = one_text(await cmd(app, BOB, "profile", at=T0 + 21 * MIN, locale="zh"))
    assert "徽章：初次发言 · 团队：无" in zh
    assert one_text(await cmd(app, BOB, "badges", "ann", at=T0 + 21 * MIN)) == \
        "ann's badges: First words"
    assert one_text(await cmd(app, MIA, "badges", at=T0 + 21 * MIN)) == t(
        "growth.badges.none", "en", name="mia")


async def test_points_grant_and_revoke_are_for_moderators_and_audited(app: Any) -> None:
    before = await ledger_count(app)
    refused = await cmd(app, BOB, "points", "grant ann 50 because", at=T0 + 20 * MIN)
    assert one_text(refused) == t("core.not_allowed", "en", name="points",
                                  role=t("core.role.moderator", "en"))
    assert await ledger_count(app) == before
    granted = await cmd(app, MIA, "points", "grant @ann 50 ran the workshop", roles=MOD,
                        at=T0 + 21 * MIN)
    assert one_text(granted) == ("Granted 50 activity points to ann (ran the workshop). "
                                 "Their balance: 80.")
    assert await points(app, ANN) == (80, 80)
    revoked = await cmd(app, MIA, "points", "revoke ann 500 spam farming", roles=ADMIN,
                        at=T0 + 22 * MIN)
    assert one_text(revoked) == "Took 80 points from ann (spam farming). Their balance: 0."
    assert await points(app, ANN) == (0, 0)
    rows = [r for r in await ledger(app, ANN) if r["reason"].startswith("admin_")]
    assert [(r["reason"], r["delta"], r["actor_id"], r["note"]) for r in rows] == [
        ("admin_grant", 50, MIA, "ran the workshop"),
        ("admin_revoke", -80, MIA, "spam farming")]
    assert {"growth.points_grant", "growth.points_revoke"} <= set(await audit_actions(app))


@pytest.mark.parametrize(("args", "key", "fields"), [
    ("grant ann -5 oops", "growth.refusal.invalid_amount", {"amount": "-5"}),
    ("grant ann 1.5 oops", "growth.refusal.invalid_amount", {"amount": "1.5"}),
    ("grant ann lots oops", "growth.refusal.invalid_amount", {"amount": "lots"}),
    ("grant ann 0 oops", "growth.refusal.invalid_amount", {"amount": "0"}),
    ("grant ann 99999999 oops", "growth.refusal.absurd_amount",
     {"amount": 99999999, "limit": 1_000_000}),
    ("grant ann 5 cat:green planted trees", "growth.refusal.unknown_category",
     {"category": "green", "categories": "activity, helping, creation"}),
    ("grant ann 5", "growth.refusal.missing_reason", {}),
    ("grant zed 5 welcome", "growth.refusal.unknown_member", {"member": "zed"}),
    ("revoke mia 5 nothing there", "growth.refusal.nothing_to_revoke", {"member": "mia"}),
    ("give ann 5 hi", "growth.points.usage", {}),
    ("", "growth.points.usage", {}),
])
async def test_points_refusals_change_nothing(app: Any, args: str, key: str,
                                              fields: dict[str, Any]) -> None:
    await cmd(app, MIA, "rank", at=T0 + 19 * MIN)  # mia exists, with no points
    before = await ledger(app)
    actions = await cmd(app, MIA, "points", args, roles=MOD, at=T0 + 20 * MIN)
    assert one_text(actions) == t(key, "en", **fields)
    assert actions[0].ephemeral
    assert await ledger(app) == before


async def test_points_refusal_in_chinese(app: Any) -> None:
    actions = await cmd(app, MIA, "points", "grant ann abc 理由", roles=MOD, locale="zh",
                        at=T0 + 20 * MIN)
    assert one_text(actions) == t("growth.refusal.invalid_amount", "zh", amount="abc")


async def test_granted_points_can_promote_and_spending_never_demotes(
        make_app: Any, sqlite_url: str) -> None:
    app = await make_app(sqlite_url, communities=[community(
        stages={"active": {"min_points": 100, "roles": ["regular"]}})])
    await say(app, ANN, T0)
    actions = await cmd(app, MIA, "points", "grant ann 300 great help", roles=MOD,
                        at=T0 + MIN)
    assert AddRole(COMMUNITY, ANN, "regular") in actions
    assert any("Congratulations ann" in a.text for a in actions if isinstance(a, Reply))
    await cmd(app, ANN, "buy", "pinned_intro", at=T0 + 2 * MIN)
    assert await points(app, ANN) == (10, 310)
    await say(app, ANN, T0 + 3 * MIN)
    assert (await stats(app, ANN))["stage"] == "active"


async def test_helpful_marks_award_once_per_message_and_moderator(app: Any) -> None:
    post, _ = await say(app, BOB, T0 + 30 * MIN)
    done = await cmd(app, MIA, "helpful", post, roles=MOD, at=T0 + 31 * MIN)
    assert one_text(done) == t("growth.helpful.done", "en", name="bob", points=50)
    again = await cmd(app, MIA, "helpful", f" {post} ", roles=MOD, at=T0 + 32 * MIN)
    assert one_text(again) == t("growth.helpful.already", "en")
    link = f"https://discord.com/channels/1/2/{post}"
    other = await cmd(app, member("max"), "helpful", link, roles=ADMIN, at=T0 + 33 * MIN)
    assert one_text(other) == t("growth.helpful.done", "en", name="bob", points=50)
    assert await points(app, BOB) == (130, 130)
    assert (await stats(app, BOB))["helpful"] == 2
    own = await cmd(app, BOB, "helpful", post, roles=MOD, at=T0 + 34 * MIN)
    assert one_text(own) == t("growth.refusal.self_interaction", "en")
    missing = await cmd(app, MIA, "helpful", "12345", roles=MOD, at=T0 + 34 * MIN)
    assert one_text(missing) == t("growth.helpful.unknown_message", "en", message="12345")
    assert one_text(await cmd(app, BOB, "helpful", post, at=T0 + 35 * MIN)).startswith(
        "/helpful is for moderators")


async def test_commands_in_a_community_with_growth_off(make_app: Any,
                                                       sqlite_url: str) -> None:
    app = await make_app(sqlite_url, communities=[community(enabled=False)])
    for name in ("rank", "leaderboard", "shop", "buy", "team"):
        actions = await cmd(app, ANN, name, "x")
        assert one_text(actions) == t("core.feature_disabled", "en", feature="growth")
    actions = await cmd(app, MIA, "points", "grant ann 5 hi", roles=MOD)
    assert one_text(actions) == t("core.feature_disabled", "en", feature="growth")
    assert await ledger_count(app) == 0
