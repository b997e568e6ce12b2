"""A/B statistics: stable assignment, the z-test, A/A vs planted effect, command parsing.

Why: a test that calls noise a win makes a team ship the wrong nudge, and one that misses a
real effect wastes the experiment. Both are checked with fixed seeds: an A/A test must come
out "no effect" (and at most about alpha of many A/A tests may), a planted effect must be
found, and small samples must say "not enough data yet".
"""

from __future__ import annotations

import math
import random
from collections import Counter

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.insights.abtest import (
    ExperimentSpec,
    SpecError,
    active_on_day,
    analyse,
    assign_arm,
    parse_duration_minutes,
    parse_spec,
    two_proportion_ztest,
    wilson_interval,
)


def simulate_counts(rates: dict[str, float], n: int, seed: int) -> dict[str, tuple[int, int]]:
    """Members assigned by the real hash, converting with each arm's true rate."""
    rng = random.Random(seed)
    arms = list(rates)
    counts = {a: [0, 0] for a in arms}
    for i in range(n * len(arms)):
        arm = assign_arm(f"exp{seed}", f"dc:{i}", arms)
        counts[arm][0] += 1
        counts[arm][1] += rng.random() < rates[arm]
    return {a: (x[0], x[1]) for a, x in counts.items()}


def test_assignment_is_stable_and_balanced() -> None:
    arms = ("control", "social")
    first = [assign_arm("wake", f"m{i}", arms) for i in range(4000)]
    assert first == [assign_arm("wake", f"m{i}", arms) for i in range(4000)]
    share = Counter(first)["social"] / len(first)
    assert 0.47 < share < 0.53
    other = [assign_arm("other", f"m{i}", arms) for i in range(4000)]
    agree = sum(a == b for a, b in zip(first, other, strict=True)) / len(first)
    assert 0.45 < agree < 0.55, "experiments must not share their split"


def test_weights_are_respected() -> None:
    arms = ("a", "b")
    picks = Counter(assign_arm("w", f"m{i}", arms, [1, 3]) for i in range(8000))
    assert 0.72 < picks["b"] / 8000 < 0.78
    with pytest.raises(ValueError):
        assign_arm("w", "m", arms, [1])


def test_z_test_matches_the_formula() -> None:
    z, p = two_proportion_ztest(50, 100, 65, 100)
    pooled = 115 / 200
    expected = 0.15 / math.sqrt(pooled * (1 - pooled) * (2 / 100))
    assert abs(z - expected) < 1e-12
    assert abs(p - math.erfc(expected / math.sqrt(2))) < 1e-12
    assert 0.03 < p < 0.04
    assert two_proportion_ztest(0, 10, 0, 10) == (0.0, 1.0)


def test_wilson_interval() -> None:
    low, high = wilson_interval(0, 20)
    assert low == 0 and 0.1 < high < 0.2
    low, high = wilson_interval(10, 20)
    assert low < 0.5 < high


def test_a_a_test_finds_no_effect() -> None:
    # One fixed draw; any single A/A test is "significant" with probability alpha, which
    # the next test bounds over many draws.
    result = analyse("aa", ("a", "b"), simulate_counts({"a": 0.2, "b": 0.2}, 400, seed=1))
    assert result.status == "no_effect" and result.winner is None


def test_a_a_false_positive_rate_is_about_alpha() -> None:
    wins = sum(analyse("aa", ("a", "b"), simulate_counts({"a": 0.25, "b": 0.25}, 300,
                                                         seed=s)).status == "effect"
               for s in range(200))
    assert 0.01 <= wins / 200 <= 0.09


def test_planted_effect_is_found() -> None:
    result = analyse("nudge", ("control", "social"),
                     simulate_counts({"control": 0.2, "social": 0.35}, 300, seed=5))
    assert result.status == "effect" and result.winner == "social"
    comparison = result.comparisons[0]
    assert comparison.control == "control" and comparison.lift > 0.08
    power = sum(analyse("n", ("c", "t"), simulate_counts({"c": 0.2, "t": 0.35}, 300,
                                                         seed=s)).winner == "t"
                for s in range(100))
    assert power >= 90


def test_several_arms_are_corrected_for_multiple_comparisons() -> None:
    counts = {"c": (200, 40), "t1": (200, 58), "t2": (200, 41)}
    _z, raw = two_proportion_ztest(40, 200, 58, 200)
    result = analyse("three", ("c", "t1", "t2"), counts)
    t1 = next(c for c in result.comparisons if c.arm == "t1")
    assert raw < 0.05 and abs(t1.p_value - min(1.0, 2 * raw)) < 1e-12


def test_not_enough_data_yet() -> None:
    few = analyse("x", ("a", "b"), {"a": (12, 3), "b": (40, 20)}, min_per_arm=30)
    assert few.status == "not_enough_data" and few.reason == "few_members"
    assert few.needed == 18
    rare = analyse("x", ("a", "b"), {"a": (40, 0), "b": (40, 1)}, min_per_arm=30)
    assert rare.status == "not_enough_data" and rare.reason == "few_conversions"
    one = analyse("x", ("a",), {"a": (400, 100)})
    assert one.status == "not_enough_data" and one.reason == "one_arm"


def test_spec_parsing() -> None:
    spec = parse_spec("Wake-Copy arms=control,social window=4h days=7", default_window_minutes=240)
    assert spec == ExperimentSpec("wake-copy", ("control", "social"), 240, 7.0, None)
    assert parse_spec("x arms=a,b", default_window_minutes=90).window_minutes == 90
    assert parse_spec("x arms=a,b weights=1,3", default_window_minutes=60).weights == (1, 3)
    for text, key in [("x arms=solo", "one_arm"), ("x arms=a,a", "duplicate_arm"),
                      ("x arms=a,b window=soon", "bad_window"), ("x", "no_arms"),
                      ("x arms=a,b colour=red", "bad_option"), ("", "usage"),
                      ("x arms=a,b window=90d", "window_too_long"),
                      ("x arms=a,b weights=1", "bad_weights"), ("x arms=a,b days=-1", "bad_days"),
                      ("bad/name arms=a,b", "bad_name"), ("x arms=a,b arms=c,d",
                                                          "repeated_option")]:
        result = parse_spec(text, default_window_minutes=240)
        assert isinstance(result, SpecError) and result.key == key, text


@given(st.text(max_size=80))
def test_spec_parser_never_raises(text: str) -> None:
    result = parse_spec(text, default_window_minutes=240)
    assert isinstance(result, (ExperimentSpec, SpecError))


def test_durations() -> None:
    assert parse_duration_minutes("4h") == 240
    assert parse_duration_minutes("30m") == 30
    assert parse_duration_minutes("2d") == 2880
    assert parse_duration_minutes("4小时") == 240
    assert parse_duration_minutes("0.5h") == 30
    assert parse_duration_minutes("soon") is None and parse_duration_minutes("0m") is None


def test_experiments_on_a_day() -> None:
    day = 1_000_000.0
    runs = [(day - 10, None), (day - 10, day - 1), (day + 5, day + 9), (day + 90_000, None)]
    assert active_on_day(runs, day, day + 86_400) == 2
