"""``hearth db backup``: a consistent copy while writes continue, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import shutil
import sqlite3
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.ops.backup import backup_database, libpq_url
from bot.storage.engine import DatabaseError
from domain.events import MessagePosted

from .helpers import child_env, hearth, write_config

T0 = datetime(2026, 3, 1, tzinfo=UTC)
C = "console:bk"


def messages(start: int, count: int) -> list[MessagePosted]:
    return [MessagePosted(C, f"console:m{i % 9}", T0 + timedelta(seconds=i), channel_id="g",
                          message_id=str(i), text=f"backup test {i}")
            for i in range(start, start + count)]


async def test_sqlite_backup_while_the_writer_keeps_writing(make_app: Any, tmp_path: Path,
                                                            sqlite_url: str) -> None:
    app = await make_app(sqlite_url, communities=[{"platform": "console", "id": "bk"}],
                         safety={"enabled": False}, sentiment={"enabled": False},
                         pipeline={"batch_size": 50, "flush_interval_ms": 5})
    await app.pipeline.process_many(messages(0, 300))
    await app.pipeline.flush()
    target = tmp_path / "copy.db"
    source_url = sqlite_url

    async def keep_writing() -> None:
        for start in range(300, 900, 100):
            await app.pipeline.process_many(messages(start, 100))
            await asyncio.sleep(0)

    writer = asyncio.create_task(keep_writing())
    result = await asyncio.to_thread(backup_database, source_url, target, pages_per_step=4)
    await writer
    await app.pipeline.flush()
    assert result.path == target and result.bytes == target.stat().st_size > 0
    with sqlite3.connect(target) as copy:
        assert copy.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        stored = copy.execute("SELECT count(*) FROM activity").fetchone()[0]
        members = copy.execute("SELECT count(*), sum(messages) FROM member_stats").fetchone()
        revision = copy.execute("SELECT version_num FROM alembic_version").fetchall()
    assert 300 <= stored <= 900
    assert members[1] == stored  # a snapshot of committed batches: counters match rows
    assert revision  # the copy is a complete, migrated database
    assert not list(tmp_path.glob(".*.partial"))
    with pytest.raises(DatabaseError, match="already exists"):
        backup_database(source_url, target)
    assert backup_database(source_url, target, force=True).bytes > 0


def test_backup_errors_are_clear(tmp_path: Path) -> None:
    with pytest.raises(DatabaseError, match="does not exist"):
        backup_database(f"sqlite+aiosqlite:///{tmp_path / 'missing.db'}", tmp_path / "b.db")
    with pytest.raises(DatabaseError, match=r"directory .* does not exist"):
        backup_database(f"sqlite+aiosqlite:///{tmp_path / 'x.db'}", tmp_path / "no" / "b.db")
    assert libpq_url("postgresql+asyncpg://bot:s3cret@db:5433/hearth") == (
        "postgresql://bot@db:5433/hearth", "s3cret")


def test_cli_backup_sqlite(tmp_path: Path) -> None:
    db = tmp_path / "hearth.db"
    config = write_config(tmp_path / "hearth.toml", f"sqlite+aiosqlite:///{db}",
                          [{"platform": "console", "id": "bk"}])
    upgraded = hearth("db", "upgrade", "-c", str(config), cwd=tmp_path, env=child_env())
    assert upgraded.returncode == 0, upgraded.stderr
    done = hearth("db", "backup", str(tmp_path / "b.db"), "-c", str(config), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "sqlite online backup" in done.stdout
    again = hearth("db", "backup", str(tmp_path / "b.db"), "-c", str(config), cwd=tmp_path)
    assert again.returncode == 1 and "already exists" in again.stderr


@pytest.mark.postgres
async def test_pg_dump_backup_restores(make_app: Any, pg_url: str, tmp_path: Path) -> None:
    from tests.conftest import pg_reset_schema

    if shutil.which("pg_dump") is None or shutil.which("pg_restore") is None:
        pytest.skip("pg_dump/pg_restore are not installed")
    pg_reset_schema(pg_url)
    app = await make_app(pg_url, communities=[{"platform": "console", "id": "bk"}],
                         safety={"enabled": False}, sentiment={"enabled": False})
    await app.pipeline.process_many(messages(0, 120))
    await app.pipeline.flush()
    target = tmp_path / "hearth.dump"
    result = await asyncio.to_thread(backup_database, pg_url, target)
    assert result.bytes > 0 and "pg_dump" in result.method
    listing = subprocess.run(["pg_restore", "--list", str(target)], capture_output=True,
                             text=True, timeout=60)
    assert listing.returncode == 0 and "TABLE DATA public activity" in listing.stdout
