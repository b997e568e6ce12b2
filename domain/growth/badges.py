"""Badges: config-defined rules over member stats, evaluated incrementally.

A badge is a conjunction of conditions ``stat >= minimum`` over ``MemberGrowthState`` stats.
Every stat is changed only by certain events (*triggers*), so ``BadgeIndex`` maps each
trigger to the few rules that read a stat it can change; the handler evaluates only those
after an event — never every badge on every message. Awarding is idempotent: ids in
``already_awarded`` are never returned again. Badges are permanent (a later point reversal
does not take them away).

Triggers the handler fires:
    ``message``            after award_message (whatever the decision)
    ``reaction_received``  after award_reaction_received
    ``reply_received``     after award_reply_received
    ``helpful``            after award_helpful
    ``voice``              after award_voice
    ``event``              after award_event_attended
    ``team_interaction``   when an interaction was between teammates
    ``points_change``      after any Award / LedgerChange that raised lifetime points
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from operator import attrgetter

from domain.growth.state import MemberGrowthState

MESSAGE = "message"
REACTION_RECEIVED = "reaction_received"
REPLY_RECEIVED = "reply_received"
HELPFUL = "helpful"
VOICE = "voice"
EVENT = "event"
TEAM_INTERACTION = "team_interaction"
POINTS_CHANGE = "points_change"
TRIGGERS = (MESSAGE, REACTION_RECEIVED, REPLY_RECEIVED, HELPFUL, VOICE, EVENT,
            TEAM_INTERACTION, POINTS_CHANGE)

_MESSAGE_STATS = ("messages", "active_days", "streak", "best_streak", "night_messages")

# stat -> triggers that can change it
STAT_TRIGGERS: dict[str, frozenset[str]] = {
    **{stat: frozenset({MESSAGE}) for stat in _MESSAGE_STATS},
    "languages": frozenset({MESSAGE}),
    "team_interactions": frozenset({MESSAGE, REACTION_RECEIVED, REPLY_RECEIVED,
                                    TEAM_INTERACTION}),
    "helpful": frozenset({HELPFUL}),
    "reactions_received": frozenset({REACTION_RECEIVED}),
    "replies_received": frozenset({REPLY_RECEIVED}),
    "voice_minutes": frozenset({VOICE}),
    "events_attended": frozenset({EVENT}),
    "lifetime": frozenset({POINTS_CHANGE}),
}
CATEGORY_STAT_PREFIX = "lifetime:"  # "lifetime:green" = lifetime points in category green

_READERS: dict[str, Callable[[MemberGrowthState], float]] = {
    **{stat: attrgetter(stat) for stat in _MESSAGE_STATS},
    "languages": lambda state: state.languages.bit_count(),
    "team_interactions": attrgetter("team_interactions"),
    "helpful": attrgetter("helpful"),
    "reactions_received": attrgetter("reactions_received"),
    "replies_received": attrgetter("replies_received"),
    "voice_minutes": attrgetter("voice_minutes"),
    "events_attended": attrgetter("events_attended"),
    "lifetime": attrgetter("lifetime_total"),
}
KNOWN_STATS = tuple(_READERS)


def stat_reader(stat: str) -> Callable[[MemberGrowthState], float]:
    """The function reading ``stat`` from a state; ``ValueError`` names the valid stats."""
    reader = _READERS.get(stat)
    if reader is not None:
        return reader
    if stat.startswith(CATEGORY_STAT_PREFIX) and len(stat) > len(CATEGORY_STAT_PREFIX):
        category = stat[len(CATEGORY_STAT_PREFIX):]
        return lambda state: state.lifetime.get(category, 0)
    raise ValueError(
        f"unknown badge stat {stat!r}; use one of {', '.join(KNOWN_STATS)} "
        f"or {CATEGORY_STAT_PREFIX}<category>"
    )


def stat_triggers(stat: str) -> frozenset[str]:
    if stat.startswith(CATEGORY_STAT_PREFIX):
        return frozenset({POINTS_CHANGE})
    stat_reader(stat)  # validates
    return STAT_TRIGGERS[stat]


@dataclass(frozen=True, slots=True)
class Condition:
    stat: str
    minimum: float
    read: Callable[[MemberGrowthState], float] = field(init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "read", stat_reader(self.stat))

    def holds(self, state: MemberGrowthState) -> bool:
        return self.read(state) >= self.minimum


@dataclass(frozen=True, slots=True)
class BadgeRule:
    """``id`` is stable (stored); ``names`` maps language -> display name (optional: the
    catalogue key ``growth.badge.<id>`` is used for built-in badges)."""

    id: str
    conditions: tuple[Condition, ...]
    names: Mapping[str, str] = field(default_factory=dict, compare=False)

    def holds(self, state: MemberGrowthState) -> bool:
        return all(condition.holds(state) for condition in self.conditions)


def badge(badge_id: str, **minimums: float) -> BadgeRule:
    """Shorthand: ``badge("streak_7", streak=7)``; use ``lifetime_<category>`` for
    ``lifetime:<category>`` (keyword names cannot contain ':')."""
    conditions = []
    for stat, minimum in minimums.items():
        if stat.startswith("lifetime_"):
            stat = CATEGORY_STAT_PREFIX + stat[len("lifetime_"):]
        conditions.append(Condition(stat, minimum))
    return BadgeRule(badge_id, tuple(conditions))


DEFAULT_BADGES: tuple[BadgeRule, ...] = (
    badge("first_message", messages=1),
    badge("streak_7", streak=7),
    badge("helpful_10", helpful=10),
    badge("night_owl", night_messages=10),
    badge("bilingual", languages=2),
    badge("points_1000", lifetime=1000),
    badge("points_10000", lifetime=10000),
    badge("team_player", team_interactions=25),
)


@dataclass(frozen=True, slots=True)
class BadgeIndex:
    """Badge rules grouped by the triggers that can change their outcome. Build once."""

    rules: tuple[BadgeRule, ...]
    by_trigger: Mapping[str, tuple[BadgeRule, ...]]

    @classmethod
    def build(cls, rules: Iterable[BadgeRule]) -> BadgeIndex:
        rules = tuple(rules)
        ids = [rule.id for rule in rules]
        duplicates = sorted({i for i in ids if ids.count(i) > 1})
        if duplicates:
            raise ValueError(f"badge ids must be unique; repeated: {', '.join(duplicates)}")
        grouped: dict[str, list[BadgeRule]] = {}
        for rule in rules:
            if not rule.conditions:
                raise ValueError(f"badge {rule.id!r} has no conditions")
            triggers: set[str] = set()
            for condition in rule.conditions:
                triggers |= stat_triggers(condition.stat)
            for trigger in triggers:
                grouped.setdefault(trigger, []).append(rule)
        return cls(rules, {t: tuple(r) for t, r in grouped.items()})


def evaluate(
    index: BadgeIndex,
    trigger: str | Iterable[str],
    state: MemberGrowthState,
    already_awarded: set[str] | frozenset[str],
) -> list[str]:
    """Ids of badges newly earned after ``trigger`` (one name or several), in config order.

    Only rules indexed under the trigger(s) are looked at. The caller records the ids
    (e.g. ``state.badges.update(ids)``) and announces them.
    """
    if isinstance(trigger, str):
        candidates = index.by_trigger.get(trigger, ())
    else:
        seen: dict[str, BadgeRule] = {}
        for name in trigger:
            for rule in index.by_trigger.get(name, ()):
                seen[rule.id] = rule
        order = {rule.id: position for position, rule in enumerate(index.rules)}
        candidates = tuple(sorted(seen.values(), key=lambda rule: order[rule.id]))
    earned: list[str] = []
    for rule in candidates:
        if rule.id not in already_awarded and rule.id not in earned and rule.holds(state):
            earned.append(rule.id)
    return earned


def evaluate_all(index: BadgeIndex, state: MemberGrowthState,
                 already_awarded: set[str] | frozenset[str]) -> list[str]:
    """Every badge ``state`` qualifies for and lacks (for a one-off backfill after the badge
    list changes, or after an import; not for per-event use)."""
    return [rule.id for rule in index.rules
            if rule.id not in already_awarded and rule.holds(state)]
