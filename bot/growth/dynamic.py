"""Dynamic stages: "expert = top 10 % by points over the last 90 days", recomputed on a
schedule (the scheduler calls ``recompute_dynamic_stages``).

Where the result lives, and why: a ``dynamic_stages`` table (one row per member in a top
group, replaced as a whole) plus the in-memory ``CommunityMemory.dynamic`` map the message
handler passes to ``qualified_stage``. Not in the member's state JSON: that JSON is
rewritten by whichever process last handled the member, so a snapshot written there by the
scheduler would be overwritten by a stale cached copy; a separate table has one writer, and
the handler's in-memory copy is a dict lookup. Other processes pick the table up on their
periodic memory reload.

With an ``App`` the stage changes the new snapshot causes are applied at once (roles,
congratulations, audit) and returned as actions for the caller to execute; with a bare
``AsyncSession`` only the snapshot is written (the caller commits) and members move on their
next event.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.growth.service import GrowthService
from bot.growth_config import GrowthSettings
from bot.storage.repos.growth import GrowthRepository
from bot.storage.uow import CommandUnitOfWork
from domain.actions import Action
from domain.growth.stages import StageRules, decide_stage, dynamic_stages, dynamic_windows
from domain.growth.stages import qualified_stage as qualify
from handlers.growth_progress import PRIVATE, SYSTEM_ACTOR, stage_actions


@dataclass
class DynamicStagesResult:
    community_id: str
    stages: dict[str, str]  # member -> dynamic stage (members in no top group are absent)
    changed: list[tuple[str, str, str]] = field(default_factory=list)  # member, old, new
    actions: list[Action] = field(default_factory=list)


async def compute_dynamic_stages(repo: GrowthRepository, rules: StageRules,
                                 now: datetime) -> dict[str, str]:
    """Each member's highest dynamic stage, one ranking query per distinct window."""
    result: dict[str, str] = {}
    for window in dynamic_windows(rules):
        ranking = await repo.window_points(now - timedelta(days=window))
        for member, stage in dynamic_stages(rules, ranking, window_days=window).items():
            if member not in result or rules.index(stage) > rules.index(result[member]):
                result[member] = stage
    return result


async def recompute_dynamic_stages(target: Any, community_id: str, *, now: datetime,
                                   settings: GrowthSettings | None = None
                                   ) -> DynamicStagesResult:
    """Recompute and store the dynamic-stage snapshot of ``community_id``.

    ``target`` is the running ``App`` (preferred: applies the stage changes and returns
    their actions) or an ``AsyncSession`` (snapshot only; pass ``settings``; the caller
    commits). Communities without dynamic stages get an empty snapshot.
    """
    if isinstance(target, AsyncSession):
        if settings is None:
            raise ValueError("recompute_dynamic_stages on a session needs the community's "
                             "GrowthSettings (settings=...)")
        repo = GrowthRepository(target, community_id)
        stages = await compute_dynamic_stages(repo, settings.to_stage_rules(), now)
        await repo.replace_dynamic_stages(stages, now)
        return DynamicStagesResult(community_id, stages)
    return await _recompute_in_app(target, community_id, now)


async def _recompute_in_app(app: Any, community_id: str, now: datetime
                            ) -> DynamicStagesResult:
    community = app.config.community(community_id)
    if community is None:
        raise ValueError(f"community {community_id} is not in the config")
    service = app.services.get("growth")
    if not isinstance(service, GrowthService):
        raise RuntimeError("the growth service is not configured (bot.growth.wiring)")
    compiled = service.compiled(community)
    if not compiled.enabled:
        return DynamicStagesResult(community_id, {})
    await app.pipeline.flush()  # rank on every event received so far
    async with app.sessions() as session:
        repo = GrowthRepository(session, community_id)
        stages = await compute_dynamic_stages(repo, compiled.stages, now)
        previous = await repo.dynamic_stages()
        await repo.replace_dynamic_stages(stages, now)
        result = DynamicStagesResult(community_id, stages)
        uow = CommandUnitOfWork(community_id, now, session, app.cache,
                                f"dynamic:{now.isoformat()}")
        affected = sorted(set(previous) | set(stages))
        names = await repo.display_names(affected)
        for member_id in affected:
            state = service.codec.load(await repo.lock_stats(member_id))
            state.member_id = member_id
            wanted = qualify(compiled.stages, state, stages.get(member_id))
            if wanted == state.stage and state.stage_grace_since is None:
                continue
            old = state.stage
            change = decide_stage(compiled.stages, state, qualified=wanted, at=now)
            uow.add_stats(member_id, **service.persisted_fields(state))
            if change is None:
                continue  # a grace period started or continues
            result.changed.append((member_id, old, change.new))
            uow.audit(SYSTEM_ACTOR, "growth.stage", target_id=member_id,
                      reason=f"{old} -> {change.new} (dynamic)",
                      details={"from": old, "to": change.new, "dynamic": True})
            result.actions.extend(stage_actions(
                compiled, community_id, member_id,
                names.get(member_id) or member_id.split(":", 1)[-1], change,
                community.language, PRIVATE))
        await uow.commit()
    memory = service.known_memory(community_id)
    if memory is not None:
        memory.dynamic = dict(stages)
    return result

