"""Growth settings (pydantic v2): the ``[growth]`` table of the config, validated.

Every field has a default and a description, unknown keys are rejected (``extra="forbid"``)
so a typo is an error rather than a silently ignored option, and validators explain what is
wrong and how to fix it. ``to_*`` methods convert to the frozen domain values in
``domain.growth`` that the handlers use on the hot path.
"""

from __future__ import annotations

import re
from itertools import pairwise
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from domain.growth.badges import DEFAULT_BADGES, BadgeIndex, BadgeRule, Condition, stat_reader
from domain.growth.levels import LevelCurve
from domain.growth.quality import QualityRules, QualityWeights
from domain.growth.rules import BUILTIN_CATEGORIES, GrowthRules, Source, SourceRule
from domain.growth.shop import ShopItem
from domain.growth.stages import Perks, StageRule, StageRules

_CATEGORY_RE = re.compile(r"^[a-z][a-z0-9_-]{0,31}$")
_ID_RE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,47}$")
_CHANNEL_RE = re.compile(r"^[a-z]+:\S+$")
_COLOUR_RE = re.compile(r"^#[0-9a-fA-F]{6}$")
_POINT_SOURCES = (
    Source.MESSAGE, Source.REPLY_RECEIVED, Source.REACTION_RECEIVED, Source.HELPFUL_ANSWER,
    Source.VOICE_MINUTE, Source.EVENT_ATTENDED, Source.CREATION,
)


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_default=True)


class SourceSettings(_Model):
    points: int = Field(0, ge=0, le=1_000_000, description="Points one unit earns.")
    category: str = Field(
        "activity", description="Category the points are booked under (see `categories`)."
    )


def _source(points: int, category: str, what: str) -> Any:
    return Field(
        default_factory=lambda: SourceSettings(points=points, category=category),
        description=what,
    )


class PointsSettings(_Model):
    message: SourceSettings = _source(10, "activity", "A posted message that passes the "
                                      "anti-farming checks.")
    reply_received: SourceSettings = _source(5, "activity", "Another member replied to one "
                                             "of your messages.")
    reaction_received: SourceSettings = _source(2, "activity", "Another member reacted to "
                                                "one of your messages (once per member and "
                                                "message).")
    helpful_answer: SourceSettings = _source(50, "helping", "A moderator marked your answer "
                                             "helpful.")
    voice_minute: SourceSettings = _source(1, "activity", "Each minute in a voice channel "
                                           "(Discord).")
    event_attended: SourceSettings = _source(25, "activity", "Attending a community event.")
    creation: SourceSettings = _source(1, "creation", "Per creation unit: one unit per "
                                       "`quality.interactions_per_point` effective "
                                       "interactions on your posts.")


class AntiFarmingSettings(_Model):
    cooldown_seconds: float = Field(60.0, ge=0, le=86400, description="After a message earns, "
                                    "further messages earn nothing for this long (MEE6: 60).")
    min_length: int = Field(5, ge=0, le=1000, description="Letters/digits a message needs to "
                            "earn (punctuation, emoji and spaces do not count; a CJK "
                            "character counts `cjk_weight`).")
    cjk_weight: int = Field(2, ge=1, le=10, description="How many letters one Chinese/"
                            "Japanese/Korean character counts as for `min_length`.")
    near_duplicate_threshold: float = Field(0.7, gt=0, le=1, description="Similarity (Jaccard "
                                            "of words / CJK character pairs) from which a "
                                            "message repeats a recent one and earns nothing.")
    near_duplicate_memory: int = Field(10, ge=0, le=100, description="How many of the "
                                       "member's recent messages are compared against.")
    daily_cap: int | None = Field(500, ge=0, description="Most points a member can earn per "
                                  "day from `capped_sources` (in the community time zone); "
                                  "leave out for no cap.")
    capped_sources: list[str] = Field(
        default_factory=lambda: ["message", "reply_received", "reaction_received",
                                 "voice_minute"],
        description="Sources counted against `daily_cap`.",
    )
    max_admin_amount: int = Field(1_000_000, ge=1, description="Largest /points grant or "
                                  "revoke accepted at once.")
    max_voice_minutes: float = Field(1440.0, gt=0, description="A voice session longer than "
                                     "this is counted as this long (AFK guard).")

    @field_validator("capped_sources")
    @classmethod
    def _known_sources(cls, value: list[str]) -> list[str]:
        unknown = [s for s in value if s not in _POINT_SOURCES]
        if unknown:
            raise ValueError(f"unknown source(s) {unknown}; choose from "
                             f"{', '.join(_POINT_SOURCES)}")
        return value


