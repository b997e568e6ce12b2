"""A small, real dispatch for the E2E tests, standing in for Hearth's pipeline.

It uses the real :class:`handlers.registry.Registry` (so role checks and their refusal
messages are the production ones) with a few scripted use cases: ``/rank`` answers with the
caller's message count, ``/purge`` is admin-only, ``/remindme`` sends a DM (with fallback),
``/slow`` takes longer than Discord's defer threshold, a message containing "spam" is
deleted and queued for review with buttons, and review buttons are moderator-only.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Callable
from typing import Any

from domain.actions import Action, Button, DeleteMessage, DirectMessage, PostToChannel, Reply
from domain.events import ButtonPressed, CommandInvoked, Event, MessagePosted
from domain.i18n import normalise_language
from handlers.ports import Context
from handlers.registry import Registry, has_role


class ScriptedPipeline:
    def __init__(self, mod_channels: dict[str, str], *, slow_seconds: float = 0.3) -> None:
        self.mod_channels = mod_channels  # community id -> review channel id
        self.slow_seconds = slow_seconds
        self.events: list[Event] = []
        self.points: Counter[tuple[str, str]] = Counter()
        self.decisions: list[tuple[str, str, str]] = []  # (community, moderator, custom_id)
        self._changed = asyncio.Condition()
        self.registry = Registry()
        self._register()

    def _register(self) -> None:
        reg = self.registry

        @reg.command("rank", summary="Your points and level")
        async def rank(event: CommandInvoked, ctx: Context) -> list[Action]:
            score = self.points[(event.community_id, event.member_id)]
            who = event.member_name or event.member_id
            return [Reply(ctx.community_id, event.channel_id, f"{who}: {score} points @everyone")]

        @reg.command("purge", role="admin", summary="Remove recent messages")
        async def purge(event: CommandInvoked, ctx: Context) -> list[Action]:
            return [Reply(ctx.community_id, event.channel_id, f"purged {event.args or 'all'}")]

        @reg.command("remindme", summary="Send me a private reminder")
        async def remindme(event: CommandInvoked, ctx: Context) -> list[Action]:
            return [
                DirectMessage(ctx.community_id, event.member_id, f"Reminder: {event.args}",
                              fallback_channel_id=event.channel_id),
                Reply(ctx.community_id, event.channel_id, "ok, check your DMs", ephemeral=True),
            ]

        @reg.command("slow", summary="A slow report")
        async def slow(event: CommandInvoked, ctx: Context) -> list[Action]:
            await asyncio.sleep(self.slow_seconds)
            return [Reply(ctx.community_id, event.channel_id, "slow report ready")]

        @reg.on(MessagePosted, order=10)
        async def spam_filter(event: MessagePosted, ctx: Context) -> list[Action]:
            if "spam" not in event.text.lower():
                self.points[(event.community_id, event.member_id)] += 1
                return []
            ctx.flags["stop"] = True
            item = event.message_id
            return [
                DeleteMessage(ctx.community_id, event.channel_id, event.message_id, "spam"),
                PostToChannel(
                    ctx.community_id, self.mod_channels[ctx.community_id],
                    f"Held for review: message {item} by {event.member_id}",
                    buttons=(Button("Confirm", f"review:confirm:{item}", "danger"),
                             Button("Restore", f"review:restore:{item}", "success")),
                ),
            ]

        @reg.on(ButtonPressed)
        async def review(event: ButtonPressed, ctx: Context) -> list[Action]:
            if not event.custom_id.startswith("review:"):
                return []
            if not has_role(event.roles, "moderator"):
                return [Reply(ctx.community_id, event.channel_id, "moderators only",
                              ephemeral=True)]
            self.decisions.append((event.community_id, event.member_id, event.custom_id))
            verdict = event.custom_id.split(":")[1]
            return [Reply(ctx.community_id, event.channel_id, f"Decision recorded: {verdict}",
                          ephemeral=True)]

    async def __call__(self, event: Event) -> list[Action]:
        lang = normalise_language(getattr(event, "locale", None))
        ctx = Context(now=event.at, community_id=event.community_id, settings=None, lang=lang,
                      uow=None)
        actions = await self.registry.dispatch(event, ctx)
        async with self._changed:
            self.events.append(event)
            self._changed.notify_all()
        return actions

    async def wait_event(self, predicate: Callable[[Event], bool], *, count: int = 1,
                         timeout: float = 3.0) -> Any:
        """The ``count``-th dispatched event matching ``predicate``."""
        async def waiter() -> Event:
            async with self._changed:
                while len(matches := [e for e in self.events if predicate(e)]) < count:
                    await self._changed.wait()
                return matches[count - 1]
        return await asyncio.wait_for(waiter(), timeout)
