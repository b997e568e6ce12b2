"""``hearth doctor``: a checklist of what a deployment needs, each problem with its fix.

Offline it checks what can go wrong before the bot ever connects: the config file, the
database (reachable, schema at the migration head), the tokens' presence and shape for each
enabled platform, and free disk space next to the SQLite file. With ``--online`` it also asks
Discord and Telegram (through the configured endpoints) what the bot may actually do in each
configured community — the permissions whose absence otherwise shows up only as a failed
delete in the log.

Checks return values (:class:`Check`) and never raise for a problem they are looking for, so
one broken thing never hides the rest of the list. Nothing is written: a missing SQLite file is
reported, not created.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import shutil
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from bot.config import TOKEN_ENV, Config

Status = Literal["ok", "warn", "fail", "info"]
LOW_DISK_BYTES = 1 << 30  # 1 GiB: room for the WAL, backups and VACUUM copies
ONLINE_TIMEOUT = 30.0  # seconds per platform for the --online checks
PLATFORM_NAMES = {"discord": "Discord", "telegram": "Telegram"}

# Discord permissions Hearth uses: reading and answering, reacting, and the moderation and
# growth actions (delete, timeout, ban, level roles). Names as in discord.Permissions.
DISCORD_PERMISSIONS = (
    "view_channel", "send_messages", "read_message_history", "add_reactions",
    "manage_messages", "moderate_members", "ban_members", "manage_roles",
)
# Telegram admin rights Hearth uses (delete messages; restrict = timeout, ban).
TELEGRAM_RIGHTS = {"can_delete_messages": "Delete messages",
                   "can_restrict_members": "Ban users"}


@dataclass(frozen=True, slots=True)
class Check:
    status: Status
    name: str
    detail: str
    fix: str = ""


@dataclass
class Report:
    config_path: Path | None
    checks: list[Check] = field(default_factory=list)

    def add(self, status: Status, name: str, detail: str, fix: str = "") -> Check:
        check = Check(status, name, detail, fix)
        self.checks.append(check)
        return check

    @property
    def failures(self) -> list[Check]:
        return [c for c in self.checks if c.status == "fail"]

    @property
    def warnings(self) -> list[Check]:
        return [c for c in self.checks if c.status == "warn"]

    @property
    def exit_code(self) -> int:
        return 1 if self.failures else 0


# -- entry point ---------------------------------------------------------------------------

async def diagnose(config_path: Path | None = None, *, online: bool = False,
                   environ: Mapping[str, str] | None = None) -> Report:
    """Run every check; ``config_path`` None means $HEARTH_CONFIG or ./hearth.toml."""
    env = os.environ if environ is None else environ
    from bot.cli import resolve_config_path

    path = resolve_config_path(config_path)
    report = Report(path)
    config = check_config(report, path)
    if config is None:
        return report
    tokens = check_tokens(report, config, env)
    await check_database(report, config)
    if online:
        quiet_platform_loggers()
        for platform, token in tokens.items():
            await _bounded(report, platform, online_check(platform, report, config, token))
    return report


def online_check(platform: str, report: Report, config: Config, token: str) -> Any:
    if platform == "discord":
        return check_discord_online(report, config, token)
    return check_telegram_online(report, config, token)


async def _bounded(report: Report, platform: str, work: Any) -> None:
    try:
        await asyncio.wait_for(work, ONLINE_TIMEOUT)
    except TimeoutError:
        report.add("fail", f"{platform} online", f"no answer within {ONLINE_TIMEOUT:.0f} s",
                   "check the network and the [" + platform + "] endpoint settings")


def quiet_platform_loggers() -> None:
    """discord.py and PTB log notices (voice support, login) that are noise in a checklist."""
    for name in ("discord", "telegram", "httpx", "httpcore"):
        logging.getLogger(name).setLevel(logging.ERROR)


# -- config --------------------------------------------------------------------------------

def check_config(report: Report, path: Path | None) -> Config | None:
    from bot.config import ConfigError, load_config

    if path is None:
        report.add("fail", "config", "no config file (looked at --config, $HEARTH_CONFIG and "
                   "./hearth.toml)", "copy config.example.toml to hearth.toml, edit it, and "
                   "pass --config FILE")
        return None
    try:
        config = load_config(path)
    except ConfigError as exc:
        count = len(exc.issues)
        lines = "\n".join(str(issue) for issue in exc.issues)
        report.add("fail", "config", f"{path} has {count} problem{'s' * (count != 1)}:\n{lines}",
                   f"correct the lines above, then run `hearth check-config {path}`")
        return None
    by_platform: dict[str, int] = {}
    for community in config.communities.values():
        by_platform[community.platform] = by_platform.get(community.platform, 0) + 1
    summary = ", ".join(f"{n} {p}" for p, n in sorted(by_platform.items())) or "none"
    if not config.communities:
        report.add("fail", "config", f"{path} is valid but lists no communities, so every "
                   "event would be skipped", "add a [[communities]] entry (platform and id) "
                   "for each Discord server and Telegram group Hearth serves")
    else:
        report.add("ok", "config", f"{path} is valid; communities: {summary}")
    return config


def communities_on(config: Config, platform: str) -> list[Any]:
    return [c for c in config.communities.values() if c.platform == platform]


# -- tokens --------------------------------------------------------------------------------

def check_tokens(report: Report, config: Config, env: Mapping[str, str]) -> dict[str, str]:
    """Check each enabled platform's token; returns the usable ones by platform."""
    from bot.platform.tokens import TokenError, check_token

    usable: dict[str, str] = {}
    for platform, variable in TOKEN_ENV.items():
        name = PLATFORM_NAMES[platform]
        served = communities_on(config, platform)
        if not getattr(config, platform).enabled:
            report.add("info", f"{platform} token", f"{name} is disabled in the config "
                       f"([{platform}] enabled = false); {variable} is not read")
            continue
        raw = env.get(variable)
        if raw is None:
            if served:
                count = (f"{len(served)} {name} communities are" if len(served) != 1
                         else f"1 {name} community is")
                report.add("fail", f"{platform} token", f"{variable} is not set, but {count} "
                           "configured", f"set {variable} in the bot's environment (token "
                           f"from {_token_source(platform)})")
            else:
                report.add("info", f"{platform} token", f"{variable} is not set; {name} is off")
            continue
        try:
            token = check_token(platform, raw, variable)
        except TokenError as exc:
            report.add("fail", f"{platform} token", str(exc),
                       f"set {variable} to the bare token from {_token_source(platform)}")
            continue
        usable[platform] = token
        who = _token_identity(platform, token)
        if served:
            report.add("ok", f"{platform} token", f"{variable} is set and well-formed ({who})")
        else:
            report.add("warn", f"{platform} token", f"{variable} is set ({who}) but no {name} "
                       "community is configured, so all its events would be skipped",
                       f"add [[communities]] entries with platform = \"{platform}\"")
    if not usable:
        report.add("fail", "platforms", "no platform can start: `hearth run` would exit",
                   "set HEARTH_DISCORD_TOKEN and/or HEARTH_TELEGRAM_TOKEN")
    return usable


