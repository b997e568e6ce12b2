"""Voice sessions from join/leave/move updates.

Discord reports voice *state changes*, not sessions; Hearth counts minutes in voice, so the
adapter keeps the open session per (guild, member) in memory and emits one VoiceSessionEnded
when it closes. Sessions open across a restart are re-seeded from the guild's voice states at
start (counting from then), so at worst minutes are under-counted, never invented.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True, slots=True)
class VoiceSpan:
    guild_id: int
    member_id: int
    channel_id: int
    started: datetime
    ended: datetime

    @property
    def minutes(self) -> float:
        return max(0.0, (self.ended - self.started).total_seconds() / 60.0)

    @property
    def session_id(self) -> str:
        return f"dc:{self.guild_id}:{self.member_id}:{int(self.started.timestamp() * 1000)}"


class VoiceSessions:
    """Open voice sessions; ``update`` returns the session a state change closed, if any."""

    def __init__(self) -> None:
        self._open: dict[tuple[int, int], tuple[int, datetime]] = {}

    def __len__(self) -> int:
        return len(self._open)

    def seed(self, guild_id: int, member_id: int, channel_id: int, at: datetime) -> None:
        """Start counting a member already in voice (seen at start-up)."""
        self._open.setdefault((guild_id, member_id), (channel_id, at))

    def update(
        self, guild_id: int, member_id: int, channel_id: int | None, at: datetime
    ) -> VoiceSpan | None:
        """The member is now in ``channel_id`` (None: not in voice). Returns the session this
        closed, if any; staying in the same channel (mute, deafen) changes nothing.

        Only the *current* channel is used, never discord.py's ``before`` state: discord.py
        mutates the cached VoiceState in place, so a handler running after a burst of updates
        sees the latest state in both ``before`` and ``after``. Comparing against our own
        record of the open session is immune to that.
        """
        key = (guild_id, member_id)
        current = self._open.get(key)
        if current is not None and current[0] == channel_id:
            return None
        ended: VoiceSpan | None = None
        if current is not None:
            del self._open[key]
            ended = VoiceSpan(guild_id, member_id, current[0], current[1], at)
        if channel_id is not None:
            self._open[key] = (channel_id, at)
        return ended

    def forget_guild(self, guild_id: int) -> None:
        for key in [k for k in self._open if k[0] == guild_id]:
            del self._open[key]
