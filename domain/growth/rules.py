"""The growth rule set of one community, as one immutable value.

``bot.growth_config.GrowthSettings.to_rules()`` builds it from TOML; handlers keep one per
community and pass it to every ``domain.growth.points`` function. It is frozen so a rule set
can be shared between concurrent events, and it holds only precomputed, cheap-to-read data
(dict lookups and floats) because it is consulted on every message.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, tzinfo
from enum import StrEnum
from types import MappingProxyType

from domain.growth.text import DEFAULT_SKETCH_SIZE

ACTIVITY = "activity"
HELPING = "helping"
CREATION = "creation"
BUILTIN_CATEGORIES = (ACTIVITY, HELPING, CREATION)


class Source(StrEnum):
    """Where points come from; stored as the ledger row's ``source``."""

    MESSAGE = "message"
    REPLY_RECEIVED = "reply_received"
    REACTION_RECEIVED = "reaction_received"
    HELPFUL_ANSWER = "helpful_answer"
    VOICE_MINUTE = "voice_minute"
    EVENT_ATTENDED = "event_attended"
    CREATION = "creation"
    ADMIN = "admin"
    PURCHASE = "purchase"
    IMPORT = "import"


@dataclass(frozen=True, slots=True)
class SourceRule:
    """Points one unit of a source earns, and the category they are booked under."""

    points: int
    category: str


DEFAULT_SOURCES: Mapping[str, SourceRule] = MappingProxyType(
    {
        Source.MESSAGE: SourceRule(10, ACTIVITY),
        Source.REPLY_RECEIVED: SourceRule(5, ACTIVITY),
        Source.REACTION_RECEIVED: SourceRule(2, ACTIVITY),
        Source.HELPFUL_ANSWER: SourceRule(50, HELPING),
        Source.VOICE_MINUTE: SourceRule(1, ACTIVITY),
        Source.EVENT_ATTENDED: SourceRule(25, ACTIVITY),
        Source.CREATION: SourceRule(1, CREATION),
    }
)

# Sources a member can pump by themselves or with friends; moderator-given and event points
# are deliberate decisions and are not capped.
DEFAULT_CAPPED_SOURCES = frozenset(
    {Source.MESSAGE, Source.REPLY_RECEIVED, Source.REACTION_RECEIVED, Source.VOICE_MINUTE}
)


@dataclass(frozen=True, slots=True)
class GrowthRules:
    """Points table and anti-farming limits.

    Field meanings (all validated by the config model, see ``bot/growth_config.py``):

    - ``sources``: points and category per ``Source`` value; a missing source earns nothing.
    - ``cooldown_seconds``: after an awarded message, further messages earn nothing for this
      long (MEE6 uses 60 s). Only messages are cooled down; reactions/replies received are
      other members' actions.
    - ``min_length``: effective length (letters/digits, CJK chars x ``cjk_weight``) a message
      needs to earn.
    - ``duplicate_threshold``: Jaccard similarity at or above which a message repeats one of
      the member's last ``duplicate_memory`` messages and earns nothing.
    - ``daily_cap``: points a member can earn per local day from ``capped_sources``
      (``None`` = no cap). The day is the community's (``tz``).
    - ``channel_multipliers`` / ``no_points_channels``: keyed by namespaced channel id.
    - ``team_boost`` / ``team_window_seconds``: multiplier for interactions between teammates
      and how close in time they must be (see ``domain.growth.teams``).
    - ``night_start_hour`` / ``night_end_hour``: local hours counted as night (badge stat).
    """

    sources: Mapping[str, SourceRule] = field(default_factory=lambda: dict(DEFAULT_SOURCES))
    categories: tuple[str, ...] = BUILTIN_CATEGORIES
    cooldown_seconds: float = 60.0
    min_length: int = 5
    cjk_weight: int = 2
    duplicate_threshold: float = 0.7
    duplicate_memory: int = 10
    sketch_size: int = DEFAULT_SKETCH_SIZE
    daily_cap: int | None = 500
    capped_sources: frozenset[str] = DEFAULT_CAPPED_SOURCES
    channel_multipliers: Mapping[str, float] = field(default_factory=dict)
    no_points_channels: frozenset[str] = frozenset()
    team_boost: float = 2.0
    team_window_seconds: float = 600.0
    tz: tzinfo = UTC
    night_start_hour: int = 0
    night_end_hour: int = 5
    max_admin_amount: int = 1_000_000
    max_voice_minutes: float = 24 * 60.0
    admin_category: str = ACTIVITY
    # Derived: night_table[hour] is True for night hours (one index instead of a call).
    night_table: tuple[bool, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        # The config model gives friendly messages; this guards direct construction in code.
        problems = []
        if self.cooldown_seconds < 0:
            problems.append("cooldown_seconds must be >= 0")
        if self.min_length < 0:
            problems.append("min_length must be >= 0")
        if not 0.0 < self.duplicate_threshold <= 1.0:
            problems.append("duplicate_threshold must be in (0, 1]")
        if self.duplicate_memory < 0 or self.sketch_size < 1:
            problems.append("duplicate_memory must be >= 0 and sketch_size >= 1")
        if self.daily_cap is not None and self.daily_cap < 0:
            problems.append("daily_cap must be >= 0 or None")
        if self.team_boost < 1.0:
            problems.append("team_boost must be >= 1")
        if any(m < 0 for m in self.channel_multipliers.values()):
            problems.append("channel multipliers must be >= 0")
        if any(rule.points < 0 for rule in self.sources.values()):
            problems.append("source points must be >= 0")
        if not (0 <= self.night_start_hour <= 23 and 0 <= self.night_end_hour <= 24):
            problems.append("night hours must be within 0..24")
        if problems:
            raise ValueError("; ".join(problems))
        object.__setattr__(self, "night_table", tuple(self.is_night_hour(h) for h in range(24)))

    def is_night_hour(self, hour: int) -> bool:
        """True when local ``hour`` falls in [night_start_hour, night_end_hour), wrapping."""
        start, end = self.night_start_hour, self.night_end_hour
        if start <= end:
            return start <= hour < end
        return hour >= start or hour < end
