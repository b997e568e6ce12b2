"""Line 2: the review queue — list, claim and decide cases, by command or button.

``/queue [N]`` lists open cases oldest first with their evidence; ``/claim ID`` takes one;
``/review ID ACTION [DURATION] [reason]`` decides it (approve, remove, warn, timeout, ban,
spam, notspam, escalate). Buttons on the mod-channel post (``rv:<id>:<action>``) do the same.

Decisions are audited, feed the strike ladder (warn/timeout/ban/spam add a strike) and the
spam model (spam/notspam store a training example; after ``learning.retrain_after`` new
examples a ``spam_retrain`` timer retrains it off the command path). Appeal items take
approve (grant: the case's strikes are pardoned, a ban lifted) or remove (deny), and the
member is told the outcome by direct message.

Cases are looked up within ``ctx.community_id`` only, so a moderator of one community can
never see or decide another community's items, whatever id they type.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from domain.actions import (
    Action,
    DeleteMessage,
    DirectMessage,
    PostToChannel,
    Reply,
    Unban,
)
from domain.events import ButtonPressed, CommandInvoked
from domain.i18n import t
from domain.safety.review import (
    ArgumentError,
    appeal_outcome,
    normalise_action,
    parse_item_id,
    parse_review,
    plan_review,
)
from domain.safety.verdict import ActionKind, RuleAction
from handlers.ports import Context
from handlers.registry import registry
from handlers.safety_cases import (
    channel,
    is_staff,
    issue_strike,
    item_line,
    page,
    review_buttons,
    sanction,
    services_of,
    settings_of,
    store_for,
    with_page,
)
from handlers.safety_ports import SafetyStore

BUTTON_PREFIX = "rv:"
DECIDED_BY_ESCALATION = "escalate"


def _reply(ctx: Context, channel_id: str, key: str, **fields: object) -> list[Action]:
    return [Reply(ctx.community_id, channel_id, t(key, ctx.lang, **fields), ephemeral=True)]


def _error(ctx: Context, channel_id: str, exc: ArgumentError) -> list[Action]:
    return _reply(ctx, channel_id, exc.key, **exc.fields)


def _name(item: dict[str, Any]) -> str:
    return str(item.get("member_name") or item["member_id"])


# --- /queue and /claim ---------------------------------------------------------------------


@registry.command("queue", role="moderator", feature="safety", summary="safety.summary.queue")
async def queue_command(event: CommandInvoked, ctx: Context) -> Sequence[Action]:
    settings = settings_of(ctx)
    raw = event.args.strip()
    limit = settings.review.queue_size
    if raw:
        if not raw.isdigit() or not 1 <= int(raw) <= 50:
            return _reply(ctx, event.channel_id, "safety.queue.usage")
        limit = int(raw)
    store = store_for(ctx)
    items = await store.open_items(limit)
    if not items:
        return _reply(ctx, event.channel_id, "safety.queue.empty")
    total = await store.count_open()
    lines = [t("safety.queue.header", ctx.lang, shown=len(items), total=total)]
    lines.extend(item_line(item, ctx.lang, ctx.now) for item in items)
    return [Reply(ctx.community_id, event.channel_id, "\n".join(lines), ephemeral=True)]


@registry.command("claim", role="moderator", feature="safety", summary="safety.summary.claim")
async def claim_command(event: CommandInvoked, ctx: Context) -> Sequence[Action]:
    try:
        item_id = parse_item_id(event.args) if event.args.strip() else None
    except ArgumentError as exc:
        return _error(ctx, event.channel_id, exc)
    if item_id is None:
        return _reply(ctx, event.channel_id, "safety.claim.usage")
    return await claim(ctx, event.channel_id, event.member_id, item_id)


async def claim(ctx: Context, channel_id: str, moderator_id: str, item_id: int) -> list[Action]:
    store = store_for(ctx)
    item = await store.item(item_id)
    if item is None:
        return _reply(ctx, channel_id, "safety.item.not_found", id=item_id)
    if item["status"] == "decided":
        return _reply(ctx, channel_id, "safety.item.already_decided", id=item_id,
                      decision=item.get("decision") or "-", by=item.get("decided_by") or "-")
    if item.get("claimed_by") == moderator_id:
        return _reply(ctx, channel_id, "safety.claim.yours", id=item_id)
    if not await store.claim(item_id, moderator_id, ctx.now):
        return _reply(ctx, channel_id, "safety.claim.taken", id=item_id,
                      name=item.get("claimed_by") or "-")
    ctx.uow.audit(moderator_id, "review.claimed", target_id=item["member_id"],
                  details={"item_id": item_id})
    return _reply(ctx, channel_id, "safety.claim.done", id=item_id)


# --- /review and buttons ----------------------------------------------------------------------


@registry.command("review", role="moderator", feature="safety", summary="safety.summary.review")
async def review_command(event: CommandInvoked, ctx: Context) -> Sequence[Action]:
    try:
        command = parse_review(event.args)
    except ArgumentError as exc:
        return _error(ctx, event.channel_id, exc)
    return await decide(ctx, event.channel_id, event.member_id, command.item_id,
                        command.action, reason=command.reason, seconds=command.seconds)


@registry.on(ButtonPressed, order=10)
async def review_button(event: ButtonPressed, ctx: Context) -> Sequence[Action]:
    """``rv:<id>:<action>`` presses on queue posts; other buttons are not ours."""
    if not event.custom_id.startswith(BUTTON_PREFIX):
        return []
    parts = event.custom_id.split(":")
    if len(parts) != 3:
        return _reply(ctx, event.channel_id, "safety.button.invalid")
    if not is_staff(event.roles):
        return _reply(ctx, event.channel_id, "core.not_allowed", name="review",
                      role=t("core.role.moderator", ctx.lang))
    settings = settings_of(ctx)
    if settings is None or not settings.enabled:
        return _reply(ctx, event.channel_id, "core.feature_disabled", feature="safety")
    try:
        item_id = parse_item_id(parts[1])
    except ArgumentError as exc:
        return _error(ctx, event.channel_id, exc)
    action = parts[2]
    if action == "claim":
        return await claim(ctx, event.channel_id, event.member_id, item_id)
    name = normalise_action(action)
    if name is None:
        return _reply(ctx, event.channel_id, "safety.button.invalid")
    return await decide(ctx, event.channel_id, event.member_id, item_id, name,
                        reason="", seconds=None)


async def decide(ctx: Context, channel_id: str, moderator_id: str, item_id: int, action: str,
                 *, reason: str, seconds: int | None) -> list[Action]:
    """Decide a case of this community; the first decision wins."""
    store = store_for(ctx)
    item = await store.item(item_id)
    if item is None:
        return _reply(ctx, channel_id, "safety.item.not_found", id=item_id)
    if item["status"] == "decided":
        return _reply(ctx, channel_id, "safety.item.already_decided", id=item_id,
                      decision=item.get("decision") or "-", by=item.get("decided_by") or "-")
    if item.get("kind") == "appeal":
        return await _decide_appeal(ctx, store, channel_id, moderator_id, item, action, reason)
    try:
        plan = plan_review(action, message_deleted=bool(item.get("message_deleted")))
    except ArgumentError as exc:
        return _error(ctx, channel_id, exc)
    if plan.escalate:
        return await escalate_item(ctx, store, item, moderator_id, reason, channel_id)
    if not await store.decide(item_id, action, moderator_id, reason, ctx.now):
        return _reply(ctx, channel_id, "safety.item.already_decided", id=item_id,
                      decision="-", by="-")
    member_id = item["member_id"]
    actions: list[Action] = []
    evidence = {"item_id": item_id, "text": item.get("text"), "rules": item.get("rules")}
    if plan.remove_message and item.get("message_id") and item.get("channel_id"):
        actions.append(DeleteMessage(ctx.community_id, item["channel_id"], item["message_id"],
                                     reason or action))
        await store.mark_deleted(item_id)
    if plan.repost and item.get("text") and item.get("channel_id"):
        actions.append(PostToChannel(ctx.community_id, item["channel_id"], t(
            "safety.reposted", ctx.lang, name=_name(item), text=item["text"])))
    strike_text = reason or t(f"safety.decision.{action}", ctx.lang)
    if plan.strike:
        strike = await issue_strike(ctx, store, member_id, reason=strike_text, case_id=item_id,
                                    issued_by=moderator_id)
        requested: RuleAction | None = None
        if plan.timeout:
            requested = RuleAction(ActionKind.TIMEOUT,
                                   seconds or int(settings_of(ctx).review.timeout))
        elif plan.ban:
            requested = RuleAction(ActionKind.BAN)
        actions.extend(sanction(ctx, member_id, reason=strike_text, case_id=item_id,
                                strike=strike, requested=requested, actor_id=moderator_id))
        outcome = t("safety.review.strike", ctx.lang, count=strike.count, max=strike.max_strikes)
    else:
        outcome = ""
    if plan.example is not None and item.get("text") and not item.get("private"):
        # (a private, possibly distressed message never becomes training data)
        await _learn(ctx, store, item, plan.example, moderator_id)
    ctx.uow.audit(moderator_id, f"review.{action}", target_id=member_id, reason=reason,
                  evidence=evidence, details={"item_id": item_id, "decision": action,
                                              "seconds": seconds})
    done = t("safety.review.done", ctx.lang, id=item_id, decision=t(
        f"safety.decision.{action}", ctx.lang), name=_name(item))
    actions.extend(_reply(ctx, channel_id, "safety.review.reply", done=done, extra=outcome))
    return actions


async def escalate_item(ctx: Context, store: SafetyStore, item: dict[str, Any], actor_id: str,
                        reason: str, channel_id: str | None,
                        automatic_step: str | None = None) -> list[Action]:
    """Raise the item's escalation level and page the experts with the evidence."""
    level = int(item.get("escalation_level") or 0) + 1
    if not await store.escalate(int(item["id"]), level, ctx.now):
        return _reply(ctx, channel_id, "safety.item.already_decided", id=item["id"],
                      decision=item.get("decision") or "-",
                      by=item.get("decided_by") or "-") if channel_id else []
    item = {**item, "escalation_level": level,
            "status": "escalated" if item["status"] == "open" else item["status"]}
    ctx.uow.audit(actor_id, "review.escalated", target_id=item["member_id"], reason=reason,
                  details={"item_id": item["id"], "level": level, "step": automatic_step})
    actions: list[Action] = []
    target = channel(ctx, "expert")
    if target is not None:
        why = (t(f"safety.sla.reason.{automatic_step}", ctx.lang) if automatic_step
               else t("safety.escalation.by", ctx.lang, name=actor_id))
        text = with_page(page(ctx, "expert"), t(
            "safety.escalation.post", ctx.lang, id=item["id"], level=level, why=why) + "\n"
            + item_line(item, ctx.lang, ctx.now))
        actions.append(PostToChannel(ctx.community_id, target, text, review_buttons(
            int(item["id"]), ctx.lang, appeal=item.get("kind") == "appeal")))
    if channel_id:
        actions.extend(_reply(ctx, channel_id, "safety.escalation.done", id=item["id"],
                              level=level))
    return actions


