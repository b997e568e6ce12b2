"""The growth part of the ``hearth demo`` summary: stages, badges, top 10, team standings."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select

from bot.storage.models import BadgeAward, MemberStats
from bot.storage.repos.growth import GrowthRepository
from domain.growth.teams import rank_teams

TITLE = "growth"
TOP = 10


@dataclass
class GrowthSummary:
    community_id: str
    stages: dict[str, int] = field(default_factory=dict)
    badges: dict[str, int] = field(default_factory=dict)
    top: list[tuple[str, str, int]] = field(default_factory=list)
    teams: list[tuple[int, str, int, int]] = field(default_factory=list)  # rank, name, pts, n


async def growth_summary(app: Any, community_id: str) -> GrowthSummary:
    """The numbers for one community (also used by tests)."""
    summary = GrowthSummary(community_id)
    ranking = "sum"
    settings = app.config.community(community_id)
    growth = getattr(settings, "growth", None) if settings is not None else None
    if growth is not None:
        ranking = growth.teams.ranking
    stats, awards = MemberStats.__table__, BadgeAward.__table__
    async with app.sessions() as session:
        rows = await session.execute(
            select(stats.c.stage, func.count()).where(stats.c.community_id == community_id)
            .group_by(stats.c.stage))
        summary.stages = {stage: int(n) for stage, n in rows}
        rows = await session.execute(
            select(awards.c.badge_id, func.count()).where(awards.c.community_id == community_id)
            .group_by(awards.c.badge_id))
        summary.badges = {badge: int(n) for badge, n in rows}
        repo = GrowthRepository(session, community_id)
        summary.top = await repo.top(TOP, None)
        points, membership, keys = await repo.team_points()
        names = await repo.team_names()
        summary.teams = [(s.rank, names.get(s.team_id, s.team_id), s.points, s.members)
                         for s in rank_teams(points, membership, by=ranking, teams=keys)][:TOP]
    return summary


async def show_growth_summary(app: Any, console: Any) -> None:
    from rich.table import Table

    from handlers.growth_progress import stage_name

    for community_id, settings in app.config.communities.items():
        summary = await growth_summary(app, community_id)
        lang = settings.language
        table = Table(title=f"Growth — {community_id}", show_header=False)
        table.add_row("members per stage", ", ".join(
            f"{stage_name(stage, lang)} {count:,}" for stage, count in
            sorted(summary.stages.items(), key=lambda item: -item[1])) or "—")
        table.add_row("badges awarded", ", ".join(
            f"{badge} {count:,}" for badge, count in
            sorted(summary.badges.items(), key=lambda item: (-item[1], item[0]))) or "—")
        table.add_row(f"top {TOP}", "" if summary.top else "—")
        for position, (_, name, points) in enumerate(summary.top, start=1):
            table.add_row(f"  #{position}", f"{name} — {points:,} points")
        if summary.teams:
            for rank, name, points, members in summary.teams:
                table.add_row(f"team #{rank}", f"{name} — {points:,} points ({members} members)")
        else:
            table.add_row("team standings", "no teams yet")
        console.print(table)
