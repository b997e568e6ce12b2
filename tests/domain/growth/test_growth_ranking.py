"""Leaderboards: deterministic order, windows."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from hypothesis import given
from hypothesis import strategies as st

from domain.growth.ranking import Window, parse_window, rank_entries, rank_of, window_start


def test_order_points_then_earlier_then_id():
    rows = [("dc:b", 50, None), ("dc:a", 50, None), ("dc:c", 50, 100.0), ("dc:d", 70, 500.0)]
    ranked = rank_entries(rows)
    assert [(e.rank, e.member_id) for e in ranked] == [(1, "dc:d"), (2, "dc:c"), (3, "dc:a"),
                                                       (4, "dc:b")]
    assert [e.member_id for e in rank_entries(rows, limit=2)] == ["dc:d", "dc:c"]
    assert rank_entries([("x", 1), ("y", 2)])[0].member_id == "y"


@given(st.lists(st.tuples(st.integers(0, 30), st.integers(0, 5)), max_size=40))
def test_ranking_is_deterministic_and_rank_of_agrees(raw):
    rows = [(f"m{i}", points, float(reached)) for i, (points, reached) in enumerate(raw)]
    full = rank_entries(rows)
    assert full == rank_entries(list(reversed(rows)))
    assert [e.points for e in full] == sorted((r[1] for r in rows), reverse=True)
    for entry in full:
        assert rank_of(rows, entry.member_id) == entry
    assert rank_of(rows, "nobody") is None
    assert rank_entries(rows, limit=5) == full[:5]


def test_windows():
    now = datetime(2024, 5, 8, 20, 0, tzinfo=UTC)  # Wednesday
    assert window_start("all", now) is None
    assert window_start(Window.WEEK, now) == datetime(2024, 5, 6, tzinfo=UTC)
    assert window_start(Window.MONTH, now) == datetime(2024, 5, 1, tzinfo=UTC)
    shanghai = ZoneInfo("Asia/Shanghai")
    sunday_night = datetime(2024, 5, 12, 17, 0, tzinfo=UTC)  # Monday 01:00 in Shanghai
    assert window_start(Window.WEEK, sunday_night, shanghai) == \
        datetime(2024, 5, 13, tzinfo=shanghai)


def test_parse_window_aliases():
    assert parse_window("Week") == Window.WEEK and parse_window("本月") == Window.MONTH
    assert parse_window("") == Window.ALL and parse_window("全部") == Window.ALL
    assert parse_window("year") is None
