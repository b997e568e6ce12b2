"""Alembic commands as functions, usable from the CLI and from a running process."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config as AlembicConfig
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

import migrations


def alembic_config(url: str | None = None) -> AlembicConfig:
    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(Path(migrations.__file__).parent))
    if url:
        cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def head_revision() -> str:
    """The newest revision(s). Features branch off the initial schema, so there may be
    several heads; they are applied together with ``heads``."""
    heads = ScriptDirectory.from_config(alembic_config()).get_heads()
    return ",".join(sorted(heads)) or "base"


async def upgrade(engine: AsyncEngine, revision: str = "heads") -> None:
    await _with_connection(engine, lambda cfg: command.upgrade(cfg, revision))


async def downgrade(engine: AsyncEngine, revision: str = "base") -> None:
    await _with_connection(engine, lambda cfg: command.downgrade(cfg, revision))


async def current(engine: AsyncEngine) -> str | None:
    async with engine.connect() as connection:
        heads = await connection.run_sync(
            lambda sync: MigrationContext.configure(sync).get_current_heads()
        )
    return ",".join(sorted(heads)) or None


async def _with_connection(engine: AsyncEngine, action) -> None:  # type: ignore[no-untyped-def]
    def run(sync_connection: Connection) -> None:
        cfg = alembic_config()
        cfg.attributes["connection"] = sync_connection
        action(cfg)

    async with engine.begin() as connection:
        await connection.run_sync(run)