class ChannelSettings(_Model):
    multipliers: dict[str, float] = Field(default_factory=dict, description="Channel id "
                                          "(namespaced, e.g. \"dc:123\") -> points multiplier "
                                          "(0..10; 0.5 halves, 2 doubles).")
    no_points: list[str] = Field(default_factory=list, description="Channel ids where "
                                 "nothing earns points (bot commands, memes, AFK voice).")

    @field_validator("multipliers")
    @classmethod
    def _multipliers(cls, value: dict[str, float]) -> dict[str, float]:
        for channel, factor in value.items():
            _check_channel(channel)
            if not 0 <= factor <= 10:
                raise ValueError(f"multiplier for {channel} is {factor}; use 0..10")
        return value

    @field_validator("no_points")
    @classmethod
    def _no_points(cls, value: list[str]) -> list[str]:
        for channel in value:
            _check_channel(channel)
        return value


def _check_channel(channel: str) -> None:
    if not _CHANNEL_RE.match(channel):
        raise ValueError(f"channel id {channel!r} must be namespaced by platform, e.g. "
                         "\"dc:123456789\" or \"tg:-100123\"")


class StageSettings(_Model):
    min_points: int | None = Field(None, ge=0, description="Lifetime points needed "
                                   "(spending never lowers them).")
    min_active_days: int | None = Field(None, ge=0, description="Days with at least one "
                                        "message.")
    min_helpful: int | None = Field(None, ge=0, description="Answers marked helpful.")
    top_percent: float | None = Field(None, gt=0, le=100, description="Dynamic: be in the top "
                                      "X % of members by points over `window_days` "
                                      "(recomputed on a schedule).")
    window_days: int = Field(90, ge=1, le=3650, description="Window for `top_percent`.")
    roles: list[str] = Field(default_factory=list, description="Platform roles given in this "
                             "stage (removed on leaving it).")
    title: str | None = Field(None, max_length=64, description="Title shown on /profile.")
    extra_reminder_slots: int = Field(0, ge=0, le=1000, description="Extra reminder slots.")
    shop_discount_pct: int = Field(0, ge=0, le=100, description="Shop discount in percent.")

    def has_criteria(self) -> bool:
        return any(v is not None for v in (self.min_points, self.min_active_days,
                                           self.min_helpful, self.top_percent))


_STAGE_ORDER = ("active", "expert", "leader")


class StagesSettings(_Model):
    grace_days: float = Field(7.0, ge=0, le=365, description="Days a member may fall below "
                              "their stage's thresholds before being moved down.")
    cumulative_roles: bool = Field(False, description="Keep lower stages' roles when moving "
                                   "up (a leader also has the expert role).")
    newcomer_roles: list[str] = Field(default_factory=list, description="Roles for newcomers.")
    active: StageSettings = Field(
        default_factory=lambda: StageSettings(min_points=100, min_active_days=3),
        description="Newcomer -> active: every criterion that is set must hold.",
    )
    expert: StageSettings = Field(
        default_factory=lambda: StageSettings(min_points=1000, min_active_days=14,
                                              min_helpful=5),
        description="Active -> expert, e.g. `top_percent = 10` for the top 10 % over 90 days.",
    )
    leader: StageSettings = Field(
        default_factory=lambda: StageSettings(min_points=5000, min_active_days=45,
                                              min_helpful=25),
        description="Expert -> leader.",
    )

    @model_validator(mode="after")
    def _ordered(self) -> StagesSettings:
        stages = [(name, getattr(self, name)) for name in _STAGE_ORDER]
        for name, stage in stages:
            if not stage.has_criteria():
                raise ValueError(f"stage {name!r} has no criteria; set at least one of "
                                 "min_points, min_active_days, min_helpful, top_percent")
        for (low_name, low), (high_name, high) in pairwise(stages):
            for criterion in ("min_points", "min_active_days", "min_helpful"):
                a, b = getattr(low, criterion), getattr(high, criterion)
                if a is not None and b is not None and b < a:
                    raise ValueError(f"{high_name}.{criterion} ({b}) is lower than "
                                     f"{low_name}.{criterion} ({a}); thresholds must increase "
                                     "from active to expert to leader")
            if low.top_percent is not None and high.top_percent is not None \
                    and high.top_percent >= low.top_percent:
                raise ValueError(f"{high_name}.top_percent ({high.top_percent}) must be "
                                 f"smaller than {low_name}.top_percent ({low.top_percent})")
            if low.model_dump(include={"min_points", "min_active_days", "min_helpful",
                                       "top_percent"}) == high.model_dump(
                    include={"min_points", "min_active_days", "min_helpful", "top_percent"}):
                raise ValueError(f"{high_name} has the same thresholds as {low_name}; make "
                                 "it harder to reach")
        return self


