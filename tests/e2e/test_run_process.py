"""The real ``hearth run`` process, end to end, against fake Discord and Telegram servers.

Why: the adapters are tested in-process elsewhere; this is the deployment path itself —
config file, tokens from the environment, migrations, both platforms in one process, the
real handlers and database, and the way the process stops. Everything is checked from the
outside: what the fakes received and what the SQLite file holds.
"""

from __future__ import annotations

import asyncio
import re
import signal
from pathlib import Path
from typing import Any

import pytest

import handlers
from bot.platform.commands import discord_layout
from bot.runner import InFlight
from domain.i18n import t
from handlers.registry import registry

from .conftest import DISCORD_TOKEN, TELEGRAM_TOKEN, DiscordWorld, TelegramWorld
from .fakes.discord_fake import FakeDiscord, FakeMember
from .fakes.telegram_fake import FakeTelegram, TgUser
from .process import (
    START_TIMEOUT,
    WAIT,
    discord_received,
    hearth_env,
    query,
    running_hearth,
    start_hearth,
    telegram_acknowledged,
    write_config,
)

pytestmark = pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")

EPHEMERAL = 64
TOPICS = [
    "Has anyone tried the new release on Linux yet?",
    "Good morning everyone, the meetup notes are in the wiki.",
    "I think the second chapter explains it better than the first.",
    "Thanks for the help yesterday, the fix worked.",
    "What time does the call start on Friday?",
]


def tracebacks(log: str) -> str:
    """The log lines around each traceback (what a failing assertion should show)."""
    lines = log.splitlines()
    shown = [i for i, line in enumerate(lines) if line.startswith("Traceback")]
    return "\n---\n".join("\n".join(lines[max(0, i - 1):i + 25]) for i in shown[:3]) or log[-3000:]


def communities(dw: DiscordWorld, tw: TelegramWorld) -> list[dict[str, Any]]:
    dp, tp = dw.permissions, tw.permissions
    return [
        {"platform": "discord", "id": dw.guild.guild_id, "name": "Guild",
         "permissions": {"discord_admin_role_ids": dp.discord_admin_role_ids,
                         "discord_moderator_role_ids": dp.discord_moderator_role_ids}},
        {"platform": "telegram", "id": tw.group.chat_id, "name": "Group",
         "permissions": {"telegram_admin_user_ids": tp.telegram_admin_user_ids}},
    ]


def both_ready(dw: DiscordWorld, tw: TelegramWorld) -> Any:
    async def ready() -> None:
        guild = dw.guild.guild_id
        await dw.fake.wait_request("PUT", rf"/applications/\d+/guilds/{guild}/commands",
                                   timeout=START_TIMEOUT)
        await tw.fake.wait_call("getUpdates", timeout=START_TIMEOUT)
    return ready


def admin_only_command() -> tuple[str, str | None]:
    """An admin-only command of the real registry and its Discord group (``/admin …``)."""
    handlers.load_all()
    names = sorted(n for n, spec in registry.commands.items() if spec.role == "admin")
    assert names, "the registry has no admin-only command to test the refusal with"
    layout = discord_layout(registry.commands.values())
    group = next((g for g, specs in layout.groups.items()
                  if any(s.name == names[0] for s in specs)), None)
    return names[0], group


async def discord_command(fake: FakeDiscord, dw: DiscordWorld, user: FakeMember, name: str,
                          args: str | None = None, *, group: str | None = None) -> str:
    """Run a slash command and return the answer's text (interaction callback, or the
    follow-up when the bot deferred first)."""
    interaction = fake.command_interaction(dw.guild, dw.general, user, name, args, group=group)
    await fake.dispatch("INTERACTION_CREATE", interaction)
    callback = await fake.wait_request(
        "POST", rf"/interactions/{interaction['id']}/[^/]+/callback", timeout=WAIT)
    body = callback.json
    if body["type"] == 4:
        assert int(body["data"].get("flags") or 0) & EPHEMERAL, body
        return str(body["data"]["content"])
    assert body["type"] == 5, body  # deferred: the answer is a follow-up or an edit
    answer = await fake.wait_for(lambda: [
        r for r in fake.requests
        if r.path.startswith(f"/webhooks/{fake.app_id}/{interaction['token']}")
        and r.method in ("POST", "PATCH") and r.json and r.json.get("content")], WAIT)
    return str(answer[0].json["content"])


