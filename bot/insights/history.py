"""Load what is stored about a community into per-member histories (for churn features).

One pass over the activity rows builds every member's sorted time lists; the other
features' tables (points, helpful marks, strikes, stage changes, teams, sentiment) are
added when the deployment has them.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.storage.repos.insights import MEANINGFUL_KINDS, InsightsRepository
from domain.events import Event
from domain.insights.churn_features import MemberHistory

_SENTIMENT = {"pos": 1.0, "neg": -1.0}


@dataclass
class CommunityHistory:
    members: dict[str, MemberHistory]
    names: dict[str, str]
    first: float | None  # first meaningful activity (POSIX seconds)
    last: float | None  # last meaningful activity


def stage_order(settings: object) -> tuple[str, ...]:
    """The community's stage names, lowest first (growth config, else the defaults)."""
    from domain.growth.stages import DEFAULT_STAGE_NAMES

    growth = getattr(settings, "growth", None)
    try:
        rules = growth.to_stage_rules() if growth is not None else None
    except Exception:  # a growth section without stages: fall back to the defaults
        rules = None
    if rules is None:
        return tuple(DEFAULT_STAGE_NAMES)
    return tuple(stage.name for stage in rules.stages)


class HistoryBuilder:
    """Collects rows into per-member histories (from the database or from events)."""

    def __init__(self, stages: Sequence[str]) -> None:
        self.people: dict[str, MemberHistory] = {}
        self.names: dict[str, str] = {}
        self.first: float | None = None
        self.last: float | None = None
        self.rank = {name: i for i, name in enumerate(stages)}

    def member(self, member_id: str) -> MemberHistory:
        h = self.people.get(member_id)
        if h is None:
            h = self.people[member_id] = MemberHistory(member_id)
        return h

    def joined(self, member_id: str, at: float, name: str = "") -> None:
        h = self.member(member_id)
        if h.joined is None or at < h.joined:
            h.joined = at
        if name:
            self.names.setdefault(member_id, name)

    def activity(self, member_id: str, kind: str, t: float, target: str | None,
                 channel: str | None, length: int, question: bool, amount: float) -> None:
        h = self.member(member_id)
        if kind in _MEANINGFUL:
            h.acts.append(t)
            self.first = t if self.first is None or t < self.first else self.first
            self.last = t if self.last is None or t > self.last else self.last
        if kind == "message":
            h.messages.append(t)
            h.message_lengths.append(int(length or 0))
            h.message_channels.append(channel or "")
            if question:
                h.questions.append(t)
            if target and target != member_id:
                h.replies_sent.append(t)
                h.partners.append((t, target))
                other = self.member(target)
                other.replies_received.append(t)
                other.partners.append((t, member_id))
        elif kind == "reaction":
            h.reactions_given.append(t)
            if target and target != member_id:
                self.member(target).reactions_received.append(t)
        elif kind == "voice":
            h.voice.append((t, float(amount or 0.0)))
        elif kind == "join":
            self.joined(member_id, t)
        elif kind == "leave":
            h.leaves.append(t)

    def stage(self, member_id: str, t: float, stage: str) -> None:
        if stage in self.rank:
            self.member(member_id).stages.append((t, self.rank[stage]))

    def build(self) -> CommunityHistory:
        for h in self.people.values():
            h.sort()
        return CommunityHistory(self.people, self.names, self.first, self.last)


_MEANINGFUL = frozenset(MEANINGFUL_KINDS)


def is_question(text: str) -> bool:
    """The same rule as the database query: a question mark, ASCII or full-width."""
    return "?" in text or "？" in text


async def load_history(repo: InsightsRepository, *, until: datetime, days: int,
                       stages: Sequence[str], exclude_reasons: Sequence[str] = ()
                       ) -> CommunityHistory:
    """Histories of every member with activity in the ``days`` before ``until``."""
    since = until - timedelta(days=days)
    builder = HistoryBuilder(stages)
    for row in await repo.members():
        joined = row["joined_at"] or row["first_seen"]
        if joined is not None:
            builder.joined(row["member_id"], joined.timestamp(), row["display_name"] or "")
        else:
            builder.member(row["member_id"])
    for member_id, kind, at, target, channel, length, question, amount in \
            await repo.activity(since, until):
        builder.activity(member_id, kind, float(at), target, channel, length, bool(question),
                         amount)
    member = builder.member
    for member_id, at, delta in await repo.points(since, until, exclude_reasons):
        member(member_id).points.append((float(at), int(delta)))
    for author, at in await repo.helpful(since, until):
        member(author).helpful.append(at.timestamp())
    for member_id, issued, ends in await repo.strikes():
        member(member_id).strikes.append((issued.timestamp(), ends.timestamp()))
    for member_id, at, stage in await repo.stage_changes():
        builder.stage(member_id, at.timestamp(), stage)
    for member_id, at in (await repo.team_joins()).items():
        member(member_id).team_joined = at.timestamp()
    for member_id, at, label, _confidence in await repo.sentiment(since, until):
        member(member_id).sentiment.append((at.timestamp(), _SENTIMENT.get(label, 0.0)))
    return builder.build()


def history_from_events(events: Iterable[Event], stages: Sequence[str] = ()
                        ) -> CommunityHistory:
    """Histories straight from domain events (tests, benchmarks and offline evaluation on
    simulated traffic): the activity part of :func:`load_history` without a database."""
    from domain.events import (
        CommandInvoked,
        MemberJoined,
        MemberLeft,
        MessagePosted,
        ReactionAdded,
        VoiceSessionEnded,
    )

    builder = HistoryBuilder(stages)
    for event in events:
        t = event.at.timestamp()
        if isinstance(event, MessagePosted):
            builder.activity(event.member_id, "message", t, event.reply_to_member_id,
                             event.channel_id, len(event.text), is_question(event.text), 0.0)
        elif isinstance(event, ReactionAdded):
            builder.activity(event.member_id, "reaction", t, event.target_member_id,
                             event.channel_id, 0, False, 0.0)
        elif isinstance(event, VoiceSessionEnded):
            builder.activity(event.member_id, "voice", t, None, event.channel_id, 0, False,
                             float(event.minutes))
        elif isinstance(event, CommandInvoked):
            builder.activity(event.member_id, "command", t, None, event.channel_id, 0, False,
                             0.0)
        elif isinstance(event, MemberJoined):
            builder.joined(event.member_id, t, event.member_name)
        elif isinstance(event, MemberLeft):
            builder.activity(event.member_id, "leave", t, None, None, 0, False, 0.0)
    return builder.build()
