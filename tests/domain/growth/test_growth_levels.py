"""Level curves: MEE6 (default), linear, table."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.growth.levels import (
    MEE6_CURVE,
    LevelCurve,
    level_for,
    level_up,
    mee6_step,
    mee6_total,
    progress,
)


def test_mee6_known_values():
    # MEE6: 100 XP for level 1, then 155, 220, 295 ... (5L^2 + 50L + 100)
    assert [mee6_step(level) for level in range(4)] == [100, 155, 220, 295]
    assert [mee6_total(level) for level in range(5)] == [0, 100, 255, 475, 770]
    assert [level_for(xp) for xp in (0, 99, 100, 254, 255, 474, 475, 769, 770)] == \
        [0, 0, 1, 1, 2, 2, 3, 3, 4]


def test_mee6_total_matches_the_summed_steps():
    total = 0
    for level in range(500):
        assert mee6_total(level) == total
        total += mee6_step(level)


@given(st.integers(0, 10**40))
def test_level_for_is_consistent_with_the_curve(xp):
    level = level_for(xp)
    assert mee6_total(level) <= xp < mee6_total(level + 1)


@given(st.integers(0, 10**15), st.integers(0, 10**15))
def test_level_for_is_monotone(a, b):
    low, high = sorted((a, b))
    assert level_for(low) <= level_for(high)


@given(st.integers(0, 10**12))
def test_progress_adds_up(xp):
    p = progress(xp)
    assert p.xp_into_level + p.xp_to_next == p.xp_for_level == mee6_step(p.level)
    assert 0 <= p.xp_into_level < p.xp_for_level
    assert mee6_total(p.level) + p.xp_into_level == xp


def test_linear_curve():
    curve = LevelCurve("linear", xp_per_level=250)
    assert [curve.level_for(xp) for xp in (0, 249, 250, 1000)] == [0, 0, 1, 4]
    assert curve.progress(300).xp_to_next == 200


def test_table_curve_and_beyond_the_table():
    curve = LevelCurve("table", table=(50, 150, 400))
    assert [curve.level_for(xp) for xp in (0, 49, 50, 149, 150, 399, 400, 649, 650)] == \
        [0, 0, 1, 1, 2, 2, 3, 3, 4]
    assert curve.total_for(5) == 900  # the last step (250) repeats
    p = curve.progress(420)
    assert (p.level, p.xp_into_level, p.xp_for_level) == (3, 20, 250)


@given(st.lists(st.integers(1, 10**6), min_size=1, max_size=30, unique=True),
       st.integers(0, 10**8))
def test_table_curve_is_consistent(steps, xp):
    table = tuple(sorted(steps))
    curve = LevelCurve("table", table=table)
    level = curve.level_for(xp)
    assert curve.total_for(level) <= xp < curve.total_for(level + 1)


@pytest.mark.parametrize("kwargs,match", [
    ({"kind": "table", "table": ()}, "at least one"),
    ({"kind": "table", "table": (100, 100)}, "greater"),
    ({"kind": "linear", "xp_per_level": 0}, "xp_per_level"),
    ({"kind": "cubic"}, "unknown level curve"),
])
def test_bad_curves_are_rejected(kwargs, match):
    with pytest.raises(ValueError, match=match):
        LevelCurve(**kwargs)


def test_negative_xp_is_an_error():
    with pytest.raises(ValueError, match="negative"):
        level_for(-1)


def test_level_up_detection():
    assert level_up(MEE6_CURVE, 90, 99) is None
    assert level_up(MEE6_CURVE, 90, 100) == 1
    assert level_up(MEE6_CURVE, 90, 500) == 3
    assert level_up(MEE6_CURVE, 500, 90) is None
