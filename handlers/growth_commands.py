"""Growth commands: /rank, /profile, /leaderboard, /badges and, for moderators, /points and
/helpful.

Commands run in a real transaction after pending events were flushed, so totals read here
are current. Totals come from ``member_stats`` (kept in step with the ledger) and
breakdowns/windows from the ledger itself. Commands that move points lock the member's row
first (``GrowthPort.fresh_state``), decide with the domain rules, then stage the ledger row
and counters; a refusal returns before anything is staged, so bad input never changes the
ledger.
"""

from __future__ import annotations

from collections.abc import Sequence

from domain.actions import Action, Reply
from domain.events import CommandInvoked
from domain.growth import badges as triggers
from domain.growth.points import Refusal, admin_grant, admin_revoke, award_helpful
from domain.growth.ranking import parse_window, rank_entries, window_start
from domain.i18n import t
from handlers.growth_common import (
    breakdown,
    command_setup,
    joined,
    parse_amount,
    refuse,
    reply,
    resolve_member,
)
from handlers.growth_progress import Where, badge_name, category_name, progress, stage_name
from handlers.ports import Context
from handlers.registry import registry

LEADERBOARD_SIZE = 10
MAX_REASON = 500


async def _target(event: CommandInvoked, ctx: Context) -> tuple[str, str] | None:
    """The member a lookup command is about: the one named in the arguments, or the caller."""
    if event.args.strip():
        return await resolve_member(ctx, event.args)
    return event.member_id, event.member_name or event.member_id.split(":", 1)[-1]


@registry.command("rank", feature="growth", summary="growth.summary.rank")
async def rank_command(event: CommandInvoked, ctx: Context) -> Sequence[Action]:
    setup = await command_setup(ctx)
    if setup is None:
        return []
    runtime, compiled, _ = setup
    target = await _target(event, ctx)
    if target is None:
        return refuse(ctx, event, "unknown_member", member=event.args.strip())
    member_id, name = target
    stats = await ctx.uow.stats(member_id)
    lifetime = int(stats["lifetime"]) if stats else 0
    if lifetime <= 0:
        return reply(ctx, event, "growth.rank.unranked", ephemeral=False, name=name)
    store = await runtime.store(ctx)
    position, ranked = await store.rank_position(lifetime)
    level = compiled.curve.progress(lifetime)
    text = t("growth.rank", ctx.lang, name=name, level=level.level,
             xp_into=level.xp_into_level, xp_step=level.xp_for_level,
             next_level=level.level + 1, rank=position, members=ranked, points=lifetime,
             stage=stage_name(str(stats["stage"] if stats else ""), ctx.lang))
    split = breakdown(await store.points_by_category(member_id), ctx.lang)
    text += "\n" + t("growth.rank.categories", ctx.lang, breakdown=split)
    return [Reply(ctx.community_id, event.channel_id, text)]


@registry.command("profile", feature="growth", summary="growth.summary.profile")
async def profile_command(event: CommandInvoked, ctx: Context) -> Sequence[Action]:
    setup = await command_setup(ctx)
    if setup is None:
        return []
    runtime, compiled, memory = setup
    target = await _target(event, ctx)
    if target is None:
        return refuse(ctx, event, "unknown_member", member=event.args.strip())
    member_id, name = target
    stats = await ctx.uow.stats(member_id) or {}
    lifetime = int(stats.get("lifetime") or 0)
    stage = str(stats.get("stage") or compiled.stages.stages[0].name)
    store = await runtime.store(ctx)
    title_items = [i.id for i in compiled.shop.values() if i.kind == "title"]
    title = await store.latest_title(member_id, title_items) if title_items else None
    title = title or compiled.stages.stages[compiled.stages.index(stage)].perks.title
    badge_ids = [badge for badge, _ in await ctx.uow.badges(member_id)]
    team_key = memory.team_of.get(member_id) if compiled.teams_enabled else None
    text = t(
        "growth.profile", ctx.lang, name=name, stage=stage_name(stage, ctx.lang),
        title=t("growth.profile.title", ctx.lang, title=title) if title else "",
        level=compiled.curve.level_for(lifetime), points=lifetime,
        balance=int(stats.get("balance") or 0),
        breakdown=breakdown(await store.points_by_category(member_id), ctx.lang),
        active_days=int(stats.get("active_days") or 0), streak=int(stats.get("streak") or 0),
        helpful=int(stats.get("helpful") or 0),
        badges=joined((badge_name(compiled, b, ctx.lang) for b in badge_ids), ctx.lang)
        or t("growth.profile.no_badges", ctx.lang),
        team=memory.team_names.get(team_key, team_key) if team_key
        else t("growth.profile.no_team", ctx.lang),
    )
    return [Reply(ctx.community_id, event.channel_id, text)]


