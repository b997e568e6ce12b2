"""Distress: a private support case, not a moderation violation.

When a message reads as distress (patterns inline at intake, or the full detector when the
scorer answers), :func:`handle_distress` — always inside a transaction, ``ctx.uow.feelings``
— does exactly this:

* opens a ``support_cases`` row (ids and times only, never the text), at most one active case
  per member (the database refuses a second; a new message is attached to the open case);
* sends the member a private message with the community's support text and helplines in
  their language — unless they got one within the cooldown;
* pages the on-call channel with a link to the message and an *Acknowledge* button;
* schedules the ``distress_sla`` timer (default 8 minutes): an unacknowledged case is
  re-paged and escalated each time it fires, up to ``max_pages``;
* audits that case N exists — not who, not what.

Nothing is posted publicly. Only the support role (``distress.case_role``) may list, see,
acknowledge or close cases (``/mod cases``, ``/mod case N ack|close|show``, the button).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any

from domain.actions import Action, Button, DirectMessage, PostToChannel, Reply
from domain.events import ButtonPressed, CommandInvoked, platform_of
from domain.i18n import t
from domain.sentiment import (
    DistressCase,
    DistressSignal,
    acknowledge_case,
    attach_message,
    case_audit_entry,
    close_case,
    decide_on_distress,
    distress_dm_text,
    dm_language,
    message_link,
    minutes_between,
    open_distress_case,
    page_mention,
    parse_case_command,
    sla_check,
)
from handlers.feelings_ports import ScoreJob
from handlers.ports import Context
from handlers.registry import has_role, registry

log = logging.getLogger("hearth.feelings")

ACK_PREFIX = "feelings:ack:"
SLA_KIND = "distress_sla"
ACTOR = "hearth"


def _cfg(settings: Any) -> Any:
    return settings.sentiment.distress


def _memory(ctx: Context) -> Any | None:
    port = ctx.services.get("feelings")
    return getattr(port, "memory", None)


def page_channel(ctx: Context, settings: Any) -> str | None:
    """The on-call channel; the moderators' channel when none is configured (a case nobody
    is paged about helps no one — moderators are trusted with the link)."""
    channel = _cfg(settings).oncall_channel
    return str(channel) if channel else moderators_channel(settings)


def moderators_channel(settings: Any) -> str | None:
    """The safety feature's moderation channel (``[safety.review] mod_channel_id``), if any."""
    safety = getattr(settings, "safety", None)
    review = getattr(safety, "review", None)
    channel = getattr(review, "mod_channel_id", None) or getattr(safety, "mod_channel_id", None)
    return str(channel) if channel else None


def ack_button(case_id: str, lang: str) -> Button:
    return Button(t("feelings.distress.ack_button", lang), f"{ACK_PREFIX}{case_id}", "primary")


def sla_key(community_id: str, case_id: str, page: int) -> str:
    return f"{SLA_KIND}:{community_id}:{case_id}:{page}"


async def handle_distress(ctx: Context, job: ScoreJob, signal: DistressSignal, *,
                          source: str, now: datetime, message_lang: str | None) -> list[Action]:
    """Open a case (or attach to the member's open one); return the DM and the page."""
    settings = job.settings
    cfg = _cfg(settings)
    policy = cfg.policy()
    store = ctx.uow.feelings
    memory = _memory(ctx)
    active = await store.active_case(job.member_id)
    last_dm = await store.last_dm_at(job.member_id)
    decision = decide_on_distress(open_case=active, last_dm_at=last_dm, now=now, policy=policy)
    if not decision.open_case:
        if active is not None:
            await _attach(store, active, job.message_id)
            if memory is not None:
                memory.set_in_case(ctx.community_id, job.member_id, True)
        return []
    draft = open_distress_case(case_id="", community_id=ctx.community_id,
                               member_id=job.member_id, channel_id=job.channel_id,
                               message_id=job.message_id, now=now, policy=policy)
    channel = page_channel(ctx, settings)
    number = await store.open_case(
        draft, source=source, signals=signal.reasons, confidence=signal.confidence,
        message_at=job.at, paged_at=now if channel else None,
        dm_sent_at=now if decision.send_dm else None)
    if number is None:  # another transaction opened one for this member meanwhile
        existing = await store.active_case(job.member_id)
        if existing is not None:
            await _attach(store, existing, job.message_id)
        return []
    case = replace(draft, case_id=str(number))
    if memory is not None:
        memory.set_in_case(ctx.community_id, job.member_id, True)
    ctx.uow.audit(ACTOR, "support_case.opened", target_id=f"case:{number}",
                  details=case_audit_entry(case))
    ctx.uow.schedule(SLA_KIND, case.ack_due_at, {"case_id": number},
                     idempotency_key=sla_key(ctx.community_id, case.case_id, 1))
    actions: list[Action] = []
    if decision.send_dm:
        member = await ctx.uow.member(job.member_id)
        lang = dm_language(member.get("language") if member else None, message_lang,
                           settings.language)
        name = job.member_name or (member or {}).get("display_name") or job.member_id
        actions.append(DirectMessage(
            ctx.community_id, job.member_id,
            distress_dm_text(lang, name=name, support_text=cfg.support_text.get(lang),
                             helplines=cfg.helplines.get(lang, ()))))
    if channel is None:
        log.warning("support case %s opened in %s but nobody was paged: set "
                    "[sentiment.distress] oncall_channel (or [safety.review] mod_channel_id)",
                    number, ctx.community_id)
        return actions
    link = message_link(ctx.community_id, job.channel_id, job.message_id)
    text = t("feelings.distress.page", ctx.lang, role=cfg.oncall_role or "",
             case_id=case.case_id, link=link, sla_minutes=_minutes(policy.sla))
    if not decision.send_dm:
        text += "\n" + t("feelings.distress.no_dm", ctx.lang,
                         hours=_hours(policy.cooldown))
    actions.append(PostToChannel(ctx.community_id, channel, text.strip(),
                                 buttons=(ack_button(case.case_id, ctx.lang),)))
    return actions


