"""``/team create|join|leave|info|standings``: teams whose members grow faster together.

Teammates interacting within the configured window earn ``teams.boost`` times the points
(see ``handlers.growth``). The database enforces the hard rules (one team per member, one
team per name key) so two members racing to create "Tree Huggers" cannot both succeed;
the domain rules give the reasons in advance for the normal case. The in-memory team index
the message handler reads is updated here as soon as a command changes a team.
"""

from __future__ import annotations

from collections.abc import Sequence

from domain.actions import Action, Reply
from domain.events import CommandInvoked
from domain.growth.teams import (
    TeamRefusal,
    TeamStanding,
    check_team_name,
    decide_join,
    decide_leave,
    rank_teams,
    team_name_key,
)
from domain.i18n import t
from handlers.growth_common import command_setup, disabled, joined, refuse, reply
from handlers.growth_runtime import CommunityMemory, CompiledGrowth, GrowthStore
from handlers.ports import Context
from handlers.registry import registry

STANDINGS_SIZE = 10
_STANDINGS = {"standings", "top", "leaderboard", "排行", "排行榜"}


def _team_refusal(ctx: Context, event: CommandInvoked, reason: TeamRefusal,
                  compiled: CompiledGrowth, name: str = "", team: str = "") -> list[Action]:
    return refuse(ctx, event, reason.value, min=compiled.team_name_min,
                  max=compiled.team_name_max, name=name, team=team,
                  limit=compiled.team_max_members or 0)


@registry.command("team", feature="growth", summary="growth.summary.team")
async def team_command(event: CommandInvoked, ctx: Context) -> Sequence[Action]:
    setup = await command_setup(ctx)
    if setup is None:
        return []
    runtime, compiled, memory = setup
    if not compiled.teams_enabled:
        return disabled(ctx, event, "growth.teams_feature_name")
    verb, _, rest = event.args.strip().partition(" ")
    verb, rest = verb.lower(), rest.strip()
    store = await runtime.store(ctx)
    if verb == "create" and rest:
        return await _create(event, ctx, compiled, memory, store, rest)
    if verb == "join" and rest:
        return await _join(event, ctx, compiled, memory, store, rest)
    if verb == "leave":
        return await _leave(event, ctx, compiled, memory, store)
    if verb == "info":
        return await _info(event, ctx, compiled, memory, store, rest)
    if verb in _STANDINGS:
        return await _standings(event, ctx, compiled, store)
    return reply(ctx, event, "growth.team.usage")


async def _create(event: CommandInvoked, ctx: Context, compiled: CompiledGrowth,
                  memory: CommunityMemory, store: GrowthStore, given: str) -> list[Action]:
    member = event.member_id
    current = await store.team_of(member)
    if current is not None:
        team = await store.team(current)
        return _team_refusal(ctx, event, TeamRefusal.ALREADY_IN_TEAM, compiled,
                             team=team["name"] if team else current)
    checked = check_team_name(given, await store.team_keys(), min_length=compiled.team_name_min,
                              max_length=compiled.team_name_max)
    if isinstance(checked, TeamRefusal):
        return _team_refusal(ctx, event, checked, compiled, name=" ".join(given.split())[:100])
    key = team_name_key(checked)
    # Both conditional: a concurrent create of the same name, or a concurrent join by the
    # same member, makes one of them insert nothing.
    if not await store.create_team(key, checked, member, ctx.now):
        return _team_refusal(ctx, event, TeamRefusal.NAME_TAKEN, compiled, name=checked)
    if not await store.join_team(member, key, ctx.now, None):
        await store.leave_team(member)  # defensive: never leave an empty team behind
        return _team_refusal(ctx, event, TeamRefusal.ALREADY_IN_TEAM, compiled, team=checked)
    memory.join(member, key, checked)
    ctx.uow.audit(member, "growth.team_created", target_id=key, details={"name": checked})
    boost = f"{compiled.rules.team_boost:g}"
    return reply(ctx, event, "growth.team.created", ephemeral=False, team=checked, boost=boost)


