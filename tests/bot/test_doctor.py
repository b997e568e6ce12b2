"""``hearth doctor`` and ``hearth discord sync``.

Why: doctor is what an operator runs when the bot misbehaves, so each check must catch its
problem, say how to fix it, never crash on the problem it looks for, and never change
anything (a missing SQLite file stays missing). The online checks talk to the fake Discord
and Telegram servers through the real discord.py and PTB clients, as a deployment behind a
proxy or a self-hosted Bot API server would.
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
from collections import namedtuple
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

import bot.cli_features  # noqa: F401  (mounts doctor and discord sync on the CLI)
from bot import doctor
from bot.cli import app
from bot.discord.endpoints import apply_endpoints
from bot.platform.config import DiscordSettings
from bot.storage import migrate
from bot.storage.engine import create_engine
from tests.e2e.fakes.discord_fake import (
    ADMINISTRATOR,
    BAN_MEMBERS,
    MANAGE_MESSAGES,
    MANAGE_ROLES,
    MEMBER_PERMISSIONS,
    MODERATE_MEMBERS,
    FakeDiscord,
    _json,
)
from tests.e2e.fakes.telegram_fake import FakeTelegram

DISCORD_TOKEN = "MTIzNDU2Nzg5MDEyMzQ1Njc4.GhJkLm.abcdefghijklmnopqrstuvwxyz0123456789AB"
TELEGRAM_TOKEN = "123456789:AAHfakeTokenForTestsOnly0123456789abcd"
TOKENS = {"HEARTH_DISCORD_TOKEN": DISCORD_TOKEN, "HEARTH_TELEGRAM_TOKEN": TELEGRAM_TOKEN}
DEFAULT_COMMUNITIES = [{"platform": "discord", "id": 111, "name": "Guild"},
                       {"platform": "telegram", "id": -100222, "name": "Group"}]
# Application flags Discord sets when the privileged intents are switched on in the portal
# (the "limited" variants, as for a bot in fewer than 100 servers).
INTENT_FLAGS = (1 << 15) | (1 << 19)


@pytest.fixture(autouse=True)
def _offline(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    monkeypatch.delenv("HEARTH_CONFIG", raising=False)
    yield
    apply_endpoints(DiscordSettings())  # discord.py keeps endpoints process-wide


def toml(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k} = {toml(v)}" for k, v in value.items()) + "}"
    return json.dumps(value)


def write_config(folder: Path, db: Path | str, *,
                 communities: list[dict[str, Any]] | None = None,
                 **sections: dict[str, Any]) -> Path:
    url = db if isinstance(db, str) else f"sqlite+aiosqlite:///{db}"
    tables: dict[str, dict[str, Any]] = {"database": {"url": url}}
    for name, values in sections.items():
        tables.setdefault(name, {}).update(values)
    lines = []
    for name, values in tables.items():
        lines += [f"[{name}]", *(f"{k} = {toml(v)}" for k, v in values.items()), ""]
    for community in DEFAULT_COMMUNITIES if communities is None else communities:
        lines += ["[[communities]]", *(f"{k} = {toml(v)}" for k, v in community.items()), ""]
    path = folder / "hearth.toml"
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


async def migrated(path: Path) -> Path:
    engine = create_engine(f"sqlite+aiosqlite:///{path}")
    try:
        await migrate.upgrade(engine)
    finally:
        await engine.dispose()
    return path


def statuses(report: doctor.Report) -> dict[str, str]:
    return {check.name: check.status for check in report.checks}


def check(report: doctor.Report, name: str) -> doctor.Check:
    found = [c for c in report.checks if c.name == name]
    assert len(found) == 1, [c.name for c in report.checks]
    return found[0]


# -- offline -------------------------------------------------------------------------------


async def test_a_healthy_deployment_passes(tmp_path: Path) -> None:
    db = await migrated(tmp_path / "hearth.db")
    report = await doctor.diagnose(write_config(tmp_path, db), environ=TOKENS)
    assert statuses(report) == {"config": "ok", "discord token": "ok", "telegram token": "ok",
                                "database": "ok", "migrations": "ok", "disk": "ok"}
    assert report.exit_code == 0
    text = doctor.render(report)
    assert text.splitlines()[-1] == "All checks passed."
    assert "✓ discord token" in text and "bot id 123456789012345678" in text
    assert DISCORD_TOKEN not in text and TELEGRAM_TOKEN not in text


async def test_an_invalid_config_lists_every_problem_and_stops(tmp_path: Path) -> None:
    path = tmp_path / "hearth.toml"
    path.write_text('[pipeline]\nbatch_size = 0\n\n[databse]\nurl = "x"\n', encoding="utf-8")
    report = await doctor.diagnose(path, environ=TOKENS)
    [only] = report.checks
    assert only.status == "fail" and only.name == "config"
    assert "2 problems" in only.detail
    assert f"{path}:2: pipeline.batch_size: must be >= 1" in only.detail
    assert "did you mean 'database'" in only.detail
    assert "hearth check-config" in only.fix
    assert report.exit_code == 1


async def test_no_config_file_is_a_failure_with_a_fix(tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    report = await doctor.diagnose(None, environ=TOKENS)
    assert [(c.name, c.status) for c in report.checks] == [("config", "fail")]
    assert "config.example.toml" in report.checks[0].fix
    missing = await doctor.diagnose(tmp_path / "nope.toml", environ=TOKENS)
    assert missing.checks[0].status == "fail" and "file not found" in missing.checks[0].detail


async def test_no_communities_is_a_failure(tmp_path: Path) -> None:
    db = await migrated(tmp_path / "hearth.db")
    report = await doctor.diagnose(write_config(tmp_path, db, communities=[]), environ=TOKENS)
    assert check(report, "config").status == "fail"
    assert "[[communities]]" in check(report, "config").fix


async def test_token_problems_name_the_variable_and_hide_the_secret(tmp_path: Path) -> None:
    db = await migrated(tmp_path / "hearth.db")
    quoted = {"HEARTH_DISCORD_TOKEN": f"'{DISCORD_TOKEN}'"}  # telegram token not set
    report = await doctor.diagnose(write_config(tmp_path, db), environ=quoted)
    dc, tg = check(report, "discord token"), check(report, "telegram token")
    assert dc.status == "fail" and dc.detail.startswith("HEARTH_DISCORD_TOKEN has quotes")
    assert tg.status == "fail" and "HEARTH_TELEGRAM_TOKEN is not set, but 1 Telegram " \
        "community is configured" in tg.detail
    assert "@BotFather" in tg.fix
    assert check(report, "platforms").status == "fail"
    assert DISCORD_TOKEN not in doctor.render(report)
    assert report.exit_code == 1


async def test_disabled_or_unused_platforms(tmp_path: Path) -> None:
    db = await migrated(tmp_path / "hearth.db")
    config = write_config(tmp_path, db, communities=[DEFAULT_COMMUNITIES[0]],
                          telegram={"enabled": False})
    bad_telegram = {**TOKENS, "HEARTH_TELEGRAM_TOKEN": "garbage"}
    report = await doctor.diagnose(config, environ=bad_telegram)
    assert check(report, "telegram token").status == "info"  # disabled: not even read
    assert report.exit_code == 0
    unused = write_config(tmp_path, db, communities=[DEFAULT_COMMUNITIES[1]])
    report = await doctor.diagnose(unused, environ=TOKENS)
    assert check(report, "discord token").status == "warn"  # set, but nothing to serve
    assert "no Discord community" in check(report, "discord token").detail
    only_tg = await doctor.diagnose(unused, environ={"HEARTH_TELEGRAM_TOKEN": TELEGRAM_TOKEN})
    assert check(only_tg, "discord token").status == "info"
    assert only_tg.exit_code == 0


async def test_an_unmigrated_database_needs_an_upgrade(tmp_path: Path) -> None:
    db = tmp_path / "hearth.db"
    sqlite3.connect(db).close()  # exists, but empty
    config = write_config(tmp_path, db, database={"upgrade_on_start": False})
    report = await doctor.diagnose(config, environ=TOKENS)
    migrations = check(report, "migrations")
    assert check(report, "database").status == "ok"
    assert migrations.status == "fail" and "no schema" in migrations.detail
    assert migrations.fix == f"run `hearth db upgrade --config {config}`"
    assert report.exit_code == 1
    # With upgrade_on_start (the default) `hearth run` would upgrade: a warning only.
    lenient = await doctor.diagnose(write_config(tmp_path, db), environ=TOKENS)
    assert check(lenient, "migrations").status == "warn"
    assert lenient.exit_code == 0


async def test_a_database_from_an_unknown_version_fails(tmp_path: Path) -> None:
    db = await migrated(tmp_path / "hearth.db")
    with sqlite3.connect(db) as conn:
        conn.execute("DELETE FROM alembic_version")
        conn.execute("INSERT INTO alembic_version VALUES ('ffffffffffff')")
    report = await doctor.diagnose(write_config(tmp_path, db), environ=TOKENS)
    migrations = check(report, "migrations")
    assert migrations.status == "fail" and "ffffffffffff" in migrations.detail
    assert "does not know" in migrations.detail


async def test_a_database_behind_the_code_lists_pending_migrations(tmp_path: Path) -> None:
    db = tmp_path / "hearth.db"
    engine = create_engine(f"sqlite+aiosqlite:///{db}")
    try:
        await migrate.upgrade(engine, "0001")  # the initial schema only
    finally:
        await engine.dispose()
    config = write_config(tmp_path, db, database={"upgrade_on_start": False})
    report = await doctor.diagnose(config, environ=TOKENS)
    migrations = check(report, "migrations")
    heads = migrate.head_revision().split(",")
    if heads == ["0001"]:
        assert migrations.status == "ok"
        return
    assert migrations.status == "fail"
    assert "the database is at 0001" in migrations.detail
    assert all(head in migrations.detail for head in heads)
    assert "hearth db upgrade" in migrations.fix


async def test_a_missing_sqlite_file_is_reported_not_created(tmp_path: Path) -> None:
    db = tmp_path / "hearth.db"
    config = write_config(tmp_path, db, database={"upgrade_on_start": False})
    report = await doctor.diagnose(config, environ=TOKENS)
    assert check(report, "database").status == "fail"
    assert "does not exist yet" in check(report, "database").detail
    assert "hearth db upgrade" in check(report, "database").fix
    assert not db.exists()
    nowhere = write_config(tmp_path, tmp_path / "no" / "such" / "dir" / "h.db")
    report = await doctor.diagnose(nowhere, environ=TOKENS)
    assert check(report, "database").status == "fail"
    assert "does not exist" in check(report, "database").detail
    assert not (tmp_path / "no").exists()


async def test_an_unreachable_postgresql_server_fails(tmp_path: Path) -> None:
    url = "postgresql+asyncpg://hearth:secret@127.0.0.1:1/hearth"  # nothing listens on :1
    report = await doctor.diagnose(write_config(tmp_path, url), environ=TOKENS)
    database = check(report, "database")
    assert database.status == "fail"
    assert "127.0.0.1" in database.detail and "secret" not in doctor.render(report)
    assert "disk" not in statuses(report)  # the disk check is about a local SQLite file


async def test_low_disk_space_is_a_warning(tmp_path: Path,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    db = await migrated(tmp_path / "hearth.db")
    usage = namedtuple("usage", "total used free")
    seen: list[Path] = []

    def small_disk(path: Path) -> Any:
        seen.append(Path(path))
        return usage(10 << 30, (10 << 30) - (300 << 20), 300 << 20)

    monkeypatch.setattr(doctor.shutil, "disk_usage", small_disk)
    report = await doctor.diagnose(write_config(tmp_path, db), environ=TOKENS)
    disk = check(report, "disk")
    assert disk.status == "warn" and "300 MiB" in disk.detail
    assert seen == [tmp_path]  # measured where the database file lives
    assert report.exit_code == 0
    assert doctor.render(report).splitlines()[-1] == "All checks passed, with 1 warning."


def test_render_falls_back_to_ascii_when_the_terminal_cannot_show_symbols() -> None:
    report = doctor.Report(Path("h.toml"))
    report.add("ok", "config", "fine")
    report.add("fail", "database", "broken\nsecond line", "repair it")
    text = doctor.render(report, "ascii")
    text.encode("ascii")
    assert "OK   config" in text and "FAIL database" in text
    assert "fix: repair it" in text and "second line" in text
    assert text.splitlines()[-1] == "1 problem to fix."


def test_cli_exit_codes_follow_the_checklist(tmp_path: Path) -> None:
    db = asyncio.run(migrated(tmp_path / "hearth.db"))
    config = write_config(tmp_path, db)
    runner = CliRunner()
    good = runner.invoke(app, ["doctor", "--config", str(config)], env=TOKENS)
    assert good.exit_code == 0, good.output
    assert "All checks passed." in good.output
    bad = runner.invoke(app, ["doctor", "--config", str(config)],
                        env={"HEARTH_DISCORD_TOKEN": "Bot x", "HEARTH_TELEGRAM_TOKEN": ""})
    assert bad.exit_code == 1, bad.output
    assert "HEARTH_DISCORD_TOKEN starts with 'Bot '" in bad.output
    assert "HEARTH_TELEGRAM_TOKEN is empty" in bad.output


# -- online (fake Discord and Telegram) ----------------------------------------------------


class PortalDiscord(FakeDiscord):
    """The fake Discord, with an application whose privileged intents are switched on."""

    def __init__(self, *, token: str, flags: int = INTENT_FLAGS) -> None:
        self.flags = flags
        super().__init__(token=token)

    async def _application(self, *args: Any) -> Any:
        response = await super()._application(*args)
        data = json.loads(response.body)
        data["flags"] = self.flags
        return _json(data)


class PrivateTelegram(FakeTelegram):
    """A Telegram bot with privacy mode on (the BotFather default)."""

    def bot_user(self) -> dict[str, Any]:
        return {**super().bot_user(), "can_read_all_group_messages": False}


@pytest.fixture
async def platforms() -> AsyncIterator[tuple[PortalDiscord, FakeTelegram]]:
    async with PortalDiscord(token=DISCORD_TOKEN) as dc, FakeTelegram(TELEGRAM_TOKEN) as tg:
        yield dc, tg


def online_config(tmp_path: Path, db: Path, dc: FakeDiscord, tg: FakeTelegram,
                  communities: list[dict[str, Any]]) -> Path:
    return write_config(tmp_path, db, communities=communities,
                        discord={"api_base_url": dc.api_base_url,
                                 "gateway_url": dc.gateway_url},
                        telegram={"api_base_url": tg.base_url,
                                  "base_file_url": tg.base_file_url})


async def test_online_checks_permissions_per_community(
    tmp_path: Path, platforms: tuple[PortalDiscord, FakeTelegram],
) -> None:
    dc, tg = platforms
    good = dc.add_guild("Good", owner_id=1)
    good.add_member(dc.bot_id, "HearthBot", [good.add_role("Hearth", ADMINISTRATOR, 5)],
                    bot=True)
    weak = dc.add_guild("Weak", owner_id=1)
    weak.add_member(dc.bot_id, "HearthBot",
                    [weak.add_role("Hearth", MANAGE_MESSAGES | MODERATE_MEMBERS, 5)], bot=True)
    stray = dc.add_guild("Stray", owner_id=1)  # joined, but not in the config
    stray.add_member(dc.bot_id, "HearthBot", bot=True)
    admin_group = tg.add_chat(-1001, "Admin group")
    admin_group.statuses[tg.bot_id] = "administrator"
    member_group = tg.add_chat(-1002, "Member group")
    communities = [
        {"platform": "discord", "id": good.guild_id, "name": "Good"},
        {"platform": "discord", "id": weak.guild_id, "name": "Weak"},
        {"platform": "discord", "id": 999, "name": "Absent"},
        {"platform": "telegram", "id": admin_group.chat_id, "name": "Admins"},
        {"platform": "telegram", "id": member_group.chat_id, "name": "Members"},
    ]
    db = await migrated(tmp_path / "hearth.db")
    config = online_config(tmp_path, db, dc, tg, communities)
    report = await doctor.diagnose(config, online=True, environ=TOKENS)
    got = statuses(report)
    assert got["discord login"] == "ok" and got["discord intents"] == "ok"
    assert got[f"discord Good (dc:{good.guild_id})"] == "ok"
    weak_check = check(report, f"discord Weak (dc:{weak.guild_id})")
    assert weak_check.status == "fail"
    assert weak_check.detail == "the bot lacks: Ban Members, Manage Roles"
    assert "Server Settings > Roles > Hearth" in weak_check.fix
    assert f"client_id={dc.app_id}" in weak_check.fix
    absent = check(report, "discord Absent (dc:999)")
    assert absent.status == "fail" and "not a member" in absent.detail
    assert "scope=bot+applications.commands" in absent.fix
    assert got["discord servers"] == "warn" and "Stray" in check(report, "discord servers").detail
    assert got["telegram login"] == "ok"
    assert got["telegram Admins (tg:-1001)"] == "ok"
    members = check(report, "telegram Members (tg:-1002)")
    assert members.status == "fail" and "not an admin" in members.detail
    assert "Delete messages, Ban users" in members.fix
    assert got["telegram privacy"] == "ok"  # privacy mode off in the fake
    assert report.exit_code == 1
    asked = [c.params for c in tg.calls_to("getChatMember")]
    assert {int(p["chat_id"]) for p in asked} == {-1001, -1002}
    assert {int(p["user_id"]) for p in asked} == {tg.bot_id}
    # The invite link asks for exactly the permissions the check wants (bits from the API
    # docs: view, send, read history, add reactions + the moderation ones).
    expected = (MEMBER_PERMISSIONS | MANAGE_MESSAGES | MODERATE_MEMBERS | BAN_MEMBERS
                | MANAGE_ROLES)
    assert doctor.discord_permission_value() == expected
    assert f"permissions={expected}" in absent.fix


async def test_online_reports_intents_not_enabled_in_the_portal(tmp_path: Path) -> None:
    async with PortalDiscord(token=DISCORD_TOKEN, flags=0) as dc, \
            FakeTelegram(TELEGRAM_TOKEN) as tg:
        guild = dc.add_guild("G", owner_id=1)
        guild.add_member(dc.bot_id, "HearthBot", bot=True)
        db = await migrated(tmp_path / "hearth.db")
        config = online_config(tmp_path, db, dc, tg, [{"platform": "discord",
                                                       "id": guild.guild_id}])
        report = await doctor.diagnose(config, online=True,
                                       environ={"HEARTH_DISCORD_TOKEN": DISCORD_TOKEN})
    intents = check(report, "discord intents")
    assert intents.status == "fail"
    assert "Message Content Intent and Server Members Intent" in intents.detail
    assert "message_content = false, members_intent = false" in intents.fix


async def test_online_rejected_tokens_and_privacy_mode(tmp_path: Path) -> None:
    wrong_dc = DISCORD_TOKEN[:-2] + "ZZ"
    wrong_tg = "123456789:AAHsomeoneElsesTokenEntirely0123456"
    async with PortalDiscord(token=DISCORD_TOKEN) as dc, PrivateTelegram(TELEGRAM_TOKEN) as tg:
        group = tg.add_chat(-1003, "Quiet group")
        db = await migrated(tmp_path / "hearth.db")
        quiet = {"platform": "telegram", "id": group.chat_id, "name": "Quiet"}
        config = online_config(tmp_path, db, dc, tg, [DEFAULT_COMMUNITIES[0], quiet])
        rejected = await doctor.diagnose(config, online=True, environ={
            "HEARTH_DISCORD_TOKEN": wrong_dc, "HEARTH_TELEGRAM_TOKEN": wrong_tg})
        private = await doctor.diagnose(config, online=True,
                                        environ={"HEARTH_TELEGRAM_TOKEN": TELEGRAM_TOKEN})
    assert check(rejected, "discord login").status == "fail"
    assert "rejected HEARTH_DISCORD_TOKEN" in check(rejected, "discord login").detail
    assert check(rejected, "telegram login").status == "fail"
    assert "rejected HEARTH_TELEGRAM_TOKEN" in check(rejected, "telegram login").detail
    privacy = check(private, "telegram privacy")
    assert privacy.status == "fail" and "tg:-1003" in privacy.detail
    assert "/setprivacy" in privacy.fix


async def test_online_unreachable_endpoint_fails_cleanly(tmp_path: Path) -> None:
    db = await migrated(tmp_path / "hearth.db")
    config = write_config(tmp_path, db, discord={"api_base_url": "http://127.0.0.1:1/api/v10"},
                          telegram={"api_base_url": "http://127.0.0.1:1/bot"})
    report = await doctor.diagnose(config, online=True, environ=TOKENS)
    assert check(report, "discord online").status == "fail"
    assert "127.0.0.1:1" in check(report, "discord online").detail
    assert check(report, "telegram online").status == "fail"


# -- hearth discord sync -------------------------------------------------------------------


async def test_discord_sync_publishes_the_registry_commands(tmp_path: Path) -> None:
    async with FakeDiscord(token=DISCORD_TOKEN) as dc:
        first, second = dc.add_guild("A", owner_id=1), dc.add_guild("B", owner_id=1)
        config = write_config(tmp_path, tmp_path / "h.db",
                              discord={"api_base_url": dc.api_base_url})
        runner = CliRunner()
        env = {"HEARTH_DISCORD_TOKEN": DISCORD_TOKEN}
        one = await asyncio.to_thread(
            runner.invoke, app, ["discord", "sync", "--config", str(config),
                                 "--guild", str(first.guild_id)], env=env)
        assert one.exit_code == 0, one.output
        assert set(dc.commands) == {first.guild_id}
        names = {c["name"] for c in dc.commands[first.guild_id]}
        assert {"help", "link"} <= names
        assert f"server {first.guild_id}: {len(dc.commands[first.guild_id])} command(s) " \
            "synced" in one.output
        every = await asyncio.to_thread(
            runner.invoke, app, ["discord", "sync", "--config", str(config)], env=env)
        assert every.exit_code == 0, every.output
        assert set(dc.commands) == {first.guild_id, second.guild_id}
        rejected = await asyncio.to_thread(
            runner.invoke, app, ["discord", "sync", "--config", str(config)],
            env={"HEARTH_DISCORD_TOKEN": DISCORD_TOKEN[:-2] + "ZZ"})
        assert rejected.exit_code == 2
        assert "rejected HEARTH_DISCORD_TOKEN" in rejected.output
    malformed = CliRunner().invoke(app, ["discord", "sync"],
                                   env={"HEARTH_DISCORD_TOKEN": "nope"})
    assert malformed.exit_code == 2 and "HEARTH_DISCORD_TOKEN" in malformed.output
    assert not (tmp_path / "h.db").exists()  # sync never touches the database
