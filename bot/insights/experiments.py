"""A/B tests of nudges: start/stop, stable assignment, exposures from any source, results.

Sources of exposures, and why several: an experiment started here (``/experiment start`` or
the config) records exposures through :func:`expose`, which any feature sending a nudge can
call; the wake-up journeys keep their own log (the ``nudges`` table, with experiment and arm
per row) and are read as they are. Either way the outcome is the same question — did the
member act within the window after the nudge? — answered from the activity table (plus any
explicit conversion a source recorded), so every source is judged by one rule.

Only exposures whose window has closed are counted: a member nudged ten minutes ago has not
had the chance to come back yet, and counting them as "no" would bias the rate down.
"""

from __future__ import annotations

from bisect import bisect_right
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from bot.insights.config import ExperimentSettings
from bot.storage.repos.insights import InsightsRepository
from domain.insights.abtest import (
    ExperimentResult,
    ExperimentSpec,
    ExperimentView,
    analyse,
    assign_arm,
)

CONTROL_NAMES = ("control", "holdout", "none", "baseline", "a")


@dataclass(frozen=True)
class StartOutcome:
    status: str  # started | exists | cap
    count: int = 0
    ends_at: datetime | None = None


def _day_bounds(now: datetime, timezone: str) -> tuple[datetime, datetime]:
    zone = ZoneInfo(timezone)
    local = now.astimezone(zone)
    start = local.replace(hour=0, minute=0, second=0, microsecond=0)
    return start, start + timedelta(days=1)  # wall-clock arithmetic: the next midnight


async def start_experiment(repo: InsightsRepository, spec: ExperimentSpec,
                           settings: ExperimentSettings, now: datetime, *, timezone: str,
                           created_by: str | None, source: str = "command") -> StartOutcome:
    """Start ``spec`` unless the name exists or the daily cap is reached. Does not commit."""
    if await repo.experiment(spec.name) is not None:
        return StartOutcome("exists")
    day_start, day_end = _day_bounds(now, timezone)
    count = await repo.experiments_on_day(day_start, day_end)
    if count >= settings.max_per_day:
        return StartOutcome("cap", count)
    ends_at = now + timedelta(days=spec.days) if spec.days else None
    created = await repo.create_experiment({
        "name": spec.name,
        "arms": {"arms": list(spec.arms),
                 "weights": list(spec.weights) if spec.weights else None},
        "window_minutes": spec.window_minutes, "status": "running", "source": source,
        "created_by": created_by, "started_at": now, "ends_at": ends_at, "stopped_at": None})
    return StartOutcome("started" if created else "exists", count + 1, ends_at)


async def ensure_config_experiments(repo: InsightsRepository, settings: ExperimentSettings,
                                    now: datetime, timezone: str) -> list[str]:
    """Start the experiments defined in the config that do not exist yet (within the cap);
    returns the names started."""
    started: list[str] = []
    for item in settings.definitions:
        spec = ExperimentSpec(item.name, tuple(item.arms), round(item.window_hours * 60),
                              item.days, tuple(item.weights) if item.weights else None)
        outcome = await start_experiment(repo, spec, settings, now, timezone=timezone,
                                         created_by=None, source="config")
        if outcome.status == "started":
            started.append(item.name)
    return started


def _arms_of(row: dict[str, Any]) -> tuple[tuple[str, ...], tuple[float, ...] | None]:
    arms = row["arms"] or {}
    weights = arms.get("weights")
    return tuple(arms.get("arms") or ()), tuple(weights) if weights else None


def _running(row: dict[str, Any], now: datetime) -> bool:
    return row["status"] == "running" and (row["ends_at"] is None or row["ends_at"] > now)


async def expose(repo: InsightsRepository, experiment: str, member_id: str, now: datetime, *,
                 source: str = "hearth") -> str | None:
    """The member's arm in a running experiment, recording the exposure (first one wins).

    None when the experiment does not exist or is not running: the caller sends its default
    nudge and nothing is counted. Call it in the same transaction that records the nudge.
    """
    row = await repo.experiment(experiment)
    if row is None or not _running(row, now):
        return None
    arms, weights = _arms_of(row)
    arm = assign_arm(experiment, member_id, arms, weights)
    await repo.record_exposure(experiment, member_id, arm, now, source)
    return arm


