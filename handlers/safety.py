"""Line 1: automatic filters on every message, before anything else sees it (order 10).

Each message goes through the community's compiled filter (normalisation, keyword automaton,
RE2 regexes, structural rules), then the spam model and the sensitive-category scorer; the
hits fold into one verdict (:func:`domain.safety.verdict.decide`), and the verdict becomes
actions:

* ``log`` — an audit row; ``dry_run`` hits — an audit row (and a note to the mod channel)
  saying what *would* have happened, nothing else;
* ``hold`` — a case in the review queue with the evidence and the member's record, SLA
  timers, a post with decision buttons in the mod channel, the message deleted while
  pending when ``review.delete_held`` is on;
* ``delete`` — the message removed; ``warn``/``delete+warn``/``timeout``/``ban`` — also a
  decided case (so it can be appealed) and a strike through the ladder, which may sharpen
  the sanction.

Every automatic action is audited with an evidence hash; the message text itself never goes
into the audit log, and evidence of distress (self-harm) is never stored or posted.
A deleted or held message sets ``ctx.flags["blocked"]`` so activity and growth give it
nothing. Per-member facts the rules need (message count, tenure, recent messages) live in
memory in the safety service, so an ordinary message costs no database read.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from domain.actions import Action, DeleteMessage, DirectMessage, PostToChannel
from domain.events import MemberJoined, MessageEdited, MessagePosted
from domain.i18n import t
from domain.safety.normalise import storable
from domain.safety.review import is_private, spare_distress
from domain.safety.structural import MemberHistory
from domain.safety.verdict import ActionKind
from handlers.ports import Context
from handlers.registry import registry
from handlers.safety_cases import (
    SYSTEM_ACTOR,
    channel,
    hit_record,
    issue_strike,
    member_reason,
    new_item_post,
    rules_summary,
    sanction,
    schedule_review_sla,
    services_of,
    settings_of,
)
from handlers.safety_ports import SafetyServices

log = logging.getLogger("hearth.safety")
ORDER = 10


@dataclass(slots=True)
class MemberFacts:
    """What the newcomer rule needs about a member, kept in the safety service's memory."""

    first_seen: datetime | None
    joined_at: datetime | None
    messages: int

    @property
    def since(self) -> datetime | None:
        return self.joined_at or self.first_seen


def _from_state(state: Any) -> tuple[int, datetime | None]:
    """(messages, first seen) from the cached member state, whatever its codec.

    The default codec caches the ``member_stats`` row (a dict with a datetime); growth's
    codec caches a state object with POSIX seconds. Unknown shapes mean "unknown".
    """
    if isinstance(state, dict):
        messages, first = state.get("messages"), state.get("first_seen")
    else:
        messages, first = getattr(state, "messages", None), getattr(state, "first_seen", None)
    if isinstance(first, (int, float)) and not isinstance(first, bool):
        first = datetime.fromtimestamp(float(first), UTC)
    elif not isinstance(first, datetime):
        first = None
    try:
        count = int(messages or 0)
    except (TypeError, ValueError):
        count = 0
    return count, first


async def member_facts(ctx: Context, service: SafetyServices, member_id: str,
                       at: datetime) -> MemberFacts:
    memory = service.member_memory(ctx.community_id)
    facts: MemberFacts | None = memory.get(member_id)
    if facts is None:
        messages, first_seen = _from_state(await ctx.uow.state(member_id))
        facts = MemberFacts(first_seen or at, None, messages)
        memory[member_id] = facts
    return facts


@registry.on(MemberJoined, order=ORDER)
async def remember_join(event: MemberJoined, ctx: Context) -> Sequence[Action]:
    """A (re)joining member starts over as a newcomer for the stricter first-message rules."""
    service = services_of(ctx)
    if service is not None and settings_of(ctx) is not None:
        service.member_memory(ctx.community_id)[event.member_id] = MemberFacts(
            event.at, event.at, 0)
    return []


