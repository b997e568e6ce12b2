"""The Feelings part of ``hearth demo``'s summary: cases, time to page, mood alerts, scores.

Reads what the feature stored (``support_cases``, ``message_scores`` and the audit log's
``feelings.mood_alert`` entries) — the same numbers a real community would show — after the
scorer finished every queued message. Shows ids, times and moods only: no message text.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select

from bot.storage.models import AuditEntry
from bot.storage.repos.feelings import FeelingsRepository

TITLE = "feelings"


async def feelings_report(app: Any) -> dict[str, Any]:
    """Per community: scores by label, support cases (with time to page), mood alerts."""
    service = app.services.get("feelings")
    if service is not None:
        await service.drain()
    out: dict[str, Any] = {}
    async with app.sessions() as session:
        for community_id in app.config.communities:
            repo = FeelingsRepository(session, community_id)
            cases = await repo.all_cases()
            table = AuditEntry.__table__
            alerts = (await session.execute(select(table.c.at, table.c.details).where(
                table.c.community_id == community_id,
                table.c.action == "feelings.mood_alert").order_by(table.c.at))).all()
            out[community_id] = {
                "scores": await repo.score_summary(),
                "cases": [_case(row) for row in cases],
                "mood_alerts": [dict(details or {}, at=_iso(at)) for at, details in alerts],
            }
    return out


def _iso(at: datetime | None) -> str | None:
    return at.isoformat() if at is not None else None


def _case(row: dict[str, Any]) -> dict[str, Any]:
    paged = row["paged_at"]
    seconds = None if paged is None else (paged - row["message_at"]).total_seconds()
    return {"id": row["id"], "status": row["status"], "source": row["source"],
            "message_at": _iso(row["message_at"]), "paged_at": _iso(paged),
            "time_to_page_s": None if seconds is None else round(max(seconds, 0.0), 3),
            "dm_sent": row["dm_sent_at"] is not None, "pages": row["pages"],
            "ack_due_at": _iso(row["ack_due_at"])}


async def show_feelings(app: Any, console: Any) -> None:
    from rich.table import Table

    report = await feelings_report(app)
    for community_id, part in report.items():
        scores = part["scores"]
        table = Table(title=f"Feelings — {community_id}", show_header=False)
        labels = ", ".join(f"{k} {v:,}" for k, v in sorted(scores["labels"].items()))
        table.add_row("messages scored", f"{scores['total']:,} ({labels or 'none'})")
        table.add_row("scored under back-pressure", f"{scores['backpressure']:,}")
        table.add_row("support cases opened", str(len(part["cases"])))
        for case in part["cases"]:
            page = ("not paged (no on-call channel)" if case["time_to_page_s"] is None
                    else f"paged {case['time_to_page_s']:.3f} s after the message")
            table.add_row(f"  case #{case['id']}",
                          f"{case['message_at'][:16]} · {case['source']} · {page} · "
                          f"DM {'sent' if case['dm_sent'] else 'not sent'} · {case['status']}")
        table.add_row("mood alerts", str(len(part["mood_alerts"])))
        for alert in part["mood_alerts"]:
            table.add_row(f"  {alert.get('channel_id')}",
                          f"{str(alert.get('at'))[:16]} · mood {alert.get('mood_before'):+.2f}"
                          f" → {alert.get('mood_now'):+.2f} · "
                          f"{alert.get('rate_before_per_min'):.1f} → "
                          f"{alert.get('rate_now_per_min'):.1f} msgs/min · "
                          f"{len(alert.get('driver_message_ids') or [])} driving messages")
        console.print(table)