class LevelSettings(_Model):
    curve: Literal["mee6", "linear", "table"] = Field("mee6", description="mee6: 5·L²+50·L+100 "
                                                     "XP per level (as MEE6); linear: "
                                                     "`xp_per_level` each; table: `table`.")
    xp_per_level: int = Field(100, ge=1, description="XP per level for the linear curve.")
    table: list[int] = Field(default_factory=list, description="Total XP to reach level 1, "
                             "2, 3 ... (strictly increasing); later levels repeat the last "
                             "step.")

    @model_validator(mode="after")
    def _table(self) -> LevelSettings:
        if self.curve == "table":
            if not self.table:
                raise ValueError("levels.curve is \"table\" but levels.table is empty; list "
                                 "the total XP for each level, e.g. [100, 250, 500]")
            previous = 0
            for position, value in enumerate(self.table, start=1):
                if value <= previous:
                    raise ValueError(f"levels.table entry {position} ({value}) must be greater "
                                     f"than the one before ({previous})")
                previous = value
        return self


class BadgeSettings(_Model):
    id: str = Field("badge", description="Stable id (lowercase letters, digits, _ and -).")
    names: dict[str, str] = Field(default_factory=dict, description="Display name per "
                                  "language, e.g. {en = \"Green hero\", zh = \"环保达人\"}; "
                                  "built-in ids have catalogue names.")
    conditions: dict[str, float] = Field(default_factory=dict, description="Stat -> minimum; "
                                         "all must hold. Stats: messages, active_days, streak, "
                                         "best_streak, night_messages, languages, helpful, "
                                         "reactions_received, replies_received, voice_minutes, "
                                         "events_attended, team_interactions, lifetime, "
                                         "lifetime:<category>.")

    @field_validator("id")
    @classmethod
    def _id(cls, value: str) -> str:
        if not _ID_RE.match(value):
            raise ValueError(f"badge id {value!r}: use lowercase letters, digits, _ and -")
        return value

    @field_validator("conditions")
    @classmethod
    def _conditions(cls, value: dict[str, float]) -> dict[str, float]:
        if not value:
            raise ValueError("a badge needs at least one condition, e.g. {messages = 100}")
        for stat, minimum in value.items():
            stat_reader(stat)  # raises ValueError listing the valid stats
            if minimum < 0:
                raise ValueError(f"badge condition {stat} >= {minimum}: minimum must be >= 0")
        return value

    def to_rule(self) -> BadgeRule:
        return BadgeRule(self.id, tuple(Condition(s, m) for s, m in self.conditions.items()),
                         dict(self.names))


def _default_badges() -> list[BadgeSettings]:
    return [BadgeSettings(id=rule.id, conditions={c.stat: c.minimum for c in rule.conditions})
            for rule in DEFAULT_BADGES]


class TeamSettings(_Model):
    enabled: bool = Field(True, description="Allow /team commands and the teammate boost.")
    boost: float = Field(2.0, ge=1, le=10, description="Points multiplier for interactions "
                         "between teammates.")
    window_seconds: float = Field(600.0, gt=0, le=7 * 86400, description="How close in time "
                                  "teammates must interact for the boost.")
    max_members: int | None = Field(20, ge=1, description="Team size limit (leave out for "
                                    "none).")
    ranking: Literal["sum", "average"] = Field("sum", description="Team leaderboard by total "
                                               "or per-member average points.")
    name_min_length: int = Field(2, ge=1, le=32, description="Shortest team name.")
    name_max_length: int = Field(32, ge=2, le=100, description="Longest team name.")


