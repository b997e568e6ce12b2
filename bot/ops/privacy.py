"""Member data export and erasure across every table, found generically, plus text retention.

Why generic: features add tables all the time (growth, safety, feelings, lifecycle …). A
hand-written list of "where member data lives" is out of date the day a table is added, and an
erasure that misses a table is a privacy bug nobody notices. So both export and erasure walk
``Base.metadata`` and find member data by shape:

* **member columns** — string columns holding a member id: ``member_id`` and ``*_member_id``,
  ``*_by`` (``claimed_by``, ``decided_by`` …) and the usual actor names (``actor_id``,
  ``owner_id``, ``author_id``, ``target_id``);
* **own rows** — rows whose *subject* (``member_id``, ``author_id``, ``owner_id``) is the
  member: their free text (``Text`` columns, long ``String`` columns, display names) and
  nullable JSON are personal content;
* **mentions** — any string/JSON value in the community containing the id (event keys,
  audit details, scheduled payloads).

Erasure keeps the community's numbers right: rows are not deleted but moved to a fresh
anonymous owner ``anon:<random>`` (ledger rows, counters, activity counts, team membership),
so leaderboard sums and the ledger-equals-counters invariant still hold; their free text is
dropped and the display name cleared. A few rows are personal and meaningless without the
person (``DELETE_BY``: link codes, the member's own reminders) and are deleted. Export files
written earlier for the member are deleted too.

Limits (documented in docs/deployment.md, Privacy): another member's message that *quotes*
the erased member's name is that other member's data and is kept; replaying an old event log
that still contains the member would store their events again.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import JSON, String, Table, Text, and_, cast, delete, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

log = logging.getLogger("hearth.privacy")

ACTOR_NAMES = frozenset({"actor_id", "owner_id", "author_id", "target_id", "user_id"})
SUBJECT_NAMES = ("member_id", "author_id", "owner_id")
NAME_COLUMNS = frozenset({"display_name", "member_name", "username"})
DELETE_BY = {"link_codes": "member_id", "scheduled_items": "owner_id"}
LONG_STRING = 200  # String columns this long or longer hold free text, not codes …
KEY_SUFFIXES = ("key", "_id", "hash", "fingerprint", "url", "version")  # … unless named like a key
ERASED = "[erased]"
ANON_PREFIX = "anon:"


# -- what the schema looks like -------------------------------------------------------------
def is_member_column(name: str) -> bool:
    return (name == "member_id" or name.endswith("_member_id") or name.endswith("_by")
            or name in ACTOR_NAMES)


def member_columns(table: Table) -> list[Any]:
    return [c for c in table.columns
            if is_member_column(c.name) and isinstance(c.type, String)]


def text_columns(table: Table) -> list[Any]:
    """Columns whose values may mention a member: strings, texts and JSON."""
    return [c for c in table.columns if isinstance(c.type, (String, Text, JSON))]


def free_text_columns(table: Table) -> list[Any]:
    """Columns holding what a person wrote or is called (dropped from their own rows)."""
    return [c for c in table.columns
            if not (is_member_column(c.name) or c.primary_key or c.foreign_keys)
            and _is_free_text(c)]


def _is_free_text(column: Any) -> bool:
    if isinstance(column.type, Text):
        return True
    if column.name in NAME_COLUMNS or column.name.endswith("_name"):
        return True
    return (isinstance(column.type, String) and (column.type.length or 0) >= LONG_STRING
            and not column.name.endswith(KEY_SUFFIXES))


def personal_tables() -> list[Table]:
    """Every table with a member column, in dependency order."""
    from bot.storage.models import Base

    return [t for t in Base.metadata.sorted_tables if member_columns(t)]


def community_scope(table: Table, community_id: str) -> Any:
    """A WHERE clause keeping ``table`` to one community (directly or through a foreign key);
    None when the table cannot be scoped (then matches are by member id alone)."""
    if "community_id" in table.c:
        return table.c.community_id == community_id
    for column in table.columns:
        for fk in column.foreign_keys:
            parent = fk.column.table
            if "community_id" in parent.c:
                parents = select(fk.column).where(parent.c.community_id == community_id)
                return column.in_(parents)
    return None


# -- values -----------------------------------------------------------------------------------
def id_pattern(member_id: str) -> re.Pattern[str]:
    """``member_id`` as a whole token: ``dc:12`` must not match inside ``dc:123``."""
    return re.compile(rf"(?<![\w]){re.escape(member_id)}(?![\w])")


def _like(member_id: str) -> str:
    escaped = member_id.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def scrub(value: Any, pattern: re.Pattern[str], anon: str, name: str | None) -> Any:
    """Replace the member id (and display name) wherever it appears in a stored value."""
    if isinstance(value, str):
        out = pattern.sub(anon, value)
        if name:
            out = out.replace(name, ERASED)
        return out
    if isinstance(value, list):
        return [scrub(v, pattern, anon, name) for v in value]
    if isinstance(value, dict):
        return {scrub(k, pattern, anon, name) if isinstance(k, str) else k:
                scrub(v, pattern, anon, name) for k, v in value.items()}
    return value


def _cleared(column: Any) -> Any:
    if column.nullable:
        return None
    if isinstance(column.type, JSON):
        return {}
    return ""


def jsonable(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, bytes):
        return f"<{len(value)} bytes>"
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    return value


def export_folder(configured: str, database_url: str | None) -> Path:
    """Where exports go: the configured folder, else ``exports`` next to the SQLite file
    (exports are data like the database, and belong with it), else ``./exports``."""
    if configured:
        return Path(configured)
    if database_url:
        from bot.storage.engine import sqlite_path

        database = sqlite_path(database_url)
        if database is not None:
            return database.parent / "exports"
    return Path("exports")


def export_stem(community_id: str, member_id: str) -> str:
    """File-name stem of a member's exports: a hash, so the folder listing names nobody and
    erasure can find (and delete) every export of the member."""
    digest = hashlib.sha256(f"{community_id}|{member_id}".encode()).hexdigest()
    return f"export-{digest[:20]}"


# -- results ------------------------------------------------------------------------------------
@dataclass(slots=True)
class MemberExport:
    community_id: str
    member_id: str
    data: dict[str, Any]
    rows: int
    tables: int
    text: str = ""
    path: str | None = None

    @property
    def size(self) -> int:
        return len(self.text.encode("utf-8"))


@dataclass(slots=True)
class Erasure:
    community_id: str
    anon_id: str
    anonymised: dict[str, int] = field(default_factory=dict)
    deleted: dict[str, int] = field(default_factory=dict)
    scrubbed: dict[str, int] = field(default_factory=dict)
    texts_dropped: int = 0
    files_deleted: int = 0

    @property
    def rows(self) -> int:
        return (sum(self.anonymised.values()) + sum(self.deleted.values())
                + sum(self.scrubbed.values()))

    def summary(self) -> dict[str, Any]:
        return {"anon_id": self.anon_id, "anonymised": self.anonymised,
                "deleted": self.deleted, "scrubbed": self.scrubbed,
                "texts_dropped": self.texts_dropped, "files_deleted": self.files_deleted}


# -- export -----------------------------------------------------------------------------------
async def collect(session: AsyncSession, community_id: str, member_id: str,
                  now: datetime | None = None) -> MemberExport:
    """Every row of every table that is about ``member_id`` in ``community_id``.

    Rows where they are the subject come whole; rows where they only appear as actor or
    target (a moderator deciding a case, a reply to them) come without the free text, which
    is someone else's.
    """
    tables: dict[str, list[dict[str, Any]]] = {}
    count = 0
    for table in personal_tables():
        matches = _referencing(table, community_id, member_id)
        if matches is None:
            continue
        rows = (await session.execute(select(table).where(matches))).mappings().all()
        if not rows:
            continue
        texts = {c.name for c in free_text_columns(table)}
        out = []
        for row in rows:
            own = _is_own(table, row, member_id)
            out.append({k: jsonable(v) for k, v in row.items()
                        if own or k not in texts})
        tables[table.name] = out
        count += len(out)
    data = {"community_id": community_id, "member_id": member_id,
            "exported_at": (now or datetime.now(UTC)).isoformat(), "rows": count,
            "tables": tables}
    return MemberExport(community_id, member_id, data, count, len(tables),
                        text=json.dumps(data, ensure_ascii=False, sort_keys=True))


def write_export(export: MemberExport, folder: Path, now: datetime) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    stamp = now.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    path = folder / f"{export_stem(export.community_id, export.member_id)}-{stamp}.json"
    path.write_text(export.text, encoding="utf-8")
    export.path = str(path)
    return path


# -- erasure ----------------------------------------------------------------------------------
def new_anon_id() -> str:
    return ANON_PREFIX + secrets.token_hex(8)


async def erase(session: AsyncSession, community_id: str, member_id: str, *,
                anon_id: str | None = None, export_dir: Path | None = None) -> Erasure:
    """Erase ``member_id`` from ``community_id`` inside the caller's transaction."""
    from bot.storage.models import Member

    if member_id.startswith(ANON_PREFIX):
        raise ValueError(f"{member_id} is already an anonymised member")
    anon = anon_id or new_anon_id()
    result = Erasure(community_id, anon)
    member = await session.get(Member, (community_id, member_id))
    name = (member.display_name or "").strip() if member is not None else ""
    # A very short name ("al") would be replaced inside unrelated words.
    name = name if len(name) >= 3 else ""
    pattern = id_pattern(member_id)
    for table in personal_tables():
        column = DELETE_BY.get(table.name)
        scope = community_scope(table, community_id)
        if column is not None and column in table.c:
            where = [table.c[column] == member_id]
            if scope is not None:
                where.append(scope)
            gone = (await session.execute(delete(table).where(*where))).rowcount or 0
            if gone:
                result.deleted[table.name] = gone
        matches = _referencing(table, community_id, member_id)
        if matches is None:
            continue
        rows = (await session.execute(select(table).where(matches))).mappings().all()
        members = member_columns(table)
        member_names = {c.name for c in members}
        free = free_text_columns(table)
        texts = text_columns(table)
        for row in rows:
            changes: dict[str, Any] = {}
            for c in members:
                if row[c.name] == member_id:
                    changes[c.name] = anon
            if _is_own(table, row, member_id):
                for c in free:
                    if row[c.name] not in (None, ""):
                        changes[c.name] = _cleared(c)
                        result.texts_dropped += 1
                for c in texts:
                    if isinstance(c.type, JSON) and c.nullable and row[c.name] is not None:
                        changes[c.name] = None
            for c in texts:
                if c.name in changes or c.name in member_names:
                    continue
                new = scrub(row[c.name], pattern, anon, name)
                if new != row[c.name]:
                    changes[c.name] = new
            if table.name == "members":
                changes.update(_member_row_changes(table))
            await _update_row(session, table, row, changes)
        if rows:
            result.anonymised[table.name] = len(rows)
    await _scrub_mentions(session, community_id, member_id, anon, name, pattern, result)
    if export_dir is not None:
        result.files_deleted = delete_exports(export_dir, community_id, member_id)
    return result


