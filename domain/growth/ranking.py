"""Leaderboards: window boundaries and a deterministic ordering of pre-aggregated totals.

The storage layer sums points per member for the window (``window_start`` gives the
boundary in the community's time zone); this module only orders. Order: more points first,
then whoever reached their total earlier (``reached_at``, when known), then member id — so
the same data always gives the same board, and ranks are positions 1..n.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta, tzinfo
from enum import StrEnum


class Window(StrEnum):
    WEEK = "week"
    MONTH = "month"
    ALL = "all"


_WINDOW_ALIASES = {
    "week": Window.WEEK, "w": Window.WEEK, "weekly": Window.WEEK, "周": Window.WEEK,
    "本周": Window.WEEK, "每周": Window.WEEK,
    "month": Window.MONTH, "m": Window.MONTH, "monthly": Window.MONTH, "月": Window.MONTH,
    "本月": Window.MONTH, "每月": Window.MONTH,
    "all": Window.ALL, "a": Window.ALL, "alltime": Window.ALL, "all-time": Window.ALL,
    "全部": Window.ALL, "总": Window.ALL, "总榜": Window.ALL, "": Window.ALL,
}


def parse_window(text: str) -> Window | None:
    """``week|month|all`` (and zh aliases: 周/月/全部); ``None`` if unrecognised."""
    return _WINDOW_ALIASES.get(text.strip().casefold())


def window_start(window: Window | str, now: datetime, tz: tzinfo = UTC
                 ) -> datetime | None:
    """Start of the current window in ``tz`` (Monday 00:00 / 1st 00:00), ``None`` for all."""
    window = Window(window)
    if window is Window.ALL:
        return None
    if now.tzinfo is None:
        now = now.replace(tzinfo=UTC)
    local = now.astimezone(tz).date()
    if window is Window.WEEK:
        local -= timedelta(days=local.weekday())
    else:
        local = local.replace(day=1)
    return datetime.combine(local, time(), tzinfo=tz)


@dataclass(frozen=True, slots=True)
class RankedEntry:
    rank: int
    member_id: str
    points: int


Row = tuple[str, int] | tuple[str, int, float | None]


def _key(row: Row) -> tuple[int, float, str]:
    reached = row[2] if len(row) > 2 else None  # type: ignore[misc]
    return (-row[1], math.inf if reached is None else reached, row[0])


def rank_entries(rows: Iterable[Row], limit: int | None = None) -> list[RankedEntry]:
    """Rows ``(member_id, points)`` or ``(member_id, points, reached_at_seconds)`` ranked.

    With ``limit`` only the top ``limit`` are sorted (O(n log limit)).
    """
    if limit is not None:
        ordered = heapq.nsmallest(max(0, limit), rows, key=_key)
    else:
        ordered = sorted(rows, key=_key)
    return [RankedEntry(position, row[0], row[1])
            for position, row in enumerate(ordered, start=1)]


def rank_of(rows: Iterable[Row], member_id: str) -> RankedEntry | None:
    """One member's position without sorting everyone (O(n)); ``None`` if absent."""
    rows = list(rows)
    mine = next((row for row in rows if row[0] == member_id), None)
    if mine is None:
        return None
    key = _key(mine)
    ahead = sum(1 for row in rows if _key(row) < key)
    return RankedEntry(ahead + 1, member_id, mine[1])
