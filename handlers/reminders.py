"""Member reminders: ``/remind``, ``/reminders``, ``/remind cancel ID`` and ``/timezone``.

A reminder is a row in ``scheduled_items`` (kind ``reminder``, owner = the member) written in
the command's transaction, so a reply saying "set" means the row exists; the sweeper fires it
as a direct message (falling back to the channel it was set in when DMs are closed). Times
are read by ``domain.timeparse`` in the member's own time zone (``/timezone``, else the
community's) and always shown back in that zone, so the member sees what was understood.

Limits: ``[scheduler.reminders] max_per_member`` plus the ``extra_reminder_slots`` perk of
the member's growth stage, counted over the member's pending reminders.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Sequence
from datetime import timedelta
from functools import cache
from typing import Any
from zoneinfo import available_timezones

from domain.actions import Action, DirectMessage, Reply
from domain.events import CommandInvoked
from domain.i18n import t
from domain.timeparse import TimeError, parse_when
from handlers.lifecycle_common import (
    community_zone_name,
    local_text,
    member_zone_name,
    parse_id,
    relative_text,
    reply,
    scheduler_settings,
    time_error,
    valid_zone,
    zone_of,
)
from handlers.ports import Context
from handlers.registry import registry

KIND = "reminder"
LATE_NOTICE = timedelta(minutes=5)
LIST_LIMIT = 25
_CANCEL = re.compile(r"^\s*(?:cancel|delete|remove|del|rm|取消|删除)\s+(.*)$", re.IGNORECASE)
_LIST = re.compile(r"^\s*(?:list|ls|列表|查看)\s*$", re.IGNORECASE)
_OFFSET = re.compile(r"^(?:utc|gmt)?\s*([+-])\s*(\d{1,2})(?::?00)?$", re.IGNORECASE)
_RESET = {"reset", "default", "community", "clear", "off", "重置", "默认"}


async def stage_reminder_slots(ctx: Context, member_id: str) -> int:
    """Extra reminder slots granted by the member's growth stage (0 without growth)."""
    growth = ctx.services.get("growth")
    if growth is None or ctx.settings is None:
        return 0
    try:
        stages = growth.compiled(ctx.settings).stages
    except Exception:  # growth misconfigured or absent: fall back to the config default
        return 0
    state = await ctx.uow.state(member_id)
    stage = getattr(state, "stage", None) if not isinstance(state, dict) else state.get("stage")
    if not stage:
        return 0
    return int(stages.stages[stages.index(str(stage))].perks.extra_reminder_slots)


@registry.command("remind", feature="scheduler", summary="time.summary.remind")
async def remind_command(event: CommandInvoked, ctx: Context) -> Sequence[Action]:
    section = scheduler_settings(ctx)
    if section is None:
        return []
    settings = section.reminders
    if not settings.enabled:
        return reply(ctx, event, "time.remind.off")
    args = event.args.strip()
    if not args:
        return reply(ctx, event, "time.remind.usage")
    cancel = _CANCEL.match(args)
    if cancel:
        return await _cancel(event, ctx, cancel.group(1))
    if _LIST.match(args):
        return await _list(event, ctx)
    member = await ctx.uow.member(event.member_id)
    zone_name = member_zone_name(ctx, member)
    parsed = parse_when(args, ctx.now, zone_of(zone_name),
                        max_ahead=timedelta(days=settings.max_days_ahead))
    if isinstance(parsed, TimeError):
        return time_error(ctx, event, parsed)
    limit = settings.max_per_member + await stage_reminder_slots(ctx, event.member_id)
    active = await ctx.uow.scheduled.count_active(owner_id=event.member_id,
                                                  community_id=ctx.community_id, kind=KIND)
    if active >= limit:
        return reply(ctx, event, "time.remind.limit", limit=limit)
    text = parsed.rest.strip()[: settings.max_text_length]
    item_id = await ctx.uow.scheduled.schedule(
        kind=KIND, due_at=parsed.due_at, community_id=ctx.community_id,
        owner_id=event.member_id, timezone=zone_name, missed_policy=settings.missed_policy,
        payload={"member_id": event.member_id, "text": text, "channel_id": event.channel_id,
                 "lang": ctx.lang},
        now=ctx.now)
    shown = text or t("time.remind.no_text", ctx.lang)
    return reply(ctx, event, "time.remind.set", id=item_id,
                 when=local_text(parsed.due_at, zone_name),
                 relative=relative_text(parsed.due_at, ctx.now, ctx.lang), text=shown)


async def _cancel(event: CommandInvoked, ctx: Context, given: str) -> list[Action]:
    item_id = parse_id(given)
    if item_id is None:
        return reply(ctx, event, "time.remind.bad_id", given=given.strip()[:40])
    item = await ctx.uow.scheduled.get(item_id)
    if (item is None or item.kind != KIND or item.owner_id != event.member_id
            or item.community_id != ctx.community_id
            or not await ctx.uow.scheduled.cancel(item_id, event.member_id,
                                                  community_id=ctx.community_id, now=ctx.now)):
        return reply(ctx, event, "time.remind.not_found", id=item_id)
    return reply(ctx, event, "time.remind.cancelled", id=item_id)