def _member_row_changes(table: Table) -> dict[str, Any]:
    changes: dict[str, Any] = {}
    for name, value in (("display_name", ""), ("anonymised", True), ("person_id", None),
                        ("language", None), ("timezone", None)):
        if name in table.c:
            changes[name] = value
    return changes


async def _scrub_mentions(session: AsyncSession, community_id: str, member_id: str, anon: str,
                          name: str, pattern: re.Pattern[str], result: Erasure) -> None:
    """Rows of any table that mention the member in a string/JSON value (event keys, audit
    details, payloads) without having them in a member column.

    Unbounded ``Text`` columns of other people's rows (their messages) are not scanned: what
    someone else wrote is their data, and scanning every message of a large community would
    hold the write lock for a long time.
    """
    from bot.storage.models import Base

    like = _like(member_id)
    for table in Base.metadata.sorted_tables:
        texts = [c for c in text_columns(table) if not isinstance(c.type, Text)]
        if not texts or not list(table.primary_key.columns):
            continue
        scope = community_scope(table, community_id)
        if scope is None:
            continue
        mention = or_(*(cast(c, Text).like(like, escape="\\") for c in texts))
        rows = (await session.execute(select(table).where(scope, mention))).mappings().all()
        changed = 0
        for row in rows:
            changes = {}
            for c in texts:
                new = scrub(row[c.name], pattern, anon, name)
                if new != row[c.name]:
                    changes[c.name] = new
            if changes:
                await _update_row(session, table, row, changes)
                changed += 1
        if changed:
            result.scrubbed[table.name] = result.scrubbed.get(table.name, 0) + changed


