"""Typed declarative tables (SQLAlchemy 2).

Natural string keys ``(community_id, member_id)`` are used throughout because ids are already
namespaced by platform (``dc:1``, ``tg:2``): the hot path can write rows without first looking
up surrogate keys, and one database holds every platform. Every schema change goes through an
Alembic migration; a test fails when models and migrations drift apart.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from bot.storage.types import UTCDateTime

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

ID = String(64)
BigId = BigInteger().with_variant(Integer(), "sqlite")


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {datetime: UTCDateTime(), dict[str, Any]: JSON()}


class Community(Base):
    __tablename__ = "communities"

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    platform: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(200), default="")
    language: Mapped[str] = mapped_column(String(8), default="en")
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    created_at: Mapped[datetime]


class Person(Base):
    """One human across platforms; members link to it (identity linking)."""

    __tablename__ = "persons"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    created_at: Mapped[datetime]


class Member(Base):
    __tablename__ = "members"

    community_id: Mapped[str] = mapped_column(
        ID, ForeignKey("communities.id", ondelete="CASCADE"), primary_key=True
    )
    member_id: Mapped[str] = mapped_column(ID, primary_key=True)
    display_name: Mapped[str] = mapped_column(String(200), default="")
    person_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("persons.id", ondelete="SET NULL"), index=True
    )
    language: Mapped[str | None] = mapped_column(String(8))
    timezone: Mapped[str | None] = mapped_column(String(64))
    joined_at: Mapped[datetime | None]
    left_at: Mapped[datetime | None]
    first_seen: Mapped[datetime | None]
    last_seen: Mapped[datetime | None]
    nudges_opt_out: Mapped[bool] = mapped_column(Boolean, default=False)
    anonymised: Mapped[bool] = mapped_column(Boolean, default=False)


class LinkCode(Base):
    """One-time codes for ``/link``: entered on the other platform to join identities."""

    __tablename__ = "link_codes"

    code: Mapped[str] = mapped_column(String(16), primary_key=True)
    community_id: Mapped[str] = mapped_column(ID)
    member_id: Mapped[str] = mapped_column(ID)
    expires_at: Mapped[datetime]


class Activity(Base):
    """Every counted thing a member did. ``event_key`` makes replays idempotent."""

    __tablename__ = "activity"
    __table_args__ = (
        UniqueConstraint("community_id", "event_key", name="uq_activity_event"),
        Index("ix_activity_member_at", "community_id", "member_id", "at"),
        Index("ix_activity_message", "community_id", "message_id"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    community_id: Mapped[str] = mapped_column(ID)
    event_key: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(16))
    member_id: Mapped[str] = mapped_column(ID)
    channel_id: Mapped[str | None] = mapped_column(ID)
    message_id: Mapped[str | None] = mapped_column(ID)
    at: Mapped[datetime]
    text: Mapped[str | None] = mapped_column(Text)
    length: Mapped[int] = mapped_column(Integer, default=0)
    target_member_id: Mapped[str | None] = mapped_column(ID)
    thread_id: Mapped[str | None] = mapped_column(ID)
    points: Mapped[int] = mapped_column(Integer, default=0)
    amount: Mapped[float] = mapped_column(Float, default=0.0)
    deleted: Mapped[bool] = mapped_column(Boolean, default=False)


class LedgerEntry(Base):
    """Append-only points ledger; balances and totals are derived from it."""

    __tablename__ = "ledger"
    __table_args__ = (
        UniqueConstraint("community_id", "member_id", "source_key", "reason",
                         name="uq_ledger_source"),
        Index("ix_ledger_member", "community_id", "member_id", "at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    community_id: Mapped[str] = mapped_column(ID)
    member_id: Mapped[str] = mapped_column(ID)
    delta: Mapped[int] = mapped_column(Integer)
    lifetime_delta: Mapped[int] = mapped_column(Integer, default=0)
    category: Mapped[str] = mapped_column(String(32), default="activity")
    reason: Mapped[str] = mapped_column(String(64))
    source_key: Mapped[str] = mapped_column(String(200))
    actor_id: Mapped[str | None] = mapped_column(ID)
    note: Mapped[str | None] = mapped_column(String(500))
    at: Mapped[datetime]


class MemberStats(Base):
    """Counters and totals per member, kept in step with the ledger by the batch writer."""

    __tablename__ = "member_stats"

    community_id: Mapped[str] = mapped_column(ID, primary_key=True)
    member_id: Mapped[str] = mapped_column(ID, primary_key=True)
    lifetime: Mapped[int] = mapped_column(BigId, default=0)
    balance: Mapped[int] = mapped_column(BigId, default=0)
    messages: Mapped[int] = mapped_column(Integer, default=0)
    replies_sent: Mapped[int] = mapped_column(Integer, default=0)
    replies_received: Mapped[int] = mapped_column(Integer, default=0)
    reactions_given: Mapped[int] = mapped_column(Integer, default=0)
    reactions_received: Mapped[int] = mapped_column(Integer, default=0)
    threads_started: Mapped[int] = mapped_column(Integer, default=0)
    voice_minutes: Mapped[float] = mapped_column(Float, default=0.0)
    helpful: Mapped[int] = mapped_column(Integer, default=0)
    active_days: Mapped[int] = mapped_column(Integer, default=0)
    streak: Mapped[int] = mapped_column(Integer, default=0)
    best_streak: Mapped[int] = mapped_column(Integer, default=0)
    last_active_day: Mapped[str | None] = mapped_column(String(10))
    stage: Mapped[str] = mapped_column(String(16), default="newcomer")
    level: Mapped[int] = mapped_column(Integer, default=0)
    first_seen: Mapped[datetime | None]
    last_seen: Mapped[datetime | None]
    state: Mapped[dict[str, Any] | None]


class BadgeAward(Base):
    __tablename__ = "badge_awards"
    __table_args__ = (
        UniqueConstraint("community_id", "member_id", "badge_id", name="uq_badge_award"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    community_id: Mapped[str] = mapped_column(ID)
    member_id: Mapped[str] = mapped_column(ID)
    badge_id: Mapped[str] = mapped_column(String(64))
    awarded_at: Mapped[datetime]


class AuditEntry(Base):
    """Every automatic and human action: who/what, why, when, and an evidence hash."""

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_community_at", "community_id", "at"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    community_id: Mapped[str] = mapped_column(ID)
    at: Mapped[datetime]
    actor_id: Mapped[str] = mapped_column(ID)
    action: Mapped[str] = mapped_column(String(64))
    target_id: Mapped[str | None] = mapped_column(ID)
    reason: Mapped[str] = mapped_column(String(500), default="")
    evidence_hash: Mapped[str | None] = mapped_column(String(64))
    details: Mapped[dict[str, Any] | None]


class ScheduledItem(Base):
    """Anything due later: reminders, SLA timers, wake-up steps, digests, strike expiry.

    Rows, not in-memory jobs, so restarts lose nothing and memory stays flat; a sweeper
    claims due rows (SKIP LOCKED on PostgreSQL) and marks them done, retried or failed.
    """

    __tablename__ = "scheduled_items"
    __table_args__ = (Index("ix_scheduled_due", "status", "due_at"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    community_id: Mapped[str | None] = mapped_column(ID)
    kind: Mapped[str] = mapped_column(String(32))
    due_at: Mapped[datetime]
    payload: Mapped[dict[str, Any] | None]
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    idempotency_key: Mapped[str | None] = mapped_column(String(200), unique=True)
    recurrence: Mapped[str | None] = mapped_column(String(100))
    timezone: Mapped[str | None] = mapped_column(String(64))
    missed_policy: Mapped[str] = mapped_column(String(16), default="once")
    owner_id: Mapped[str | None] = mapped_column(ID)
    claimed_by: Mapped[str | None] = mapped_column(String(100))
    claimed_at: Mapped[datetime | None]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


def _load_feature_models() -> None:
    """Feature tables live in ``bot/storage/models_<feature>.py``; import them all so the
    metadata (and therefore Alembic and the drift test) sees every table."""
    import importlib
    import pkgutil

    import bot.storage as package

    for info in pkgutil.iter_modules(package.__path__):
        if info.name.startswith("models_"):
            importlib.import_module(f"bot.storage.{info.name}")


_load_feature_models()
