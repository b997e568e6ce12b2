"""Time queries: scheduled items for commands, wake-up journeys, the reply graph, digests.

Exposed inside a command's or timer's transaction as ``uow.scheduled`` (the scheduler's
repository bound to the unit of work's session) and ``uow.time`` (everything else). Nothing
here commits: a reminder, a nudge record and its ledger bonus commit with the command or
timer that asked for them, or not at all.

"As of now": every activity query is bounded by the ``now`` it is given, not by the wall
clock or by the latest row in the table. In production that changes nothing; in a replay
or the demo (the database already holds events "from the future" of the simulated clock) it
makes the scan, the journeys and the digest see exactly what they would have seen live.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, delete, func, not_, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from bot.scheduler import recurrence as cron_rules
from bot.scheduler.repository import ACTIVE, TABLE, ScheduledItems
from bot.storage.models import (
    Activity,
    AuditEntry,
    BadgeAward,
    Base,
    LedgerEntry,
    Member,
)
from bot.storage.models_time import DigestSubscription, Nudge
from bot.storage.types import UTCDateTime

ACTIVITY = Activity.__table__
MEMBERS = Member.__table__
NUDGES = Nudge.__table__
CHUNK = 500
# Activity that counts as "being here": anything but leaving, and not the command that
# switches nudges off (answering a nudge with /nudges off is not coming back).
_NOT_ACTIVITY_KINDS = ("leave",)
_OPT_OUT_KEY = "%:nudges"


def _activity_filter() -> Any:
    return and_(ACTIVITY.c.kind.not_in(_NOT_ACTIVITY_KINDS),
                not_(and_(ACTIVITY.c.kind == "command",
                          ACTIVITY.c.event_key.like(_OPT_OUT_KEY))))


def _insert(session: AsyncSession, table: Any) -> Any:
    dialect = session.get_bind().dialect.name
    return (postgresql.insert if dialect == "postgresql" else sqlite.insert)(table)


class ScheduledRepository(ScheduledItems):
    """``uow.scheduled``: schedule/cancel/list due items in the command's transaction."""

    name = "scheduled"

    def __init__(self, session: AsyncSession, community_id: str) -> None:
        super().__init__(session)
        self.community_id = community_id

    async def ensure_recurring(self, *, kind: str, key: str, cron: str, timezone: str | None,
                               payload: dict[str, Any], missed_policy: str,
                               now: datetime) -> int:
        """A recurring item under ``key`` that matches the given schedule, whatever the row
        held before: inserted if missing; updated (and re-activated, next occurrence after
        ``now``) if it was cancelled/finished or its schedule, zone, policy or payload
        changed; left alone (keeping its due time) if it already matches."""
        normalised = cron_rules.normalise(cron)
        row = (await self.session.execute(
            select(TABLE).where(TABLE.c.idempotency_key == key))).mappings().first()
        if row is None:
            return await self.schedule(kind=kind, due_at=None, payload=payload,
                                       community_id=self.community_id, idempotency_key=key,
                                       recurrence=normalised, timezone=timezone,
                                       missed_policy=missed_policy, now=now)
        same = (row["status"] in ACTIVE and row["recurrence"] == normalised
                and row["timezone"] == timezone and row["missed_policy"] == missed_policy
                and _public(row["payload"]) == payload and row["kind"] == kind)
        if same:
            return int(row["id"])
        due = cron_rules.next_fire(normalised, timezone, now)
        if due is None:
            raise cron_rules.RecurrenceError(f"cron expression {cron!r} never fires")
        values: dict[str, Any] = {
            "kind": kind, "recurrence": normalised, "timezone": timezone,
            "missed_policy": missed_policy, "payload": payload, "updated_at": now,
            "community_id": self.community_id}
        if row["status"] != "running":
            values.update(status="pending", due_at=due, attempts=0, last_error=None,
                          claimed_by=None, claimed_at=None)
        await self.session.execute(update(TABLE).where(TABLE.c.id == row["id"]).values(**values))
        if self.earliest is None or due < self.earliest:
            self.earliest = due
        return int(row["id"])

    async def cancel_family(self, kind: str, key_prefix: str, keep: Iterable[str],
                            now: datetime) -> int:
        """Cancel active items of ``kind`` whose key starts with ``key_prefix`` and is not in
        ``keep`` (config entries that were removed or changed)."""
        kept = list(keep)
        escaped = key_prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        conditions = [TABLE.c.kind == kind, TABLE.c.status.in_(ACTIVE),
                      TABLE.c.idempotency_key.like(escaped + "%", escape="\\")]
        if kept:
            conditions.append(TABLE.c.idempotency_key.not_in(kept))
        result = await self.session.execute(
            update(TABLE).where(*conditions).values(status="cancelled", updated_at=now))
        return max(result.rowcount or 0, 0)