async def _attach(store: Any, case: DistressCase, message_id: str) -> None:
    updated = attach_message(case, message_id)
    if updated is not case:
        await store.save_case(updated)


def _minutes(delta: Any) -> int:
    return max(1, round(delta.total_seconds() / 60))


def _hours(delta: Any) -> int:
    return max(1, round(delta.total_seconds() / 3600))


# --------------------------------------------------------------------------------------
# SLA timer
# --------------------------------------------------------------------------------------


@registry.timer(SLA_KIND)
async def distress_sla(payload: dict[str, Any], ctx: Context) -> Sequence[Action]:
    """Acknowledged, closed or not yet due: nothing. Otherwise re-page, escalate, re-arm."""
    case = await ctx.uow.feelings.case(payload.get("case_id"))
    if case is None or ctx.settings is None:
        return []
    cfg = _cfg(ctx.settings)
    step = sla_check(case, ctx.now, cfg.policy())
    if step is None:
        return []
    updated = step.case
    await ctx.uow.feelings.save_case(updated)
    ctx.uow.audit(ACTOR, "support_case.escalated", target_id=f"case:{case.case_id}",
                  details={"case_id": case.case_id, "page": updated.pages,
                           "escalation_level": step.escalation_level})
    if step.next_due_at is not None:
        ctx.uow.schedule(SLA_KIND, step.next_due_at, {"case_id": int(case.case_id)},
                         idempotency_key=sla_key(ctx.community_id, case.case_id,
                                                 updated.pages))
    channel = page_channel(ctx, ctx.settings)
    if channel is None:
        return []
    role = page_mention(cfg.oncall_role, cfg.escalation_roles, step.escalation_level)
    if step.exhausted:
        key = "feelings.distress.exhausted"
    elif cfg.escalation_roles:
        key = "feelings.distress.escalate"
    else:
        key = "feelings.distress.repage"
    link = message_link(ctx.community_id, case.channel_id, case.message_id)
    text = t(key, ctx.lang, role=role, case_id=case.case_id, minutes=step.minutes_waiting,
             page=updated.pages, link=link)
    return [PostToChannel(ctx.community_id, channel, text.strip(),
                          buttons=(ack_button(case.case_id, ctx.lang),))]


# --------------------------------------------------------------------------------------
# The support team: button, /mod cases, /mod case N ack|close|show
# --------------------------------------------------------------------------------------


def _allowed(roles: frozenset[str], settings: Any) -> bool:
    return has_role(roles, _cfg(settings).case_role)


def _refuse(ctx: Context, channel_id: str) -> list[Action]:
    role = t(f"core.role.{_cfg(ctx.settings).case_role}", ctx.lang)
    return [Reply(ctx.community_id, channel_id, t("feelings.case.not_allowed", ctx.lang,
                                                  role=role), ephemeral=True)]


def _private(ctx: Context, event: CommandInvoked, text: str) -> list[Action]:
    """Case details only where nobody else reads them: an ephemeral reply on platforms that
    have them, the on-call channel itself, otherwise (Telegram groups) a direct message."""
    oncall = _cfg(ctx.settings).oncall_channel
    if platform_of(ctx.community_id) != "telegram" or (oncall and event.channel_id == oncall):
        return [Reply(ctx.community_id, event.channel_id, text, ephemeral=True)]
    return [DirectMessage(ctx.community_id, event.member_id, text)]


async def _who(ctx: Context, member_id: str | None) -> str:
    if not member_id:
        return t("feelings.case.nobody", ctx.lang)
    row = await ctx.uow.member(member_id)
    return (row or {}).get("display_name") or member_id


