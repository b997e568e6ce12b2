"""Exports for people outside the bot: the audit log and a crisis record.

``hearth audit export`` writes one community's audit log as JSON Lines (one object per row,
oldest first) or CSV; ``hearth crisis export`` writes a crisis with its steps, updates and
postmortem as JSON, or as the same timeline ``/crisis log`` shows. Rows are streamed in
chunks, so a large audit log does not have to fit in memory.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any, TextIO

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.storage.models import AuditEntry

AUDIT_FIELDS = ("id", "community_id", "at", "actor_id", "action", "target_id", "reason",
                "evidence_hash", "details")
CHUNK = 5000


class ExportError(ValueError):
    """Nothing to export (the message says what was looked for)."""


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat()
    return value


async def audit_rows(engine: AsyncEngine, community_id: str) -> AsyncIterator[dict[str, Any]]:
    table = AuditEntry.__table__
    last = 0
    async with engine.connect() as conn:
        while True:
            rows = (await conn.execute(
                select(table).where(table.c.community_id == community_id, table.c.id > last)
                .order_by(table.c.id).limit(CHUNK))).mappings().all()
            if not rows:
                return
            for row in rows:
                yield {name: _plain(row[name]) for name in AUDIT_FIELDS}
            last = int(rows[-1]["id"])


async def write_audit(engine: AsyncEngine, community_id: str, out: TextIO,
                      fmt: str = "jsonl") -> int:
    """Write the audit log of ``community_id`` to ``out``; returns the number of rows."""
    count = 0
    writer = csv.writer(out) if fmt == "csv" else None
    if writer is not None:
        writer.writerow(AUDIT_FIELDS)
    async for row in audit_rows(engine, community_id):
        if writer is not None:
            writer.writerow([json.dumps(row[f], ensure_ascii=False, sort_keys=True)
                             if f == "details" and row[f] is not None else row[f]
                             for f in AUDIT_FIELDS])
        else:
            out.write(json.dumps(row, ensure_ascii=False, sort_keys=True) + "\n")
        count += 1
    return count


async def crisis_record(engine: AsyncEngine, community_id: str, crisis_id: int, *,
                        settings: Any = None, lang: str = "en") -> dict[str, Any]:
    """The crisis with steps, updates, postmortem and the rendered timeline."""
    from bot.storage.engine import sessionmaker
    from bot.storage.repos.safety import SafetyRepository
    from handlers.crisis import timeline
    from handlers.ports import Context

    async with sessionmaker(engine)() as session:
        store = SafetyRepository(session, community_id)
        crisis = await store.crisis(crisis_id)
        if crisis is None:
            raise ExportError(f"community {community_id} has no crisis #{crisis_id}")
        ctx = Context(now=datetime.now(UTC), community_id=community_id, settings=settings,
                      lang=lang, uow=None)
        return {
            "crisis": {k: _plain(v) for k, v in crisis.items()},
            "steps": [{k: _plain(v) for k, v in s.items()}
                      for s in await store.crisis_steps(crisis_id)],
            "updates": [{k: _plain(v) for k, v in u.items()}
                        for u in await store.crisis_updates(crisis_id)],
            "postmortem": _postmortem(await store.postmortem(crisis_id)),
            "timeline": await timeline(ctx, store, crisis),
        }


def _postmortem(row: dict[str, Any] | None) -> dict[str, Any] | None:
    return None if row is None else {k: _plain(v) for k, v in row.items()}


def render_crisis(record: dict[str, Any], fmt: str) -> str:
    if fmt == "json":
        return json.dumps(record, ensure_ascii=False, indent=2, sort_keys=True) + "\n"
    buffer = io.StringIO()
    lines = record["timeline"]
    buffer.write(f"# {lines[0]}\n\n")
    for line in lines[1:]:
        buffer.write(f"- {line.strip()}\n" if not line.startswith("  ") else f"  - "
                     f"{line.strip()}\n")
    return buffer.getvalue()
