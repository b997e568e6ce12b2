"""``services["insights"]``: the port the insights command and timer handlers call.

Handlers pass their unit of work; everything here runs in that transaction (its session is
``uow.insights.session``), so a command's snapshot, churn run or new experiment commits
together with the command, or not at all.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from bot.insights.churn import churn_report, report_from_row, store_report
from bot.insights.experiments import StartOutcome, experiment_views, expose, start_experiment
from bot.insights.segments import recompute_segments
from bot.storage.repos.insights import InsightsRepository
from domain.insights.abtest import ExperimentSpec, ExperimentView
from domain.insights.churn import ChurnReport
from domain.insights.rfm import SEGMENTS


@dataclass(frozen=True)
class SegmentsView:
    computed_at: datetime
    counts: dict[str, int]
    declined: int | None
    improved: int | None


class InsightsService:
    """Implements ``handlers.insights_ports.InsightsPort``."""

    @staticmethod
    def _repo(uow: Any) -> InsightsRepository:
        return uow.insights

    async def segments(self, uow: Any, community: Any, now: datetime, *,
                       max_age: timedelta = timedelta(hours=24)) -> SegmentsView:
        """The latest snapshot, recomputed first when it is older than ``max_age``."""
        repo = self._repo(uow)
        times = await repo.snapshot_times(until=now)
        if not times or now - times[-1] > max_age:
            return await self.recompute_segments(uow, community, now)
        rows = await repo.snapshot(times[-1])
        counts = dict.fromkeys(SEGMENTS, 0)
        for row in rows:
            counts[row["segment"]] = counts.get(row["segment"], 0) + 1
        declined = improved = None
        if len(times) > 1:
            from domain.insights.rfm import segment_changes

            before = {r["member_id"]: r["segment"] for r in await repo.snapshot(times[-2])}
            changes = segment_changes(before, {r["member_id"]: r["segment"] for r in rows})
            declined = sum(1 for c in changes if c.declined)
            improved = sum(1 for c in changes if c.improved)
        return SegmentsView(times[-1], counts, declined, improved)

    async def recompute_segments(self, uow: Any, community: Any,
                                 now: datetime) -> SegmentsView:
        repo = self._repo(uow)
        had_previous = bool(await repo.snapshot_times(until=now))
        result = await recompute_segments(repo.session, community.id, community.insights, now)
        declined = sum(1 for c in result.changes if c.declined) if had_previous else None
        improved = sum(1 for c in result.changes if c.improved) if had_previous else None
        return SegmentsView(now, result.counts, declined, improved)

    async def churn(self, uow: Any, community: Any, now: datetime, *,
                    fresh: bool = False) -> ChurnReport:
        """The stored warning list if it is younger than ``warning_hours``, else retrain
        (in a worker thread) and store the new run."""
        repo = self._repo(uow)
        if not fresh:
            stored = await repo.latest_churn_run()
            hours = community.insights.churn.warning_hours
            if stored is not None and timedelta(0) <= now - stored["computed_at"] \
                    <= timedelta(hours=hours):
                return report_from_row(stored)
        report = await churn_report(repo.session, community.id, community, now)
        await store_report(repo.session, report)
        return report

    async def start_experiment(self, uow: Any, community: Any, spec: ExperimentSpec,
                               now: datetime, created_by: str | None) -> StartOutcome:
        return await start_experiment(self._repo(uow), spec, community.insights.experiments,
                                      now, timezone=community.timezone, created_by=created_by)

    async def stop_experiment(self, uow: Any, community: Any, name: str,
                              now: datetime) -> str:
        """``stopped``, ``not_found`` or ``not_running``."""
        repo = self._repo(uow)
        row = await repo.experiment(name)
        if row is None:
            return "not_found"
        return "stopped" if await repo.stop_experiment(name, now) else "not_running"

    async def expose(self, uow: Any, experiment: str, member_id: str, now: datetime, *,
                     source: str = "hearth") -> str | None:
        """For any feature sending a nudge: the member's (stable) arm in a running
        experiment, with the exposure recorded in the caller's transaction; None when the
        experiment is not running (send the default nudge, nothing is counted)."""
        return await expose(self._repo(uow), experiment, member_id, now, source=source)

    async def record_outcome(self, uow: Any, experiment: str, member_id: str, at: datetime,
                             kind: str = "converted") -> bool:
        """An explicit conversion (e.g. the member used the offered perk). Returns within
        the window are also read from the activity table, so this is optional."""
        return await self._repo(uow).record_outcome(experiment, member_id, at, kind)

    async def experiments(self, uow: Any, community: Any, now: datetime,
                          name: str | None = None) -> list[ExperimentView]:
        views = await experiment_views(self._repo(uow), community.insights.experiments, now)
        return [v for v in views if name is None or v.name == name]
