"""Strikes, audit and appeals: ``/warn``, ``/strikes``, ``/pardon``, ``/audit``, ``/appeal``.

A warning opens a decided case and adds a strike; the strike ladder (from config) turns the
new count into a warning, a timeout or a ban. Strikes are active until ``expires_at`` unless
pardoned. ``/appeal CASE text`` is allowed once per case and member; it becomes an appeal
item in the review queue, and the member hears the outcome by direct message.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from domain.actions import Action, DirectMessage, Reply
from domain.events import CommandInvoked
from domain.i18n import t
from domain.safety.review import MAX_REASON, ArgumentError, parse_item_id
from handlers.ports import Context
from handlers.registry import registry
from handlers.safety_cases import (
    is_staff,
    issue_strike,
    new_item_post,
    sanction,
    schedule_review_sla,
    settings_of,
    store_for,
)

_MENTION = re.compile(r"^<@!?(\d+)>$")
MAX_APPEAL = 1500
AUDIT_DEFAULT = 10
AUDIT_MAX = 50


def _reply(ctx: Context, event: CommandInvoked, key: str, **fields: object) -> list[Action]:
    return [Reply(ctx.community_id, event.channel_id, t(key, ctx.lang, **fields),
                  ephemeral=True)]


async def _member(ctx: Context, needle: str) -> tuple[str, str] | None:
    """(member_id, display name) of a member of this community, by mention, id or name."""
    needle = needle.strip()
    match = _MENTION.match(needle)
    if match:
        needle = match.group(1)
    if not needle.lstrip("@"):
        return None
    found: dict[str, Any] | None = await ctx.uow.find_member(needle)
    if found is None:
        return None
    member_id = str(found["member_id"])
    return member_id, str(found.get("display_name") or member_id)


@registry.command("warn", role="moderator", feature="safety", summary="safety.summary.warn")
async def warn_command(event: CommandInvoked, ctx: Context) -> Sequence[Action]:
    who, _, reason = event.args.strip().partition(" ")
    reason = " ".join(reason.split())[:MAX_REASON]
    if not who or not reason:
        return _reply(ctx, event, "safety.warn.usage")
    member = await _member(ctx, who)
    if member is None:
        return _reply(ctx, event, "safety.member_not_found", name=who[:60])
    member_id, name = member
    store = store_for(ctx)
    snapshot = await store.member_snapshot(member_id, ctx.now)
    case_id, _ = await store.open_item(
        kind="review", member_id=member_id, member_name=name, text=None, rules=[],
        scores={}, history=snapshot, action_taken="manual:warn", status="decided",
        decision="warn", decided_by=event.member_id, decided_at=ctx.now, reason=reason,
        claimed_by=event.member_id, claimed_at=ctx.now, created_at=ctx.now)
    strike = await issue_strike(ctx, store, member_id, reason=reason, case_id=case_id,
                                issued_by=event.member_id)
    ctx.uow.audit(event.member_id, "review.warn", target_id=member_id, reason=reason,
                  details={"item_id": case_id, "manual": True})
    actions = sanction(ctx, member_id, reason=reason, case_id=case_id, strike=strike,
                       requested=None, actor_id=event.member_id)
    actions.extend(_reply(ctx, event, "safety.warn.done", name=name, count=strike.count,
                          max=strike.max_strikes, case=case_id))
    return actions


@registry.command("strikes", feature="safety", summary="safety.summary.strikes")
async def strikes_command(event: CommandInvoked, ctx: Context) -> Sequence[Action]:
    """Your own strikes; moderators may name any member."""
    needle = event.args.strip()
    if needle:
        member = await _member(ctx, needle)
        if member is None:
            return _reply(ctx, event, "safety.member_not_found", name=needle[:60])
        if member[0] != event.member_id and not is_staff(event.roles):
            return _reply(ctx, event, "core.not_allowed", name="strikes MEMBER",
                          role=t("core.role.moderator", ctx.lang))
    else:
        member = (event.member_id, event.member_name or event.member_id)
    member_id, name = member
    store = store_for(ctx)
    rows = await store.strikes_of(member_id)
    ladder = settings_of(ctx).strikes.build()
    active = await store.active_strike_count(member_id, ctx.now)
    if not rows:
        return _reply(ctx, event, "safety.strikes.none", name=name)
    lines = [t("safety.strikes.header", ctx.lang, name=name, count=active,
               max=ladder.max_strikes)]
    for row in rows:
        if row["pardoned"]:
            state = t("safety.strikes.pardoned", ctx.lang)
        elif row["expires_at"] <= ctx.now:
            state = t("safety.strikes.expired", ctx.lang)
        else:
            state = t("safety.strikes.active_until", ctx.lang,
                      date=row["expires_at"].strftime("%Y-%m-%d"))
        lines.append(t("safety.strikes.line", ctx.lang, id=row["id"],
                       date=row["issued_at"].strftime("%Y-%m-%d"), reason=row["reason"] or "-",
                       case=row["case_id"] or "-", state=state))
    return [Reply(ctx.community_id, event.channel_id, "\n".join(lines), ephemeral=True)]


@registry.command("pardon", role="moderator", feature="safety", summary="safety.summary.pardon")
async def pardon_command(event: CommandInvoked, ctx: Context) -> Sequence[Action]:
    raw, _, reason = event.args.strip().partition(" ")
    if not raw:
        return _reply(ctx, event, "safety.pardon.usage")
    try:
        strike_id = parse_item_id(raw)
    except ArgumentError as exc:
        return _reply(ctx, event, exc.key, **exc.fields)
    store = store_for(ctx)
    strike = await store.strike(strike_id)
    if strike is None:
        return _reply(ctx, event, "safety.pardon.not_found", id=strike_id)
    if not await store.pardon(strike_id, event.member_id, ctx.now):
        return _reply(ctx, event, "safety.pardon.already", id=strike_id)
    member_id = strike["member_id"]
    ctx.uow.audit(event.member_id, "strike.pardoned", target_id=member_id,
                  reason=reason.strip()[:MAX_REASON],
                  details={"strike_id": strike_id, "case_id": strike["case_id"]})
    active = await store.active_strike_count(member_id, ctx.now)
    ladder = settings_of(ctx).strikes.build()
    return [
        DirectMessage(ctx.community_id, member_id, t(
            "safety.pardon.notice", ctx.lang, count=active, max=ladder.max_strikes)),
        *_reply(ctx, event, "safety.pardon.done", id=strike_id, name=member_id, count=active),
    ]


@registry.command("audit", role="moderator", feature="safety", summary="safety.summary.audit")
async def audit_command(event: CommandInvoked, ctx: Context) -> Sequence[Action]:
    raw = event.args.strip()
    limit = AUDIT_DEFAULT
    if raw:
        if not raw.isdigit() or not 1 <= int(raw) <= AUDIT_MAX:
            return _reply(ctx, event, "safety.audit.usage", max=AUDIT_MAX)
        limit = int(raw)
    store = store_for(ctx)
    entries = await store.audit_entries(limit)
    if not entries:
        return _reply(ctx, event, "safety.audit.empty")
    lines = [t("safety.audit.header", ctx.lang, count=len(entries))]
    for entry in entries:
        lines.append(t("safety.audit.line", ctx.lang, id=entry["id"],
                       at=entry["at"].strftime("%Y-%m-%d %H:%M"), actor=entry["actor_id"],
                       action=entry["action"], target=entry.get("target_id") or "-",
                       reason=(entry.get("reason") or "-")[:80],
                       hash=(entry.get("evidence_hash") or "-")[:12]))
    return [Reply(ctx.community_id, event.channel_id, "\n".join(lines), ephemeral=True)]


@registry.command("appeal", feature="safety", summary="safety.summary.appeal")
async def appeal_command(event: CommandInvoked, ctx: Context) -> Sequence[Action]:
    raw, _, text = event.args.strip().partition(" ")
    text = text.strip()
    if not raw or not text:
        return _reply(ctx, event, "safety.appeal.usage")
    if len(text) > MAX_APPEAL:
        return _reply(ctx, event, "safety.appeal.too_long", max=MAX_APPEAL)
    try:
        case_id = parse_item_id(raw)
    except ArgumentError as exc:
        return _reply(ctx, event, exc.key, **exc.fields)
    store = store_for(ctx)
    case = await store.item(case_id)
    if case is None or case["member_id"] != event.member_id or case.get("kind") != "review":
        return _reply(ctx, event, "safety.appeal.no_case", case=case_id)
    if case["status"] != "decided":
        return _reply(ctx, event, "safety.appeal.pending", case=case_id)
    if case.get("decision") in ("approve", "notspam"):
        return _reply(ctx, event, "safety.appeal.nothing", case=case_id)
    appeal_id = await store.add_appeal(event.member_id, case_id, text, ctx.now)
    if appeal_id is None:
        return _reply(ctx, event, "safety.appeal.already", case=case_id)
    snapshot = await store.member_snapshot(event.member_id, ctx.now)
    action_taken = f"appeal:{case.get('decision') or '-'}"
    item_id, _ = await store.open_item(
        kind="appeal", member_id=event.member_id, member_name=event.member_name or "",
        channel_id=case.get("channel_id"), text=text, rules=case.get("rules") or [],
        scores=case.get("scores") or {}, history=snapshot, action_taken=action_taken[:32],
        private=bool(case.get("private")), status="open", case_id=case_id,
        created_at=ctx.now)
    await store.link_appeal(appeal_id, item_id)
    ctx.uow.audit(event.member_id, "appeal.opened", target_id=event.member_id,
                  details={"appeal_id": appeal_id, "case_id": case_id, "item_id": item_id})
    schedule_review_sla(ctx, item_id, ctx.now, "acknowledge")
    item = {"id": item_id, "kind": "appeal", "member_id": event.member_id,
            "member_name": event.member_name, "channel_id": case.get("channel_id"),
            "text": text, "rules": case.get("rules") or [], "history": snapshot,
            "action_taken": action_taken, "status": "open", "created_at": ctx.now,
            "private": bool(case.get("private")), "escalation_level": 0, "claimed_by": None,
            "case_id": case_id}
    return [*new_item_post(ctx, item),
            *_reply(ctx, event, "safety.appeal.received", case=case_id, id=item_id)]
