"""Queries behind insights: history loading for RFM and churn, snapshots, experiments,
payouts and the report.

Exposed as ``uow.insights`` in a command's or timer's transaction and used directly by the
CLI and the report. Tables of other features (strikes, teams, helpful marks, sentiment
scores, review items, nudges) are looked up by name in the shared metadata, so insights keeps
working — with those features' inputs left empty — when a deployment lacks one of them.
Nothing here commits; callers own the transaction.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import (
    Integer,
    Table,
    and_,
    cast,
    delete,
    distinct,
    func,
    or_,
    select,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from bot.storage.models import Activity, AuditEntry, Base, LedgerEntry, Member, MemberStats
from bot.storage.models_insights import (
    ChurnRun,
    ChurnScore,
    Experiment,
    ExperimentExposure,
    ExperimentOutcome,
    Payout,
    PayoutRun,
    SegmentSnapshot,
)

# What counts as "being here" for recency, labels and experiment outcomes. Joining, leaving,
# deleting or removing a reaction is not engagement.
MEANINGFUL_KINDS = ("message", "reaction", "voice", "command", "button", "edit")
CHUNK = 500
ACTIVITY = Activity.__table__
LEDGER = LedgerEntry.__table__
SNAPSHOTS = SegmentSnapshot.__table__
EXPERIMENTS = Experiment.__table__
EXPOSURES = ExperimentExposure.__table__
OUTCOMES = ExperimentOutcome.__table__


def feature_table(name: str) -> Table | None:
    """Another feature's table if this deployment has it (None otherwise)."""
    return Base.metadata.tables.get(name)


def epoch_of(column: Any, dialect: str) -> Any:
    """POSIX seconds of a stored UTC time, computed by the database.

    Loading hundreds of thousands of rows as Python datetimes costs seconds in type
    conversion alone; a float per row does not. Stored times are naive UTC on both backends.
    """
    if dialect == "postgresql":
        return func.extract("epoch", column)
    return (func.julianday(column) - 2440587.5) * 86400.0


def _chunks(items: Sequence[str]) -> Iterable[Sequence[str]]:
    for start in range(0, len(items), CHUNK):
        yield items[start:start + CHUNK]