async def _acknowledge(ctx: Context, case: DistressCase, by: str) -> str:
    if case.status == "closed":
        return t("feelings.case.already_closed", ctx.lang, case_id=case.case_id)
    if case.status == "acknowledged":
        return t("feelings.case.already_acknowledged", ctx.lang, case_id=case.case_id,
                 by=await _who(ctx, case.acknowledged_by))
    updated = acknowledge_case(case, by, ctx.now)
    await ctx.uow.feelings.save_case(updated)
    ctx.uow.audit(by, "support_case.acknowledged", target_id=f"case:{case.case_id}",
                  details={"case_id": case.case_id,
                           "minutes_to_ack": minutes_between(case.opened_at, ctx.now)})
    return t("feelings.distress.acknowledged", ctx.lang, case_id=case.case_id,
             by=await _who(ctx, by), minutes=minutes_between(case.opened_at, ctx.now))


async def _close(ctx: Context, case: DistressCase, by: str) -> str:
    if case.status == "closed":
        return t("feelings.case.already_closed", ctx.lang, case_id=case.case_id)
    updated = close_case(case, ctx.now)
    await ctx.uow.feelings.save_case(updated)
    await ctx.uow.feelings.set_closed_by(case.case_id, by)
    memory = _memory(ctx)
    if memory is not None:
        memory.set_in_case(ctx.community_id, case.member_id, False)
    ctx.uow.audit(by, "support_case.closed", target_id=f"case:{case.case_id}",
                  details={"case_id": case.case_id})
    return t("feelings.case.closed", ctx.lang, case_id=case.case_id, by=await _who(ctx, by))


@registry.on(ButtonPressed, order=60)
async def acknowledge_button(event: ButtonPressed, ctx: Context) -> Sequence[Action]:
    """The *Acknowledge* button under a page: the answer goes to the on-call channel, so the
    rest of the team sees the case is taken."""
    if not event.custom_id.startswith(ACK_PREFIX) or ctx.settings is None:
        return []
    if not _allowed(event.roles, ctx.settings):
        return _refuse(ctx, event.channel_id)
    raw = event.custom_id.removeprefix(ACK_PREFIX)
    case = await ctx.uow.feelings.case(raw)
    if case is None:
        return [Reply(ctx.community_id, event.channel_id,
                      t("feelings.case.not_found", ctx.lang, case_id=raw), ephemeral=True)]
    text = await _acknowledge(ctx, case, event.member_id)
    return [Reply(ctx.community_id, event.channel_id, text)]


@registry.command("cases", role="moderator", feature="sentiment",
                  summary="Open support cases (support team only)")
async def cases_command(event: CommandInvoked, ctx: Context) -> Sequence[Action]:
    if not _allowed(event.roles, ctx.settings):
        return _refuse(ctx, event.channel_id)
    rows = await ctx.uow.feelings.active_cases()
    if not rows:
        return _private(ctx, event, t("feelings.cases.none", ctx.lang))
    lines = [t("feelings.cases.header", ctx.lang, count=len(rows))]
    for row in rows:
        lines.append(t(
            "feelings.cases.line", ctx.lang, case_id=row["id"],
            status=t(f"feelings.case.status.{row['status']}", ctx.lang),
            minutes=minutes_between(row["opened_at"], ctx.now),
            member=await _who(ctx, row["member_id"]), pages=row["pages"],
            link=message_link(ctx.community_id, row["channel_id"], row["message_id"])))
    return _private(ctx, event, "\n".join(lines))


@registry.command("case", role="moderator", feature="sentiment",
                  summary="Show, acknowledge or close a support case: /case N [ack|close]")
async def case_command(event: CommandInvoked, ctx: Context) -> Sequence[Action]:
    if not _allowed(event.roles, ctx.settings):
        return _refuse(ctx, event.channel_id)
    try:
        command = parse_case_command(event.args)
    except ValueError as exc:
        return [Reply(ctx.community_id, event.channel_id,
                      t("feelings.case.usage", ctx.lang, problem=str(exc)), ephemeral=True)]
    case = await ctx.uow.feelings.case(command.case_id)
    if case is None:
        return [Reply(ctx.community_id, event.channel_id,
                      t("feelings.case.not_found", ctx.lang, case_id=command.case_id),
                      ephemeral=True)]
    if command.verb == "ack":
        return _private(ctx, event, await _acknowledge(ctx, case, event.member_id))
    if command.verb == "close":
        return _private(ctx, event, await _close(ctx, case, event.member_id))
    text = t("feelings.case.detail", ctx.lang, case_id=case.case_id,
             status=t(f"feelings.case.status.{case.status}", ctx.lang),
             member=await _who(ctx, case.member_id),
             minutes=minutes_between(case.opened_at, ctx.now), pages=case.pages,
             level=case.escalation_level, by=await _who(ctx, case.acknowledged_by),
             link=message_link(ctx.community_id, case.channel_id, case.message_id))
    return _private(ctx, event, text)
