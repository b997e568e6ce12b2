"""The SQLite flush path, as plain executemany on the driver.

Why: SQLAlchemy Core's per-row parameter processing cost ~50 µs per event, more than the
SQL itself. On SQLite (one process by design) the writer inserts activity rows with
INSERT OR IGNORE and checks the row count: if every row was new — the normal case, since the
pipeline filters known events first — ledger rows and counters are applied with raw
executemany; otherwise the batch is rolled back and redone through the exact, per-row
RETURNING path in batch.py. Values are formatted exactly as SQLAlchemy stores them.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from bot.storage.batch_columns import COUNTERS, SETTABLE, SETTABLE_DEFAULTS

ACTIVITY_COLUMNS = ("community_id", "event_key", "kind", "member_id", "channel_id",
                    "message_id", "at", "text", "length", "target_member_id", "thread_id",
                    "points", "amount", "deleted")
_ACTIVITY_SQL = (f"INSERT OR IGNORE INTO activity ({', '.join(ACTIVITY_COLUMNS)}) "
                 f"VALUES ({', '.join('?' for _ in ACTIVITY_COLUMNS)})")
LEDGER_COLUMNS = ("community_id", "member_id", "delta", "lifetime_delta", "category", "reason",
                  "source_key", "actor_id", "note", "at")
_LEDGER_SQL = (f"INSERT OR IGNORE INTO ledger ({', '.join(LEDGER_COLUMNS)}) "
               f"VALUES ({', '.join('?' for _ in LEDGER_COLUMNS)})")


def _earliest(col: str) -> str:
    return (f"CASE WHEN {col} IS NULL THEN excluded.{col} WHEN excluded.{col} IS NULL THEN {col}"
            f" WHEN excluded.{col} < {col} THEN excluded.{col} ELSE {col} END")


def _latest(col: str) -> str:
    return (f"CASE WHEN {col} IS NULL THEN excluded.{col} WHEN excluded.{col} IS NULL THEN {col}"
            f" WHEN excluded.{col} > {col} THEN excluded.{col} ELSE {col} END")


_MEMBER_SQL = (
    "INSERT INTO members (community_id, member_id, display_name, first_seen, last_seen, "
    "joined_at, left_at, nudges_opt_out, anonymised) VALUES (?, ?, ?, ?, ?, ?, ?, 0, 0) "
    "ON CONFLICT (community_id, member_id) DO UPDATE SET "
    "display_name = CASE WHEN excluded.display_name != '' THEN excluded.display_name "
    "ELSE display_name END, "
    f"first_seen = {_earliest('first_seen')}, last_seen = {_latest('last_seen')}, "
    "joined_at = COALESCE(joined_at, excluded.joined_at), "
    "left_at = CASE WHEN excluded.left_at IS NOT NULL THEN excluded.left_at ELSE left_at END"
)

_STATS_INSERT_COLS = ("community_id", "member_id", *COUNTERS, *SETTABLE, "first_seen",
                      "last_seen")


def _stats_sql() -> str:
    values = []
    for col in _STATS_INSERT_COLS:
        if col in SETTABLE_DEFAULTS:
            default = SETTABLE_DEFAULTS[col]
            values.append(f"COALESCE(?, {default!r})" if isinstance(default, str)
                          else f"COALESCE(?, {default})")
        else:
            values.append("?")
    updates = [f"{c} = {c} + excluded.{c}" for c in COUNTERS]
    updates += [f"{c} = COALESCE(?, {c})" for c in SETTABLE]
    updates += [f"first_seen = {_earliest('first_seen')}", f"last_seen = {_latest('last_seen')}"]
    return (f"INSERT INTO member_stats ({', '.join(_STATS_INSERT_COLS)}) "
            f"VALUES ({', '.join(values)}) ON CONFLICT (community_id, member_id) DO UPDATE SET "
            + ", ".join(updates))


_STATS_SQL = _stats_sql()


def dt(value: datetime | None) -> str | None:
    """SQLAlchemy's SQLite storage format for our UTC datetimes."""
    if value is None:
        return None
    tz = value.tzinfo
    if tz is None:
        raise ValueError(f"naive datetime {value!r}; pass an aware UTC datetime")
    if tz is not UTC:
        value = value.astimezone(UTC)
    return value.replace(tzinfo=None).isoformat(" ", "microseconds")


async def insert_activity(conn: AsyncConnection, rows: list[dict[str, Any]]) -> int:
    params = [(r["community_id"], r["event_key"], r["kind"], r["member_id"], r["channel_id"],
               r["message_id"], dt(r["at"]), r["text"], r["length"], r["target_member_id"],
               r["thread_id"], r["points"], r["amount"], 1 if r["deleted"] else 0)
              for r in rows]
    result = await conn.exec_driver_sql(_ACTIVITY_SQL, params)
    return result.rowcount


async def write_rows(conn: AsyncConnection, members: dict[tuple[str, str], dict[str, Any]],
                     ledger: list[dict[str, Any]],
                     stats: dict[tuple[str, str], dict[str, Any]]) -> None:
    if members:
        await conn.exec_driver_sql(_MEMBER_SQL, [
            (m["community_id"], m["member_id"], m.get("display_name") or "",
             dt(m.get("first_seen")), dt(m.get("last_seen")), dt(m.get("joined_at")),
             dt(m.get("left_at"))) for m in members.values()])
    if ledger:
        await conn.exec_driver_sql(_LEDGER_SQL, [
            (r["community_id"], r["member_id"], r["delta"], r["lifetime_delta"], r["category"],
             r["reason"], r["source_key"], r["actor_id"], r["note"], dt(r["at"]))
            for r in ledger])
    if stats:
        params = []
        for (community_id, member_id), d in stats.items():
            settable = [_settable(d.get(c)) for c in SETTABLE]
            params.append((community_id, member_id, *(d.get(c, 0) for c in COUNTERS),
                           *settable, dt(d.get("first_seen")), dt(d.get("last_seen")),
                           *settable))
        await conn.exec_driver_sql(_STATS_SQL, params)


def _settable(value: Any) -> Any:
    if isinstance(value, (dict, list)):
        return json.dumps(value, separators=(",", ":"), ensure_ascii=False)
    return value