async def telegram_command(fake: FakeTelegram, tw: TelegramWorld, user: TgUser,
                           text: str) -> list[str]:
    """Send a command in the group; return the texts the bot sent in reply to it."""
    message = await fake.send_message_update(tw.group, user, text)

    def answers() -> list[str]:
        return [m["text"] for m in fake.sent if m["chat"]["id"] == tw.group.chat_id
                and (m.get("reply_parameters") or {}).get("message_id") == message["message_id"]]

    return list(await fake.wait_for(answers, WAIT))


async def stored_after_commands(dw: DiscordWorld, db: Path, keys: list[str]) -> None:
    """Wait until the messages ``keys`` are in the database, asking /help on Discord until
    they are: a command flushes the batch writer, and Discord events run concurrently, so a
    command may overtake a message still waiting for its community's models to load."""
    marks = ", ".join("?" * len(keys))
    deadline = asyncio.get_running_loop().time() + START_TIMEOUT
    while len(query(db, f"SELECT 1 FROM activity WHERE event_key IN ({marks})", keys)) < len(
            keys):
        assert asyncio.get_running_loop().time() < deadline, f"{keys} never stored"
        await discord_command(dw.fake, dw, dw.mo, "help")
        await asyncio.sleep(0.2)


async def test_hearth_run_end_to_end(
    discord_world: DiscordWorld, telegram_world: TelegramWorld, tmp_path: Path,
) -> None:
    """One real process through its life: messages stored, /help answered on both
    platforms, an admin command refused to members, accounts linked across platforms, and a
    burst of events received just before SIGTERM written on the way out (exit status 0).

    The batch writer is set to hold events for a minute, so rows reach the database only
    through a command (which flushes first) or the shutdown flush — which is what the last
    part checks.
    """
    dw, tw = discord_world, telegram_world
    dc, tg = dw.fake, tw.fake
    tw.group.statuses[tg.bot_id] = "administrator"
    db = tmp_path / "hearth.db"
    config = write_config(tmp_path / "hearth.toml", database=db, discord=dc, telegram=tg,
                          communities=communities(dw, tw),
                          sections={"pipeline": {"flush_interval_ms": 60_000,
                                                 "batch_size": 100_000}})
    env = hearth_env(HEARTH_DISCORD_TOKEN=DISCORD_TOKEN, HEARTH_TELEGRAM_TOKEN=TELEGRAM_TOKEN)
    admin_cmd, admin_group = admin_only_command()
    dc_community, tg_community = dw.community, tw.community
    burst = 20  # one message per member, so flood rules have nothing to say about them
    dc_people = [dw.guild.add_member(2000 + n, f"dc{n}") for n in range(burst)]
    tg_people = [TgUser(3000 + n, f"tg{n}") for n in range(burst)]

    async with running_hearth(config, env, tmp_path, ready=both_ready(dw, tw)) as hearth:
        # 1. A Discord message and a Telegram group message are stored; /help is answered
        #    through the interaction callback and through sendMessage.
        posted = dc.message_create(dw.guild, dw.general, dw.alice, "hello from discord")
        await dc.dispatch("MESSAGE_CREATE", posted)
        said = await tg.send_message_update(tw.group, tw.alice, "hello from telegram")
        help_tg = await telegram_command(tg, tw, tw.alice, "/help")  # after the message
        assert len(help_tg) == 1 and help_tg[0].startswith("Commands: "), help_tg
        assert "/link" in help_tg[0]
        help_dc = await discord_command(dc, dw, dw.alice, "help")
        assert help_dc.startswith("Commands: ") and "/help" in help_dc
        assert f"/{admin_cmd}" not in help_dc  # a member is not offered admin commands
        keys = [f"m:dc:{posted['id']}", f"m:tg:{said['message_id']}"]
        await stored_after_commands(dw, db, keys)
        activity = ("SELECT community_id, member_id, kind, text, deleted FROM activity "
                    "WHERE event_key = ?")
        dc_row, tg_row = query(db, activity, keys[:1]), query(db, activity, keys[1:])
        assert [r[:4] for r in dc_row] == [
            (dc_community, "dc:1001", "message", "hello from discord")]
        assert [r[:4] for r in tg_row] == [
            (tg_community, "tg:501", "message", "hello from telegram")]
        # The counter agrees with the activity row: 1, or 0 when a filter held the message.
        counts = "SELECT messages FROM member_stats WHERE community_id = ? AND member_id = ?"
        for community, member, row in ((dc_community, "dc:1001", dc_row),
                                       (tg_community, "tg:501", tg_row)):
            assert query(db, counts, [community, member]) == [(0,) if row[0][4] else (1,)]

        # 2. An admin-only command is refused to a member on both platforms ...
        refusal = t("core.not_allowed", "en", name=admin_cmd, role=t("core.role.admin", "en"))
        refused_dc = await discord_command(dc, dw, dw.alice, admin_cmd, "someone",
                                           group=admin_group)
        assert refused_dc == refusal
        assert await telegram_command(tg, tw, tw.alice, f"/{admin_cmd} someone") == [refusal]
        # ... and not refused to the admins the config names (role id / user id).
        allowed_dc = await discord_command(dc, dw, dw.ada, admin_cmd, "someone",
                                           group=admin_group)
        assert allowed_dc != refusal
        allowed_tg = await telegram_command(tg, tw, tw.zed, f"/{admin_cmd} someone")
        assert allowed_tg and allowed_tg != [t("core.not_allowed", "zh", name=admin_cmd,
                                                role=t("core.role.admin", "zh"))]

        # 3. Identity linking across the two platforms, through both real clients.
        code_text = await discord_command(dc, dw, dw.alice, "link")
        code = re.search(r"\b([A-Z2-9]{8})\b", code_text)
        assert code is not None, code_text
        linked = await telegram_command(tg, tw, tw.alice, f"/link {code.group(1)}")
        assert linked == [t("identity.linked", "en", platform="Discord", name="alice")]
        people = query(db, "SELECT community_id, member_id, person_id FROM members "
                           "WHERE person_id IS NOT NULL ORDER BY community_id")
        assert [(c, m) for c, m, _ in people] == [(dc_community, "dc:1001"),
                                                  (tg_community, "tg:501")]
        assert people[0][2] == people[1][2]

        # 4. A burst the bot has received but not written yet, then SIGTERM.
        seq = 0
        for n, person in enumerate(dc_people):
            seq = await dc.dispatch("MESSAGE_CREATE", dc.message_create(
                dw.guild, dw.general, person, TOPICS[n % len(TOPICS)]))
        last_update = 0
        for n, user in enumerate(tg_people):
            last_update = await tg.push_update(
                "message", tg.message(tw.group, user, TOPICS[-1 - n % len(TOPICS)]))
        await discord_received(dc, seq)
        await telegram_acknowledged(tg, last_update)
        burst_rows = ("SELECT community_id, count(*) FROM activity WHERE kind = 'message' "
                      "AND (member_id LIKE 'dc:20%' OR member_id LIKE 'tg:30%') "
                      "GROUP BY community_id ORDER BY community_id")
        stored_before = query(db, burst_rows)
        status = await hearth.stop(signal.SIGTERM)

    log = hearth.log
    assert status == 0, log[-3000:]
    assert stored_before == [], "the writer flushed early; the shutdown check proves nothing"
    assert query(db, burst_rows) == sorted([(dc_community, burst), (tg_community, burst)]), \
        tracebacks(log)
    # Counters were written with the rows: one per message a filter did not hold.
    counted = query(db, "SELECT community_id, member_id, sum(1 - deleted) FROM activity "
                        "WHERE kind = 'message' GROUP BY 1, 2 ORDER BY 1, 2")
    stats = query(db, "SELECT community_id, member_id, messages FROM member_stats "
                      "WHERE messages > 0 OR member_id IN (SELECT member_id FROM activity "
                      "WHERE kind = 'message') ORDER BY 1, 2")
    assert stats == counted and len(stats) == 2 * burst + 2
    assert "Traceback" not in log, tracebacks(log)


