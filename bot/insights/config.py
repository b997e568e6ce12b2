"""The ``[insights]`` section: segments, churn warning, experiments, payouts, the report.

Every value has a default that works for a community of a few hundred members and can be
overridden per community. Validators say what is wrong and how to fix it (payout weights
must sum to 1, dormant must come before churned, experiment arms must be distinct …).
"""

from __future__ import annotations

import math

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from domain.insights.abtest import ARM_RE, MAX_ARMS, NAME_RE
from domain.insights.rfm import RfmRules


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _check_cron(value: str) -> str:
    from bot.scheduler.recurrence import normalise

    try:
        normalise(value)
    except ValueError as exc:
        raise ValueError(str(exc)) from None
    return value


class RfmSettings(_Model):
    """RFM segmentation (recency, frequency, monetary value)."""

    frequency_days: int = Field(30, ge=1, le=365, description="Frequency = active days in "
                                "this many days before the snapshot.")
    value_days: int = Field(30, ge=1, le=365, description="Monetary value = points earned "
                            "(+ helpful answers, content quality) in this many days.")
    dormant_after_days: float = Field(14, gt=0, description="No meaningful activity for this "
                                      "long: dormant.")
    churned_after_days: float = Field(30, gt=0, description="No meaningful activity for this "
                                      "long (or left the community): churned.")
    bins: int = Field(5, ge=2, le=10, description="Quantile scores run 1..bins.")
    high_value_min_score: int = Field(4, ge=1, le=10, description="High value: frequency and "
                                      "value scores both at least this (and not dormant).")
    helpful_value: float = Field(50, ge=0, description="Value of one helpful answer mark, in "
                                 "points.")
    quality_value: float = Field(10, ge=0, description="Value of a post's quality score "
                                 "(0..1), in points per post.")
    recompute_cron: str = Field("0 4 * * *", description="When segments are recomputed "
                                "(cron, community time zone).")
    keep_days: int = Field(400, ge=7, le=3650, description="Snapshots older than this are "
                           "deleted at the next recompute (one row per member per snapshot).")

    @field_validator("recompute_cron")
    @classmethod
    def _cron(cls, value: str) -> str:
        return _check_cron(value)

    @model_validator(mode="after")
    def _order(self) -> RfmSettings:
        if self.dormant_after_days >= self.churned_after_days:
            raise ValueError(f"dormant_after_days ({self.dormant_after_days}) must be less than "
                             f"churned_after_days ({self.churned_after_days})")
        if self.high_value_min_score > self.bins:
            raise ValueError(f"high_value_min_score ({self.high_value_min_score}) cannot exceed "
                             f"bins ({self.bins})")
        return self

    def rules(self) -> RfmRules:
        return RfmRules(self.bins, float(self.dormant_after_days),
                        float(self.churned_after_days), self.high_value_min_score)


class ChurnSettings(_Model):
    """The churn warning model (gradient boosting per community, time-split evaluation)."""

    horizon_days: float = Field(7, gt=0, le=180, description="Label: no meaningful activity "
                                "in the next this many days.")
    step_days: float = Field(3, gt=0, le=60, description="Days between training snapshots.")
    min_history_days: float = Field(14, ge=0, le=365, description="History a snapshot needs "
                                    "before it (the first cutoff comes this long after the "
                                    "first activity).")
    active_within_days: float = Field(14, gt=0, le=365, description="Members predicted for: "
                                      "active within this many days before the cutoff "
                                      "(longer-silent members are dormant: the wake-up "
                                      "journeys' business, not a warning).")
    history_days: int = Field(180, ge=30, le=3650, description="Activity older than this is "
                              "not loaded (bounds memory and time).")
    min_members: int = Field(30, ge=2, description="Fewer members in the test snapshot: "
                             "'not enough data'.")
    min_each_class: int = Field(5, ge=1, description="Churned and staying members needed in "
                                "both training and test data.")
    warning_hours: int = Field(72, ge=1, le=24 * 30, description="The warning list is for the "
                               "team to act within this many hours; it is recomputed as often.")
    risk_threshold: float = Field(0.5, gt=0, lt=1, description="Members with a predicted risk "
                                  "at least this are on the warning list.")
    list_size: int = Field(20, ge=1, le=500, description="Members on the warning list at most.")
    top_reasons: int = Field(3, ge=1, le=10, description="Reasons shown per member.")
    learning_rate: float = Field(0.1, gt=0, le=1, description="Gradient boosting learning rate.")
    max_iter: int = Field(100, ge=10, le=2000, description="Boosting iterations.")
    max_leaf_nodes: int = Field(8, ge=2, le=255, description="Leaves per tree.")
    min_samples_leaf: int = Field(40, ge=1, le=10_000, description="Members per leaf at least "
                                  "(larger: smoother, less overfitting on small communities).")
    seed: int = Field(0, ge=0, description="Random seed (training is deterministic).")
    recompute_cron: str = Field("30 4 * * *", description="When the model is retrained and the "
                                "warning list rebuilt (cron, community time zone).")

    @field_validator("recompute_cron")
    @classmethod
    def _cron(cls, value: str) -> str:
        return _check_cron(value)


