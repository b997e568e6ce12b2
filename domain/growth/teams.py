"""Teams: the teammate boost, membership decisions, team names and the team leaderboard.

The seed idea is "plant trees together for double growth": when teammates interact with
each other within ``window`` seconds, the interaction earns ``team_boost`` times the points
(default x2). An interaction is *between teammates* when either

- it targets a teammate directly — a reply to, mention of, or reaction to a teammate's
  message posted at most ``window`` seconds earlier (``is_teammate_interaction``), or
- a different teammate posted in the same channel within the window (the team is talking
  together; ``TeamPresence`` tracks that in O(1) per message).

The handler computes the flag and passes it to ``points.award_*(is_teammate_interaction=)``.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum


class TeamRefusal(StrEnum):
    NAME_TOO_SHORT = "team_name_too_short"
    NAME_TOO_LONG = "team_name_too_long"
    NAME_INVALID = "team_name_invalid"
    NAME_TAKEN = "team_name_taken"
    ALREADY_IN_TEAM = "already_in_team"
    NOT_IN_TEAM = "not_in_team"
    UNKNOWN_TEAM = "unknown_team"
    TEAM_FULL = "team_full"


def _seconds(value: datetime | float) -> float:
    return value.timestamp() if isinstance(value, datetime) else float(value)


def is_teammate_interaction(
    actor_team: str | None,
    target_team: str | None,
    *,
    target_at: datetime | float,
    at: datetime | float,
    window_seconds: float,
) -> bool:
    """True when actor and target share a team and the target's message is recent enough.

    A target message from the future (clock skew) counts as "just now".
    """
    if actor_team is None or actor_team != target_team:
        return False
    return _seconds(at) - _seconds(target_at) <= window_seconds


@dataclass(slots=True)
class TeamPresence:
    """Who of each team last posted in each channel, to detect teammates talking together.

    Keeps the last two distinct posters per (team, channel): enough to answer "did another
    teammate post here within the window?" in O(1). Memory is bounded by the number of
    (team, channel) pairs, and ``forget_before`` drops stale pairs.
    """

    _last: dict[tuple[str, str], tuple[str, float, str | None, float]] = field(
        default_factory=dict
    )

    def note(self, team_id: str | None, channel_id: str, member_id: str, at: datetime | float,
             window_seconds: float) -> bool:
        """Record a post and return True if another teammate posted here within the window."""
        if team_id is None:
            return False
        now = _seconds(at)
        key = (team_id, channel_id)
        previous = self._last.get(key)
        if previous is None:
            self._last[key] = (member_id, now, None, 0.0)
            return False
        last_member, last_at, other_member, other_at = previous
        if last_member == member_id:
            together = other_member is not None and now - other_at <= window_seconds
            self._last[key] = (member_id, max(now, last_at), other_member, other_at)
        else:
            together = now - last_at <= window_seconds
            self._last[key] = (member_id, now, last_member, last_at)
        return together

    def forget_before(self, at: datetime | float) -> None:
        """Drop pairs whose last post is older than ``at`` (call from a periodic sweep)."""
        cutoff = _seconds(at)
        for key in [k for k, v in self._last.items() if v[1] < cutoff]:
            del self._last[key]

    def __len__(self) -> int:
        return len(self._last)


def boost_for(team_boost: float, teammate_interaction: bool) -> float:
    return team_boost if teammate_interaction else 1.0


_SPACES = re.compile(r"\s+")
_MENTION = re.compile(r"[@#<>`*_~|\\]")


def team_name_key(name: str) -> str:
    """Comparison key: NFKC, case-folded, whitespace collapsed ("Tree  Huggers" == "tree
    huggers"), so duplicates cannot hide behind case or full-width letters."""
    return _SPACES.sub(" ", unicodedata.normalize("NFKC", name)).strip().casefold()


def check_team_name(
    name: str, existing_keys: Iterable[str] | set[str], *, min_length: int = 2,
    max_length: int = 32,
) -> str | TeamRefusal:
    """The cleaned display name, or why it cannot be used.

    Names may not contain control characters or markup that would ping or format
    (``@ # < > ` * _ ~ | \\``), and must be unique by ``team_name_key``.
    """
    cleaned = _SPACES.sub(" ", unicodedata.normalize("NFKC", name)).strip()
    if len(cleaned) < min_length:
        return TeamRefusal.NAME_TOO_SHORT
    if len(cleaned) > max_length:
        return TeamRefusal.NAME_TOO_LONG
    if _MENTION.search(cleaned) or any(unicodedata.category(c)[0] == "C" for c in cleaned):
        return TeamRefusal.NAME_INVALID
    keys = existing_keys if isinstance(existing_keys, set | frozenset) else set(existing_keys)
    if team_name_key(cleaned) in keys:
        return TeamRefusal.NAME_TAKEN
    return cleaned


def decide_join(current_team: str | None, *, team_exists: bool, team_size: int,
                max_members: int | None) -> TeamRefusal | None:
    """``None`` if the member may join; otherwise the reason."""
    if current_team is not None:
        return TeamRefusal.ALREADY_IN_TEAM
    if not team_exists:
        return TeamRefusal.UNKNOWN_TEAM
    if max_members is not None and team_size >= max_members:
        return TeamRefusal.TEAM_FULL
    return None


def decide_leave(current_team: str | None) -> TeamRefusal | None:
    return TeamRefusal.NOT_IN_TEAM if current_team is None else None


@dataclass(frozen=True, slots=True)
class TeamStanding:
    rank: int
    team_id: str
    points: int
    members: int
    average: float


def rank_teams(
    member_points: Mapping[str, int],
    membership: Mapping[str, str],
    *,
    by: str = "sum",
    teams: Iterable[str] = (),
    limit: int | None = None,
) -> list[TeamStanding]:
    """Team leaderboard from member totals (for whatever window the caller aggregated).

    ``by`` is ``"sum"`` (total points) or ``"average"`` (per member, fair to small teams).
    Ties are broken by the other measure, then fewer members, then team id, so the order
    never depends on dict order. ``teams`` adds teams with no members yet (0 points).
    """
    if by not in ("sum", "average"):
        raise ValueError(f"rank teams by 'sum' or 'average', not {by!r}")
    totals: dict[str, list[int]] = {team: [0, 0] for team in teams}
    for member, team in membership.items():
        entry = totals.setdefault(team, [0, 0])
        entry[0] += member_points.get(member, 0)
        entry[1] += 1
    rows = [
        (team, points, members, points / members if members else 0.0)
        for team, (points, members) in totals.items()
    ]
    if by == "sum":
        rows.sort(key=lambda r: (-r[1], -r[3], r[2], r[0]))
    else:
        rows.sort(key=lambda r: (-r[3], -r[1], r[2], r[0]))
    if limit is not None:
        rows = rows[:limit]
    return [
        TeamStanding(position, team, points, members, average)
        for position, (team, points, members, average) in enumerate(rows, start=1)
    ]
