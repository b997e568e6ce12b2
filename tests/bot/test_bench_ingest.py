"""``hearth bench ingest``: the three measurements run and print the keys the issue names.

Not a timing test (numbers depend on the machine); it checks the benchmark really stores
what it claims: the pipeline's messages are durable in SQLite when it reports them.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

from typer.testing import CliRunner


def test_bench_ingest_json_has_every_key() -> None:
    import bot.cli_features  # noqa: F401 - mounts the feature commands
    from bot.cli import app

    result = CliRunner().invoke(app, ["bench", "ingest", "--messages", "1000", "--naive",
                                      "100", "--seconds", "0.3", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output.strip().splitlines()[-1])
    for key in ("pipeline_msgs_per_s", "naive_msgs_per_s", "raw_msgs_per_s",
                "p99_latency_ms", "sustainable_p99_latency_ms"):
        assert data[key] > 0, key
    assert data["messages"] == 1000 and data["latency_events"] > 0


def test_pipeline_run_makes_every_message_durable(tmp_path: Path) -> None:
    from sqlalchemy import create_engine, func, select

    from bot.bench.ingest import messages, run_pipeline
    from bot.storage.models import Activity, LedgerEntry

    events = messages(1500, members=50)
    rate = asyncio.run(run_pipeline(events, tmp_path / "p.db"))
    assert rate > 0
    engine = create_engine(f"sqlite:///{tmp_path / 'p.db'}")
    with engine.connect() as conn:
        stored = conn.scalar(select(func.count()).select_from(Activity))
        ledger = conn.scalar(select(func.count()).select_from(LedgerEntry))
    engine.dispose()
    assert stored == len(events)
    assert 0 < ledger <= len(events) * 2  # points with anti-farming: not every message earns
