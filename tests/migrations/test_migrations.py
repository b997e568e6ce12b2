"""Alembic migrations on SQLite and PostgreSQL: round trip, no drift, and the CLI.

Why: the models are what the code uses, the migrations are what a real database gets. If they
drift apart, a fresh install works in tests (create_all) and breaks in production (upgrade).
"""

from __future__ import annotations

import importlib
import os
import pkgutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, text

from bot.storage import migrate
from bot.storage.engine import create_engine
from bot.storage.models import Base


def load_all_models() -> None:
    """Import every ``bot/storage/models*.py`` so Base.metadata holds every declared table.

    Feature tables live in their own modules (``models_growth``, ``models_safety`` …); a model
    that is never imported would escape the drift check.
    """
    import bot.storage as storage

    for info in pkgutil.iter_modules(storage.__path__):
        if info.name.startswith("models"):
            importlib.import_module(f"bot.storage.{info.name}")


load_all_models()

EXPECTED_TABLES = {
    "communities", "persons", "members", "link_codes", "activity", "ledger", "member_stats",
    "badge_awards", "audit_log", "scheduled_items",
}


async def _tables(engine: Any) -> set[str]:
    async with engine.connect() as conn:
        names = await conn.run_sync(lambda sync: inspect(sync).get_table_names())
    return set(names) - {"alembic_version"}


async def _drift(engine: Any) -> list[Any]:
    def compare(sync_conn: Any) -> list[Any]:
        context = MigrationContext.configure(
            sync_conn, opts={"compare_type": True, "compare_server_default": True}
        )
        return compare_metadata(context, Base.metadata)

    async with engine.connect() as conn:
        return await conn.run_sync(compare)


async def test_upgrade_downgrade_upgrade_round_trip(db_url: str) -> None:
    engine = create_engine(db_url)
    try:
        assert await migrate.current(engine) is None
        await migrate.upgrade(engine)
        assert await migrate.current(engine) == migrate.head_revision()
        assert await _tables(engine) >= EXPECTED_TABLES

        await migrate.downgrade(engine, "base")
        assert await migrate.current(engine) is None
        assert await _tables(engine) == set(), "downgrade to base must remove every table"

        await migrate.upgrade(engine)
        assert await migrate.current(engine) == migrate.head_revision()
        assert await _tables(engine) >= EXPECTED_TABLES
    finally:
        await engine.dispose()


async def test_models_and_migrations_do_not_drift(db_url: str) -> None:
    engine = create_engine(db_url)
    try:
        await migrate.upgrade(engine)
        diffs = await _drift(engine)
    finally:
        await engine.dispose()
    assert not diffs, "models and migrations differ (write a migration):\n" + "\n".join(
        repr(d) for d in diffs)


async def test_every_model_table_is_created_by_the_migrations(db_url: str) -> None:
    engine = create_engine(db_url)
    try:
        await migrate.upgrade(engine)
        tables = await _tables(engine)
    finally:
        await engine.dispose()
    assert set(Base.metadata.tables) == tables


async def test_sqlite_connection_settings(sqlite_url: str) -> None:
    """WAL, synchronous=NORMAL, foreign keys and the busy timeout are on every connection."""
    engine = create_engine(sqlite_url, busy_timeout_ms=1234)
    try:
        async with engine.connect() as conn:
            journal = (await conn.execute(text("PRAGMA journal_mode"))).scalar()
            sync = (await conn.execute(text("PRAGMA synchronous"))).scalar()
            fks = (await conn.execute(text("PRAGMA foreign_keys"))).scalar()
            busy = (await conn.execute(text("PRAGMA busy_timeout"))).scalar()
    finally:
        await engine.dispose()
    assert (str(journal).lower(), sync, fks, busy) == ("wal", 1, 1, 1234)


