"""The event pipeline: adapter event -> handlers -> staged writes + actions.

Every adapter (Discord, Telegram, console, replay, demo, benchmark) goes through here, so the
same rules apply everywhere. A malformed or failing event is logged with its context and
skipped; the pipeline keeps running. Replayed events are recognised by their idempotency key
and skipped before any handler runs, so a replay neither changes data nor re-sends replies.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select

from bot.config import CommunitySettings, Config
from bot.logs import log_context
from bot.storage.batch import BatchWriter, StagedEvent
from bot.storage.cache import StateCache
from bot.storage.models import Activity
from bot.storage.uow import CommandUnitOfWork, EventUnitOfWork
from domain.actions import Action, Reply
from domain.events import (
    EARLIEST_YEAR,
    LATEST_YEAR,
    ButtonPressed,
    CommandInvoked,
    Event,
    MemberJoined,
    MemberLeft,
    event_key,
    platform_of,
    storable_event,
    time_in_range,
)
from domain.i18n import normalise_language, t
from handlers.ports import Context
from handlers.registry import Registry

log = logging.getLogger("hearth.pipeline")
RECENT_KEYS = 200_000  # event keys remembered to drop live duplicates without a query


@dataclass(slots=True)
class PipelineStats:
    processed: int = 0
    duplicates: int = 0
    failed: int = 0
    unknown_community: int = 0
    out_of_range: int = 0
    commands: int = 0
    actions: int = 0
    by_type: dict[str, int] = field(default_factory=dict)


class Pipeline:
    def __init__(self, config: Config, registry: Registry, sessions: Any, writer: BatchWriter,
                 cache: StateCache, services: dict[str, Any] | None = None):
        self.config = config
        self.registry = registry
        self.sessions = sessions
        self.writer = writer
        self.cache = cache
        self.services = services if services is not None else {}
        self.stats = PipelineStats()
        self._known_communities: set[str] = set()
        self._warned_unknown: set[str] = set()
        self._recent: dict[tuple[str, str], None] = {}

    def forget_recent(self) -> None:
        """After a failed flush those events are not stored: accept them again."""
        self._recent.clear()

    def swap_config(self, config: Config) -> None:
        """Atomic reload: later events see the new settings, in-flight ones the old."""
        self.config = config

    def settings(self, community_id: str) -> CommunitySettings | None:
        return self.config.community(community_id)

    async def process(self, event: Event) -> list[Action]:
        """One live event. Duplicates are caught by a memory of recent keys and, in the
        end, by the database's unique key — a per-event lookup would cost more than the
        whole rest of the pipeline."""
        return await self.process_many([event], check_stored=False)

    async def process_many(self, events: Sequence[Event], *,
                           check_stored: bool = True) -> list[Action]:
        """Process events in order; returns every action they produced.

        ``check_stored`` looks every key up in the database first (one query per chunk), so
        replaying old input runs no handler twice and sends no reply twice.
        """
        actions: list[Action] = []
        known = await self._already_stored(events) if check_stored else set()
        if len(events) > 1:
            await self._prefetch(events)
        for item in events:
            try:
                actions.extend(await self._one(item, known))
            except Exception:
                self.stats.failed += 1
                log.exception("event skipped after an error: %s", _describe(item),
                              extra=log_context(item))
        self.stats.actions += len(actions)
        return actions

    async def _prefetch(self, events: Sequence[Event]) -> None:
        """Load the cached state of every member a chunk names with one query per 400
        members, instead of one query per first-seen member inside the handlers (measured:
        a third of the ingest time went to those single-row loads)."""
        keys: dict[tuple[str, str], None] = {}
        for item in events:
            if not isinstance(item, Event) or self.settings(item.community_id) is None:
                continue
            for member in (item.member_id, getattr(item, "reply_to_member_id", None),
                           getattr(item, "target_member_id", None)):
                if isinstance(member, str) and member:
                    keys[(item.community_id, member)] = None
        if not keys:
            return
        try:
            await self.cache.prefetch(keys)
        except Exception:  # an optimisation only: the handlers load what is missing
            log.warning("member state prefetch failed; loading members one by one",
                        exc_info=True)

    async def _already_stored(self, events: Sequence[Event]) -> set[tuple[str, str]]:
        """Keys of ``events`` already in the database (one query per community)."""
        wanted: dict[str, list[str]] = {}
        for item in events:
            key = event_key(item) if isinstance(item, Event) else None
            if key is not None:
                wanted.setdefault(item.community_id, []).append(key)
        found: set[tuple[str, str]] = set()
        if not wanted:
            return found
        table = Activity.__table__
        async with self.sessions() as session:
            for community_id, keys in wanted.items():
                for start in range(0, len(keys), 500):
                    chunk = keys[start:start + 500]
                    rows = await session.execute(
                        select(table.c.event_key).where(table.c.community_id == community_id,
                                                        table.c.event_key.in_(chunk)))
                    found.update((community_id, k) for (k,) in rows)
        return found

    async def _one(self, item: Event, known: set[tuple[str, str]]) -> list[Action]:
        if not isinstance(item, Event):
            raise TypeError(f"not an event: {item!r}")
        settings = self.settings(item.community_id)
        if settings is None:
            self.stats.unknown_community += 1
            if item.community_id not in self._warned_unknown:
                self._warned_unknown.add(item.community_id)
                log.warning("events for community %s skipped: it is not in the config "
                            "(add a [[communities]] entry)", item.community_id,
                            extra={"community_id": item.community_id})
            return []
        self._ensure_community(settings)
        if item.at.tzinfo is None:
            raise ValueError("event time must be timezone-aware (UTC)")
        if not time_in_range(item.at):
            self.stats.out_of_range += 1
            log.warning("event skipped: its time %s is outside the years %d-%d (%s)",
                        item.at.isoformat(), EARLIEST_YEAR, LATEST_YEAR, _describe(item),
                        extra=log_context(item))
            return []
        # NUL and lone surrogates cannot be stored (PostgreSQL, UTF-8): replaced here, once,
        # so no handler and no batch flush ever sees them.
        item = storable_event(item)
        name = type(item).__name__
        self.stats.by_type[name] = self.stats.by_type.get(name, 0) + 1
        key = event_key(item)
        assert key is not None
        seen_key = (item.community_id, key)
        if seen_key in known or seen_key in self._recent:
            self.stats.duplicates += 1
            return []
        self._recent[seen_key] = None
        if len(self._recent) > RECENT_KEYS:
            self._recent.pop(next(iter(self._recent)))
        if isinstance(item, (CommandInvoked, ButtonPressed)):
            return await self._command(item, settings, key)
        staged = StagedEvent(item.community_id, key)
        uow = EventUnitOfWork(item.community_id, item.at, staged, self.cache, self.sessions,
                              self.writer)
        ctx = Context(now=item.at, community_id=item.community_id, settings=settings,
                      lang=settings.language, uow=uow, services=self.services)
        try:
            actions = await self.registry.dispatch(item, ctx)
        finally:
            await uow.close()
        if staged.activity is None:
            staged.activity = _minimal_activity(item, key)
        if not staged.members:
            uow.saw_member(item.member_id, item.at, name=getattr(item, "member_name", ""),
                           joined=isinstance(item, MemberJoined),
                           left=isinstance(item, MemberLeft))
        await self.writer.add(staged)
        self.stats.processed += 1
        return actions

    async def _command(self, item: CommandInvoked | ButtonPressed,
                       settings: CommunitySettings, key: str) -> list[Action]:
        """Run a command in its own transaction, exactly once per command key.

        The command's activity row is claimed first in the same transaction: a replayed or
        redelivered command finds it taken and changes nothing.
        """
        from bot.storage.direct import claim_event

        lang = normalise_language(item.locale) if item.locale else settings.language
        await self.writer.flush()
        async with self.sessions() as session:
            uow = CommandUnitOfWork(item.community_id, item.at, session, self.cache, key)
            ctx = Context(now=item.at, community_id=item.community_id, settings=settings,
                          lang=lang, uow=uow, services=self.services)
            try:
                await _ensure_member(uow, item)
                if not await claim_event(session, _minimal_activity(item, key)):
                    await uow.rollback()
                    self.stats.duplicates += 1
                    return []
                self.stats.commands += 1
                actions = await self.registry.dispatch(item, ctx)
                await uow.commit()
            except Exception:
                await uow.rollback()
                log.exception("command failed: %s", _describe(item),
                              extra=log_context(item, key))
                name = getattr(item, "name", "button")
                return [Reply(item.community_id, item.channel_id,
                              t("core.error", lang, name=name), ephemeral=True)]
        return actions

    async def run_timer(self, kind: str, payload: dict[str, Any], *, community_id: str | None,
                        now: datetime, item: dict[str, Any] | None = None,
                        settle: Any = None) -> list[Action]:
        """Run the registered handler of a due scheduled item in its own transaction.

        Raises when the handler fails so the scheduler can retry with back-off; an unknown
        kind or community raises a clear error (the item ends up failed, not lost).
        """
        fn = self.registry.timers.get(kind)
        if fn is None:
            raise LookupError(f"no handler registered for scheduled items of kind {kind!r}")
        settings = self.settings(community_id) if community_id else None
        if community_id and settings is None:
            raise LookupError(f"community {community_id} is no longer in the config")
        await self.writer.flush()
        meta = dict(item or {})
        key = f"t:{kind}:{meta.get('idempotency_key') or meta.get('id') or now.isoformat()}"
        async with self.sessions() as session:
            uow = CommandUnitOfWork(community_id or "", now, session, self.cache, key)
            lang = settings.language if settings else "en"
            ctx = Context(now=now, community_id=community_id or "", settings=settings, lang=lang,
                          uow=uow, services=self.services, flags={"item": meta})
            try:
                actions = list(await fn(payload, ctx))
                if settle is not None and not await settle(session):
                    # The claim was lost (reclaimed or cancelled): undo, act on nothing.
                    await uow.rollback()
                    return []
                await uow.commit()
            except BaseException:
                await uow.rollback()
                raise
        self.stats.actions += len(actions)
        return actions

    def _ensure_community(self, settings: CommunitySettings) -> None:
        if settings.id in self._known_communities:
            return
        self._known_communities.add(settings.id)
        self.writer.ensure_community({
            "id": settings.id, "platform": settings.platform, "name": settings.name,
            "language": settings.language, "timezone": settings.timezone,
            "created_at": datetime.now(UTC),
        })

    async def flush(self) -> None:
        await self.writer.flush()

    async def close(self) -> None:
        await self.writer.close()


async def _ensure_member(uow: CommandUnitOfWork, item: Event) -> None:
    from bot.storage.direct import ensure_member

    await ensure_member(uow.session, item.community_id, item.member_id,
                        getattr(item, "member_name", ""), item.at)


def _minimal_activity(item: Event, key: str) -> dict[str, Any]:
    kind = {"MessagePosted": "message", "MessageEdited": "edit", "MessageDeleted": "delete",
            "ReactionAdded": "reaction", "ReactionRemoved": "unreaction",
            "MemberJoined": "join", "MemberLeft": "leave",
            "VoiceSessionEnded": "voice", "CommandInvoked": "command",
            "ButtonPressed": "button"}.get(type(item).__name__, "other")
    return {"community_id": item.community_id, "event_key": key, "kind": kind,
            "member_id": item.member_id, "channel_id": getattr(item, "channel_id", None),
            "message_id": getattr(item, "message_id", None), "at": item.at,
            "text": None, "length": 0, "target_member_id": None, "thread_id": None,
            "points": 0, "amount": 0.0, "deleted": False}


def _describe(item: Any) -> str:
    if not isinstance(item, Event):
        return repr(item)[:200]
    return (f"{type(item).__name__} community={item.community_id} member={item.member_id} "
            f"key={event_key(item)}")


def utcnow() -> datetime:
    return datetime.now(UTC)


def timer() -> float:
    return time.perf_counter()


def communities_for(config: Config, platform: str) -> Iterable[CommunitySettings]:
    return (c for c in config.communities.values() if platform_of(c.id) == platform)