# (variable, value, what the one-line error must say). Every shape of bad token is covered
# by the unit tests of bot.platform.tokens; these prove the process path, per variable.
MALFORMED = [
    ("HEARTH_DISCORD_TOKEN", "Bot " + DISCORD_TOKEN, "starts with 'Bot '"),
    ("HEARTH_TELEGRAM_TOKEN", f'"{TELEGRAM_TOKEN}"', "has quotes around it"),
]


async def test_malformed_token_exits_2_naming_the_variable(tmp_path: Path) -> None:
    """Each case is its own process (run side by side to keep the suite fast)."""

    async def attempt(index: int, variable: str, value: str) -> tuple[int, str, Path]:
        workdir = tmp_path / f"case{index}"
        workdir.mkdir()
        db = workdir / "hearth.db"
        config = write_config(workdir / "hearth.toml", database=db, communities=[
            {"platform": "discord", "id": 1}, {"platform": "telegram", "id": -100}])
        tokens = {"HEARTH_DISCORD_TOKEN": DISCORD_TOKEN, "HEARTH_TELEGRAM_TOKEN": TELEGRAM_TOKEN,
                  variable: value}  # the other platform's token is fine
        hearth = await start_hearth(["run", "--config", str(config)], hearth_env(**tokens),
                                    workdir / "out.log", workdir)
        status = await asyncio.wait_for(hearth.proc.wait(), START_TIMEOUT)
        return status, hearth.log, db

    results = await asyncio.gather(*(attempt(i, variable, value)
                                     for i, (variable, value, _) in enumerate(MALFORMED)))
    for (variable, value, problem), (status, output, db) in zip(MALFORMED, results,
                                                                strict=True):
        assert status == 2, output
        lines = [line for line in output.splitlines() if line.strip()]
        assert len(lines) == 1, output
        assert lines[0].startswith(f"error: {variable} ") and problem in lines[0], output
        assert "Traceback" not in output
        assert value.strip('"') not in output  # the secret is never echoed
        assert not db.exists()  # refused before touching the database


