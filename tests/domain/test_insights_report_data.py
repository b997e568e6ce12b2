"""The report's aggregations: heatmap in the community's zone, funnel, mood, SLA."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from domain.insights.report_data import activity_heatmap, mood_by_day, sla_by_day, value_funnel


def test_heatmap_uses_the_community_time_zone() -> None:
    at = datetime(2026, 1, 5, 23, 30, tzinfo=UTC)  # Monday in UTC, Tuesday 07:30 in Shanghai
    utc = activity_heatmap([at], ZoneInfo("UTC"))
    shanghai = activity_heatmap([at], ZoneInfo("Asia/Shanghai"))
    assert utc[0][23] == 1 and shanghai[1][7] == 1
    assert sum(map(sum, shanghai)) == 1


def test_funnel_steps_are_nested() -> None:
    stages = {"a": "leader", "b": "expert", "c": "active", "d": "newcomer", "x": "leader"}
    steps = value_funnel(["a", "b", "c", "d", "e"], ["a", "b", "c", "d", "x"], ["a", "b", "c"],
                         stages, ("newcomer", "active", "expert", "leader"))
    assert [(s.key, s.members) for s in steps] == [
        ("joined", 5), ("first_message", 4), ("active", 3), ("expert", 2), ("leader", 1)]
    assert [s.members for s in value_funnel([], [], [], {}, ("newcomer",))] == [0] * 5


def test_mood_and_sla() -> None:
    zone = ZoneInfo("UTC")
    day = datetime(2026, 2, 1, 10, tzinfo=UTC)
    mood = mood_by_day([(day, "pos", 0.9), (day, "neg", 0.8), (day, "pos", 0.7),
                        (day + timedelta(days=1), "neu", 0.5)], zone)
    assert mood == {"2026-02-01": (1 / 3, 3), "2026-02-02": (0.0, 1)}
    items = [(day, day + timedelta(minutes=30)), (day, day + timedelta(hours=2)), (day, None)]
    now = day + timedelta(minutes=45)
    assert sla_by_day(items, 3600, zone, now) == {"2026-02-01": (3, 2)}
    assert sla_by_day(items, 3600, zone, day + timedelta(hours=5)) == {"2026-02-01": (3, 1)}
