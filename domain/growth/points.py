"""Growth points: award decisions with anti-farming, reversals and admin changes.

Style (one for every function here): the caller passes the member's cached
``MemberGrowthState``; the function **mutates it in place** (stats, anti-farming memory,
totals) and **returns the decision as a value**:

- ``Award(points, category, source, reason, ...)`` — points were earned and already added to
  ``state``; write ``award.change()`` to the ledger.
- ``Refusal(reason, source)`` — nothing earned (``reason`` is a ``RefusalReason``); activity
  stats may still have been updated (a message in cooldown is still activity). A refusal is
  falsy, an award truthy, so ``if decision:`` reads naturally.
- ``LedgerChange`` — reversals and admin changes, already applied to ``state``.

Mutating instead of copying keeps the hot path allocation-free; call ``state.copy()`` first
if the previous value is needed (e.g. to roll back a failed write).

Every point movement is expressible as a ``LedgerChange`` and ``apply_change`` replays one,
so ``lifetime``/``balance`` can always be rebuilt from the ledger. Invariants (property-tested):
the balance never goes negative, lifetime per category never goes negative, spending never
changes lifetime, and replaying the ledger reproduces the totals.

Rounding: points x channel multiplier x team boost is rounded half up to an integer.
The daily cap clips the last award of the day (``capped=True``) and refuses the rest;
reversing a deleted message does not give today's cap room back (no delete-and-repost loop).
Out-of-order events (``at`` earlier than the last award) are treated as inside the cooldown
and never move the day backwards, so a replay cannot earn more than the live run did.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo
from enum import StrEnum
from typing import ClassVar

from domain.growth.rules import GrowthRules, Source, SourceRule
from domain.growth.state import MemberGrowthState
from domain.growth.text import analyse, is_near_duplicate

_UTC = UTC
_DAY = 86400
_OFFSET_BUCKET = 900  # every UTC offset change happens on a 15-minute UTC boundary


class RefusalReason(StrEnum):
    COOLDOWN = "cooldown"
    TOO_SHORT = "too_short"
    NEAR_DUPLICATE = "near_duplicate"
    DAILY_CAP = "daily_cap"
    NO_POINTS_CHANNEL = "no_points_channel"
    SELF_INTERACTION = "self_interaction"
    ZERO_POINTS = "zero_points"
    SOURCE_DISABLED = "source_disabled"
    INVALID_AMOUNT = "invalid_amount"
    ABSURD_AMOUNT = "absurd_amount"
    UNKNOWN_CATEGORY = "unknown_category"
    NOTHING_TO_REVOKE = "nothing_to_revoke"


@dataclass(frozen=True, slots=True)
class LedgerChange:
    """One ledger row's numbers: how lifetime (of ``category``) and balance moved."""

    category: str
    lifetime_delta: int
    balance_delta: int
    source: str
    reason: str


@dataclass(frozen=True, slots=True)
class Award:
    """Points earned (already added to the state)."""

    points: int
    category: str
    source: str
    reason: str
    multiplier: float = 1.0
    capped: bool = False
    team_boosted: bool = False

    def change(self) -> LedgerChange:
        return LedgerChange(self.category, self.points, self.points, self.source, self.reason)


@dataclass(frozen=True, slots=True)
class Refusal:
    """Nothing earned, and why."""

    reason: str
    source: str = ""
    points: ClassVar[int] = 0

    def __bool__(self) -> bool:
        return False


Decision = Award | Refusal

# Refusals are immutable values: the hot path returns these shared instances.
_MESSAGE_COOLDOWN = Refusal(RefusalReason.COOLDOWN, Source.MESSAGE)
_MESSAGE_TOO_SHORT = Refusal(RefusalReason.TOO_SHORT, Source.MESSAGE)
_MESSAGE_DUPLICATE = Refusal(RefusalReason.NEAR_DUPLICATE, Source.MESSAGE)
_MESSAGE_NO_POINTS = Refusal(RefusalReason.NO_POINTS_CHANNEL, Source.MESSAGE)
_MESSAGE_CAPPED = Refusal(RefusalReason.DAILY_CAP, Source.MESSAGE)

