"""``hearth db backup FILE``: a consistent copy of the database while the bot keeps running.

SQLite: the online backup API (``sqlite3.Connection.backup``) copies pages from a live
database — readers and the WAL writer keep working, and the copy is a consistent snapshot.
It is written to a temporary file next to FILE, checked with ``PRAGMA integrity_check`` and
then renamed into place, so FILE is never a half-written backup. PostgreSQL: ``pg_dump``
in its custom format (restore with ``pg_restore``); the password goes to pg_dump through
``PGPASSWORD``, never on the command line where ``ps`` would show it.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import make_url

from bot.storage.engine import DatabaseError, is_sqlite, sqlite_path


@dataclass(frozen=True, slots=True)
class BackupResult:
    path: Path
    bytes: int
    seconds: float
    method: str


def backup_database(url: str, target: Path, *, force: bool = False,
                    pages_per_step: int = 1024) -> BackupResult:
    """Back up the database at ``url`` into ``target`` (raises DatabaseError, clearly)."""
    if target.exists() and not force:
        raise DatabaseError(f"{target} already exists; choose another file or pass --force")
    if target.parent and not target.parent.exists():
        raise DatabaseError(f"cannot write {target}: directory {target.parent} does not exist")
    if is_sqlite(url):
        return _sqlite_backup(url, target, pages_per_step)
    if url.startswith("postgresql"):
        return _pg_dump(url, target)
    raise DatabaseError(f"no backup method for {url.split(':', 1)[0]} databases")


def _sqlite_backup(url: str, target: Path, pages_per_step: int) -> BackupResult:
    source = sqlite_path(url)
    if source is None:
        raise DatabaseError("an in-memory SQLite database cannot be backed up")
    if not source.exists():
        raise DatabaseError(f"database {source} does not exist (nothing to back up)")
    started = time.perf_counter()
    partial = target.with_name(f".{target.name}.partial")
    partial.unlink(missing_ok=True)
    try:
        # A normal connection (it only reads): read-only ones cannot open a WAL database
        # whose -shm file is missing (the bot stopped), which is exactly when people back up.
        src = sqlite3.connect(source, timeout=30)
        try:
            dest = sqlite3.connect(partial)
            try:
                src.backup(dest, pages=pages_per_step)
                check = dest.execute("PRAGMA integrity_check").fetchone()[0]
                if check != "ok":
                    raise DatabaseError(f"the copy of {source} failed its integrity check: "
                                        f"{check}")
                dest.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
            finally:
                dest.close()
        finally:
            src.close()
        os.replace(partial, target)
    except sqlite3.Error as exc:
        partial.unlink(missing_ok=True)
        raise DatabaseError(f"backup of {source} failed: {exc}") from None
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return BackupResult(target, target.stat().st_size, time.perf_counter() - started,
                        "sqlite online backup")


def libpq_url(url: str) -> tuple[str, str | None]:
    """A ``postgresql://`` URL for libpq tools (no driver, no password) and the password."""
    from sqlalchemy.engine import URL

    parsed = make_url(url)
    plain = URL.create("postgresql", username=parsed.username, host=parsed.host,
                       port=parsed.port, database=parsed.database, query=parsed.query)
    return plain.render_as_string(hide_password=False), parsed.password


def _pg_dump(url: str, target: Path) -> BackupResult:
    binary = shutil.which("pg_dump")
    if binary is None:
        raise DatabaseError("pg_dump is not installed (package postgresql-client); install "
                            "it or back up with your provider's snapshots")
    dsn, password = libpq_url(url)
    env = dict(os.environ)
    if password:
        env["PGPASSWORD"] = password
    started = time.perf_counter()
    partial = target.with_name(f".{target.name}.partial")
    try:
        done = subprocess.run([binary, "--format=custom", "--no-owner", "--file", str(partial),
                               dsn], env=env, capture_output=True, text=True, timeout=3600)
    except subprocess.TimeoutExpired:
        partial.unlink(missing_ok=True)
        raise DatabaseError("pg_dump did not finish within an hour") from None
    if done.returncode != 0:
        partial.unlink(missing_ok=True)
        message = " ".join(done.stderr.split())[:500] or f"exit status {done.returncode}"
        raise DatabaseError(f"pg_dump failed: {message}")
    os.replace(partial, target)
    return BackupResult(target, target.stat().st_size, time.perf_counter() - started,
                        "pg_dump (custom format; restore with pg_restore)")