async def test_a_gateway_refusal_becomes_a_one_line_startup_error(
    discord_world: DiscordWorld,
) -> None:
    """Discord closing the gateway with 4004 (token rejected after login) is not worth a
    restart: the runner turns the real discord.py exception into a StartupError (exit 2,
    one line). The CLI side of StartupError is what the malformed-token test runs."""
    from bot.discord.adapter import DiscordAdapter
    from bot.runner import DISCORD_CLOSE_CODES, refusal_message

    w = discord_world
    w.fake.close_on_identify = 4004

    async def nothing(_event: Any) -> list[Any]:
        return []

    adapter = DiscordAdapter(token=DISCORD_TOKEN, settings=w.settings(), dispatch=nothing,
                             resolver=w.resolver())
    await adapter.start()
    try:
        with pytest.raises(Exception) as raised:
            await asyncio.wait_for(adapter.wait_stopped(), WAIT)
    finally:
        await adapter.stop()
    message = refusal_message(raised.value)
    assert message == DISCORD_CLOSE_CODES[4004]
    assert "HEARTH_DISCORD_TOKEN" in message and "\n" not in message
    assert refusal_message(RuntimeError("something else")) is None


# -- the shutdown helper, in-process -------------------------------------------------------


async def test_settle_waits_for_a_queue_drained_one_event_at_a_time() -> None:
    """PTB hands queued updates over one by one: idle for an instant is not done."""
    done: list[int] = []

    async def dispatch(n: int) -> list[Any]:
        await asyncio.sleep(0.02)
        done.append(n)
        return []

    inflight = InFlight(dispatch)

    async def queue() -> None:
        for n in range(10):
            await inflight(n)
            await asyncio.sleep(0.005)  # the hand-over gap between two updates

    task = asyncio.create_task(queue())
    await asyncio.sleep(0.01)
    assert await inflight.settle(quiet=0.1, timeout=5)
    assert done == list(range(10))
    await task


async def test_settle_gives_up_at_its_timeout() -> None:
    release = asyncio.Event()

    async def stuck(_event: Any) -> list[Any]:
        await release.wait()
        return []

    inflight = InFlight(stuck)
    task = asyncio.create_task(inflight("event"))
    await asyncio.sleep(0)
    assert inflight.running == 1
    assert not await inflight.settle(quiet=0.05, timeout=0.2)
    release.set()
    await task
    assert inflight.running == 0 and await inflight.settle(quiet=0.01, timeout=1)