async def _join(event: CommandInvoked, ctx: Context, compiled: CompiledGrowth,
                memory: CommunityMemory, store: GrowthStore, given: str) -> list[Action]:
    member = event.member_id
    key = team_name_key(given)
    team = await store.team(key)
    current = await store.team_of(member)
    size = len(await store.team_member_ids(key)) if team is not None else 0
    problem = decide_join(current, team_exists=team is not None, team_size=size,
                          max_members=compiled.team_max_members)
    if problem is None and not await store.join_team(member, key, ctx.now,
                                                     compiled.team_max_members):
        # Lost a race: someone filled the last place, or this member joined elsewhere.
        current = await store.team_of(member)
        problem = TeamRefusal.ALREADY_IN_TEAM if current is not None else TeamRefusal.TEAM_FULL
    if problem is not None:
        current_team = await store.team(current) if current is not None else None
        return _team_refusal(ctx, event, problem, compiled,
                             name=team["name"] if team else " ".join(given.split())[:100],
                             team=current_team["name"] if current_team else "")
    assert team is not None
    memory.join(member, key, team["name"])
    return reply(ctx, event, "growth.team.joined", ephemeral=False, team=team["name"],
                 members=size + 1)


async def _leave(event: CommandInvoked, ctx: Context, compiled: CompiledGrowth,
                 memory: CommunityMemory, store: GrowthStore) -> list[Action]:
    member = event.member_id
    current = await store.team_of(member)
    problem = decide_leave(current)
    if problem is not None or current is None:
        return _team_refusal(ctx, event, problem or TeamRefusal.NOT_IN_TEAM, compiled)
    team = await store.team(current)
    await store.leave_team(member)
    memory.leave(member)
    if await store.team(current) is None:  # the last member left: the team is gone
        memory.drop_team(current)
    return reply(ctx, event, "growth.team.left", team=team["name"] if team else current)


async def _info(event: CommandInvoked, ctx: Context, compiled: CompiledGrowth,
                memory: CommunityMemory, store: GrowthStore, given: str) -> list[Action]:
    key = team_name_key(given) if given else await store.team_of(event.member_id)
    if key is None:
        return _team_refusal(ctx, event, TeamRefusal.NOT_IN_TEAM, compiled)
    team = await store.team(key)
    if team is None:
        return _team_refusal(ctx, event, TeamRefusal.UNKNOWN_TEAM, compiled, name=given[:100])
    standings = await _ranked(compiled, store)
    mine = next((s for s in standings if s.team_id == key), None)
    member_ids = await store.team_member_ids(key)
    names = await store.display_names(member_ids)
    listing = joined(sorted(names.get(m) or m.split(":", 1)[-1] for m in member_ids), ctx.lang)
    return reply(ctx, event, "growth.team.info", ephemeral=False, team=team["name"],
                 members=len(member_ids), points=mine.points if mine else 0,
                 rank=mine.rank if mine else len(standings) + 1, names=listing or "—")


async def _ranked(compiled: CompiledGrowth, store: GrowthStore) -> list[TeamStanding]:
    points, membership, keys = await store.team_points()
    return rank_teams(points, membership, by=compiled.team_ranking, teams=keys)


async def _standings(event: CommandInvoked, ctx: Context, compiled: CompiledGrowth,
                     store: GrowthStore) -> list[Action]:
    standings = (await _ranked(compiled, store))[:STANDINGS_SIZE]
    if not standings:
        return reply(ctx, event, "growth.team.standings_empty", ephemeral=False)
    display = await store.team_names()
    lines = [t("growth.team.leaderboard.title", ctx.lang)]
    lines.extend(t("growth.team.leaderboard.line", ctx.lang, rank=s.rank,
                   team=display.get(s.team_id, s.team_id), points=s.points, members=s.members)
                 for s in standings)
    return [Reply(ctx.community_id, event.channel_id, "\n".join(lines))]
