"""The weekly digest: content from the week's data, ranking, channel post and DMs.

Why: the digest is what most members read; it must show what actually happened in the week
(new members, points earned that week, promotions and badges) and rank highlights 60/40 by
engagement and quality — and say so when there are no quality scores to rank by.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import insert, update

from bot.storage.models import Member
from bot.storage.models_growth import PostQuality
from domain.actions import DirectMessage, PostToChannel
from domain.events import ReactionAdded
from handlers.lifecycle_rules import rank_highlights
from tests.handlers.test_time_support import build, cmd, join, say, start, sweep

MONDAY = datetime(2026, 3, 16, 8, 0, tzinfo=UTC)  # 09:00 in Berlin: the digest time
WEEK_START = MONDAY - timedelta(days=7)
GROWTH = {"stages": {"active": {"min_points": 4, "min_active_days": 1}}}
# The spam classifier is someone else's subject; here it must not hold a short tip.
NO_FILTERS = {"enabled": False}


async def react(app: Any, fan: str, message_id: str, author: str, at: datetime) -> None:
    await app.pipeline.process(ReactionAdded("console:demo", fan, at, channel_id="general",
                                             message_id=message_id, emoji="🔥",
                                             target_member_id=author))
    await app.pipeline.flush()


async def week(app: Any) -> None:
    # before the window: an old member and an old, popular post (not in this digest)
    await join(app, "console:old", WEEK_START - timedelta(days=20))
    await say(app, "console:old", WEEK_START - timedelta(days=3), "last week's hit",
              message_id="old")
    for fan in ("console:x1", "console:x2", "console:x3", "console:x4"):
        await react(app, fan, "old", "console:old", WEEK_START - timedelta(days=3, minutes=-5))
    day = WEEK_START + timedelta(days=1)
    await join(app, "console:ana", day)
    await join(app, "console:bob", day + timedelta(minutes=1))
    await say(app, "console:ana", day + timedelta(hours=1), "I wrote a long guide about "
              "setting up the garden sensors with step by step pictures", message_id="big")
    await say(app, "console:bob", day + timedelta(hours=2), "short tip: water at dawn",
              message_id="small")
    await say(app, "console:bob", day + timedelta(hours=3), "thanks ana, very useful",
              thread_id="big")
    for fan in ("console:bob", "console:cy", "console:dee"):
        await react(app, fan, "big", "console:ana", day + timedelta(hours=4))
    await react(app, "console:cy", "small", "console:bob", day + timedelta(hours=4))
    for i in range(4):
        await say(app, "console:ana", day + timedelta(hours=5, minutes=i),
                  f"more notes on sensor calibration, part {i + 1} of the series")


async def test_weekly_digest_content_post_and_dms(make_app: Any, sqlite_url: str) -> None:
    entry = {"platform": "console", "id": "demo", "name": "Garden club", "language": "en",
             "timezone": "Europe/Berlin", "growth": GROWTH, "safety": NO_FILTERS,
             "scheduler": {"digest": {"channel": "news", "top_contributors": 2},
                           "wakeup": {"enabled": False}}}
    app = await build(make_app, sqlite_url, entry=entry)
    await start(app, WEEK_START)  # the bot starts: the weekly digest is scheduled
    await week(app)
    await cmd(app, "digest", "on", at=WEEK_START + timedelta(days=2), member="console:cy")
    await cmd(app, "digest", "on", at=WEEK_START + timedelta(days=2), member="console:li")
    async with app.sessions() as session:
        await session.execute(update(Member).where(Member.member_id == "console:li")
                              .values(language="zh"))
        await session.commit()
    assert await sweep(app, MONDAY - timedelta(minutes=1)) == []
    actions = await sweep(app, MONDAY)
    posts = [a for a in actions if isinstance(a, PostToChannel)]
    dms = {a.member_id: a.text for a in actions if isinstance(a, DirectMessage)}
    assert len(posts) == 1 and posts[0].channel_id == "news"
    lines = posts[0].text.splitlines()
    assert lines[0] == "🗞️ Garden club: the week of 2026-03-09 to 2026-03-16"
    assert lines[1] == "👋 New members: 2 (bob, ana)"
    assert lines[2:5] == ["🏆 Top contributors:", lines[3], lines[4]]
    assert lines[3].startswith("1. ana: ") and lines[4].startswith("2. bob: ")
    text = posts[0].text
    assert "⬆️ Stage-ups: ana → Active member, bob → Active member" in text
    assert "🏅 Badges: " in text and "ana (First words)" in text
    highlights = [line for line in lines if line[:2] in ("1.", "2.", "3.") and "“" in line]
    assert highlights[0].startswith("1. ana in #general: “I wrote a long guide")
    assert "(3 reactions, 1 replies)" in highlights[0]
    assert highlights[1].startswith("2. bob in #general: “short tip: water at dawn”")
    assert "last week's hit" not in text  # outside the window
    assert "ranked by engagement only" in text
    assert lines[-1] == "Get this by DM every week: /digest on"
    assert set(dms) == {"console:cy", "console:li"}
    assert dms["console:cy"] == text
    assert dms["console:li"].startswith("🗞️ Garden club：2026-03-09 至 2026-03-16 的一周")
    assert "👋 新成员：2 位（bob、ana）" in dms["console:li"]
    assert await sweep(app, MONDAY + timedelta(days=1)) == []  # weekly, not daily
    await cmd(app, "digest", "off", at=MONDAY, member="console:cy")
    later = await sweep(app, MONDAY + timedelta(days=7))
    assert {a.member_id for a in later if isinstance(a, DirectMessage)} == {"console:li"}


async def test_quality_scores_change_the_ranking(make_app: Any, sqlite_url: str) -> None:
    entry = {"platform": "console", "id": "demo", "name": "Garden club",
             "timezone": "Europe/Berlin", "safety": NO_FILTERS,
             "scheduler": {"digest": {"channel": "news"}, "wakeup": {"enabled": False}}}
    app = await build(make_app, sqlite_url, entry=entry)
    await start(app, WEEK_START)
    await week(app)
    async with app.sessions() as session:
        for message_id, score in (("big", 0.0), ("small", 1.0)):
            await session.execute(insert(PostQuality).values(
                community_id="console:demo", message_id=message_id, member_id="console:x",
                score=score, interactions=1, components=None,
                computed_at=WEEK_START + timedelta(days=2)))
        await session.commit()
    (post,) = [a for a in await sweep(app, MONDAY) if isinstance(a, PostToChannel)]
    highlights = [line for line in post.text.splitlines() if "“" in line]
    # small: 0.6·log2/log5 + 0.4·1 = 0.66 beats big: 0.6·1 + 0.4·0 = 0.6
    assert highlights[0].startswith("1. bob in #general: “short tip")
    assert highlights[1].startswith("2. ana in #general: “I wrote a long guide")
    assert "engagement only" not in post.text


def test_rank_highlights_weights_and_fallbacks() -> None:
    posts = [
        {"message_id": "a", "member_id": "m1", "reactions": 9, "replies": 0, "quality": 0.1},
        {"message_id": "b", "member_id": "m2", "reactions": 1, "replies": 1, "quality": 0.8},
        {"message_id": "c", "member_id": "m3", "reactions": 0, "replies": 0, "quality": None},
    ]
    ranked, used = rank_highlights(posts, engagement_weight=0.6, limit=5)
    assert used and [h.message_id for h in ranked] == ["a", "b"]
    assert ranked[0].score == round(0.6 + 0.4 * 0.1, 6)
    only_quality, _ = rank_highlights(posts, engagement_weight=0.0, limit=5)
    assert [h.message_id for h in only_quality] == ["b", "a"]
    no_scores = [{**p, "quality": None} for p in posts]
    ranked, used = rank_highlights(no_scores, engagement_weight=0.6, limit=1)
    assert not used and [h.message_id for h in ranked] == ["a"]
    assert rank_highlights([], engagement_weight=0.6, limit=3) == ([], False)
