"""Feelings tables: one sentiment score per message, and private support cases.

Imported automatically by :mod:`bot.storage.models`, so Alembic and the drift test see them.

Privacy: neither table holds message text. A score row says how a message felt (label,
confidence, which model); a support case holds ids and times, so the people who may see it
(the support role) follow the link to read the message on the platform itself.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Float, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from bot.storage.models import ID, Base, BigId


class MessageScore(Base):
    """The sentiment of one message as a scorer saw it.

    ``backend``/``model_version`` keep scores of different models apart; ``backpressure``
    marks a message scored by the lexicon (and patterns only, for distress) because the
    model queue was full. One row per message: replays change nothing.
    """

    __tablename__ = "message_scores"
    __table_args__ = (
        UniqueConstraint("community_id", "message_id", name="uq_message_scores_message"),
        Index("ix_message_scores_member", "community_id", "member_id", "at"),
        Index("ix_message_scores_channel", "community_id", "channel_id", "at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    community_id: Mapped[str] = mapped_column(ID)
    message_id: Mapped[str] = mapped_column(ID)
    member_id: Mapped[str] = mapped_column(ID)
    channel_id: Mapped[str] = mapped_column(ID)
    label: Mapped[str] = mapped_column(String(3))
    confidence: Mapped[float] = mapped_column(Float)
    lang: Mapped[str] = mapped_column(String(8))
    backend: Mapped[str] = mapped_column(String(32))
    model_version: Mapped[str] = mapped_column(String(200))
    backpressure: Mapped[bool] = mapped_column(Boolean, default=False)
    at: Mapped[datetime]


class SupportCase(Base):
    """A member who may be in distress, and the humans' response to it.

    ``active_member_id`` equals ``member_id`` while the case is open or acknowledged and is
    NULL once closed: the unique constraint on it lets at most one active case exist per
    member, enforced by the database even with several processes (NULLs never collide).
    ``signals`` are the detector's reasons (pattern ids, similarity scores), never text.
    ``message_at``/``paged_at`` give the time to page; ``dm_sent_at`` drives the DM cooldown.
    """

    __tablename__ = "support_cases"
    __table_args__ = (
        UniqueConstraint("community_id", "message_id", name="uq_support_cases_message"),
        UniqueConstraint("community_id", "active_member_id", name="uq_support_cases_active"),
        Index("ix_support_cases_status", "community_id", "status", "opened_at"),
        Index("ix_support_cases_member", "community_id", "member_id", "opened_at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    community_id: Mapped[str] = mapped_column(ID)
    member_id: Mapped[str] = mapped_column(ID)
    active_member_id: Mapped[str | None] = mapped_column(ID)
    channel_id: Mapped[str] = mapped_column(ID)
    message_id: Mapped[str] = mapped_column(ID)
    related_message_ids: Mapped[list[Any]] = mapped_column(JSON, default=list)
    source: Mapped[str] = mapped_column(String(16))
    signals: Mapped[list[Any]] = mapped_column(JSON, default=list)
    confidence: Mapped[float] = mapped_column(Float)
    message_at: Mapped[datetime]
    opened_at: Mapped[datetime]
    paged_at: Mapped[datetime | None]
    dm_sent_at: Mapped[datetime | None]
    ack_due_at: Mapped[datetime]
    pages: Mapped[int] = mapped_column(Integer, default=1)
    escalation_level: Mapped[int] = mapped_column(Integer, default=0)
    status: Mapped[str] = mapped_column(String(16), default="open")
    acknowledged_at: Mapped[datetime | None]
    acknowledged_by: Mapped[str | None] = mapped_column(ID)
    closed_at: Mapped[datetime | None]
    closed_by: Mapped[str | None] = mapped_column(ID)
