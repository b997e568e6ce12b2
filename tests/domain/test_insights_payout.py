"""Value sharing: exact splits in integer cents, the weighted formula, amounts, periods.

Why: a treasurer pays real money from this; rounding must never create or lose a cent and
no member may get a negative part, whatever the inputs (property-based).
"""

from __future__ import annotations

from datetime import UTC, datetime
from fractions import Fraction
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.insights.payout import (
    format_cents,
    largest_remainder,
    member_shares,
    parse_amount_cents,
    period_bounds,
    split_pool,
)

WEIGHTS = {"contribution": 0.4, "cost": 0.3, "partner": 0.3}


@given(st.integers(min_value=0, max_value=10**12),
       st.dictionaries(st.text(min_size=1, max_size=6),
                       st.floats(min_value=0, max_value=1e9, allow_nan=False), min_size=1,
                       max_size=50).filter(lambda d: sum(d.values()) > 0))
def test_largest_remainder_is_exact(total: int, weights: dict[str, float]) -> None:
    parts = largest_remainder(total, weights)
    assert sum(parts.values()) == total
    assert all(v >= 0 for v in parts.values())
    weight_sum = sum(Fraction(w) for w in weights.values())
    for key, part in parts.items():
        exact = total * Fraction(weights[key]) / weight_sum
        assert exact - 1 < part < exact + 1


components = st.fixed_dictionaries({
    "contribution": st.floats(min_value=0, max_value=1e6, allow_nan=False),
    "cost": st.floats(min_value=0, max_value=1e4, allow_nan=False),
    "partner": st.integers(min_value=0, max_value=500).map(float)})


@given(st.integers(min_value=1, max_value=10**11),
       st.dictionaries(st.text(min_size=1, max_size=5), components, max_size=40))
def test_pool_is_split_exactly_or_not_at_all(pool: int, raw: dict) -> None:
    lines = split_pool(pool, raw, WEIGHTS)
    if not any(any(v > 0 for v in parts.values()) for parts in raw.values()):
        assert lines == []
        return
    assert sum(line.cents for line in lines) == pool
    assert all(line.cents >= 0 for line in lines)
    assert abs(sum(line.share for line in lines) - 1) < 1e-9


def test_weights_apply_per_component() -> None:
    raw = {"a": {"contribution": 100, "cost": 0, "partner": 0},
           "b": {"contribution": 0, "cost": 10, "partner": 0},
           "c": {"contribution": 0, "cost": 0, "partner": 3}}
    cents = {line.member_id: line.cents for line in split_pool(100_000, raw, WEIGHTS)}
    assert cents == {"a": 40_000, "b": 30_000, "c": 30_000}


def test_empty_component_hands_its_weight_on() -> None:
    raw = {"a": {"contribution": 300, "cost": 1, "partner": 0},
           "b": {"contribution": 100, "cost": 3, "partner": 0}}
    shares = member_shares(raw, WEIGHTS)
    # partner is empty: contribution and cost keep their 4:3 ratio
    assert shares["a"] == Fraction(4, 7) * Fraction(3, 4) + Fraction(3, 7) * Fraction(1, 4)
    assert sum(shares.values()) == 1


def test_three_way_tie_leaves_no_cent_behind() -> None:
    raw = {m: {"contribution": 1, "cost": 1, "partner": 1} for m in ("x", "y", "z")}
    cents = sorted(line.cents for line in split_pool(100, raw, WEIGHTS))
    assert cents == [33, 33, 34]


def test_amounts() -> None:
    assert parse_amount_cents("1000") == 100_000
    assert parse_amount_cents("1,000.50") == 100_050
    assert parse_amount_cents(" 0.01 ") == 1
    for bad, why in [("abc", "not an amount"), ("-5", "more than 0"), ("0", "more than 0"),
                     ("1.005", "two decimals"), ("inf", "finite"), ("1e20", "too large")]:
        with pytest.raises(ValueError, match=why):
            parse_amount_cents(bad)
    assert format_cents(100_050) == "1000.50" and format_cents(5) == "0.05"


def test_periods() -> None:
    zone = ZoneInfo("Asia/Shanghai")
    ref = datetime(2026, 3, 5, 12, tzinfo=UTC)
    ident, start, end = period_bounds("month", None, ref, zone)
    assert ident == "2026-02"
    assert start == datetime(2026, 1, 31, 16, tzinfo=UTC)  # 1 Feb 00:00 in Shanghai
    assert end == datetime(2026, 2, 28, 16, tzinfo=UTC)
    assert period_bounds("month", "2025-12", ref, zone)[0] == "2025-12"
    assert period_bounds("month", "2025-12", ref, ZoneInfo("UTC"))[2] == \
        datetime(2026, 1, 1, tzinfo=UTC)
    ident, start, end = period_bounds("week", None, ref, ZoneInfo("UTC"))
    assert ident == "2026-W09" and (end - start).days == 7
    assert period_bounds("week", "2026-w06", ref, zone)[0] == "2026-W06"
    for kind, bad in [("month", "2026-13"), ("month", "Feb"), ("week", "2026-W60"),
                      ("year", None)]:
        with pytest.raises(ValueError):
            period_bounds(kind, bad, ref, zone)
