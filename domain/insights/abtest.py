"""A/B tests of nudges: stable assignment, conversion per arm, and the significance test.

Why hashing for assignment: the same member must land in the same arm every time the
experiment asks (a restart, another process, a second nudge), without storing anything
first; ``sha256(experiment, member)`` mapped to [0, 1) is uniform and independent between
experiments, so one experiment's arms do not line up with another's.

Why "not enough data yet" is a result, not an error: a two-proportion z-test on a handful of
members says nothing, and a team reading "B wins, p = 0.04" from 9 members would act on
noise. The test is only run once every arm has enough exposed members and the normal
approximation holds (expected conversions and non-conversions >= 5 in every arm).
"""

from __future__ import annotations

import hashlib
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

NAME_RE = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,47}$")
ARM_RE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,31}$")
MIN_EXPECTED = 5  # expected successes/failures per arm for the normal approximation
MAX_ARMS = 8


def assign_arm(experiment: str, member_id: str, arms: Sequence[str],
               weights: Sequence[float] | None = None) -> str:
    """The member's arm: a deterministic function of (experiment, member)."""
    if not arms:
        raise ValueError("an experiment needs at least one arm")
    if weights is None:
        weights = [1.0] * len(arms)
    if len(weights) != len(arms) or any(w < 0 for w in weights) or sum(weights) <= 0:
        raise ValueError(f"weights {list(weights)} do not fit arms {list(arms)}")
    digest = hashlib.sha256(f"{experiment}\x1f{member_id}".encode()).digest()
    u = int.from_bytes(digest[:8], "big") / 2**64
    total = float(sum(weights))
    acc = 0.0
    for arm, weight in zip(arms, weights, strict=True):
        acc += weight / total
        if u < acc:
            return arm
    return arms[-1]


def normal_sf(z: float) -> float:
    """P(Z > z) for a standard normal Z."""
    return 0.5 * math.erfc(z / math.sqrt(2.0))


def two_proportion_ztest(x1: int, n1: int, x2: int, n2: int) -> tuple[float, float]:
    """Pooled two-proportion z statistic of arm 2 vs arm 1 and its two-sided p-value."""
    if n1 <= 0 or n2 <= 0:
        raise ValueError("both arms need at least one exposed member")
    if not (0 <= x1 <= n1 and 0 <= x2 <= n2):
        raise ValueError(f"conversions must be within 0..exposed, got {x1}/{n1}, {x2}/{n2}")
    pooled = (x1 + x2) / (n1 + n2)
    se = math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
    if se == 0:
        return 0.0, 1.0
    z = (x2 / n2 - x1 / n1) / se
    return z, min(1.0, 2 * normal_sf(abs(z)))


def wilson_interval(x: int, n: int, z: float = 1.959963984540054) -> tuple[float, float]:
    """95 % Wilson score interval of a proportion (sensible at 0 % and 100 %)."""
    if n <= 0:
        return 0.0, 1.0
    p = x / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    # clamp: at 0 % and 100 % rounding can put a bound a hair on the wrong side of p
    return max(0.0, min(p, centre - half)), min(1.0, max(p, centre + half))


@dataclass(frozen=True, slots=True)
class ArmResult:
    arm: str
    exposed: int
    converted: int

    @property
    def rate(self) -> float:
        return self.converted / self.exposed if self.exposed else 0.0

    @property
    def interval(self) -> tuple[float, float]:
        return wilson_interval(self.converted, self.exposed)


@dataclass(frozen=True, slots=True)
class Comparison:
    """One arm against the control (the first arm); ``p_value`` is Bonferroni-adjusted for
    the number of comparisons."""

    arm: str
    control: str
    lift: float  # difference of conversion rates, arm minus control
    z: float
    p_value: float
    significant: bool


@dataclass(frozen=True, slots=True)
class ExperimentResult:
    name: str
    arms: tuple[ArmResult, ...]
    status: str  # not_enough_data | no_effect | effect
    comparisons: tuple[Comparison, ...] = ()
    reason: str = ""  # why there is not enough data (a catalogue key suffix)
    needed: int = 0  # exposed members the smallest arm still needs
    min_per_arm: int = 0
    details: dict[str, object] = field(default_factory=dict)

    @property
    def winner(self) -> str | None:
        """The arm significantly better than control with the largest lift, if any."""
        better = [c for c in self.comparisons if c.significant and c.lift > 0]
        return max(better, key=lambda c: c.lift).arm if better else None


