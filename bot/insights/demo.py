"""The insights part of ``hearth demo`` and the report it ends with.

The demo replays a simulated community in a few minutes, so the scheduled work is done here
in simulated time: the simulator's nudge experiment is recorded as a nudge log would have
recorded it, segment snapshots are taken weekly (as the ``segments_recompute`` timer would
have), the churn model is trained as of the last simulated event, and the report is written
from what is stored.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

TITLE = "Insights: segments, churn warning, experiments"
SNAPSHOT_EVERY = timedelta(days=7)


def _community(app: Any) -> Any | None:
    return next((c for c in app.config.communities.values()
                 if getattr(c, "insights", None) is not None and c.insights.enabled), None)


async def prepare(app: Any) -> dict[str, Any] | None:
    """Record the simulated experiment, backfill weekly snapshots, train the churn model.
    Idempotent; returns what the summary and the report show (None: no activity)."""
    from bot.insights.churn import churn_report, store_report
    from bot.insights.experiments import experiment_views, record_simulated
    from bot.insights.report import resolve_as_of
    from bot.insights.segments import recompute_segments
    from bot.simulate import NUDGE_ARMS, NUDGE_WINDOW_MINUTES
    from bot.storage.repos.insights import InsightsRepository

    cached = app.services.get("insights_demo")
    if cached is not None:
        return cached
    community = _community(app)
    if community is None:
        return None
    settings = community.insights
    await app.pipeline.flush()
    async with app.sessions() as session:
        repo = InsightsRepository(session, community.id)
        first, newest = await repo.activity_span()
        if first is None or newest is None:
            return None
        # As of the end of the replayed traffic (other demo sections may add a thin tail of
        # simulated answers to nudges after it).
        last = app.services.get("simulated_until") or await resolve_as_of(
            session, community.id, None)
        exposures = app.services.get("simulated_exposures") or []
        await record_simulated(repo, exposures, window_minutes=NUDGE_WINDOW_MINUTES,
                               arms=NUDGE_ARMS)
        taken = set(await repo.snapshot_times())
        moment = first.replace(hour=4, minute=0, second=0, microsecond=0) + SNAPSHOT_EVERY
        moments: list[datetime] = []
        while moment < last:
            moments.append(moment)
            moment += SNAPSHOT_EVERY
        moments.append(last)
        result = None
        for moment in moments:
            if moment not in taken:
                result = await recompute_segments(session, community.id, settings, moment)
        await session.commit()
        churn = await churn_report(session, community.id, community, last)
        await store_report(session, churn)
        await session.commit()
        views = await experiment_views(repo, settings.experiments, last)
        latest = await repo.snapshot(last)
    counts: dict[str, int] = {}
    for row in latest:
        counts[row["segment"]] = counts.get(row["segment"], 0) + 1
    data = {"community": community, "as_of": last, "churn": churn, "views": views,
            "counts": counts, "snapshots": len(moments),
            "changes": len(result.changes) if result else 0}
    app.services["insights_demo"] = data
    return data


async def show_insights_summary(app: Any, console: Console) -> None:
    from domain.insights.churn import reason_text
    from domain.insights.rfm import SEGMENTS
    from domain.insights.texts import experiment_lines

    data = await prepare(app)
    if data is None:
        return
    community = data["community"]
    table = Table(title=f"Insights — {community.id}", show_header=False)
    total = sum(data["counts"].values()) or 1
    table.add_row("segments (latest)", ", ".join(
        f"{s.replace('_', ' ')} {data['counts'].get(s, 0)} "
        f"({100 * data['counts'].get(s, 0) / total:.0f}%)" for s in SEGMENTS))
    table.add_row("snapshots", f"{data['snapshots']} weekly, as the scheduled recompute takes "
                  "them")
    churn = data["churn"]
    if churn.status == "ok":
        table.add_row("churn model", f"AUC {churn.auc:.3f} vs {churn.baseline_auc:.3f} for "
                      f"recency alone (test snapshot of {churn.test_rows} members, "
                      f"{churn.train_cutoffs} training snapshots)")
        table.add_row("warning list", f"{len(churn.at_risk)} members at risk of going quiet in "
                      f"the next {churn.horizon_days:g} days")
        for member in churn.at_risk[:3]:
            table.add_row(f"  {member.name}", f"{100 * member.risk:.0f}%: " + "; ".join(
                reason_text(r) for r in member.reasons))
    else:
        table.add_row("churn model", churn.message("en"))
    for view in data["views"]:
        lines = experiment_lines(view, "en")
        table.add_row(f"experiment {view.name}", "\n".join(line.strip() for line in lines[1:]))
    console.print(table)


async def demo_report(app: Any, console: Console, database: Path) -> Path | None:
    """Write the community report next to the demo database and say where it is."""
    from bot.insights.report import generate_report

    data = await prepare(app)
    if data is None:
        console.print("Community report: no activity, nothing to report")
        return None
    out = database.parent / f"{database.stem}-report"
    result = await generate_report(app.sessions, data["community"], out, as_of=data["as_of"],
                                   churn=data["churn"])
    console.print(f"Community report: {result.path.resolve()}")
    return result.path