@registry.command("leaderboard", feature="growth", summary="growth.summary.leaderboard")
async def leaderboard_command(event: CommandInvoked, ctx: Context) -> Sequence[Action]:
    setup = await command_setup(ctx)
    if setup is None:
        return []
    runtime, compiled, _ = setup
    given = event.args.strip()
    window = parse_window(given)
    if window is None:
        return reply(ctx, event, "growth.leaderboard.bad_window", window=given[:40])
    store = await runtime.store(ctx)
    rows = await store.top(LEADERBOARD_SIZE, window_start(window, ctx.now, compiled.tz))
    if not rows:
        return reply(ctx, event, "growth.leaderboard.empty", ephemeral=False)
    names = {member_id: name for member_id, name, _ in rows}
    ranked = rank_entries([(member_id, points) for member_id, _, points in rows])
    lines = [t(f"growth.leaderboard.title.{window.value}", ctx.lang)]
    lines.extend(t("growth.leaderboard.line", ctx.lang, rank=entry.rank,
                   name=names[entry.member_id], points=entry.points) for entry in ranked)
    return [Reply(ctx.community_id, event.channel_id, "\n".join(lines))]


@registry.command("badges", feature="growth", summary="growth.summary.badges")
async def badges_command(event: CommandInvoked, ctx: Context) -> Sequence[Action]:
    setup = await command_setup(ctx)
    if setup is None:
        return []
    _, compiled, _ = setup
    target = await _target(event, ctx)
    if target is None:
        return refuse(ctx, event, "unknown_member", member=event.args.strip())
    member_id, name = target
    badge_ids = [badge for badge, _ in await ctx.uow.badges(member_id)]
    if not badge_ids:
        return reply(ctx, event, "growth.badges.none", ephemeral=False, name=name)
    listing = joined((badge_name(compiled, b, ctx.lang) for b in badge_ids), ctx.lang)
    return reply(ctx, event, "growth.badges.list", ephemeral=False, name=name, badges=listing)


@registry.command("points", role="moderator", feature="growth",
                  summary="growth.summary.points")
async def points_command(event: CommandInvoked, ctx: Context) -> Sequence[Action]:
    """``/points grant|revoke MEMBER N [cat:CATEGORY] REASON``."""
    setup = await command_setup(ctx)
    if setup is None:
        return []
    runtime, compiled, memory = setup
    words = event.args.split()
    if len(words) < 3 or words[0].lower() not in ("grant", "revoke"):
        return reply(ctx, event, "growth.points.usage")
    verb, needle, amount_text, rest = words[0].lower(), words[1], words[2], words[3:]
    category = None
    if rest and rest[0].lower().startswith(("cat:", "category:")):
        category = rest[0].split(":", 1)[1]
        rest = rest[1:]
    amount = parse_amount(amount_text)
    if amount is None or amount <= 0:
        return refuse(ctx, event, "invalid_amount", amount=amount_text[:40])
    reason = " ".join(rest).strip()[:MAX_REASON]
    if not reason:
        return refuse(ctx, event, "missing_reason")
    target = await resolve_member(ctx, needle)
    if target is None:
        return refuse(ctx, event, "unknown_member", member=needle[:60])
    member_id, name = target
    rules = compiled.rules
    state = await runtime.fresh_state(ctx, member_id)
    before = state.lifetime_total
    decide = admin_grant if verb == "grant" else admin_revoke
    change = decide(rules, state, amount=amount, reason=reason, category=category)
    if isinstance(change, Refusal):
        return refuse(ctx, event, change.reason, amount=amount, limit=rules.max_admin_amount,
                      category=category or "", categories=joined(rules.categories, ctx.lang),
                      member=name)
    uow = ctx.uow
    uow.add_ledger(member_id, change.balance_delta, lifetime_delta=change.lifetime_delta,
                   reason=f"admin_{verb}", category=change.category,
                   source_key=f"admin:{event.member_id}:{event.at.isoformat()}",
                   actor_id=event.member_id, note=reason)
    uow.audit(event.member_id, f"growth.points_{verb}", target_id=member_id, reason=reason,
              details={"lifetime_delta": change.lifetime_delta,
                       "balance_delta": change.balance_delta, "category": change.category})
    fired = (triggers.POINTS_CHANGE,) if change.lifetime_delta > 0 else ()
    actions = progress(compiled, uow, memory, member_id, state, lifetime_before=before,
                       triggers=fired, at=ctx.now, lang=ctx.lang,
                       where=Where(event.channel_id, None), name=name)
    uow.add_stats(member_id, level=compiled.curve.level_for(state.lifetime_total),
                  **runtime.persisted_fields(state))
    if verb == "grant":
        done = reply(ctx, event, "growth.points.granted", ephemeral=False,
                     amount=change.lifetime_delta,
                     category=category_name(change.category, ctx.lang), member=name,
                     reason=reason, balance=state.balance)
    else:
        done = reply(ctx, event, "growth.points.revoked", ephemeral=False,
                     amount=max(-change.lifetime_delta, -change.balance_delta), member=name,
                     reason=reason, balance=state.balance)
    return [*done, *actions]