@registry.on(MessagePosted, order=ORDER)
async def filter_message(event: MessagePosted, ctx: Context) -> Sequence[Action]:
    service, settings = services_of(ctx), settings_of(ctx)
    if service is None or settings is None or not settings.enabled:
        return []
    engine = service.engine(ctx.community_id, settings)
    facts = await member_facts(ctx, service, event.member_id, event.at)
    ctx.flags["safety_facts"] = facts
    result = engine.check(event.text or "", member_id=event.member_id,
                          channel_id=event.channel_id, at=event.at,
                          mentions=len(event.mentions), joined_at=facts.since,
                          message_count=facts.messages)
    actions = await _judge(event, ctx, service, engine, result, event.channel_id,
                           getattr(event, "member_name", ""))
    if not ctx.flags.get("blocked"):
        facts.messages += 1
    return actions


@registry.on(MessageEdited, order=ORDER)
async def filter_edit(event: MessageEdited, ctx: Context) -> Sequence[Action]:
    """An edit is checked again (content rules only: an edit is not a new message, so it
    neither counts towards flood nor duplicates)."""
    service, settings = services_of(ctx), settings_of(ctx)
    if service is None or settings is None or not settings.enabled:
        return []
    engine = service.engine(ctx.community_id, settings)
    facts = await member_facts(ctx, service, event.member_id, event.at)
    ctx.flags["safety_facts"] = facts
    result = engine.check(event.text or "", member_id=event.member_id,
                          channel_id=event.channel_id, at=event.at, joined_at=facts.since,
                          message_count=facts.messages, history=_no_history())
    return await _judge(event, ctx, service, engine, result, event.channel_id, "")


def _no_history() -> MemberHistory:
    return MemberHistory()


async def _judge(event: MessagePosted | MessageEdited, ctx: Context, service: SafetyServices,
                 engine: Any, result: Any, channel_id: str, member_name: str) -> list[Action]:
    if getattr(result, "skipped", False):
        return []
    settings = settings_of(ctx)
    hits = list(result.hits)
    spam_probability: float | None = None
    if engine.spam_scored(result.text, channel_id, newcomer=result.newcomer):
        if service.spam_due(ctx.community_id):
            async with service.transaction(ctx.community_id) as store:
                await service.load_spam(ctx.community_id, store)
        spam_probability = service.spam_probability(ctx.community_id, result.text)
        hit = engine.spam_hit(spam_probability, channel_id=channel_id,
                              newcomer=result.newcomer, text=result.text)
        if hit is not None:
            hits.append(hit)
    scores, evidence = await service.categories(settings, result.text, result.folded)
    if scores:
        hits.extend(engine.category_hits(scores, channel_id=channel_id, evidence=evidence))
    if not hits:
        return []
    verdict = engine.decide(spare_distress(hits))
    scores_record: dict[str, float] = {k: round(float(v), 3) for k, v in scores.items()}
    if spam_probability is not None:
        scores_record["spam"] = round(spam_probability, 3)
    return await _enforce(event, ctx, verdict, scores_record, channel_id, member_name)


def _audit(ctx: Context, private: bool, action: str, *, target_id: str | None, reason: str,
           evidence: Any, details: dict[str, Any]) -> None:
    """An audit row for an automatic decision. For a private (distress) case it records only
    that a case exists, its number and the rules (categories) that fired: whose message it
    was, what it said and which words matched stay in the case, which only the support role
    may open."""
    if private:
        kept = {"private": True}
        if "case_id" in details:
            kept["case_id"] = details["case_id"]
        ctx.uow.audit(SYSTEM_ACTOR, action, target_id=None, reason=reason, evidence=None,
                      details=kept)
        return
    ctx.uow.audit(SYSTEM_ACTOR, action, target_id=target_id, reason=reason, evidence=evidence,
                  details=details)