async def _update_row(session: AsyncSession, table: Table, row: Any,
                      changes: dict[str, Any]) -> None:
    """Apply ``changes`` to one row, found by its primary key.

    When the new values would collide with a unique key that the anonymous id already holds
    (a per-member aggregate such as ``member_stats`` re-created by activity after the first
    pass of an erasure), the stale row is deleted instead: the anonymised row already stands
    for the member, and an ``UPDATE`` would fail the whole erasure on the constraint.
    """
    if not changes:
        return
    keys = list(table.primary_key.columns)
    match = and_(*(k == row[k.name] for k in keys))
    for unique in _unique_keys(table):
        if not any(c.name in changes for c in unique):
            continue
        target = and_(*(c == changes.get(c.name, row[c.name]) for c in unique))
        clash = (await session.execute(select(table).where(target).limit(1))).mappings().first()
        if clash is not None:
            merged = _merged_counters(table, clash, row, unique)
            if merged:
                await session.execute(update(table).where(target).values(**merged))
            await session.execute(delete(table).where(match))
            return
    await session.execute(update(table).where(match).values(**changes))


# Numeric columns that are a state, not a running total: merged by the larger value.
NOT_ADDITIVE = frozenset({"level", "streak", "best_streak", "version", "attempts"})


def _merged_counters(table: Table, kept: Any, stale: Any, key: list[Any]) -> dict[str, Any]:
    """Counters of the stale row added into the anonymised one it collides with, so totals
    (ledger sums against ``member_stats``, message counts) still add up after the merge."""
    from sqlalchemy import Boolean, Float, Integer, Numeric

    merged: dict[str, Any] = {}
    skip = {c.name for c in key} | {c.name for c in table.primary_key.columns}
    for column in table.columns:
        if column.name in skip or isinstance(column.type, Boolean):
            continue
        if not isinstance(column.type, (Integer, Float, Numeric)):
            continue
        a, b = kept[column.name], stale[column.name]
        if b is None:
            continue
        if a is None:
            merged[column.name] = b
        elif column.name in NOT_ADDITIVE:
            merged[column.name] = max(a, b)
        else:
            merged[column.name] = a + b
    return merged


