"""Scenario triggers: scene (event, topic, time window) -> content, with caps against noise.

Rules come from ``[scheduler] triggers``. This handler runs on every message (order 70, after
safety, activity and growth), so the rules are compiled once per community settings object —
keyword patterns, channel sets, windows in the community's zone — and a community without
rules returns at the first check. Per rule there are two caps: sends to one member per
``member_window_hours`` and sends in one channel per ``channel_window_minutes``. The counts
live in memory and every send is written to the audit log (``trigger.fired``), from which the
memory is reloaded after a restart, so caps hold across restarts and processes catch up.

Events: ``message`` (any message matching topic/window), ``first_post`` (a member's first
message in a channel), ``stage_up`` (the growth handler promoted the author on this message),
``member_joined``, and ``unanswered``: a question matching the rule schedules a
``trigger_check`` timer; if nobody answered when it fires, the content is sent as a reply.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta, tzinfo
from typing import Any

from domain.actions import Action, DirectMessage, PostToChannel, Reply
from domain.events import MemberJoined, MessagePosted
from domain.i18n import t
from domain.schedule import FrequencyCap, cap_release
from domain.sentiment import is_question
from handlers.lifecycle import stage_label
from handlers.lifecycle_common import (
    channel_label,
    channel_ref,
    community_zone_name,
    scheduler_settings,
    zone_of,
)
from handlers.lifecycle_ports import TimePort
from handlers.ports import Context
from handlers.registry import registry

log = logging.getLogger("hearth.triggers")

ORDER = 70
CHECK = "trigger_check"
MEMORY_KEYS = 100_000
POSTED_MEMORY = 200_000
_DAYS = {"mon": 0, "tue": 1, "wed": 2, "thu": 3, "fri": 4, "sat": 5, "sun": 6}
_WORD = re.compile(r"^[\w\s'-]+$", re.ASCII)


def fold(text: str) -> str:
    return unicodedata.normalize("NFKC", text).casefold()


@dataclass(frozen=True, slots=True)
class Window:
    days: frozenset[int]
    start: time
    end: time

    def contains(self, local: datetime) -> bool:
        moment = local.time().replace(tzinfo=None)
        weekday = local.weekday()
        end_of_day = self.end == time(23, 59)
        if self.start <= self.end:
            inside = self.start <= moment and (moment < self.end or end_of_day)
            return weekday in self.days and inside
        # wraps midnight: the early hours belong to the previous day's window
        if moment >= self.start:
            return weekday in self.days
        return moment < self.end and (weekday - 1) % 7 in self.days


@dataclass(frozen=True, slots=True)
class Rule:
    id: str
    event: str
    pattern: re.Pattern[str] | None
    channels: frozenset[str]
    windows: tuple[Window, ...]
    content: str
    text: str
    texts: dict[str, str]
    suggest_channel: str | None
    deliver: str
    channel_id: str | None
    wait: timedelta
    member_cap: FrequencyCap
    channel_cap: FrequencyCap
    stages: frozenset[str]

    def in_channel(self, channel: str | None) -> bool:
        return not self.channels or (channel is not None and channel in self.channels)

    def in_window(self, at: datetime, zone: tzinfo) -> bool:
        if not self.windows:
            return True
        local = at.astimezone(zone)
        return any(w.contains(local) for w in self.windows)

    def on_topic(self, folded: str) -> bool:
        return self.pattern is None or self.pattern.search(folded) is not None


@dataclass(frozen=True, slots=True)
class CompiledTriggers:
    zone: tzinfo
    by_event: dict[str, tuple[Rule, ...]]
    by_id: dict[str, Rule]
    longest: timedelta

    @property
    def on_message(self) -> bool:
        return any(self.by_event.get(e) for e in ("message", "first_post", "stage_up",
                                                  "unanswered"))


def keyword_pattern(keywords: Sequence[str]) -> re.Pattern[str] | None:
    """One case-insensitive alternation; ASCII words match whole words ("pip" is not in
    "pipeline"), other scripts (Chinese) match as substrings."""
    if not keywords:
        return None
    parts = []
    for keyword in sorted({fold(k) for k in keywords}, key=len, reverse=True):
        escaped = re.escape(keyword).replace(r"\ ", r"\s+")
        parts.append(rf"(?<!\w){escaped}(?!\w)" if _WORD.match(keyword) else escaped)
    return re.compile("|".join(parts))


def compile_triggers(section: Any, community_id: str, zone_name: str) -> CompiledTriggers:
    def parse(value: str) -> time:
        hour, minute = value.split(":")
        return time(int(hour), int(minute))

    rules: list[Rule] = []
    for raw in section.triggers:
        windows = tuple(Window(frozenset(_DAYS[d] for d in w.days), parse(w.start), parse(w.end))
                        for w in raw.windows)
        texts = {lang: value for lang, value in (("en", raw.text_en), ("zh", raw.text_zh))
                 if value}
        rules.append(Rule(
            id=raw.id, event=raw.event, pattern=keyword_pattern(raw.keywords),
            channels=frozenset(channel_ref(c, community_id) for c in raw.channels),
            windows=windows, content=raw.content, text=raw.text, texts=texts,
            suggest_channel=channel_ref(raw.suggest_channel, community_id)
            if raw.suggest_channel else None,
            deliver=raw.deliver,
            channel_id=channel_ref(raw.channel_id, community_id) if raw.channel_id else None,
            wait=timedelta(minutes=raw.wait_minutes),
            member_cap=FrequencyCap(raw.member_limit, timedelta(hours=raw.member_window_hours)),
            channel_cap=FrequencyCap(raw.channel_limit,
                                     timedelta(minutes=raw.channel_window_minutes)),
            stages=frozenset(raw.stages)))
    by_event: dict[str, list[Rule]] = {}
    for rule in rules:
        by_event.setdefault(rule.event, []).append(rule)
    longest = max((max(r.member_cap.window, r.channel_cap.window) for r in rules),
                  default=timedelta(0))
    return CompiledTriggers(zone_of(zone_name), {k: tuple(v) for k, v in by_event.items()},
                            {r.id: r for r in rules}, longest)


@dataclass(slots=True)
class TriggerMemory:
    """Recent sends per (rule, member) and (rule, channel), bounded, plus members known to
    have posted in a channel (for ``first_post``). Loaded from the audit log once."""

    loaded: bool = False
    sends: OrderedDict[tuple[str, str, str], list[datetime]] = field(default_factory=OrderedDict)
    posted: OrderedDict[tuple[str, str], None] = field(default_factory=OrderedDict)

    def _history(self, key: tuple[str, str, str]) -> list[datetime]:
        return self.sends.get(key, [])

    def allowed(self, rule: Rule, member_id: str, channel: str | None, at: datetime) -> bool:
        member = self._history((rule.id, "m", member_id))
        room = self._history((rule.id, "c", channel or ""))
        return (cap_release(member, at, [rule.member_cap]) <= at
                and cap_release(room, at, [rule.channel_cap]) <= at)

    def channel_allowed(self, rule: Rule, channel: str | None, at: datetime) -> bool:
        return cap_release(self._history((rule.id, "c", channel or "")), at,
                           [rule.channel_cap]) <= at

    def record(self, rule: Rule, member_id: str, channel: str | None, at: datetime) -> None:
        for key, window in (((rule.id, "m", member_id), rule.member_cap.window),
                            ((rule.id, "c", channel or ""), rule.channel_cap.window)):
            kept = [s for s in self.sends.get(key, []) if s > at - window]
            kept.append(at)
            self.sends[key] = kept
            self.sends.move_to_end(key)
        while len(self.sends) > MEMORY_KEYS:
            self.sends.popitem(last=False)

    def saw_post(self, member_id: str, channel: str) -> bool:
        """Remember a post; True if this member was already known to post here."""
        key = (member_id, channel)
        known = key in self.posted
        self.posted[key] = None
        self.posted.move_to_end(key)
        while len(self.posted) > POSTED_MEMORY:
            self.posted.popitem(last=False)
        return known

    def load(self, rows: Sequence[tuple[str, str, str | None, datetime]],
             compiled: CompiledTriggers) -> None:
        for rule_id, member_id, channel, at in sorted(rows, key=lambda r: r[3]):
            rule = compiled.by_id.get(rule_id)
            if rule is not None:
                self.record(rule, member_id, channel, at)
        self.loaded = True


def _runtime(ctx: Context) -> tuple[TimePort, CompiledTriggers] | None:
    section = scheduler_settings(ctx)
    port: TimePort | None = ctx.services.get("time")
    if section is None or port is None or not section.triggers:
        return None
    zone_name = community_zone_name(ctx)
    compiled = port.cached(section, f"triggers:{ctx.community_id}:{zone_name}",
                           lambda: compile_triggers(section, ctx.community_id, zone_name))
    return port, compiled


async def _memory(ctx: Context, port: TimePort, compiled: CompiledTriggers) -> TriggerMemory:
    memory = port.memory(f"triggers:{ctx.community_id}", TriggerMemory)
    if not memory.loaded:
        memory.loaded = True  # one attempt; a failed load only makes caps start empty
        try:
            async with port.reading(ctx.community_id) as store:
                rows = await store.trigger_fires(ctx.now - compiled.longest)
            memory.load(rows, compiled)
        except Exception:
            log.exception("could not load trigger history for %s; caps start empty",
                          ctx.community_id)
    return memory


def content_text(rule: Rule, lang: str, name: str) -> str:
    text = rule.texts.get(lang) or rule.text
    if rule.content == "welcome":
        return t("time.trigger.welcome", lang, name=name, text=text)
    if rule.content == "suggest_channel":
        return t("time.trigger.suggest_channel", lang,
                 channel=channel_label(rule.suggest_channel, lang), text=text)
    return t(f"time.trigger.{rule.content}", lang, text=text)


def _deliver(ctx: Context, rule: Rule, member_id: str, channel: str | None,
             message_id: str | None, text: str) -> Action:
    if rule.deliver == "dm" or (rule.deliver == "reply" and not channel):
        return DirectMessage(ctx.community_id, member_id, text, fallback_channel_id=channel)
    if rule.deliver == "channel" and rule.channel_id:
        return PostToChannel(ctx.community_id, rule.channel_id, text)
    assert channel is not None
    return Reply(ctx.community_id, channel, text, reply_to_message_id=message_id)


def _fire(ctx: Context, memory: TriggerMemory, rule: Rule, member_id: str,
          channel: str | None, message_id: str | None, name: str, at: datetime,
          event: str, *, prefix_unanswered: bool = False) -> Action:
    text = content_text(rule, ctx.lang, name)
    if prefix_unanswered:
        text = t("time.trigger.unanswered", ctx.lang, content=text)
    memory.record(rule, member_id, channel, at)
    ctx.uow.audit("hearth", "trigger.fired", target_id=member_id, reason=rule.id,
                  details={"rule": rule.id, "channel": channel, "event": event,
                           "message_id": message_id})
    return _deliver(ctx, rule, member_id, channel, message_id, text)


def _promoted_to(ctx: Context, member_id: str) -> str | None:
    """The stage the growth handler promoted ``member_id`` to on this event, if any (from
    ``ctx.flags["stage_up"]`` or the staged ``growth.stage`` audit row)."""
    flagged = ctx.flags.get("stage_up")
    if isinstance(flagged, (tuple, list)) and len(flagged) == 2:
        return str(flagged[1])
    staged = getattr(ctx.uow, "staged", None)
    for row in getattr(staged, "audit", ()) or ():
        details = row.get("details") or {}
        if (row.get("action") == "growth.stage" and row.get("target_id") == member_id
                and details.get("promoted")):
            return str(details.get("to"))
    return None


@registry.on(MessagePosted, order=ORDER)
async def on_message(event: MessagePosted, ctx: Context) -> Sequence[Action]:
    runtime = _runtime(ctx)
    if runtime is None or ctx.flags.get("blocked"):
        return []
    port, compiled = runtime
    if not compiled.on_message:
        return []
    by_event = compiled.by_event
    channel, member = event.channel_id, event.member_id
    name = event.member_name or member.split(":", 1)[-1]
    folded: str | None = None
    memory: TriggerMemory | None = None
    actions: list[Action] = []

    def topic(rule: Rule) -> bool:
        nonlocal folded
        if rule.pattern is None:
            return True
        if folded is None:
            folded = fold(event.text or "")
        return rule.on_topic(folded)

    def scene(rule: Rule) -> bool:
        return rule.in_channel(channel) and rule.in_window(event.at, compiled.zone) and topic(
            rule)

    first: bool | None = None
    for rule in by_event.get("first_post", ()):
        if not rule.in_channel(channel):
            continue
        memory = memory or await _memory(ctx, port, compiled)
        if first is None:
            first = not memory.saw_post(member, channel)
            if first:
                async with port.reading(ctx.community_id) as store:
                    first = not await store.has_posted(member, channel, event.at,
                                                       f"m:{event.message_id}")
        if first and scene(rule) and memory.allowed(rule, member, channel, event.at):
            actions.append(_fire(ctx, memory, rule, member, channel, event.message_id, name,
                                 event.at, "first_post"))
    for rule in by_event.get("message", ()):
        if scene(rule):
            memory = memory or await _memory(ctx, port, compiled)
            if memory.allowed(rule, member, channel, event.at):
                actions.append(_fire(ctx, memory, rule, member, channel, event.message_id,
                                     name, event.at, "message"))
    stage_rules = by_event.get("stage_up", ())
    if stage_rules:
        stage = _promoted_to(ctx, member)
        if stage is not None:
            for rule in stage_rules:
                if (not rule.stages or stage in rule.stages) and rule.in_channel(channel) and (
                        rule.in_window(event.at, compiled.zone)):
                    memory = memory or await _memory(ctx, port, compiled)
                    if memory.allowed(rule, member, channel, event.at):
                        label = stage_label(stage, ctx.lang)
                        actions.append(_fire(ctx, memory, rule, member, channel,
                                             event.message_id, f"{name} ({label})", event.at,
                                             "stage_up"))
    question_rules = by_event.get("unanswered", ())
    if question_rules and is_question(event.text or ""):
        for rule in question_rules:
            if not scene(rule):
                continue
            memory = memory or await _memory(ctx, port, compiled)
            if not memory.channel_allowed(rule, channel, event.at):
                continue
            ctx.uow.schedule(
                CHECK, event.at + rule.wait,
                {"rule": rule.id, "channel_id": channel, "message_id": event.message_id,
                 "member_id": member, "name": name, "asked_at": event.at.isoformat()},
                idempotency_key=f"trig:{ctx.community_id}:{rule.id}:{event.message_id}",
                owner_id=member)
    return actions


@registry.on(MemberJoined, order=ORDER)
async def on_join(event: MemberJoined, ctx: Context) -> Sequence[Action]:
    runtime = _runtime(ctx)
    if runtime is None:
        return []
    port, compiled = runtime
    rules = compiled.by_event.get("member_joined", ())
    if not rules:
        return []
    memory = await _memory(ctx, port, compiled)
    name = event.member_name or event.member_id.split(":", 1)[-1]
    actions: list[Action] = []
    for rule in rules:
        if rule.in_window(event.at, compiled.zone) and memory.allowed(
                rule, event.member_id, None, event.at):
            actions.append(_fire(ctx, memory, rule, event.member_id, None, None, name,
                                 event.at, "member_joined"))
    return actions


@registry.timer(CHECK)
async def trigger_check(payload: dict[str, Any], ctx: Context) -> Sequence[Action]:
    """A question is due: answer with the rule's content if nobody else did."""
    runtime = _runtime(ctx)
    if runtime is None:
        return []
    port, compiled = runtime
    rule = compiled.by_id.get(str(payload.get("rule")))
    if rule is None:
        return []  # the rule was removed from the config since
    channel, message_id = payload.get("channel_id"), payload.get("message_id")
    member = payload.get("member_id")
    if not isinstance(member, str) or not isinstance(message_id, str):
        raise ValueError(f"trigger_check payload needs member_id and message_id: {payload!r}")
    asked_at = datetime.fromisoformat(str(payload["asked_at"]))
    if await ctx.uow.time.answered(str(channel), member, message_id, asked_at, ctx.now):
        return []
    memory = await _memory(ctx, port, compiled)
    if not memory.allowed(rule, member, channel, ctx.now):
        return []
    return [_fire(ctx, memory, rule, member, channel, message_id,
                  str(payload.get("name") or member), ctx.now, "unanswered",
                  prefix_unanswered=True)]