# One-entry cache per time zone: (15-minute UTC bucket, offset seconds). Pure memoisation.
_offsets: dict[tzinfo, tuple[int, float]] = {}


def _offset(tz: tzinfo, ts: float, at: datetime) -> float:
    """UTC offset of ``tz`` at ``ts`` in seconds, memoised per 15-minute UTC bucket."""
    bucket = int(ts // _OFFSET_BUCKET)
    cached = _offsets.get(tz)
    if cached is not None and cached[0] == bucket:
        return cached[1]
    delta = at.astimezone(tz).utcoffset()
    offset = delta.total_seconds() if delta is not None else 0.0
    _offsets[tz] = (bucket, offset)
    return offset


def local_clock(tz: tzinfo, at: datetime) -> tuple[float, int, int]:
    """``(posix_seconds, local_epoch_day, local_hour)`` of ``at`` in ``tz``.

    Naive datetimes are taken as UTC (adapters should always pass aware ones).
    """
    if at.tzinfo is None:
        at = at.replace(tzinfo=_UTC)
    ts = at.timestamp()
    local = ts if tz is _UTC else ts + _offset(tz, ts, at)
    return ts, int(local // _DAY), int(local % _DAY) // 3600


def _track_activity(rules: GrowthRules, state: MemberGrowthState, ts: float, day: int,
                    hour: int) -> None:
    state.messages += 1
    first = state.first_seen
    if first is None or ts < first:
        state.first_seen = ts
    last = state.last_seen
    if last is None or ts > last:
        state.last_seen = ts
    last_day = state.last_active_day
    if last_day is None or day > last_day:
        state.active_days += 1
        state.streak = state.streak + 1 if last_day is not None and day == last_day + 1 else 1
        if state.streak > state.best_streak:
            state.best_streak = state.streak
        state.last_active_day = day
    if rules.night_table[hour]:
        state.night_messages += 1


def _earn(rules: GrowthRules, state: MemberGrowthState, source: str, units: int,
          day: int, channel_id: str | None, teammate: bool) -> Decision:
    """Apply multipliers and the daily cap, then book the points."""
    rule: SourceRule | None = rules.sources.get(source)
    if rule is None or rule.points <= 0 or units <= 0:
        return Refusal(RefusalReason.SOURCE_DISABLED, source)
    multiplier = 1.0
    if channel_id is not None and rules.channel_multipliers:
        multiplier = rules.channel_multipliers.get(channel_id, 1.0)
        if multiplier == 0:
            return Refusal(RefusalReason.NO_POINTS_CHANNEL, source)
    if teammate:
        multiplier *= rules.team_boost
    raw = rule.points * units
    points = raw if multiplier == 1.0 else int(raw * multiplier + 0.5)
    if points <= 0:
        return Refusal(RefusalReason.ZERO_POINTS, source)
    capped = False
    cap = rules.daily_cap
    if cap is not None and source in rules.capped_sources:
        if state.cap_day is None or day > state.cap_day:
            state.cap_day = day
            state.points_today = 0
        room = cap - state.points_today
        if room <= 0:
            return Refusal(RefusalReason.DAILY_CAP, source)
        if points > room:
            points = room
            capped = True
        state.points_today += points
    category = rule.category
    lifetime = state.lifetime
    lifetime[category] = lifetime.get(category, 0) + points
    state.lifetime_total += points
    state.balance += points
    reason = source
    if teammate:
        reason += "+team"
    if capped:
        reason += "+capped"
    return Award(points, category, source, reason, multiplier, capped, teammate)


def award_message(
    rules: GrowthRules,
    state: MemberGrowthState,
    *,
    text: str,
    channel_id: str,
    at: datetime,
    is_teammate_interaction: bool = False,
) -> Decision:
    """Track a posted message and decide its points.

    Checks, in order: no-points channel, cooldown since the last awarded message, daily cap
    already reached, minimum length, near-duplicate of the member's recent messages, then
    channel multiplier, team boost and the cap's remaining room.

    Activity stats (count, days, streak, night) are tracked for every message. The text is
    analysed only once the cooldown has passed: most messages of an active chat fall inside
    a cooldown, and skipping the analysis there is what keeps ingest cheap. Every analysed
    message (earning or not) enters the fingerprint ring, so once a text has been evaluated,
    repeating it never earns again while it is among the last ``duplicate_memory`` evaluated
    messages. Languages (bilingual badge) are detected on analysed messages only.
    """
    # local_clock inlined: this is the hottest line of the ingest path.
    if at.tzinfo is None:
        at = at.replace(tzinfo=_UTC)
    ts = at.timestamp()
    tz = rules.tz
    local = ts if tz is _UTC else ts + _offset(tz, ts, at)
    day = int(local // _DAY)
    _track_activity(rules, state, ts, day, int(local % _DAY) // 3600)
    if is_teammate_interaction:
        state.team_interactions += 1
    if channel_id in rules.no_points_channels:
        return _MESSAGE_NO_POINTS
    last = state.last_award_at
    if last is not None and ts - last < rules.cooldown_seconds:
        return _MESSAGE_COOLDOWN
    cap = rules.daily_cap
    if cap is not None and state.cap_day == day and state.points_today >= cap \
            and Source.MESSAGE in rules.capped_sources:
        return _MESSAGE_CAPPED  # nothing more today: skip the text analysis
    length, fingerprint, lang = analyse(text, rules.sketch_size, rules.cjk_weight,
                                        state.languages)
    if lang:
        state.languages |= lang
    if length < rules.min_length or not fingerprint:
        return _MESSAGE_TOO_SHORT
    duplicate = is_near_duplicate(
        fingerprint, state.fingerprints, rules.duplicate_threshold, rules.sketch_size
    )
    state.remember_fingerprint(fingerprint, rules.duplicate_memory)
    if duplicate:
        return _MESSAGE_DUPLICATE
    decision = _earn(rules, state, Source.MESSAGE, 1, day, channel_id, is_teammate_interaction)
    if decision:
        state.last_award_at = ts
    return decision


def reevaluate_edit(
    rules: GrowthRules,
    state: MemberGrowthState,
    *,
    text: str,
    awarded_points: int,
    category: str,
) -> LedgerChange | None:
    """Re-check an edited message that earned ``awarded_points`` (0 if it earned nothing).

    An edit that empties the message below the minimum length reverses its points. Edits
    never award points (posting "hi" and editing it into an essay later cannot dodge the
    cooldown), and the edited text joins the fingerprint ring so re-posting it is caught.
    The near-duplicate check is not applied: the message's own earlier text is in the ring.
    """
    length, fingerprint, lang = analyse(text, rules.sketch_size, rules.cjk_weight)
    if lang:
        state.languages |= lang
    state.remember_fingerprint(fingerprint, rules.duplicate_memory)
    if awarded_points > 0 and length < rules.min_length:
        return revoke_award(state, points=awarded_points, category=category,
                            source=Source.MESSAGE, reason="edited_too_short")
    return None


def _interaction(rules: GrowthRules, state: MemberGrowthState, source: str, giver_id: str,
                 channel_id: str | None, at: datetime, teammate: bool) -> Decision:
    if giver_id == state.member_id:
        return Refusal(RefusalReason.SELF_INTERACTION, source)
    if source == Source.REACTION_RECEIVED:
        state.reactions_received += 1
    else:
        state.replies_received += 1
    if teammate:
        state.team_interactions += 1
    if channel_id is not None and channel_id in rules.no_points_channels:
        return Refusal(RefusalReason.NO_POINTS_CHANNEL, source)
    _, day, _ = local_clock(rules.tz, at)
    return _earn(rules, state, source, 1, day, channel_id, teammate)


def award_reaction_received(
    rules: GrowthRules,
    state: MemberGrowthState,
    *,
    reactor_id: str,
    channel_id: str | None,
    at: datetime,
    is_teammate_interaction: bool = False,
) -> Decision:
    """Points for the author of a message someone else reacted to (``state`` = author).

    The handler awards at most once per (reactor, message) — a storage uniqueness rule.
    """
    return _interaction(rules, state, Source.REACTION_RECEIVED, reactor_id, channel_id, at,
                        is_teammate_interaction)


def award_reply_received(
    rules: GrowthRules,
    state: MemberGrowthState,
    *,
    replier_id: str,
    channel_id: str | None,
    at: datetime,
    is_teammate_interaction: bool = False,
) -> Decision:
    """Points for the author of a message someone else replied to (``state`` = author)."""
    return _interaction(rules, state, Source.REPLY_RECEIVED, replier_id, channel_id, at,
                        is_teammate_interaction)


def award_helpful(
    rules: GrowthRules,
    state: MemberGrowthState,
    *,
    marked_by: str,
    at: datetime,
) -> Decision:
    """A moderator marked the member's answer helpful (once per message: handler's job).

    Channel rules do not apply: this is a person's deliberate decision, not farmable chat.
    """
    if marked_by == state.member_id:
        return Refusal(RefusalReason.SELF_INTERACTION, Source.HELPFUL_ANSWER)
    state.helpful += 1
    _, day, _ = local_clock(rules.tz, at)
    return _earn(rules, state, Source.HELPFUL_ANSWER, 1, day, None, False)


def award_voice(
    rules: GrowthRules,
    state: MemberGrowthState,
    *,
    minutes: float,
    channel_id: str | None,
    at: datetime,
) -> Decision:
    """Points for a finished voice session of ``minutes``.

    Fractions carry over between sessions (two 30.5-minute sessions earn 61 minutes'
    worth). A session longer than ``max_voice_minutes`` is clipped (an AFK member left in a
    channel all weekend); a negative or non-numeric length is refused.
    """
    if not isinstance(minutes, int | float) or isinstance(minutes, bool) \
            or not math.isfinite(minutes) or minutes < 0:
        return Refusal(RefusalReason.INVALID_AMOUNT, Source.VOICE_MINUTE)
    minutes = min(float(minutes), rules.max_voice_minutes)
    before = state.voice_minutes
    state.voice_minutes = before + minutes
    if channel_id is not None and channel_id in rules.no_points_channels:
        return Refusal(RefusalReason.NO_POINTS_CHANNEL, Source.VOICE_MINUTE)
    units = math.floor(state.voice_minutes) - math.floor(before)
    if units <= 0:
        return Refusal(RefusalReason.ZERO_POINTS, Source.VOICE_MINUTE)
    _, day, _ = local_clock(rules.tz, at)
    return _earn(rules, state, Source.VOICE_MINUTE, units, day, channel_id, False)


def award_event_attended(rules: GrowthRules, state: MemberGrowthState, *, at: datetime
                         ) -> Decision:
    """Points for attending a community event (once per event: handler's job)."""
    state.events_attended += 1
    _, day, _ = local_clock(rules.tz, at)
    return _earn(rules, state, Source.EVENT_ATTENDED, 1, day, None, False)


def award_creation(rules: GrowthRules, state: MemberGrowthState, *, units: int, at: datetime
                   ) -> Decision:
    """Creation points from content quality (``quality.creation_points_due`` units)."""
    if isinstance(units, bool) or not isinstance(units, int) or units < 0:
        return Refusal(RefusalReason.INVALID_AMOUNT, Source.CREATION)
    _, day, _ = local_clock(rules.tz, at)
    return _earn(rules, state, Source.CREATION, units, day, None, False)


_STAT_UNDO = {
    Source.HELPFUL_ANSWER: "helpful",
    Source.REACTION_RECEIVED: "reactions_received",
    Source.REPLY_RECEIVED: "replies_received",
}


def revoke_award(
    state: MemberGrowthState,
    *,
    points: int,
    category: str,
    source: str = Source.MESSAGE,
    reason: str = "message_deleted",
) -> LedgerChange | None:
    """Reverse an earlier award (deleted message, removed reaction, unmarked answer).

    ``points``/``category`` come from the ledger row being reversed. Lifetime drops by the
    full amount (bounded by what the category holds); the balance drops by at most what is
    left, because points already spent in the shop stay spent — the balance never goes
    negative. Returns ``None`` when there is nothing to reverse.
    """
    if isinstance(points, bool) or not isinstance(points, int) or points <= 0:
        return None
    stat = _STAT_UNDO.get(source)
    if stat is not None:
        setattr(state, stat, max(0, getattr(state, stat) - 1))
    lifetime_cut = min(points, state.lifetime.get(category, 0))
    balance_cut = min(points, state.balance)
    if lifetime_cut == 0 and balance_cut == 0:
        return None
    change = LedgerChange(category, -lifetime_cut, -balance_cut, source, reason)
    apply_change(state, change)
    return change


def _check_amount(rules: GrowthRules, amount: object, category: str) -> RefusalReason | None:
    if isinstance(amount, bool) or not isinstance(amount, int) or amount <= 0:
        return RefusalReason.INVALID_AMOUNT
    if amount > rules.max_admin_amount:
        return RefusalReason.ABSURD_AMOUNT
    if category not in rules.categories:
        return RefusalReason.UNKNOWN_CATEGORY
    return None


def admin_grant(
    rules: GrowthRules,
    state: MemberGrowthState,
    *,
    amount: int,
    reason: str,
    category: str | None = None,
) -> LedgerChange | Refusal:
    """A moderator grants ``amount`` points (positive whole number up to max_admin_amount)."""
    category = category or rules.admin_category
    problem = _check_amount(rules, amount, category)
    if problem is not None:
        return Refusal(problem, Source.ADMIN)
    change = LedgerChange(category, amount, amount, Source.ADMIN, reason)
    apply_change(state, change)
    return change


def admin_revoke(
    rules: GrowthRules,
    state: MemberGrowthState,
    *,
    amount: int,
    reason: str,
    category: str | None = None,
) -> LedgerChange | Refusal:
    """A moderator takes back up to ``amount`` points from ``category`` and the balance.

    Both numbers are bounded by what the member holds (never negative); the returned change
    carries the amounts actually taken, for the reply and the ledger.
    """
    category = category or rules.admin_category
    problem = _check_amount(rules, amount, category)
    if problem is not None:
        return Refusal(problem, Source.ADMIN)
    lifetime_cut = min(amount, state.lifetime.get(category, 0))
    balance_cut = min(amount, state.balance)
    if lifetime_cut == 0 and balance_cut == 0:
        return Refusal(RefusalReason.NOTHING_TO_REVOKE, Source.ADMIN)
    change = LedgerChange(category, -lifetime_cut, -balance_cut, Source.ADMIN, reason)
    apply_change(state, change)
    return change


def apply_change(state: MemberGrowthState, change: LedgerChange) -> None:
    """Replay one ledger row onto the totals (used to rebuild state from the ledger).

    Raises ``ValueError`` if the row would make a total negative: such a ledger is corrupt
    and must not be silently clamped.
    """
    category = change.category
    lifetime = state.lifetime.get(category, 0) + change.lifetime_delta
    balance = state.balance + change.balance_delta
    if lifetime < 0 or balance < 0:
        raise ValueError(
            f"ledger change {change} would make {'lifetime' if lifetime < 0 else 'balance'} "
            "negative"
        )
    if change.lifetime_delta:
        state.lifetime[category] = lifetime
        state.lifetime_total += change.lifetime_delta
    state.balance = balance
    if change.source == Source.PURCHASE:
        state.spent -= change.balance_delta
