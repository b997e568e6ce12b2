"""The ``[scheduler]`` section: reminders, announcements, wake-up journeys, digests, triggers.

Why one section: everything here is "something happens at a time" and shares the community's
time zone, quiet hours and frequency caps; each sub-table is tuned by a different person
(members' limits, the growth team's nudges, the editor of the digest, the FAQ keeper's
triggers) but they are one feature. Every value can be overridden per community.

Cron expressions and time zones are checked here, at load, with the scheduler's own rules
(``bot.scheduler.recurrence``), so a typo stops the bot with the file position and a working
example instead of silently never firing. Each sub-model converts itself into the pure values
the handlers and ``domain.schedule`` take (``quiet_hours()``, ``caps()`` …).
"""

from __future__ import annotations

import re
from datetime import time, timedelta
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from domain.schedule import FrequencyCap, QuietHours

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
MissedPolicy = Literal["once", "skip", "all"]
_CLOCK = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")
_RULE_ID = re.compile(r"^[a-z0-9][a-z0-9_-]{0,47}$")


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def parse_clock(value: str) -> time:
    """``"22:00"`` -> ``time(22, 0)``; raises ValueError with an example."""
    match = _CLOCK.match(str(value).strip())
    if not match:
        raise ValueError(f"{value!r} is not a time of day; write HH:MM in 24-hour form, "
                         "e.g. \"22:00\"")
    return time(int(match.group(1)), int(match.group(2)))


def check_timezone(value: str | None) -> str | None:
    if value is None:
        return None
    from bot.scheduler.recurrence import RecurrenceError, zone

    try:
        zone(value)
    except RecurrenceError as exc:
        raise ValueError(str(exc)) from None
    return value


def check_cron(value: str) -> str:
    """Normalise a five-field cron expression (weekday names), or explain what is wrong."""
    from bot.scheduler.recurrence import RecurrenceError, normalise, validate

    try:
        normalised = normalise(value)
    except RecurrenceError as exc:
        raise ValueError(str(exc)) from None
    problem = validate(normalised, None)
    if problem:
        raise ValueError(problem)
    return normalised


class ReminderSettings(_Model):
    """``/remind``: what members may schedule for themselves."""

    enabled: bool = Field(True, description="Members may set reminders with /remind.")
    max_per_member: int = Field(
        10, ge=0, le=10_000, description="Pending reminders a member may have at once, before "
        "stage perks (growth stages' extra_reminder_slots are added on top).")
    max_days_ahead: int = Field(
        365, ge=1, le=3660, description="How far ahead a reminder may be set, in days.")
    max_text_length: int = Field(
        500, ge=10, le=4000, description="Longest reminder text kept (longer text is cut).")
    missed_policy: MissedPolicy = Field(
        "once", description="A reminder due while the bot was down: once = deliver it late, "
        "skip = drop it.")


class QuietHoursSettings(_Model):
    """A daily window in the member's own time zone in which no nudge is sent."""

    start: str = Field("22:00", description="Start of quiet hours (HH:MM, member's time).")
    end: str = Field("08:00", description="End of quiet hours (HH:MM); equal to start = none.")

    @field_validator("start", "end")
    @classmethod
    def _clock(cls, value: str) -> str:
        parse_clock(value)
        return value

    def window(self) -> QuietHours | None:
        start, end = parse_clock(self.start), parse_clock(self.end)
        return None if start == end else QuietHours(start, end)


class CapSettings(_Model):
    """At most ``limit`` nudges to one member in any ``days`` days."""

    limit: int = Field(1, ge=1, le=100, description="Nudges allowed in the window.")
    days: float = Field(3.0, gt=0, le=365, description="Length of the rolling window in days.")

    def cap(self) -> FrequencyCap:
        return FrequencyCap(self.limit, timedelta(days=self.days))