async def _list(event: CommandInvoked, ctx: Context) -> list[Action]:
    items = await ctx.uow.scheduled.list_pending(owner_id=event.member_id,
                                                 community_id=ctx.community_id, kind=KIND,
                                                 limit=LIST_LIMIT)
    if not items:
        return reply(ctx, event, "time.reminders.empty")
    member = await ctx.uow.member(event.member_id)
    zone_name = member_zone_name(ctx, member)
    lines = [t("time.reminders.header", ctx.lang, count=len(items))]
    for item in items:
        text = str(item.payload.get("text") or "") or t("time.remind.no_text", ctx.lang)
        lines.append(t("time.reminders.item", ctx.lang, id=item.id,
                       when=local_text(item.due_at, item.timezone or zone_name), text=text))
    return [Reply(ctx.community_id, event.channel_id, "\n".join(lines), ephemeral=True)]


@registry.command("reminders", feature="scheduler", summary="time.summary.reminders")
async def reminders_command(event: CommandInvoked, ctx: Context) -> Sequence[Action]:
    if scheduler_settings(ctx) is None:
        return []
    return await _list(event, ctx)


@registry.timer(KIND)
async def reminder_due(payload: dict[str, Any], ctx: Context) -> Sequence[Action]:
    """Deliver a reminder as a DM (the adapter posts in ``fallback_channel_id`` when the
    member does not accept DMs). A reminder fired late after downtime says so."""
    member_id = payload.get("member_id")
    if not isinstance(member_id, str) or not member_id:
        raise ValueError(f"reminder payload needs member_id, got {payload!r}")
    lang = payload.get("lang") if payload.get("lang") in ("en", "zh") else ctx.lang
    text = str(payload.get("text") or "") or t("time.remind.no_text", lang)
    item = ctx.flags.get("item") or {}
    due = item.get("due_at")
    if due is not None and ctx.now - due > LATE_NOTICE:
        member = await ctx.uow.member(member_id)
        message = t("time.remind.fire_late", lang, text=text,
                    due=local_text(due, member_zone_name(ctx, member)))
    else:
        message = t("time.remind.fire", lang, text=text)
    channel = payload.get("channel_id")
    return [DirectMessage(ctx.community_id, member_id, message,
                          fallback_channel_id=channel if isinstance(channel, str) and channel
                          else None)]


# -- /timezone ---------------------------------------------------------------------------------

@cache
def _zone_names() -> dict[str, str]:
    """Lower-case name -> canonical IANA name, for forgiving lookups."""
    return {name.lower(): name for name in available_timezones()}


def resolve_zone(given: str) -> tuple[str | None, str | None]:
    """(IANA name, None) for a usable zone, else (None, a suggestion or None).

    Accepts exact names in any case ("asia/shanghai"), a unique city ("Shanghai"), and whole
    hour offsets ("UTC+8", "GMT-5", "+03") which map to the ``Etc/GMT∓N`` zones (those have
    the inverted POSIX sign).
    """
    text = given.strip().replace(" ", "_")
    if not text:
        return None, None
    names = _zone_names()
    if text.upper() in ("UTC", "GMT", "Z"):
        return "UTC", None
    offset = _OFFSET.match(text.replace("_", ""))
    if offset:
        hours = int(offset.group(2))
        if hours <= 14:
            if hours == 0:
                return "UTC", None
            sign = "-" if offset.group(1) == "+" else "+"
            return f"Etc/GMT{sign}{hours}", None
    exact = names.get(text.lower())
    if exact is not None and valid_zone(exact):
        return exact, None
    city = [name for low, name in names.items() if low.rsplit("/", 1)[-1] == text.lower()]
    if len(city) == 1 and valid_zone(city[0]):
        return city[0], None
    close = difflib.get_close_matches(text.lower(), list(names), n=1, cutoff=0.75)
    return None, names[close[0]] if close else None


@registry.command("timezone", feature="scheduler", summary="time.summary.timezone")
async def timezone_command(event: CommandInvoked, ctx: Context) -> Sequence[Action]:
    if scheduler_settings(ctx) is None:
        return []
    given = event.args.strip()
    member = await ctx.uow.member(event.member_id)
    if not given:
        own = (member or {}).get("timezone")
        if own and valid_zone(own):
            return reply(ctx, event, "time.tz.show_member", timezone=own,
                         now=local_text(ctx.now, own))
        community = community_zone_name(ctx)
        return reply(ctx, event, "time.tz.show_community", timezone=community,
                     now=local_text(ctx.now, community))
    if given.lower() in _RESET:
        await ctx.uow.set_member_field(event.member_id, timezone=None)
        return reply(ctx, event, "time.tz.reset", timezone=community_zone_name(ctx))
    name, suggestion = resolve_zone(given)
    if name is None:
        hint = t("time.tz.suggest", ctx.lang, name=suggestion) if suggestion else ""
        return reply(ctx, event, "time.tz.unknown", given=given[:64], suggestion=hint)
    await ctx.uow.set_member_field(event.member_id, timezone=name)
    return reply(ctx, event, "time.tz.set", timezone=name, now=local_text(ctx.now, name))