def _token_source(platform: str) -> str:
    if platform == "discord":
        return "Developer Portal > your application > Bot > Reset Token"
    return "@BotFather: /mybots > your bot > API Token"


def _token_identity(platform: str, token: str) -> str:
    """The bot id a token names (never the secret part)."""
    if platform == "telegram":
        return f"bot id {token.split(':', 1)[0]}"
    import base64

    first = token.split(".", 1)[0]
    decoded = base64.urlsafe_b64decode(first + "=" * (-len(first) % 4)).decode("ascii")
    return f"bot id {decoded}"


# -- database ------------------------------------------------------------------------------

async def check_database(report: Report, config: Config) -> None:
    from bot.storage.engine import DatabaseError, check_sqlite_location, sqlite_path

    db = config.database
    upgrade_cmd = "hearth db upgrade" + (f" --config {report.config_path}"
                                         if report.config_path else "")
    sqlite = db.url.startswith("sqlite")
    path = sqlite_path(db.url) if sqlite else None
    if sqlite and path is None:
        report.add("warn", "database", "SQLite in memory: nothing survives a restart",
                   "set [database] url to a file, e.g. sqlite+aiosqlite:///hearth.db")
    if path is not None:
        try:
            check_sqlite_location(db.url)
        except DatabaseError as exc:
            report.add("fail", "database", str(exc),
                       "create the directory or change [database] url")
            return
        if not path.exists():
            status: Status = "warn" if db.upgrade_on_start else "fail"
            report.add(status, "database", f"{path} does not exist yet" + (
                " (hearth run creates it: upgrade_on_start = true)" if db.upgrade_on_start
                else ""), f"create it now with `{upgrade_cmd}`")
        else:
            await _connect_and_check_schema(report, config, upgrade_cmd, path)
        check_disk(report, path)
        return
    await _connect_and_check_schema(report, config, upgrade_cmd, path)