def _evidence(event: Any, verdict: Any) -> dict[str, Any]:
    """What the evidence hash covers: the message as seen and every rule that fired."""
    return {"community": event.community_id, "member": event.member_id,
            "message_id": event.message_id, "at": event.at.isoformat(),
            "text": storable(event.text),
            "rules": [[h.rule_id, h.kind, str(h.action), h.evidence] for h in verdict.hits]}


async def _enforce(event: MessagePosted | MessageEdited, ctx: Context, verdict: Any,
                   scores: dict[str, float], channel_id: str,
                   member_name: str) -> list[Action]:
    settings = settings_of(ctx)
    member_id = event.member_id
    rules = [hit_record(h) for h in verdict.hits]
    rule_ids = [h.rule_id for h in verdict.hits]
    private = is_private(rule_ids)
    details: dict[str, Any] = {"message_id": event.message_id, "channel_id": channel_id,
                               "rules": rules, "scores": scores,
                               "action": str(verdict.action),
                               "would_action": str(verdict.would_action)}
    evidence = _evidence(event, verdict)
    actions: list[Action] = []
    if verdict.dry_run_hits and verdict.would_action.strength > verdict.action.strength:
        _audit(ctx, private, "auto.dry_run", target_id=member_id,
                      reason=f"would {verdict.would_action}", evidence=evidence, details=details)
        target = channel(ctx, "mod")
        if target is not None and not private:
            dry = verdict.dry_run_hits[0]
            actions.append(PostToChannel(ctx.community_id, target, t(
                "safety.dry_run_notice", ctx.lang, rule=dry.rule_id,
                action=str(verdict.would_action), message_id=event.message_id)))
    kind = verdict.action.kind
    if kind in (ActionKind.ALLOW, ActionKind.LOG):
        if kind is ActionKind.LOG:
            _audit(ctx, private, "auto.log", target_id=member_id,
                          reason=", ".join(verdict.rule_ids), evidence=evidence,
                          details=details)
        return actions

    top = verdict.enforced[0]
    reason = member_reason(top, ctx.lang)
    audit_reason = ", ".join(verdict.rule_ids)
    delete = verdict.delete or (kind is ActionKind.HOLD and settings.review.delete_held)
    if delete:
        ctx.flags["blocked"] = True
        actions.append(DeleteMessage(ctx.community_id, channel_id, event.message_id,
                                     audit_reason))
    if kind is ActionKind.HOLD:
        ctx.flags["blocked"] = True
        return actions + await _hold(event, ctx, rules, scores, channel_id, member_name,
                                     delete, private, evidence, details)
    if kind is ActionKind.DELETE:
        _audit(ctx, private, "auto.delete", target_id=member_id, reason=audit_reason,
                      evidence=evidence, details=details)
        if settings.review.notify_member:
            actions.append(DirectMessage(ctx.community_id, member_id,
                                         t("safety.deleted", ctx.lang, reason=reason)))
        return actions + _mod_notice(ctx, event, "delete", verdict, channel_id, member_name,
                                     private)

    # warn, delete+warn, timeout, ban: a decided case plus a strike through the ladder.
    service = services_of(ctx)
    assert service is not None
    async with service.transaction(ctx.community_id) as store:
        snapshot = _with_facts(await store.member_snapshot(member_id, ctx.now), ctx)
        case_id, _ = await store.open_item(
            kind="review", member_id=member_id, member_name=member_name or "",
            channel_id=channel_id, message_id=event.message_id, text=storable(event.text),
            rules=rules, scores=scores, history=snapshot,
            action_taken=f"auto:{verdict.action}", message_deleted=delete, private=private,
            status="decided", decision=_decision_name(kind), decided_by=SYSTEM_ACTOR,
            decided_at=ctx.now, reason=audit_reason, created_at=ctx.now)
        strike = await issue_strike(ctx, store, member_id, reason=audit_reason,
                                    case_id=case_id, issued_by=SYSTEM_ACTOR)
    details["case_id"] = case_id
    _audit(ctx, private, f"auto.{_decision_name(kind)}", target_id=member_id,
                  reason=audit_reason, evidence=evidence, details=details)
    requested = verdict.action if kind in (ActionKind.TIMEOUT, ActionKind.BAN) else None
    actions.extend(sanction(ctx, member_id, reason=reason, case_id=case_id, strike=strike,
                            requested=requested))
    return actions + _mod_notice(ctx, event, _decision_name(kind), verdict, channel_id,
                                 member_name, private)


