"""Growth tables: teams, the points shop, helpful marks, post quality and dynamic stages.

Per-member totals live in ``member_stats`` (and the ``ledger``); these tables hold what the
growth commands and scheduled jobs need beyond that. Keys are natural ``(community_id, …)``
strings like the core tables, so handlers write without surrogate-id lookups.

Race safety is in the schema where it can be: a member is in at most one team (primary key),
a team name is unique per community by its comparison key, a moderator marks a message
helpful once (primary key), and shop stock is a counter updated conditionally
(``sold < stock``) inside the buyer's transaction.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    Float,
    ForeignKeyConstraint,
    Index,
    Integer,
    String,
)
from sqlalchemy.orm import Mapped, mapped_column

from bot.storage.models import ID, Base, BigId

TEAM_KEY = String(100)
ITEM_ID = String(48)


class Team(Base):
    """A team of one community; ``team_key`` is ``domain.growth.teams.team_name_key(name)``
    so "Tree Huggers" and "tree  huggers" cannot both exist."""

    __tablename__ = "teams"

    community_id: Mapped[str] = mapped_column(ID, primary_key=True)
    team_key: Mapped[str] = mapped_column(TEAM_KEY, primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    created_by: Mapped[str] = mapped_column(ID)
    created_at: Mapped[datetime]


class TeamMember(Base):
    """Membership: the primary key makes "one team per member" a database rule."""

    __tablename__ = "team_members"
    __table_args__ = (
        ForeignKeyConstraint(["community_id", "team_key"],
                             ["teams.community_id", "teams.team_key"], ondelete="CASCADE"),
        Index("ix_team_members_team", "community_id", "team_key"),
    )

    community_id: Mapped[str] = mapped_column(ID, primary_key=True)
    member_id: Mapped[str] = mapped_column(ID, primary_key=True)
    team_key: Mapped[str] = mapped_column(TEAM_KEY)
    joined_at: Mapped[datetime]


class ShopStock(Base):
    """Units sold per item; the configured ``stock`` is the limit (config can change it)."""

    __tablename__ = "shop_stock"

    community_id: Mapped[str] = mapped_column(ID, primary_key=True)
    item_id: Mapped[str] = mapped_column(ITEM_ID, primary_key=True)
    sold: Mapped[int] = mapped_column(Integer, default=0)


class ShopPurchase(Base):
    """One purchase; ``detail`` holds what the buyer chose (e.g. the custom title text)."""

    __tablename__ = "shop_purchases"
    __table_args__ = (
        Index("ix_shop_purchases_member", "community_id", "member_id", "item_id"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    community_id: Mapped[str] = mapped_column(ID)
    member_id: Mapped[str] = mapped_column(ID)
    item_id: Mapped[str] = mapped_column(ITEM_ID)
    price: Mapped[int] = mapped_column(Integer)
    detail: Mapped[str | None] = mapped_column(String(200))
    at: Mapped[datetime]


class PostQuality(Base):
    """Content quality score of a post (for highlights and digests)."""

    __tablename__ = "post_quality"
    __table_args__ = (
        Index("ix_post_quality_score", "community_id", "computed_at", "score"),
    )

    community_id: Mapped[str] = mapped_column(ID, primary_key=True)
    message_id: Mapped[str] = mapped_column(ID, primary_key=True)
    member_id: Mapped[str] = mapped_column(ID)
    score: Mapped[float] = mapped_column(Float)
    interactions: Mapped[int] = mapped_column(Integer, default=0)
    components: Mapped[dict[str, Any] | None]
    computed_at: Mapped[datetime]


class HelpfulMark(Base):
    """A moderator marked a message as a helpful answer: once per message and marker."""

    __tablename__ = "helpful_marks"

    community_id: Mapped[str] = mapped_column(ID, primary_key=True)
    message_id: Mapped[str] = mapped_column(ID, primary_key=True)
    marked_by: Mapped[str] = mapped_column(ID, primary_key=True)
    author_id: Mapped[str] = mapped_column(ID)
    at: Mapped[datetime]


class DynamicStage(Base):
    """The last ranking snapshot for dynamic (top-X %) stages: one row per member in a top
    group. Replaced as a whole by ``bot.growth.dynamic.recompute_dynamic_stages``."""

    __tablename__ = "dynamic_stages"

    community_id: Mapped[str] = mapped_column(ID, primary_key=True)
    member_id: Mapped[str] = mapped_column(ID, primary_key=True)
    stage: Mapped[str] = mapped_column(String(16))
    computed_at: Mapped[datetime]