async def _connect_and_check_schema(report: Report, config: Config, upgrade_cmd: str,
                                    path: Path | None) -> None:
    from bot.bootstrap import check_connection
    from bot.storage import migrate
    from bot.storage.engine import DatabaseError, create_engine

    db = config.database
    where = str(path) if path is not None else _redacted(db.url)
    try:
        engine = create_engine(db.url, busy_timeout_ms=db.busy_timeout_ms, pool_size=1)
    except DatabaseError as exc:
        report.add("fail", "database", str(exc), "check [database] url")
        return
    try:
        try:
            await check_connection(engine, db.url)
        except DatabaseError as exc:
            report.add("fail", "database", str(exc), "check [database] url, that the server "
                       "runs and that this user may connect")
            return
        size = f", {path.stat().st_size / 2**20:.1f} MiB" if path is not None else ""
        report.add("ok", "database", f"{where} is reachable{size}")
        current = await migrate.current(engine)
    except Exception as exc:
        report.add("fail", "migrations", f"cannot read the schema version: {exc}",
                   f"run `{upgrade_cmd}`")
        return
    finally:
        await engine.dispose()
    check_revision(report, current, upgrade_on_start=db.upgrade_on_start,
                   upgrade_cmd=upgrade_cmd)


def check_revision(report: Report, current: str | None, *, upgrade_on_start: bool,
                   upgrade_cmd: str) -> None:
    """Compare the database's revision(s) with the code's head(s).

    Features may branch off the initial schema, so both sides can be several revisions
    (``migrate`` joins them with commas); what matters is whether every revision the code
    has is applied, and whether the database has one the code does not know.
    """
    from alembic.script import ScriptDirectory
    from alembic.util import CommandError

    from bot.storage import migrate

    head = migrate.head_revision()
    pending_status: Status = "warn" if upgrade_on_start else "fail"
    later = " (hearth run will apply it: upgrade_on_start = true)" if upgrade_on_start else ""
    applied_heads = set(current.split(",")) if current else set()
    if applied_heads == set(head.split(",")):
        report.add("ok", "migrations", f"schema at the latest revision ({head})")
        return
    if not applied_heads:
        report.add(pending_status, "migrations", f"the database has no schema yet{later}",
                   f"run `{upgrade_cmd}`")
        return
    scripts = ScriptDirectory.from_config(migrate.alembic_config())
    unknown = []
    for revision in sorted(applied_heads):
        try:
            scripts.get_revision(revision)
        except CommandError:
            unknown.append(revision)
    if unknown:
        report.add("fail", "migrations", f"the database is at revision {', '.join(unknown)}, "
                   f"which this version of Hearth does not know (its latest is {head})",
                   "run the Hearth version that wrote this database, or restore a backup")
        return
    everything = {s.revision for s in scripts.walk_revisions()}
    applied = {s.revision for s in scripts.iterate_revisions(tuple(applied_heads), "base")}
    pending = sorted(everything - applied)
    report.add(pending_status, "migrations", f"the database is at {current}; "
               f"{len(pending)} migration(s) pending ({', '.join(pending)}){later}",
               f"run `{upgrade_cmd}`")


def check_disk(report: Report, database: Path) -> None:
    folder = database.parent if str(database.parent) else Path(".")
    try:
        free = shutil.disk_usage(folder).free
    except OSError as exc:
        report.add("warn", "disk", f"cannot measure free space in {folder}: {exc}")
        return
    shown = _size(free)
    if free < LOW_DISK_BYTES:
        report.add("warn", "disk", f"only {shown} free where the database lives ({folder})",
                   "free space or move the database: SQLite needs room for its write-ahead "
                   "log, backups and VACUUM (keep at least 1 GiB free)")
    else:
        report.add("ok", "disk", f"{shown} free where the database lives ({folder})")


def _size(count: int) -> str:
    if count >= 1 << 30:
        return f"{count / (1 << 30):.1f} GiB"
    return f"{count / (1 << 20):.0f} MiB"


