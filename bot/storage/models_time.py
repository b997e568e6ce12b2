"""Time tables: nudges sent on wake-up journeys, digest subscriptions, and the index that
makes "my reminders" cheap.

``nudges`` is an experiment log as much as a send log: every step of a wake-up journey gets a
row — also in the control arm, where nothing is sent (``delivered`` false) — with the
experiment name, the arm and the variant, so insights can compare return rates between arms
(``returned_at`` is filled in when the member is active again after the nudge). The unique key
(community, member, journey start, stage) makes a re-run step a no-op.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from bot.storage.models import ID, Base, BigId, ScheduledItem


class Nudge(Base):
    """One step of a wake-up journey for one member (sent, or recorded for the control arm).

    ``silent_since`` is the member's last activity before the journey (it identifies the
    journey: the same member silent again later starts a new one). ``stage`` is ``reminder``
    (growth reminder), ``perk``, ``social`` or ``recall``/``digest`` (stage 3).
    """

    __tablename__ = "nudges"
    __table_args__ = (
        UniqueConstraint("community_id", "member_id", "silent_since", "stage",
                         name="uq_nudges_step"),
        Index("ix_nudges_member", "community_id", "member_id", "sent_at"),
        Index("ix_nudges_open", "community_id", "returned_at", "sent_at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    community_id: Mapped[str] = mapped_column(ID)
    member_id: Mapped[str] = mapped_column(ID)
    silent_since: Mapped[datetime]
    stage: Mapped[str] = mapped_column(String(16))
    step: Mapped[int] = mapped_column(Integer, default=0)
    experiment: Mapped[str] = mapped_column(String(64))
    arm: Mapped[str] = mapped_column(String(32))
    variant: Mapped[str] = mapped_column(String(32))
    channel: Mapped[str] = mapped_column(String(16))  # dm | team | none
    delivered: Mapped[bool] = mapped_column(Boolean, default=True)
    sent_at: Mapped[datetime]
    returned_at: Mapped[datetime | None]
    bonus_points: Mapped[int] = mapped_column(Integer, default=0)
    bonus_paid: Mapped[bool] = mapped_column(Boolean, default=False)
    details: Mapped[dict[str, Any] | None]


class DigestSubscription(Base):
    """Members who asked for the weekly digest by DM (``/digest on``)."""

    __tablename__ = "digest_subscriptions"

    community_id: Mapped[str] = mapped_column(ID, primary_key=True)
    member_id: Mapped[str] = mapped_column(ID, primary_key=True)
    created_at: Mapped[datetime]


# "/reminders", per-member limits and "/announce list" filter scheduled items by community,
# owner and status; without this index each is a scan of every pending item.
SCHEDULED_OWNER_INDEX = Index(
    "ix_scheduled_owner",
    ScheduledItem.__table__.c.community_id,
    ScheduledItem.__table__.c.owner_id,
    ScheduledItem.__table__.c.status,
)
