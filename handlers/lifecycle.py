"""Growth reminder and wake-up journeys for silent members, and ``/nudges on|off``.

A daily ``lifecycle_scan`` per community (scheduled at start by ``bot.lifecycle.wiring``)
first settles returns — nudged members who were active again get ``returned_at`` (and the
perk bonus if one was offered) — then starts a journey for every member silent for
``silence_days``: a ``wakeup`` item for step 0 with an idempotent key per journey. Each
``wakeup`` step, when due:

1. ends the journey if the member opted out, left, or was active since it began;
2. plans the send with ``domain.schedule.plan_nudge``: frequency caps over the member's past
   nudges and quiet hours in the member's own time zone move it later (the step re-schedules
   itself), and a nudge pushed past ``max_delay_hours`` is dropped, ending the journey;
3. records the step in ``nudges`` (experiment, arm, variant) — in the control arm nothing is
   sent but the row is written, so insights can compare return rates — and schedules the next
   step after its gap.

The record and the "done" mark of the timer commit together (the timer's transaction), and
the unique (member, journey, stage) key makes a re-run step a no-op, so a nudge is recorded
and sent once.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from domain.actions import Action, DirectMessage, PostToChannel
from domain.events import CommandInvoked
from domain.growth.stages import Perks, StageRules
from domain.i18n import catalog, t
from domain.schedule import plan_nudge
from handlers.lifecycle_common import (
    channel_label,
    has_left,
    joined,
    member_language,
    member_name,
    member_zone_name,
    reply,
    scheduler_settings,
    snippet,
    zone_of,
)
from handlers.lifecycle_rules import (
    CONTROL,
    LAST_STEP,
    STEPS,
    assign_arm,
    progress_to_next,
    rank_highlights,
    stage3_variant,
)
from handlers.ports import Context
from handlers.registry import registry

log = logging.getLogger("hearth.lifecycle")

SCAN = "lifecycle_scan"
WAKEUP = "wakeup"
RETURN_LOOKBACK = timedelta(days=120)
CAP_HISTORY = timedelta(days=400)
PEER_NEWS = timedelta(days=14)
DIGEST_WINDOW = timedelta(days=7)
SYSTEM_ACTOR = "hearth"


# -- growth view (stage rules, names) with fallbacks when growth is not wired ----------------

def stage_rules(ctx: Context) -> StageRules:
    growth = ctx.services.get("growth")
    if growth is not None and ctx.settings is not None:
        try:
            return growth.compiled(ctx.settings).stages
        except Exception:  # growth settings unusable: the default ladder still explains
            log.debug("growth rules unavailable for %s", ctx.community_id, exc_info=True)
    return StageRules()


def stage_label(stage: str, lang: str) -> str:
    key = f"growth.stage.{stage}"
    return t(key, lang) if key in catalog() else stage


def badge_label(ctx: Context, badge_id: str, lang: str) -> str:
    growth = ctx.services.get("growth")
    if growth is not None and ctx.settings is not None:
        try:
            names = growth.compiled(ctx.settings).badge_names.get(badge_id) or {}
            if names.get(lang) or names.get("en"):
                return str(names.get(lang) or names["en"])
        except Exception:
            log.debug("growth badge names unavailable", exc_info=True)
    key = f"growth.badge.{badge_id}"
    return t(key, lang) if key in catalog() else badge_id


def perk_list(perks: Perks, lang: str) -> str:
    parts = []
    if perks.title:
        parts.append(t("growth.perk.title", lang, title=perks.title))
    if perks.extra_reminder_slots:
        parts.append(t("growth.perk.reminders", lang, count=perks.extra_reminder_slots))
    if perks.shop_discount_pct:
        parts.append(t("growth.perk.discount", lang, pct=perks.shop_discount_pct))
    if perks.roles:
        parts.append(t("growth.perk.roles", lang, roles=joined(perks.roles, lang)))
    return joined(parts, lang)


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat()


def _when(value: Any) -> datetime:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, str):
        parsed = datetime.fromisoformat(value)
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    raise ValueError(f"expected an ISO time, got {value!r}")


def journey_key(community_id: str, member_id: str, since: datetime, step: int) -> str:
    return f"wake:{community_id}:{member_id}:{int(since.timestamp())}:{step}"


# -- returns -----------------------------------------------------------------------------------

async def settle_returns(ctx: Context, section: Any,
                         member_id: str | None = None) -> list[Action]:
    """Mark nudged members who were active again; pay the perk bonus once if they came back
    while the offer stood. Returns the "welcome back" DMs."""
    wake = section.wakeup
    returned = await ctx.uow.time.mark_returns(ctx.now, RETURN_LOOKBACK, member_id)
    actions: list[Action] = []
    category = _bonus_category(ctx)
    for item in returned:
        if (item.stage != "perk" or not item.delivered or item.bonus_points <= 0
                or item.returned_at - item.sent_at > timedelta(days=wake.perk_valid_days)):
            continue
        if not await ctx.uow.time.claim_bonus(item.nudge_id):
            continue
        ctx.uow.add_ledger(item.member_id, item.bonus_points, reason="wakeup_bonus",
                           category=category, source_key=f"nudge:{item.nudge_id}",
                           actor_id=SYSTEM_ACTOR, at=ctx.now)
        lang = item.language if item.language in ("en", "zh") else ctx.lang
        actions.append(DirectMessage(ctx.community_id, item.member_id,
                                     t("time.wake.bonus_paid", lang, points=item.bonus_points)))
    return actions


def _bonus_category(ctx: Context) -> str:
    growth = ctx.services.get("growth")
    if growth is not None and ctx.settings is not None:
        try:
            return str(growth.compiled(ctx.settings).admin_category)
        except Exception:
            log.debug("growth categories unavailable", exc_info=True)
    return "activity"


# -- the daily scan ------------------------------------------------------------------------------

@registry.timer(SCAN)
async def lifecycle_scan(payload: dict[str, Any], ctx: Context) -> Sequence[Action]:
    section = scheduler_settings(ctx)
    if section is None:
        return []
    actions = await settle_returns(ctx, section)
    wake = section.wakeup
    if not wake.enabled:
        return actions
    cutoff = ctx.now - timedelta(days=wake.silence_days)
    silent = await ctx.uow.time.silent_members(cutoff, ctx.now, wake.max_per_scan)
    for member in silent:
        since = member.last_active
        journey = _iso(since)
        arm = assign_arm(wake.experiment, ctx.community_id, member.member_id, journey,
                         wake.holdout_percent)
        variant = stage3_variant(wake.stage3, wake.experiment, ctx.community_id,
                                 member.member_id, journey, wake.team_channel)
        ctx.uow.schedule(
            WAKEUP, ctx.now,
            {"member_id": member.member_id, "step": 0, "since": journey, "arm": arm,
             "stage3": variant, "experiment": wake.experiment, "due": _iso(ctx.now)},
            idempotency_key=journey_key(ctx.community_id, member.member_id, since, 0),
            owner_id=member.member_id)
    if silent:
        log.info("lifecycle scan %s: %d journey(s) started", ctx.community_id, len(silent))
    return actions


# -- one journey step ----------------------------------------------------------------------------

@registry.timer(WAKEUP)
async def wakeup_step(payload: dict[str, Any], ctx: Context) -> Sequence[Action]:
    section = scheduler_settings(ctx)
    if section is None or not section.wakeup.enabled:
        return []
    wake = section.wakeup
    member_id = payload.get("member_id")
    step = payload.get("step")
    if not isinstance(member_id, str) or not isinstance(step, int) or not 0 <= step <= LAST_STEP:
        raise ValueError(f"wakeup payload needs member_id and step 0..{LAST_STEP}: {payload!r}")
    since = _when(payload["since"])
    member = await ctx.uow.member(member_id)
    if member is None or member.get("nudges_opt_out") or member.get("anonymised") or has_left(
            member, ctx.now):
        return []
    time = ctx.uow.time
    if await time.first_activity_after(member_id, since, ctx.now) is not None:
        return await settle_returns(ctx, section, member_id)  # came back: the journey ends
    zone_name = member_zone_name(ctx, member)
    due = _when(payload.get("due") or ctx.now)
    sent = await time.delivered_times(member_id, ctx.now - CAP_HISTORY)
    decision = plan_nudge(due, ctx.now, opted_out=False, sent=sent,
                          caps=[c.cap() for c in wake.caps], quiet=wake.quiet_hours.window(),
                          zone=zone_of(zone_name),
                          max_delay=timedelta(hours=wake.max_delay_hours))
    if decision.send_at is None:
        log.info("wake-up step %d for %s in %s dropped: %s", step, member_id, ctx.community_id,
                 ", ".join(decision.reasons))
        return []
    if decision.send_at > ctx.now:
        ctx.uow.schedule(WAKEUP, decision.send_at, dict(payload),
                         idempotency_key=journey_key(ctx.community_id, member_id, since, step)
                         + f":at{int(decision.send_at.timestamp())}", owner_id=member_id)
        return []
    arm = str(payload.get("arm") or "treatment")
    delivered = arm != CONTROL
    lang = member_language(ctx, member)
    stage, variant, channel, actions, details, bonus = await _compose(
        ctx, wake, member_id, member, step, since, str(payload.get("stage3") or "digest"), lang)
    recorded = await time.record_nudge(
        member_id=member_id, silent_since=since, stage=stage, step=step,
        experiment=str(payload.get("experiment") or wake.experiment), arm=arm,
        variant=variant, channel=channel if delivered else "none", delivered=delivered,
        sent_at=ctx.now, bonus_points=bonus if delivered else 0, details=details)
    if recorded is None:
        return []  # this step ran before (a retried timer): record and send once
    if step < LAST_STEP:
        gap = wake.gaps()[step]
        next_due = ctx.now + gap
        ctx.uow.schedule(
            WAKEUP, next_due,
            {**{k: v for k, v in payload.items() if k not in ("step", "due")},
             "step": step + 1, "due": _iso(next_due)},
            idempotency_key=journey_key(ctx.community_id, member_id, since, step + 1),
            owner_id=member_id)
    return actions if delivered else []


async def _compose(ctx: Context, wake: Any, member_id: str, member: dict[str, Any], step: int,
                   since: datetime, stage3: str, lang: str
                   ) -> tuple[str, str, str, list[Action], dict[str, Any], int]:
    """(stage, variant, channel, actions, details, bonus) of one step."""
    name = member_name(member, member_id)
    days = max(1, (ctx.now - since).days)
    optout = "\n" + t("time.wake.optout", lang)
    if step == 0:
        stats = await ctx.uow.stats(member_id) or {}
        rules = stage_rules(ctx)
        current = str(stats.get("stage") or rules.stages[0].name)
        progress = progress_to_next(rules, current, lifetime=int(stats.get("lifetime") or 0),
                                    active_days=int(stats.get("active_days") or 0),
                                    helpful=int(stats.get("helpful") or 0))
        text = t("time.wake.reminder", lang, name=name, days=days,
                 stage=stage_label(progress.current, lang),
                 points=int(stats.get("lifetime") or 0),
                 progress=_progress_text(progress, lang))
        details = {"stage": progress.current, "next": progress.next,
                   "needs": {n.kind: n.amount for n in progress.needs}}
        return (STEPS[0], "progress", "dm",
                [DirectMessage(ctx.community_id, member_id, text + optout)], details, 0)
    if step == 1:
        bonus = int(wake.perk_bonus_points)
        if bonus > 0:
            text = t("time.wake.perk.bonus", lang, name=name, points=bonus,
                     days=int(wake.perk_valid_days))
            variant = "bonus"
        else:
            stats = await ctx.uow.stats(member_id) or {}
            rules = stage_rules(ctx)
            perks = rules.stages[rules.index(str(stats.get("stage") or ""))].perks
            listed = perk_list(perks, lang)
            variant = "stage_perks" if listed else "generic"
            text = (t("time.wake.perk.stage", lang, name=name, perks=listed) if listed
                    else t("time.wake.perk.generic", lang, name=name))
        return (STEPS[1], variant, "dm",
                [DirectMessage(ctx.community_id, member_id, text + optout)],
                {"bonus": bonus}, bonus)
    time = ctx.uow.time
    lookback = timedelta(days=wake.peer_lookback_days)
    if step == 2:
        peers = await time.reply_peers(member_id, since - lookback, since, wake.social_peers)
        if peers:
            ids = [p for p, _ in peers]
            names = await time.display_names(ids)
            doings = await time.recent_doings(ids, ctx.now - PEER_NEWS, ctx.now)
            parts = [_peer_text(ctx, names.get(p) or p.split(":", 1)[-1], doings.get(p, {}),
                                lang) for p in ids]
            text = t("time.wake.social", lang, name=name, peers=joined(parts, lang))
            variant, details = "peers", {"peers": ids}
        else:
            channels = await time.member_channels(member_id, since - lookback, since)
            shown = joined([channel_label(c, lang) for c in channels], lang) or t(
                "time.somewhere", lang)
            text = t("time.wake.social.fallback", lang, name=name, channels=shown)
            variant, details = "channels", {"channels": channels}
        return (STEPS[2], variant, "dm",
                [DirectMessage(ctx.community_id, member_id, text + optout)],
                details, 0)
    # step 3: a personal recall by the team, or a tailored digest
    channels = await time.member_channels(member_id, since - lookback, since)
    if stage3 == "recall" and wake.team_channel:
        peers = await time.reply_peers(member_id, since - lookback, since, wake.social_peers)
        names = await time.display_names([p for p, _ in peers])
        team_lang = ctx.lang
        text = t("time.wake.recall", team_lang, member=name, days=days,
                 peers=joined([names.get(p) or p.split(":", 1)[-1] for p, _ in peers],
                              team_lang) or t("time.nobody", team_lang),
                 channels=joined([channel_label(c, team_lang) for c in channels], team_lang)
                 or t("time.somewhere", team_lang))
        return ("recall", "recall", "team",
                [PostToChannel(ctx.community_id, wake.team_channel, text)],
                {"channels": channels, "peers": [p for p, _ in peers]}, 0)
    posts = await time.highlight_candidates(ctx.now - DIGEST_WINDOW, ctx.now)
    mine = [p for p in posts if p.get("channel_id") in set(channels) and p["member_id"] !=
            member_id] or [p for p in posts if p["member_id"] != member_id]
    ranked, _ = rank_highlights(mine, engagement_weight=0.6, limit=3)
    if ranked:
        names = await time.display_names([h.member_id for h in ranked])
        items = "\n".join(t("time.wake.digest.item", lang,
                            author=names.get(h.member_id) or h.member_id.split(":", 1)[-1],
                            channel=channel_label(h.channel_id, lang), snippet=snippet(h.text))
                          for h in ranked)
        text = t("time.wake.digest", lang, name=name, items=items)
    else:
        text = t("time.wake.digest.none", lang, name=name)
    return ("digest", "digest", "dm",
            [DirectMessage(ctx.community_id, member_id, text + optout)],
            {"channels": channels, "posts": [h.message_id for h in ranked]}, 0)


def _progress_text(progress: Any, lang: str) -> str:
    if progress.next is None:
        return t("time.wake.progress.top", lang)
    parts = []
    for need in progress.needs:
        if need.kind == "top":
            parts.append(t("time.wake.need.top", lang, pct=f"{need.amount:g}"))
        else:
            parts.append(t(f"time.wake.need.{need.kind}", lang, n=int(need.amount)))
    key = "time.wake.progress.close" if progress.close else "time.wake.progress.next"
    return t(key, lang, next=stage_label(progress.next, lang),
             needs=joined(parts, lang) or "—")


def _peer_text(ctx: Context, name: str, doing: dict[str, Any], lang: str) -> str:
    if doing.get("stage"):
        return t("time.wake.peer.stage", lang, peer=name,
                 stage=stage_label(str(doing["stage"]), lang))
    if doing.get("badges"):
        return t("time.wake.peer.badge", lang, peer=name,
                 badge=badge_label(ctx, str(doing["badges"][-1]), lang))
    if doing.get("messages"):
        return t("time.wake.peer.active", lang, peer=name, messages=int(doing["messages"]),
                 channel=channel_label(doing.get("channel"), lang))
    return t("time.wake.peer.around", lang, peer=name)


# -- /nudges ------------------------------------------------------------------------------------

@registry.command("nudges", feature="scheduler", summary="time.summary.nudges")
async def nudges_command(event: CommandInvoked, ctx: Context) -> Sequence[Action]:
    if scheduler_settings(ctx) is None:
        return []
    word = event.args.strip().lower()
    if word in ("off", "stop", "no", "关", "关闭", "停止"):
        await ctx.uow.set_member_field(event.member_id, nudges_opt_out=True)
        ctx.uow.audit(event.member_id, "nudges.opt_out", target_id=event.member_id)
        return reply(ctx, event, "time.nudges.off")
    if word in ("on", "start", "yes", "开", "开启", "打开"):
        await ctx.uow.set_member_field(event.member_id, nudges_opt_out=False)
        ctx.uow.audit(event.member_id, "nudges.opt_in", target_id=event.member_id)
        return reply(ctx, event, "time.nudges.on")
    if word:
        return reply(ctx, event, "time.nudges.usage")
    member = await ctx.uow.member(event.member_id)
    off = bool((member or {}).get("nudges_opt_out"))
    return reply(ctx, event, "time.nudges.status_off" if off else "time.nudges.status_on")