async def _learn(ctx: Context, store: SafetyStore, item: dict[str, Any], label: str,
                 moderator_id: str) -> None:
    """Store a moderator's spam verdict; schedule a retrain when enough have arrived."""
    await store.add_example(str(item["text"]), label, source_item_id=int(item["id"]),
                            actor_id=moderator_id, now=ctx.now)
    learning = settings_of(ctx).learning
    if not learning.enabled:
        return
    info = await store.newest_model_info()
    own = info if info is not None and info.get("community_id") == ctx.community_id else None
    since = int(((own or {}).get("metrics") or {}).get("last_example_id", 0))
    if await store.examples_after(since) >= learning.retrain_after:
        version = int(own["version"]) if own else 0
        ctx.uow.schedule("spam_retrain", ctx.now, {"after_version": version},
                         idempotency_key=f"spam_retrain:{ctx.community_id}:{version}")


async def _decide_appeal(ctx: Context, store: SafetyStore, channel_id: str, moderator_id: str,
                         item: dict[str, Any], action: str, reason: str) -> list[Action]:
    try:
        outcome = appeal_outcome(action)
    except ArgumentError as exc:
        return _error(ctx, channel_id, exc)
    if outcome == "escalated":
        return await escalate_item(ctx, store, item, moderator_id, reason, channel_id)
    item_id = int(item["id"])
    if not await store.decide(item_id, action, moderator_id, reason, ctx.now):
        return _reply(ctx, channel_id, "safety.item.already_decided", id=item_id,
                      decision="-", by="-")
    appeal = await store.appeal_for_item(item_id)
    case_id = int(item.get("case_id") or 0)
    member_id = item["member_id"]
    actions: list[Action] = []
    pardoned = 0
    if appeal is not None:
        await store.decide_appeal(int(appeal["id"]), outcome, moderator_id, reason, ctx.now)
    if outcome == "granted":
        pardoned = await store.pardon_case(case_id, member_id, moderator_id, ctx.now)
        case = await store.item(case_id)
        if case is not None and case.get("decision") == "ban":
            actions.append(Unban(ctx.community_id, member_id, f"appeal of case {case_id}"))
    ctx.uow.audit(moderator_id, f"appeal.{outcome}", target_id=member_id, reason=reason,
                  details={"item_id": item_id, "case_id": case_id, "pardoned": pardoned})
    text = t(f"safety.appeal.{outcome}", ctx.lang, case=case_id,
             reason=reason or t("safety.no_reason", ctx.lang))
    actions.append(DirectMessage(ctx.community_id, member_id, text))
    actions.extend(_reply(ctx, channel_id, "safety.appeal.decided", id=item_id, case=case_id,
                          outcome=t(f"safety.appeal.outcome.{outcome}", ctx.lang),
                          pardoned=pardoned))
    return actions


# --- timers -------------------------------------------------------------------------------------


@registry.timer("spam_retrain")
async def spam_retrain(payload: dict[str, Any], ctx: Context) -> Sequence[Action]:
    """Retrain the community's spam model from the starter set plus moderators' verdicts."""
    service, settings = services_of(ctx), settings_of(ctx)
    if service is None or settings is None or not settings.learning.enabled:
        return []
    store = store_for(ctx)
    info = await store.newest_model_info()
    current = int(info["version"]) if info and info.get("community_id") == ctx.community_id \
        else 0
    if current != payload.get("after_version", 0):
        return []  # another run already retrained since this was scheduled
    examples = await store.examples(settings.learning.max_examples)
    last = await store.last_example_id()
    result = await service.retrain(ctx.community_id, examples, store, ctx.now,
                                   metrics={"last_example_id": last})
    ctx.uow.audit("hearth", "spam.retrained", details=result)
    return []
