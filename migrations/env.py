"""Alembic environment for Hearth (async engines).

Called two ways: from ``hearth db …`` with a URL (we build an async engine and run the
migration in its own event loop), or from inside a running application/test with an open
connection passed in ``config.attributes["connection"]`` (no second loop, no second engine).
"""

from __future__ import annotations

import asyncio

from alembic import context
from sqlalchemy.engine import Connection

from bot.storage.models import Base

target_metadata = Base.metadata


# pg_advisory_xact_lock key ("Heart"): one migrating process at a time per database.
MIGRATION_LOCK = 0x4865617274


def _run(connection: Connection) -> None:
    if connection.dialect.name == "postgresql":
        # Several processes started together (one per shard) may all run `hearth db upgrade`:
        # the first takes the lock and migrates, the others wait, then find nothing to do.
        # Held until the migration transaction ends.
        connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({MIGRATION_LOCK})")
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


async def _run_async(url: str) -> None:
    from bot.storage.engine import create_engine

    engine = create_engine(url)
    try:
        async with engine.connect() as connection:
            await connection.run_sync(_run)
            await connection.commit()
    finally:
        await engine.dispose()


def run_migrations_online() -> None:
    connection = context.config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    asyncio.run(_run_async(context.config.get_main_option("sqlalchemy.url")))


if context.is_offline_mode():
    context.configure(url=context.config.get_main_option("sqlalchemy.url"),
                      target_metadata=target_metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()
else:
    run_migrations_online()