class InsightsRepository:
    name = "insights"

    def __init__(self, session: AsyncSession, community_id: str) -> None:
        self.session = session
        self.community_id = community_id

    def _insert(self, table: Any) -> Any:
        dialect = self.session.get_bind().dialect.name
        return (postgresql.insert if dialect == "postgresql" else sqlite.insert)(table)

    async def _rows(self, stmt: Any) -> list[Any]:
        return list((await self.session.execute(stmt)).all())

    # -- members and history ---------------------------------------------------------------
    async def members(self) -> list[dict[str, Any]]:
        m = Member.__table__
        rows = await self.session.execute(
            select(m.c.member_id, m.c.display_name, m.c.joined_at, m.c.left_at, m.c.first_seen,
                   m.c.last_seen, m.c.anonymised).where(m.c.community_id == self.community_id))
        return [dict(r) for r in rows.mappings()]

    async def activity(self, since: datetime, until: datetime) -> list[Any]:
        """Activity rows in ``[since, until]`` as ``(member, kind, at_epoch, target,
        channel, length, is_question, amount)``, oldest first. Times are POSIX seconds and
        question detection runs in SQL, so no message text leaves the database."""
        a = ACTIVITY
        question = or_(a.c.text.like("%?%"), a.c.text.like("%？%"))
        stmt = (select(a.c.member_id, a.c.kind, self._epoch(a.c.at), a.c.target_member_id,
                       a.c.channel_id, a.c.length,
                       and_(a.c.kind == "message", question).label("question"), a.c.amount)
                .where(a.c.community_id == self.community_id, a.c.at >= since, a.c.at <= until)
                .order_by(a.c.at, a.c.id))
        return await self._rows(stmt)

    def _epoch(self, column: Any) -> Any:
        return epoch_of(column, self.session.get_bind().dialect.name)

    async def activity_span(self) -> tuple[datetime | None, datetime | None]:
        a = ACTIVITY
        row = (await self.session.execute(
            select(func.min(a.c.at), func.max(a.c.at)).where(
                a.c.community_id == self.community_id,
                a.c.kind.in_(list(MEANINGFUL_KINDS))))).one()
        return row[0], row[1]

    async def daily_activity(self, since: datetime | None = None) -> dict[int, int]:
        """Meaningful activities per UTC day (days since 1970-01-01)."""
        a = ACTIVITY
        days = self._epoch(a.c.at) / 86400.0
        # CAST rounds on PostgreSQL but truncates on SQLite (whose floor() is optional)
        postgres = self.session.get_bind().dialect.name == "postgresql"
        day = cast(func.floor(days) if postgres else days, Integer)
        stmt = (select(day, func.count()).where(a.c.community_id == self.community_id,
                                                a.c.kind.in_(list(MEANINGFUL_KINDS)))
                .group_by(day))
        if since is not None:
            stmt = stmt.where(a.c.at >= since)
        return {int(d): int(n) for d, n in await self._rows(stmt)}

    async def last_act_until(self, until: datetime) -> datetime | None:
        a = ACTIVITY
        result = await self.session.execute(
            select(func.max(a.c.at)).where(a.c.community_id == self.community_id,
                                           a.c.at <= until,
                                           a.c.kind.in_(list(MEANINGFUL_KINDS))))
        return result.scalar_one_or_none()

    async def last_acts(self, until: datetime) -> dict[str, datetime]:
        """Each member's last meaningful activity at or before ``until``."""
        a = ACTIVITY
        rows = await self._rows(select(a.c.member_id, func.max(a.c.at)).where(
            a.c.community_id == self.community_id, a.c.at <= until,
            a.c.kind.in_(list(MEANINGFUL_KINDS))).group_by(a.c.member_id))
        return {m: at for m, at in rows if at is not None}

    async def member_acts(self, since: datetime, until: datetime) -> list[tuple[str, datetime]]:
        """``(member, at)`` of meaningful activity in ``(since, until]``."""
        a = ACTIVITY
        rows = await self._rows(select(a.c.member_id, a.c.at).where(
            a.c.community_id == self.community_id, a.c.at > since, a.c.at <= until,
            a.c.kind.in_(list(MEANINGFUL_KINDS))))
        return [(m, at) for m, at in rows]

    async def reply_pairs(self, since: datetime, until: datetime
                          ) -> dict[tuple[str, str], int]:
        """Replies per (author, replied-to member) in ``(since, until]``."""
        a = ACTIVITY
        rows = await self._rows(
            select(a.c.member_id, a.c.target_member_id, func.count())
            .where(a.c.community_id == self.community_id, a.c.kind == "message",
                   a.c.target_member_id.is_not(None), a.c.at > since, a.c.at <= until)
            .group_by(a.c.member_id, a.c.target_member_id))
        return {(m, target): int(n) for m, target, n in rows if target != m}

    async def posters(self, until: datetime) -> set[str]:
        """Members who posted at least one message by ``until``."""
        a = ACTIVITY
        rows = await self._rows(select(distinct(a.c.member_id)).where(
            a.c.community_id == self.community_id, a.c.kind == "message", a.c.at <= until))
        return {m for (m,) in rows}

    async def voice_minutes(self, since: datetime, until: datetime) -> dict[str, float]:
        a = ACTIVITY
        rows = await self._rows(
            select(a.c.member_id, func.sum(a.c.amount))
            .where(a.c.community_id == self.community_id, a.c.kind == "voice",
                   a.c.at > since, a.c.at <= until).group_by(a.c.member_id))
        return {m: float(v or 0.0) for m, v in rows}

    async def points_by_member(self, since: datetime, until: datetime,
                               exclude_reasons: Sequence[str] = ()) -> dict[str, int]:
        ledger = LEDGER
        stmt = (select(ledger.c.member_id, func.sum(ledger.c.lifetime_delta))
                .where(ledger.c.community_id == self.community_id, ledger.c.at > since,
                       ledger.c.at <= until, ledger.c.lifetime_delta > 0)
                .group_by(ledger.c.member_id))
        if exclude_reasons:
            stmt = stmt.where(ledger.c.reason.not_in(list(exclude_reasons)))
        return {m: int(v or 0) for m, v in await self._rows(stmt)}

    async def points(self, since: datetime, until: datetime,
                     exclude_reasons: Sequence[str] = ()) -> list[Any]:
        """Points earned: ``(member, at_epoch, lifetime_delta)`` rows with a positive delta."""
        ledger = LEDGER
        stmt = select(ledger.c.member_id, self._epoch(ledger.c.at), ledger.c.lifetime_delta
                      ).where(ledger.c.community_id == self.community_id, ledger.c.at >= since,
                              ledger.c.at <= until, ledger.c.lifetime_delta > 0)
        if exclude_reasons:
            stmt = stmt.where(ledger.c.reason.not_in(list(exclude_reasons)))
        return await self._rows(stmt)

    async def helpful(self, since: datetime, until: datetime) -> list[Any]:
        table = feature_table("helpful_marks")
        if table is None:
            return []
        return await self._rows(select(table.c.author_id, table.c.at).where(
            table.c.community_id == self.community_id, table.c.at >= since,
            table.c.at <= until))

    async def quality(self, since: datetime, until: datetime) -> list[Any]:
        table = feature_table("post_quality")
        if table is None:
            return []
        return await self._rows(select(table.c.member_id, table.c.computed_at, table.c.score)
                                .where(table.c.community_id == self.community_id,
                                       table.c.computed_at >= since,
                                       table.c.computed_at <= until))

    async def strikes(self) -> list[Any]:
        """``(member, issued_at, ends_at)``: a pardon ends a strike early."""
        table = feature_table("strikes")
        if table is None:
            return []
        rows = await self._rows(select(table.c.member_id, table.c.issued_at,
                                       table.c.expires_at, table.c.pardoned,
                                       table.c.pardoned_at)
                                .where(table.c.community_id == self.community_id))
        return [(m, issued, min(expires, pardoned_at) if pardoned and pardoned_at else expires)
                for m, issued, expires, pardoned, pardoned_at in rows]

    async def stage_changes(self) -> list[tuple[str, datetime, str]]:
        """``(member, at, new stage)`` from the audit log of stage changes."""
        audit = AuditEntry.__table__
        rows = await self._rows(select(audit.c.target_id, audit.c.at, audit.c.details)
                                .where(audit.c.community_id == self.community_id,
                                       audit.c.action == "growth.stage")
                                .order_by(audit.c.at, audit.c.id))
        return [(m, at, str(d.get("to"))) for m, at, d in rows
                if m and isinstance(d, dict) and d.get("to")]

    async def current_stages(self) -> dict[str, str]:
        stats = MemberStats.__table__
        rows = await self._rows(select(stats.c.member_id, stats.c.stage)
                                .where(stats.c.community_id == self.community_id))
        return {m: s for m, s in rows}

    async def team_joins(self) -> dict[str, datetime]:
        table = feature_table("team_members")
        if table is None:
            return {}
        rows = await self._rows(select(table.c.member_id, table.c.joined_at)
                                .where(table.c.community_id == self.community_id))
        return {m: at for m, at in rows}

    async def sentiment(self, since: datetime, until: datetime) -> list[Any]:
        """``(member, at, label, confidence)`` from the feelings feature's scores."""
        table = feature_table("message_scores")
        if table is None:
            return []
        return await self._rows(select(table.c.member_id, table.c.at, table.c.label,
                                       table.c.confidence)
                                .where(table.c.community_id == self.community_id,
                                       table.c.at >= since, table.c.at <= until)
                                .order_by(table.c.at))

    async def review_items(self, since: datetime, until: datetime) -> list[Any]:
        """``(created_at, claimed_at or decided_at)`` of review cases (moderation load)."""
        table = feature_table("review_items")
        if table is None:
            return []
        rows = await self._rows(select(table.c.created_at, table.c.claimed_at,
                                       table.c.decided_at)
                                .where(table.c.community_id == self.community_id,
                                       table.c.kind == "review",
                                       table.c.created_at >= since,
                                       table.c.created_at <= until))
        return [(created, claimed or decided) for created, claimed, decided in rows]

    # -- segment snapshots -----------------------------------------------------------------
    async def add_snapshot(self, rows: Sequence[dict[str, Any]], computed_at: datetime) -> int:
        """Store a snapshot; a second snapshot with the same time adds nothing."""
        if not rows:
            return 0
        values = [{"community_id": self.community_id, "computed_at": computed_at, **r}
                  for r in rows]
        written = 0
        for start in range(0, len(values), CHUNK):
            stmt = self._insert(SNAPSHOTS).values(values[start:start + CHUNK])
            stmt = stmt.on_conflict_do_nothing(
                index_elements=["community_id", "computed_at", "member_id"])
            result = await self.session.execute(stmt)
            written += max(result.rowcount or 0, 0)
        return written

    async def snapshot_times(self, since: datetime | None = None,
                             until: datetime | None = None) -> list[datetime]:
        s = SNAPSHOTS
        stmt = select(distinct(s.c.computed_at)).where(s.c.community_id == self.community_id)
        if since is not None:
            stmt = stmt.where(s.c.computed_at >= since)
        if until is not None:
            stmt = stmt.where(s.c.computed_at <= until)
        return sorted(r[0] for r in await self._rows(stmt))

    async def snapshot(self, computed_at: datetime) -> list[dict[str, Any]]:
        s = SNAPSHOTS
        rows = await self.session.execute(
            select(s).where(s.c.community_id == self.community_id,
                            s.c.computed_at == computed_at).order_by(s.c.member_id))
        return [dict(r) for r in rows.mappings()]

    async def segment_sizes(self, since: datetime | None = None
                            ) -> list[tuple[datetime, str, int]]:
        s = SNAPSHOTS
        stmt = (select(s.c.computed_at, s.c.segment, func.count())
                .where(s.c.community_id == self.community_id)
                .group_by(s.c.computed_at, s.c.segment).order_by(s.c.computed_at))
        if since is not None:
            stmt = stmt.where(s.c.computed_at >= since)
        return [(at, seg, int(n)) for at, seg, n in await self._rows(stmt)]

    async def prune_snapshots(self, before: datetime) -> int:
        result = await self.session.execute(
            delete(SNAPSHOTS).where(SNAPSHOTS.c.community_id == self.community_id,
                                    SNAPSHOTS.c.computed_at < before))
        return max(result.rowcount or 0, 0)

    # -- churn runs ------------------------------------------------------------------------
    async def add_churn_run(self, values: dict[str, Any],
                            scores: Sequence[dict[str, Any]]) -> int:
        table = ChurnRun.__table__
        result = await self.session.execute(
            table.insert().values(community_id=self.community_id, **values)
            .returning(table.c.id))
        run_id = int(result.scalar_one())
        if scores:
            await self.session.execute(ChurnScore.__table__.insert(), [
                {"run_id": run_id, "community_id": self.community_id, **s} for s in scores])
        return run_id

    async def latest_churn_run(self) -> dict[str, Any] | None:
        table = ChurnRun.__table__
        row = (await self.session.execute(
            select(table).where(table.c.community_id == self.community_id)
            .order_by(table.c.computed_at.desc(), table.c.id.desc()).limit(1))).mappings().first()
        if row is None:
            return None
        run = dict(row)
        scores = ChurnScore.__table__
        rows = await self.session.execute(
            select(scores.c.member_id, scores.c.risk, scores.c.reasons)
            .where(scores.c.run_id == run["id"]).order_by(scores.c.risk.desc(),
                                                          scores.c.member_id))
        run["scores"] = [dict(r) for r in rows.mappings()]
        return run

    # -- experiments -----------------------------------------------------------------------
    async def create_experiment(self, values: dict[str, Any]) -> bool:
        stmt = self._insert(EXPERIMENTS).values(community_id=self.community_id, **values)
        stmt = stmt.on_conflict_do_nothing(index_elements=["community_id", "name"])
        result = await self.session.execute(stmt)
        return bool(result.rowcount)

    async def experiment(self, name: str) -> dict[str, Any] | None:
        e = EXPERIMENTS
        row = (await self.session.execute(
            select(e).where(e.c.community_id == self.community_id, e.c.name == name))
        ).mappings().first()
        return dict(row) if row else None

    async def experiments(self) -> list[dict[str, Any]]:
        e = EXPERIMENTS
        rows = await self.session.execute(
            select(e).where(e.c.community_id == self.community_id)
            .order_by(e.c.started_at, e.c.name))
        return [dict(r) for r in rows.mappings()]

    async def stop_experiment(self, name: str, now: datetime) -> bool:
        e = EXPERIMENTS
        result = await self.session.execute(
            update(e).where(e.c.community_id == self.community_id, e.c.name == name,
                            e.c.status == "running").values(status="stopped", stopped_at=now))
        return bool(result.rowcount)

    async def record_exposure(self, experiment: str, member_id: str, arm: str, at: datetime,
                              source: str = "hearth") -> bool:
        """First exposure of a member wins (assignment is stable, so later ones agree)."""
        stmt = self._insert(EXPOSURES).values(
            community_id=self.community_id, experiment=experiment, member_id=member_id,
            arm=arm, exposed_at=at, source=source)
        stmt = stmt.on_conflict_do_nothing(
            index_elements=["community_id", "experiment", "member_id"])
        return bool((await self.session.execute(stmt)).rowcount)

    async def record_exposures(self, rows: Sequence[dict[str, Any]]) -> int:
        written = 0
        for start in range(0, len(rows), CHUNK):
            stmt = self._insert(EXPOSURES).values(
                [{"community_id": self.community_id, "source": "hearth", **r}
                 for r in rows[start:start + CHUNK]])
            stmt = stmt.on_conflict_do_nothing(
                index_elements=["community_id", "experiment", "member_id"])
            written += max((await self.session.execute(stmt)).rowcount or 0, 0)
        return written

    async def record_outcome(self, experiment: str, member_id: str, at: datetime,
                             kind: str = "returned") -> bool:
        stmt = self._insert(OUTCOMES).values(
            community_id=self.community_id, experiment=experiment, member_id=member_id,
            converted_at=at, kind=kind)
        stmt = stmt.on_conflict_do_nothing(
            index_elements=["community_id", "experiment", "member_id"])
        return bool((await self.session.execute(stmt)).rowcount)

    async def exposures(self, experiment: str) -> list[tuple[str, str, datetime]]:
        x = EXPOSURES
        rows = await self._rows(select(x.c.member_id, x.c.arm, x.c.exposed_at)
                                .where(x.c.community_id == self.community_id,
                                       x.c.experiment == experiment))
        return [(m, a, at) for m, a, at in rows]

    async def outcomes(self, experiment: str) -> dict[str, datetime]:
        o = OUTCOMES
        rows = await self._rows(select(o.c.member_id, o.c.converted_at)
                                .where(o.c.community_id == self.community_id,
                                       o.c.experiment == experiment))
        return {m: at for m, at in rows}

    async def experiments_on_day(self, day_start: datetime, day_end: datetime) -> int:
        """Experiments that ran at some point of ``[day_start, day_end)``."""
        e = EXPERIMENTS
        ended = func.coalesce(e.c.stopped_at, e.c.ends_at)
        result = await self.session.execute(
            select(func.count()).select_from(e).where(
                e.c.community_id == self.community_id, e.c.started_at < day_end,
                or_(ended.is_(None), ended > day_start)))
        return int(result.scalar_one())

    async def nudge_exposures(self) -> list[tuple[str, str, str, datetime, datetime | None]]:
        """First nudge per (experiment, member) from the wake-up journeys' log:
        ``(experiment, member, arm, sent_at, returned_at)``."""
        table = feature_table("nudges")
        if table is None:
            return []
        rows = await self._rows(select(table.c.experiment, table.c.member_id, table.c.arm,
                                       table.c.sent_at, table.c.returned_at)
                                .where(table.c.community_id == self.community_id)
                                .order_by(table.c.sent_at, table.c.id))
        first: dict[tuple[str, str], tuple[str, str, str, datetime, datetime | None]] = {}
        for experiment, member, arm, sent, returned in rows:
            if experiment and arm:
                first.setdefault((experiment, member), (experiment, member, arm, sent, returned))
        return list(first.values())

    async def acts_between(self, member_ids: Sequence[str], since: datetime,
                           until: datetime) -> dict[str, list[datetime]]:
        """Meaningful activity times of ``member_ids`` in ``(since, until]``, sorted."""
        a = ACTIVITY
        found: dict[str, list[datetime]] = {}
        ids = sorted(set(member_ids))
        for chunk in _chunks(ids):
            rows = await self._rows(select(a.c.member_id, a.c.at).where(
                a.c.community_id == self.community_id, a.c.member_id.in_(list(chunk)),
                a.c.at > since, a.c.at <= until, a.c.kind.in_(list(MEANINGFUL_KINDS))))
            for member, at in rows:
                found.setdefault(member, []).append(at)
        for times in found.values():
            times.sort()
        return found

    # -- payouts ---------------------------------------------------------------------------
    async def payout_run(self, period: str) -> dict[str, Any] | None:
        table = PayoutRun.__table__
        row = (await self.session.execute(
            select(table).where(table.c.community_id == self.community_id,
                                table.c.period == period))).mappings().first()
        return dict(row) if row else None

    async def add_payout_run(self, values: dict[str, Any]) -> bool:
        stmt = self._insert(PayoutRun.__table__).values(community_id=self.community_id,
                                                        **values)
        stmt = stmt.on_conflict_do_nothing(index_elements=["community_id", "period"])
        return bool((await self.session.execute(stmt)).rowcount)

    async def add_payouts(self, period: str, rows: Sequence[dict[str, Any]]) -> None:
        if rows:
            await self.session.execute(Payout.__table__.insert(), [
                {"community_id": self.community_id, "period": period, **r} for r in rows])

    async def payouts(self, period: str) -> list[dict[str, Any]]:
        table = Payout.__table__
        rows = await self.session.execute(
            select(table).where(table.c.community_id == self.community_id,
                                table.c.period == period)
            .order_by(table.c.cents.desc(), table.c.member_id))
        return [dict(r) for r in rows.mappings()]

    async def add_ledger_notes(self, rows: Sequence[dict[str, Any]]) -> int:
        """Ledger rows that move no points (payout records); duplicates are skipped."""
        written = 0
        for start in range(0, len(rows), CHUNK):
            stmt = self._insert(LEDGER).values(
                [{"community_id": self.community_id, "delta": 0, "lifetime_delta": 0, **r}
                 for r in rows[start:start + CHUNK]])
            stmt = stmt.on_conflict_do_nothing(
                index_elements=["community_id", "member_id", "source_key", "reason"])
            written += max((await self.session.execute(stmt)).rowcount or 0, 0)
        return written

    async def display_names(self, member_ids: Iterable[str]) -> dict[str, str]:
        m = Member.__table__
        names: dict[str, str] = {}
        for chunk in _chunks(sorted(set(member_ids))):
            rows = await self._rows(select(m.c.member_id, m.c.display_name).where(
                m.c.community_id == self.community_id, m.c.member_id.in_(list(chunk))))
            names.update({k: v for k, v in rows if v})
        return names
