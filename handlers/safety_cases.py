"""Shared pieces of the safety use cases: cases, strikes, sanctions, channels, rendering.

Line 1 (automatic filters), line 2 (moderators' decisions) and line 3 (escalation timers)
all open cases, issue strikes through the ladder and page people; doing it in one place
keeps the audit trail, the member's notices and the ladder identical whichever line acted.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from domain.actions import Action, Ban, Button, DirectMessage, PostToChannel, Timeout
from domain.events import namespaced, platform_of
from domain.i18n import t
from domain.safety.review import PRIVATE_RULES, SLA_STEPS, deadlines, is_private
from domain.safety.verdict import ActionKind, RuleAction, format_duration, strongest
from handlers.ports import Context
from handlers.registry import has_role
from handlers.safety_ports import SafetyServices, SafetyStore

SYSTEM_ACTOR = "hearth"
EXCERPT = 160
EVIDENCE = 200

# RuleHit.kind -> the catalogue reason shown to members
REASON_GROUPS = {
    "keyword": "keyword", "regex": "regex", "link_denied": "links", "link_not_allowed": "links",
    "invite": "invites", "mentions": "mentions", "caps": "caps", "repeated": "repeated",
    "flood": "flood", "duplicate_channels": "duplicates", "duplicate_copies": "duplicates",
    "newcomer_link": "newcomer", "newcomer_mentions": "newcomer", "spam": "spam",
    "category": "category",
}


def settings_of(ctx: Context) -> Any:
    return getattr(ctx.settings, "safety", None)


def services_of(ctx: Context) -> SafetyServices | None:
    service: SafetyServices | None = ctx.services.get("safety")
    return service


def is_staff(roles: frozenset[str]) -> bool:
    """Moderators, admins and experts may act on review items (experts get escalations)."""
    return has_role(roles, "moderator") or "expert" in roles


def store_for(ctx: Context) -> SafetyStore:
    """The safety store of this command's or timer's unit of work (``uow.safety``): its
    writes commit with the unit of work. (The event path uses ``SafetyServices.transaction``.)
    """
    store: SafetyStore = ctx.uow.safety
    return store


# --- channels and pages -----------------------------------------------------------------


def channel(ctx: Context, which: str) -> str | None:
    """The configured ``mod``/``expert``/``crisis`` channel as a namespaced id (or None)."""
    settings = settings_of(ctx)
    if settings is None:
        return None
    review = settings.review
    if which == "mod":
        raw = review.mod_channel_id
    elif which == "expert":
        raw = review.expert_channel_id or review.mod_channel_id
    else:
        raw = review.crisis_channel_id or review.expert_channel_id or review.mod_channel_id
    if not raw:
        return None
    return namespaced(platform_of(ctx.community_id), raw)


def page(ctx: Context, who: str = "expert") -> str:
    """Text that pings the experts (or moderators) in a post: a mention or ''."""
    settings = settings_of(ctx)
    if settings is None:
        return ""
    review = settings.review
    if who == "expert" and review.expert_mention:
        return str(review.expert_mention)
    role = review.expert_role_id if who == "expert" else review.mod_role_id
    if role and platform_of(ctx.community_id) == "discord":
        return f"<@&{str(role).split(':', 1)[-1]}>"
    return ""


def with_page(prefix: str, text: str) -> str:
    return f"{prefix} {text}" if prefix else text


def review_buttons(item_id: int, lang: str, *, appeal: bool = False) -> tuple[Button, ...]:
    """Decision buttons bound to one item: ``rv:<id>:<action>``."""
    if appeal:
        names = (("claim", "primary"), ("approve", "success"), ("remove", "danger"),
                 ("escalate", "secondary"))
        labels = {"approve": "safety.button.grant", "remove": "safety.button.deny"}
    else:
        names = (("claim", "primary"), ("approve", "success"), ("remove", "danger"),
                 ("warn", "secondary"), ("timeout", "secondary"), ("ban", "danger"),
                 ("spam", "danger"), ("notspam", "success"), ("escalate", "secondary"))
        labels = {}
    return tuple(
        Button(t(labels.get(name, f"safety.button.{name}"), lang), f"rv:{item_id}:{name}", style)
        for name, style in names
    )


# --- evidence ---------------------------------------------------------------------------


def hit_record(hit: Any) -> dict[str, Any]:
    """A rule hit as stored with a case; private (distress) evidence is never kept."""
    private = hit.rule_id in PRIVATE_RULES
    return {
        "rule": hit.rule_id, "kind": hit.kind, "action": str(hit.action),
        "dry_run": bool(hit.dry_run), "evidence": "" if private else str(hit.evidence)[:EVIDENCE],
        "score": None if hit.score is None else round(float(hit.score), 3),
    }


def rules_summary(rules: Iterable[Mapping[str, Any]], lang: str) -> str:
    parts = []
    for rule in rules:
        label = str(rule.get("rule", "?"))
        score = rule.get("score")
        evidence = rule.get("evidence") or ""
        if score is not None:
            label += f" {float(score):.2f}"
        elif evidence:
            label += f" ({str(evidence)[:60]})"
        parts.append(label)
    return ", ".join(parts) if parts else t("safety.none", lang)


def member_reason(hit: Any, lang: str) -> str:
    """Why, in the member's words, from the strongest enforced hit."""
    group = REASON_GROUPS.get(hit.kind, "keyword")
    if group == "category":
        name = hit.rule_id.split(":", 1)[-1]
        return t("safety.reason.category", lang, category=t(f"safety.category.{name}", lang))
    return t(f"safety.reason.{group}", lang)


