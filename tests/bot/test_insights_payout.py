"""``hearth payout``: the split, the ledger record, idempotency per period, the CSV.

Why: the treasurer pays out from the CSV; the parts must add up to the pool to the cent,
a period must never be paid twice, and a bad amount or period must be refused clearly.
"""

from __future__ import annotations

import csv
import io
import json
from decimal import Decimal
from pathlib import Path

from sqlalchemy import select
from typer.testing import CliRunner

from bot.cli import _register_feature_commands
from bot.cli import app as cli
from bot.simulate import simulate
from bot.storage.models import LedgerEntry, MemberStats
from tests.bot.test_insights_churn import seeded_database


def run(*args: str):
    _register_feature_commands()
    return CliRunner().invoke(cli, ["payout", *args])


def test_payout_splits_records_and_exports(tmp_path: Path) -> None:
    url = seeded_database(tmp_path / "p.db", list(simulate(members=60, days=40, seed=2)))
    out = tmp_path / "feb.csv"
    result = run("--pool", "1000.01", "--period", "month", "--database", url, "--csv",
                 str(out), "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["period"] == "2026-01" and data["recorded"] and not data["already_paid"]
    total = sum(Decimal(p["amount"]) for p in data["payouts"])
    assert total == Decimal("1000.01")
    assert all(Decimal(p["amount"]) >= 0 for p in data["payouts"])
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8"))))
    assert len(rows) == data["members"] > 10
    assert sum(Decimal(r["amount"]) for r in rows) == Decimal("1000.01")
    assert set(rows[0]) == {"period", "member_id", "name", "amount", "currency", "share",
                            "contribution", "cost", "partner"}
    assert rows[0]["currency"] == "USD" and float(rows[0]["contribution"]) > 0

    import asyncio

    from sqlalchemy.ext.asyncio import create_async_engine

    async def ledger() -> list:
        engine = create_async_engine(url)
        async with engine.connect() as conn:
            entries = (await conn.execute(select(LedgerEntry.__table__).where(
                LedgerEntry.reason == "payout"))).mappings().all()
            balances = (await conn.execute(select(MemberStats.__table__))).mappings().all()
        await engine.dispose()
        assert all(not b["balance"] for b in balances), "a payout moves no points"
        return list(entries)

    entries = asyncio.run(ledger())
    assert len(entries) == data["members"]
    assert all(e["delta"] == 0 and e["source_key"] == "payout:2026-01" for e in entries)
    assert any("1000.01" in (e["note"] or "") for e in entries)

    again = run("--pool", "1000.01", "--database", url, "--csv", str(out), "--json")
    assert again.exit_code == 0 and json.loads(again.output)["already_paid"]
    assert len(asyncio.run(ledger())) == data["members"], "a period is paid once"
    other = run("--pool", "999", "--database", url, "--csv", str(out))
    assert other.exit_code == 1 and "already paid out" in other.output
    week = run("--pool", "50", "--period", "week", "--at", "2026-W03", "--database", url,
               "--dry-run", "--json")
    assert week.exit_code == 0 and json.loads(week.output)["period"] == "2026-W03"
    assert not json.loads(week.output)["recorded"]


def test_payout_bad_input(tmp_path: Path) -> None:
    url = seeded_database(tmp_path / "b.db", list(simulate(members=10, days=5, seed=1)))
    for args, message in [(["--pool", "ten"], "not an amount"),
                          (["--pool", "-3"], "more than 0"),
                          (["--pool", "10", "--period", "year"], "month, week"),
                          (["--pool", "10", "--at", "2026-13"], "not a month"),
                          (["--pool", "10", "--at", "2025-06"], "nobody contributed")]:
        result = run(*args, "--database", url)
        assert result.exit_code in (1, 2), (args, result.output)
        assert message in result.output, (args, result.output)


async def test_payout_components_on_each_backend(db_url: str, make_app) -> None:
    from datetime import timedelta

    from bot.insights.payout import components, run_payout
    from bot.insights.report import resolve_as_of
    from bot.storage.repos.insights import InsightsRepository
    from tests.bot.test_insights_support import seed

    events = list(simulate(members=25, days=12, seed=8))
    app = await make_app(db_url)
    await seed(app.engine, events)
    community = app.config.community("console:demo")
    start, end = min(e.at for e in events), max(e.at for e in events)
    async with app.sessions() as session:
        raw = await components(InsightsRepository(session, "console:demo"),
                               start - timedelta(seconds=1), end,
                               community.insights.payout)
        reference = await resolve_as_of(session, "console:demo", None)
        outcome = await run_payout(session, community, pool_cents=12_345, kind="week",
                                   period="2026-W02", now=end, reference=reference)
    from tests.bot.test_insights_support import rows_for

    _, ledger, _ = rows_for(events)
    assert len(raw) > 10
    assert sum(v["contribution"] for v in raw.values()) == sum(r["delta"] for r in ledger)
    assert all(v["cost"] >= 1 for v in raw.values() if v["contribution"] or v["partner"])
    assert outcome.created and outcome.total_cents == 12_345
