"""The port insights handlers use (implemented by ``bot.insights.service.InsightsService``,
installed as ``services["insights"]``)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Protocol

from domain.insights.abtest import ExperimentSpec, ExperimentView
from domain.insights.churn import ChurnReport


class SegmentsResult(Protocol):
    computed_at: datetime
    counts: dict[str, int]
    declined: int | None
    improved: int | None


class StartResult(Protocol):
    status: str  # started | exists | cap
    count: int
    ends_at: datetime | None


class InsightsPort(Protocol):
    async def segments(self, uow: Any, community: Any, now: datetime) -> SegmentsResult: ...

    async def recompute_segments(self, uow: Any, community: Any,
                                 now: datetime) -> SegmentsResult: ...

    async def churn(self, uow: Any, community: Any, now: datetime, *,
                    fresh: bool = False) -> ChurnReport: ...

    async def start_experiment(self, uow: Any, community: Any, spec: ExperimentSpec,
                               now: datetime, created_by: str | None) -> StartResult: ...

    async def stop_experiment(self, uow: Any, community: Any, name: str,
                              now: datetime) -> str: ...

    async def experiments(self, uow: Any, community: Any, now: datetime,
                          name: str | None = None) -> list[ExperimentView]: ...

    async def expose(self, uow: Any, experiment: str, member_id: str, now: datetime, *,
                     source: str = "hearth") -> str | None: ...

    async def record_outcome(self, uow: Any, experiment: str, member_id: str, at: datetime,
                             kind: str = "converted") -> bool: ...
