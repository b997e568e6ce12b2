"""In-memory state of the Feelings feature: recent scores per member, mood per channel.

Why memory and not the database: tone is chosen on every reply and mood is updated on every
message; both need only the last hours, and both are advisory — after a restart they rebuild
from new messages within minutes (a reply in that window is simply neutral). Everything that
must survive a restart (scores, cases, timers) is stored by the handlers in the database.

Bounded: members are kept in LRU order up to ``capacity``, each with at most
``per_member`` scores; channels keep what the mood policy's window needs (``MoodPolicy``
trims its own entries); pending questions expire with their timers.
"""

from __future__ import annotations

from collections import OrderedDict, deque
from dataclasses import dataclass, field
from datetime import datetime

from domain.sentiment import MoodState, PendingQuestion, ScoredMessage

Key = tuple[str, str]


@dataclass(slots=True)
class FeelingsMemory:
    capacity: int = 50_000
    per_member: int = 20
    max_channels: int = 20_000
    max_questions: int = 5_000
    _members: OrderedDict[Key, deque[ScoredMessage]] = field(default_factory=OrderedDict)
    _channels: OrderedDict[Key, MoodState] = field(default_factory=OrderedDict)
    _questions: OrderedDict[Key, PendingQuestion] = field(default_factory=OrderedDict)
    _answered: set[Key] = field(default_factory=set)
    _in_case: set[Key] = field(default_factory=set)

    # -- members -----------------------------------------------------------------------------

    def add_score(self, community_id: str, member_id: str, scored: ScoredMessage) -> None:
        key = (community_id, member_id)
        recent = self._members.get(key)
        if recent is None:
            recent = self._members[key] = deque(maxlen=self.per_member)
        else:
            self._members.move_to_end(key)
        if any(m.message_id == scored.message_id for m in recent if scored.message_id):
            return
        recent.append(scored)
        while len(self._members) > self.capacity:
            self._members.popitem(last=False)

    def recent(self, community_id: str, member_id: str) -> list[ScoredMessage]:
        return list(self._members.get((community_id, member_id), ()))

    # -- support cases (for tone: a member with an active case always gets the gentle tone) -----

    def set_in_case(self, community_id: str, member_id: str, active: bool) -> None:
        key = (community_id, member_id)
        if active:
            self._in_case.add(key)
        else:
            self._in_case.discard(key)

    def in_case(self, community_id: str, member_id: str) -> bool:
        return (community_id, member_id) in self._in_case

    # -- channels ----------------------------------------------------------------------------

    def channel(self, community_id: str, channel_id: str) -> MoodState:
        return self._channels.get((community_id, channel_id), MoodState())

    def set_channel(self, community_id: str, channel_id: str, state: MoodState) -> None:
        key = (community_id, channel_id)
        self._channels[key] = state
        self._channels.move_to_end(key)
        while len(self._channels) > self.max_channels:
            self._channels.popitem(last=False)

    # -- pending questions -------------------------------------------------------------------

    def add_question(self, pending: PendingQuestion) -> None:
        """Remember a question waiting for its follow-up (insertion order ≈ due order)."""
        key = (pending.community_id, pending.message_id)
        self._questions[key] = pending
        while len(self._questions) > self.max_questions:
            old, _ = self._questions.popitem(last=False)
            self._answered.discard(old)

    def questions_in(self, community_id: str) -> list[PendingQuestion]:
        return [q for (c, m), q in self._questions.items()
                if c == community_id and (c, m) not in self._answered]

    def mark_answered(self, community_id: str, message_id: str) -> None:
        self._answered.add((community_id, message_id))

    def answered(self, community_id: str, message_id: str) -> bool:
        return (community_id, message_id) in self._answered

    def forget_question(self, community_id: str, message_id: str) -> None:
        self._questions.pop((community_id, message_id), None)
        self._answered.discard((community_id, message_id))

    def expire_questions(self, before: datetime) -> None:
        """Drop questions whose follow-up is long past (their timers ran or were lost)."""
        while self._questions:
            key, oldest = next(iter(self._questions.items()))
            if oldest.due_at >= before:
                return
            self._questions.popitem(last=False)
            self._answered.discard(key)
