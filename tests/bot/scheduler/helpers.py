"""Helpers shared by the scheduler tests (imported by ``conftest.py`` and tests)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.storage.engine import create_engine, sessionmaker
from bot.storage.models import Base


@dataclass
class Db:
    """One test's database: engine, sessionmaker, URL and backend name."""

    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    url: str
    backend: str

    def new_engine(self) -> tuple[AsyncEngine, async_sessionmaker[AsyncSession]]:
        """A second engine on the same database (another "process" for concurrency tests)."""
        engine = create_engine(self.url)
        return engine, sessionmaker(engine)


async def sqlite_db(path: Path) -> Db:
    url = f"sqlite+aiosqlite:///{path}"
    engine = create_engine(url)
    async with engine.begin() as conn:
        await conn.run_sync(Base.metadata.create_all)
    return Db(engine, sessionmaker(engine), url, "sqlite")


class FakeClock:
    """A controllable clock: ``clock()`` returns the current fake time (aware UTC)."""

    def __init__(self, start: datetime | None = None) -> None:
        self.now = start or datetime(2026, 3, 2, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now