def _with_facts(snapshot: dict[str, Any], ctx: Context) -> dict[str, Any]:
    """Fill what the database cannot know yet (a first message: no member row so far) from
    the in-memory facts line 1 just used."""
    facts: MemberFacts | None = ctx.flags.get("safety_facts")
    if facts is None:
        return snapshot
    since = facts.since
    if snapshot.get("tenure_days") is None and since is not None:
        snapshot["tenure_days"] = round(max(0.0, (ctx.now - since).total_seconds()) / 86400, 1)
    snapshot["messages"] = max(int(snapshot.get("messages") or 0), facts.messages)
    return snapshot


def _decision_name(kind: ActionKind) -> str:
    return {ActionKind.WARN: "warn", ActionKind.DELETE_WARN: "delete+warn",
            ActionKind.TIMEOUT: "timeout", ActionKind.BAN: "ban"}.get(kind, kind.name.lower())


def _mod_notice(ctx: Context, event: Any, action: str, verdict: Any, channel_id: str,
                member_name: str, private: bool) -> list[Action]:
    target = channel(ctx, "mod")
    if target is None:
        return []
    rules = t("safety.private_text", ctx.lang) if private else rules_summary(
        [hit_record(h) for h in verdict.enforced], ctx.lang)
    return [PostToChannel(ctx.community_id, target, t(
        "safety.mod_notice", ctx.lang, action=action, member=member_name or event.member_id,
        channel=channel_id, rules=rules))]


async def _hold(event: Any, ctx: Context, rules: list[dict[str, Any]], scores: dict[str, float],
                channel_id: str, member_name: str, deleted: bool, private: bool,
                evidence: dict[str, Any], details: dict[str, Any]) -> list[Action]:
    settings, service = settings_of(ctx), services_of(ctx)
    assert service is not None
    async with service.transaction(ctx.community_id) as store:
        snapshot = _with_facts(await store.member_snapshot(event.member_id, ctx.now), ctx)
        item_id, created = await store.open_item(
            kind="review", member_id=event.member_id, member_name=member_name or "",
            channel_id=channel_id, message_id=event.message_id, text=storable(event.text),
            rules=rules, scores=scores, history=snapshot,
            action_taken="held+deleted" if deleted else "held",
            message_deleted=deleted, private=private, status="open", created_at=ctx.now)
    details["case_id"] = item_id
    _audit(ctx, private, "auto.hold", target_id=event.member_id,
                  reason=", ".join(r["rule"] for r in rules if not r["dry_run"]),
                  evidence=evidence, details=details)
    if not created:
        return []
    schedule_review_sla(ctx, item_id, ctx.now, "acknowledge")
    actions: list[Action] = []
    if deleted and settings.review.notify_member:
        actions.append(DirectMessage(ctx.community_id, event.member_id,
                                     t("safety.held", ctx.lang, case=item_id)))
    item = {"id": item_id, "kind": "review", "member_id": event.member_id,
            "member_name": member_name, "channel_id": channel_id,
            "text": storable(event.text),
            "rules": rules, "history": snapshot, "action_taken": "held+deleted" if deleted
            else "held", "status": "open", "created_at": ctx.now, "private": private,
            "escalation_level": 0, "claimed_by": None}
    return actions + new_item_post(ctx, item)
