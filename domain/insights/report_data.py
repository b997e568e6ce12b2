"""Aggregations behind the community report's charts (pure: rows in, numbers out)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, tzinfo

WEEKDAYS = 7
HOURS = 24


def activity_heatmap(times: Iterable[datetime], zone: tzinfo) -> list[list[int]]:
    """Counts per weekday (Monday first) x hour of day in the community's time zone."""
    grid = [[0] * HOURS for _ in range(WEEKDAYS)]
    for at in times:
        local = at.astimezone(zone)
        grid[local.weekday()][local.hour] += 1
    return grid


@dataclass(frozen=True, slots=True)
class FunnelStep:
    key: str  # joined | first_message | active | expert | leader
    members: int


def value_funnel(joined: Iterable[str], posted: Iterable[str], active: Iterable[str],
                 stages: Mapping[str, str], stage_order: Sequence[str]) -> list[FunnelStep]:
    """joined -> first message -> active -> expert -> leader, each step a subset of the one
    before (a member counts at a step only if they also passed every earlier step).

    ``stage_order`` is the configured stages lowest first; "expert" is the second-highest
    stage and "leader" the highest, whatever they are called in this community.
    """
    joined_set = set(joined)
    posted_set = set(posted) & joined_set
    active_set = set(active) & posted_set
    rank = {name: i for i, name in enumerate(stage_order)}
    top = len(stage_order) - 1
    expert_set = {m for m in active_set if rank.get(stages.get(m, ""), 0) >= max(top - 1, 1)}
    leader_set = {m for m in expert_set if rank.get(stages.get(m, ""), 0) >= max(top, 1)}
    return [FunnelStep("joined", len(joined_set)), FunnelStep("first_message", len(posted_set)),
            FunnelStep("active", len(active_set)), FunnelStep("expert", len(expert_set)),
            FunnelStep("leader", len(leader_set))]


def mood_by_day(scores: Iterable[tuple[datetime, str, float]],
                zone: tzinfo) -> dict[str, tuple[float, int]]:
    """Daily mood in [-1, 1]: (positive - negative) / scored messages, and the count."""
    pos: Counter[str] = Counter()
    neg: Counter[str] = Counter()
    total: Counter[str] = Counter()
    for at, label, _confidence in scores:
        day = at.astimezone(zone).date().isoformat()
        total[day] += 1
        if label == "pos":
            pos[day] += 1
        elif label == "neg":
            neg[day] += 1
    return {d: ((pos[d] - neg[d]) / total[d], total[d]) for d in sorted(total)}


def sla_by_day(items: Iterable[tuple[datetime, datetime | None]], deadline_seconds: float,
               zone: tzinfo, now: datetime) -> dict[str, tuple[int, int]]:
    """Per day: (review items opened, of which acknowledged within the deadline).

    An item still unclaimed whose deadline has not passed yet counts as compliant: it may
    still make it, and the chart should not blame the team for the future.
    """
    opened: Counter[str] = Counter()
    met: Counter[str] = Counter()
    for created, claimed in items:
        day = created.astimezone(zone).date().isoformat()
        opened[day] += 1
        waited = ((claimed or now) - created).total_seconds()
        if waited <= deadline_seconds:
            met[day] += 1
    return {d: (opened[d], met[d]) for d in sorted(opened)}