class ExperimentDefinition(_Model):
    """An experiment defined in the config (started when the bot starts)."""

    name: str = Field(description="Lowercase name: letters, digits, _ . -")
    arms: list[str] = Field(description="At least two arm names; the first is the control.")
    weights: list[float] | None = Field(None, description="Share of members per arm "
                                        "(default: equal).")
    window_hours: float = Field(4, gt=0, le=24 * 30, description="Outcome: the member acts "
                                "within this many hours of the nudge.")
    days: float | None = Field(None, gt=0, le=365, description="Stop after this many days "
                               "(default: run until stopped).")

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        if not NAME_RE.match(value):
            raise ValueError(f"{value!r} is not a valid experiment name; use lowercase letters, "
                             "digits and _ . - (at most 48), e.g. \"wakeup-copy\"")
        return value

    @field_validator("arms")
    @classmethod
    def _arms(cls, value: list[str]) -> list[str]:
        if len(value) < 2:
            raise ValueError(f"an experiment needs at least two arms (a control and a variant), "
                             f"got {value!r}")
        if len(value) > MAX_ARMS:
            raise ValueError(f"at most {MAX_ARMS} arms, got {len(value)}")
        bad = [a for a in value if not ARM_RE.match(a)]
        if bad:
            raise ValueError(f"arm {bad[0]!r} is not valid; use lowercase letters, digits, _ -")
        if len(set(value)) != len(value):
            raise ValueError(f"arm names must be distinct, got {value!r}")
        return value

    @model_validator(mode="after")
    def _weights(self) -> ExperimentDefinition:
        if self.weights is not None and (
                len(self.weights) != len(self.arms)
                or any(not math.isfinite(w) or w <= 0 for w in self.weights)):
            raise ValueError(f"weights must be {len(self.arms)} positive numbers, one per arm, "
                             f"got {self.weights!r}")
        return self


class ExperimentSettings(_Model):
    """A/B tests of nudges."""

    max_per_day: int = Field(5, ge=1, le=100, description="Experiments that may run on one day "
                             "(seed: at most 5 a day); starting one more is refused.")
    default_window_hours: float = Field(4, gt=0, le=24 * 30, description="Outcome window when "
                                        "none is given (seed: results within 4 hours).")
    nudge_window_hours: float = Field(72, gt=0, le=24 * 30, description="Outcome window for "
                                      "experiments found in the wake-up journeys' nudge log.")
    min_per_arm: int = Field(30, ge=2, description="Exposed members every arm needs before a "
                             "result is reported.")
    alpha: float = Field(0.05, gt=0, lt=0.5, description="Significance level (two-sided, "
                         "Bonferroni-adjusted for several arms).")
    definitions: list[ExperimentDefinition] = Field(default_factory=list,
                                                    description="Experiments from the config.")

    @field_validator("definitions")
    @classmethod
    def _unique(cls, value: list[ExperimentDefinition]) -> list[ExperimentDefinition]:
        names = [d.name for d in value]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise ValueError(f"experiment {dupes[0]!r} is defined twice")
        return value


class PayoutSettings(_Model):
    """Value sharing: how a reward pool is split (weights must sum to 1).

    contribution = points earned in the period; cost = hours the member gave (distinct hours
    with activity plus voice time); partner = distinct members they talked with (replies
    either way) plus helpful answers marked by moderators.
    """

    contribution: float = Field(0.4, ge=0, le=1, description="Weight of points earned.")
    cost: float = Field(0.3, ge=0, le=1, description="Weight of time given (active hours + "
                        "voice hours).")
    partner: float = Field(0.3, ge=0, le=1, description="Weight of partners helped (distinct "
                           "reply partners + helpful answers).")
    currency: str = Field("USD", min_length=1, max_length=8, description="Currency label in "
                          "the CSV.")
    exclude_reasons: list[str] = Field(
        default_factory=lambda: ["payout", "mee6_import", "admin_grant"],
        description="Ledger reasons that are not contribution (imports, grants, payouts).")

    @model_validator(mode="after")
    def _sum(self) -> PayoutSettings:
        total = self.contribution + self.cost + self.partner
        if abs(total - 1.0) > 1e-9:
            raise ValueError(f"contribution + cost + partner must sum to 1, got {total:g} "
                             f"({self.contribution} + {self.cost} + {self.partner})")
        return self

    def weights(self) -> dict[str, float]:
        return {"contribution": self.contribution, "cost": self.cost, "partner": self.partner}


class ReportSettings(_Model):
    """The community report (``hearth report``)."""

    graph_members: int = Field(30, ge=2, le=300, description="Most connected members drawn in "
                               "the reply graph.")
    risk_list: int = Field(20, ge=1, le=500, description="Members in the churn risk table.")
    days: int = Field(90, ge=7, le=3650, description="Days of history the report covers.")
    dpi: int = Field(100, ge=50, le=300, description="Resolution of the PNG charts.")


class InsightsSettings(_Model):
    """Insights: RFM segments, churn warning, A/B tests of nudges, payouts and the report."""

    enabled: bool = Field(True, description="Master switch for /segments, /churn, "
                          "/experiment(s) and the scheduled recomputes.")
    rfm: RfmSettings = Field(default_factory=RfmSettings)
    churn: ChurnSettings = Field(default_factory=ChurnSettings)
    experiments: ExperimentSettings = Field(default_factory=ExperimentSettings)
    payout: PayoutSettings = Field(default_factory=PayoutSettings)
    report: ReportSettings = Field(default_factory=ReportSettings)