def analyse(name: str, arms: Sequence[str], counts: Mapping[str, tuple[int, int]], *,
            alpha: float = 0.05, min_per_arm: int = 30) -> ExperimentResult:
    """Conversion per arm and each arm vs the first (control); ``counts[arm]`` is
    ``(exposed, converted)``."""
    if not 0 < alpha < 1:
        raise ValueError(f"alpha must be within (0, 1), got {alpha}")
    results = tuple(ArmResult(arm, *counts.get(arm, (0, 0))) for arm in arms)
    if len(results) < 2:
        return ExperimentResult(name, results, "not_enough_data", reason="one_arm",
                                min_per_arm=min_per_arm)
    smallest = min(r.exposed for r in results)
    if smallest < min_per_arm:
        return ExperimentResult(name, results, "not_enough_data", reason="few_members",
                                needed=min_per_arm - smallest, min_per_arm=min_per_arm)
    total_x = sum(r.converted for r in results)
    total_n = sum(r.exposed for r in results)
    pooled = total_x / total_n
    if min(min(pooled, 1 - pooled) * r.exposed for r in results) < MIN_EXPECTED:
        return ExperimentResult(name, results, "not_enough_data", reason="few_conversions",
                                min_per_arm=min_per_arm)
    control = results[0]
    comparisons: list[Comparison] = []
    for other in results[1:]:
        z, p = two_proportion_ztest(control.converted, control.exposed, other.converted,
                                    other.exposed)
        adjusted = min(1.0, p * (len(results) - 1))
        comparisons.append(Comparison(other.arm, control.arm, other.rate - control.rate, z,
                                      adjusted, adjusted < alpha))
    status = "effect" if any(c.significant for c in comparisons) else "no_effect"
    return ExperimentResult(name, results, status, tuple(comparisons),
                            min_per_arm=min_per_arm)


@dataclass
class ExperimentView:
    """An experiment as shown in ``/experiments`` and the report: what it is and its
    current result (``pending``: exposures whose window is still open, not yet counted)."""

    name: str
    arms: tuple[str, ...]
    window_minutes: int
    status: str  # running | stopped | ended | observed (read from a nudge log)
    source: str  # command | config | nudges | demo
    started_at: datetime | None
    result: ExperimentResult
    pending: int = 0  # exposures whose window is still open


# -- commands -------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class ExperimentSpec:
    name: str
    arms: tuple[str, ...]
    window_minutes: int
    days: float | None = None
    weights: tuple[float, ...] | None = None


@dataclass(frozen=True, slots=True)
class SpecError:
    """Why an experiment definition was refused: catalogue key ``insights.experiment.<key>``
    and its fields."""

    key: str
    fields: dict[str, object] = field(default_factory=dict)


_DURATION = re.compile(r"^(\d+(?:\.\d+)?)\s*(m|min|mins|minutes?|h|hours?|d|days?|分钟|小时|天)$")
_MINUTES = {"m": 1, "min": 1, "mins": 1, "minute": 1, "minutes": 1, "分钟": 1,
            "h": 60, "hour": 60, "hours": 60, "小时": 60, "d": 1440, "day": 1440,
            "days": 1440, "天": 1440}


def parse_duration_minutes(text: str) -> int | None:
    """``4h`` / ``30m`` / ``2d`` / ``4小时`` -> minutes (None when not a duration)."""
    match = _DURATION.match(text.strip().lower())
    if not match:
        return None
    minutes = float(match.group(1)) * _MINUTES[match.group(2)]
    return round(minutes) if minutes >= 1 else None


def parse_spec(text: str, *, default_window_minutes: int,
               max_window_minutes: int = 30 * 1440) -> ExperimentSpec | SpecError:
    """``NAME arms=a,b window=4h [days=7] [weights=50,50]`` -> spec or a specific error."""
    tokens = text.split()
    if not tokens:
        return SpecError("usage")
    name, options = tokens[0].lower(), tokens[1:]
    if "=" in name or not NAME_RE.match(name):
        return SpecError("bad_name", {"name": tokens[0][:60]})
    values: dict[str, str] = {}
    for token in options:
        key, sep, value = token.partition("=")
        key = key.lower()
        if not sep or key not in ("arms", "window", "days", "weights"):
            return SpecError("bad_option", {"option": token[:60]})
        if key in values:
            return SpecError("repeated_option", {"option": key})
        values[key] = value
    arms = tuple(a.strip().lower() for a in values.get("arms", "").split(",") if a.strip())
    if not arms:
        return SpecError("no_arms")
    bad = [a for a in arms if not ARM_RE.match(a)]
    if bad:
        return SpecError("bad_arm", {"arm": bad[0][:40]})
    if len(set(arms)) != len(arms):
        return SpecError("duplicate_arm")
    if len(arms) < 2:
        return SpecError("one_arm", {"arm": arms[0]})
    if len(arms) > MAX_ARMS:
        return SpecError("too_many_arms", {"max": MAX_ARMS})
    window = default_window_minutes
    if "window" in values:
        parsed = parse_duration_minutes(values["window"])
        if parsed is None:
            return SpecError("bad_window", {"window": values["window"][:40]})
        window = parsed
    if window > max_window_minutes:
        return SpecError("window_too_long", {"days": max_window_minutes // 1440})
    days: float | None = None
    if "days" in values:
        try:
            days = float(values["days"])
        except ValueError:
            days = None
        if days is None or not math.isfinite(days) or not 0 < days <= 365:
            return SpecError("bad_days", {"days": values["days"][:40]})
    weights: tuple[float, ...] | None = None
    if "weights" in values:
        try:
            weights = tuple(float(w) for w in values["weights"].split(","))
        except ValueError:
            weights = None
        if (weights is None or len(weights) != len(arms)
                or any(not math.isfinite(w) or w <= 0 for w in weights)):
            return SpecError("bad_weights", {"arms": len(arms)})
    return ExperimentSpec(name, arms, window, days, weights)


def active_on_day(started: Sequence[tuple[float, float | None]], day_start: float,
                  day_end: float) -> int:
    """How many experiments (``(start, end or None)``) ran at some point of a day."""
    return sum(1 for start, end in started
               if start < day_end and (end is None or end > day_start))