class WakeupSettings(_Model):
    """The growth reminder and the three-stage wake-up journey for silent members."""

    enabled: bool = Field(True, description="Send growth reminders and wake-up nudges.")
    silence_days: int = Field(
        30, ge=1, le=3650, description="Days without activity before a member gets the growth "
        "reminder (progress to their next stage); the journey starts here.")
    stage_gap_days: list[float] = Field(
        default_factory=lambda: [7.0, 7.0, 7.0], min_length=3, max_length=3,
        description="Days to wait after the previous nudge before stage 1 (perk offer), "
        "stage 2 (social nudge) and stage 3 (recall task or tailored digest); each stage is "
        "sent only if the member did not come back after the previous one.")
    scan_cron: str = Field(
        "0 10 * * *", description="When the daily scan for silent members runs (cron, "
        "community time zone).")
    max_per_scan: int = Field(
        500, ge=1, le=100_000, description="Journeys started per scan at most (the rest wait "
        "for the next scan), so a big import never floods members.")
    quiet_hours: QuietHoursSettings = Field(
        default_factory=QuietHoursSettings, description="No nudges in these local hours.")
    caps: list[CapSettings] = Field(
        default_factory=lambda: [CapSettings(limit=1, days=3), CapSettings(limit=4, days=30)],
        description="Frequency caps on nudges to one member; all must hold.")
    max_delay_hours: float = Field(
        48.0, gt=0, le=24 * 30, description="A nudge pushed later than this by caps and quiet "
        "hours is dropped (and the journey ends).")
    perk_bonus_points: int = Field(
        50, ge=0, le=1_000_000, description="Stage 1: bonus points offered for coming back "
        "(credited when the member is active again within perk_valid_days); 0 = mention the "
        "member's stage perks instead.")
    perk_valid_days: float = Field(14.0, gt=0, le=365, description="How long the perk offer "
                                   "stands.")
    social_peers: int = Field(3, ge=1, le=10, description="Stage 2: people named, chosen from "
                              "those the member talked with most (replies both ways).")
    peer_lookback_days: int = Field(180, ge=7, le=3650, description="How far back the reply "
                                    "graph is read for stage 2.")
    stage3: Literal["recall", "digest", "split"] = Field(
        "split", description="Stage 3: recall = a task for the community team to reach out "
        "personally (needs team_channel), digest = a tailored digest DM, split = half each "
        "(an A/B test recorded as the nudge variant).")
    team_channel: str | None = Field(
        None, description="Channel for stage-3 recall tasks, e.g. \"dc:123\". Unset: recall "
        "falls back to the tailored digest.")
    experiment: str = Field(
        "wakeup-v1", min_length=1, max_length=64, description="Experiment name recorded with "
        "every nudge (change it when you change the journey, to compare cohorts).")
    holdout_percent: float = Field(
        10.0, ge=0, le=100, description="Share of journeys in the control arm: recorded but "
        "never sent, so insights can measure the uplift of nudging.")

    @field_validator("scan_cron")
    @classmethod
    def _cron(cls, value: str) -> str:
        return check_cron(value)

    @field_validator("stage_gap_days")
    @classmethod
    def _gaps(cls, value: list[float]) -> list[float]:
        for gap in value:
            if not 0 < gap <= 365:
                raise ValueError(f"stage gaps are days in (0, 365], got {gap!r}")
        return value

    def gaps(self) -> tuple[timedelta, ...]:
        return tuple(timedelta(days=d) for d in self.stage_gap_days)


