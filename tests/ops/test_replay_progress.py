"""``durable N`` progress of ``hearth replay``: never more than what is stored.

Checked at the moment each line is written (the flush has just committed): the first N
input events must already be in the database. And when a flush fails, the count must stop
before the lost batch for good, and the replay must say so and fail.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select

from bot.replay import DurableProgress, replay_into
from bot.storage.models import Activity
from domain.events import CommandInvoked, MessagePosted, ReactionAdded, event_key

from .helpers import write_jsonl

T0 = datetime(2026, 3, 1, tzinfo=UTC)
C = "console:rp"


def stream(count: int) -> list[Any]:
    events: list[Any] = []
    for i in range(count):
        events.append(MessagePosted(C, f"console:m{i % 5}", T0 + timedelta(seconds=i),
                                    channel_id="g", message_id=str(i), text=f"hi {i}"))
        if i % 7 == 0:
            events.append(ReactionAdded(C, "console:m9", T0 + timedelta(seconds=i, milliseconds=5),
                                        channel_id="g", message_id=str(i), emoji="👍"))
        if i % 50 == 0:
            events.append(events[-1])  # a duplicate delivery
        if i % 60 == 30:
            events.append(CommandInvoked(C, "console:m1",
                                         T0 + timedelta(seconds=i, milliseconds=9), name="help",
                                         channel_id="g", interaction_id=f"c{i}"))
    return events


async def stored_keys(app: Any) -> set[str]:
    async with app.sessions() as session:
        return set((await session.execute(select(Activity.event_key))).scalars())


async def test_every_durable_line_is_a_stored_prefix(make_app: Any, sqlite_url: str,
                                                     tmp_path: Path) -> None:
    events = stream(400)
    keys = [event_key(e) for e in events]
    source = write_jsonl(tmp_path / "in.jsonl", events)
    app = await make_app(sqlite_url, communities=[{"platform": "console", "id": "rp"}],
                         pipeline={"batch_size": 37, "flush_interval_ms": 5},
                         safety={"enabled": False}, sentiment={"enabled": False})
    progress = tmp_path / "progress.txt"
    total, bad = await replay_into(app, source, progress=False, progress_file=progress,
                                   chunk_size=60)
    assert (total, bad) == (len(events), 0)
    lines = [int(line.split()[1]) for line in progress.read_text().splitlines()]
    assert lines == sorted(set(lines)) and lines[-1] == len(events)
    assert len(lines) > 5  # reported along the way, not only at the end
    stored = await stored_keys(app)
    assert all(k in stored for k in keys)


async def test_progress_is_checked_at_the_moment_it_is_written(make_app: Any, sqlite_url: str,
                                                               tmp_path: Path) -> None:
    """Each line is verified against the database right when the callback writes it."""
    import sqlite3

    events = stream(300)
    keys = [event_key(e) for e in events]
    source = write_jsonl(tmp_path / "in.jsonl", events)
    app = await make_app(sqlite_url, communities=[{"platform": "console", "id": "rp"}],
                         pipeline={"batch_size": 23, "flush_interval_ms": 5},
                         safety={"enabled": False}, sentiment={"enabled": False})
    db = sqlite_url.split("///", 1)[1]
    violations: list[tuple[int, list[str]]] = []
    written: list[int] = []

    class Sink:
        def write(self, line: str) -> None:
            durable = int(line.split()[1])
            written.append(durable)
            with sqlite3.connect(db) as conn:
                have = {k for (k,) in conn.execute("SELECT event_key FROM activity")}
            missing = [k for k in keys[:durable] if k not in have]
            if missing:
                violations.append((durable, missing[:3]))

        def flush(self) -> None:
            pass

    import bot.replay as replay_module

    opened = replay_module._open_sink
    replay_module._open_sink = lambda target: (Sink(), False)
    try:
        await replay_into(app, source, progress=False, progress_file="x", chunk_size=45)
    finally:
        replay_module._open_sink = opened
    assert violations == []
    assert written[-1] == len(events) and len(written) > 5


async def test_a_failed_flush_stops_the_count_and_fails_the_replay(make_app: Any,
                                                                   sqlite_url: str,
                                                                   tmp_path: Path,
                                                                   capsys: Any) -> None:
    events = [e for e in stream(200) if not isinstance(e, CommandInvoked)]
    source = write_jsonl(tmp_path / "in.jsonl", events)
    app = await make_app(sqlite_url, communities=[{"platform": "console", "id": "rp"}],
                         pipeline={"batch_size": 25, "flush_interval_ms": 60_000},
                         safety={"enabled": False}, sentiment={"enabled": False})
    real_write = app.writer.sql.write
    calls = {"n": 0}

    async def flaky(conn: Any, batch: list[Any], communities: Any, **kw: Any) -> int:
        calls["n"] += 1
        if calls["n"] == 3:
            raise RuntimeError("disk full (simulated)")
        return await real_write(conn, batch, communities, **kw)

    app.writer.sql.write = flaky
    progress = tmp_path / "progress.txt"
    _, bad = await replay_into(app, source, progress=False, progress_file=progress,
                               chunk_size=25)
    lines = [int(line.split()[1]) for line in progress.read_text().splitlines()]
    stored = await stored_keys(app)
    keys = [event_key(e) for e in events]
    first_lost = next(i for i, k in enumerate(keys) if k not in stored)
    assert bad > 0 and "were not stored" in capsys.readouterr().err
    assert lines and max(lines) <= first_lost  # never claims the lost batch
    assert all(k in stored for k in keys[:max(lines)])


def test_durable_progress_bookkeeping() -> None:
    lines: list[str] = []

    class Sink:
        def write(self, text: str) -> None:
            lines.append(text.strip())

        def flush(self) -> None:
            pass

    events = [MessagePosted(C, "console:a", T0, channel_id="g", message_id=str(i), text="x")
              for i in range(6)]
    p = DurableProgress(Sink())  # type: ignore[arg-type]
    p.chunk(events, 0)
    for e in events[:4]:
        p.staged(C, event_key(e))
    p.flushed(2)
    assert p.durable == 2
    p.failed(2)  # events 2 and 3 lost
    for e in events[4:]:
        p.staged(C, event_key(e))
    p.flushed(2)
    p.chunk_done(6)
    assert p.durable == 2 and lines == ["durable 2"] and p.lost == 2


def test_cli_progress_file_option(tmp_path: Path, monkeypatch: Any) -> None:
    """`hearth replay --progress-file F` writes the durable count a supervisor reads."""
    from typer.testing import CliRunner

    from bot.cli import app

    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("HEARTH_REPLAY_PROGRESS", raising=False)
    events = [MessagePosted(C, f"console:m{i % 7}", T0 + timedelta(seconds=i),
                            channel_id="general", message_id=f"p{i}", text=f"hello number {i}")
              for i in range(40)]
    source = write_jsonl(tmp_path / "in.jsonl", events)
    progress = tmp_path / "progress.txt"
    result = CliRunner().invoke(app, ["replay", str(source), "-q", "--progress-file",
                                      str(progress)])
    assert result.exit_code == 0, result.output
    lines = progress.read_text(encoding="utf-8").split()
    assert lines[-2:] == ["durable", "40"]
