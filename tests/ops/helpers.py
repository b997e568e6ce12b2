"""Shared helpers for the operations tests: configs, generated inputs, database snapshots."""

from __future__ import annotations

import json
import os
import random
import sqlite3
import subprocess
import sys
from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import Any

from domain.events import CommandInvoked, Event, event_key

ROOT = Path(__file__).resolve().parents[2]
HEAVY = os.environ.get("HEARTH_HEAVY", "") not in ("", "0", "false", "no")


def toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float, str)):
        return json.dumps(value)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k} = {toml_value(v)}" for k, v in value.items()) + "}"
    raise TypeError(f"no TOML for {type(value).__name__}")


def write_config(path: Path, url: str, communities: Sequence[Mapping[str, Any]],
                 sections: Mapping[str, Mapping[str, Any]] | None = None) -> Path:
    tables: dict[str, dict[str, Any]] = {"database": {"url": url}}
    for name, values in (sections or {}).items():
        tables.setdefault(name, {}).update(values)
    lines: list[str] = []
    for name, values in tables.items():
        lines.append(f"[{name}]")
        lines.extend(f"{key} = {toml_value(value)}" for key, value in values.items())
        lines.append("")
    for community in communities:
        lines.append("[[communities]]")
        lines.extend(f"{key} = {toml_value(value)}" for key, value in community.items())
        lines.append("")
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def child_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HEARTH_")}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    env["PYTHONUNBUFFERED"] = "1"
    env["NO_PROXY"] = env["no_proxy"] = "127.0.0.1,localhost"
    env.update(extra)
    return env


def hearth(*args: str, cwd: Path, env: Mapping[str, str] | None = None,
           timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "bot", *args], cwd=cwd,
                          env=dict(env or child_env()), capture_output=True, text=True,
                          timeout=timeout)


def community_input(community: str, *, members: int, days: int, limit: int, seed: int,
                    duplicates: float = 0.03, commands: int = 10) -> list[Event]:
    """A simulated community's events, with re-delivered duplicates and a few commands."""
    from bot.simulate import simulate

    rng = random.Random(seed)
    events = list(simulate(members=members, days=days, seed=seed, community=community))[:limit]
    for _ in range(int(len(events) * duplicates)):
        at = rng.randrange(1, len(events))
        events.insert(min(len(events), at + rng.randrange(1, 50)), events[rng.randrange(at)])
    for n in range(commands):
        at = rng.randrange(1, len(events))
        base = events[at - 1]
        events.insert(at, CommandInvoked(community, base.member_id,
                                         base.at + timedelta(seconds=1), name="help",
                                         channel_id="general", interaction_id=f"i{seed}-{n}"))
    return events


def write_jsonl(path: Path, events: Sequence[Event]) -> Path:
    from bot.eventcodec import dumps

    with path.open("w", encoding="utf-8") as handle:
        for item in events:
            handle.write(dumps(item) + "\n")
    return path


def keys_of(events: Sequence[Event]) -> list[tuple[str, str]]:
    out = []
    for item in events:
        key = event_key(item)
        assert key is not None
        out.append((item.community_id, key))
    return out


def shift(events: Sequence[Event], community: str) -> list[Event]:
    """The same traffic in another community (ids stay, the community changes)."""
    return [replace(e, community_id=community) for e in events]


def sqlite_rows(db: Path, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=10)
    try:
        return conn.execute(sql, tuple(params)).fetchall()
    finally:
        conn.close()


SNAPSHOT_SQL = {
    "activity": "SELECT count(*) FROM activity",
    "ledger": "SELECT count(*), coalesce(sum(delta), 0), coalesce(sum(lifetime_delta), 0) "
              "FROM ledger",
    "member_stats": "SELECT count(*), coalesce(sum(lifetime), 0), coalesce(sum(balance), 0), "
                    "coalesce(sum(messages), 0), coalesce(sum(reactions_received), 0) "
                    "FROM member_stats",
    "members": "SELECT count(*) FROM members",
    "audit": "SELECT count(*) FROM audit_log",
    "badges": "SELECT count(*) FROM badge_awards",
    "scheduled": "SELECT status, count(*) FROM scheduled_items GROUP BY status ORDER BY status",
}


def snapshot(db: Path) -> dict[str, Any]:
    """Row counts, ledger sums and counter sums: what a replay must not change."""
    return {name: sqlite_rows(db, sql) for name, sql in SNAPSHOT_SQL.items()}


def ledger_mismatches(rows: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    """Members whose counters disagree with their ledger: (member, stats, ledger sums)."""
    return [row for row in rows if (row[1], row[2]) != (row[3], row[4])]


LEDGER_VS_STATS = (
    "SELECT s.community_id || '/' || s.member_id, s.lifetime, s.balance, "
    "coalesce(l.life, 0), coalesce(l.bal, 0) FROM member_stats s LEFT JOIN "
    "(SELECT community_id, member_id, sum(lifetime_delta) AS life, sum(delta) AS bal "
    " FROM ledger GROUP BY community_id, member_id) l "
    "ON l.community_id = s.community_id AND l.member_id = s.member_id")
