"""Fixtures: a scheduler database on SQLite (a temp file) and on PostgreSQL.

PostgreSQL (``sched_pg_url``): one throwaway database ``hearth_test_<random>`` per session,
created through the ``test`` database on 127.0.0.1:5432 (user postgres, trust auth) and
dropped afterwards; tests skip with the reason when the server is not reachable. It is separate
from the shared ``pg_url`` database because the shared fixtures reset that schema between
tests. Each test gets its own engine (asyncpg connections belong to one event loop) and an
emptied ``scheduled_items`` table.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import os
import secrets
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
import pytest_asyncio
from sqlalchemy import delete

from bot.storage.engine import create_engine, sessionmaker
from bot.storage.models import Base, ScheduledItem
from tests.bot.scheduler.helpers import Db, FakeClock, sqlite_db

PG_HOST = os.environ.get("HEARTH_TEST_PG_HOST", "127.0.0.1")
PG_PORT = int(os.environ.get("HEARTH_TEST_PG_PORT", "5432"))
PG_ADMIN_DSN = f"postgresql://postgres@{PG_HOST}:{PG_PORT}/test"


def _run(coro_fn, *args):  # type: ignore[no-untyped-def]
    """Run a coroutine to completion on a private loop in a worker thread.

    The session fixture may be first requested from inside a running test loop (through an
    async fixture), where ``asyncio.run`` is not allowed.
    """
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(lambda: asyncio.run(coro_fn(*args))).result()


async def _pg_admin(statement: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(PG_ADMIN_DSN, timeout=5)
    try:
        await conn.execute(statement)
    finally:
        await conn.close()


@pytest.fixture(scope="session")
def sched_pg_url() -> Iterator[str]:
    """URL of a fresh PostgreSQL database with the schema, dropped at session end."""
    name = f"hearth_test_{secrets.token_hex(6)}"
    try:
        _run(_pg_admin, f'CREATE DATABASE "{name}"')
    except Exception as exc:  # server absent, auth refused, …
        pytest.skip(f"PostgreSQL not reachable at {PG_HOST}:{PG_PORT}: {exc}")
    url = f"postgresql+asyncpg://postgres@{PG_HOST}:{PG_PORT}/{name}"

    async def create_schema() -> None:
        engine = create_engine(url)
        async with engine.begin() as conn:
            await conn.run_sync(Base.metadata.create_all)
        await engine.dispose()

    try:
        _run(create_schema)
        yield url
    finally:
        _run(_pg_admin, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest_asyncio.fixture(
    params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def db(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Db]:
    if request.param == "sqlite":
        handle = await sqlite_db(tmp_path / "scheduler.db")
    else:
        url = request.getfixturevalue("sched_pg_url")
        engine = create_engine(url)
        async with engine.begin() as conn:
            await conn.execute(delete(ScheduledItem))
        handle = Db(engine, sessionmaker(engine), url, "postgres")
    try:
        yield handle
    finally:
        await handle.engine.dispose()


@pytest_asyncio.fixture
async def pg_db(sched_pg_url: str) -> AsyncIterator[Db]:
    engine = create_engine(sched_pg_url)
    async with engine.begin() as conn:
        await conn.execute(delete(ScheduledItem))
    try:
        yield Db(engine, sessionmaker(engine), sched_pg_url, "postgres")
    finally:
        await engine.dispose()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()