def _redacted(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


# -- online: Discord -----------------------------------------------------------------------

def discord_permission_value() -> int:
    import discord

    return discord.Permissions(**dict.fromkeys(DISCORD_PERMISSIONS, True)).value


def invite_url(application_id: int) -> str:
    return (f"https://discord.com/oauth2/authorize?client_id={application_id}"
            f"&scope=bot+applications.commands&permissions={discord_permission_value()}")


def _permission_title(name: str) -> str:
    return name.replace("_", " ").title()


async def check_discord_online(report: Report, config: Config, token: str) -> None:
    import aiohttp
    import discord

    from bot.discord.endpoints import apply_endpoints
    from bot.platform.config import DISCORD_API_BASE

    settings = config.discord
    base = settings.api_base_url or DISCORD_API_BASE
    apply_endpoints(settings)
    client = discord.Client(intents=discord.Intents.none())
    try:
        async with client:
            try:
                await client.login(token)
            except discord.LoginFailure:
                report.add("fail", "discord login", "Discord rejected HEARTH_DISCORD_TOKEN "
                           "(401 Unauthorized)", f"reset the token ({_token_source('discord')})"
                           " and set the variable again")
                return
            assert client.user is not None
            application = await client.application_info()
            report.add("ok", "discord login", f"logged in as {client.user} at {base}")
            check_discord_intents(report, settings, application.flags)
            await check_discord_guilds(report, config, client, application.id)
    except (aiohttp.ClientError, OSError, discord.HTTPException) as exc:
        report.add("fail", "discord online", f"cannot talk to Discord at {base}: {exc}",
                   "check the network, or [discord] api_base_url if you use a proxy")


def check_discord_intents(report: Report, settings: Any, flags: Any) -> None:
    wanted = []
    if settings.message_content:
        wanted.append(("Message Content Intent", "message_content",
                       flags.gateway_message_content or flags.gateway_message_content_limited))
    if settings.members_intent:
        wanted.append(("Server Members Intent", "members_intent",
                       flags.gateway_guild_members or flags.gateway_guild_members_limited))
    missing = [(title, key) for title, key, enabled in wanted if not enabled]
    if not missing:
        report.add("ok", "discord intents", "the privileged intents Hearth asks for are enabled"
                   if wanted else "no privileged intents requested")
        return
    titles = " and ".join(title for title, _ in missing)
    keys = ", ".join(f"{key} = false" for _, key in missing)
    report.add("fail", "discord intents", f"{titles} not enabled for this application, so "
               "Discord would refuse the connection",
               f"Developer Portal > your application > Bot > Privileged Gateway Intents: "
               f"enable {titles} (or set [discord] {keys})")


async def check_discord_guilds(report: Report, config: Config, client: Any,
                               application_id: int) -> None:
    import discord

    joined = {guild.id: guild async for guild in client.fetch_guilds(limit=None)}
    configured = communities_on(config, "discord")
    for community in configured:
        label = f"discord {community.name} ({community.id})"
        guild_id = int(community.entry.id)
        if guild_id not in joined:
            report.add("fail", label, "the bot is not a member of this server",
                       f"invite it: {invite_url(application_id)}")
            continue
        try:
            guild = await client.fetch_guild(guild_id)
            me = await guild.fetch_member(client.user.id)
        except discord.HTTPException as exc:
            report.add("fail", label, f"cannot read the bot's roles here: {exc}",
                       "re-invite the bot with the link from the Deploy section")
            continue
        permissions = me.guild_permissions
        missing = [p for p in DISCORD_PERMISSIONS if not getattr(permissions, p)]
        if not missing:
            report.add("ok", label, "the bot has every permission Hearth uses")
            continue
        names = ", ".join(_permission_title(p) for p in missing)
        top = me.top_role.name if me.top_role is not None else "the bot's role"
        report.add("fail", label, f"the bot lacks: {names}",
                   f"Server Settings > Roles > {top}: enable {names}; or re-invite with "
                   f"{invite_url(application_id)}")
    extra = sorted(set(joined) - {int(c.entry.id) for c in configured})
    if extra:
        shown = ", ".join(f"{joined[g].name} ({g})" for g in extra[:10])
        report.add("warn", "discord servers", f"the bot is in {len(extra)} server(s) not in "
                   f"the config, whose events are skipped: {shown}",
                   "add [[communities]] entries for them, or remove the bot there")


# -- online: Telegram ----------------------------------------------------------------------

async def check_telegram_online(report: Report, config: Config, token: str) -> None:
    from telegram import Bot
    from telegram.error import InvalidToken, TelegramError

    settings = config.telegram
    bot = Bot(token, base_url=settings.api_base_url, base_file_url=settings.base_file_url)
    try:
        await bot.initialize()
    except InvalidToken:
        report.add("fail", "telegram login", "Telegram rejected HEARTH_TELEGRAM_TOKEN "
                   "(getMe: Unauthorized)", f"get the token again from "
                   f"{_token_source('telegram')} and set the variable again")
        return
    except TelegramError as exc:
        report.add("fail", "telegram online", f"cannot reach the Bot API at "
                   f"{settings.api_base_url}: {exc}", "check the network, or [telegram] "
                   "api_base_url if you run your own Bot API server")
        return
    try:
        report.add("ok", "telegram login", f"logged in as @{bot.username} at "
                   f"{settings.api_base_url}")
        not_admin = await check_telegram_chats(report, config, bot)
        if bot.can_read_all_group_messages:
            report.add("ok", "telegram privacy", "privacy mode is off: the bot sees every "
                       "group message")
        elif not_admin:
            report.add("fail", "telegram privacy", "privacy mode is on and the bot is not an "
                       f"admin in {', '.join(not_admin)}: there it only sees commands, so "
                       "messages earn nothing and filters never run",
                       "@BotFather > /setprivacy > your bot > Disable, then remove and re-add "
                       "the bot to those groups (or make it an admin there)")
        else:
            report.add("ok", "telegram privacy", "privacy mode is on, but the bot is an admin "
                       "everywhere, and admins see every message")
    finally:
        await bot.shutdown()


async def check_telegram_chats(report: Report, config: Config, bot: Any) -> list[str]:
    """One line per configured group; returns the groups where the bot is not an admin."""
    from telegram.error import BadRequest, Forbidden, TelegramError

    not_admin: list[str] = []
    fix_rights = ", ".join(TELEGRAM_RIGHTS.values())
    for community in communities_on(config, "telegram"):
        label = f"telegram {community.name} ({community.id})"
        chat_id = int(community.entry.id)
        try:
            member = await bot.get_chat_member(chat_id, bot.id)
        except (BadRequest, Forbidden) as exc:
            report.add("fail", label, f"the bot cannot see this group ({exc.message})",
                       f"add @{bot.username} to the group, and check the id in the config")
            not_admin.append(community.id)
            continue
        except TelegramError as exc:
            report.add("fail", label, f"getChatMember failed: {exc}", "try again later")
            continue
        status = str(member.status)
        if status == "creator":
            report.add("ok", label, "the bot owns this group")
        elif status == "administrator":
            missing = [title for right, title in TELEGRAM_RIGHTS.items()
                       if not getattr(member, right, False)]
            if missing:
                report.add("fail", label, f"the bot is an admin but lacks: {', '.join(missing)}",
                           f"Group settings > Administrators > @{bot.username}: enable "
                           f"{', '.join(missing)}")
            else:
                report.add("ok", label, "the bot is an admin with the rights Hearth uses")
        elif status in ("left", "kicked"):
            not_admin.append(community.id)
            report.add("fail", label, f"the bot is not in this group (status: {status})",
                       f"add @{bot.username} to the group and make it an admin with "
                       f"{fix_rights}")
        else:
            not_admin.append(community.id)
            report.add("fail", label, "the bot is not an admin here, so it cannot delete "
                       "messages or restrict members",
                       f"Group settings > Administrators > Add admin > @{bot.username}, "
                       f"with {fix_rights}")
    return not_admin


# -- output --------------------------------------------------------------------------------

SYMBOLS = {"ok": "✓", "warn": "⚠", "fail": "✗", "info": "·"}
ASCII_SYMBOLS = {"ok": "OK  ", "warn": "WARN", "fail": "FAIL", "info": "-   "}


def symbols_for(encoding: str | None) -> Mapping[str, str]:
    try:
        "".join(SYMBOLS.values()).encode(encoding or "utf-8")
    except (UnicodeEncodeError, LookupError):
        return ASCII_SYMBOLS
    return SYMBOLS


def render(report: Report, encoding: str | None = "utf-8") -> str:
    marks = symbols_for(encoding)
    width = max((len(c.name) for c in report.checks), default=0)
    lines = [f"Hearth doctor (config: {report.config_path or 'none'})"]
    indent = " " * (len(marks["ok"]) + 1 + min(width, 40) + 2)
    for check in report.checks:
        detail = check.detail.splitlines() or [""]
        lines.append(f"{marks[check.status]} {check.name:<{min(width, 40)}}  {detail[0]}")
        lines.extend(indent + more for more in detail[1:])
        if check.fix and check.status in ("fail", "warn"):
            lines.append(f"{indent}fix: {check.fix}")
    failures, warnings = len(report.failures), len(report.warnings)
    if failures:
        lines.append(f"{failures} problem{'s' * (failures != 1)} to fix"
                     + (f", {warnings} warning{'s' * (warnings != 1)}" if warnings else "")
                     + ".")
    elif warnings:
        lines.append(f"All checks passed, with {warnings} warning{'s' * (warnings != 1)}.")
    else:
        lines.append("All checks passed.")
    text = "\n".join(lines)
    if marks is ASCII_SYMBOLS and encoding:  # names and paths may still not fit the terminal
        with contextlib.suppress(LookupError):
            text = text.encode(encoding, errors="replace").decode(encoding)
    return text

