"""Engine creation with the settings each backend needs, and clear connection errors.

SQLite gets WAL (readers never block the writer), synchronous=NORMAL (durable at checkpoint,
fast), foreign keys and a busy timeout; PostgreSQL gets a pool. Nothing is created at import.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine


class DatabaseError(Exception):
    """A database problem explained for people: what, where, how to fix."""


def is_sqlite(url: str) -> bool:
    return url.startswith("sqlite")


def sqlite_path(url: str) -> Path | None:
    parsed = make_url(url)
    if not is_sqlite(url) or not parsed.database or parsed.database == ":memory:":
        return None
    return Path(parsed.database)


def check_sqlite_location(url: str) -> None:
    """Fail early, with a useful message, when the SQLite file cannot be created or written."""
    path = sqlite_path(url)
    if path is None:
        return
    parent = path.parent if str(path.parent) else Path(".")
    if not parent.exists():
        raise DatabaseError(
            f"cannot open database {path}: directory {parent} does not exist; create it or "
            "change [database] url"
        )
    if path.exists() and not os.access(path, os.W_OK):
        raise DatabaseError(f"cannot write database {path}: permission denied")
    if not path.exists() and not os.access(parent, os.W_OK):
        raise DatabaseError(f"cannot create database {path}: directory {parent} is not writable")


def create_engine(url: str, *, busy_timeout_ms: int = 5000, pool_size: int = 5,
                  echo: bool = False) -> AsyncEngine:
    """An async engine for ``url`` with per-backend settings applied on every connection."""
    kwargs: dict[str, Any] = {"echo": echo}
    if is_sqlite(url):
        check_sqlite_location(url)
        kwargs["connect_args"] = {"timeout": busy_timeout_ms / 1000}
    else:
        kwargs.update(pool_size=pool_size, max_overflow=pool_size, pool_pre_ping=True)
    engine = create_async_engine(url, **kwargs)
    if is_sqlite(url):
        _sqlite_pragmas(engine, busy_timeout_ms)
    return engine


def _sqlite_pragmas(engine: AsyncEngine, busy_timeout_ms: int) -> None:
    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # aiosqlite: leave transaction control to SQLAlchemy, set pragmas outside a txn.
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
        cursor.close()


def sessionmaker(engine: AsyncEngine) -> async_sessionmaker:
    return async_sessionmaker(engine, expire_on_commit=False)


def explain(exc: BaseException, url: str) -> str:
    """Turn a driver exception into a sentence naming the database and the fix."""
    safe = make_url(url).render_as_string(hide_password=True)
    text = str(getattr(exc, "orig", None) or exc)
    lowered = text.lower()
    if "database is locked" in lowered:
        return (f"database {safe} is locked by another process (busy timeout expired); stop "
                "the other writer or raise [database] busy_timeout_ms")
    if "unable to open database file" in lowered:
        return f"cannot open database {safe}: check the path and its permissions"
    if isinstance(exc, (ConnectionRefusedError, OSError)) or "connect" in lowered:
        return (f"cannot connect to database {safe}: {text.strip()}; is the server running "
                "and is [database] url right?")
    if "does not exist" in lowered and "database" in lowered:
        return f"database in {safe} does not exist: create it first ({text.strip()})"
    return f"database error on {safe}: {text.strip()}"
