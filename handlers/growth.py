"""Growth on events: points with anti-farming, reversals, levels, stages and badges.

Runs at order 50, after line-1 safety (10) and activity tracking (40); a message safety
blocked (``ctx.flags["blocked"]``) earns nothing. The per-message path reads no database:
the member's state comes from the state cache, the rules were compiled once per settings
object and teams/dynamic stages/names live in ``CommunityMemory``. Only rare events query —
a deleted message (its ledger rows), an edit that may void an award, a removed reaction —
and only when the memory of recent awards does not already know the answer.

Ledger source keys: the message's ``m:<message id>`` for the author's message award and the
replied member's reply award, the event key for reactions (``r:…``) and voice (``v:…``).
Reversals reuse the original source key with their own reason, so a reversal is booked once
and "what did this source earn, net" is one query.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from domain.actions import Action, DirectMessage, PostToChannel, Reply
from domain.events import (
    MessageDeleted,
    MessageEdited,
    MessagePosted,
    ReactionAdded,
    ReactionRemoved,
    VoiceSessionEnded,
    event_key,
)
from domain.growth import badges as triggers
from domain.growth.points import (
    RefusalReason,
    award_message,
    award_reaction_received,
    award_reply_received,
    award_voice,
    reevaluate_edit,
    revoke_award,
)
from domain.growth.rules import Source
from domain.growth.state import MemberGrowthState
from domain.growth.teams import is_teammate_interaction
from domain.growth.text import effective_length
from handlers.growth_progress import PRIVATE, Where, progress
from handlers.growth_runtime import CommunityMemory, CompiledGrowth, GrowthPort
from handlers.ports import Context
from handlers.registry import registry

ORDER = 50
REVERSAL_REASONS = frozenset({"message_deleted", "edited_too_short", "reaction_removed"})

_MESSAGE_ONLY = (triggers.MESSAGE,)
_CELEBRATIONS = (Reply, PostToChannel, DirectMessage)
_UNANALYSED = frozenset({RefusalReason.COOLDOWN, RefusalReason.DAILY_CAP,
                         RefusalReason.NO_POINTS_CHANNEL})
_MESSAGE_POINTS = (triggers.MESSAGE, triggers.POINTS_CHANGE)


async def _setup(ctx: Context) -> tuple[GrowthPort, CompiledGrowth, CommunityMemory] | None:
    runtime: GrowthPort | None = ctx.services.get("growth")
    if runtime is None:
        return None
    compiled = runtime.compiled(ctx.settings)
    if not compiled.enabled:
        return None
    return runtime, compiled, await runtime.memory(ctx)


async def member_state(uow: Any, member_id: str) -> MemberGrowthState:
    """The cached state (a brand-new member's state does not know its id yet)."""
    state: MemberGrowthState = await uow.state(member_id)
    if not state.member_id:
        state.member_id = member_id
    return state


@registry.on(MessagePosted, order=ORDER)
async def grow_on_message(event: MessagePosted, ctx: Context) -> Sequence[Action]:
    if ctx.flags.get("blocked"):
        return []
    setup = await _setup(ctx)
    if setup is None:
        return []
    _, compiled, memory = setup
    uow = ctx.uow
    rules = compiled.rules
    author = event.member_id
    if event.member_name and memory.names.get(author) != event.member_name:
        memory.names[author] = event.member_name
    state = await member_state(uow, author)
    replied = event.reply_to_member_id
    if replied == author:
        replied = None
    direct = together = False
    team = memory.team_of.get(author) if compiled.teams_enabled else None
    if team is not None:
        ts = event.at.timestamp()
        window = rules.team_window_seconds
        if replied is not None and event.reply_to_message_id is not None:
            post = memory.posts.get(event.reply_to_message_id)
            direct = post is not None and is_teammate_interaction(
                team, memory.team_of.get(replied), target_at=post[1], at=ts,
                window_seconds=window)
        together = memory.presence.note(team, event.channel_id, author, ts, window)
        memory.posts.put(event.message_id, (author, ts))
    teammate = direct or together
    before = state.lifetime_total
    day, night = state.last_active_day, state.night_messages
    decision = award_message(rules, state, text=event.text, channel_id=event.channel_id,
                             at=event.at, is_teammate_interaction=teammate)
    # A message refused before any text analysis (cooldown, daily cap reached, no-points
    # channel) on a day already counted changes only the message count and last-seen time,
    # which member_stats holds as exact columns: no need to persist the state for it.
    quiet = (not decision and decision.reason in _UNANALYSED and not teammate
             and state.last_active_day == day and state.night_messages == night)
    marks = (state.stage, state.stage_grace_since, len(state.badges))
    source_key = f"m:{event.message_id}"
    if decision:
        uow.add_ledger(author, decision.points, reason=decision.reason,
                       category=decision.category, source_key=source_key)
        uow.set_activity_points(decision.points)
        memory.awards.put(source_key, (author, decision.points, decision.category))
        fired: tuple[str, ...] = _MESSAGE_POINTS
    else:
        fired = _MESSAGE_ONLY
    if teammate:
        fired = (*fired, triggers.TEAM_INTERACTION)
    where = Where(event.channel_id, event.message_id)
    actions = progress(compiled, uow, memory, author, state, lifetime_before=before,
                       triggers=fired, at=event.at, lang=ctx.lang, where=where,
                       name=event.member_name or None)
    if not quiet or marks != (state.stage, state.stage_grace_since, len(state.badges)):
        uow.mark_dirty(author)
    if replied is not None:
        actions.extend(await _reply_received(ctx, compiled, memory, event, replied, direct,
                                             source_key, where))
    if ctx.flags.get("distress") and actions:
        # No confetti on a message that reads as distress: points, roles and badges stand,
        # the level/stage/badge announcements for it are not sent (the feelings handler
        # answers that message, privately).
        actions = [a for a in actions if not isinstance(a, _CELEBRATIONS)]
    return actions


async def _reply_received(ctx: Context, compiled: CompiledGrowth, memory: CommunityMemory,
                          event: MessagePosted, replied: str, teammate: bool,
                          source_key: str, where: Where) -> list[Action]:
    uow = ctx.uow
    state = await member_state(uow, replied)
    before = state.lifetime_total
    decision = award_reply_received(compiled.rules, state, replier_id=event.member_id,
                                    channel_id=event.channel_id, at=event.at,
                                    is_teammate_interaction=teammate)
    fired: tuple[str, ...] = (triggers.REPLY_RECEIVED,)
    if decision:
        uow.add_ledger(replied, decision.points, reason=decision.reason,
                       category=decision.category, source_key=source_key)
        fired = (*fired, triggers.POINTS_CHANGE)
    if teammate:
        fired = (*fired, triggers.TEAM_INTERACTION)
    actions = progress(compiled, uow, memory, replied, state, lifetime_before=before,
                       triggers=fired, at=event.at, lang=ctx.lang, where=where)
    uow.mark_dirty(replied)
    return actions


@registry.on(ReactionAdded, order=ORDER)
async def grow_on_reaction(event: ReactionAdded, ctx: Context) -> Sequence[Action]:
    target = event.target_member_id
    if not target or target == event.member_id or ctx.flags.get("blocked"):
        return []
    setup = await _setup(ctx)
    if setup is None:
        return []
    _, compiled, memory = setup
    pair = (event.message_id, event.member_id)
    if pair in memory.reacted:  # once per reactor and message, whatever the emoji
        return []
    memory.reacted.put(pair, None)
    uow = ctx.uow
    teammate = False
    if compiled.teams_enabled:
        team = memory.team_of.get(event.member_id)
        post = memory.posts.get(event.message_id) if team is not None else None
        teammate = post is not None and is_teammate_interaction(
            team, memory.team_of.get(target), target_at=post[1], at=event.at,
            window_seconds=compiled.rules.team_window_seconds)
    state = await member_state(uow, target)
    before = state.lifetime_total
    decision = award_reaction_received(compiled.rules, state, reactor_id=event.member_id,
                                       channel_id=event.channel_id, at=event.at,
                                       is_teammate_interaction=teammate)
    fired: tuple[str, ...] = (triggers.REACTION_RECEIVED,)
    if decision:
        key = event_key(event) or ""
        uow.add_ledger(target, decision.points, reason=decision.reason,
                       category=decision.category, source_key=key)
        uow.set_activity_points(decision.points)
        memory.awards.put(key, (target, decision.points, decision.category))
        fired = (*fired, triggers.POINTS_CHANGE)
    if teammate:
        fired = (*fired, triggers.TEAM_INTERACTION)
    actions = progress(compiled, uow, memory, target, state, lifetime_before=before,
                       triggers=fired, at=event.at, lang=ctx.lang,
                       where=Where(event.channel_id, event.message_id))
    uow.mark_dirty(target)
    return actions


@registry.on(ReactionRemoved, order=ORDER)
async def shrink_on_unreaction(event: ReactionRemoved, ctx: Context) -> Sequence[Action]:
    """Taking a reaction back takes back the points it gave the author."""
    target = event.target_member_id
    if not target or target == event.member_id:
        return []
    setup = await _setup(ctx)
    if setup is None:
        return []
    runtime, compiled, memory = setup
    key = f"r:{event.message_id}:{event.member_id}:{event.emoji}"
    known = memory.awards.pop(key)
    if known is not None:
        owed = {(known[0], key): (known[1], known[2], Source.REACTION_RECEIVED.value)}
    else:
        store = await runtime.store(ctx)
        owed = net_awards(await store.ledger_rows(target, key))
    return await _reverse(ctx, compiled, memory, owed, "reaction_removed",
                          Where(event.channel_id, event.message_id))


@registry.on(MessageDeleted, order=ORDER)
async def shrink_on_delete(event: MessageDeleted, ctx: Context) -> Sequence[Action]:
    """A deleted message loses what it earned: its own award, the reply award it gave the
    replied member, and the reaction awards its author got for it (no post-react-delete
    loop). Reversals are idempotent: what is owed is the *net* of the source's rows."""
    setup = await _setup(ctx)
    if setup is None:
        return []
    runtime, compiled, memory = setup
    memory.awards.pop(f"m:{event.message_id}")
    store = await runtime.store(ctx)
    rows = await store.ledger_rows(None, f"m:{event.message_id}")
    rows += await store.reaction_rows(event.message_id)
    return await _reverse(ctx, compiled, memory, net_awards(rows), "message_deleted",
                          Where(event.channel_id, None))


@registry.on(MessageEdited, order=ORDER)
async def grow_on_edit(event: MessageEdited, ctx: Context) -> Sequence[Action]:
    """Edits never earn; an edit that empties an awarded message voids its points."""
    if ctx.flags.get("blocked"):
        return []
    setup = await _setup(ctx)
    if setup is None:
        return []
    runtime, compiled, memory = setup
    rules = compiled.rules
    source_key = f"m:{event.message_id}"
    author = event.member_id
    known = memory.awards.get(source_key)
    points, category = 0, ""
    if known is not None and known[0] == author:
        points, category = known[1], known[2]
    elif effective_length(event.text, rules.cjk_weight) < rules.min_length:
        # Only an edit that may void an award is worth a query.
        store = await runtime.store(ctx)
        owed = net_awards(await store.ledger_rows(author, source_key))
        points, category, _ = owed.get((author, source_key), (0, "", ""))
    uow = ctx.uow
    state = await member_state(uow, author)
    before = state.lifetime_total
    change = reevaluate_edit(rules, state, text=event.text, awarded_points=points,
                             category=category)
    actions: list[Action] = []
    if change is not None:
        memory.awards.pop(source_key)
        uow.add_ledger(author, change.balance_delta, lifetime_delta=change.lifetime_delta,
                       reason=change.reason, category=change.category, source_key=source_key)
        actions = progress(compiled, uow, memory, author, state, lifetime_before=before,
                           triggers=(), at=event.at, lang=ctx.lang,
                           where=Where(event.channel_id, event.message_id))
    uow.mark_dirty(author)
    return actions


@registry.on(VoiceSessionEnded, order=ORDER)
async def grow_on_voice(event: VoiceSessionEnded, ctx: Context) -> Sequence[Action]:
    setup = await _setup(ctx)
    if setup is None:
        return []
    _, compiled, memory = setup
    uow = ctx.uow
    state = await member_state(uow, event.member_id)
    before = state.lifetime_total
    decision = award_voice(compiled.rules, state, minutes=event.minutes,
                           channel_id=event.channel_id, at=event.at)
    fired: tuple[str, ...] = (triggers.VOICE,)
    if decision:
        uow.add_ledger(event.member_id, decision.points, reason=decision.reason,
                       category=decision.category, source_key=event_key(event))
        uow.set_activity_points(decision.points)
        fired = (*fired, triggers.POINTS_CHANGE)
    actions = progress(compiled, uow, memory, event.member_id, state,
                       lifetime_before=before, triggers=fired, at=event.at, lang=ctx.lang,
                       where=PRIVATE)
    uow.mark_dirty(event.member_id)
    return actions


def net_awards(rows: Sequence[dict[str, Any]]) -> dict[tuple[str, str], tuple[int, str, str]]:
    """``(member, source key) -> (net points still held, category, source)`` for every
    award among ``rows`` not yet fully reversed (reversal rows are negative)."""
    totals: dict[tuple[str, str], list[Any]] = {}
    for row in rows:
        key = (row["member_id"], row["source_key"])
        entry = totals.setdefault(key, [0, "", ""])
        entry[0] += int(row["lifetime_delta"])
        if int(row["lifetime_delta"]) > 0 and row["reason"] not in REVERSAL_REASONS:
            entry[1] = row["category"]
            entry[2] = str(row["reason"]).split("+", 1)[0]
    return {key: (points, category, source) for key, (points, category, source)
            in totals.items() if points > 0 and category}


async def _reverse(ctx: Context, compiled: CompiledGrowth, memory: CommunityMemory,
                   owed: dict[tuple[str, str], tuple[int, str, str]], reason: str,
                   where: Where) -> list[Action]:
    uow = ctx.uow
    actions: list[Action] = []
    for (member_id, source_key), (points, category, source) in owed.items():
        state = await member_state(uow, member_id)
        before = state.lifetime_total
        change = revoke_award(state, points=points, category=category, source=source,
                              reason=reason)
        if change is None:
            continue
        uow.add_ledger(member_id, change.balance_delta, lifetime_delta=change.lifetime_delta,
                       reason=reason, category=category, source_key=source_key)
        actions.extend(progress(compiled, uow, memory, member_id, state,
                                lifetime_before=before, triggers=(), at=ctx.now,
                                lang=ctx.lang, where=where))
        uow.mark_dirty(member_id)
    return actions
