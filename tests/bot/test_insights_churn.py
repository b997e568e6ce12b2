"""The churn warning end to end: simulated community -> features -> model -> warning list.

Why: the model is only worth showing if it beats "days since last seen" on the same time
split, and it must refuse to report a number when the data cannot support one. The
database loader must see exactly what the event stream holds, on SQLite and PostgreSQL.
"""

from __future__ import annotations

import json
from datetime import timedelta
from functools import cache
from typing import Any

import pytest

from bot.insights.churn import churn_report, fit_and_score
from bot.insights.config import ChurnSettings
from bot.insights.history import history_from_events, load_history
from bot.simulate import simulate
from bot.storage.repos.insights import InsightsRepository
from domain.insights.churn_features import FEATURES, community_at, features
from tests.bot.test_insights_support import seed

STAGES = ("newcomer", "active", "expert", "leader")


@cache
def community(members: int, days: int, seed_: int) -> tuple[Any, ...]:
    return tuple(simulate(members=members, days=days, seed=seed_, realistic_reactions=True,
                          exposures=[]))


def test_model_beats_recency_on_a_simulated_community() -> None:
    events = community(200, 60, 7)
    history = history_from_events(events, STAGES)
    as_of = max(e.at for e in events)
    report = fit_and_score(history, "console:demo", as_of, ChurnSettings())
    assert report.status == "ok", report.message()
    assert report.features == len(FEATURES) >= 30
    assert report.auc is not None and report.baseline_auc is not None
    assert report.auc > report.baseline_auc, (report.auc, report.baseline_auc)
    assert report.test_cutoff is not None
    assert report.test_cutoff + timedelta(days=report.horizon_days) <= as_of
    assert report.valid_until == as_of + timedelta(hours=72)
    assert report.at_risk, "the simulated drifters must show up on the warning list"
    assert all(a.risk >= 0.5 for a in report.at_risk)
    assert [a.risk for a in report.at_risk] == sorted((a.risk for a in report.at_risk),
                                                      reverse=True)
    assert all(1 <= len(a.reasons) <= 3 for a in report.at_risk[:5])
    assert all(r.feature in FEATURES and r.contribution > 0 for a in report.at_risk
               for r in a.reasons)
    assert report.importance and report.importance[0][1] > 0


def test_tiny_community_says_not_enough_data() -> None:
    events = community(15, 10, 3)
    report = fit_and_score(history_from_events(events, STAGES), "console:demo",
                           max(e.at for e in events), ChurnSettings())
    assert report.status == "not_enough_data" and report.auc is None
    assert report.message().startswith("not enough data:")
    assert "10" in report.message() or "9" in report.message()  # how much history there is
    assert report.message("zh").startswith("数据不足")


def test_no_activity_at_all() -> None:
    from datetime import UTC, datetime

    report = fit_and_score(history_from_events([], STAGES), "console:x",
                           datetime(2026, 1, 1, tzinfo=UTC), ChurnSettings())
    assert report.nodata is not None and report.nodata.key == "no_activity"


async def test_database_history_matches_the_event_stream(db_url: str, make_app) -> None:
    events = community(40, 21, 5)
    app = await make_app(db_url)
    await seed(app.engine, events)
    as_of = max(e.at for e in events)
    async with app.sessions() as session:
        loaded = await load_history(InsightsRepository(session, "console:demo"), until=as_of,
                                    days=180, stages=STAGES)
    direct = history_from_events(events, STAGES)
    assert set(loaded.members) == set(direct.members)
    for cutoff in (as_of - timedelta(days=9), as_of):
        t = cutoff.timestamp()
        at_db = community_at(list(loaded.members.values()), t)
        at_ev = community_at(list(direct.members.values()), t)
        for member in sorted(direct.members):
            got = features(loaded.members[member], at_db)
            want = features(direct.members[member], at_ev)
            for name, a, b in zip(FEATURES, got, want, strict=True):
                if name in ("points_30", "points_lifetime"):
                    continue  # points come from the ledger, not from events
                assert a == pytest.approx(b, abs=1e-3), (member, name)
    assert any(h.points for h in loaded.members.values())


