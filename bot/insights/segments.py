"""RFM segments of a community: compute, store a snapshot, and report changes.

The scheduler's ``segments_recompute`` timer calls :func:`recompute_segments`; ``/segments``
reads the latest snapshot; the wake-up journeys call :func:`segment_changes` to find members
who moved to a worse segment since the previous snapshot.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.insights.config import InsightsSettings
from bot.storage.repos.insights import InsightsRepository
from domain.insights.rfm import (
    RfmInput,
    RfmScore,
    SegmentChange,
    score_members,
    segment_counts,
)
from domain.insights.rfm import segment_changes as diff_segments

DAY_SECONDS = 86_400.0


@dataclass
class SegmentsResult:
    community_id: str
    computed_at: datetime
    scores: list[RfmScore]
    counts: dict[str, int]
    changes: list[SegmentChange] = field(default_factory=list)


async def compute_segments(repo: InsightsRepository, settings: InsightsSettings,
                           now: datetime) -> list[RfmScore]:
    """Every member known at ``now`` scored from the data up to ``now`` (never after it, so
    snapshots can be backfilled for past dates)."""
    rfm = settings.rfm
    members = [m for m in await repo.members()
               if _known_by(m, now)]
    last = await repo.last_acts(now)
    freq_since = now - timedelta(days=rfm.frequency_days)
    active_days: dict[str, set[int]] = defaultdict(set)
    for member_id, at in await repo.member_acts(freq_since, now):
        active_days[member_id].add(int(at.timestamp() // DAY_SECONDS))
    value_since = now - timedelta(days=rfm.value_days)
    value: dict[str, float] = defaultdict(float)
    for member_id, points in (await repo.points_by_member(
            value_since, now, settings.payout.exclude_reasons)).items():
        value[member_id] += points
    for author, _at in await repo.helpful(value_since, now):
        value[author] += rfm.helpful_value
    for member_id, _at, score in await repo.quality(value_since, now):
        value[member_id] += rfm.quality_value * max(0.0, float(score))
    items: list[RfmInput] = []
    for row in members:
        member_id = row["member_id"]
        seen = last.get(member_id)
        since = seen or row["joined_at"] or row["first_seen"] or now
        recency = max(0.0, (now - since).total_seconds() / DAY_SECONDS)
        left_at = row["left_at"]
        left = left_at is not None and left_at <= now and (seen is None or left_at >= seen)
        items.append(RfmInput(member_id, recency, float(len(active_days.get(member_id, ()))),
                              float(value.get(member_id, 0.0)), left))
    return score_members(items, rfm.rules())


def _known_by(row: dict[str, Any], now: datetime) -> bool:
    first = row["joined_at"] or row["first_seen"]
    return first is not None and first <= now and not row["anonymised"]


async def recompute_segments(session: AsyncSession, community_id: str,
                             settings: InsightsSettings, now: datetime) -> SegmentsResult:
    """Compute and store the snapshot at ``now``; returns counts and changes since the
    previous snapshot. Does not commit."""
    repo = InsightsRepository(session, community_id)
    previous_times = await repo.snapshot_times(until=now)
    before = {}
    if previous_times:
        before = {r["member_id"]: r["segment"] for r in await repo.snapshot(previous_times[-1])}
    scores = await compute_segments(repo, settings, now)
    await repo.add_snapshot([
        {"member_id": s.member_id, "segment": s.segment, "r_score": s.r, "f_score": s.f,
         "m_score": s.m, "recency_days": round(s.recency_days, 3), "frequency": s.frequency,
         "monetary": s.monetary} for s in scores], now)
    await repo.prune_snapshots(now - timedelta(days=settings.rfm.keep_days))
    after = {s.member_id: s.segment for s in scores}
    changes = diff_segments(before, after) if before else []
    return SegmentsResult(community_id, now, scores, segment_counts(scores), changes)


async def segment_changes(session: AsyncSession, community_id: str, *,
                          since: datetime | None = None,
                          declined_only: bool = False) -> list[SegmentChange]:
    """Members whose segment changed between two snapshots (for the wake-up journeys).

    Compares the latest snapshot with the one before it, or — with ``since`` — with the last
    snapshot taken at or before ``since``. ``declined_only`` keeps moves to a worse segment
    (e.g. potential -> dormant), the members a wake-up journey is for. Empty when fewer than
    two snapshots exist.
    """
    repo = InsightsRepository(session, community_id)
    times = await repo.snapshot_times()
    if len(times) < 2:
        return []
    latest = times[-1]
    if since is None:
        base = times[-2]
    else:
        earlier = [t for t in times if t <= since and t < latest]
        if not earlier:
            return []
        base = earlier[-1]
    before = {r["member_id"]: r["segment"] for r in await repo.snapshot(base)}
    after = {r["member_id"]: r["segment"] for r in await repo.snapshot(latest)}
    changes = diff_segments(before, after)
    return [c for c in changes if c.declined] if declined_only else changes
