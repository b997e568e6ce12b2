"""A/B tests of nudges in the bot: commands, the daily cap, exposures from any source, and
the analysis on the simulated community's planted experiment.

Why: experiments are started by admins in chat, exposures come from Hearth and from the
wake-up journeys' nudge log, and the result must find the effect the simulator planted.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.insights.experiments import experiment_views, expose, record_simulated
from bot.simulate import NUDGE_ARMS, NUDGE_EXPERIMENT, NUDGE_WINDOW_MINUTES, simulate
from bot.storage.models import Base
from bot.storage.repos.insights import InsightsRepository
from domain.events import CommandInvoked, MessagePosted
from domain.insights.abtest import assign_arm
from tests.bot.test_insights_support import seed

C = "console:demo"
T0 = datetime(2026, 2, 1, 9, tzinfo=UTC)


def admin(args: str, at: datetime, name: str = "experiment", lang: str | None = None
          ) -> CommandInvoked:
    return CommandInvoked(C, "console:boss", at, name=name, args=args, channel_id="ops",
                          roles=frozenset({"admin"}), locale=lang,
                          interaction_id=f"{name}:{args}:{at.isoformat()}")


async def say(app, args: str, at: datetime, **kw) -> str:
    actions = await app.pipeline.process(admin(args, at, **kw))
    return "\n".join(a.text for a in actions)


async def test_commands_and_daily_cap(sqlite_url: str, make_app) -> None:
    app = await make_app(sqlite_url, insights={"experiments": {"max_per_day": 2}})
    text = await say(app, "start copy-a arms=control,warm window=4h days=3", T0)
    assert "copy-a started" in text and "4h" in text and "until" in text
    assert "already exists" in await say(app, "start copy-a arms=control,warm", T0 + timedelta(
        minutes=1))
    assert "at least two arms" in await say(app, "start solo arms=only", T0)
    assert "30m, 4h or 2d" in await say(app, "start x arms=a,b window=later", T0)
    assert "Usage" in await say(app, "", T0)
    assert "started" in await say(app, "start copy-b arms=a,b", T0 + timedelta(minutes=2))
    capped = await say(app, "start copy-c arms=a,b", T0 + timedelta(minutes=3))
    assert "limit of 2 experiments a day" in capped
    # the next day both still run, so the day's cap is reached again
    assert "limit" in await say(app, "start copy-c arms=a,b", T0 + timedelta(days=1))
    assert "stopped" in await say(app, "stop copy-b", T0 + timedelta(days=1, minutes=1))
    assert "not running" in await say(app, "stop copy-b", T0 + timedelta(days=1, minutes=2))
    assert "no experiment called nope" in (await say(app, "nope", T0)).lower()
    listing = await say(app, "", T0 + timedelta(days=1, minutes=3), name="experiments")
    assert "copy-a" in listing and "copy-b" in listing and "Not enough data yet" in listing
    assert "实验" in await say(app, "", T0 + timedelta(days=1, minutes=4), name="experiments",
                             lang="zh")
    async with app.sessions() as session:
        rows = await InsightsRepository(session, C).experiments()
    assert [r["name"] for r in rows] == ["copy-a", "copy-b"]


async def test_exposures_are_stable_and_outcomes_come_from_activity(db_url: str,
                                                                    make_app) -> None:
    app = await make_app(db_url, insights={"experiments": {"min_per_arm": 5}})
    assert "started" in await say(app, "start warm arms=control,warm window=2h", T0)
    members = [f"console:m{i}" for i in range(40)]
    async with app.sessions() as session:
        repo = InsightsRepository(session, C)
        arms = {m: await expose(repo, "warm", m, T0 + timedelta(hours=1)) for m in members}
        again = {m: await expose(repo, "warm", m, T0 + timedelta(hours=5)) for m in members}
        assert await expose(repo, "missing", members[0], T0) is None
        await session.commit()
    assert arms == again == {m: assign_arm("warm", m, ("control", "warm")) for m in members}
    # every "warm" member answers within the window, control members only after it
    events = []
    for i, m in enumerate(members):
        delay = timedelta(minutes=30) if arms[m] == "warm" else timedelta(hours=3)
        events.append(MessagePosted(C, m, T0 + timedelta(hours=1) + delay, channel_id="g",
                                    message_id=f"r{i}", text="back!"))
    await seed(app.engine, events, community="console:demo2")  # other community: ignored
    async with app.sessions() as session:
        views = await experiment_views(InsightsRepository(session, C),
                                       app.config.community(C).insights.experiments,
                                       T0 + timedelta(days=1))
    assert views[0].result.status == "not_enough_data"  # nobody acted in this community yet
    await seed(app.engine, events, new_community=False)
    async with app.sessions() as session:
        views = await experiment_views(InsightsRepository(session, C),
                                       app.config.community(C).insights.experiments,
                                       T0 + timedelta(days=1))
        early = await experiment_views(InsightsRepository(session, C),
                                       app.config.community(C).insights.experiments,
                                       T0 + timedelta(hours=2))
    result = views[0].result
    rates = {a.arm: a.rate for a in result.arms}
    assert rates == {"control": 0.0, "warm": 1.0}
    assert result.status == "effect" and result.winner == "warm"
    assert early[0].pending == 40 and sum(a.exposed for a in early[0].result.arms) == 0


async def test_nudge_log_is_a_source(sqlite_url: str, make_app) -> None:
    nudges = Base.metadata.tables.get("nudges")
    if nudges is None:
        import pytest

        pytest.skip("this deployment has no wake-up journeys (no nudges table)")
    app = await make_app(sqlite_url, insights={"experiments": {"min_per_arm": 3,
                                                               "nudge_window_hours": 24}})
    rows = []
    for i in range(12):
        arm = "control" if i % 2 else "social"
        rows.append({"community_id": C, "member_id": f"console:n{i}", "silent_since": T0,
                     "stage": "perk", "step": 1, "experiment": "wakeup", "arm": arm,
                     "variant": "v1", "channel": "dm", "delivered": arm != "control",
                     "sent_at": T0 + timedelta(hours=1),
                     "returned_at": T0 + timedelta(hours=3) if arm == "social" else None,
                     "bonus_points": 0, "bonus_paid": False, "details": None})
        rows.append({**rows[-1], "stage": "social", "step": 2,
                     "sent_at": T0 + timedelta(days=3), "returned_at": None})
    async with app.engine.begin() as conn:
        await conn.execute(nudges.insert(), rows)
    async with app.sessions() as session:
        views = await experiment_views(InsightsRepository(session, C),
                                       app.config.community(C).insights.experiments,
                                       T0 + timedelta(days=5))
    view = next(v for v in views if v.name == "wakeup")
    assert view.source == "nudges" and view.arms == ("control", "social")
    counts = {a.arm: (a.exposed, a.converted) for a in view.result.arms}
    assert counts == {"control": (6, 0), "social": (6, 6)}, "one exposure per member"


def test_simulated_experiment_has_a_planted_effect_in_one_arm() -> None:
    exposures: list = []
    events = list(simulate(members=400, days=60, seed=7, realistic_reactions=True,
                           exposures=exposures))
    assert {e.experiment for e in exposures} == {NUDGE_EXPERIMENT}
    assert all(e.arm == assign_arm(NUDGE_EXPERIMENT, e.member_id, NUDGE_ARMS)
               for e in exposures)
    assert len({e.member_id for e in exposures}) == len(exposures)
    from bisect import bisect_right
    from collections import defaultdict

    from domain.insights.abtest import analyse

    acts = defaultdict(list)
    for e in events:
        if not type(e).__name__.startswith("Member"):
            acts[e.member_id].append(e.at)
    window = timedelta(minutes=NUDGE_WINDOW_MINUTES)
    counts = {arm: [0, 0] for arm in NUDGE_ARMS}
    for x in exposures:
        times = acts[x.member_id]
        i = bisect_right(times, x.at)
        counts[x.arm][0] += 1
        counts[x.arm][1] += i < len(times) and times[i] <= x.at + window
    result = analyse(NUDGE_EXPERIMENT, NUDGE_ARMS, {a: tuple(v) for a, v in counts.items()})
    assert result.status == "effect" and result.winner == "social"


async def test_recorded_simulated_experiment(sqlite_url: str, make_app) -> None:
    from bot.simulate import SimulatedExposure

    app = await make_app(sqlite_url)
    exposures = [SimulatedExposure(NUDGE_EXPERIMENT, f"console:s{i}",
                                   assign_arm(NUDGE_EXPERIMENT, f"console:s{i}", NUDGE_ARMS),
                                   T0) for i in range(10)]
    async with app.sessions() as session:
        repo = InsightsRepository(session, C)
        assert await record_simulated(repo, exposures, window_minutes=NUDGE_WINDOW_MINUTES,
                                      arms=NUDGE_ARMS) == 10
        assert await record_simulated(repo, exposures, window_minutes=NUDGE_WINDOW_MINUTES,
                                      arms=NUDGE_ARMS) == 0
        await session.commit()
        row = await repo.experiment(NUDGE_EXPERIMENT)
    assert row is not None and row["status"] == "stopped" and row["source"] == "demo"
