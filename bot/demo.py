"""``hearth demo``: a simulated community through the real pipeline, then a summary.

The database is recreated each run so the numbers are repeatable for a given seed.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from bot.config import default_config
from bot.simulate import SimulatedExposure, simulate

CHUNK = 2000
# Features append (title, async fn(app, console)) to show their part of the summary.
SUMMARY_SECTIONS: list[tuple[str, Callable[[Any, Console], Awaitable[None]]]] = []


async def run_demo(database: Path, *, members: int = 500, days: int = 60, seed: int = 7,
                   progress: bool = True) -> dict[str, Any]:
    from bot.bootstrap import build_app

    for suffix in ("", "-wal", "-shm"):
        Path(f"{database}{suffix}").unlink(missing_ok=True)
    config = default_config(
        f"sqlite+aiosqlite:///{database}",
        communities=[{"platform": "console", "id": "demo", "name": "Hearth demo",
                      "language": "en"}],
        # Where a real community would page its people: the summary then shows time to page.
        sentiment={"distress": {"oncall_channel": "support-oncall", "oncall_role": "oncall"},
                   "mood": {"alert_channel": "mods"}},
        safety={"review": {"mod_channel_id": "mods"}},
    )
    console = Console()
    console.print(f"Simulating {members} members over {days} days (seed {seed}) into {database}")
    # Realistic engagement and a nudge experiment: the insights report needs real churn and
    # a planted A/B effect (both opt-in in the simulator; see bot.simulate).
    exposures: list[SimulatedExposure] = []
    events = list(simulate(members=members, days=days, seed=seed, realistic_reactions=True,
                           exposures=exposures))
    app = await build_app(config)
    app.services["simulated_exposures"] = exposures
    if events:
        app.services["simulated_until"] = max(event.at for event in events)
    started = time.perf_counter()
    actions = 0
    try:
        with Progress(TextColumn("processing events"), BarColumn(), MofNCompleteColumn(),
                      TimeElapsedColumn(), console=console, disable=not progress,
                      transient=True) as bar:
            task = bar.add_task("events", total=len(events))
            for start in range(0, len(events), CHUNK):
                chunk = events[start:start + CHUNK]
                actions += len(await app.pipeline.process_many(chunk))
                bar.update(task, advance=len(chunk))
            await app.pipeline.flush()
        seconds = time.perf_counter() - started
        stats = app.pipeline.stats
        summary = {"events": len(events), "processed": stats.processed,
                   "seconds": round(seconds, 2), "events_per_s": round(len(events) / seconds),
                   "actions": actions, "by_type": dict(stats.by_type), "failed": stats.failed}
        table = Table(title="Hearth demo summary", show_header=False)
        table.add_row("database", str(database))
        table.add_row("events processed", f"{stats.processed:,} of {len(events):,}")
        for name, count in sorted(stats.by_type.items()):
            table.add_row(f"  {name}", f"{count:,}")
        table.add_row("time", f"{seconds:.1f} s")
        table.add_row("throughput", f"{len(events) / seconds:,.0f} events/s")
        table.add_row("actions produced", f"{actions:,}")
        table.add_row("failed events", str(stats.failed))
        console.print(table)
        for _title, show in SUMMARY_SECTIONS:
            await show(app, console)
        from bot.insights.demo import demo_report

        report = await demo_report(app, console, database)
        summary["report"] = str(report) if report else None
    finally:
        await app.close()
    return summary
