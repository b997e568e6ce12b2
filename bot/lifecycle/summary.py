"""The time part of ``hearth demo``: reminders, nudges and digests firing in simulated time.

After the replay, the demo community gets a ``[scheduler]`` setup (digest and team channels,
a weekly announcement), a few members set reminders and subscribe to the digest by command,
and a simulated clock walks from the first day a member could have been silent for
``silence_days`` to three weeks past the last event, calling ``services["sweep"](t)`` at each
step — the same sweeper and handlers as ``hearth run``, only the clock is simulated. Every
query is bounded by the simulated "now". The replay has no events after its last day, so
members' answers to nudges are simulated (see :func:`run_time_tail`) and labelled as such.
"""

from __future__ import annotations

import random
import time as wallclock
from datetime import datetime, timedelta
from typing import Any

from rich.console import Console
from rich.table import Table
from sqlalchemy import func, select

TITLE = "Time: reminders, nudges and digests in simulated time"
STEP = timedelta(hours=6)
REMINDER_MEMBERS = 12
RESPONSE_RATE = 0.15  # simulated: a nudged member posts again within 3 days
BASELINE_RATE = 0.05  # simulated: the same for a member in the control arm
COMEBACKS = ["hey everyone, I'm back! what did I miss?", "sorry I was away, busy month",
             "大家好，我回来了！最近有什么新鲜事？", "thanks for the ping, catching up now"]


def demo_scheduler(team_channel: str = "team", digest_channel: str = "general"
                   ) -> dict[str, Any]:
    return {
        "digest": {"channel": digest_channel},
        "wakeup": {"team_channel": team_channel},
        "announcements": [{"cron": "0 10 * * mon", "channel": "events",
                           "text": "The weekly thread is open: what are you working on?"}],
    }


def with_scheduler(config: Any, community_id: str, overrides: dict[str, Any]) -> Any:
    """``config`` with the community's ``[scheduler]`` section updated by ``overrides``
    (validated like a file would be); every other section is kept as it is."""
    from bot.config import CommunitySettings, Config
    from bot.scheduler.config import SchedulerSettings

    settings = config.community(community_id)
    current = settings.sections.get("scheduler") or SchedulerSettings()
    merged = current.model_dump(mode="json")
    for key, value in overrides.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = {**merged[key], **value}
        else:
            merged[key] = value
    section = SchedulerSettings.model_validate(merged)
    changed = CommunitySettings(settings.entry, {**settings.sections, "scheduler": section})
    return Config(config.path, config.sections, {**config.communities, community_id: changed})


