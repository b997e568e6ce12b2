"""Event type -> handlers and command name -> handler.

Handlers register themselves at import with ``@registry.on(EventType, order=…)`` or
``@registry.command("name", role=…)``. Order lets line-1 safety run before growth, so a message
that is deleted earns nothing.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from domain.actions import Action
from domain.events import CommandInvoked, Event
from domain.i18n import t
from handlers.ports import Context

HandlerFn = Callable[[Any, Context], Awaitable[Sequence[Action]]]
# A due scheduled item: fn(payload: dict, ctx) -> actions. ``ctx.flags["item"]`` holds the
# item's id, kind, due time and idempotency key.
TimerFn = Callable[[dict[str, Any], Context], Awaitable[Sequence[Action]]]

ROLE_RANK = {"member": 0, "expert": 1, "moderator": 2, "admin": 3}


def has_role(roles: frozenset[str], needed: str) -> bool:
    """Admins may do what moderators may; experts are a separate line but rank above members.

    ``expert`` is its own responsibility (escalations), so a moderator is not an expert; an
    admin is everything.
    """
    if needed == "member" or needed in roles or "admin" in roles:
        return True
    if needed == "expert":
        return False
    return any(ROLE_RANK.get(r, 0) >= ROLE_RANK[needed] for r in roles if r != "expert")


@dataclass(frozen=True, slots=True)
class CommandSpec:
    name: str
    fn: HandlerFn
    role: str = "member"
    feature: str | None = None
    summary: str = ""


@dataclass(slots=True)
class Registry:
    events: dict[type, list[tuple[int, HandlerFn]]] = field(default_factory=dict)
    commands: dict[str, CommandSpec] = field(default_factory=dict)
    timers: dict[str, TimerFn] = field(default_factory=dict)
    _resolved: dict[type, list[HandlerFn]] = field(default_factory=dict)

    def on(self, event_type: type[Event], *, order: int = 50) -> Callable[[HandlerFn], HandlerFn]:
        def register(fn: HandlerFn) -> HandlerFn:
            chain = self.events.setdefault(event_type, [])
            if all(existing is not fn for _, existing in chain):
                chain.append((order, fn))
                chain.sort(key=lambda pair: pair[0])
                self._resolved.clear()
            return fn

        return register

    def command(
        self, name: str, *, role: str = "member", feature: str | None = None, summary: str = ""
    ) -> Callable[[HandlerFn], HandlerFn]:
        if role not in ROLE_RANK:
            raise ValueError(f"unknown role {role!r}; use one of {sorted(ROLE_RANK)}")

        def register(fn: HandlerFn) -> HandlerFn:
            existing = self.commands.get(name)
            if existing is not None and existing.fn is not fn:
                raise ValueError(f"command /{name} registered twice")
            self.commands[name] = CommandSpec(name, fn, role, feature, summary)
            return fn

        return register

    def timer(self, kind: str) -> Callable[[TimerFn], TimerFn]:
        """Register the handler of scheduled items of ``kind`` (reminder, review_sla …)."""

        def register(fn: TimerFn) -> TimerFn:
            existing = self.timers.get(kind)
            if existing is not None and existing is not fn:
                raise ValueError(f"timer kind {kind!r} registered twice")
            self.timers[kind] = fn
            return fn

        return register

    def handlers_for(self, event: Event) -> list[HandlerFn]:
        kind = type(event)
        cached = self._resolved.get(kind)
        if cached is None:
            cached = self._resolved[kind] = [fn for _, fn in self.events.get(kind, [])]
        return cached

    async def dispatch(self, event: Event, ctx: Context) -> list[Action]:
        """Run every handler for ``event`` in order and collect their actions."""
        from domain.actions import Reply

        actions: list[Action] = []
        if isinstance(event, CommandInvoked):
            spec = self.commands.get(event.name)
            if spec is None:
                return [
                    Reply(ctx.community_id, event.channel_id,
                          t("core.unknown_command", ctx.lang, name=event.name), ephemeral=True)
                ]
            if not has_role(event.roles, spec.role):
                role_name = t(f"core.role.{spec.role}", ctx.lang)
                return [
                    Reply(ctx.community_id, event.channel_id,
                          t("core.not_allowed", ctx.lang, name=event.name, role=role_name),
                          ephemeral=True)
                ]
            if spec.feature and not _feature_enabled(ctx.settings, spec.feature):
                return [
                    Reply(ctx.community_id, event.channel_id,
                          t("core.feature_disabled", ctx.lang, feature=spec.feature),
                          ephemeral=True)
                ]
            actions.extend(await spec.fn(event, ctx))
        for fn in self.handlers_for(event):
            actions.extend(await fn(event, ctx))
            if ctx.flags.get("stop"):
                break
        return actions


def _feature_enabled(settings: Any, feature: str) -> bool:
    section = getattr(settings, feature, None)
    return bool(getattr(section, "enabled", True)) if section is not None else True


registry = Registry()
