"""Actions: what a use case wants done in the world, as values.

Handlers return these; adapters execute them with their platform's API. Keeping them as
data makes every decision testable without a platform and lets the console print them.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Button:
    label: str
    custom_id: str
    style: str = "secondary"  # primary | secondary | success | danger


@dataclass(frozen=True, slots=True)
class Action:
    community_id: str


@dataclass(frozen=True, slots=True)
class Reply(Action):
    """Answer in a channel (or to an interaction when ``ephemeral``)."""

    channel_id: str
    text: str
    reply_to_message_id: str | None = None
    ephemeral: bool = False
    buttons: tuple[Button, ...] = ()


@dataclass(frozen=True, slots=True)
class PostToChannel(Action):
    """Post to a configured channel (mod queue, on-call, digest) — never a reply."""

    channel_id: str
    text: str
    buttons: tuple[Button, ...] = ()


@dataclass(frozen=True, slots=True)
class DirectMessage(Action):
    member_id: str
    text: str
    fallback_channel_id: str | None = None


@dataclass(frozen=True, slots=True)
class AddRole(Action):
    member_id: str
    role: str


@dataclass(frozen=True, slots=True)
class RemoveRole(Action):
    member_id: str
    role: str


@dataclass(frozen=True, slots=True)
class Timeout(Action):
    member_id: str
    seconds: int
    reason: str = ""


@dataclass(frozen=True, slots=True)
class DeleteMessage(Action):
    channel_id: str
    message_id: str
    reason: str = ""


@dataclass(frozen=True, slots=True)
class Ban(Action):
    member_id: str
    reason: str = ""


@dataclass(frozen=True, slots=True)
class Unban(Action):
    member_id: str
    reason: str = ""


@dataclass(frozen=True, slots=True)
class SetSlowMode(Action):
    channel_id: str
    seconds: int
