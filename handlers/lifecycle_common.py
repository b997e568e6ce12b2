"""Helpers shared by the time handlers: settings, zones, formatting, replies, channels.

Times shown to members are in *their* zone (``/timezone``, else the community's), written
``2026-12-01 09:00 Asia/Shanghai`` so there is no doubt which clock is meant; durations are
"in 2 h 5 min" from the catalogue.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta, tzinfo
from typing import Any
from zoneinfo import ZoneInfo

from domain.actions import Action, Reply
from domain.events import CommandInvoked, namespaced, platform_of
from domain.i18n import t
from domain.timeparse import TimeError
from handlers.ports import Context

_CHANNEL_TOKEN = re.compile(r"^\s*(?:<#(\d+)>|#([^\s#]+))\s*")
_ID = re.compile(r"^\d{1,20}$")


def scheduler_settings(ctx: Context) -> Any:
    """The community's ``[scheduler]`` section, or ``None`` (no settings, feature off)."""
    section = getattr(ctx.settings, "scheduler", None) if ctx.settings is not None else None
    if section is None or not getattr(section, "enabled", True):
        return None
    return section


def community_zone_name(ctx: Context) -> str:
    section = getattr(ctx.settings, "scheduler", None) if ctx.settings is not None else None
    name = getattr(section, "timezone", None) if section is not None else None
    return name or (getattr(ctx.settings, "timezone", None) or "UTC")


def zone_of(name: str | None) -> tzinfo:
    """A zone by IANA name; an unknown or missing name means UTC (names are validated when
    they are stored, so this only guards against a zone database that changed)."""
    if not name:
        return UTC
    try:
        return ZoneInfo(name)
    except (ValueError, KeyError, OSError):
        return UTC


def valid_zone(name: str) -> bool:
    try:
        ZoneInfo(name)
    except (ValueError, KeyError, OSError):
        return False
    return True


def member_zone_name(ctx: Context, member: dict[str, Any] | None) -> str:
    """The member's own zone (``/timezone``) if set and known, else the community's."""
    own = (member or {}).get("timezone")
    return own if own and valid_zone(own) else community_zone_name(ctx)


def local_text(moment: datetime, zone_name: str) -> str:
    local = moment.astimezone(zone_of(zone_name))
    return f"{local:%Y-%m-%d %H:%M} {zone_name}"


def span_text(span: timedelta, lang: str) -> str:
    """``2 d 3 h`` / ``5 h 10 min`` / ``12 min`` (two largest units, rounded down)."""
    seconds = int(span.total_seconds())
    if seconds < 60:
        return ""
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes = rest // 60
    parts = []
    if days:
        parts.append(t("time.unit.day", lang, n=days))
    if hours and len(parts) < 2:
        parts.append(t("time.unit.hour", lang, n=hours))
    if minutes and len(parts) < 2 and not days:
        parts.append(t("time.unit.minute", lang, n=minutes))
    return " ".join(parts)


def relative_text(moment: datetime, now: datetime, lang: str) -> str:
    span = span_text(moment - now, lang)
    return t("time.relative", lang, span=span) if span else t("time.relative.now", lang)


def joined(items: Iterable[str], lang: str) -> str:
    return t("time.sep", lang).join(items)


def reply(ctx: Context, event: CommandInvoked, key: str, *, ephemeral: bool = True,
          **fields: object) -> list[Action]:
    return [Reply(ctx.community_id, event.channel_id, t(key, ctx.lang, **fields),
                  ephemeral=ephemeral)]


def time_error(ctx: Context, event: CommandInvoked, error: TimeError) -> list[Action]:
    """The catalogue text of a parsing error plus a working example."""
    text = t(error.key, ctx.lang, **dict(error.fields)) + "\n" + t(
        "time.example", ctx.lang, example=error.example)
    return [Reply(ctx.community_id, event.channel_id, text, ephemeral=True)]


def member_name(member: dict[str, Any] | None, member_id: str) -> str:
    name = (member or {}).get("display_name")
    return str(name) if name else member_id.split(":", 1)[-1]


def member_language(ctx: Context, member: dict[str, Any] | None) -> str:
    lang = (member or {}).get("language")
    return lang if lang in ("en", "zh") else ctx.lang


def has_left(member: dict[str, Any] | None, now: datetime) -> bool:
    """Left the community (a leave after their last sighting, as of ``now``)."""
    if not member:
        return False
    left, seen = member.get("left_at"), member.get("last_seen")
    return left is not None and left <= now and (seen is None or left >= seen)


def channel_ref(channel: str, community_id: str) -> str:
    """A configured or typed channel id in the form events use: a bare numeric id gets the
    community's platform prefix (``123`` -> ``dc:123``); console channel names stay as they
    are (console events use plain names)."""
    channel = channel.strip()
    if ":" in channel:
        return channel
    platform = platform_of(community_id)
    if platform != "console" and _ID.match(channel.lstrip("-")):
        return namespaced(platform, channel)
    return channel


def split_channel(text: str, community_id: str) -> tuple[str | None, str, bool]:
    """Take a leading channel (``<#123>`` or ``#name``) off ``text``.

    Returns (channel id or None, remaining text, ok). On Discord a plain ``#name`` cannot be
    resolved (only a mention carries the id): ``ok`` is False. On Telegram the group is the
    channel, so a ``#name`` is dropped and ``None`` (this chat) is returned.
    """
    match = _CHANNEL_TOKEN.match(text)
    if not match:
        return None, text.strip(), True
    rest = text[match.end():].strip()
    platform = platform_of(community_id)
    if match.group(1):
        return namespaced(platform, match.group(1)), rest, True
    name = match.group(2)
    if platform == "telegram":
        return None, rest, True
    if platform == "discord":
        if _ID.match(name):
            return namespaced(platform, name), rest, True
        return None, rest, False
    return name, rest, True


def channel_label(channel: str | None, lang: str) -> str:
    """How a channel is shown in replies: ``<#123>`` on Discord (a link), ``#name`` else."""
    if not channel:
        return t("time.channel_here", lang)
    if channel.startswith("dc:"):
        return f"<#{channel[3:]}>"
    if ":" in channel:
        return t("time.channel_here", lang)
    return f"#{channel}"


def snippet(text: str | None, limit: int = 80) -> str:
    plain = " ".join((text or "").split())
    return plain if len(plain) <= limit else plain[: limit - 1].rstrip() + "…"


def parse_id(text: str) -> int | None:
    text = text.strip().lstrip("#")
    return int(text) if text.isdigit() and len(text) <= 18 else None