class ShopItemSettings(_Model):
    id: str = Field("item", description="What members type after /buy.")
    names: dict[str, str] = Field(default_factory=dict, description="Display name per "
                                  "language.")
    price: int = Field(100, ge=0, le=1_000_000_000, description="Price in points.")
    stock: int | None = Field(None, ge=0, description="How many exist (leave out: unlimited).")
    per_member_limit: int | None = Field(None, ge=1, description="How many one member may "
                                         "buy (leave out: unlimited).")
    kind: Literal["role_colour", "title", "pinned_intro", "role", "custom"] = Field(
        "custom", description="What buying does; role_colour needs payload.colour "
        "(\"#RRGGBB\"), role needs payload.role.")
    payload: dict[str, str | int | float | bool] = Field(default_factory=dict,
                                                         description="Delivery details.")

    @field_validator("id")
    @classmethod
    def _id(cls, value: str) -> str:
        if not _ID_RE.match(value):
            raise ValueError(f"shop item id {value!r}: use lowercase letters, digits, _ and -")
        return value

    @model_validator(mode="after")
    def _payload(self) -> ShopItemSettings:
        if self.kind == "role_colour" and not _COLOUR_RE.match(str(self.payload.get("colour",
                                                                                   ""))):
            raise ValueError(f"shop item {self.id!r} is a role_colour: set payload.colour to "
                             "a colour like \"#e67e22\"")
        if self.kind == "role" and not str(self.payload.get("role", "")).strip():
            raise ValueError(f"shop item {self.id!r} is a role: set payload.role to the role "
                             "to give")
        return self

    def to_item(self) -> ShopItem:
        return ShopItem(self.id, self.price, self.stock, self.per_member_limit, self.kind,
                        dict(self.payload), dict(self.names))


def _default_items() -> list[ShopItemSettings]:
    return [
        ShopItemSettings(id="custom_title", price=500, kind="title", per_member_limit=1,
                         names={"en": "Custom title on your profile",
                                "zh": "个人资料自定义头衔"}),
        ShopItemSettings(id="pinned_intro", price=300, kind="pinned_intro",
                         per_member_limit=1,
                         names={"en": "Pinned introduction", "zh": "置顶自我介绍"}),
        ShopItemSettings(id="role_colour", price=1000, kind="role_colour",
                         payload={"colour": "#e67e22"},
                         names={"en": "Orange name colour", "zh": "橙色昵称"}),
    ]


class ShopSettings(_Model):
    enabled: bool = Field(True, description="Allow /shop and /buy.")
    items: list[ShopItemSettings] = Field(default_factory=_default_items,
                                          description="Items for sale.")

    @field_validator("items")
    @classmethod
    def _unique(cls, value: list[ShopItemSettings]) -> list[ShopItemSettings]:
        ids = [item.id for item in value]
        repeated = sorted({i for i in ids if ids.count(i) > 1})
        if repeated:
            raise ValueError(f"shop item ids must be unique; repeated: {', '.join(repeated)}")
        return value


class QualityWeightSettings(_Model):
    originality: float = Field(0.40, ge=0, le=1, description="Not a near-duplicate; "
                               "informative length.")
    reach: float = Field(0.30, ge=0, le=1, description="Distinct members reacting/replying "
                         "within the reach window.")
    usefulness: float = Field(0.20, ge=0, le=1, description="Replies and helpful marks.")
    compliance: float = Field(0.10, ge=0, le=1, description="No safety filter hits.")

    @model_validator(mode="after")
    def _sum(self) -> QualityWeightSettings:
        total = self.originality + self.reach + self.usefulness + self.compliance
        if abs(total - 1.0) > 1e-6:
            raise ValueError(f"quality weights must add up to 1 (100 %); they add up to "
                             f"{total:g} — adjust originality/reach/usefulness/compliance")
        return self


class QualitySettings(_Model):
    weights: QualityWeightSettings = Field(default_factory=QualityWeightSettings,
                                           description="Component weights (sum to 1).")
    informative_length: int = Field(80, ge=1, description="Effective length at which "
                                    "originality is full.")
    reach_window_hours: float = Field(72.0, gt=0, le=24 * 365, description="Interactions "
                                      "counted for reach.")
    reach_half: float = Field(5.0, gt=0, description="Distinct members giving half reach.")
    usefulness_half: float = Field(3.0, gt=0, description="Replies giving half usefulness.")
    helpful_weight: float = Field(3.0, ge=0, description="Replies one helpful mark counts as.")
    interactions_per_point: int = Field(1000, ge=1, description="Effective interactions per "
                                        "creation point.")