def _public(payload: Any) -> dict[str, Any]:
    return {k: v for k, v in (payload or {}).items() if not str(k).startswith("_hearth_")}


@dataclass(frozen=True, slots=True)
class SilentMember:
    member_id: str
    last_active: datetime
    name: str
    timezone: str | None
    language: str | None


@dataclass(frozen=True, slots=True)
class Returned:
    """A nudge whose member was active again after it (set by :meth:`mark_returns`)."""

    nudge_id: int
    member_id: str
    stage: str
    sent_at: datetime
    returned_at: datetime
    bonus_points: int
    delivered: bool
    language: str | None


class TimeRepository:
    """``uow.time``: journeys, nudges, the reply graph, digest material, subscriptions."""

    name = "time"

    def __init__(self, session: AsyncSession, community_id: str) -> None:
        self.session = session
        self.community_id = community_id

    # -- activity as of now ----------------------------------------------------------------
    async def last_activity(self, member_id: str, now: datetime) -> datetime | None:
        stmt = select(func.max(ACTIVITY.c.at, type_=UTCDateTime())).where(
            ACTIVITY.c.community_id == self.community_id, ACTIVITY.c.member_id == member_id,
            ACTIVITY.c.at <= now, _activity_filter())
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def first_activity_after(self, member_id: str, after: datetime,
                                   now: datetime) -> datetime | None:
        stmt = select(func.min(ACTIVITY.c.at, type_=UTCDateTime())).where(
            ACTIVITY.c.community_id == self.community_id, ACTIVITY.c.member_id == member_id,
            ACTIVITY.c.at > after, ACTIVITY.c.at <= now, _activity_filter())
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def silent_members(self, cutoff: datetime, now: datetime,
                             limit: int) -> list[SilentMember]:
        """Members whose last activity (as of ``now``) is at or before ``cutoff``, who have
        not opted out of nudges, have not left, and are not already in a journey for this
        silence. Newest silences first (they are likeliest to come back), at most ``limit``.

        One indexed query does the work in production (``members.last_seen``, a NOT EXISTS
        on ``nudges``); members whose ``last_seen`` lies after ``now`` — only in replays and
        the demo — are checked against the activity table instead.
        """
        m = MEMBERS.c
        n = NUDGES.c
        base = [m.community_id == self.community_id, m.nudges_opt_out.is_(False),
                m.anonymised.is_(False), m.last_seen.is_not(None)]
        in_journey = (select(n.id).where(n.community_id == m.community_id,
                                         n.member_id == m.member_id,
                                         n.silent_since >= m.last_seen).exists())
        stayed = or_(m.left_at.is_(None), m.left_at > now, m.left_at < m.last_seen)
        rows = (await self.session.execute(
            select(m.member_id, m.last_seen, m.display_name, m.timezone, m.language)
            .where(*base, m.last_seen <= cutoff, stayed, not_(in_journey))
            .order_by(m.last_seen.desc(), m.member_id.desc()).limit(limit))).all()
        found = [SilentMember(r[0], r[1], r[2] or "", r[3], r[4]) for r in rows]
        future = (await self.session.execute(
            select(MEMBERS).where(*base, m.last_seen > now))).mappings().all()
        late: list[SilentMember] = []
        for start in range(0, len(future), CHUNK):
            chunk = {r["member_id"]: dict(r) for r in future[start:start + CHUNK]}
            last = await self._last_activity_many(list(chunk), now)
            for member_id, at in last.items():
                row = chunk[member_id]
                left = row.get("left_at")
                if at is None or at > cutoff or (left is not None and at <= left <= now):
                    continue
                late.append(SilentMember(member_id, at, row.get("display_name") or "",
                                         row.get("timezone"), row.get("language")))
        if late:
            busy = await self._journeys_since({c.member_id: c.last_active for c in late})
            found.extend(c for c in late if c.member_id not in busy)
            found.sort(key=lambda c: (c.last_active, c.member_id), reverse=True)
        return found[:limit]

    async def _last_activity_many(self, member_ids: Sequence[str],
                                  now: datetime) -> dict[str, datetime | None]:
        stmt = (select(ACTIVITY.c.member_id, func.max(ACTIVITY.c.at, type_=UTCDateTime()))
                .where(ACTIVITY.c.community_id == self.community_id,
                       ACTIVITY.c.member_id.in_(list(member_ids)), ACTIVITY.c.at <= now,
                       _activity_filter())
                .group_by(ACTIVITY.c.member_id))
        result: dict[str, datetime | None] = dict.fromkeys(member_ids)
        for member_id, at in (await self.session.execute(stmt)).all():
            result[member_id] = at
        return result

    async def _journeys_since(self, last_active: dict[str, datetime]) -> set[str]:
        """Members with a nudge recorded for a silence that started at/after their last
        activity (a journey for this silence exists)."""
        ids = list(last_active)
        found: set[str] = set()
        for start in range(0, len(ids), CHUNK):
            chunk = ids[start:start + CHUNK]
            stmt = (select(NUDGES.c.member_id, func.max(NUDGES.c.silent_since,
                                                         type_=UTCDateTime()))
                    .where(NUDGES.c.community_id == self.community_id,
                           NUDGES.c.member_id.in_(chunk))
                    .group_by(NUDGES.c.member_id))
            for member_id, since in (await self.session.execute(stmt)).all():
                if since is not None and since >= last_active[member_id]:
                    found.add(member_id)
        return found

    # -- nudges ----------------------------------------------------------------------------
    async def delivered_times(self, member_id: str, since: datetime) -> list[datetime]:
        """When nudges were actually sent to the member (for frequency caps)."""
        stmt = select(NUDGES.c.sent_at).where(
            NUDGES.c.community_id == self.community_id, NUDGES.c.member_id == member_id,
            NUDGES.c.delivered.is_(True), NUDGES.c.sent_at >= since)
        return list((await self.session.execute(stmt)).scalars())

    async def journey(self, member_id: str, silent_since: datetime) -> list[dict[str, Any]]:
        stmt = (select(NUDGES).where(NUDGES.c.community_id == self.community_id,
                                     NUDGES.c.member_id == member_id,
                                     NUDGES.c.silent_since == silent_since)
                .order_by(NUDGES.c.step))
        return [dict(r) for r in (await self.session.execute(stmt)).mappings()]

    async def record_nudge(self, **values: Any) -> int | None:
        """Insert a nudge row; ``None`` when this journey step was already recorded."""
        row = {"community_id": self.community_id, "returned_at": None, "bonus_paid": False,
               "bonus_points": 0, "details": None, **values}
        stmt = _insert(self.session, NUDGES).values(**row).on_conflict_do_nothing(
            index_elements=["community_id", "member_id", "silent_since", "stage"]
        ).returning(NUDGES.c.id)
        inserted = (await self.session.execute(stmt)).scalar_one_or_none()
        return None if inserted is None else int(inserted)

    async def mark_returns(self, now: datetime, lookback: timedelta,
                           member_id: str | None = None) -> list[Returned]:
        """Fill ``returned_at`` of open nudges whose member was active after them (as of
        ``now``); returns the nudges just marked."""
        n = NUDGES.c
        first = (select(func.min(ACTIVITY.c.at, type_=UTCDateTime()))
                 .where(ACTIVITY.c.community_id == n.community_id,
                        ACTIVITY.c.member_id == n.member_id, ACTIVITY.c.at > n.sent_at,
                        ACTIVITY.c.at <= now, _activity_filter())
                 .scalar_subquery())
        conditions = [n.community_id == self.community_id, n.returned_at.is_(None),
                      n.sent_at >= now - lookback, n.sent_at <= now]
        if member_id is not None:
            conditions.append(n.member_id == member_id)
        stmt = (select(n.id, n.member_id, n.stage, n.sent_at, n.bonus_points, n.delivered,
                       MEMBERS.c.language, first.label("first"))
                .select_from(NUDGES.outerjoin(MEMBERS, and_(
                    MEMBERS.c.community_id == n.community_id,
                    MEMBERS.c.member_id == n.member_id)))
                .where(*conditions))
        marked: list[Returned] = []
        for row in (await self.session.execute(stmt)).mappings().all():
            at = row["first"]
            if at is None:
                continue
            await self.session.execute(update(NUDGES).where(n.id == row["id"],
                                                            n.returned_at.is_(None))
                                       .values(returned_at=at))
            marked.append(Returned(int(row["id"]), row["member_id"], row["stage"],
                                   row["sent_at"], at, int(row["bonus_points"] or 0),
                                   bool(row["delivered"]), row["language"]))
        return marked

    async def claim_bonus(self, nudge_id: int) -> bool:
        """Mark the perk bonus of a nudge paid; True only for the caller that did it."""
        result = await self.session.execute(
            update(NUDGES).where(NUDGES.c.id == nudge_id, NUDGES.c.bonus_paid.is_(False))
            .values(bonus_paid=True))
        return bool(result.rowcount)

    async def nudge_counts(self) -> dict[str, Any]:
        """Totals for summaries: nudges by stage (delivered/control) and members who came
        back after a nudge."""
        n = NUDGES.c
        rows = (await self.session.execute(
            select(n.stage, n.delivered, func.count(), func.count(n.returned_at))
            .where(n.community_id == self.community_id)
            .group_by(n.stage, n.delivered))).all()
        returned = (await self.session.execute(
            select(func.count(func.distinct(n.member_id)))
            .where(n.community_id == self.community_id, n.returned_at.is_not(None),
                   n.delivered.is_(True)))).scalar_one()
        by_stage: dict[str, dict[str, int]] = {}
        for stage, delivered, count, came_back in rows:
            slot = by_stage.setdefault(stage, {"sent": 0, "control": 0, "returned": 0})
            slot["sent" if delivered else "control"] += int(count)
            slot["returned"] += int(came_back)
        return {"by_stage": by_stage, "members_returned": int(returned or 0)}

    # -- the reply graph -------------------------------------------------------------------
    async def reply_peers(self, member_id: str, since: datetime, until: datetime,
                          limit: int) -> list[tuple[str, int]]:
        """People the member talked with most: replies they sent to them plus replies they
        received from them (messages with ``target_member_id``), in ``[since, until]``."""
        a = ACTIVITY.c
        window = [a.community_id == self.community_id, a.kind == "message",
                  a.at >= since, a.at <= until, a.deleted.is_(False)]
        sent = (select(a.target_member_id.label("peer"), func.count().label("n"))
                .where(*window, a.member_id == member_id, a.target_member_id.is_not(None),
                       a.target_member_id != member_id)
                .group_by(a.target_member_id))
        got = (select(a.member_id.label("peer"), func.count().label("n"))
               .where(*window, a.target_member_id == member_id, a.member_id != member_id)
               .group_by(a.member_id))
        totals: dict[str, int] = {}
        for stmt in (sent, got):
            for peer, count in (await self.session.execute(stmt)).all():
                totals[peer] = totals.get(peer, 0) + int(count)
        ranked = sorted(totals.items(), key=lambda item: (-item[1], item[0]))
        return ranked[:limit]

    async def recent_doings(self, member_ids: Sequence[str], since: datetime,
                            now: datetime) -> dict[str, dict[str, Any]]:
        """What each member did in ``(since, now]``: messages, their busiest channel,
        badges earned and whether they moved up a stage."""
        if not member_ids:
            return {}
        ids = list(member_ids)
        a = ACTIVITY.c
        out: dict[str, dict[str, Any]] = {
            m: {"messages": 0, "channel": None, "badges": [], "stage": None} for m in ids}
        rows = (await self.session.execute(
            select(a.member_id, a.channel_id, func.count())
            .where(a.community_id == self.community_id, a.member_id.in_(ids),
                   a.kind == "message", a.at > since, a.at <= now, a.deleted.is_(False))
            .group_by(a.member_id, a.channel_id))).all()
        best: dict[str, int] = {}
        for member_id, channel, count in rows:
            out[member_id]["messages"] += int(count)
            if channel and int(count) > best.get(member_id, 0):
                best[member_id] = int(count)
                out[member_id]["channel"] = channel
        b = BadgeAward.__table__.c
        for member_id, badge in (await self.session.execute(
                select(b.member_id, b.badge_id)
                .where(b.community_id == self.community_id, b.member_id.in_(ids),
                       b.awarded_at > since, b.awarded_at <= now)
                .order_by(b.awarded_at))).all():
            out[member_id]["badges"].append(badge)
        for member_id, _old, new in await self._stage_ups(since, now, ids):
            out[member_id]["stage"] = new
        return out

    async def display_names(self, member_ids: Iterable[str]) -> dict[str, str]:
        ids = list(dict.fromkeys(member_ids))
        names: dict[str, str] = {}
        for start in range(0, len(ids), CHUNK):
            rows = (await self.session.execute(
                select(MEMBERS.c.member_id, MEMBERS.c.display_name)
                .where(MEMBERS.c.community_id == self.community_id,
                       MEMBERS.c.member_id.in_(ids[start:start + CHUNK])))).all()
            names.update({m: n for m, n in rows if n})
        return names

    async def member_channels(self, member_id: str, since: datetime, until: datetime,
                              limit: int = 3) -> list[str]:
        """The channels the member posted in most in the window (for a tailored digest)."""
        a = ACTIVITY.c
        rows = (await self.session.execute(
            select(a.channel_id, func.count().label("n"))
            .where(a.community_id == self.community_id, a.member_id == member_id,
                   a.kind == "message", a.channel_id.is_not(None), a.at >= since,
                   a.at <= until)
            .group_by(a.channel_id).order_by(func.count().desc(), a.channel_id)
            .limit(limit))).all()
        return [r[0] for r in rows]

    # -- digest material -------------------------------------------------------------------
    async def new_members(self, since: datetime, until: datetime,
                          limit: int) -> tuple[int, list[str]]:
        m = MEMBERS.c
        where = [m.community_id == self.community_id, m.joined_at > since,
                 m.joined_at <= until]
        count = (await self.session.execute(
            select(func.count()).select_from(MEMBERS).where(*where))).scalar_one()
        rows = (await self.session.execute(
            select(m.member_id, m.display_name).where(*where)
            .order_by(m.joined_at.desc(), m.member_id).limit(limit))).all()
        return int(count), [name or member for member, name in rows]

    async def top_contributors(self, since: datetime, until: datetime,
                               limit: int) -> list[tuple[str, int]]:
        ledger = LedgerEntry.__table__.c
        points = func.sum(ledger.lifetime_delta)
        rows = (await self.session.execute(
            select(ledger.member_id, points)
            .where(ledger.community_id == self.community_id, ledger.at > since,
                   ledger.at <= until)
            .group_by(ledger.member_id).having(points > 0)
            .order_by(points.desc(), ledger.member_id).limit(limit))).all()
        return [(member, int(total)) for member, total in rows]

    async def _stage_ups(self, since: datetime, until: datetime,
                         member_ids: Sequence[str] | None = None
                         ) -> list[tuple[str, str, str]]:
        audit = AuditEntry.__table__.c
        conditions = [audit.community_id == self.community_id, audit.action == "growth.stage",
                      audit.at > since, audit.at <= until, audit.target_id.is_not(None)]
        if member_ids is not None:
            conditions.append(audit.target_id.in_(list(member_ids)))
        rows = (await self.session.execute(
            select(audit.target_id, audit.details).where(*conditions)
            .order_by(audit.at, audit.id))).all()
        out = []
        for member_id, details in rows:
            details = details or {}
            if details.get("promoted"):
                out.append((member_id, str(details.get("from", "")), str(details.get("to", ""))))
        return out

    async def stage_ups(self, since: datetime, until: datetime) -> list[tuple[str, str, str]]:
        """(member, from, to) promotions in the window, from the growth audit trail."""
        return await self._stage_ups(since, until)

    async def badges_awarded(self, since: datetime,
                             until: datetime) -> list[tuple[str, str]]:
        b = BadgeAward.__table__.c
        rows = (await self.session.execute(
            select(b.member_id, b.badge_id)
            .where(b.community_id == self.community_id, b.awarded_at > since,
                   b.awarded_at <= until)
            .order_by(b.awarded_at, b.id))).all()
        return [(m, badge) for m, badge in rows]

    async def highlight_candidates(self, since: datetime, until: datetime,
                                   limit: int = 200) -> list[dict[str, Any]]:
        """Posts of the window with their engagement (reactions, thread replies, distinct
        people) and their quality score when one exists (``quality`` None otherwise)."""
        a = ACTIVITY.c
        base = [a.community_id == self.community_id, a.at > since, a.at <= until]
        reactions = dict((await self.session.execute(
            select(a.message_id, func.count())
            .where(*base, a.kind == "reaction", a.message_id.is_not(None))
            .group_by(a.message_id).order_by(func.count().desc()).limit(limit))).all())
        replies = dict((await self.session.execute(
            select(a.thread_id, func.count())
            .where(*base, a.kind == "message", a.thread_id.is_not(None))
            .group_by(a.thread_id).order_by(func.count().desc()).limit(limit))).all())
        quality_table = Base.metadata.tables.get("post_quality")
        quality: dict[str, float] = {}
        if quality_table is not None:
            q = quality_table.c
            rows = (await self.session.execute(
                select(q.message_id, q.score)
                .where(q.community_id == self.community_id, q.computed_at > since,
                       q.computed_at <= until + timedelta(days=7))
                .order_by(q.score.desc()).limit(limit))).all()
            quality.update({m: float(s) for m, s in rows})
        ids = list(dict.fromkeys([*reactions, *replies, *quality]))
        posts: list[dict[str, Any]] = []
        for start in range(0, len(ids), CHUNK):
            chunk = ids[start:start + CHUNK]
            keys = [f"m:{m}" for m in chunk]
            rows = (await self.session.execute(
                select(a.message_id, a.member_id, a.channel_id, a.text, a.at)
                .where(a.community_id == self.community_id, a.event_key.in_(keys),
                       a.at > since, a.at <= until, a.deleted.is_(False)))).mappings().all()
            posts.extend(dict(r) for r in rows)
        if quality_table is not None and posts:
            missing = [p["message_id"] for p in posts if p["message_id"] not in quality]
            q = quality_table.c
            for start in range(0, len(missing), CHUNK):
                rows = (await self.session.execute(
                    select(q.message_id, q.score)
                    .where(q.community_id == self.community_id,
                           q.message_id.in_(missing[start:start + CHUNK])))).all()
                quality.update({m: float(s) for m, s in rows})
        for post in posts:
            mid = post["message_id"]
            post["reactions"] = int(reactions.get(mid, 0))
            post["replies"] = int(replies.get(mid, 0))
            post["quality"] = quality.get(mid)
        return posts

    # -- subscriptions ---------------------------------------------------------------------
    async def set_digest_subscription(self, member_id: str, on: bool, now: datetime) -> bool:
        """Subscribe or unsubscribe; True when something changed."""
        table = DigestSubscription.__table__
        if on:
            stmt = _insert(self.session, table).values(
                community_id=self.community_id, member_id=member_id, created_at=now
            ).on_conflict_do_nothing(index_elements=["community_id", "member_id"]).returning(
                table.c.member_id)
            return (await self.session.execute(stmt)).scalar_one_or_none() is not None
        result = await self.session.execute(delete(table).where(
            table.c.community_id == self.community_id, table.c.member_id == member_id))
        return bool(result.rowcount)

    async def is_digest_subscriber(self, member_id: str) -> bool:
        s = DigestSubscription.__table__.c
        found = await self.session.execute(select(s.member_id).where(
            s.community_id == self.community_id, s.member_id == member_id))
        return found.first() is not None

    async def digest_subscribers(self, limit: int) -> list[tuple[str, str | None]]:
        """(member, language) of subscribers still in the community, oldest first."""
        s = DigestSubscription.__table__.c
        m = MEMBERS.c
        left = and_(m.left_at.is_not(None), or_(m.last_seen.is_(None), m.left_at >= m.last_seen))
        rows = (await self.session.execute(
            select(s.member_id, m.language)
            .select_from(DigestSubscription.__table__.outerjoin(MEMBERS, and_(
                m.community_id == s.community_id, m.member_id == s.member_id)))
            .where(s.community_id == self.community_id,
                   or_(m.member_id.is_(None), not_(left)))
            .order_by(s.created_at, s.member_id).limit(limit))).all()
        return [(member, language) for member, language in rows]

    # -- questions ---------------------------------------------------------------------------
    async def answered(self, channel_id: str, asker: str, message_id: str,
                       asked_at: datetime, now: datetime) -> bool:
        """Whether someone else answered: a reply to the asker in the channel, or a message
        in the question's thread, after it was asked."""
        a = ACTIVITY.c
        stmt = (select(a.id).where(
            a.community_id == self.community_id, a.kind == "message", a.at > asked_at,
            a.at <= now, a.member_id != asker,
            or_(and_(a.channel_id == channel_id, a.target_member_id == asker),
                a.thread_id == message_id)).limit(1))
        return (await self.session.execute(stmt)).first() is not None

    async def trigger_fires(self, since: datetime) -> list[tuple[str, str, str | None, datetime]]:
        """(rule, member, channel, at) of trigger sends since ``since`` (from the audit log)."""
        audit = AuditEntry.__table__.c
        rows = (await self.session.execute(
            select(audit.details, audit.target_id, audit.at)
            .where(audit.community_id == self.community_id, audit.at >= since,
                   audit.action == "trigger.fired"))).all()
        out = []
        for details, member, at in rows:
            details = details or {}
            out.append((str(details.get("rule", "")), member or "", details.get("channel"), at))
        return out

    async def has_posted(self, member_id: str, channel_id: str, before: datetime,
                         exclude_key: str | None = None) -> bool:
        a = ACTIVITY.c
        conditions = [a.community_id == self.community_id, a.member_id == member_id,
                      a.channel_id == channel_id, a.kind == "message", a.at <= before]
        if exclude_key is not None:
            conditions.append(a.event_key != exclude_key)
        stmt = select(a.id).where(*conditions).limit(1)
        return (await self.session.execute(stmt)).first() is not None


__all__ = ["Returned", "ScheduledRepository", "SilentMember", "TimeRepository"]
