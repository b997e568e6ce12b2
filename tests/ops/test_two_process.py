"""Scale-out: two real ``hearth run`` processes on one PostgreSQL database.

Process A runs Discord shard 0 of 2 and the Telegram bot; process B runs Discord shard 1 and
has Telegram switched off (one poller per bot token). Both run the scheduler's sweeper. The
fake gateway routes each guild's events to the session of the shard that owns it, exactly as
Discord does. While live traffic flows into both, a third process (``hearth replay``) loads
a backlog for the same members, so three writers increment the same ``member_stats`` rows at
the same time. Reminders due during the run are claimed by whichever sweeper gets them.

Checked from the outside (the fakes and the database): every message is stored exactly once;
each member's counters equal their activity and their ledger (no lost update between
processes); each reminder was delivered exactly once and every scheduled row is done.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import signal
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from tests.conftest import pg_reset_schema
from tests.e2e.fakes.discord_fake import FakeDiscord, FakeGuild, FakeMember
from tests.e2e.fakes.telegram_fake import FakeTelegram, TgUser
from tests.e2e.process import hearth_env, start_hearth, write_config

from .helpers import HEAVY, child_env, hearth, write_jsonl

pytestmark = [pytest.mark.postgres,
              pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")]

DISCORD_TOKEN = "MTIzNDU2Nzg5MDEyMzQ1Njc4.GhJkLm.abcdefghijklmnopqrstuvwxyz0123456789AB"
TELEGRAM_TOKEN = "123456789:AAHfakeTokenForTestsOnly0123456789abcd"
ROUNDS = 40 if HEAVY else 12
REMINDERS = 12
BACKLOG = 1500 if HEAVY else 400
START_TIMEOUT = 60.0


@dataclass
class Fleet:
    """What the scenario observed, for the tests below."""

    statuses: list[int]
    logs: list[str]
    identified: list[tuple[int, ...]]
    pollers: int
    expected: int
    total: int
    counted: dict[tuple[str, str], int]
    stats: dict[tuple[str, str], tuple[int, int, int]]
    ledger: dict[tuple[str, str], tuple[int, int]]
    reminders: dict[str, str]
    deliveries: collections.Counter
    items: list[tuple[str, int, str]] = field(default_factory=list)


@pytest.fixture(scope="module")
def fleet(pg_url: str, tmp_path_factory: pytest.TempPathFactory) -> Fleet:
    return asyncio.run(_scenario(pg_url, tmp_path_factory.mktemp("fleet")))


def test_both_processes_ran_their_own_shard_and_stopped_cleanly(fleet: Fleet) -> None:
    assert fleet.statuses == [0, 0], fleet.logs[0][-2000:] + fleet.logs[1][-2000:]
    assert fleet.identified == [(0, 2), (1, 2)]  # each process identified one shard
    assert fleet.pollers > 0
    for log in fleet.logs:
        assert "Traceback" not in log, _first_error(log)


def test_every_message_is_stored_once_and_no_update_is_lost(fleet: Fleet) -> None:
    assert fleet.total == fleet.expected
    lost = {k: (v, fleet.stats.get(k, (0,))[0]) for k, v in fleet.counted.items()
            if fleet.stats.get(k, (0,))[0] != v}
    assert lost == {}, f"counter != stored messages (lost updates): {lost}"
    drift = {k: (v[1:], fleet.ledger.get(k, (0, 0))) for k, v in fleet.stats.items()
             if (v[1], v[2]) != fleet.ledger.get(k, (0, 0))}
    assert drift == {}, f"counters disagree with the ledger: {drift}"
    # The same member rows were written by a live process and the replay at the same time.
    shared = [k for k in fleet.counted if k[1] == "dc:1001"]
    assert len(shared) == 2 and all(fleet.counted[k] > ROUNDS // 2 for k in shared)


def test_scheduled_items_fire_exactly_once_across_processes(fleet: Fleet) -> None:
    assert sorted(i[0] for i in fleet.items) == sorted(fleet.reminders)
    assert all(status == "done" and attempts == 1 for _, attempts, status in fleet.items), \
        fleet.items
    discord = [m for m, c in fleet.reminders.items() if c.startswith("dc:")]
    assert {m: fleet.deliveries[m] for m in discord} == dict.fromkeys(discord, 1)


def test_telegram_items_are_delivered_by_the_process_running_telegram(fleet: Fleet) -> None:
    telegram = [m for m, c in fleet.reminders.items() if c.startswith("tg:")]
    assert {m: fleet.deliveries[m] for m in telegram} == dict.fromkeys(telegram, 1)


def shard_of(guild_id: int, count: int = 2) -> int:
    return (guild_id >> 22) % count


def guild_per_shard(fake: FakeDiscord) -> dict[int, FakeGuild]:
    """One guild on each of the two shards (snowflakes are time-based: add until covered)."""
    found: dict[int, FakeGuild] = {}
    for n in range(200):
        guild = fake.add_guild(f"Guild {n}", owner_id=4242)
        shard = shard_of(guild.guild_id)
        if shard in found:
            del fake.guilds[guild.guild_id]
            time.sleep(0.002)
            continue
        found[shard] = guild
        if len(found) == 2:
            return found
    raise AssertionError("could not place a guild on each shard")


def populate(guild: FakeGuild) -> tuple[int, list[FakeMember]]:
    channel = guild.add_text_channel("general")
    members = [guild.add_member(1001 + i, f"user{i}") for i in range(3)]
    return channel, members


async def wait_until(predicate: Any, timeout: float, what: str) -> Any:
    """Poll; generous timeouts because a busy CI box runs three Hearth processes here."""
    deadline = time.monotonic() + timeout
    while True:
        result = await predicate()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.2)


async def _scenario(pg_url: str, tmp_path: Path) -> Fleet:
    from bot.scheduler import repository
    from bot.storage.engine import create_engine, sessionmaker
    from bot.storage.models import Activity, LedgerEntry, MemberStats, ScheduledItem

    pg_reset_schema(pg_url)
    async with FakeDiscord(token=DISCORD_TOKEN) as dc, FakeTelegram(TELEGRAM_TOKEN) as tg:
        guilds = guild_per_shard(dc)
        for guild in guilds.values():
            guild.add_member(dc.bot_id, "HearthBot", bot=True)
        layout = {shard: populate(guild) for shard, guild in guilds.items()}
        group = tg.add_chat(-1001234567890, "Hearth group")
        tg_users = [TgUser(501 + i, f"tg{i}") for i in range(3)]
        tg.started_bot.update(u.user_id for u in tg_users)
        communities = [{"platform": "discord", "id": g.guild_id, "name": f"shard {s}"}
                       for s, g in guilds.items()]
        communities.append({"platform": "telegram", "id": group.chat_id, "name": "group"})
        configs = {}
        for shard in (0, 1):
            configs[shard] = write_config(
                tmp_path / f"hearth-{shard}.toml", database=tmp_path / "unused.db",
                discord=dc, telegram=tg if shard == 0 else None, communities=communities,
                sections={"database": {"url": pg_url},
                          "discord": {"shard_count": 2, "shard_ids": [shard]},
                          "telegram": {"enabled": shard == 0},
                          "pipeline": {"flush_interval_ms": 20}})
        env = hearth_env(HEARTH_DISCORD_TOKEN=DISCORD_TOKEN,
                         HEARTH_TELEGRAM_TOKEN=TELEGRAM_TOKEN)
        # Migrations run once, before the fleet starts (see docs/deployment.md).
        migrated = hearth("db", "upgrade", "-c", str(configs[0]), cwd=tmp_path, env=env)
        assert migrated.returncode == 0, migrated.stderr

        # A backlog for the same Discord members, replayed by a third process meanwhile.
        backlog = _backlog(guilds, BACKLOG)
        backlog_file = write_jsonl(tmp_path / "backlog.jsonl", backlog)

        processes = [await start_hearth(["run", "--config", str(configs[s])], env,
                                        tmp_path / f"hearth-{s}.log", tmp_path)
                     for s in (0, 1)]
        try:
            await _wait_ready(dc, tg, processes)
            # Reminders fall due while both sweepers run (scheduled only now: an item already
            # due when a process starts can fire before its platform has logged in — see the
            # report on bot/runner.py start order).
            engine = create_engine(pg_url)
            sessions = sessionmaker(engine)
            now = datetime.now(UTC)
            reminders: dict[str, str] = {}
            async with sessions() as session, session.begin():
                for n in range(REMINDERS):
                    on_tg = n % 4 == 3
                    community = f"tg:{group.chat_id}" if on_tg else \
                        f"dc:{guilds[n % 2].guild_id}"
                    member = f"tg:{tg_users[0].user_id}" if on_tg else "dc:1001"
                    marker = f"[two-proc {n:02d}]"
                    reminders[marker] = community
                    await repository.schedule(
                        session, kind="reminder", due_at=now + timedelta(seconds=1 + n * 0.5),
                        community_id=community, owner_id=member, now=now,
                        payload={"member_id": member, "text": marker, "channel_id": "",
                                 "lang": "en"})

            replay = await asyncio.create_subprocess_exec(
                *_python(), "-m", "bot", "replay", str(backlog_file), "--config",
                str(configs[1]), "-q", cwd=tmp_path, env=child_env(),
                stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
            sent = await _live_traffic(dc, tg, guilds, layout, group, tg_users)
            _, err = await asyncio.wait_for(replay.communicate(), 300)
            assert replay.returncode == 0, err.decode()[-3000:]

            expected = sent + len(backlog)

            seen: list[int] = []

            async def stored() -> bool:
                async with sessions() as s:
                    count = await s.scalar(select(func.count()).select_from(Activity).where(
                        Activity.kind == "message"))
                seen.append(count)
                return count == expected

            try:
                await wait_until(stored, 240, f"{expected} stored messages")
            except AssertionError as exc:
                errors = "\n".join(_first_error(p.log) for p in processes)
                raise AssertionError(f"{exc}; stored counts seen last: {seen[-5:]}\n"
                                     f"{errors}") from None

            async def reminders_done() -> bool:
                async with sessions() as s:
                    open_items = await s.scalar(select(func.count()).select_from(
                        ScheduledItem).where(ScheduledItem.kind == "reminder",
                                             ScheduledItem.status != "done"))
                return open_items == 0

            await wait_until(reminders_done, 120, "every reminder fired")
            await asyncio.sleep(1.0)  # deliveries after the commit
        finally:
            statuses = [await p.stop(signal.SIGTERM) for p in processes]
        identified = sorted(tuple(f["d"]["shard"]) for f in dc.gateway_frames
                            if f.get("op") == 2)
        pollers = len(tg.calls_to("getUpdates"))

        async with sessions() as s:
            counted = {(c, m): n for c, m, n in (await s.execute(
                select(Activity.community_id, Activity.member_id, func.count())
                # messages removed by line-1 safety are stored but not counted
                .where(Activity.kind == "message", Activity.deleted.is_(False))
                .group_by(Activity.community_id, Activity.member_id))).all()}
            total = await s.scalar(select(func.count()).select_from(Activity).where(
                Activity.kind == "message"))
            stats = {(c, m): (msgs, life, bal) for c, m, msgs, life, bal in (await s.execute(
                select(MemberStats.community_id, MemberStats.member_id, MemberStats.messages,
                       MemberStats.lifetime, MemberStats.balance))).all()}
            ledger = {(c, m): (life, bal) for c, m, life, bal in (await s.execute(
                select(LedgerEntry.community_id, LedgerEntry.member_id,
                       func.sum(LedgerEntry.lifetime_delta), func.sum(LedgerEntry.delta))
                .group_by(LedgerEntry.community_id, LedgerEntry.member_id))).all()}
            items = [(payload["text"], attempts, status)
                     for payload, attempts, status in (await s.execute(select(
                         ScheduledItem.payload, ScheduledItem.attempts, ScheduledItem.status)
                         .where(ScheduledItem.kind == "reminder"))).all()]
        await engine.dispose()

        deliveries: collections.Counter[str] = collections.Counter()
        for request in dc.requests:
            payload = request.json if isinstance(request.json, dict) else {}
            content = str(payload.get("content") or "")
            if request.method == "POST":
                deliveries.update(m for m in reminders if m in content)
        for message in tg.sent:
            deliveries.update(m for m in reminders if m in str(message.get("text", "")))
    return Fleet(statuses=statuses, logs=[p.log for p in processes], identified=identified,
                 pollers=pollers, expected=expected, total=total, counted=counted,
                 stats=stats, ledger=ledger, reminders=reminders, deliveries=deliveries,
                 items=items)


def _first_error(log: str) -> str:
    """The first logged traceback of a process (what made it skip an event)."""
    start = log.find("ERROR")
    return log[start:start + 4000] if start >= 0 else "(no error logged)"


def _python() -> list[str]:
    import sys

    return [sys.executable]


def _backlog(guilds: dict[int, FakeGuild], count: int) -> list[Any]:
    from domain.events import MessagePosted

    start = datetime(2026, 1, 1, tzinfo=UTC)
    events = []
    for n in range(count):
        guild = guilds[n % 2]
        events.append(MessagePosted(f"dc:{guild.guild_id}", f"dc:{1001 + n % 3}",
                                    start + timedelta(minutes=n), channel_id="dc:1",
                                    message_id=f"backlog{n}",
                                    text=f"backlog message {n} about the release"))
    return events


async def _wait_ready(dc: FakeDiscord, tg: FakeTelegram, processes: list[Any]) -> None:
    async def ready() -> bool:
        for process in processes:
            if not process.alive():
                raise AssertionError(f"hearth run exited early:\n{process.log[-3000:]}")
        shards = {s.shard for s in dc.sessions.values() if s.ws is not None}
        return shards >= {(0, 2), (1, 2)} and bool(tg.calls_to("getUpdates"))

    await wait_until(ready, START_TIMEOUT, "both processes connected")
    for guild in dc.guilds.values():
        await dc.wait_request("PUT", rf"/applications/\d+/guilds/{guild.guild_id}/commands",
                              timeout=START_TIMEOUT)


async def _live_traffic(dc: FakeDiscord, tg: FakeTelegram, guilds: dict[int, FakeGuild],
                        layout: dict[int, tuple[int, list[FakeMember]]], group: Any,
                        tg_users: list[TgUser]) -> int:
    sent = 0
    for n in range(ROUNDS):
        for shard, guild in guilds.items():
            channel, members = layout[shard]
            for member in members:
                await dc.dispatch("MESSAGE_CREATE", dc.message_create(
                    guild, channel, member, f"live {n} from {member.name} on shard {shard}"))
                sent += 1
        for user in tg_users:
            await tg.send_message_update(group, user, f"telegram {n} from {user.first_name}")
            sent += 1
        await asyncio.sleep(0.02)
    return sent


async def test_concurrent_flushes_on_the_same_members_lose_nothing(pg_url: str) -> None:
    from bot.bootstrap import build_app
    from bot.config import default_config
    from bot.storage.models import Activity
    from domain.events import MessagePosted

    pg_reset_schema(pg_url)
    community = "console:dl"

    def config() -> Any:
        return default_config(pg_url, communities=[{"platform": "console", "id": "dl"}],
                              safety={"enabled": False}, sentiment={"enabled": False},
                              pipeline={"batch_size": 100_000, "flush_interval_ms": 60_000})

    first = await build_app(config())
    second = await build_app(config(), upgrade=False)
    failures: list[str] = []
    for app in (first, second):
        previous = app.writer.on_failure

        def failed(batch: list[Any], exc: BaseException, previous: Any = previous) -> None:
            failures.append(f"{type(exc).__name__}: {str(exc).splitlines()[0][:200]}")
            previous(batch, exc)

        app.writer.on_failure = failed
    members = [f"console:m{i}" for i in range(1500)]
    start = datetime(2026, 3, 1, tzinfo=UTC)

    async def writer(app: Any, tag: str, order: list[str]) -> None:
        for n in range(6):
            await app.pipeline.process_many([MessagePosted(
                community, m, start + timedelta(seconds=n), channel_id="g",
                message_id=f"{tag}{n}-{m}", text="hello") for m in order], check_stored=False)
            with contextlib.suppress(Exception):
                await app.pipeline.flush()

    try:
        await asyncio.gather(writer(first, "a", members),
                             writer(second, "b", list(reversed(members))))
        async with first.sessions() as session:
            stored = await session.scalar(select(func.count()).select_from(Activity))
    finally:
        await first.close()
        await second.close()
    assert failures == []
    assert stored == 2 * 6 * len(members)