class NightSettings(_Model):
    start_hour: int = Field(0, ge=0, le=23, description="Night starts (local hour).")
    end_hour: int = Field(5, ge=0, le=24, description="Night ends (local hour, exclusive).")


_ANNOUNCE = Literal["off", "reply", "channel"]


class AnnounceSettings(_Model):
    stages: _ANNOUNCE = Field("reply", description="Stage promotions: off, reply (in the "
                              "channel where it happened) or channel (in `channel`). "
                              "Demotions are always told privately.")
    badges: _ANNOUNCE = Field("reply", description="New badges: off, reply or channel.")
    level_ups: _ANNOUNCE = Field("off", description="Level-ups: off by default because on the "
                                 "MEE6 curve they come every few messages for newcomers and "
                                 "flood busy channels; stages are Hearth's growth signal. Set "
                                 "reply or channel to announce them like MEE6 does.")
    channel: str | None = Field(None, description="Channel id (namespaced, e.g. \"dc:123\") "
                                "for announcements set to `channel`.")

    @model_validator(mode="after")
    def _channel(self) -> AnnounceSettings:
        wanted = [name for name in ("stages", "badges", "level_ups")
                  if getattr(self, name) == "channel"]
        if wanted and not self.channel:
            raise ValueError(f"announce.{wanted[0]} is \"channel\" but announce.channel is not "
                             "set; add channel = \"dc:<channel id>\" or use \"reply\"")
        if self.channel:
            _check_channel(self.channel)
        return self


