"""How registry commands are presented on the platforms (names, groups, descriptions).

Both adapters publish the same command set from ``handlers.registry`` so a command added by a
feature appears on Discord and Telegram without touching adapter code. Discord groups commands
by the role they need (``/mod …``, ``/admin …``) to keep the member-facing list short;
Telegram has no groups, so every command is flat there (``/mod claim`` is also understood).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from domain.i18n import catalog, t
from handlers.registry import CommandSpec

ROLE_GROUPS = {"moderator": "mod", "admin": "admin", "expert": "expert"}
DISCORD_NAME = re.compile(r"[-_a-z0-9]{1,32}")
TELEGRAM_NAME = re.compile(r"[_a-z0-9]{1,32}")
MAX_GROUP_SIZE = 25  # Discord: at most 25 subcommands per group


def command_description(spec: CommandSpec, lang: str, limit: int) -> str:
    """The command's summary in ``lang``: a catalogue key is translated, plain text is kept."""
    summary = spec.summary.strip()
    key = description_key(spec)
    if key is not None:
        text = render_key(key, lang, spec.name)
    elif summary:
        text = summary
    else:
        text = t("platform.command.fallback_description", lang, name=spec.name)
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def description_key(spec: CommandSpec) -> str | None:
    """The catalogue key behind a summary, when there is one (for Discord localisations)."""
    summary = spec.summary.strip()
    return summary if summary and summary in catalog() else None


def render_key(key: str, lang: str, name: str) -> str:
    """Render a summary key; one with placeholders other than ``{name}`` falls back to the
    generic description rather than failing the whole command list."""
    try:
        return t(key, lang, name=name)
    except (KeyError, IndexError, ValueError):
        return t("platform.command.fallback_description", lang, name=name)


@dataclass(frozen=True, slots=True)
class DiscordLayout:
    """Top-level commands and role groups as they will be registered on Discord."""

    top_level: tuple[CommandSpec, ...]
    groups: dict[str, tuple[CommandSpec, ...]]
    skipped: tuple[tuple[str, str], ...]  # (command name, why)


def discord_layout(specs: Iterable[CommandSpec]) -> DiscordLayout:
    """Place member commands at top level and role-restricted ones in their role's group.

    Names Discord would reject are skipped (and reported) rather than failing the whole
    sync; a group that would exceed Discord's 25-subcommand limit spills to top level.
    """
    ordered = sorted(specs, key=lambda s: s.name)
    names = {s.name for s in ordered}
    top: list[CommandSpec] = []
    groups: dict[str, list[CommandSpec]] = {}
    skipped: list[tuple[str, str]] = []
    for spec in ordered:
        if not DISCORD_NAME.fullmatch(spec.name):
            skipped.append((spec.name, "Discord names are 1-32 lowercase letters, digits, - or _"))
            continue
        group = ROLE_GROUPS.get(spec.role)
        if group is None or group in names or spec.name == group:
            top.append(spec)
            continue
        members = groups.setdefault(group, [])
        if len(members) >= MAX_GROUP_SIZE:
            top.append(spec)
            continue
        members.append(spec)
    return DiscordLayout(tuple(top), {g: tuple(m) for g, m in groups.items()}, tuple(skipped))


def telegram_name(name: str) -> str | None:
    """The Telegram spelling of a registry command (``-`` → ``_``), or None if impossible."""
    candidate = name.replace("-", "_").lower()
    return candidate if TELEGRAM_NAME.fullmatch(candidate) else None
