"""``GrowthService``: the ``GrowthPort`` the growth handlers use (``services["growth"]``).

- ``compiled(settings)`` turns a community's ``GrowthSettings`` into domain values once per
  settings object (config reloads produce new objects, so they recompile once);
- ``memory(ctx)`` returns the community's in-memory indexes, loading teams and dynamic
  stages from the database on first use and again every ``reload_seconds`` (another
  process may have changed them; this process's own team commands update them at once);
- ``store(ctx)`` gives the growth repository on the command's transaction, or on the event
  unit of work's read session (which flushes pending writes first);
- ``fresh_state`` locks a member's stats row inside a command and rebuilds the state from it.
"""

from __future__ import annotations

import time
from typing import Any

from bot.growth.codec import GrowthCodec
from bot.growth_config import GrowthSettings
from bot.storage.repos.growth import GrowthRepository
from bot.storage.uow import CommandUnitOfWork
from domain.growth.state import MemberGrowthState
from handlers.growth_runtime import CommunityMemory, CompiledGrowth
from handlers.ports import Context

RELOAD_SECONDS = 300.0
LEVEL_TABLE = 1001  # levels 0..1000 (MEE6 level 1000 needs ~1.7 billion XP)


def compile_settings(settings: GrowthSettings) -> CompiledGrowth:
    """Every domain value the handlers need, built from validated settings."""
    teams, announce = settings.teams, settings.announce
    badge_index = settings.to_badge_index()
    curve = settings.to_level_curve()
    return CompiledGrowth(
        enabled=settings.enabled,
        rules=settings.to_rules(),
        stages=settings.to_stage_rules(),
        curve=curve,
        badges=badge_index,
        badge_names={rule.id: dict(rule.names) for rule in badge_index.rules},
        shop=settings.to_shop_items(),
        quality=settings.to_quality_rules(),
        tz=settings.tzinfo(),
        categories=tuple(settings.categories),
        admin_category=settings.admin_category,
        teams_enabled=teams.enabled,
        team_max_members=teams.max_members,
        team_ranking=teams.ranking,
        team_name_min=teams.name_min_length,
        team_name_max=teams.name_max_length,
        shop_enabled=settings.shop.enabled,
        announce_stages=announce.stages,
        announce_badges=announce.badges,
        announce_levels=announce.level_ups,
        announce_channel=announce.channel,
        level_totals=tuple(curve.total_for(level) for level in range(LEVEL_TABLE)),
    )


class GrowthService:
    def __init__(self, codec: GrowthCodec, *, reload_seconds: float = RELOAD_SECONDS) -> None:
        self.codec = codec
        self.reload_seconds = reload_seconds
        self._compiled: dict[int, tuple[Any, CompiledGrowth]] = {}
        self._memories: dict[str, CommunityMemory] = {}
        self._expires: dict[str, float] = {}
        self._default = GrowthSettings()

    # -- rules -----------------------------------------------------------------------------
    def compiled(self, settings: Any) -> CompiledGrowth:
        growth = getattr(settings, "growth", None)
        if not isinstance(growth, GrowthSettings):
            growth = self._default
        hit = self._compiled.get(id(growth))
        if hit is not None and hit[0] is growth:
            return hit[1]
        compiled = compile_settings(growth)
        # Keyed by identity, holding the object so its id cannot be reused while cached.
        self._compiled[id(growth)] = (growth, compiled)
        return compiled

    # -- memory ----------------------------------------------------------------------------
    def known_memory(self, community_id: str) -> CommunityMemory | None:
        return self._memories.get(community_id)

    async def memory(self, ctx: Context) -> CommunityMemory:
        community_id = ctx.community_id
        memory = self._memories.get(community_id)
        if memory is None:
            memory = self._memories[community_id] = CommunityMemory(community_id)
        if not memory.loaded or time.monotonic() >= self._expires.get(community_id, 0.0):
            await self.reload(memory, await self.store(ctx))
        return memory

    async def memory_for(self, community_id: str, store: GrowthRepository) -> CommunityMemory:
        """The community's memory outside an event (scheduled jobs), loaded if needed."""
        memory = self._memories.get(community_id)
        if memory is None:
            memory = self._memories[community_id] = CommunityMemory(community_id)
        if not memory.loaded:
            await self.reload(memory, store)
        return memory

    async def reload(self, memory: CommunityMemory, store: GrowthRepository) -> None:
        """Teams and dynamic stages from the database (one query each)."""
        names, member_of = await store.memberships()
        memory.team_names = names
        memory.team_of = member_of
        memory.dynamic = await store.dynamic_stages()
        memory.loaded = True
        self._expires[memory.community_id] = time.monotonic() + self.reload_seconds

    # -- storage ---------------------------------------------------------------------------
    async def store(self, ctx: Context) -> GrowthRepository:
        uow = ctx.uow
        if isinstance(uow, CommandUnitOfWork):
            repo: GrowthRepository = uow.growth
            return repo
        repos = await uow.read()
        return GrowthRepository(repos.session, ctx.community_id)

    async def fresh_state(self, ctx: Context, member_id: str) -> MemberGrowthState:
        row = await (await self.store(ctx)).lock_stats(member_id)
        state = self.codec.load(row)
        state.member_id = member_id
        return state

    def persisted_fields(self, state: MemberGrowthState) -> dict[str, Any]:
        return self.codec.persisted_fields(state)