class GrowthSettings(_Model):
    enabled: bool = Field(True, description="Turn the growth engine on for this community.")
    timezone: str = Field("UTC", description="IANA time zone for days, streaks, daily caps, "
                          "night hours and week/month boards, e.g. \"Asia/Shanghai\".")
    categories: list[str] = Field(default_factory=lambda: list(BUILTIN_CATEGORIES),
                                  description="Point categories; add your own themes, e.g. "
                                  "\"green\" for environmental contributions.")
    admin_category: str = Field("activity", description="Category for /points grant|revoke.")
    points: PointsSettings = Field(default_factory=PointsSettings,
                                   description="Points per source.")
    anti_farming: AntiFarmingSettings = Field(default_factory=AntiFarmingSettings,
                                              description="Limits against point farming.")
    channels: ChannelSettings = Field(default_factory=ChannelSettings,
                                      description="Per-channel multipliers and no-points "
                                      "channels.")
    night: NightSettings = Field(default_factory=NightSettings, description="Night-owl hours.")
    stages: StagesSettings = Field(default_factory=StagesSettings,
                                   description="Newcomer -> active -> expert -> leader.")
    levels: LevelSettings = Field(default_factory=LevelSettings, description="Level curve.")
    badges: list[BadgeSettings] = Field(default_factory=_default_badges,
                                        description="Badge rules.")
    teams: TeamSettings = Field(default_factory=TeamSettings, description="Teams and boost.")
    shop: ShopSettings = Field(default_factory=ShopSettings, description="Points shop.")
    quality: QualitySettings = Field(default_factory=QualitySettings,
                                     description="Content quality score.")
    announce: AnnounceSettings = Field(default_factory=AnnounceSettings,
                                       description="Where stage, badge and level-up "
                                       "announcements go.")

    @field_validator("timezone")
    @classmethod
    def _timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r}; use an IANA name such as "
                             "\"UTC\", \"Europe/Berlin\" or \"Asia/Shanghai\"") from None
        return value

    @field_validator("categories")
    @classmethod
    def _categories(cls, value: list[str]) -> list[str]:
        for name in value:
            if not _CATEGORY_RE.match(name):
                raise ValueError(f"category {name!r}: start with a lowercase letter, then up to "
                                 "31 lowercase letters, digits, _ or -")
        repeated = sorted({n for n in value if value.count(n) > 1})
        if repeated:
            raise ValueError(f"categories must be unique; repeated: {', '.join(repeated)}")
        if "spend" in value:
            raise ValueError("\"spend\" is reserved for shop purchases; pick another name")
        return value

    @field_validator("badges")
    @classmethod
    def _badges(cls, value: list[BadgeSettings]) -> list[BadgeSettings]:
        ids = [badge.id for badge in value]
        repeated = sorted({i for i in ids if ids.count(i) > 1})
        if repeated:
            raise ValueError(f"badge ids must be unique; repeated: {', '.join(repeated)}")
        return value

    @model_validator(mode="after")
    def _references(self) -> GrowthSettings:
        known = set(self.categories)
        for source in _POINT_SOURCES:
            category = getattr(self.points, source).category
            if category not in known:
                raise ValueError(f"points.{source}.category is {category!r}, which is not in "
                                 f"categories {sorted(known)}; add it there or pick one")
        if self.admin_category not in known:
            raise ValueError(f"admin_category {self.admin_category!r} is not in categories "
                             f"{sorted(known)}")
        for badge in self.badges:
            for stat in badge.conditions:
                if stat.startswith("lifetime:") and stat[len("lifetime:"):] not in known:
                    raise ValueError(f"badge {badge.id!r} uses {stat}, but "
                                     f"{stat[len('lifetime:'):]!r} is not in categories")
        if self.teams.name_min_length > self.teams.name_max_length:
            raise ValueError("teams.name_min_length is larger than teams.name_max_length")
        return self

    # --- conversions to domain values --------------------------------------------------
    def tzinfo(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def to_rules(self) -> GrowthRules:
        farming = self.anti_farming
        return GrowthRules(
            sources={source: SourceRule(getattr(self.points, source).points,
                                        getattr(self.points, source).category)
                     for source in _POINT_SOURCES},
            categories=tuple(self.categories),
            cooldown_seconds=farming.cooldown_seconds,
            min_length=farming.min_length,
            cjk_weight=farming.cjk_weight,
            duplicate_threshold=farming.near_duplicate_threshold,
            duplicate_memory=farming.near_duplicate_memory,
            daily_cap=farming.daily_cap,
            capped_sources=frozenset(Source(s) for s in farming.capped_sources),
            channel_multipliers=dict(self.channels.multipliers),
            no_points_channels=frozenset(self.channels.no_points),
            team_boost=self.teams.boost if self.teams.enabled else 1.0,
            team_window_seconds=self.teams.window_seconds,
            tz=self.tzinfo(),
            night_start_hour=self.night.start_hour,
            night_end_hour=self.night.end_hour,
            max_admin_amount=farming.max_admin_amount,
            max_voice_minutes=farming.max_voice_minutes,
            admin_category=self.admin_category,
        )

    def to_stage_rules(self) -> StageRules:
        def rule(name: str, stage: StageSettings) -> StageRule:
            return StageRule(
                name=name,
                min_points=stage.min_points,
                min_active_days=stage.min_active_days,
                min_helpful=stage.min_helpful,
                top_percent=stage.top_percent,
                window_days=stage.window_days,
                perks=Perks(tuple(stage.roles), stage.title, stage.extra_reminder_slots,
                            stage.shop_discount_pct),
            )

        stages = self.stages
        return StageRules(
            stages=(StageRule("newcomer", perks=Perks(tuple(stages.newcomer_roles))),
                    *(rule(name, getattr(stages, name)) for name in _STAGE_ORDER)),
            grace_days=stages.grace_days,
            cumulative_roles=stages.cumulative_roles,
        )

    def to_level_curve(self) -> LevelCurve:
        return LevelCurve(self.levels.curve, self.levels.xp_per_level, tuple(self.levels.table))

    def to_badge_index(self) -> BadgeIndex:
        return BadgeIndex.build(badge.to_rule() for badge in self.badges)

    def to_shop_items(self) -> dict[str, ShopItem]:
        return {item.id: item.to_item() for item in self.shop.items}

    def to_quality_rules(self) -> QualityRules:
        quality = self.quality
        weights = quality.weights
        return QualityRules(
            weights=QualityWeights(weights.originality, weights.reach, weights.usefulness,
                                   weights.compliance),
            informative_length=quality.informative_length,
            reach_window_hours=quality.reach_window_hours,
            reach_half=quality.reach_half,
            usefulness_half=quality.usefulness_half,
            helpful_weight=quality.helpful_weight,
            interactions_per_point=quality.interactions_per_point,
            duplicate_threshold=self.anti_farming.near_duplicate_threshold,
        )