def _message_ids(text: str, community_id: str) -> list[str]:
    """Ids to look a message up by: as given (``dc:123``, or a console id), and with the
    platform prefix added to a bare id; a message link gives its last path segment."""
    text = text.strip().rstrip("/")
    if "/" in text:
        text = text.rsplit("/", 1)[1]
    ids = [text]
    if ":" not in text:
        ids.append(f"{community_id.split(':', 1)[0]}:{text}")
    return ids


@registry.command("helpful", role="moderator", feature="growth",
                  summary="growth.summary.helpful")
async def helpful_command(event: CommandInvoked, ctx: Context) -> Sequence[Action]:
    """``/helpful MESSAGE_ID``: the message's author gets the helpful-answer points, once
    per message and moderator."""
    setup = await command_setup(ctx)
    if setup is None:
        return []
    runtime, compiled, memory = setup
    given = event.args.strip()
    if not given:
        return reply(ctx, event, "growth.helpful.usage")
    message = None
    for message_id in _message_ids(given, ctx.community_id):
        message = await ctx.uow.message(message_id)
        if message is not None:
            break
    if message is None or message.get("deleted") or message.get("kind") != "message":
        return reply(ctx, event, "growth.helpful.unknown_message", message=given[:80])
    message_id = str(message["message_id"])
    author = str(message["member_id"])
    if author == event.member_id:
        return refuse(ctx, event, "self_interaction")
    store = await runtime.store(ctx)
    if not await store.mark_helpful(message_id, event.member_id, author, ctx.now):
        return reply(ctx, event, "growth.helpful.already")
    state = await runtime.fresh_state(ctx, author)
    before = state.lifetime_total
    decision = award_helpful(compiled.rules, state, marked_by=event.member_id, at=ctx.now)
    uow = ctx.uow
    uow.add_stats(author, helpful=1)
    fired: tuple[str, ...] = (triggers.HELPFUL,)
    if decision:
        uow.add_ledger(author, decision.points, reason=decision.reason,
                       category=decision.category,
                       source_key=f"helpful:{message_id}:{event.member_id}",
                       actor_id=event.member_id)
        fired = (*fired, triggers.POINTS_CHANGE)
    uow.audit(event.member_id, "growth.helpful", target_id=author,
              details={"message_id": message_id, "points": decision.points})
    name = memory.name_of(author)
    actions = progress(compiled, uow, memory, author, state, lifetime_before=before,
                       triggers=fired, at=ctx.now, lang=ctx.lang,
                       where=Where(event.channel_id, None), name=name)
    uow.add_stats(author, **runtime.persisted_fields(state))
    done = reply(ctx, event, "growth.helpful.done", ephemeral=False, name=name,
                 points=decision.points)
    return [*done, *actions]
