"""RFM segments in the database: snapshots, /segments, the scheduled recompute, changes.

Why: the wake-up journeys act on segment changes and admins read /segments, so snapshots
must be computed only from data up to their time, stored once per time, and compared
correctly between two recomputes.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.insights.segments import compute_segments, recompute_segments, segment_changes
from bot.simulate import simulate
from bot.storage.repos.insights import InsightsRepository
from domain.actions import Reply
from domain.events import CommandInvoked, MemberJoined, MessagePosted
from domain.insights.rfm import CHURNED, DORMANT, SEGMENTS
from tests.bot.test_insights_support import seed

C = "console:demo"
T0 = datetime(2026, 1, 5, tzinfo=UTC)


def admin(name: str, at: datetime, args: str = "", member: str = "console:boss") -> CommandInvoked:
    return CommandInvoked(C, member, at, name=name, args=args, channel_id="ops",
                          roles=frozenset({"member", "admin"}), member_name="boss",
                          interaction_id=f"{name}-{at.isoformat()}-{args}")


def people() -> list:
    """Four members with clear fates: busy, quiet for 20 days, gone for 40, and new."""
    events: list = []
    for i, name in enumerate(("busy", "quiet", "gone", "fresh")):
        joined = T0 + (timedelta(days=55) if name == "fresh" else timedelta(0))
        events.append(MemberJoined(C, f"console:{name}", joined + timedelta(minutes=i),
                                   member_name=name))
    last_day = {"busy": 59, "quiet": 40, "gone": 20, "fresh": 59}
    n = 0
    for name, until in last_day.items():
        start = 55 if name == "fresh" else 0
        for day in range(start, until + 1):
            n += 1
            events.append(MessagePosted(C, f"console:{name}", T0 + timedelta(days=day, hours=12),
                                        channel_id="general", message_id=f"x{n}", text="hi",
                                        member_name=name))
    return sorted(events, key=lambda e: e.at)


async def test_snapshot_segments_and_changes(db_url: str, make_app) -> None:
    app = await make_app(db_url)
    await seed(app.engine, people())
    settings = app.config.community(C).insights
    now = T0 + timedelta(days=60)
    async with app.sessions() as session:
        earlier = await recompute_segments(session, C, settings, T0 + timedelta(days=30))
        result = await recompute_segments(session, C, settings, now)
        again = await recompute_segments(session, C, settings, now)  # same time: no new rows
        await session.commit()
        repo = InsightsRepository(session, C)
        assert len(await repo.snapshot(now)) == 4
        changes = await segment_changes(session, C)
        declined = await segment_changes(session, C, declined_only=True)
    early = {s.member_id: s.segment for s in earlier.scores}
    assert "console:fresh" not in early, "members who joined later are not in past snapshots"
    segments = {s.member_id: s.segment for s in result.scores}
    assert segments["console:gone"] == CHURNED
    assert segments["console:quiet"] == DORMANT
    assert segments["console:busy"] not in (DORMANT, CHURNED)
    assert sum(result.counts.values()) == 4 and list(result.counts) == list(SEGMENTS)
    assert again.counts == result.counts
    moved = {c.member_id: c for c in changes}
    assert moved["console:quiet"].old is not None and moved["console:quiet"].declined
    assert moved["console:fresh"].old is None
    assert {c.member_id for c in declined} == {"console:quiet", "console:gone"}


async def test_segments_command_and_timer(sqlite_url: str, make_app) -> None:
    app = await make_app(sqlite_url)
    await seed(app.engine, list(simulate(members=40, days=20, seed=4)))
    now = T0 + timedelta(days=20)
    replies = await app.pipeline.process(admin("segments", now))
    assert len(replies) == 1 and isinstance(replies[0], Reply)
    text = replies[0].text
    assert "segments (RFM)" in text and "dormant" in text and "%" in text
    zh = await app.pipeline.process(CommandInvoked(
        C, "console:boss", now + timedelta(minutes=1), name="segments", channel_id="ops",
        roles=frozenset({"admin"}), locale="zh-CN", interaction_id="zh"))
    assert "成员分层" in zh[0].text
    refused = await app.pipeline.process(CommandInvoked(
        C, "console:someone", now, name="segments", channel_id="ops", interaction_id="m"))
    assert "segments (RFM)" not in refused[0].text
    await app.pipeline.run_timer("segments_recompute", {}, community_id=C,
                                 now=now + timedelta(days=1))
    async with app.sessions() as session:
        times = await InsightsRepository(session, C).snapshot_times()
    assert times == [now, now + timedelta(days=1)]
    later = await app.pipeline.process(admin("segments", now + timedelta(days=1, hours=1)))
    assert "previous snapshot" in later[0].text


async def test_empty_community_and_a_community_of_one(sqlite_url: str, make_app) -> None:
    app = await make_app(sqlite_url)
    async with app.sessions() as session:
        assert await compute_segments(InsightsRepository(session, C),
                                      app.config.community(C).insights, T0) == []
    # the admin asking is the community's only member
    replies = await app.pipeline.process(admin("segments", T0))
    assert "1 members" in replies[0].text and "potential: 1 (100%)" in replies[0].text