def seeded_database(path: Any, events: Any) -> str:
    """A migrated SQLite file holding ``events`` (built outside any running loop, so the
    CLI under test can run its own)."""
    import asyncio

    from bot.bootstrap import build_app
    from bot.config import default_config

    url = f"sqlite+aiosqlite:///{path}"

    async def build() -> None:
        app = await build_app(default_config(url, communities=[
            {"platform": "console", "id": "demo", "name": "Demo"}]))
        try:
            await seed(app.engine, events)
        finally:
            await app.close()

    asyncio.run(build())
    return url


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> str:
    """One database with the 200-member community, shared by the CLI and command tests."""
    return seeded_database(tmp_path_factory.mktemp("churn") / "demo.db", community(200, 60, 7))


def test_churn_cli_json_on_a_database(demo_db: str) -> None:
    from typer.testing import CliRunner

    from bot.cli import _register_feature_commands
    from bot.cli import app as cli

    url = demo_db
    _register_feature_commands()
    result = CliRunner().invoke(cli, ["insights", "churn", "--database", url, "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["status"] == "ok" and data["features"] >= 30
    assert data["auc"] > data["baseline_auc"]
    assert data["members_at_risk"] and data["members_at_risk"][0]["reasons"][0]["text"]
    text = CliRunner().invoke(cli, ["insights", "churn", "--database", url, "--lang", "zh"])
    assert text.exit_code == 0 and "AUC" in text.output and "风险" in text.output


def test_churn_cli_not_enough_data(tmp_path) -> None:
    from typer.testing import CliRunner

    from bot.cli import _register_feature_commands
    from bot.cli import app as cli

    url = seeded_database(tmp_path / "t.db", community(12, 8, 2))
    _register_feature_commands()
    result = CliRunner().invoke(cli, ["insights", "churn", "--database", url, "--json"])
    assert result.exit_code == 1
    data = json.loads(result.output)
    assert data["status"] == "not_enough_data" and data["auc"] is None
    assert data["message"].startswith("not enough data:")
    missing = CliRunner().invoke(cli, ["insights", "churn", "--database",
                                       f"sqlite+aiosqlite:///{tmp_path / 'nope.db'}"])
    assert missing.exit_code == 1 and "does not exist" in missing.output


async def test_churn_command_timer_and_stored_run(demo_db: str, make_app) -> None:
    from bot.insights.churn import report_from_row
    from domain.events import CommandInvoked

    app = await make_app(demo_db)
    now = max(e.at for e in community(200, 60, 7)) + timedelta(minutes=5)

    def ask(at: Any, member: str = "console:boss", roles: frozenset = frozenset({"admin"})):
        return app.pipeline.process(CommandInvoked(
            "console:demo", member, at, name="churn", channel_id="ops", roles=roles,
            interaction_id=f"churn-{at.isoformat()}-{member}"))

    replies = await ask(now)
    text = replies[0].text
    assert "Model AUC" in text and "risk" in text and "(typical" in text
    async with app.sessions() as session:
        first = await InsightsRepository(session, "console:demo").latest_churn_run()
        fresh = await churn_report(session, "console:demo",
                                   app.config.community("console:demo"), now)
    assert first is not None and first["status"] == "ok"
    stored = report_from_row(first)
    assert stored.auc == fresh.auc and stored.baseline_auc == fresh.baseline_auc
    assert [a.member_id for a in stored.at_risk] == [a.member_id for a in fresh.at_risk]
    assert stored.at_risk[0].reasons == fresh.at_risk[0].reasons
    await ask(now + timedelta(hours=1))  # within 72 h: the stored list is reused
    await app.pipeline.run_timer("churn_recompute", {}, community_id="console:demo",
                                 now=now + timedelta(hours=2))
    async with app.sessions() as session:
        latest = await InsightsRepository(session, "console:demo").latest_churn_run()
    assert latest["id"] == first["id"] + 1, "one run from the command, one from the timer"
    refused = await ask(now, member="console:u0001", roles=frozenset({"member"}))
    assert "Model AUC" not in refused[0].text