async def run_time_tail(app: Any, community_id: str = "console:demo", *,
                        step: timedelta = STEP, response_rate: float = RESPONSE_RATE,
                        baseline_rate: float = BASELINE_RATE, seed: int = 7
                        ) -> dict[str, Any]:
    """Configure the community for the time features, set a few reminders, and sweep a
    simulated clock from the first day anyone could be silent for ``silence_days`` until
    every journey started by the end of the replay has run its course; returns the counts.

    Responses are simulated (the replay has no future): a member who got a nudge posts
    again within three days with probability ``response_rate``, one in the control arm with
    ``baseline_rate`` — through the pipeline as real messages, so the journeys stop, the
    perk bonus is paid and ``returned_at`` is measured exactly as in production.
    """
    from bot.storage.models import Activity, AuditEntry, MemberStats, ScheduledItem
    from bot.storage.models_time import Nudge
    from bot.storage.repos.time import TimeRepository
    from domain.actions import DirectMessage, PostToChannel
    from domain.events import CommandInvoked, MessagePosted

    settings = app.config.community(community_id)
    if settings is None:
        return {}
    fresh = with_scheduler(app.config, community_id, demo_scheduler())
    app.pipeline.swap_config(fresh)
    app.config = fresh
    wake = fresh.community(community_id).scheduler.wakeup
    silence = timedelta(days=wake.silence_days)
    journey = sum(wake.gaps(), timedelta(0)) + timedelta(days=3)

    activity = Activity.__table__
    stats = MemberStats.__table__
    nudges = Nudge.__table__
    async with app.sessions() as session:
        first, last = (await session.execute(
            select(func.min(activity.c.at), func.max(activity.c.at))
            .where(activity.c.community_id == community_id))).one()
        busiest = (await session.execute(
            select(stats.c.member_id).where(stats.c.community_id == community_id)
            .order_by(stats.c.messages.desc(), stats.c.member_id)
            .limit(REMINDER_MEMBERS))).scalars().all()
    if first is None:
        return {}
    first, last = _aware(first), _aware(last)
    start = first + silence
    end = last + silence + journey
    # A few members set reminders and ask for the digest, as people would in the chat.
    asks = ["in 2h check the PR", "tomorrow 9am call the venue", "明天上午9点 开会",
            "next monday 10:00 prepare the meetup", "in 3 days send the photos",
            "下周三下午3点 交周报"]
    counter = 0
    for index, member in enumerate(busiest):
        for name, args in (("remind", asks[index % len(asks)]), ("digest", "on")):
            counter += 1
            await app.pipeline.process(CommandInvoked(
                community_id, member, start + timedelta(minutes=counter), name=name, args=args,
                channel_id="general", interaction_id=f"demo-time-{counter}"))
    await app.services["time_ensure"](start)  # what `hearth run` does at start
    rng = random.Random(seed)
    pending: list[MessagePosted] = []
    started = wallclock.perf_counter()
    delivered: dict[str, int] = {}
    now = start
    sweeps = 0
    while now <= end:
        due = sorted((e for e in pending if e.at <= now), key=lambda e: e.at)
        if due:
            pending = [e for e in pending if e.at > now]
            await app.pipeline.process_many(due, check_stored=False)
            await app.pipeline.flush()
        for action in await app.services["sweep"](now):
            kind = type(action).__name__
            if isinstance(action, DirectMessage) and "⏰" in action.text:
                kind = "reminder DMs"
            elif isinstance(action, PostToChannel) and action.channel_id == "general":
                kind = "digest posts"
            delivered[kind] = delivered.get(kind, 0) + 1
        sweeps += 1
        async with app.sessions() as session:
            sent = (await session.execute(
                select(nudges.c.member_id, nudges.c.delivered, nudges.c.stage)
                .where(nudges.c.community_id == community_id, nudges.c.sent_at == now))).all()
        for member_id, was_delivered, stage in sent:
            rate = response_rate if was_delivered else baseline_rate
            if stage == "recall" or rng.random() >= rate:
                continue
            counter += 1
            at = now + timedelta(hours=rng.uniform(2, 72))
            pending.append(MessagePosted(
                community_id, member_id, at, channel_id="general",
                message_id=f"demo-back-{counter}", text=rng.choice(COMEBACKS),
                member_name=member_id.split(":", 1)[-1]))
        now += step
    seconds = wallclock.perf_counter() - started
    items = ScheduledItem.__table__
    audit = AuditEntry.__table__
    async with app.sessions() as session:
        done = dict((await session.execute(
            select(items.c.kind, func.count()).where(items.c.community_id == community_id,
                                                     items.c.status == "done")
            .group_by(items.c.kind))).all())
        runs = dict((await session.execute(
            select(items.c.kind, func.count()).where(items.c.community_id == community_id,
                                                     items.c.recurrence.is_not(None))
            .group_by(items.c.kind))).all())
        digests = (await session.execute(
            select(func.count()).where(audit.c.community_id == community_id,
                                       audit.c.action == "digest.sent"))).scalar_one()
        counts = await TimeRepository(session, community_id).nudge_counts()
    return {
        "from": start, "to": end, "sweeps": sweeps, "seconds": round(seconds, 2),
        "reminders_set": len(busiest), "reminders_fired": int(done.get("reminder", 0)),
        "digests": int(digests), "recurring_items": runs, "delivered": delivered,
        "nudges": counts["by_stage"], "members_returned": counts["members_returned"],
        "response_rate": response_rate, "baseline_rate": baseline_rate,
    }


def _aware(moment: datetime) -> datetime:
    from datetime import UTC

    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


async def show_time_summary(app: Any, console: Console) -> None:
    result = await run_time_tail(app)
    if not result:
        return
    table = Table(title=TITLE, show_header=False)
    table.add_row("simulated clock", f"{result['from']:%Y-%m-%d} → {result['to']:%Y-%m-%d} "
                  f"({result['sweeps']} sweeps, {result['seconds']} s)")
    table.add_row("reminders fired", f"{result['reminders_fired']} of {result['reminders_set']}")
    table.add_row("digests posted", str(result["digests"]))
    for stage in ("reminder", "perk", "social", "recall", "digest"):
        counts = result["nudges"].get(stage)
        if counts:
            table.add_row(f"  nudges: {stage}", f"{counts['sent']} sent, {counts['control']} "
                          f"control, {counts['returned']} came back")
    table.add_row("members who came back", f"{result['members_returned']} (simulated answers: "
                  f"{result['response_rate']:.0%} after a nudge, {result['baseline_rate']:.0%} "
                  "in the control arm)")
    for kind, count in sorted(result["delivered"].items()):
        table.add_row(f"  delivered: {kind}", str(count))
    console.print(table)