def _unique_keys(table: Table) -> list[list[Any]]:
    """Column sets that must be unique in ``table``: its primary key, unique constraints and
    unique indexes."""
    from sqlalchemy import UniqueConstraint

    found: list[list[Any]] = [list(table.primary_key.columns)]
    for constraint in table.constraints:
        if isinstance(constraint, UniqueConstraint):
            found.append(list(constraint.columns))
    for index in table.indexes:
        if index.unique:
            found.append(list(index.columns))
    for column in table.columns:
        if column.unique:
            found.append([column])
    return [cols for cols in found if cols]


def _referencing(table: Table, community_id: str, member_id: str) -> Any:
    columns = member_columns(table)
    if not columns:
        return None
    refers = or_(*(c == member_id for c in columns))
    scope = community_scope(table, community_id)
    if scope is None:
        log.debug("privacy: table %s has no community scope; matching by member id alone",
                  table.name)
        return refers
    return and_(scope, refers)


def _is_own(table: Table, row: Any, member_id: str) -> bool:
    return any(name in table.c and row[name] == member_id for name in SUBJECT_NAMES)


def delete_exports(folder: Path, community_id: str, member_id: str) -> int:
    if not folder.is_dir():
        return 0
    count = 0
    for path in folder.glob(f"{export_stem(community_id, member_id)}-*.json"):
        path.unlink(missing_ok=True)
        count += 1
    return count