def _hearth(args: list[str], cwd: Path, timeout: float = 60) -> subprocess.CompletedProcess:
    env = {**os.environ, "NO_PROXY": "127.0.0.1,localhost", "COLUMNS": "200"}
    env.pop("HEARTH_CONFIG", None)
    return subprocess.run([sys.executable, "-m", "bot", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=timeout)


def test_cli_db_upgrade_creates_schema_on_empty_sqlite_file(tmp_path: Path) -> None:
    db = tmp_path / "fresh.db"
    config = tmp_path / "hearth.toml"
    config.write_text(f'[database]\nurl = "sqlite+aiosqlite:///{db}"\n', encoding="utf-8")
    head = migrate.head_revision()

    before = _hearth(["db", "current", "--config", str(config)], tmp_path)
    assert before.returncode == 0, before.stderr
    assert "base" in before.stdout

    result = _hearth(["db", "upgrade", "--config", str(config)], tmp_path)
    assert result.returncode == 0, result.stderr
    assert db.exists()

    current = _hearth(["db", "current", "--config", str(config)], tmp_path)
    assert current.returncode == 0, current.stderr
    assert f"database at revision {head}" in current.stdout

    import sqlite3

    with sqlite3.connect(db) as conn:
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert tables >= EXPECTED_TABLES | {"alembic_version"}

    down = _hearth(["db", "downgrade", "base", "--config", str(config)], tmp_path)
    assert down.returncode == 0, down.stderr
    with sqlite3.connect(db) as conn:
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert not tables & EXPECTED_TABLES


@pytest.mark.postgres
def test_cli_db_upgrade_on_postgresql(pg_url: str, tmp_path: Path) -> None:
    from tests.conftest import pg_reset_schema

    pg_reset_schema(pg_url)
    config = tmp_path / "hearth.toml"
    config.write_text(f'[database]\nurl = "{pg_url}"\n', encoding="utf-8")
    result = _hearth(["db", "upgrade", "--config", str(config)], tmp_path)
    assert result.returncode == 0, result.stderr
    assert f"database at revision {migrate.head_revision()}" in result.stdout


async def test_drift_check_notices_a_model_change(sqlite_url: str) -> None:
    """Guard the guard: a column added to a model without a migration shows up as a diff."""
    from sqlalchemy import Column, Integer, MetaData

    changed = MetaData(naming_convention=Base.metadata.naming_convention)
    for table in Base.metadata.tables.values():
        table.to_metadata(changed)
    changed.tables["members"].append_column(Column("karma", Integer, nullable=True))

    engine = create_engine(sqlite_url)
    try:
        await migrate.upgrade(engine)

        def compare(sync_conn: Any) -> list[Any]:
            return compare_metadata(MigrationContext.configure(sync_conn), changed)

        async with engine.connect() as conn:
            diffs = await conn.run_sync(compare)
    finally:
        await engine.dispose()
    assert any(d[0] == "add_column" and d[3].name == "karma" for d in diffs), diffs


@pytest.mark.postgres
def test_concurrent_db_upgrade_on_postgresql(pg_url: str, tmp_path: Path) -> None:
    """Three processes started together all run `hearth db upgrade` (one per shard): the
    advisory lock lets one migrate while the others wait, so none fails on a half-made
    schema or a duplicate table."""
    from tests.conftest import pg_reset_schema

    pg_reset_schema(pg_url)
    config = tmp_path / "hearth.toml"
    config.write_text(f'[database]\nurl = "{pg_url}"\n', encoding="utf-8")
    env = {**os.environ, "NO_PROXY": "127.0.0.1,localhost"}
    procs = [subprocess.Popen([sys.executable, "-m", "bot", "db", "upgrade", "--config",
                               str(config)], cwd=str(tmp_path),
                              env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True) for _ in range(3)]
    outputs = [p.communicate(timeout=120) for p in procs]
    for proc, (out, err) in zip(procs, outputs, strict=True):
        assert proc.returncode == 0, err
        assert f"database at revision {migrate.head_revision()}" in out
