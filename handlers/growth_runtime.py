"""What the growth handlers need at run time: compiled rules, in-memory indexes, ports.

The growth handler runs on every message, so nothing here may cost a database read or a
rule compilation per event:

- ``CompiledGrowth`` is a community's growth settings turned into frozen domain values
  once per settings object (``GrowthPort.compiled``), not per message;
- ``CommunityMemory`` holds what per-event decisions need about *other* members — teams,
  dynamic stages, display names, when team members posted (for the teammate window), the
  points recent messages earned (for edits and reaction removals) — loaded lazily once per
  community and kept bounded;
- ``GrowthPort`` (implemented in ``bot.growth.service``) loads that memory and reaches the
  database through ``GrowthStore`` for the rare event that must query (a delete, an edit that
  may revoke) and for commands.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from typing import Any, Generic, Protocol, TypeVar

from domain.growth.badges import BadgeIndex
from domain.growth.levels import LevelCurve
from domain.growth.quality import QualityRules
from domain.growth.rules import GrowthRules
from domain.growth.shop import ShopItem
from domain.growth.stages import StageRules
from domain.growth.state import MemberGrowthState
from domain.growth.teams import TeamPresence
from handlers.ports import Context

K = TypeVar("K")
V = TypeVar("V")


@dataclass(frozen=True, slots=True)
class CompiledGrowth:
    """One community's growth settings as domain values (built once per settings object)."""

    enabled: bool
    rules: GrowthRules
    stages: StageRules
    curve: LevelCurve
    badges: BadgeIndex
    badge_names: Mapping[str, Mapping[str, str]]  # badge id -> language -> configured name
    shop: Mapping[str, ShopItem]
    quality: QualityRules
    tz: tzinfo
    categories: tuple[str, ...]
    admin_category: str
    teams_enabled: bool
    team_max_members: int | None
    team_ranking: str
    team_name_min: int
    team_name_max: int
    shop_enabled: bool
    announce_stages: str  # off | reply | channel
    announce_badges: str
    announce_levels: str
    announce_channel: str | None
    # level_totals[L] = total XP to reach level L (L = 0..len-1), for a bisect instead of
    # solving the curve on every award; past the end, ``curve.level_for`` answers.
    level_totals: tuple[int, ...] = ()


class BoundedDict(Generic[K, V]):
    """A dict that forgets its oldest entries beyond ``capacity`` (insertion order).

    Cheaper than an LRU (no reordering on read), which is all these memories need: they
    answer "did this happen recently?" and a miss falls back to the database or to "no".
    """

    __slots__ = ("_data", "capacity")

    def __init__(self, capacity: int) -> None:
        self.capacity = capacity
        self._data: dict[K, V] = {}

    def put(self, key: K, value: V) -> None:
        data = self._data
        data[key] = value
        if len(data) > self.capacity:
            del data[next(iter(data))]

    def get(self, key: K) -> V | None:
        return self._data.get(key)

    def pop(self, key: K) -> V | None:
        return self._data.pop(key, None)

    def __contains__(self, key: object) -> bool:
        return key in self._data

    def __len__(self) -> int:
        return len(self._data)

    def __iter__(self) -> Iterator[K]:
        return iter(self._data)


RECENT_POSTS = 100_000
RECENT_AWARDS = 100_000
RECENT_REACTIONS = 200_000


