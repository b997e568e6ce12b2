"""The ``hearth`` command line, run as a user would (subprocesses).

Why: the CLI is the product's front door. Help must be instant (no database drivers or ML
imports), and every operational failure must end in one clear line and a non-zero exit, never
a traceback.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from bot import __version__
from bot.eventcodec import dumps
from bot.simulate import simulate

HEAVY = ("sqlalchemy", "aiosqlite", "asyncpg", "torch", "transformers", "alembic", "sklearn",
         "matplotlib", "discord", "telegram")


def hearth(*args: str, cwd: Path, stdin: str | None = None,
           timeout: float = 120) -> subprocess.CompletedProcess:
    env = {**os.environ, "COLUMNS": "200", "NO_PROXY": "127.0.0.1,localhost"}
    env.pop("HEARTH_CONFIG", None)
    return subprocess.run([sys.executable, "-m", "bot", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=timeout, input=stdin)


def assert_clean_failure(result: subprocess.CompletedProcess, *needles: str) -> None:
    assert result.returncode != 0
    assert "Traceback" not in result.stderr, result.stderr
    for needle in needles:
        assert needle in result.stderr, result.stderr


def test_help_does_not_import_heavy_modules(tmp_path: Path) -> None:
    probe = (
        "import sys\n"
        "sys.argv = ['hearth', '--help']\n"
        "from bot.cli import main\n"
        "try:\n"
        "    main()\n"
        "except SystemExit as exc:\n"
        "    code = exc.code\n"
        "else:\n"
        "    code = 0\n"
        f"heavy = sorted({{m.split('.')[0] for m in sys.modules}} & set({list(HEAVY)!r}))\n"
        "print('HEAVY=' + ','.join(heavy), file=sys.stderr)\n"
        "sys.exit(code)\n"
    )
    result = subprocess.run([sys.executable, "-c", probe], cwd=tmp_path, capture_output=True,
                            text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert "HEAVY=\n" in result.stderr, f"`hearth --help` imported: {result.stderr}"
    for command in ("run", "demo", "console", "replay", "db", "check-config"):
        assert command in result.stdout


def test_version(tmp_path: Path) -> None:
    result = hearth("--version", cwd=tmp_path)
    assert result.returncode == 0
    assert result.stdout.strip() == f"hearth {__version__}"


def test_db_subcommands_have_help(tmp_path: Path) -> None:
    result = hearth("db", "--help", cwd=tmp_path)
    assert result.returncode == 0
    for command in ("upgrade", "downgrade", "current"):
        assert command in result.stdout


def test_demo_prints_a_summary(tmp_path: Path) -> None:
    result = hearth("demo", "--members", "30", "--days", "5", "--database", "tmp.db", "-q",
                    cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "events processed" in result.stdout and "events/s" in result.stdout
    assert "failed events" in result.stdout
    with sqlite3.connect(tmp_path / "tmp.db") as conn:
        messages = conn.execute("SELECT count(*) FROM activity WHERE kind='message'").fetchone()
        members = conn.execute("SELECT count(*) FROM members").fetchone()
    assert messages[0] > 50 and members[0] == 30

    assert "processed" in result.stdout and "30 members" in result.stdout


def test_run_without_config_is_a_clear_error(tmp_path: Path) -> None:
    result = hearth("run", cwd=tmp_path)
    assert result.returncode == 2
    assert_clean_failure(result, "--config")


def test_database_that_does_not_answer(tmp_path: Path) -> None:
    config = tmp_path / "hearth.toml"
    config.write_text('[database]\nurl = "postgresql+asyncpg://postgres@127.0.0.1:1/x"\n',
                      encoding="utf-8")
    result = hearth("db", "upgrade", "--config", str(config), cwd=tmp_path)
    assert_clean_failure(result, "cannot connect to database", "127.0.0.1:1")
    assert len([ln for ln in result.stderr.splitlines() if ln.strip()]) == 1


def test_sqlite_in_a_missing_directory(tmp_path: Path) -> None:
    config = tmp_path / "hearth.toml"
    missing = tmp_path / "no" / "such" / "dir" / "h.db"
    config.write_text(f'[database]\nurl = "sqlite+aiosqlite:///{missing}"\n', encoding="utf-8")
    for args in (("db", "upgrade"), ("replay", str(config))):
        result = hearth(*args, "--config", str(config), cwd=tmp_path)
        assert_clean_failure(result, "does not exist", str(missing.parent))
    assert not missing.parent.exists(), "nothing is created behind the user's back"


def test_replay_of_a_missing_file(tmp_path: Path) -> None:
    result = hearth("replay", "nope.jsonl", cwd=tmp_path)
    assert result.returncode == 2
    assert_clean_failure(result, "nope.jsonl", "not found")


def test_console_from_the_command_line(tmp_path: Path) -> None:
    result = hearth("console", "--community", "cli", "--as", "zoe", cwd=tmp_path,
                    stdin="hello from the pipe\n/help\n:as yan\n/doesnotexist\n:quit\n")
    assert result.returncode == 0, result.stderr
    assert "/help" in result.stdout and "(you are now yan)" in result.stdout
    assert "doesnotexist" in result.stdout
    with sqlite3.connect(tmp_path / "hearth.db") as conn:
        rows = conn.execute("SELECT member_id, text FROM activity WHERE kind = 'message'"
                            ).fetchall()
    assert rows == [("console:zoe", "hello from the pipe")]


# -- replay --------------------------------------------------------------------------------
def _counts(url: str) -> dict[str, Any]:
    import asyncio

    from sqlalchemy import func, select

    from bot.storage.engine import create_engine
    from bot.storage.models import Activity, LedgerEntry, Member, MemberStats

    async def go() -> dict[str, Any]:
        engine = create_engine(url)
        try:
            async with engine.connect() as conn:
                out: dict[str, Any] = {}
                for model in (Activity, Member, MemberStats, LedgerEntry):
                    out[model.__tablename__] = int(await conn.scalar(
                        select(func.count()).select_from(model.__table__)))
                sums = (await conn.execute(select(
                    func.sum(LedgerEntry.delta), func.sum(LedgerEntry.lifetime_delta),
                    select(func.sum(MemberStats.messages)).scalar_subquery(),
                    select(func.sum(MemberStats.lifetime)).scalar_subquery()))).one()
                out["sums"] = tuple(int(v or 0) for v in sums)
                return out
        finally:
            await engine.dispose()

    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, go()).result()


def test_replay_twice_leaves_identical_counts(tmp_path: Path, db_url: str) -> None:
    events = list(simulate(members=25, days=4, seed=3))
    path = tmp_path / "events.jsonl"
    lines = [dumps(e) for e in events]
    broken = {
        3: "{this is not json",
        7: json.dumps({"type": "shout", "community_id": "console:demo"}),
        11: json.dumps({"type": "join", "community_id": "console:demo", "member_id": "x",
                        "at": "2026-01-05T00:00:00Z", "colour": "red"}),
        15: json.dumps({"type": "join", "community_id": "console:demo", "member_id": "x",
                        "at": "the day after tomorrow"}),
    }
    data = b""
    for number in range(1, len(lines) + len(broken) + 2):
        if number in broken:
            data += broken[number].encode() + b"\n"
        elif number == 19:
            data += b'{"type": "join", "member_id": "\xff"}\n'
        elif lines:
            data += lines.pop(0).encode("utf-8") + b"\n"
    path.write_bytes(data)
    config = tmp_path / "hearth.toml"
    config.write_text(f'[database]\nurl = "{db_url}"\n[[communities]]\nplatform = "console"\n'
                      'id = "demo"\n', encoding="utf-8")

    first = hearth("replay", str(path), "--config", str(config), "-q", cwd=tmp_path)
    assert first.returncode == 1, first.stderr
    assert "Traceback" not in first.stderr
    for number in (3, 7, 11, 15, 19):
        assert f"{path}:{number}: skipped:" in first.stderr, first.stderr
    reported = [ln for ln in first.stderr.splitlines() if ": skipped:" in ln]
    assert len(reported) == 5
    assert "not valid UTF-8" in first.stderr and "not valid JSON" in first.stderr
    assert f"replayed {len(events)} events" in first.stdout
    after_first = _counts(db_url)
    assert after_first["activity"] == len(events)

    second = hearth("replay", str(path), "--config", str(config), "-q", cwd=tmp_path)
    assert second.returncode == 1
    assert f"0 new, {len(events)} already stored" in second.stdout
    assert _counts(db_url) == after_first


def test_replay_without_config_uses_the_files_communities(tmp_path: Path) -> None:
    events = list(simulate(members=5, days=2, seed=1, community="tg:-100"))
    path = tmp_path / "tg.jsonl"
    path.write_text("".join(dumps(e) + "\n" for e in events), encoding="utf-8")
    result = hearth("replay", str(path), "-q", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    with sqlite3.connect(tmp_path / "hearth.db") as conn:
        (count,) = conn.execute(
            "SELECT count(*) FROM activity WHERE community_id='tg:-100'").fetchone()
        (platform,) = conn.execute("SELECT platform FROM communities").fetchone()
    assert count == len(events) and platform == "telegram"


@pytest.mark.parametrize("mode", ["check-config", "replay"])
def test_invalid_config_exits_2_for_every_command(tmp_path: Path, mode: str) -> None:
    config = tmp_path / "hearth.toml"
    config.write_text("[pipeline]\nbatch_size = 0\n", encoding="utf-8")
    events = tmp_path / "e.jsonl"
    events.write_text("", encoding="utf-8")
    args = ("check-config", str(config)) if mode == "check-config" else (
        "replay", str(events), "--config", str(config))
    result = hearth(*args, cwd=tmp_path)
    assert result.returncode == 2
    assert_clean_failure(result, f"{config}:2: pipeline.batch_size: must be >= 1, got 0")
