"""``hearth import mee6``: JSON and CSV exports, line-numbered problems, one transaction,
idempotent re-imports, and the CLI's exit codes.

Why: communities switch from MEE6 without resetting everyone; a bad file must never
half-import, and running the import twice must never double anyone's XP.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from bot.growth.mee6 import ImportRefused, import_mee6
from domain.growth.levels import mee6_total
from tests.handlers.test_growth_support import (
    T0,
    cmd,
    community,
    ledger,
    ledger_count,
    one_text,
    points,
    stats,
)

GUILD = "dc:900"
ANN, BOB, CAT = "dc:111111111111111111", "dc:222222222222222222", "dc:333333333333333333"
JSON_EXPORT = json.dumps({"players": [
    {"id": "111111111111111111", "username": "ann", "xp": 4500, "level": 9},
    {"id": "222222222222222222", "username": "bob", "detailed_xp": [20, 155, 120]},
    {"id": "333333333333333333", "username": "cat", "level": 3},
]}, indent=2)
CSV_EXPORT = "user_id;xp;username\n111111111111111111;4500;ann\n222222222222222222;120;bob\n"
BAD_CSV = ("id,xp\n111111111111111111,4500\n222222222222222222,lots\n"
           "333333333333333333,-4\n111111111111111111,7\n")


@pytest.fixture
async def app(make_app: Any, sqlite_url: str) -> Any:
    return await make_app(sqlite_url, communities=[community(platform="discord", cid="900")])


def settings(app: Any) -> Any:
    return app.config.community(GUILD)


async def test_json_import_books_xp_levels_and_names(app: Any) -> None:
    report = await import_mee6(app, settings(app), JSON_EXPORT, now=T0)
    assert report.written and report.ok and report.format == "json"
    assert (report.imported, report.already, report.xp) == (3, 0, 4500 + 120 + mee6_total(3))
    assert await points(app, ANN, GUILD) == (4500, 4500)
    assert (await stats(app, ANN, GUILD))["level"] == 9
    rows = await ledger(app, CAT, GUILD)
    assert [(r["reason"], r["source_key"], r["lifetime_delta"]) for r in rows] == [
        ("mee6_import", "mee6:333333333333333333", mee6_total(3))]
    rank = one_text(await cmd(app, BOB, "rank", "ann", at=T0, cid=GUILD))
    assert rank.startswith("ann: level 9 (780/955 XP to level 10), rank #1 of 3, 4500 points")


async def test_csv_import_and_reimport_is_idempotent(app: Any) -> None:
    first = await import_mee6(app, settings(app), CSV_EXPORT, now=T0)
    assert (first.format, first.imported) == ("csv", 2)
    again = await import_mee6(app, settings(app), CSV_EXPORT, now=T0)
    assert (again.imported, again.already, again.written) == (0, 2, True)
    more = await import_mee6(app, settings(app), JSON_EXPORT, now=T0)
    assert (more.imported, more.already) == (1, 2)  # only cat is new
    assert await points(app, ANN, GUILD) == (4500, 4500)
    assert await points(app, BOB, GUILD) == (120, 120)


async def test_a_file_with_problems_writes_nothing_unless_told(app: Any) -> None:
    report = await import_mee6(app, settings(app), BAD_CSV, now=T0)
    assert not report.written
    assert report.problems == [
        "line 3: XP “lots” for member 222222222222222222 is not a whole number. Write "
        "digits only, e.g. 4500.",
        "line 4: XP -4 for member 333333333333333333 is negative. XP must be 0 or more.",
        "line 5: member 111111111111111111 already appears on line 2. Keep one row per "
        "member.",
    ]
    assert await ledger_count(app, GUILD) == 0
    partial = await import_mee6(app, settings(app), BAD_CSV, skip_bad=True, now=T0)
    assert partial.written and partial.imported == 1
    assert await points(app, ANN, GUILD) == (4500, 4500)


async def test_dry_run_and_lifetime_only_imports(app: Any) -> None:
    dry = await import_mee6(app, settings(app), CSV_EXPORT, dry_run=True, now=T0)
    assert (dry.written, dry.imported) == (False, 2)
    assert await ledger_count(app, GUILD) == 0
    await import_mee6(app, settings(app), CSV_EXPORT, spendable=False, now=T0)
    assert await points(app, ANN, GUILD) == (0, 4500)


async def test_imported_xp_is_not_this_weeks_points(app: Any) -> None:
    await import_mee6(app, settings(app), CSV_EXPORT, now=T0)
    week = one_text(await cmd(app, ANN, "leaderboard", "week", at=T0, cid=GUILD))
    assert week == "Nobody has points in this period yet."
    alltime = one_text(await cmd(app, ANN, "leaderboard", at=T0, cid=GUILD))
    assert alltime.splitlines()[1] == "#1 ann — 4500 points"


async def test_a_telegram_community_is_refused(make_app: Any, sqlite_url: str) -> None:
    app = await make_app(sqlite_url, communities=[community(platform="telegram", cid="-5")])
    with pytest.raises(ImportRefused, match="Discord user ids"):
        await import_mee6(app, app.config.community("tg:-5"), CSV_EXPORT, now=T0)


def _hearth(args: list[str], cwd: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "COLUMNS": "200"}
    env.pop("HEARTH_CONFIG", None)
    root = Path(__file__).resolve().parents[2]
    env["PYTHONPATH"] = str(root)
    return subprocess.run([sys.executable, "-m", "bot", "import", "mee6", *args], cwd=cwd,
                          env=env, capture_output=True, text=True, timeout=120)


def test_cli_reports_lines_and_exit_codes(tmp_path: Path) -> None:
    config = tmp_path / "hearth.toml"
    config.write_text(f'[database]\nurl = "sqlite+aiosqlite:///{tmp_path / "h.db"}"\n'
                      '[[communities]]\nplatform = "discord"\nid = "900"\n', encoding="utf-8")
    bad = tmp_path / "bad.csv"
    bad.write_text(BAD_CSV, encoding="utf-8")
    good = tmp_path / "good.json"
    good.write_text(JSON_EXPORT, encoding="utf-8")

    refused = _hearth([str(bad), "--community", "900", "-c", str(config)], tmp_path)
    assert refused.returncode == 1
    assert f"{bad}: line 3: XP “lots”" in refused.stderr
    assert "Nothing was imported" in refused.stdout

    done = _hearth([str(good), "--community", "dc:900", "-c", str(config)], tmp_path)
    assert done.returncode == 0, done.stderr
    assert "Imported 3 members" in done.stdout
    again = _hearth([str(good), "--community", "900", "-c", str(config), "--lang", "zh"],
                    tmp_path)
    assert again.returncode == 0 and "3 名此前已导入" in again.stdout

    missing = _hearth([str(tmp_path / "nope.csv"), "--community", "900", "-c", str(config)],
                      tmp_path)
    assert missing.returncode == 2 and "file not found" in missing.stderr
    unknown = _hearth([str(good), "--community", "dc:1", "-c", str(config)], tmp_path)
    assert unknown.returncode == 2 and "not in the config" in unknown.stderr