async def _conversions(repo: InsightsRepository, exposures: Sequence[tuple[str, str, datetime]],
                       window: timedelta, explicit: dict[str, datetime]) -> set[str]:
    if not exposures:
        return set()
    since = min(at for _, _, at in exposures)
    until = max(at for _, _, at in exposures) + window
    acts = await repo.acts_between([m for m, _, _ in exposures], since, until)
    converted: set[str] = set()
    for member, _arm, at in exposures:
        done = explicit.get(member)
        if done is not None and at < done <= at + window:
            converted.add(member)
            continue
        times = acts.get(member, [])
        i = bisect_right(times, at)
        if i < len(times) and times[i] <= at + window:
            converted.add(member)
    return converted


async def _result(repo: InsightsRepository, name: str, arms: Sequence[str],
                  exposures: Sequence[tuple[str, str, datetime]], window: timedelta,
                  explicit: dict[str, datetime], settings: ExperimentSettings,
                  now: datetime) -> tuple[ExperimentResult, int]:
    seen = [e for e in exposures if e[2] <= now]  # "as of" now: later nudges do not exist yet
    closed = [e for e in seen if e[2] + window <= now and e[1] in arms]
    pending = sum(1 for e in seen if e[2] + window > now)
    converted = await _conversions(repo, closed, window, explicit)
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for member, arm, _ in closed:
        counts[arm][0] += 1
        counts[arm][1] += member in converted
    result = analyse(name, arms, {a: (n, x) for a, (n, x) in counts.items()},
                     alpha=settings.alpha, min_per_arm=settings.min_per_arm)
    return result, pending


def _order_arms(arms: set[str]) -> tuple[str, ...]:
    """Control-like arm first (the comparison baseline), then the others by name."""
    control = next((a for a in CONTROL_NAMES if a in arms), None)
    rest = sorted(a for a in arms if a != control)
    return (control, *rest) if control else tuple(rest)


async def experiment_views(repo: InsightsRepository, settings: ExperimentSettings,
                           now: datetime) -> list[ExperimentView]:
    """Every experiment of the community with its current result: those started here and
    those found in the wake-up journeys' nudge log."""
    views: list[ExperimentView] = []
    known: set[str] = set()
    for row in await repo.experiments():
        known.add(row["name"])
        arms, _ = _arms_of(row)
        window = timedelta(minutes=int(row["window_minutes"]))
        result, pending = await _result(repo, row["name"], arms,
                                        await repo.exposures(row["name"]), window,
                                        await repo.outcomes(row["name"]), settings, now)
        status = row["status"]
        if status == "running" and row["ends_at"] is not None and row["ends_at"] <= now:
            status = "ended"
        views.append(ExperimentView(row["name"], arms, int(row["window_minutes"]), status,
                                    row["source"], row["started_at"], result, pending))
    by_name: dict[str, list[tuple[str, str, datetime]]] = defaultdict(list)
    returned: dict[str, dict[str, datetime]] = defaultdict(dict)
    for experiment, member, arm, sent, back in await repo.nudge_exposures():
        if experiment in known:
            continue
        by_name[experiment].append((member, arm, sent))
        if back is not None:
            returned[experiment][member] = back
    window = timedelta(hours=settings.nudge_window_hours)
    for name in sorted(by_name):
        exposures = [e for e in by_name[name] if e[2] <= now]
        if not exposures:
            continue
        arms = _order_arms({arm for _, arm, _ in exposures})
        result, pending = await _result(repo, name, arms, exposures, window, returned[name],
                                        settings, now)
        views.append(ExperimentView(name, arms, int(window.total_seconds() // 60), "observed",
                                    "nudges", min(at for _, _, at in exposures), result,
                                    pending))
    return views


async def record_simulated(repo: InsightsRepository, exposures: Sequence[Any], *,
                           window_minutes: int, arms: Sequence[str]) -> int:
    """Store the demo simulator's nudge experiment (``bot.simulate.SimulatedExposure``) as
    a stopped experiment with its exposures; idempotent."""
    if not exposures:
        return 0
    name = exposures[0].experiment
    first = min(e.at for e in exposures)
    last = max(e.at for e in exposures) + timedelta(minutes=window_minutes)
    await repo.create_experiment({
        "name": name, "arms": {"arms": list(arms), "weights": None},
        "window_minutes": window_minutes, "status": "stopped", "source": "demo",
        "created_by": None, "started_at": first, "ends_at": None, "stopped_at": last})
    return await repo.record_exposures([
        {"experiment": e.experiment, "member_id": e.member_id, "arm": e.arm,
         "exposed_at": e.at, "source": "simulator"} for e in exposures])