def excerpt(item: Mapping[str, Any], lang: str) -> str:
    if item.get("private") or is_private(r.get("rule") for r in item.get("rules") or ()):
        return t("safety.private_text", lang)
    text = " ".join(str(item.get("text") or "").split())
    return text if len(text) <= EXCERPT else text[: EXCERPT - 1] + "…"


def history_summary(history: Mapping[str, Any] | None, lang: str) -> str:
    history = history or {}
    tenure = history.get("tenure_days")
    return t("safety.queue.history", lang, strikes=history.get("strikes", 0),
             tenure=t("safety.unknown", lang) if tenure is None else f"{tenure}d",
             stage=history.get("stage") or t("safety.unknown", lang),
             messages=history.get("messages", 0))


def age(since: datetime, now: datetime) -> str:
    return format_duration(max(60, int((now - since).total_seconds())) // 60 * 60)


def item_line(item: Mapping[str, Any], lang: str, now: datetime) -> str:
    """One queue entry with its evidence summary."""
    state = item["status"]
    if item.get("claimed_by"):
        state = t("safety.queue.claimed_by", lang, name=item["claimed_by"])
    if item.get("escalation_level"):
        state += " · " + t("safety.queue.escalated", lang, level=item["escalation_level"])
    key = "safety.queue.appeal_line" if item.get("kind") == "appeal" else "safety.queue.line"
    return t(key, lang, id=item["id"], age=age(item["created_at"], now),
             member=item.get("member_name") or item["member_id"],
             channel=item.get("channel_id") or "-", rules=rules_summary(item.get("rules") or (),
                                                                        lang),
             action=item.get("action_taken") or "-", history=history_summary(
                 item.get("history"), lang), state=state, text=excerpt(item, lang),
             case=item.get("case_id") or "-")


def new_item_post(ctx: Context, item: Mapping[str, Any]) -> list[Action]:
    """Announce a new case in the mod channel with its decision buttons."""
    target = channel(ctx, "mod")
    if target is None:
        return []
    text = with_page(page(ctx, "mod"), t("safety.queue.new", ctx.lang) + "\n" +
                     item_line(item, ctx.lang, ctx.now))
    buttons = review_buttons(int(item["id"]), ctx.lang, appeal=item.get("kind") == "appeal")
    return [PostToChannel(ctx.community_id, target, text, buttons)]


# --- SLA ----------------------------------------------------------------------------------


def sla_steps(ctx: Context) -> dict[str, int]:
    settings = settings_of(ctx)
    sla = settings.sla
    return {name: int(seconds) for name, seconds in sla.steps().items()}


def schedule_review_sla(ctx: Context, item_id: int, created_at: datetime, step: str,
                        level: int = 0) -> None:
    """Stage the timer of ``step`` for a case (idempotent per case and step)."""
    settings = settings_of(ctx)
    if settings is None or not settings.sla.enabled:
        return
    if step not in SLA_STEPS:
        return
    due = deadlines(created_at, sla_steps(ctx))[step]
    ctx.uow.schedule("review_sla", due,
                     {"item_id": item_id, "step": step, "created_at": created_at.isoformat(),
                      "level": level},
                     idempotency_key=f"review_sla:{ctx.community_id}:{item_id}:{step}")


# --- strikes and sanctions -----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class StrikeResult:
    strike_id: int
    count: int
    max_strikes: int
    ladder_action: RuleAction
    escalated: bool


async def issue_strike(ctx: Context, store: SafetyStore, member_id: str, *, reason: str,
                       case_id: int | None, issued_by: str) -> StrikeResult:
    """Record one strike, schedule its expiry, and return what the ladder says."""
    settings = settings_of(ctx)
    ladder = settings.strikes.build()
    active = await store.active_strike_count(member_id, ctx.now)
    decision = ladder.after_count(active, ctx.now)
    strike_id = await store.add_strike(member_id, reason=reason, case_id=case_id,
                                       issued_by=issued_by, issued_at=ctx.now,
                                       expires_at=decision.expires_at)
    ctx.uow.schedule("strike_expiry", decision.expires_at,
                     {"strike_id": strike_id, "member_id": member_id},
                     idempotency_key=f"strike_expiry:{ctx.community_id}:{strike_id}")
    ctx.uow.audit(issued_by, "strike.issued", target_id=member_id, reason=reason,
                  details={"strike_id": strike_id, "case_id": case_id, "count": decision.count,
                           "ladder": str(decision.action),
                           "expires_at": decision.expires_at.isoformat()})
    return StrikeResult(strike_id, decision.count, decision.max_strikes, decision.action,
                        decision.escalated)


def sanction(ctx: Context, member_id: str, *, reason: str, case_id: int | None,
             strike: StrikeResult | None, requested: RuleAction | None,
             actor_id: str = SYSTEM_ACTOR) -> list[Action]:
    """Timeout/Ban actions and the member's notice for a strike and/or a requested action.

    The stronger of what was asked (a timeout rule, a moderator's ban) and what the strike
    ladder says for the new strike count applies, so the 3rd strike turns a warning into
    the ladder's timeout and a 10-minute rule timeout into the ladder's hour.
    """
    wanted = [a for a in (requested, strike.ladder_action if strike else None) if a is not None]
    final = strongest(wanted)
    count = strike.count if strike else 0
    most = strike.max_strikes if strike else 0
    hint = t("safety.appeal_hint", ctx.lang, case=case_id) if case_id else ""
    actions: list[Action] = []
    if final.kind is ActionKind.BAN:
        actions.append(Ban(ctx.community_id, member_id, reason))
        text = t("safety.banned", ctx.lang, community=_community_name(ctx), reason=reason)
        ctx.uow.audit(actor_id, "member.banned", target_id=member_id, reason=reason,
                      details={"case_id": case_id, "strikes": count})
    elif final.kind is ActionKind.TIMEOUT:
        actions.append(Timeout(ctx.community_id, member_id, final.seconds, reason))
        text = t("safety.timed_out", ctx.lang, duration=format_duration(final.seconds),
                 reason=reason, count=count, max=most)
        ctx.uow.audit(actor_id, "member.timed_out", target_id=member_id, reason=reason,
                      details={"case_id": case_id, "seconds": final.seconds, "strikes": count})
    elif strike is not None:
        text = t("safety.warned", ctx.lang, reason=reason, count=count, max=most)
    else:
        return actions
    actions.append(DirectMessage(ctx.community_id, member_id, " ".join(p for p in (text, hint)
                                                                       if p)))
    return actions


def _community_name(ctx: Context) -> str:
    return str(getattr(ctx.settings, "name", "") or ctx.community_id)
