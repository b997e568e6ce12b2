"""Line 3: SLA timers of review items, and strike expiry.

``review_sla`` rows are scheduled when a case opens (the acknowledge deadline) and chain
themselves: an unclaimed item at its deadline escalates to the expert channel/role and the
next deadline is scheduled (re-page); a claimed item is left to its moderator and only the
final remediation deadline is still watched; a decided item ends the chain. Timers are
persisted rows with idempotency keys, so a restart neither loses nor doubles them, and a
timer that fires after the item was claimed or decided does nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from domain.actions import Action, DirectMessage
from domain.i18n import t
from domain.safety.review import SLA_STEPS, review_sla
from handlers.moderation import escalate_item
from handlers.ports import Context
from handlers.registry import registry
from handlers.safety_cases import SYSTEM_ACTOR, schedule_review_sla, settings_of, store_for

log = logging.getLogger("hearth.safety")


def _item_id(payload: dict[str, Any], key: str) -> int:
    value = payload.get(key)
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"scheduled item payload needs an integer {key!r}, got {value!r}")
    return value


@registry.timer("review_sla")
async def review_sla_due(payload: dict[str, Any], ctx: Context) -> Sequence[Action]:
    item_id = _item_id(payload, "item_id")
    step = payload.get("step")
    if step not in SLA_STEPS:
        raise ValueError(f"review_sla payload has unknown step {step!r}; expected {SLA_STEPS}")
    store = store_for(ctx)
    item = await store.item(item_id)
    if item is None:
        log.warning("review_sla for missing case %s in %s ignored", item_id, ctx.community_id)
        return []
    outcome = review_sla(step, status=item["status"], claimed=item.get("claimed_by") is not None,
                         level=int(item.get("escalation_level") or 0))
    actions: list[Action] = []
    if outcome.page:
        actions = await escalate_item(ctx, store, item, SYSTEM_ACTOR, outcome.reason, None,
                                      automatic_step=step)
    if outcome.next_step is not None:
        created: datetime = item["created_at"]
        schedule_review_sla(ctx, item_id, created, outcome.next_step)
    return actions


@registry.timer("strike_expiry")
async def strike_expired(payload: dict[str, Any], ctx: Context) -> Sequence[Action]:
    """A strike lapsed: audit it and, if configured, tell the member their new count."""
    strike_id = _item_id(payload, "strike_id")
    store = store_for(ctx)
    strike = await store.strike(strike_id)
    if strike is None or strike["pardoned"] or strike["expires_at"] > ctx.now:
        return []
    member_id = strike["member_id"]
    settings = settings_of(ctx)
    active = await store.active_strike_count(member_id, ctx.now)
    ctx.uow.audit(SYSTEM_ACTOR, "strike.expired", target_id=member_id,
                  details={"strike_id": strike_id, "active": active})
    if settings is None or not settings.strikes.notify_expiry:
        return []
    ladder = settings.strikes.build()
    return [DirectMessage(ctx.community_id, member_id, t(
        "safety.strike_expired", ctx.lang, count=active, max=ladder.max_strikes))]
