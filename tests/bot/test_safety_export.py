"""``hearth audit export`` and ``hearth crisis export`` on a database the bot wrote."""

from __future__ import annotations

import asyncio
import csv
import json
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

import bot.cli_features  # noqa: F401  (mounts the feature sub-apps on the CLI)
from bot.cli import app as cli
from tests.bot.safety.safety_helpers import Clock, command, message, run, safety_app


async def _invoke(runner: CliRunner, args: list[str]) -> Any:
    """The CLI runs its own event loop (asyncio.run), so call it from a worker thread."""
    return await asyncio.to_thread(runner.invoke, cli, args)


def _config(tmp_path: Path, url: str) -> Path:
    path = tmp_path / "hearth.toml"
    path.write_text(f'[database]\nurl = "{url}"\n\n[[communities]]\nplatform = "console"\n'
                    'id = "demo"\n', encoding="utf-8")
    return path


async def _history(make_app: Any, url: str) -> None:
    app = await safety_app(make_app, url)
    clock = Clock()
    await run(app, message(clock, "hello, I am new here", "console:bob"))
    await run(app, command(clock, "warn", "bob rude \"quoted\", with comma"))
    await run(app, command(clock, "crisis", "open Raid"))
    await run(app, command(clock, "crisis", "status Slow mode on"))
    await run(app, command(clock, "crisis", "close"))
    await run(app, command(clock, "postmortem", "why: no raid plan | action: write one @ann"))
    await app.close()


async def test_audit_export_jsonl_and_csv(make_app: Any, sqlite_url: str, tmp_path: Path) -> None:
    await _history(make_app, sqlite_url)
    config = _config(tmp_path, sqlite_url)
    runner = CliRunner()
    result = await _invoke(runner, ["audit", "export", "--community", "demo", "--config",
                                 str(config)])
    assert result.exit_code == 0, result.output
    entries = [json.loads(line) for line in result.stdout.splitlines()]
    actions = [e["action"] for e in entries]
    assert "review.warn" in actions and "crisis.postmortem" in actions
    assert entries == sorted(entries, key=lambda e: e["id"])
    assert all(e["community_id"] == "console:demo" for e in entries)

    out = tmp_path / "exports" / "audit.csv"
    result = await _invoke(runner, ["audit", "export", "--community", "console:demo", "--out",
                                 str(out), "--config", str(config)])
    assert result.exit_code == 0, result.output
    with out.open(encoding="utf-8") as handle:
        table = list(csv.DictReader(handle))
    assert len(table) == len(entries)
    warn = next(row for row in table if row["action"] == "review.warn")
    assert warn["reason"] == 'rude "quoted", with comma'
    assert json.loads(warn["details"])["manual"] is True


async def test_crisis_export(make_app: Any, sqlite_url: str, tmp_path: Path) -> None:
    await _history(make_app, sqlite_url)
    config = _config(tmp_path, sqlite_url)
    runner = CliRunner()
    result = await _invoke(runner, ["crisis", "export", "1", "--community", "demo", "--config",
                                 str(config)])
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("# Crisis #1: Raid (closed)")
    assert "Slow mode on" in result.stdout and "owner @ann" in result.stdout
    out = tmp_path / "crisis.json"
    result = await _invoke(runner, ["crisis", "export", "1", "--community", "demo", "--format",
                                 "json", "--out", str(out), "--config", str(config)])
    assert result.exit_code == 0, result.output
    record = json.loads(out.read_text(encoding="utf-8"))
    assert record["postmortem"]["whys"] == ["no raid plan"]
    assert [s["name"] for s in record["steps"]] == ["acknowledge", "assessment", "statement",
                                                    "remediation"]
    missing = await _invoke(runner, ["crisis", "export", "9", "--community", "demo", "--config",
                                  str(config)])
    assert missing.exit_code == 2 and "has no crisis #9" in missing.output


def test_audit_export_on_a_database_without_tables(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'empty.db'}"
    result = CliRunner().invoke(cli, ["audit", "export", "--community", "demo", "--config",
                                      str(_config(tmp_path, url))])
    assert result.exit_code == 2
    assert "no such table" in result.output and "hearth db upgrade" in result.output