class DigestSettings(_Model):
    """The weekly community digest."""

    enabled: bool = Field(True, description="Build a weekly digest.")
    weekday: Weekday = Field("mon", description="Day the digest is sent (community time).")
    hour: int = Field(9, ge=0, le=23, description="Hour the digest is sent (community time).")
    channel: str | None = Field(
        None, description="Channel the digest is posted to, e.g. \"dc:123\". Unset: only "
        "members who asked for it (/digest on) get it by DM.")
    dm_subscribers: bool = Field(True, description="Also DM it to members who opted in with "
                                 "/digest on.")
    top_contributors: int = Field(5, ge=1, le=25, description="Contributors listed.")
    highlights: int = Field(3, ge=0, le=10, description="Highlighted posts listed.")
    engagement_weight: float = Field(
        0.6, ge=0, le=1, description="Weight of recent engagement in the highlight ranking; "
        "the content quality score (post_quality) gets the rest (0.4). Without quality "
        "scores posts are ranked by engagement alone.")
    max_dms: int = Field(2000, ge=0, le=1_000_000, description="Subscribers DMed per run.")

    @property
    def cron(self) -> str:
        return f"0 {self.hour} * * {self.weekday}"


class AnnouncementEntry(_Model):
    """A recurring announcement defined in the config (scheduled at start, idempotently)."""

    cron: str = Field(description="When, as cron: minute hour day month weekday, e.g. "
                      "\"0 10 * * mon\" (Mondays 10:00).")
    channel: str = Field(min_length=1, max_length=64, description="Channel to post in.")
    text: str = Field(min_length=1, max_length=2000, description="What to post.")
    timezone: str | None = Field(None, description="Time zone of the cron times (default: "
                                 "the community's).")

    @field_validator("cron")
    @classmethod
    def _cron(cls, value: str) -> str:
        return check_cron(value)

    @field_validator("timezone")
    @classmethod
    def _tz(cls, value: str | None) -> str | None:
        return check_timezone(value)


class WindowSettings(_Model):
    """A weekly time window in the community's time zone (weekday evenings, event hours)."""

    days: list[Weekday] = Field(default_factory=lambda: list(WEEKDAYS),
                                description="Weekdays the window is open.")
    start: str = Field("00:00", description="Opens (HH:MM).")
    end: str = Field("23:59", description="Closes (HH:MM); before start = past midnight.")

    @field_validator("start", "end")
    @classmethod
    def _clock(cls, value: str) -> str:
        parse_clock(value)
        return value


TriggerEvent = Literal["message", "member_joined", "first_post", "stage_up", "unanswered"]


