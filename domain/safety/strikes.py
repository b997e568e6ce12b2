"""Strike ladder: how many recent strikes a member has, and what the next one brings.

A strike is a dated record; it counts while it is younger than the ladder's expiry and has
not been pardoned. The ladder maps a strike count to an action (``{1: warn, 3: timeout 1h,
5: timeout 1d, 7: ban}``): the step with the highest threshold at or below the count applies,
so the 4th strike in that ladder repeats the 1 h timeout rather than falling back to a mere
warning. Everything takes ``now`` so expiry is exact in tests and replays.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from domain.safety.verdict import ActionKind, RuleAction, parse_action, parse_duration

LADDER_KINDS = (ActionKind.WARN, ActionKind.TIMEOUT, ActionKind.BAN)

DEFAULT_LADDER: dict[int, str] = {1: "warn", 3: "timeout 1h", 5: "timeout 1d", 7: "ban"}
DEFAULT_EXPIRY = "30d"


@dataclass(frozen=True, slots=True)
class Strike:
    issued_at: datetime
    reason: str = ""
    pardoned: bool = False
    id: str | None = None


@dataclass(frozen=True, slots=True)
class StrikeDecision:
    """Outcome of issuing one more strike.

    ``count`` includes the new strike; ``escalated`` is true when this strike reached a new
    step exactly (the member is told "strike 3 of 7: timed out for 1 h").
    """

    count: int
    action: RuleAction
    max_strikes: int
    escalated: bool
    expires_at: datetime


@dataclass(frozen=True, slots=True)
class StrikeLadder:
    steps: tuple[tuple[int, RuleAction], ...]
    expire_after: timedelta

    @classmethod
    def from_mapping(
        cls,
        mapping: Mapping[int | str, str | RuleAction] | None = None,
        expire_after: timedelta | str | int = DEFAULT_EXPIRY,
    ) -> StrikeLadder:
        """Build from config; raises ``ValueError`` naming the bad step."""
        raw = DEFAULT_LADDER if mapping is None else mapping
        steps: dict[int, RuleAction] = {}
        for key, value in raw.items():
            try:
                threshold = int(key)
            except (TypeError, ValueError):
                raise ValueError(f"strike ladder key {key!r} must be a whole number") from None
            if threshold < 1:
                raise ValueError(f"strike ladder key {key!r} must be 1 or more")
            if threshold in steps:
                raise ValueError(f"strike ladder step {threshold} is given twice")
            action = parse_action(value)
            if action.kind not in LADDER_KINDS:
                raise ValueError(
                    f"strike ladder step {threshold}: {value!r} is not a strike action; "
                    "use warn, timeout DURATION or ban"
                )
            steps[threshold] = action
        if not steps:
            raise ValueError("the strike ladder needs at least one step, e.g. {1: 'warn'}")
        if isinstance(expire_after, timedelta):
            expiry = expire_after
        else:
            expiry = timedelta(seconds=parse_duration(expire_after))
        if expiry <= timedelta(0):
            raise ValueError("strike expiry must be longer than zero")
        return cls(tuple(sorted(steps.items())), expiry)

    @property
    def max_strikes(self) -> int:
        """The last step's threshold (usually the ban): the "M" in "strike N of M"."""
        return self.steps[-1][0]

    def is_active(self, strike: Strike, now: datetime) -> bool:
        return not strike.pardoned and strike.issued_at <= now < self.expires_at(strike)

    def expires_at(self, strike: Strike) -> datetime:
        return strike.issued_at + self.expire_after

    def active(self, strikes: Iterable[Strike], now: datetime) -> list[Strike]:
        return [s for s in strikes if self.is_active(s, now)]

    def count(self, strikes: Iterable[Strike], now: datetime) -> int:
        return sum(1 for s in strikes if self.is_active(s, now))

    def action_for(self, count: int) -> RuleAction | None:
        """The step for ``count`` active strikes (``None`` below the first step)."""
        chosen: RuleAction | None = None
        for threshold, action in self.steps:
            if threshold <= count:
                chosen = action
        return chosen

    def on_new_strike(self, existing: Sequence[Strike], now: datetime) -> StrikeDecision:
        """Decide what one more strike at ``now`` does, given the member's strike records."""
        return self.after_count(self.count(existing, now), now)

    def after_count(self, active_before: int, now: datetime) -> StrikeDecision:
        """What one more strike does to a member who has ``active_before`` active strikes.

        For callers that count active strikes in storage (where each strike carries its own
        expiry, fixed when it was issued) rather than from :class:`Strike` records.
        """
        if active_before < 0:
            raise ValueError("active strike count cannot be negative")
        count = active_before + 1
        action = self.action_for(count) or RuleAction(ActionKind.WARN)
        escalated = any(threshold == count for threshold, _ in self.steps)
        return StrikeDecision(
            count=count,
            action=action,
            max_strikes=self.max_strikes,
            escalated=escalated,
            expires_at=now + self.expire_after,
        )

    def next_expiry(self, strikes: Iterable[Strike], now: datetime) -> datetime | None:
        """When the next active strike lapses (for scheduling a "strike expired" row)."""
        times = [self.expires_at(s) for s in strikes if self.is_active(s, now)]
        return min(times) if times else None
