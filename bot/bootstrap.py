"""The one wiring place: config -> engine, migrations, writer, cache, services, pipeline.

Nothing here runs at import; ``build_app`` is called by the CLI, the platform runner, the demo
and tests, so every entry point gets the same system.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine

from bot.config import Config
from bot.pipeline import Pipeline
from bot.storage.batch import BatchWriter, FlushReport, StagedEvent
from bot.storage.cache import StateCache
from bot.storage.engine import DatabaseError, create_engine, explain, sessionmaker

log = logging.getLogger("hearth.bootstrap")


@dataclass
class App:
    config: Config
    engine: AsyncEngine
    sessions: Any
    writer: BatchWriter
    cache: StateCache
    pipeline: Pipeline
    services: dict[str, Any] = field(default_factory=dict)
    flushes: list[FlushReport] = field(default_factory=list)

    async def close(self) -> None:
        try:
            await self.pipeline.close()
        finally:
            for service in self.services.values():
                stop = getattr(service, "aclose", None)
                if stop is not None:
                    await stop()
            await self.engine.dispose()


async def build_app(config: Config, *, upgrade: bool | None = None,
                    services: dict[str, Any] | None = None) -> App:
    """Build the whole system for ``config``; raises DatabaseError with a clear message."""
    import handlers
    from handlers.registry import registry

    handlers.load_all()
    db = config.database
    engine = create_engine(db.url, busy_timeout_ms=db.busy_timeout_ms, pool_size=db.pool_size,
                           echo=db.echo)
    try:
        await check_connection(engine, db.url)
        if db.upgrade_on_start if upgrade is None else upgrade:
            from bot.storage.migrate import upgrade as run_upgrade

            await run_upgrade(engine)
    except BaseException:
        await engine.dispose()
        raise
    sessions = sessionmaker(engine)
    pipe_cfg = config.pipeline
    cache = StateCache(sessions, capacity=pipe_cfg.state_cache_size)
    all_services: dict[str, Any] = dict(services or {})
    flushes: list[FlushReport] = []
    holder: list[Pipeline] = []

    def failed(batch: list[StagedEvent], exc: BaseException) -> None:
        # The in-memory state ran ahead of the database: forget it and reload on demand.
        cache.clear()
        if holder:
            holder[0].forget_recent()
        log.error("flush of %d events failed and was rolled back: %s", len(batch),
                  explain(exc, db.url))

    writer = BatchWriter(engine, batch_size=pipe_cfg.batch_size,
                         flush_interval_ms=pipe_cfg.flush_interval_ms, on_failure=failed)
    configure_features(config, cache, all_services)
    pipeline = Pipeline(config, registry, sessions, writer, cache, all_services)
    holder.append(pipeline)
    app = App(config, engine, sessions, writer, cache, pipeline, all_services, flushes)
    for hook in all_services.get("on_app", []):
        hook(app)
    return app


def configure_features(config: Config, cache: StateCache, services: dict[str, Any]) -> None:
    """Per-feature wiring (codecs, scorers, filters).

    Each feature package may expose ``bot.<feature>.wiring.configure(config, cache,
    services)``; they are called in a fixed order so later features can use earlier ones.
    """
    import importlib

    for feature in FEATURES:
        try:
            module = importlib.import_module(f"bot.{feature}.wiring")
        except ModuleNotFoundError as exc:
            if exc.name != f"bot.{feature}.wiring" and exc.name != f"bot.{feature}":
                raise
            continue
        module.configure(config, cache, services)


FEATURES = ("growth", "safety", "scoring", "scheduler", "lifecycle", "insights", "ops")


async def check_connection(engine: AsyncEngine, url: str) -> None:
    from sqlalchemy import text

    try:
        async with engine.connect() as conn:
            await conn.execute(text("SELECT 1"))
    except Exception as exc:
        raise DatabaseError(explain(exc, url)) from None
