"""Shared fixtures: database URLs for SQLite and PostgreSQL, and an ``App`` factory.

Why a throwaway PostgreSQL database per run (and a fresh schema per test): the storage code
must behave the same on both backends, and tests must never see each other's rows. When the
server is absent, PostgreSQL variants skip with the reason instead of failing the suite.
"""

from __future__ import annotations

import asyncio
import os
import sys
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
# ``from tests.fakes import …`` works whatever the import mode and working directory.
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

PG_ADMIN_DSN = os.environ.get("HEARTH_TEST_PG", "postgresql://postgres@127.0.0.1:5432/test")
PG_HOST = "127.0.0.1:5432"

# Loopback traffic must never go through a proxy (asyncpg ignores it, subprocesses may not).
os.environ.setdefault("NO_PROXY", "127.0.0.1,localhost")
os.environ.setdefault("no_proxy", "127.0.0.1,localhost")


async def _pg_admin(statements: list[str], dsn: str = PG_ADMIN_DSN) -> None:
    import asyncpg

    conn = await asyncpg.connect(dsn, timeout=5)
    try:
        for statement in statements:
            await conn.execute(statement)
    finally:
        await conn.close()


def pg_admin(statements: list[str], dsn: str = PG_ADMIN_DSN) -> None:
    """Run admin statements from sync or async code (own loop in a worker thread)."""
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(asyncio.run, _pg_admin(statements, dsn)).result()


def pg_reset_schema(url: str) -> None:
    """Empty the database behind ``url`` (a ``pg_url``): drop and recreate ``public``."""
    name = url.rsplit("/", 1)[1]
    pg_admin([_terminate(name)])
    pg_admin(["DROP SCHEMA public CASCADE", "CREATE SCHEMA public"],
             f"postgresql://postgres@{PG_HOST}/{name}")


def _terminate(db: str) -> str:
    return (f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            f"WHERE datname = '{db}' AND pid <> pg_backend_pid()")


@pytest.fixture(scope="session")
def pg_url() -> Iterator[str]:
    """A throwaway PostgreSQL database for this test run, dropped afterwards."""
    import asyncpg

    name = f"hearth_t_{uuid.uuid4().hex[:12]}"
    try:
        pg_admin([f'CREATE DATABASE "{name}"'])
    except (OSError, TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        pytest.skip(f"PostgreSQL not reachable at {PG_HOST}: {reason}")
    try:
        yield f"postgresql+asyncpg://postgres@{PG_HOST}/{name}"
    finally:
        pg_admin([_terminate(name), f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'])


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite+aiosqlite:///{tmp_path / 'hearth.db'}"


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def db_url(backend: str, request: pytest.FixtureRequest) -> str:
    """An empty database on each backend: SQLite file, or PostgreSQL with a fresh schema."""
    if backend == "sqlite":
        return str(request.getfixturevalue("sqlite_url"))
    pg = str(request.getfixturevalue("pg_url"))
    pg_reset_schema(pg)
    return pg


DEFAULT_COMMUNITIES: list[dict[str, Any]] = [
    {"platform": "console", "id": "demo", "name": "Demo", "language": "en"},
]

MakeApp = Callable[..., Awaitable[Any]]


@pytest.fixture
async def make_app() -> AsyncIterator[MakeApp]:
    """``await make_app(url, communities=[...], pipeline={...}) -> App``; closed after the test.

    Built through ``default_config`` + ``build_app``, the same path every entry point uses.
    """
    from bot.bootstrap import build_app
    from bot.config import default_config

    apps: list[Any] = []

    async def factory(url: str, communities: list[dict[str, Any]] | None = None,
                      *, services: dict[str, Any] | None = None, **sections: Any) -> Any:
        config = default_config(url, communities=communities if communities is not None
                                else DEFAULT_COMMUNITIES, **sections)
        app = await build_app(config, services=services)
        apps.append(app)
        return app

    yield factory
    for app in reversed(apps):
        try:
            await app.close()
        except Exception:  # a test may have broken the engine on purpose
            await app.engine.dispose()


@pytest.fixture
def app(make_app: MakeApp) -> MakeApp:
    """The same factory as ``make_app``: ``app_ = await app(db_url, communities=[...])``."""
    return make_app
