"""``hearth import mee6 FILE --community ID``: bring MEE6 XP over without resetting anyone.

Each member's XP becomes one ledger row (reason ``mee6_import``, source ``mee6:<discord
id>``) plus the matching ``member_stats`` counters and level (Hearth's default level curve
is MEE6's, so levels carry over), all in ONE transaction:

- a file with problems writes nothing (every problem is reported with its line) unless
  ``skip_bad`` is set, in which case the good rows are imported and the bad ones listed;
- re-importing is idempotent: members that already have a ``mee6_import`` row are left
  unchanged (the check runs inside the transaction, after taking the write lock, so two
  imports at once cannot both add the XP);
- imported XP counts for all-time boards and stages, not for this week's or this month's
  board (it was not earned in that window).

A running bot keeps its cached state of members it has seen until they are evicted or the
process restarts; run the import before starting the bot, or restart it afterwards.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select, text

from bot.config import CommunitySettings
from bot.storage.batch import SqlBatch, StagedEvent
from bot.storage.models import LedgerEntry, MemberStats
from domain.events import platform_of
from domain.growth.mee6 import Mee6Import, parse_mee6
from domain.growth.rules import ACTIVITY
from domain.i18n import t

REASON = "mee6_import"
ACTOR = "import:mee6"
_PREFIX = {"discord": "dc", "console": "console"}


class ImportRefused(Exception):
    """The import cannot run at all (wrong community kind); the message says why."""


@dataclass
class Mee6ImportReport:
    format: str
    rows: int
    problems: list[str] = field(default_factory=list)
    imported: int = 0
    already: int = 0
    xp: int = 0
    written: bool = False
    dry_run: bool = False
    lines: list[str] = field(default_factory=list)  # human summary, in ``lang``

    @property
    def ok(self) -> bool:
        return not self.problems


def member_prefix(community_id: str) -> str:
    """MEE6 ids are Discord user ids: they belong to a Discord community (``console``
    communities are accepted too, for trying the import out)."""
    platform = platform_of(community_id)
    if platform not in _PREFIX:
        raise ImportRefused(
            f"{community_id} is a {platform} community, but MEE6 exports hold Discord user "
            "ids; import into the Discord server's community (dc:<guild id>)")
    return _PREFIX[platform]


async def import_mee6(app: Any, community: CommunitySettings, content: str, *,
                      dry_run: bool = False, skip_bad: bool = False, spendable: bool = True,
                      now: datetime | None = None, lang: str = "en") -> Mee6ImportReport:
    """Parse ``content`` and import it into ``community`` (see the module docstring)."""
    now = now or datetime.now(UTC)
    prefix = member_prefix(community.id)
    parsed: Mee6Import = parse_mee6(content)
    report = Mee6ImportReport(parsed.format, len(parsed.rows), dry_run=dry_run,
                              problems=[p.message(lang) for p in parsed.errors])
    report.lines.append(t("growth.mee6.summary", lang, rows=len(parsed.rows),
                          format=parsed.format, errors=len(parsed.errors)))
    if parsed.errors and not skip_bad:
        report.lines.append(t("growth.mee6.nothing_written", lang))
        return report
    growth = getattr(community, "growth", None)
    curve = growth.to_level_curve() if growth is not None else None
    category = ACTIVITY
    if growth is not None and ACTIVITY not in growth.categories:
        category = growth.admin_category
    async with app.sessions() as session:
        conn = await session.connection()
        dialect = conn.dialect.name
        sql = SqlBatch(dialect)
        # Take the write lock before reading what was imported already.
        await sql.write(conn, [], {community.id: _community_row(community, now)})
        if dialect == "postgresql":
            await conn.execute(text("SELECT pg_advisory_xact_lock(hashtext(:key))"),
                               {"key": f"mee6-import:{community.id}"})
        ledger, stats = LedgerEntry.__table__, MemberStats.__table__
        done = {m for (m,) in await conn.execute(select(ledger.c.member_id).where(
            ledger.c.community_id == community.id, ledger.c.reason == REASON))}
        lifetimes = {m: int(v or 0) for m, v in await conn.execute(
            select(stats.c.member_id, stats.c.lifetime).where(
                stats.c.community_id == community.id))}
        staged = StagedEvent(community.id, f"mee6-import:{now.isoformat()}")
        for row in parsed.rows:
            member_id = f"{prefix}:{row.member_id}"
            if member_id in done:
                report.already += 1
                continue
            report.imported += 1
            report.xp += row.xp
            staged.members.append({
                "community_id": community.id, "member_id": member_id,
                "display_name": row.username or "", "first_seen": None, "last_seen": None,
                "joined_at": None, "left_at": None})
            if row.xp <= 0:
                continue
            staged.ledger.append({
                "community_id": community.id, "member_id": member_id,
                "delta": row.xp if spendable else 0, "lifetime_delta": row.xp,
                "category": category, "reason": REASON, "source_key": f"mee6:{row.member_id}",
                "actor_id": ACTOR, "note": f"MEE6 level {row.level}" if row.level is not None
                else None, "at": now})
            changes: dict[str, Any] = {"lifetime": row.xp, "balance": row.xp if spendable else 0}
            if curve is not None:
                changes["level"] = curve.level_for(lifetimes.get(member_id, 0) + row.xp)
            staged.add_stats(member_id, **changes)
        if dry_run:
            await session.rollback()  # nothing of the above is kept
            report.lines.append(t("growth.mee6.dry_run", lang, imported=report.imported,
                                  xp=report.xp, already=report.already))
            return report
        await sql.write(conn, [staged], {})
        await session.commit()
    report.written = True
    report.lines.append(t("growth.mee6.imported", lang, imported=report.imported,
                          xp=report.xp, already=report.already))
    return report


def _community_row(community: CommunitySettings, now: datetime) -> dict[str, Any]:
    return {"id": community.id, "platform": community.platform, "name": community.name,
            "language": community.language, "timezone": community.timezone,
            "created_at": now}