class TriggerRule(_Model):
    """Scene -> content: when the event, topic and time window all match, send the content."""

    id: str = Field(description="Short id (a-z, 0-9, _ -), used for caps and the audit log.")
    event: TriggerEvent = Field(
        "message", description="message | member_joined | first_post (a member's first post "
        "in a channel) | stage_up | unanswered (a question nobody answered in wait_minutes).")
    keywords: list[str] = Field(default_factory=list, description="Topic words; any one "
                                "matches (case-insensitive). Empty: any text.")
    channels: list[str] = Field(default_factory=list, description="Only in these channels. "
                                "Empty: every channel.")
    stages: list[str] = Field(default_factory=list, description="For stage_up: only when "
                              "reaching one of these stages. Empty: any promotion.")
    windows: list[WindowSettings] = Field(default_factory=list, description="Only inside one "
                                          "of these time windows. Empty: any time.")
    content: Literal["faq", "resources", "welcome", "suggest_channel"] = Field(
        "faq", description="Kind of content: faq answer, resource list, welcome guide, "
        "suggested channel.")
    text: str = Field(min_length=1, max_length=2000, description="The content (in the "
                      "community language).")
    text_zh: str | None = Field(None, max_length=2000, description="Chinese version, for "
                                "members using Chinese (optional).")
    text_en: str | None = Field(None, max_length=2000, description="English version "
                                "(optional).")
    suggest_channel: str | None = Field(None, description="The channel suggested "
                                        "(content = suggest_channel).")
    deliver: Literal["reply", "dm", "channel"] = Field(
        "reply", description="reply in the channel, dm the member, or post to channel_id.")
    channel_id: str | None = Field(None, description="Target channel for deliver = channel.")
    wait_minutes: float = Field(30.0, gt=0, le=7 * 24 * 60, description="For unanswered: "
                                "minutes without an answer before the content is sent.")
    member_limit: int = Field(1, ge=1, le=1000, description="Per-member cap: sends of this "
                              "rule to one member …")
    member_window_hours: float = Field(168.0, gt=0, le=24 * 365, description="… per this many "
                                       "hours.")
    channel_limit: int = Field(3, ge=1, le=1000, description="Per-channel cap: sends of this "
                               "rule in one channel …")
    channel_window_minutes: float = Field(60.0, gt=0, le=60 * 24 * 30, description="… per "
                                          "this many minutes.")

    @field_validator("id")
    @classmethod
    def _id(cls, value: str) -> str:
        if not _RULE_ID.match(value):
            raise ValueError(f"trigger id {value!r} must be lower-case letters, digits, _ or -, "
                             "e.g. \"faq-install\"")
        return value

    @field_validator("keywords")
    @classmethod
    def _keywords(cls, value: list[str]) -> list[str]:
        cleaned = [" ".join(k.split()) for k in value]
        if any(not k for k in cleaned):
            raise ValueError("keywords must not be empty strings")
        return cleaned

    @model_validator(mode="after")
    def _consistent(self) -> TriggerRule:
        if self.content == "suggest_channel" and not self.suggest_channel:
            raise ValueError(f"trigger {self.id}: content = \"suggest_channel\" needs "
                             "suggest_channel = \"<channel id>\"")
        if self.deliver == "channel" and not self.channel_id:
            raise ValueError(f"trigger {self.id}: deliver = \"channel\" needs channel_id")
        if self.event == "member_joined" and self.deliver == "reply":
            raise ValueError(f"trigger {self.id}: a join has no message to reply to; use "
                             "deliver = \"dm\" or \"channel\"")
        if self.stages and self.event != "stage_up":
            raise ValueError(f"trigger {self.id}: stages only apply to event = \"stage_up\"")
        if self.event in ("member_joined", "stage_up") and self.keywords:
            raise ValueError(f"trigger {self.id}: keywords need a message; event "
                             f"{self.event!r} has none")
        return self


class SchedulerSettings(_Model):
    """Time-based features; every key may be overridden per community."""

    enabled: bool = Field(True, description="Reminders, announcements, nudges, digests and "
                          "triggers in this community.")
    timezone: str | None = Field(
        None, description="Time zone for announcements, digests and the scan (default: the "
        "community's timezone). Members' own /timezone is used for their reminders and quiet "
        "hours.")
    missed_policy: MissedPolicy = Field(
        "once", description="Recurring items (announcements, digest, scan) missed during "
        "downtime: once = run once late, skip = wait for the next occurrence, all = run each "
        "missed occurrence (up to 7 days back).")
    reminders: ReminderSettings = Field(default_factory=ReminderSettings,
                                        description="Member reminders (/remind).")
    wakeup: WakeupSettings = Field(default_factory=WakeupSettings,
                                   description="Growth reminder and wake-up journeys.")
    digest: DigestSettings = Field(default_factory=DigestSettings,
                                   description="Weekly digest.")
    announcements: list[AnnouncementEntry] = Field(
        default_factory=list, description="Recurring announcements, e.g. [{cron = \"0 10 * * "
        "mon\", channel = \"dc:123\", text = \"Weekly thread is open!\"}].")
    triggers: list[TriggerRule] = Field(default_factory=list,
                                        description="Scenario triggers (scene -> content).")

    @field_validator("timezone")
    @classmethod
    def _tz(cls, value: str | None) -> str | None:
        return check_timezone(value)

    @field_validator("triggers")
    @classmethod
    def _unique_ids(cls, value: list[TriggerRule]) -> list[TriggerRule]:
        seen: set[str] = set()
        for rule in value:
            if rule.id in seen:
                raise ValueError(f"trigger id {rule.id!r} is used twice; ids must be unique")
            seen.add(rule.id)
        return value

