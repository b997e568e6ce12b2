"""The [insights] config section and the recurring recompute schedules."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.config import ConfigError, default_config, parse_config
from bot.insights.config import InsightsSettings
from bot.insights.wiring import ensure_schedules, schedule_key

C = "console:demo"


def test_defaults_and_section_registered() -> None:
    config = default_config(communities=[{"platform": "console", "id": "demo"}])
    settings = config.community(C).insights
    assert isinstance(settings, InsightsSettings)
    assert settings.payout.weights() == {"contribution": 0.4, "cost": 0.3, "partner": 0.3}
    assert settings.experiments.max_per_day == 5 and settings.churn.warning_hours == 72


@pytest.mark.parametrize(("toml", "message"), [
    ("[insights.payout]\ncontribution = 0.5", "must sum to 1"),
    ("[insights.rfm]\ndormant_after_days = 40", "less than"),
    ("[insights.rfm]\nrecompute_cron = 'every day'", "cron"),
    ("[insights]\ncolour = 'red'", "unknown key"),
    ("[[insights.experiments.definitions]]\nname = 'x'\narms = ['solo']", "two arms"),
    ("[[insights.experiments.definitions]]\nname = 'X Y'\narms = ['a', 'b']", "valid"),
    ("[[insights.experiments.definitions]]\nname = 'x'\narms = ['a', 'b']\nweights = [1]",
     "one per arm"),
])
def test_bad_settings_are_explained(toml: str, message: str) -> None:
    with pytest.raises(ConfigError) as info:
        parse_config(toml)
    assert message in str(info.value)


def test_override_per_community() -> None:
    config = parse_config("""
[insights.churn]
horizon_days = 10
[[communities]]
platform = "console"
id = "demo"
[communities.insights.payout]
contribution = 0.6
cost = 0.2
partner = 0.2
""")
    settings = config.community(C).insights
    assert settings.churn.horizon_days == 10 and settings.payout.contribution == 0.6


async def test_schedules_follow_the_config(sqlite_url: str, make_app) -> None:
    from bot.scheduler.repository import list_pending

    app = await make_app(sqlite_url)
    community = app.config.community(C)
    now = datetime(2026, 3, 1, 12, tzinfo=UTC)
    async with app.sessions() as session:
        first = await ensure_schedules(session, community, now)
        again = await ensure_schedules(session, community, now)
        await session.commit()
        items = await list_pending(session, community_id=C)
    assert first == again and len(first) == 2
    kinds = {i.kind: i for i in items}
    assert set(kinds) == {"segments_recompute", "churn_recompute"}
    assert kinds["segments_recompute"].recurrence and \
        kinds["segments_recompute"].due_at == datetime(2026, 3, 2, 4, tzinfo=UTC)
    changed = default_config(sqlite_url, communities=[{"platform": "console", "id": "demo"}],
                             insights={"rfm": {"recompute_cron": "0 6 * * mon"},
                                       "enabled": True})
    async with app.sessions() as session:
        await ensure_schedules(session, changed.community(C), now)
        await session.commit()
        items = {i.kind: i for i in await list_pending(session, community_id=C)}
    assert items["segments_recompute"].due_at == datetime(2026, 3, 2, 6, tzinfo=UTC)
    off = default_config(sqlite_url, communities=[{"platform": "console", "id": "demo"}],
                         insights={"enabled": False})
    async with app.sessions() as session:
        await ensure_schedules(session, off.community(C), now)
        await session.commit()
        assert await list_pending(session, community_id=C) == []
    assert schedule_key("churn_recompute", C) == f"insights:churn_recompute:{C}"
