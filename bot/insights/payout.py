"""``hearth payout``: split a reward pool for one period, record it, export it as CSV.

Components, defined from the stored data over the period (weights in ``[insights.payout]``):

- contribution — points earned (ledger, positive lifetime deltas; imports, admin grants
  and earlier payouts excluded);
- cost — time the member gave: distinct hours with any meaningful activity plus voice
  minutes / 60;
- partner — distinct members they had a conversation with (replied to, or were replied to
  by) plus helpful answers marked by moderators.

The split is exact in integer cents (``domain.insights.payout``). A period is paid out once:
the run, each member's part and a ledger row per member (reason ``payout``, no points moved,
the amount in the note) are written in one transaction; running it again for the same period
returns the stored split and writes nothing, and a different pool for a paid period is
refused.
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from bot.insights.config import PayoutSettings
from bot.storage.repos.insights import InsightsRepository
from domain.insights.payout import COMPONENTS, format_cents, period_bounds, split_pool

REASON = "payout"
HOUR = 3600.0


class PayoutRefused(Exception):
    """A payout that must not happen (already paid with another pool, nobody to pay)."""


@dataclass
class PayoutLineView:
    member_id: str
    name: str
    cents: int
    share: float
    components: dict[str, float]


@dataclass
class PayoutOutcome:
    community_id: str
    period: str
    starts_at: datetime
    ends_at: datetime
    pool_cents: int
    currency: str
    weights: dict[str, float]
    lines: list[PayoutLineView] = field(default_factory=list)
    created: bool = False  # False: this period was paid out before (stored split returned)

    @property
    def total_cents(self) -> int:
        return sum(line.cents for line in self.lines)


async def components(repo: InsightsRepository, start: datetime, end: datetime,
                     settings: PayoutSettings) -> dict[str, dict[str, float]]:
    """The three raw component values of every member with any, over ``(start, end]``."""
    values: dict[str, dict[str, float]] = defaultdict(lambda: dict.fromkeys(COMPONENTS, 0.0))
    for member, points in (await repo.points_by_member(start, end,
                                                       settings.exclude_reasons)).items():
        values[member]["contribution"] += points
    hours: dict[str, set[int]] = defaultdict(set)
    for member, at in await repo.member_acts(start, end):
        hours[member].add(int(at.timestamp() // HOUR))
    for member, slots in hours.items():
        values[member]["cost"] += len(slots)
    for member, minutes in (await repo.voice_minutes(start, end)).items():
        values[member]["cost"] += minutes / 60.0
    partners: dict[str, set[str]] = defaultdict(set)
    for (author, target), _count in (await repo.reply_pairs(start, end)).items():
        partners[author].add(target)
        partners[target].add(author)
    for member, people in partners.items():
        values[member]["partner"] += len(people)
    for author, at in await repo.helpful(start, end):
        if start < at <= end:
            values[author]["partner"] += 1
    return {m: v for m, v in values.items() if any(x > 0 for x in v.values())}


async def run_payout(session: Any, community: Any, *, pool_cents: int, kind: str,
                     period: str | None, now: datetime, reference: datetime,
                     actor: str | None = None, dry_run: bool = False) -> PayoutOutcome:
    """Split ``pool_cents`` for the period and record it (unless ``dry_run``); commits.

    ``reference`` picks the default period (the last complete one before it).
    Raises ``PayoutRefused`` and ``ValueError`` (bad period) with a clear message.
    """
    settings: PayoutSettings = community.insights.payout
    ident, start, end = period_bounds(kind, period, reference, ZoneInfo(community.timezone))
    repo = InsightsRepository(session, community.id)
    weights = settings.weights()
    existing = await repo.payout_run(ident)
    if existing is not None:
        if int(existing["pool_cents"]) != pool_cents:
            raise PayoutRefused(
                f"{ident} was already paid out with a pool of "
                f"{format_cents(int(existing['pool_cents']))} {existing['currency']}; a period "
                "is paid once (pass another --at period, or the same pool to export it again)")
        rows = await repo.payouts(ident)
        names = await repo.display_names(r["member_id"] for r in rows)
        return PayoutOutcome(community.id, ident, existing["starts_at"], existing["ends_at"],
                             pool_cents, existing["currency"], dict(existing["weights"]), [
                                 PayoutLineView(r["member_id"], names.get(r["member_id"], ""),
                                                int(r["cents"]), float(r["share"]),
                                                dict(r["components"])) for r in rows])
    raw = await components(repo, start, end, settings)
    lines = split_pool(pool_cents, raw, weights)
    if not lines:
        raise PayoutRefused(f"nobody contributed anything in {ident} "
                            f"({start:%Y-%m-%d} to {end:%Y-%m-%d}); nothing was paid out")
    names = await repo.display_names(line.member_id for line in lines)
    outcome = PayoutOutcome(community.id, ident, start, end, pool_cents, settings.currency,
                            weights, [PayoutLineView(line.member_id,
                                                     names.get(line.member_id, ""), line.cents,
                                                     line.share, line.components)
                                      for line in lines])
    if dry_run:
        return outcome
    if not await repo.add_payout_run({
            "period": ident, "pool_cents": pool_cents, "currency": settings.currency,
            "weights": weights, "starts_at": start, "ends_at": end, "members": len(lines),
            "created_by": actor, "created_at": now}):
        await session.rollback()
        raise PayoutRefused(f"{ident} was paid out by another process just now; run the "
                            "command again to export the stored split")
    await repo.add_payouts(ident, [
        {"member_id": line.member_id, "cents": line.cents, "share": line.share,
         "components": line.components} for line in lines])
    await repo.add_ledger_notes([
        {"member_id": line.member_id, "category": REASON, "reason": REASON,
         "source_key": f"payout:{ident}", "actor_id": actor,
         "note": f"{format_cents(line.cents)} {settings.currency} of "
                 f"{format_cents(pool_cents)} for {ident}", "at": now} for line in lines])
    await session.commit()
    outcome.created = True
    return outcome


def to_csv(outcome: PayoutOutcome) -> str:
    """The treasurer's CSV: one row per member, amounts as decimals with two places."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["period", "member_id", "name", "amount", "currency", "share",
                     *COMPONENTS])
    for line in outcome.lines:
        writer.writerow([outcome.period, line.member_id, line.name, format_cents(line.cents),
                         outcome.currency, f"{line.share:.6f}",
                         *(f"{line.components.get(c, 0.0):g}" for c in COMPONENTS)])
    return buffer.getvalue()


def write_csv(outcome: PayoutOutcome, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(to_csv(outcome), encoding="utf-8")
    return path
