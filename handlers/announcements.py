"""Announcements (admins): ``/announce every monday 10:00 #general …``, one-off
``/announce at 2026-12-01 10:00 #general …``, ``/announce list`` and ``/announce cancel ID``.

Recurring announcements are cron schedules in the community's time zone (``[scheduler]
timezone``, else the community's): "every monday 10:00" stays 10:00 local across DST. The
reply previews the next three fire times so the admin sees what was understood. Config
announcements (``[scheduler] announcements``) are scheduled at start by the lifecycle wiring
with idempotent keys and listed here too; they are changed in the config, not by command.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from domain.actions import Action, PostToChannel, Reply
from domain.events import CommandInvoked
from domain.i18n import t
from domain.timeparse import RecurrenceParsed, TimeError, parse_schedule
from handlers.lifecycle_common import (
    channel_label,
    community_zone_name,
    joined,
    local_text,
    parse_id,
    relative_text,
    reply,
    scheduler_settings,
    snippet,
    split_channel,
    time_error,
    zone_of,
)
from handlers.lifecycle_ports import TimePort
from handlers.ports import Context
from handlers.registry import registry

KIND = "announcement"
PREVIEW = 3
LIST_LIMIT = 50
_CANCEL = re.compile(r"^\s*(?:cancel|delete|remove|del|rm|取消|删除)\s+(.*)$", re.IGNORECASE)
_LIST = re.compile(r"^\s*(?:list|ls|列表|查看)\s*$", re.IGNORECASE)


@registry.command("announce", role="admin", feature="scheduler",
                  summary="time.summary.announce")
async def announce_command(event: CommandInvoked, ctx: Context) -> Sequence[Action]:
    section = scheduler_settings(ctx)
    port: TimePort | None = ctx.services.get("time")
    if section is None or port is None:
        return []
    args = event.args.strip()
    if not args:
        return reply(ctx, event, "time.announce.usage")
    if _LIST.match(args):
        return await _list(event, ctx, port)
    cancel = _CANCEL.match(args)
    if cancel:
        return await _cancel(event, ctx, cancel.group(1))
    zone_name = community_zone_name(ctx)
    parsed = parse_schedule(args, ctx.now, zone_of(zone_name))
    if isinstance(parsed, TimeError):
        return time_error(ctx, event, parsed)
    channel, text, ok = split_channel(parsed.rest, ctx.community_id)
    if not ok:
        return reply(ctx, event, "time.announce.usage")
    if not text:
        return reply(ctx, event, "time.announce.no_text")
    channel = channel or event.channel_id
    payload = {"channel_id": channel, "text": text[:2000], "lang": ctx.lang,
               "by": event.member_id, "schedule": parsed.matched}
    scheduled = ctx.uow.scheduled
    if isinstance(parsed, RecurrenceParsed):
        cron = parsed.cron.expression
        problem = port.check_cron(cron, zone_name)
        if problem:
            return reply(ctx, event, "time.announce.bad_schedule", problem=problem)
        item_id = await scheduled.schedule(
            kind=KIND, due_at=None, recurrence=cron, timezone=zone_name, payload=payload,
            community_id=ctx.community_id, owner_id=event.member_id,
            missed_policy=section.missed_policy, now=ctx.now)
        times = [local_text(at, zone_name)
                 for at in port.next_fires(cron, zone_name, ctx.now, PREVIEW)]
        schedule = t("time.announce.every", ctx.lang, schedule=parsed.matched, cron=cron,
                     timezone=zone_name)
        return reply(ctx, event, "time.announce.recurring", id=item_id, schedule=schedule,
                     channel=channel_label(channel, ctx.lang), times=joined(times, ctx.lang))
    item_id = await scheduled.schedule(
        kind=KIND, due_at=parsed.due_at, timezone=zone_name, payload=payload,
        community_id=ctx.community_id, owner_id=event.member_id,
        missed_policy=section.missed_policy, now=ctx.now)
    return reply(ctx, event, "time.announce.once", id=item_id,
                 when=local_text(parsed.due_at, zone_name),
                 relative=relative_text(parsed.due_at, ctx.now, ctx.lang),
                 channel=channel_label(channel, ctx.lang))


async def _list(event: CommandInvoked, ctx: Context, port: TimePort) -> list[Action]:
    items = await ctx.uow.scheduled.list_pending(community_id=ctx.community_id, kind=KIND,
                                                 limit=LIST_LIMIT)
    if not items:
        return reply(ctx, event, "time.announce.list_empty")
    zone_name = community_zone_name(ctx)
    lines = [t("time.announce.list_header", ctx.lang, count=len(items))]
    for item in items:
        payload = item.payload
        channel = channel_label(payload.get("channel_id"), ctx.lang)
        text = snippet(str(payload.get("text") or ""), 60)
        if payload.get("source") == "config":
            text += t("time.announce.from_config", ctx.lang)
        when = local_text(item.due_at, item.timezone or zone_name)
        if item.recurrence:
            schedule = t("time.announce.every", ctx.lang,
                         schedule=str(payload.get("schedule") or ""), cron=item.recurrence,
                         timezone=item.timezone or zone_name).strip()
            lines.append(t("time.announce.item_recurring", ctx.lang, id=item.id,
                           schedule=schedule, next=when, channel=channel, text=text))
        else:
            lines.append(t("time.announce.item_once", ctx.lang, id=item.id, next=when,
                           channel=channel, text=text))
    return [Reply(ctx.community_id, event.channel_id, "\n".join(lines), ephemeral=True)]


async def _cancel(event: CommandInvoked, ctx: Context, given: str) -> list[Action]:
    item_id = parse_id(given)
    if item_id is None:
        return reply(ctx, event, "time.announce.bad_id", given=given.strip()[:40])
    item = await ctx.uow.scheduled.get(item_id)
    if item is None or item.kind != KIND or item.community_id != ctx.community_id:
        return reply(ctx, event, "time.announce.not_found", id=item_id)
    if item.payload.get("source") == "config":
        return reply(ctx, event, "time.announce.config_owned", id=item_id)
    if not await ctx.uow.scheduled.cancel(item_id, community_id=ctx.community_id, now=ctx.now):
        return reply(ctx, event, "time.announce.not_found", id=item_id)
    ctx.uow.audit(event.member_id, "announce.cancel", target_id=str(item_id),
                  details={"kind": KIND})
    return reply(ctx, event, "time.announce.cancelled", id=item_id)


@registry.timer(KIND)
async def announcement_due(payload: dict[str, Any], ctx: Context) -> Sequence[Action]:
    channel, text = payload.get("channel_id"), payload.get("text")
    if not isinstance(channel, str) or not channel or not isinstance(text, str) or not text:
        raise ValueError(f"announcement payload needs channel_id and text, got {payload!r}")
    lang = payload.get("lang") if payload.get("lang") in ("en", "zh") else ctx.lang
    return [PostToChannel(ctx.community_id, channel, t("time.announce.post", lang, text=text))]