# -- retention ------------------------------------------------------------------------------
async def drop_old_text(session: AsyncSession, community_id: str, before: datetime) -> int:
    """Null the text of messages older than ``before`` (points, counts and lengths stay)."""
    from bot.storage.models import Activity

    table = Activity.__table__
    result = await session.execute(
        update(table).where(table.c.community_id == community_id, table.c.at < before,
                            table.c.text.is_not(None)).values(text=None))
    return max(result.rowcount or 0, 0)


# -- the port the handlers use (``services["privacy"]``) -----------------------------------------
class PrivacyService:
    """``handlers.privacy.PrivacyPort``: works inside the command's (or timer's) transaction,
    reached through the unit of work's session.

    After an erasure commits, a follow-up runs once more in its own transaction: work that
    was already queued for the member when they asked (an asynchronous scorer's results, say)
    may be written after the erasure and would otherwise bring their id back. The follow-up
    first waits for every service that offers ``drain()``, then erases again under the same
    anonymous id. The id lives only in that task's memory, never in a table.
    """

    FOLLOW_UP_DELAY = 0.05  # let the command's transaction commit first

    def __init__(self, cache: Any = None, services: dict[str, Any] | None = None,
                 database_url: str | None = None) -> None:
        self.cache = cache
        self.services = services if services is not None else {}
        self.database_url = database_url
        self.sessions: Any = None  # bound by the ops wiring once the app exists
        self._follow_ups: set[Any] = set()

    def _folder(self, settings: Any) -> Path:
        configured = getattr(getattr(settings, "privacy", None), "export_dir", "")
        return export_folder(configured, self.database_url)

    async def export(self, uow: Any, settings: Any, member_id: str,
                     now: datetime) -> MemberExport:
        export = await collect(uow.session, uow.community_id, member_id, now)
        write_export(export, self._folder(settings), now)
        return export

    async def erase(self, uow: Any, settings: Any, member_id: str) -> Erasure:
        folder = self._folder(settings)
        result = await erase(uow.session, uow.community_id, member_id, export_dir=folder)
        self.forget_cached(uow.community_id, member_id)
        self._schedule_follow_up(uow.community_id, member_id, result.anon_id, folder)
        return result

    async def drop_old_text(self, uow: Any, before: datetime) -> int:
        return await drop_old_text(uow.session, uow.community_id, before)

    def forget_cached(self, community_id: str, member_id: str) -> None:
        if self.cache is not None:
            self.cache.invalidate(community_id, member_id)

    def _schedule_follow_up(self, community_id: str, member_id: str, anon: str,
                            folder: Path) -> None:
        import asyncio

        if self.sessions is None:
            return
        task = asyncio.get_running_loop().create_task(
            self._follow_up(community_id, member_id, anon, folder))
        self._follow_ups.add(task)
        task.add_done_callback(self._follow_ups.discard)

    async def _follow_up(self, community_id: str, member_id: str, anon: str,
                         folder: Path) -> None:
        import asyncio

        from bot.storage.models import Member

        await asyncio.sleep(self.FOLLOW_UP_DELAY)
        try:
            for service in list(self.services.values()):
                drain = getattr(service, "drain", None)
                if drain is not None and asyncio.iscoroutinefunction(drain):
                    await drain()
            async with self.sessions() as session, session.begin():
                if await session.get(Member, (community_id, anon)) is None:
                    return  # the erasure itself was rolled back: nothing to complete
                late = await erase(session, community_id, member_id, anon_id=anon,
                                   export_dir=folder)
            self.forget_cached(community_id, member_id)
            if late.rows:
                log.info("privacy: %d late row(s) of an erased member anonymised in %s",
                         late.rows, community_id, extra={"community_id": community_id})
        except Exception:
            log.exception("privacy: follow-up of an erasure in %s failed; run `hearth member "
                          "delete` for the same member again", community_id,
                          extra={"community_id": community_id})

    async def settle(self) -> None:
        """Wait for pending erasure follow-ups (shutdown, tests)."""
        import asyncio

        while self._follow_ups:
            await asyncio.gather(*list(self._follow_ups), return_exceptions=True)

    async def aclose(self) -> None:
        await self.settle()


def tables_with_member_data() -> Iterable[str]:
    """Names of the tables erasure walks (for docs and ``hearth member`` output)."""
    return (t.name for t in personal_tables())
