"""Stages newcomer → active → expert → leader, with perks and a demotion grace period.

Each stage above the first lists criteria; a member is in the highest stage whose criteria
that are set **all** hold:

- absolute: ``min_points`` (lifetime, so spending never demotes), ``min_active_days``,
  ``min_helpful``;
- dynamic: ``top_percent`` — the member is among the top X % of members by points earned in
  the last ``window_days`` days. The handler recomputes ``dynamic_stages`` on a schedule
  from a ranking snapshot and passes each member's cached result to ``qualified_stage``.

Promotion is immediate. When a member no longer qualifies, the grace clock starts; only if
they still do not qualify ``grace_days`` later are they moved down (straight to the stage
they qualify for). Qualifying again during the grace period cancels it.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from itertools import pairwise

from domain.growth.state import NEWCOMER, MemberGrowthState

ACTIVE = "active"
EXPERT = "expert"
LEADER = "leader"
DEFAULT_STAGE_NAMES = (NEWCOMER, ACTIVE, EXPERT, LEADER)


@dataclass(frozen=True, slots=True)
class Perks:
    """What a stage grants (from config)."""

    roles: tuple[str, ...] = ()
    title: str | None = None
    extra_reminder_slots: int = 0
    shop_discount_pct: int = 0


@dataclass(frozen=True, slots=True)
class StageRule:
    name: str
    min_points: int | None = None
    min_active_days: int | None = None
    min_helpful: int | None = None
    top_percent: float | None = None
    window_days: int = 90
    perks: Perks = field(default_factory=Perks)

    @property
    def has_criteria(self) -> bool:
        return any(
            value is not None
            for value in (self.min_points, self.min_active_days, self.min_helpful,
                          self.top_percent)
        )


@dataclass(frozen=True, slots=True)
class StageRules:
    """Ordered stages (lowest first; the first has no criteria) and demotion settings.

    ``cumulative_roles``: a stage's platform roles include those of every lower stage
    (a leader keeps the expert role) instead of replacing them.
    """

    stages: tuple[StageRule, ...] = (
        StageRule(NEWCOMER),
        StageRule(ACTIVE, min_points=100, min_active_days=3),
        StageRule(EXPERT, min_points=1000, min_active_days=14, min_helpful=5),
        StageRule(LEADER, min_points=5000, min_active_days=45, min_helpful=25),
    )
    grace_days: float = 7.0
    cumulative_roles: bool = False

    def __post_init__(self) -> None:
        names = [stage.name for stage in self.stages]
        if not names:
            raise ValueError("at least one stage is needed")
        if len(set(names)) != len(names):
            raise ValueError(f"stage names must be unique, got {names}")
        if self.stages[0].has_criteria:
            raise ValueError(f"the first stage ({names[0]}) is where everyone starts; "
                             "it cannot have criteria")
        if self.grace_days < 0:
            raise ValueError("grace_days must be >= 0")
        percents = [s.top_percent for s in self.stages if s.top_percent is not None]
        if any(not 0 < p <= 100 for p in percents):
            raise ValueError("top_percent must be in (0, 100]")
        if any(b >= a for a, b in pairwise(percents)):
            raise ValueError("top_percent must get smaller for higher stages")

    def index(self, name: str) -> int:
        """Position of stage ``name`` (unknown names count as the first stage)."""
        for position, stage in enumerate(self.stages):
            if stage.name == name:
                return position
        return 0

    def roles_of(self, name: str) -> tuple[str, ...]:
        position = self.index(name)
        if not self.cumulative_roles:
            return self.stages[position].perks.roles
        roles: list[str] = []
        for stage in self.stages[: position + 1]:
            roles.extend(r for r in stage.perks.roles if r not in roles)
        return tuple(roles)


@dataclass(frozen=True, slots=True)
class StageChange:
    """A stage move, already applied to the state; the handler turns it into actions."""

    old: str
    new: str
    roles_add: tuple[str, ...]
    roles_remove: tuple[str, ...]
    perks: Perks  # perks of the new stage
    promoted: bool


def qualified_stage(
    rules: StageRules, state: MemberGrowthState, dynamic_stage: str | None = None
) -> str:
    """The highest stage whose set criteria all hold for ``state``.

    ``dynamic_stage`` is the member's entry from the last ``dynamic_stages`` snapshot
    (``None`` if they were not in any top group).
    """
    dynamic_index = rules.index(dynamic_stage) if dynamic_stage is not None else -1
    stages = rules.stages
    for position in range(len(stages) - 1, 0, -1):
        stage = stages[position]
        if stage.min_points is not None and state.lifetime_total < stage.min_points:
            continue
        if stage.min_active_days is not None and state.active_days < stage.min_active_days:
            continue
        if stage.min_helpful is not None and state.helpful < stage.min_helpful:
            continue
        if stage.top_percent is not None and dynamic_index < position:
            continue
        return stage.name
    return stages[0].name


def dynamic_windows(rules: StageRules) -> tuple[int, ...]:
    """The distinct ``window_days`` of dynamic stages: one ranking snapshot is needed each."""
    return tuple(sorted({s.window_days for s in rules.stages if s.top_percent is not None}))


def dynamic_stages(
    rules: StageRules, ranking: Iterable[tuple[str, int]], *, window_days: int | None = None
) -> dict[str, str]:
    """Each member's highest stage by ``top_percent`` from ``(member_id, window_points)``.

    Only members with points > 0 are ranked. A top-X % group holds ``ceil(n·X/100)`` places;
    members tied with the last place are all in (competition ranking: rank = 1 + number of
    members with strictly more points), so ties never depend on id order. Members in no
    group are absent from the result.

    ``window_days`` restricts the stages considered to those ranking over that window (pass
    the snapshot for that window); if stages use different windows, call once per
    ``dynamic_windows(rules)`` entry and keep, per member, the highest stage
    (``rules.index``).
    """
    scores = sorted(((points, member) for member, points in ranking if points > 0),
                    reverse=True)
    count = len(scores)
    dynamic = [
        stage for stage in rules.stages
        if stage.top_percent is not None
        and (window_days is None or stage.window_days == window_days)
    ]
    dynamic.reverse()  # highest stage (smallest percent) first
    quotas = [(stage.name, math.ceil(count * stage.top_percent / 100)) for stage in dynamic]
    widest = max((quota for _, quota in quotas), default=0)
    result: dict[str, str] = {}
    rank = 0
    previous: int | None = None
    for position, (points, member) in enumerate(scores):
        if points != previous:
            rank = position + 1
            previous = points
        if rank > widest:
            break  # ranks only grow from here
        for name, quota in quotas:
            if rank <= quota:
                result[member] = name
                break
    return result


def decide_stage(
    rules: StageRules, state: MemberGrowthState, *, qualified: str, at: datetime
) -> StageChange | None:
    """Move ``state.stage`` towards ``qualified``, honouring the grace period.

    Returns the change (already applied to ``state``) or ``None`` when the stage stays —
    including the start of a grace period, which is recorded in ``state.stage_grace_since``.
    """
    if at.tzinfo is None:
        at = at.replace(tzinfo=UTC)
    now = at.timestamp()
    current = state.stage
    known = any(stage.name == current for stage in rules.stages)
    old_index = rules.index(current) if known else -1
    new_index = rules.index(qualified)
    if known and new_index == old_index:
        state.stage_grace_since = None
        return None
    if known and new_index < old_index:
        if state.stage_grace_since is None and rules.grace_days > 0:
            state.stage_grace_since = now
            return None
        since = state.stage_grace_since if state.stage_grace_since is not None else now
        if now - since < rules.grace_days * 86400:
            return None
    state.stage = qualified
    state.stage_grace_since = None
    old_roles = rules.roles_of(current) if known else ()
    new_roles = rules.roles_of(qualified)
    return StageChange(
        old=current,
        new=qualified,
        roles_add=tuple(r for r in new_roles if r not in old_roles),
        roles_remove=tuple(r for r in old_roles if r not in new_roles),
        perks=rules.stages[new_index].perks,
        promoted=new_index > old_index,
    )