@dataclass(slots=True)
class CommunityMemory:
    """Per-community in-memory indexes (one process's view; see ``GrowthPort.memory``).

    ``team_of``/``team_names``/``dynamic`` mirror database tables and are reloaded
    periodically (other processes may change them); the rest is a bounded memory of recent
    events that only makes decisions cheaper or more exact, never required for correctness.
    """

    community_id: str
    loaded: bool = False
    team_of: dict[str, str] = field(default_factory=dict)  # member -> team key
    team_names: dict[str, str] = field(default_factory=dict)  # team key -> display name
    dynamic: dict[str, str] = field(default_factory=dict)  # member -> dynamic stage
    names: dict[str, str] = field(default_factory=dict)  # member -> display name
    presence: TeamPresence = field(default_factory=TeamPresence)
    # message id -> (author, posix seconds) for posts by team members (teammate window)
    posts: BoundedDict[str, tuple[str, float]] = field(
        default_factory=lambda: BoundedDict(RECENT_POSTS))
    # ledger source key -> (member, points, category) of recent awards (edits, un-reactions)
    awards: BoundedDict[str, tuple[str, int, str]] = field(
        default_factory=lambda: BoundedDict(RECENT_AWARDS))
    # (message id, reactor) pairs already rewarded: once per reactor and message
    reacted: BoundedDict[tuple[str, str], None] = field(
        default_factory=lambda: BoundedDict(RECENT_REACTIONS))

    def join(self, member_id: str, team_key: str, name: str) -> None:
        self.team_of[member_id] = team_key
        self.team_names[team_key] = name

    def leave(self, member_id: str) -> None:
        self.team_of.pop(member_id, None)

    def drop_team(self, team_key: str) -> None:
        self.team_names.pop(team_key, None)
        for member in [m for m, k in self.team_of.items() if k == team_key]:
            del self.team_of[member]

    def name_of(self, member_id: str) -> str:
        known = self.names.get(member_id)
        return known or member_id.split(":", 1)[-1]


class GrowthStore(Protocol):
    """Growth queries (``bot.storage.repos.growth.GrowthRepository``)."""

    async def ledger_rows(self, member_id: str | None, source_key: str) -> list[dict[str, Any]]:
        ...

    async def reaction_rows(self, message_id: str) -> list[dict[str, Any]]: ...

    async def memberships(self) -> tuple[dict[str, str], dict[str, str]]:
        """(team key -> display name for every team, member -> team key)."""
        ...

    async def dynamic_stages(self) -> dict[str, str]: ...

    async def lock_stats(self, member_id: str) -> dict[str, Any] | None: ...

    async def rank_position(self, lifetime: int) -> tuple[int, int]: ...

    async def top(self, limit: int, since: datetime | None) -> list[tuple[str, str, int]]: ...

    async def points_by_category(self, member_id: str) -> dict[str, int]: ...

    async def display_names(self, member_ids: list[str]) -> dict[str, str]: ...

    async def team(self, team_key: str) -> dict[str, Any] | None: ...

    async def team_of(self, member_id: str) -> str | None: ...

    async def team_keys(self) -> set[str]: ...

    async def team_member_ids(self, team_key: str) -> list[str]: ...

    async def create_team(self, team_key: str, name: str, created_by: str,
                          at: datetime) -> bool: ...

    async def join_team(self, member_id: str, team_key: str, at: datetime,
                        max_members: int | None) -> bool: ...

    async def leave_team(self, member_id: str) -> str | None: ...

    async def team_points(self) -> tuple[dict[str, int], dict[str, str], list[str]]:
        """(lifetime points per team member, member -> team key, every team key)."""
        ...

    async def team_names(self) -> dict[str, str]: ...

    async def stock_sold(self, item_ids: list[str]) -> dict[str, int]: ...

    async def bought_count(self, member_id: str, item_id: str) -> int: ...

    async def take_stock(self, item_id: str, stock: int) -> bool: ...

    async def return_stock(self, item_id: str) -> None: ...

    async def spend(self, member_id: str, price: int) -> bool: ...

    async def record_purchase(self, member_id: str, item_id: str, price: int,
                              detail: str | None, at: datetime) -> int: ...

    async def insert_ledger(self, row: dict[str, Any]) -> None: ...

    async def latest_title(self, member_id: str, item_ids: list[str]) -> str | None: ...

    async def mark_helpful(self, message_id: str, marked_by: str, author_id: str,
                           at: datetime) -> bool: ...


class GrowthPort(Protocol):
    """Implemented by ``bot.growth.service.GrowthService`` (``ctx.services["growth"]``)."""

    def compiled(self, settings: Any) -> CompiledGrowth: ...

    async def memory(self, ctx: Context) -> CommunityMemory: ...

    async def store(self, ctx: Context) -> GrowthStore: ...

    async def fresh_state(self, ctx: Context, member_id: str) -> MemberGrowthState:
        """A command's view of a member: the row is locked for the rest of the command's
        transaction and the state rebuilt from it (the cache may be behind another
        process)."""
        ...

    def persisted_fields(self, state: MemberGrowthState) -> dict[str, Any]: ...
