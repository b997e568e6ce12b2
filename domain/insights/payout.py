"""Value sharing: split a reward pool among contributors, exactly, by a weighted formula.

Why integer cents and largest remainder: a treasurer pays real money. Rounding each share
separately can create or lose a cent; the largest-remainder method floors every exact
share and hands the leftover cents, one each, to the largest fractional parts, so the parts
always sum to the pool and no part is negative. Ties are broken by member id, so the split
is reproducible.

The formula (seed: contribution 40 %, cost 30 %, partner 30 %): each component's raw values
are turned into shares of that component's total, the member's share is the weighted sum
of the component shares. A component nobody scored in (total 0) hands its weight to the
others in proportion, so the pool is always fully distributed when anyone contributed.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from decimal import Decimal, InvalidOperation
from fractions import Fraction

COMPONENTS = ("contribution", "cost", "partner")


@dataclass(frozen=True, slots=True)
class PayoutLine:
    member_id: str
    cents: int
    share: float
    components: dict[str, float]


def parse_amount_cents(text: str, *, max_cents: int = 10**13) -> int:
    """``"1000"`` / ``"1,000.50"`` -> cents; ValueError with the reason otherwise."""
    cleaned = text.strip().replace(",", "").replace("_", "")
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        raise ValueError(f"{text!r} is not an amount; write it like 1000 or 1000.50") from None
    if not value.is_finite():
        raise ValueError(f"{text!r} is not a finite amount")
    if value <= 0:
        raise ValueError(f"the pool must be more than 0, got {text!r}")
    if value != value.quantize(Decimal("0.01")):
        raise ValueError(f"{text!r} has more than two decimals; amounts are in cents")
    cents = int(value * 100)
    if cents > max_cents:
        raise ValueError(f"{text!r} is too large (at most {max_cents // 100:,})")
    return cents


def format_cents(cents: int) -> str:
    sign = "-" if cents < 0 else ""
    cents = abs(cents)
    return f"{sign}{cents // 100}.{cents % 100:02d}"


def _exact(value: float | int | Fraction) -> Fraction:
    """A number as the fraction it was written as (``0.4`` is 2/5, not its binary double)."""
    if isinstance(value, (int, Fraction)):
        return Fraction(value)
    return Fraction(repr(float(value)))


def largest_remainder(total: int, weights: Mapping[str, Fraction | int | float]) -> dict[str, int]:
    """Split ``total`` (integer units) in proportion to ``weights``; the parts sum to total.

    Weights must be finite and >= 0 with a positive sum; every part is >= 0.
    """
    if total < 0:
        raise ValueError(f"total must be >= 0, got {total}")
    exact: dict[str, Fraction] = {}
    for key, weight in weights.items():
        if isinstance(weight, float) and not math.isfinite(weight):
            raise ValueError(f"weight of {key!r} is not finite: {weight!r}")
        value = _exact(weight)
        if value < 0:
            raise ValueError(f"weight of {key!r} is negative: {weight!r}")
        exact[key] = value
    weight_sum = sum(exact.values(), Fraction(0))
    if weight_sum <= 0:
        raise ValueError("the weights sum to 0: nobody to split among")
    floors: dict[str, int] = {}
    remainders: list[tuple[Fraction, str]] = []
    for key, value in exact.items():
        share = total * value / weight_sum
        floor = share.numerator // share.denominator
        floors[key] = floor
        remainders.append((share - floor, key))
    left = total - sum(floors.values())
    remainders.sort(key=lambda pair: (-pair[0], pair[1]))
    for _, key in remainders[:left]:
        floors[key] += 1
    return floors


def member_shares(raw: Mapping[str, Mapping[str, float]],
                  weights: Mapping[str, float]) -> dict[str, Fraction]:
    """Each member's share of the pool (sums to 1 when anyone scored), exact fractions.

    ``raw[member][component]`` are the component values (>= 0); ``weights`` per component.
    """
    components = list(weights)
    totals = {c: Fraction(0) for c in components}
    values: dict[str, dict[str, Fraction]] = {}
    for member, parts in raw.items():
        row: dict[str, Fraction] = {}
        for c in components:
            v = float(parts.get(c, 0.0))
            if not math.isfinite(v) or v < 0:
                raise ValueError(f"{c} of {member!r} must be a finite number >= 0, got {v!r}")
            row[c] = _exact(v)
            totals[c] += row[c]
        values[member] = row
    live = {c: _exact(weights[c]) for c in components if totals[c] > 0}
    live_sum = sum(live.values(), Fraction(0))
    if live_sum <= 0:
        return {}
    shares: dict[str, Fraction] = {}
    for member, row in values.items():
        share = sum((w / live_sum) * row[c] / totals[c] for c, w in live.items())
        if share > 0:
            shares[member] = share
    return shares


def split_pool(pool_cents: int, raw: Mapping[str, Mapping[str, float]],
               weights: Mapping[str, float]) -> list[PayoutLine]:
    """The payout lines (largest first, then by member id); they sum to ``pool_cents``.

    Empty when nobody contributed anything (there is nobody to pay).
    """
    if pool_cents <= 0:
        raise ValueError(f"pool must be > 0 cents, got {pool_cents}")
    shares = member_shares(raw, weights)
    if not shares:
        return []
    cents = largest_remainder(pool_cents, shares)
    lines = [PayoutLine(m, cents[m], float(shares[m]), {c: float(raw[m].get(c, 0.0))
                                                        for c in weights})
             for m in shares]
    return sorted(lines, key=lambda line: (-line.cents, line.member_id))


PERIOD_KINDS = ("month", "week")


def period_bounds(kind: str, period: str | None, reference: datetime,
                  zone: tzinfo) -> tuple[str, datetime, datetime]:
    """``(period id, start, end)`` of a payout period in the community's time zone.

    ``month`` ids look like ``2026-02``, ``week`` ids like ``2026-W06`` (ISO weeks). Without
    an id the last *complete* period before ``reference`` is used: paying out a period that
    is still running would pay for half the work. Raises ValueError with an example.
    """
    if kind not in PERIOD_KINDS:
        raise ValueError(f"period must be one of {', '.join(PERIOD_KINDS)}, got {kind!r}")
    local = reference.astimezone(zone)
    if kind == "month":
        if period is None:
            first = local.date().replace(day=1)
            prev = first - timedelta(days=1)
            year, month = prev.year, prev.month
        else:
            match = re.fullmatch(r"(\d{4})-(\d{2})", period.strip())
            if not match or not 1 <= int(match.group(2)) <= 12:
                raise ValueError(f"{period!r} is not a month; write it like 2026-02")
            year, month = int(match.group(1)), int(match.group(2))
        start_day = date(year, month, 1)
        end_day = date(year + month // 12, month % 12 + 1, 1)
        ident = f"{year:04d}-{month:02d}"
    else:
        if period is None:
            this_monday = local.date() - timedelta(days=local.weekday())
            start_day = this_monday - timedelta(days=7)
        else:
            match = re.fullmatch(r"(\d{4})-W(\d{2})", period.strip().upper())
            if not match:
                raise ValueError(f"{period!r} is not an ISO week; write it like 2026-W06")
            try:
                start_day = date.fromisocalendar(int(match.group(1)), int(match.group(2)), 1)
            except ValueError:
                raise ValueError(f"{period!r} is not a week of that year") from None
        end_day = start_day + timedelta(days=7)
        iso = start_day.isocalendar()
        ident = f"{iso.year:04d}-W{iso.week:02d}"
    start = datetime.combine(start_day, time(0), zone).astimezone(UTC)
    end = datetime.combine(end_day, time(0), zone).astimezone(UTC)
    return ident, start, end
