"""The sweeper: claims due rows, runs the handler registered for their kind, settles them.

Nothing lives only in memory. Every due item is a row; a sweeper holds at most
``batch_size + concurrency`` claimed rows at a time, so memory stays flat however many items
are pending, and a restart loses nothing.

Claiming
    PostgreSQL: ``SELECT … FOR UPDATE SKIP LOCKED`` picks due rows no other sweeper is
    claiming, and the same transaction marks them ``running`` with ``claimed_by`` and
    ``claimed_at``; any number of processes can sweep the same table. SQLite: one
    ``UPDATE … WHERE id IN (SELECT … LIMIT n) RETURNING *`` statement, which is one short
    write transaction under SQLite's single writer, so two processes on one file cannot both
    claim a row either. Only kinds this sweeper has handlers for are claimed, so a process
    that does not know a new kind leaves it to one that does.

Settling
    Success: one-off rows become ``done``; recurring rows go back to ``pending`` with their
    next ``due_at`` (missed-run policy applied, ``domain.schedule.plan_run``). Failure (the
    handler raised or timed out): ``pending`` again after a back-off delay, and after
    ``max_attempts`` ``failed`` with the error text (recurring rows instead move on to their
    next occurrence, keeping the error in ``last_error``). Every settling ``UPDATE`` is fenced
    on ``status='running' AND claimed_by AND claimed_at`` so a sweeper whose claim was taken
    over cannot overwrite the new owner's work, and a cancel during a run sticks.

Crashes and exactly-once
    A claim is a lease: a row left ``running`` longer than ``lease`` (its worker died, was
    killed, or hung) is put back to ``pending`` and fired again. So execution is
    at-least-once, and each fire carries ``ClaimedItem.idempotency_key`` =
    ``f"{id}:{occurrence_iso}"``, stable across retries and reclaims, distinct per occurrence
    of a recurring item. A handler gets an exactly-once *effect* by either

    - recording its side effect under that key with a uniqueness check (a unique column, or
      "insert if no row with this key"), so a second execution changes nothing; or
    - writing its effect and calling :func:`settle_success` in one database transaction:
      the effect and "this item is done" then commit together or not at all, and the fence
      makes the transaction a no-op (``settle_success`` returns False, roll back) if the
      claim was lost to a reclaim meanwhile. ``tests/bot/scheduler/test_restart.py`` kills a
      real process with SIGKILL mid-sweep to check this.

    Effects outside the database (a Discord message) cannot join a transaction; the key is
    then the dedupe handle (e.g. remember sent keys, or check the channel), and the window
    for a duplicate is "sent, then killed before the row was settled".
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import random
import socket
import uuid
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Integer,
    String,
    Text,
    any_,
    bindparam,
    or_,
    select,
    update,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.scheduler import recurrence as cron_rules
from bot.scheduler.repository import RESERVED_PAYLOAD_PREFIX, TABLE, nearest_due
from bot.storage.types import UTCDateTime
from domain.schedule import DEFAULT_CATCH_UP, DEFAULT_GRACE, Backoff, plan_run, retry_delay

log = logging.getLogger(__name__)

OCCURRENCE_KEY = RESERVED_PAYLOAD_PREFIX + "occurrence"
"""Payload key keeping a retried occurrence's original due time (``due_at`` holds the retry
time), so the idempotency key does not change between attempts."""
MAX_ERROR_CHARS = 2000
_CLAIM_COLUMNS = ("id", "kind", "community_id", "owner_id", "payload", "due_at", "attempts",
                  "recurrence", "timezone", "missed_policy", "idempotency_key", "last_error")


@dataclass(frozen=True, slots=True)
class ClaimedItem:
    """One claimed occurrence, as handed to a kind handler.

    ``due_at`` is the occurrence being fired (for a retry: the original due time, not the
    retry time). ``attempt`` counts from 1. ``next_due`` is what success stores (the next
    occurrence, or ``None`` = finished). ``claimed_by``/``claimed_at`` identify the claim and
    fence :func:`settle_success`.
    """

    id: int
    kind: str
    community_id: str | None
    owner_id: str | None
    payload: dict[str, Any]
    due_at: datetime
    attempt: int
    recurrence: str | None
    timezone: str | None
    missed_policy: str
    item_key: str | None
    claimed_by: str
    claimed_at: datetime
    next_due: datetime | None
    late_by: timedelta

    @property
    def idempotency_key(self) -> str:
        """``f"{id}:{due_at_iso}"``: the same for every execution of this occurrence."""
        return f"{self.id}:{self.due_at.astimezone(UTC).isoformat()}"


KindHandler = Callable[[ClaimedItem, datetime], Awaitable[None]]


@dataclass(slots=True)
class SweepStats:
    """Counters since start (for logs and metrics)."""

    claimed: int = 0
    succeeded: int = 0
    retried: int = 0
    failed: int = 0
    skipped: int = 0
    reclaimed: int = 0
    released: int = 0


@dataclass(slots=True)
class _Row:
    item: ClaimedItem
    occurrence: datetime
    payload: dict[str, Any]
    fire: bool
    error: str | None = None  # set when the row cannot even be planned (bad recurrence)
    prior_error: str | None = None
    stored_keys: frozenset[str] = frozenset()


_SETTLE = (
    update(TABLE)
    .where(
        TABLE.c.id == bindparam("b_id", type_=Integer()),
        TABLE.c.status == "running",
        TABLE.c.claimed_by == bindparam("b_by", type_=String()),
        TABLE.c.claimed_at == bindparam("b_at", type_=UTCDateTime()),
    )
    .values(
        status=bindparam("b_status", type_=String()),
        due_at=bindparam("b_due", type_=UTCDateTime()),
        attempts=bindparam("b_attempts", type_=Integer()),
        last_error=bindparam("b_error", type_=Text()),
        payload=bindparam("b_payload", type_=JSON()),
        claimed_by=bindparam("b_new_by", type_=String()),
        claimed_at=bindparam("b_new_at", type_=UTCDateTime()),
        updated_at=bindparam("b_now", type_=UTCDateTime()),
    )
)


def _params(item: ClaimedItem, *, status: str, due_at: datetime, attempts: int,
            error: str | None, payload: dict[str, Any] | None, now: datetime,
            keep_claim: bool) -> dict[str, Any]:
    return {
        "b_id": item.id, "b_by": item.claimed_by, "b_at": item.claimed_at,
        "b_status": status, "b_due": due_at, "b_attempts": attempts, "b_error": error,
        "b_payload": payload, "b_new_by": item.claimed_by if keep_claim else None,
        "b_new_at": item.claimed_at if keep_claim else None, "b_now": now,
    }


def _success_params(item: ClaimedItem, payload: dict[str, Any] | None,
                    now: datetime) -> dict[str, Any]:
    if item.next_due is None:
        return _params(item, status="done", due_at=item.due_at, attempts=item.attempt,
                       error=None, payload=payload, now=now, keep_claim=True)
    return _params(item, status="pending", due_at=item.next_due, attempts=0, error=None,
                   payload=payload, now=now, keep_claim=False)


async def settle_success(session: AsyncSession, item: ClaimedItem,
                         now: datetime | None = None) -> bool:
    """Mark ``item``'s run successful inside the caller's transaction (see module docstring).

    Returns False when the claim is no longer this run's (reclaimed after the lease expired,
    or cancelled): the caller should roll back its own writes. The sweeper's own settling of
    the item afterwards is then a no-op.
    """
    result = await session.execute(
        _SETTLE, _success_params(item, dict(item.payload) or None, now or datetime.now(UTC)))
    return result.rowcount == 1


def _default_worker_id() -> str:
    return f"{socket.gethostname()[:60]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def _describe(exc: BaseException) -> str:
    text = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
    return text[:MAX_ERROR_CHARS]


class Sweeper:
    """Claims and fires due items; see the module docstring for the guarantees.

    ``clock`` returns aware UTC "now" (a fake clock in tests and simulated-time demos).
    ``lease``: how long a claim may stay ``running`` before another sweeper takes it over;
    ``handler_timeout`` (default ``lease / 2``) keeps a live handler inside its lease.
    ``grace``: lateness still counted as on time by the ``skip`` policy. ``catch_up``: how
    far back the ``all`` policy replays. ``concurrency``: handlers running at once.
    """

    def __init__(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        handlers: Mapping[str, KindHandler],
        *,
        worker_id: str | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        batch_size: int = 200,
        max_attempts: int = 5,
        backoff: Backoff | None = None,
        lease: timedelta = timedelta(minutes=5),
        handler_timeout: timedelta | None = None,
        grace: timedelta = DEFAULT_GRACE,
        catch_up: timedelta = DEFAULT_CATCH_UP,
        concurrency: int = 16,
        idle_cap: float = 1.0,
        min_sleep: float = 0.005,
        reclaim_every: timedelta | None = None,
        shutdown_grace: float = 10.0,
        community_prefixes: Iterable[str] | None = None,
    ) -> None:
        if batch_size < 1 or concurrency < 1 or max_attempts < 1:
            raise ValueError("batch_size, concurrency and max_attempts must be >= 1")
        if lease <= timedelta(0):
            raise ValueError("lease must be positive")
        self._sessionmaker = sessionmaker
        self.handlers = dict(handlers)
        # Platforms this process runs (``dc``, ``tg``, ``console``): items of other platforms'
        # communities are left to the process that can deliver them. None: every item.
        self.community_prefixes = (tuple(sorted(community_prefixes))
                                   if community_prefixes is not None else None)
        self.worker_id = (worker_id or _default_worker_id())[:100]
        self.clock = clock
        self.batch_size = batch_size
        self.max_attempts = max_attempts
        self.backoff = backoff or Backoff()
        self.lease = lease
        self.handler_timeout = handler_timeout or lease / 2
        self.grace = grace
        self.catch_up = catch_up
        self.concurrency = concurrency
        self.idle_cap = idle_cap
        self.min_sleep = min_sleep
        self.reclaim_every = reclaim_every or min(lease / 4, timedelta(seconds=30))
        self.shutdown_grace = shutdown_grace
        self.stats = SweepStats()
        self._outcomes: list[dict[str, Any]] = []
        self._done: dict[tuple[str, datetime], list[int]] = {}
        self._wake_event: asyncio.Event | None = None
        self._dialect: str | None = None
        self._last_reclaim: datetime | None = None
        self._held: set[int] = set()  # claimed by this instance and not yet written back

    # -- wiring ------------------------------------------------------------------------------

    def register(self, kind: str, handler: KindHandler) -> None:
        """Add a kind handler (before ``run_forever`` starts, or between sweeps)."""
        if kind in self.handlers and self.handlers[kind] is not handler:
            raise ValueError(f"a handler for scheduled kind {kind!r} is already registered")
        self.handlers[kind] = handler

    def wake(self, due_at: datetime | None = None) -> None:
        """Re-check now: call after committing an item that may be due before the next sweep.

        Cheap and safe to call often; must be called from the sweeper's event loop thread.
        """
        if self._wake_event is not None:
            self._wake_event.set()

    # -- one sweep ---------------------------------------------------------------------------

    async def sweep_once(self) -> int:
        """Reclaim stale claims, claim due rows, run their handlers, settle them.

        Returns the number of rows claimed (fired, retried, failed or skipped).
        """
        await self._flush()
        await self.reclaim_stale()
        rows = await self._claim(self.batch_size)
        if rows:
            gate = asyncio.Semaphore(self.concurrency)

            async def run(row: _Row) -> None:
                async with gate:
                    await self._run(row)

            await asyncio.gather(*(run(row) for row in rows))
        await self._flush()
        return len(rows)

    async def reclaim_stale(self) -> int:
        """Put rows whose claim is older than the lease back to ``pending``.

        Never rows this sweeper still holds (running here, or run but not yet written back):
        those will be settled. Claims of a previous incarnation of this process are reclaimed
        like anyone else's, even with the same ``worker_id``.

        ``attempts`` is kept (it was counted at claim), so an item that kills its worker every
        time still ends ``failed`` after ``max_attempts``; ``due_at`` is kept, so the next run
        has the same idempotency key.
        """
        now = self.clock()
        self._last_reclaim = now
        conditions = [TABLE.c.status == "running", TABLE.c.claimed_at < now - self.lease]
        if self._held:
            conditions.append(TABLE.c.id.not_in(sorted(self._held)))
        async with self._sessionmaker() as session, session.begin():
            result = await session.execute(
                update(TABLE)
                .where(*conditions)
                .values(status="pending", claimed_by=None, claimed_at=None, updated_at=now,
                        last_error="claim expired: the worker stopped or hung while running "
                                   "this item"))
        count = max(result.rowcount or 0, 0)
        if count:
            self.stats.reclaimed += count
            log.warning("scheduler: reclaimed %d stale running item(s)", count)
        return count

    async def _dialect_name(self) -> str:
        if self._dialect is None:
            async with self._sessionmaker() as session:
                self._dialect = session.get_bind().dialect.name
        return self._dialect

    async def _claim(self, limit: int) -> list[_Row]:
        if limit <= 0 or not self.handlers:
            return []
        now = self.clock()
        kinds = sorted(self.handlers)
        columns = [TABLE.c[name] for name in _CLAIM_COLUMNS]
        due: tuple[Any, ...] = (TABLE.c.status == "pending", TABLE.c.due_at <= now,
                                TABLE.c.kind.in_(kinds))
        if self.community_prefixes is not None:
            due += (or_(TABLE.c.community_id.is_(None),
                        *(TABLE.c.community_id.startswith(f"{prefix}:", autoescape=True)
                          for prefix in self.community_prefixes)),)
        claim_values = {
            "status": "running", "claimed_by": self.worker_id, "claimed_at": now,
            "attempts": TABLE.c.attempts + 1, "updated_at": now,
        }
        dialect = await self._dialect_name()
        async with self._sessionmaker() as session, session.begin():
            if dialect == "postgresql":
                # Rows another sweeper is claiming are skipped, not waited for; the claim is
                # written in the same transaction. ``id = ANY(:ids)`` keeps one statement
                # text (one prepared plan) and a primary-key scan whatever the batch size.
                picked = (await session.execute(
                    select(*columns).where(*due).order_by(TABLE.c.due_at).limit(limit)
                    .with_for_update(skip_locked=True))).mappings().all()
                if not picked:
                    return []
                await session.execute(
                    update(TABLE).where(self._id_in([r["id"] for r in picked]))
                    .values(**claim_values))
                raw = [{**r, "attempts": r["attempts"] + 1} for r in picked]
            else:
                ids = select(TABLE.c.id).where(*due).order_by(TABLE.c.due_at).limit(limit)
                result = await session.execute(
                    update(TABLE).where(TABLE.c.id.in_(ids), TABLE.c.status == "pending")
                    .values(**claim_values).returning(*columns))
                raw = [dict(r) for r in result.mappings().all()]
        raw.sort(key=lambda r: (r["due_at"], r["id"]))
        self.stats.claimed += len(raw)
        self._held.update(r["id"] for r in raw)
        return [self._prepare({**r, "claimed_by": self.worker_id, "claimed_at": now}, now)
                for r in raw]

    def _prepare(self, r: Mapping[str, Any], now: datetime) -> _Row:
        stored = r["payload"] if isinstance(r["payload"], dict) else {}
        payload = {k: v for k, v in stored.items() if not str(k).startswith(
            RESERVED_PAYLOAD_PREFIX)}
        occurrence = r["due_at"]
        marker = stored.get(OCCURRENCE_KEY)
        if isinstance(marker, str):
            with contextlib.suppress(ValueError):
                parsed = datetime.fromisoformat(marker)
                occurrence = parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
        attempt = int(r["attempts"])
        error = None
        next_due: datetime | None = None
        fire = True
        late_by = max(now - occurrence, timedelta(0))
        try:
            next_after = (cron_rules.next_after_fn(r["recurrence"], r["timezone"])
                          if r["recurrence"] else None)
            plan = plan_run(occurrence, now, r["missed_policy"] or "once", next_after,
                            grace=self.grace, catch_up=self.catch_up, retrying=attempt > 1)
            fire, next_due, late_by = plan.fire, plan.next_due, plan.late_by
            if plan.skipped:
                log.info("scheduler: item %s (%s) skipped %d missed occurrence(s) "
                         "(policy %s)", r["id"], r["kind"], plan.skipped, r["missed_policy"])
        except ValueError as exc:  # RecurrenceError, unknown policy: bad row, not retryable
            error = f"cannot schedule this item: {exc}"[:MAX_ERROR_CHARS]
        item = ClaimedItem(
            id=int(r["id"]), kind=r["kind"], community_id=r["community_id"],
            owner_id=r["owner_id"], payload=payload, due_at=occurrence, attempt=attempt,
            recurrence=r["recurrence"], timezone=r["timezone"],
            missed_policy=r["missed_policy"], item_key=r["idempotency_key"],
            claimed_by=r["claimed_by"], claimed_at=r["claimed_at"], next_due=next_due,
            late_by=late_by)
        return _Row(item, occurrence, payload, fire, error, r["last_error"],
                    frozenset(k for k in stored if str(k).startswith(RESERVED_PAYLOAD_PREFIX)))

    # -- running one item ---------------------------------------------------------------------

    async def _run(self, row: _Row) -> None:
        item = row.item
        clean = row.payload or None
        if row.error is not None:
            self.stats.failed += 1
            log.error("scheduler: item %s (%s) failed: %s", item.id, item.kind, row.error)
            self._outcomes.append(_params(
                item, status="failed", due_at=item.due_at, attempts=item.attempt,
                error=row.error, payload=clean, now=self.clock(), keep_claim=True))
            return
        if item.attempt > self.max_attempts:
            # Reclaimed after its worker died on every attempt: do not run it again.
            self._give_up(row, f"gave up after {item.attempt - 1} attempts; last error: "
                               f"{row.prior_error or 'unknown'}")
            return
        if not row.fire:
            self.stats.skipped += 1
            now = self.clock()
            note = (f"skipped: due {item.due_at.isoformat()} was missed by "
                    f"{item.late_by.total_seconds():.0f}s (missed_policy=skip)")
            if item.next_due is None:
                self._outcomes.append(_params(item, status="done", due_at=item.due_at,
                                              attempts=item.attempt, error=note, payload=clean,
                                              now=now, keep_claim=True))
            else:
                self._outcomes.append(_params(item, status="pending", due_at=item.next_due,
                                              attempts=0, error=None, payload=clean, now=now,
                                              keep_claim=False))
            return
        handler = self.handlers.get(item.kind)
        try:
            if handler is None:
                raise LookupError(f"no handler registered for scheduled kind {item.kind!r}")
            async with asyncio.timeout(self.handler_timeout.total_seconds()):
                await handler(item, self.clock())
        except Exception as exc:
            self._failed(row, exc)
            return
        self.stats.succeeded += 1
        if item.next_due is None and OCCURRENCE_KEY not in row.stored_keys:
            # The common case, settled in bulk: one UPDATE per claim batch.
            self._done.setdefault((item.claimed_by, item.claimed_at), []).append(item.id)
        else:
            self._outcomes.append(_success_params(item, clean, self.clock()))

    def _failed(self, row: _Row, exc: BaseException) -> None:
        item = row.item
        error = ("handler timed out after "
                 f"{self.handler_timeout.total_seconds():g}s" if isinstance(exc, TimeoutError)
                 else _describe(exc))
        delay = retry_delay(item.attempt, self.max_attempts, self.backoff, random.random())
        if delay is None:
            log.error("scheduler: item %s (%s) failed on attempt %d/%d, giving up: %s",
                      item.id, item.kind, item.attempt, self.max_attempts, error,
                      exc_info=exc)
            self._give_up(row, f"failed after {item.attempt} attempts: {error}")
            return
        log.warning("scheduler: item %s (%s) failed on attempt %d/%d, retrying in %.0fs: %s",
                    item.id, item.kind, item.attempt, self.max_attempts,
                    delay.total_seconds(), error, exc_info=exc)
        self.stats.retried += 1
        now = self.clock()
        marked = {**row.payload, OCCURRENCE_KEY: item.due_at.astimezone(UTC).isoformat()}
        self._outcomes.append(_params(item, status="pending", due_at=now + delay,
                                      attempts=item.attempt, error=error, payload=marked,
                                      now=now, keep_claim=False))

    def _give_up(self, row: _Row, error: str) -> None:
        item = row.item
        now = self.clock()
        clean = row.payload or None
        self.stats.failed += 1
        if item.next_due is None:
            self._outcomes.append(_params(item, status="failed", due_at=item.due_at,
                                          attempts=item.attempt, error=error, payload=clean,
                                          now=now, keep_claim=True))
        else:  # a recurring series continues with its next occurrence
            note = f"occurrence {item.due_at.isoformat()} {error}"[:MAX_ERROR_CHARS]
            self._outcomes.append(_params(item, status="pending", due_at=item.next_due,
                                          attempts=0, error=note, payload=clean, now=now,
                                          keep_claim=False))

    def _id_in(self, ids: list[int]) -> Any:
        """``id IN ids``; on PostgreSQL ``id = ANY(:ids)`` so the statement text (and its
        prepared plan) does not change with the number of ids."""
        if self._dialect == "postgresql":
            return TABLE.c.id == any_(bindparam("b_ids", ids, type_=ARRAY(BigInteger())))
        return TABLE.c.id.in_(ids)

    async def _flush(self) -> None:
        """Write settled outcomes in one transaction (kept for the next try on DB errors)."""
        if not self._outcomes and not self._done:
            return
        batch, self._outcomes = self._outcomes, []
        done, self._done = self._done, {}
        try:
            async with self._sessionmaker() as session, session.begin():
                now = self.clock()
                for (claimed_by, claimed_at), ids in done.items():
                    for start in range(0, len(ids), 500):
                        await session.execute(
                            update(TABLE)
                            .where(self._id_in(ids[start:start + 500]),
                                   TABLE.c.status == "running",
                                   TABLE.c.claimed_by == claimed_by,
                                   TABLE.c.claimed_at == claimed_at)
                            .values(status="done", last_error=None, updated_at=now))
                if batch:
                    await session.execute(_SETTLE, batch)
        except BaseException:
            self._outcomes = batch + self._outcomes
            for key, ids in done.items():
                self._done.setdefault(key, []).extend(ids)
            raise
        self._held.difference_update(p["b_id"] for p in batch)
        for ids in done.values():
            self._held.difference_update(ids)

    # -- the loop ------------------------------------------------------------------------------

    async def run_forever(self, stop: asyncio.Event) -> None:
        """Sweep until ``stop`` is set; sleep until the nearest due item (at most ``idle_cap``
        seconds) or until :meth:`wake`. Handlers run as tasks, so a slow handler does not
        delay other due items; database outages are logged and retried with back-off."""
        self._wake_event = asyncio.Event()
        inflight: set[asyncio.Task[None]] = set()
        rows_by_task: dict[asyncio.Task[None], _Row] = {}
        failures = 0
        try:
            while not stop.is_set():
                full = False
                try:
                    await self._flush()
                    now = self.clock()
                    if self._last_reclaim is None or now - self._last_reclaim >= (
                            self.reclaim_every):
                        await self.reclaim_stale()
                    free = min(self.concurrency - len(inflight), self.batch_size)
                    rows = await self._claim(free)
                    for row in rows:
                        task = asyncio.create_task(self._run(row))
                        inflight.add(task)
                        rows_by_task[task] = row
                        task.add_done_callback(inflight.discard)
                        task.add_done_callback(lambda t: rows_by_task.pop(t, None))
                    full = free > 0 and len(rows) == free
                    if full:
                        timeout = 0.0
                    elif free <= 0:  # every slot busy: wait for a handler to finish
                        timeout = self.idle_cap
                    else:
                        timeout = await self._idle_timeout()
                    failures = 0
                except Exception:
                    failures += 1
                    timeout = min(30.0, 0.5 * 2**failures)
                    log.exception("scheduler: sweep failed (attempt %d); retrying in %.1fs",
                                  failures, timeout)
                await self._wait(timeout, inflight, stop, full)
        finally:
            await self._shutdown(inflight, rows_by_task)

    async def _idle_timeout(self) -> float:
        async with self._sessionmaker() as session:
            nearest = await nearest_due(session, sorted(self.handlers),
                                            self.community_prefixes)
        if nearest is None:
            return self.idle_cap
        seconds = (nearest - self.clock()).total_seconds()
        return min(max(seconds, self.min_sleep), self.idle_cap)

    async def _wait(self, timeout: float, inflight: set[asyncio.Task[None]],
                    stop: asyncio.Event, full: bool) -> None:
        assert self._wake_event is not None
        if full and len(inflight) < self.concurrency:
            await asyncio.sleep(0)
            return
        waiters = {asyncio.ensure_future(self._wake_event.wait()),
                   asyncio.ensure_future(stop.wait())}
        try:
            await asyncio.wait(waiters | inflight, timeout=timeout or None,
                               return_when=asyncio.FIRST_COMPLETED)
        finally:
            for waiter in waiters:
                waiter.cancel()
            self._wake_event.clear()

    async def _shutdown(self, inflight: set[asyncio.Task[None]],
                        rows_by_task: dict[asyncio.Task[None], _Row]) -> None:
        """Let running handlers finish (``shutdown_grace``), release the rest, flush."""
        if inflight:
            _, still = await asyncio.wait(set(inflight), timeout=self.shutdown_grace)
            unfinished = [rows_by_task[t] for t in still if t in rows_by_task]
            for task in still:
                task.cancel()
            await asyncio.gather(*still, return_exceptions=True)
            if unfinished:
                await self._release([row.item for row in unfinished])
        with contextlib.suppress(Exception):
            await self._flush()

    async def _release(self, items: list[ClaimedItem]) -> None:
        """Give claims back without counting an attempt (we stopped them, they did not fail)."""
        now = self.clock()
        params = [_params(i, status="pending", due_at=i.due_at, attempts=max(i.attempt - 1, 0),
                          error=None, payload=dict(i.payload) or None, now=now,
                          keep_claim=False) for i in items]
        with contextlib.suppress(Exception):
            async with self._sessionmaker() as session, session.begin():
                await session.execute(_SETTLE, params)
            self.stats.released += len(items)
            self._held.difference_update(i.id for i in items)


__all__ = ["ClaimedItem", "KindHandler", "SweepStats", "Sweeper", "settle_success"]
