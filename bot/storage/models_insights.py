"""Insights tables: RFM segment snapshots, churn runs and scores, experiments, payouts.

Imported automatically by :mod:`bot.storage.models`. Keys are natural strings like the
core tables. Snapshots are append-only (one row per member and recompute), so segment sizes
over time and segment changes are plain queries; experiment exposures are keyed by
(community, experiment, member) because assignment is stable: a member is exposed once per
experiment and later nudges of the same member do not count twice. Payout rows are keyed by
(community, period, member), which makes a payout idempotent per period in the schema.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    Float,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from bot.storage.models import ID, Base, BigId

NAME = String(64)


class SegmentSnapshot(Base):
    """A member's RFM scores and segment at one recompute."""

    __tablename__ = "segment_snapshots"
    __table_args__ = (
        UniqueConstraint("community_id", "computed_at", "member_id",
                         name="uq_segment_snapshots_member"),
        Index("ix_segment_snapshots_member", "community_id", "member_id", "computed_at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    community_id: Mapped[str] = mapped_column(ID)
    member_id: Mapped[str] = mapped_column(ID)
    segment: Mapped[str] = mapped_column(String(16))
    r_score: Mapped[int] = mapped_column(Integer)
    f_score: Mapped[int] = mapped_column(Integer)
    m_score: Mapped[int] = mapped_column(Integer)
    recency_days: Mapped[float] = mapped_column(Float)
    frequency: Mapped[float] = mapped_column(Float)
    monetary: Mapped[float] = mapped_column(Float)
    computed_at: Mapped[datetime]


class ChurnRun(Base):
    """One training of a community's churn model (or the reason none was trained)."""

    __tablename__ = "churn_runs"
    __table_args__ = (Index("ix_churn_runs_community", "community_id", "computed_at"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    community_id: Mapped[str] = mapped_column(ID)
    computed_at: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(16))  # ok | not_enough_data
    auc: Mapped[float | None] = mapped_column(Float)
    baseline_auc: Mapped[float | None] = mapped_column(Float)
    horizon_days: Mapped[float] = mapped_column(Float)
    details: Mapped[dict[str, Any] | None]


class ChurnScore(Base):
    """A member on a run's warning list: risk and top reasons (feature, value, typical)."""

    __tablename__ = "churn_scores"

    run_id: Mapped[int] = mapped_column(BigId, ForeignKey("churn_runs.id", ondelete="CASCADE"),
                                        primary_key=True)
    member_id: Mapped[str] = mapped_column(ID, primary_key=True)
    community_id: Mapped[str] = mapped_column(ID)
    risk: Mapped[float] = mapped_column(Float)
    reasons: Mapped[dict[str, Any] | None]


class Experiment(Base):
    """An A/B test of nudges: arms, outcome window, and when it ran."""

    __tablename__ = "experiments"

    community_id: Mapped[str] = mapped_column(ID, primary_key=True)
    name: Mapped[str] = mapped_column(NAME, primary_key=True)
    arms: Mapped[dict[str, Any]]  # {"arms": [...], "weights": [...] | null}
    window_minutes: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16), default="running")  # running | stopped
    source: Mapped[str] = mapped_column(String(16), default="command")  # command | config
    created_by: Mapped[str | None] = mapped_column(ID)
    started_at: Mapped[datetime]
    ends_at: Mapped[datetime | None]
    stopped_at: Mapped[datetime | None]


class ExperimentExposure(Base):
    """A member's (stable) arm and when they were first exposed to it."""

    __tablename__ = "experiment_exposures"
    __table_args__ = (Index("ix_experiment_exposures_at", "community_id", "experiment",
                            "exposed_at"),)

    community_id: Mapped[str] = mapped_column(ID, primary_key=True)
    experiment: Mapped[str] = mapped_column(NAME, primary_key=True)
    member_id: Mapped[str] = mapped_column(ID, primary_key=True)
    arm: Mapped[str] = mapped_column(String(32))
    exposed_at: Mapped[datetime]
    source: Mapped[str] = mapped_column(String(32), default="hearth")


class ExperimentOutcome(Base):
    """An explicit conversion reported by the source of the exposure (e.g. a clicked offer).
    Returns are also read from the activity table, so sources need not report them."""

    __tablename__ = "experiment_outcomes"

    community_id: Mapped[str] = mapped_column(ID, primary_key=True)
    experiment: Mapped[str] = mapped_column(NAME, primary_key=True)
    member_id: Mapped[str] = mapped_column(ID, primary_key=True)
    converted_at: Mapped[datetime]
    kind: Mapped[str] = mapped_column(String(32), default="returned")


class PayoutRun(Base):
    """One split of a reward pool for one period (a period is paid out once)."""

    __tablename__ = "payout_runs"

    community_id: Mapped[str] = mapped_column(ID, primary_key=True)
    period: Mapped[str] = mapped_column(String(16), primary_key=True)  # 2026-02, 2026-W06 …
    pool_cents: Mapped[int] = mapped_column(BigId)
    currency: Mapped[str] = mapped_column(String(8))
    weights: Mapped[dict[str, Any]]
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    members: Mapped[int] = mapped_column(Integer)
    created_by: Mapped[str | None] = mapped_column(ID)
    created_at: Mapped[datetime]


class Payout(Base):
    """One member's part of a payout run, with the component values it came from."""

    __tablename__ = "payouts"
    __table_args__ = (
        ForeignKeyConstraint(["community_id", "period"],
                             ["payout_runs.community_id", "payout_runs.period"],
                             ondelete="CASCADE"),
        Index("ix_payouts_member", "community_id", "member_id"),
    )

    community_id: Mapped[str] = mapped_column(ID, primary_key=True)
    period: Mapped[str] = mapped_column(String(16), primary_key=True)
    member_id: Mapped[str] = mapped_column(ID, primary_key=True)
    cents: Mapped[int] = mapped_column(BigId)
    share: Mapped[float] = mapped_column(Float)
    components: Mapped[dict[str, Any]]
