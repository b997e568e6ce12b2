"""Safety tables: review queue (cases), strikes, appeals, the learnable spam model, crises.

Imported automatically by :mod:`bot.storage.models`, so Alembic and the drift test see them.
Every row carries ``community_id`` and every query filters on it: a moderator of one
community can never read or decide another community's cases.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from bot.storage.models import ID, Base, BigId


class ReviewItem(Base):
    """One case: a held message waiting for a human, an automatic strike, or an appeal.

    ``rules``/``scores`` are the line-1 evidence, ``history`` the member's record when the
    case opened (active strikes, tenure, stage). ``status`` is open → claimed → decided, or
    escalated when line 3 was paged; ``kind`` is ``review`` or ``appeal`` (then ``case_id``
    is the appealed case).
    """

    __tablename__ = "review_items"
    __table_args__ = (
        UniqueConstraint("community_id", "kind", "message_id", name="uq_review_items_message"),
        Index("ix_review_items_queue", "community_id", "status", "created_at"),
        Index("ix_review_items_member", "community_id", "member_id"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    community_id: Mapped[str] = mapped_column(ID)
    kind: Mapped[str] = mapped_column(String(16), default="review")
    member_id: Mapped[str] = mapped_column(ID)
    member_name: Mapped[str] = mapped_column(String(200), default="")
    channel_id: Mapped[str | None] = mapped_column(ID)
    message_id: Mapped[str | None] = mapped_column(ID)
    text: Mapped[str | None] = mapped_column(Text)
    rules: Mapped[list[Any] | None] = mapped_column(JSON)
    scores: Mapped[dict[str, Any] | None]
    history: Mapped[dict[str, Any] | None]
    action_taken: Mapped[str] = mapped_column(String(32), default="")
    message_deleted: Mapped[bool] = mapped_column(Boolean, default=False)
    private: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(16), default="open")
    claimed_by: Mapped[str | None] = mapped_column(ID)
    claimed_at: Mapped[datetime | None]
    decision: Mapped[str | None] = mapped_column(String(16))
    decided_by: Mapped[str | None] = mapped_column(ID)
    reason: Mapped[str] = mapped_column(String(500), default="")
    decided_at: Mapped[datetime | None]
    escalation_level: Mapped[int] = mapped_column(Integer, default=0)
    escalated_at: Mapped[datetime | None]
    case_id: Mapped[int | None] = mapped_column(BigId)
    created_at: Mapped[datetime]


class StrikeRecord(Base):
    """A strike; active while ``issued_at <= now < expires_at`` and not pardoned."""

    __tablename__ = "strikes"
    __table_args__ = (Index("ix_strikes_member", "community_id", "member_id", "expires_at"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    community_id: Mapped[str] = mapped_column(ID)
    member_id: Mapped[str] = mapped_column(ID)
    reason: Mapped[str] = mapped_column(String(500), default="")
    case_id: Mapped[int | None] = mapped_column(BigId)
    issued_by: Mapped[str] = mapped_column(ID)
    issued_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    pardoned: Mapped[bool] = mapped_column(Boolean, default=False)
    pardoned_by: Mapped[str | None] = mapped_column(ID)
    pardoned_at: Mapped[datetime | None]


class Appeal(Base):
    """A member's appeal against a case; at most one per case and member."""

    __tablename__ = "appeals"
    __table_args__ = (
        UniqueConstraint("community_id", "case_id", "member_id", name="uq_appeals_case_member"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    community_id: Mapped[str] = mapped_column(ID)
    member_id: Mapped[str] = mapped_column(ID)
    case_id: Mapped[int] = mapped_column(BigId)
    review_item_id: Mapped[int | None] = mapped_column(BigId)
    text: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="open")
    outcome: Mapped[str | None] = mapped_column(String(16))
    reason: Mapped[str] = mapped_column(String(500), default="")
    decided_by: Mapped[str | None] = mapped_column(ID)
    created_at: Mapped[datetime]
    decided_at: Mapped[datetime | None]


class SpamModelRow(Base):
    """A trained spam model (``SpamClassifier.to_bytes``); ``community_id`` NULL is global."""

    __tablename__ = "spam_models"
    __table_args__ = (
        UniqueConstraint("community_id", "version", name="uq_spam_models_version"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    community_id: Mapped[str | None] = mapped_column(ID)
    version: Mapped[int] = mapped_column(Integer)
    fingerprint: Mapped[str] = mapped_column(String(64))
    blob: Mapped[bytes] = mapped_column(LargeBinary)
    metrics: Mapped[dict[str, Any] | None]
    created_at: Mapped[datetime]


class SpamExample(Base):
    """A moderator's spam / not-spam verdict on a message: training data for the model."""

    __tablename__ = "spam_examples"
    __table_args__ = (Index("ix_spam_examples_community", "community_id", "id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    community_id: Mapped[str] = mapped_column(ID)
    text: Mapped[str] = mapped_column(Text)
    label: Mapped[str] = mapped_column(String(8))
    source_item_id: Mapped[int | None] = mapped_column(BigId)
    actor_id: Mapped[str | None] = mapped_column(ID)
    at: Mapped[datetime]


class Crisis(Base):
    __tablename__ = "crises"
    __table_args__ = (Index("ix_crises_community", "community_id", "status"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    community_id: Mapped[str] = mapped_column(ID)
    title: Mapped[str] = mapped_column(String(200))
    opened_by: Mapped[str] = mapped_column(ID)
    status: Mapped[str] = mapped_column(String(16), default="open")
    opened_at: Mapped[datetime]
    closed_by: Mapped[str | None] = mapped_column(ID)
    closed_at: Mapped[datetime | None]


class CrisisStep(Base):
    __tablename__ = "crisis_steps"
    __table_args__ = (UniqueConstraint("crisis_id", "name", name="uq_crisis_steps_name"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    crisis_id: Mapped[int] = mapped_column(BigId, ForeignKey("crises.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(32))
    due_at: Mapped[datetime]
    done_at: Mapped[datetime | None]
    done_by: Mapped[str | None] = mapped_column(ID)


class CrisisUpdate(Base):
    """A status update posted during a crisis (the crisis log)."""

    __tablename__ = "crisis_updates"
    __table_args__ = (Index("ix_crisis_updates_crisis", "crisis_id", "at"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    crisis_id: Mapped[int] = mapped_column(BigId, ForeignKey("crises.id", ondelete="CASCADE"))
    author_id: Mapped[str] = mapped_column(ID)
    text: Mapped[str] = mapped_column(Text)
    at: Mapped[datetime]


class Postmortem(Base):
    """5-Why answers and improvement actions (with owners) of a closed crisis."""

    __tablename__ = "postmortems"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    crisis_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("crises.id", ondelete="CASCADE"), unique=True
    )
    author_id: Mapped[str] = mapped_column(ID)
    whys: Mapped[list[Any]] = mapped_column(JSON)
    actions: Mapped[list[Any]] = mapped_column(JSON)
    created_at: Mapped[datetime]
