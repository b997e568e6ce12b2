"""Member data export and erasure, and message-text retention.

The central check is generic like the erasure itself: after ``/forgetme confirm`` (or
``hearth member delete``) every string and JSON value of every row of every table is searched
for the member's id and display name, and nothing may be found — while the community's
totals (ledger sums, counters, activity counts) are exactly what they were.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import JSON, String, Text, func, select

from bot.ops.privacy import (
    free_text_columns,
    id_pattern,
    is_member_column,
    member_columns,
    personal_tables,
    scrub,
)
from bot.storage.models import Activity, Base, LedgerEntry, Member, MemberStats
from domain.actions import DirectMessage, Reply
from domain.events import (
    CommandInvoked,
    Event,
    MemberJoined,
    MessagePosted,
    ReactionAdded,
    VoiceSessionEnded,
)

T0 = datetime(2026, 3, 1, 9, tzinfo=UTC)
SECRET_NAME = "Zyxwquartz"  # unique enough that any hit is this member's


def community(platform: str = "console", raw: str = "priv") -> dict[str, Any]:
    return {"platform": platform, "id": raw, "name": "Privacy test"}


def traffic(c: str, victim: str, other: str) -> list[Event]:
    """Both members talk, reply, react, join and use voice; the victim also gets points."""
    events: list[Event] = [MemberJoined(c, victim, T0, member_name=SECRET_NAME),
                           MemberJoined(c, other, T0, member_name="Bob")]
    for n in range(1, 31):
        who, to = (victim, other) if n % 2 else (other, victim)
        events.append(MessagePosted(
            c, who, T0 + timedelta(minutes=n), channel_id="general", message_id=f"p{n}",
            text=f"message {n}: how do I configure the proxy? thanks!",
            member_name=SECRET_NAME if who == victim else "Bob",
            reply_to_message_id=f"p{n - 1}" if n > 1 else None,
            reply_to_member_id=to if n > 1 else None))
        events.append(ReactionAdded(c, to, T0 + timedelta(minutes=n, seconds=20),
                                    channel_id="general", message_id=f"p{n}", emoji="👍",
                                    target_member_id=who))
    events.append(VoiceSessionEnded(c, victim, T0 + timedelta(hours=2), channel_id="voice",
                                    minutes=25.0, session_id="v1"))
    return events


async def totals(app: Any, c: str) -> dict[str, Any]:
    async with app.sessions() as s:
        ledger = (await s.execute(select(func.count(), func.sum(LedgerEntry.delta),
                                         func.sum(LedgerEntry.lifetime_delta))
                                  .where(LedgerEntry.community_id == c))).one()
        stats = (await s.execute(select(func.count(), func.sum(MemberStats.lifetime),
                                        func.sum(MemberStats.balance),
                                        func.sum(MemberStats.messages),
                                        func.sum(MemberStats.voice_minutes))
                                 .where(MemberStats.community_id == c))).one()
        activity = await s.scalar(select(func.count()).select_from(Activity)
                                  .where(Activity.community_id == c))
    return {"ledger": tuple(ledger), "stats": tuple(stats), "activity": activity}


async def find_everywhere(app: Any, needles: list[str]) -> list[tuple[str, str, str]]:
    """(table, column, value) of every string/JSON value containing a needle."""
    hits = []
    async with app.sessions() as s:
        for table in Base.metadata.sorted_tables:
            columns = [c for c in table.columns if isinstance(c.type, (String, Text, JSON))]
            if not columns:
                continue
            for row in (await s.execute(select(*columns))).all():
                for column, value in zip(columns, row, strict=True):
                    text = json.dumps(value, ensure_ascii=False) if not isinstance(
                        value, str) else value
                    if text and any(n in text for n in needles):
                        hits.append((table.name, column.name, text[:120]))
    return hits


async def ledger_matches_counters(app: Any, c: str) -> list[Any]:
    async with app.sessions() as s:
        sums = dict((m, (life, bal)) for m, life, bal in (await s.execute(
            select(LedgerEntry.member_id, func.sum(LedgerEntry.lifetime_delta),
                   func.sum(LedgerEntry.delta)).where(LedgerEntry.community_id == c)
            .group_by(LedgerEntry.member_id))).all())
        stats = (await s.execute(select(MemberStats.member_id, MemberStats.lifetime,
                                        MemberStats.balance)
                                 .where(MemberStats.community_id == c))).all()
    return [(m, life, bal, sums.get(m, (0, 0))) for m, life, bal in stats
            if (life, bal) != sums.get(m, (0, 0))]


def command(c: str, member: str, name: str, args: str = "", n: int = 0) -> CommandInvoked:
    return CommandInvoked(c, member, T0 + timedelta(hours=3, minutes=n), name=name, args=args,
                          channel_id="general", member_name=SECRET_NAME,
                          interaction_id=f"{name}-{n}")


async def test_forgetme_erases_everything_identifying_and_keeps_totals(
        make_app: Any, db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    c, victim, other = "console:priv", "console:zed8", "console:bob"
    app = await make_app(db_url, communities=[community()])
    await app.pipeline.process_many(traffic(c, victim, other))
    await app.pipeline.flush()
    # An export first: it is a file that erasure must delete too.
    exported = await app.pipeline.process_many([command(c, victim, "mydata", n=1)])
    assert len(exported) == 1 and isinstance(exported[0], Reply)
    files = list((tmp_path / "exports").glob("*.json"))
    assert len(files) == 1 and victim in files[0].read_text(encoding="utf-8")
    assert victim not in files[0].name  # the folder listing names nobody
    assert await find_everywhere(app, [victim, SECRET_NAME])  # it really was stored
    before = await totals(app, c)

    asked = await app.pipeline.process_many([command(c, victim, "forgetme", n=2)])
    assert "/forgetme confirm" in asked[0].text
    assert await find_everywhere(app, [victim])  # asking alone changes nothing
    wrong = await app.pipeline.process_many([command(c, victim, "forgetme", "maybe", n=3)])
    assert "maybe" in wrong[0].text and await find_everywhere(app, [victim])

    done = await app.pipeline.process_many([command(c, victim, "forgetme", "confirm", n=4)])
    await app.services["privacy"].settle()
    assert len(done) == 1 and "erased" in done[0].text
    assert await find_everywhere(app, [victim, SECRET_NAME]) == []
    assert list((tmp_path / "exports").glob("*.json")) == []
    after = await totals(app, c)
    assert after["ledger"] == before["ledger"] and after["stats"] == before["stats"]
    # The commands themselves are activity rows too (three asks, anonymised with the rest).
    assert after["activity"] == before["activity"] + 3
    assert await ledger_matches_counters(app, c) == []
    async with app.sessions() as s:
        anon = (await s.execute(select(Member).where(Member.community_id == c,
                                                     Member.anonymised.is_(True)))).scalars()
        anon_rows = list(anon)
        texts = (await s.execute(select(Activity.text).where(
            Activity.member_id == anon_rows[0].member_id, Activity.kind == "message"))).all()
        bob_texts = (await s.execute(select(Activity.text).where(
            Activity.member_id == other, Activity.kind == "message"))).scalars().all()
    assert len(anon_rows) == 1 and anon_rows[0].member_id.startswith("anon:")
    assert anon_rows[0].display_name == ""
    assert texts and all(t is None for (t,) in texts)  # their words are gone …
    assert all(t and "proxy" in t for t in bob_texts)  # … the other member's stay
    # The other member is untouched and the erased one can come back as a new member.
    again = await app.pipeline.process_many([MessagePosted(
        c, victim, T0 + timedelta(days=1), channel_id="general", message_id="back",
        text="I'm back", member_name="New me")])
    await app.pipeline.flush()
    assert again is not None
    assert [h for h in await find_everywhere(app, [victim]) if h[0] == "members"]


async def test_mydata_sends_the_export_by_dm_on_a_platform(make_app: Any, sqlite_url: str,
                                                           tmp_path: Path,
                                                           monkeypatch: pytest.MonkeyPatch
                                                           ) -> None:
    monkeypatch.chdir(tmp_path)
    c, victim, other = "dc:777", "dc:1001", "dc:1002"
    app = await make_app(sqlite_url, communities=[{**community("discord", "777"),
                                                   "privacy": {"dm_limit_chars": 1_000_000}}])
    await app.pipeline.process_many(traffic(c, victim, other))
    await app.pipeline.flush()
    actions = await app.pipeline.process_many([command(c, victim, "mydata", n=1)])
    dms = [a for a in actions if isinstance(a, DirectMessage)]
    replies = [a for a in actions if isinstance(a, Reply)]
    assert len(dms) == 1 and dms[0].member_id == victim and dms[0].fallback_channel_id is None
    assert len(replies) == 1 and replies[0].ephemeral
    payload = json.loads(dms[0].text.split("\n", 1)[1])
    assert payload["member_id"] == victim and payload["rows"] > 30
    tables = payload["tables"]
    assert {"members", "activity", "ledger", "member_stats"} <= set(tables)
    own = [r for r in tables["activity"] if r["member_id"] == victim and r["kind"] == "message"]
    assert own and all("proxy" in r["text"] for r in own)
    # Rows where they only appear as the target (Bob's replies to them) come without Bob's
    # words: that text is Bob's data, not theirs.
    theirs = [r for r in tables["activity"] if r["member_id"] == other]
    assert theirs and all("text" not in r for r in theirs)


async def test_mydata_too_large_for_a_dm_points_to_the_file(make_app: Any, sqlite_url: str,
                                                            tmp_path: Path) -> None:
    c, victim, other = "tg:-100", "tg:5", "tg:6"
    app = await make_app(sqlite_url, communities=[{
        **community("telegram", "-100"),
        "privacy": {"dm_limit_chars": 1000, "export_dir": str(tmp_path / "out")}}])
    await app.pipeline.process_many(traffic(c, victim, other))
    actions = await app.pipeline.process_many([command(c, victim, "mydata", n=1)])
    assert len(actions) == 1 and isinstance(actions[0], Reply)
    files = list((tmp_path / "out").glob("export-*.json"))
    assert len(files) == 1 and files[0].name in actions[0].text


async def test_forgetme_can_be_switched_off(make_app: Any, sqlite_url: str) -> None:
    c = "console:priv"
    app = await make_app(sqlite_url, communities=[{**community(),
                                                   "privacy": {"forget_enabled": False}}])
    await app.pipeline.process_many(traffic(c, "console:v", "console:w"))
    actions = await app.pipeline.process_many([command(c, "console:v", "forgetme", "confirm")])
    assert "turned off" in actions[0].text
    assert await find_everywhere(app, ["console:v"])


async def test_erasing_a_moderator_keeps_their_decisions_without_their_id(
        make_app: Any, sqlite_url: str) -> None:
    """A member who acted on others (audit actor, ledger actor) is replaced there too."""
    c = "console:priv"
    app = await make_app(sqlite_url, communities=[community()])
    await app.pipeline.process_many(traffic(c, "console:a", "console:b"))
    await app.pipeline.flush()
    async with app.sessions() as s, s.begin():
        from bot.storage.models import AuditEntry

        s.add(AuditEntry(community_id=c, at=T0, actor_id="console:mod", action="points.give",
                         target_id="console:a", reason="helped console:mod's friend",
                         details={"by": "console:mod", "note": "asked by console:mod"}))
        s.add(LedgerEntry(community_id=c, member_id="console:a", delta=5, lifetime_delta=5,
                          category="manual", reason="gift", source_key="gift:1",
                          actor_id="console:mod", at=T0))
    from bot.ops.privacy import erase

    async with app.sessions() as s, s.begin():
        result = await erase(s, c, "console:mod")
    assert result.anonymised == {"audit_log": 1, "ledger": 1}
    assert await find_everywhere(app, ["console:mod"]) == []
    async with app.sessions() as s:
        row = (await s.execute(select(AuditEntry))).scalars().one()
    assert row.actor_id == result.anon_id and row.target_id == "console:a"
    assert row.details == {"by": result.anon_id, "note": f"asked by {result.anon_id}"}


def test_member_columns_are_found_by_shape() -> None:
    assert is_member_column("member_id") and is_member_column("target_member_id")
    assert is_member_column("claimed_by") and is_member_column("actor_id")
    assert not is_member_column("message_id") and not is_member_column("community_id")
    names = {t.name for t in personal_tables()}
    assert {"members", "activity", "ledger", "member_stats", "audit_log"} <= names
    activity = Base.metadata.tables["activity"]
    assert {c.name for c in member_columns(activity)} == {"member_id", "target_member_id"}
    assert {c.name for c in free_text_columns(activity)} == {"text"}
    assert "event_key" not in {c.name for c in free_text_columns(activity)}


def test_scrub_replaces_whole_ids_only() -> None:
    pattern = id_pattern("dc:12")
    assert scrub("r:1:dc:12:👍", pattern, "anon:x", None) == "r:1:anon:x:👍"
    assert scrub("dc:123 and dc:12", pattern, "anon:x", None) == "dc:123 and anon:x"
    assert scrub({"ids": ["dc:12", "dc:120"], "dc:12": 1}, pattern, "anon:x", "Al") == {
        "ids": ["anon:x", "dc:120"], "anon:x": 1}
    assert scrub("thanks Alice", pattern, "anon:x", "Alice") == "thanks [erased]"


async def test_retention_sweep_drops_old_text_and_keeps_scores(make_app: Any,
                                                               sqlite_url: str) -> None:
    from bot.ops.wiring import ensure_retention_sweeps
    from bot.scheduler.repository import list_pending

    c = "console:keep"
    app = await make_app(sqlite_url, communities=[{**community("console", "keep"),
                                                   "privacy": {"message_text_days": 30}},
                                                  community("console", "forever")])
    await app.pipeline.process_many(traffic(c, "console:a", "console:b"))
    recent = MessagePosted(c, "console:a", T0 + timedelta(days=40), channel_id="general",
                           message_id="new", text="a recent message")
    await app.pipeline.process_many([recent])
    await app.pipeline.process_many(traffic("console:forever", "console:a", "console:b"))
    await app.pipeline.flush()
    before = await totals(app, c)
    await ensure_retention_sweeps(app, now=T0)
    await ensure_retention_sweeps(app, now=T0)  # idempotent: still one row
    async with app.sessions() as s:
        pending = await list_pending(s, kind="retention_sweep")
    assert [(p.community_id, p.recurrence) for p in pending] == [(c, "17 4 * * *")]

    actions = await app.pipeline.run_timer("retention_sweep", {}, community_id=c,
                                           now=T0 + timedelta(days=41), item={"id": 1})
    assert actions == []
    async with app.sessions() as s:
        kept = dict((await s.execute(select(Activity.event_key, Activity.text).where(
            Activity.community_id == c, Activity.kind == "message"))).all())
        other = (await s.execute(select(func.count()).select_from(Activity).where(
            Activity.community_id == "console:forever", Activity.text.is_not(None)))).scalar()
        lengths = (await s.execute(select(func.min(Activity.length)).where(
            Activity.community_id == c, Activity.kind == "message"))).scalar()
    assert kept.pop("m:new") == "a recent message"
    assert kept and all(text is None for text in kept.values())
    assert other > 0  # a community without retention keeps its text
    assert lengths > 0  # lengths (and points, counts) stay
    assert await totals(app, c) == before


def test_cli_member_delete_and_export(tmp_path: Path) -> None:
    import asyncio

    from .helpers import child_env, hearth, write_config

    db = tmp_path / "hearth.db"
    config = write_config(tmp_path / "hearth.toml", f"sqlite+aiosqlite:///{db}",
                          [{"platform": "discord", "id": "55", "name": "CLI"}])

    async def seed() -> None:
        from bot.bootstrap import build_app
        from bot.config import load_config

        app = await build_app(load_config(config))
        try:
            await app.pipeline.process_many(traffic("dc:55", "dc:9001", "dc:9002"))
        finally:
            await app.close()

    asyncio.run(seed())
    env = child_env()
    out = tmp_path / "me.json"
    exported = hearth("member", "export", "9001", "--community", "dc:55", "-c", str(config),
                      "--out", str(out), cwd=tmp_path, env=env)
    assert exported.returncode == 0, exported.stderr
    assert json.loads(out.read_text())["member_id"] == "dc:9001"
    refused = hearth("member", "delete", "9001", "--community", "dc:56", "-c", str(config),
                     "--yes", cwd=tmp_path, env=env)
    assert refused.returncode == 2 and "dc:56 is not in the config" in refused.stderr
    deleted = hearth("member", "delete", "9001", "--community", "dc:55", "-c", str(config),
                     "--yes", cwd=tmp_path, env=env)
    assert deleted.returncode == 0, deleted.stderr
    assert "erased dc:9001 in dc:55: now anon:" in deleted.stdout

    from .helpers import sqlite_rows

    for (name,) in sqlite_rows(db, "SELECT name FROM sqlite_master WHERE type='table'"):
        columns = [r[1] for r in sqlite_rows(db, f"PRAGMA table_info({name})")]
        for column in columns:
            hits = sqlite_rows(db, f'SELECT count(*) FROM "{name}" WHERE CAST("{column}" AS '
                                   f"TEXT) LIKE '%dc:9001%' OR CAST(\"{column}\" AS TEXT) "
                                   f"LIKE '%{SECRET_NAME}%'")
            assert hits == [(0,)], (name, column)


async def test_erasure_follow_up_merges_rows_of_a_member_who_spoke_again(
        make_app: Any, sqlite_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The follow-up pass re-erases under the same anonymous id; per-member aggregates the
    member re-created in between (they spoke again) must merge, not fail on the unique key."""
    from bot.ops.privacy import erase

    monkeypatch.chdir(tmp_path)
    c, victim, other = "console:priv", "console:zed8", "console:bob"
    app = await make_app(sqlite_url, communities=[community()])
    await app.pipeline.process_many(traffic(c, victim, other))
    await app.pipeline.flush()
    async with app.sessions() as s, s.begin():
        first = await erase(s, c, victim)
    app.services["privacy"].forget_cached(c, victim)
    await app.pipeline.process_many([MessagePosted(
        c, victim, T0 + timedelta(days=1), channel_id="general", message_id="late",
        text="one more thing about the proxy settings", member_name=SECRET_NAME)])
    await app.pipeline.flush()
    before = await totals(app, c)
    async with app.sessions() as s, s.begin():
        late = await erase(s, c, victim, anon_id=first.anon_id)
    assert late.rows > 0
    assert await find_everywhere(app, [victim, SECRET_NAME]) == []
    after = await totals(app, c)
    # one stats row fewer (merged), the same sums
    assert after["ledger"] == before["ledger"]
    assert after["stats"][0] == before["stats"][0] - 1
    assert after["stats"][1:] == before["stats"][1:]
    assert await ledger_matches_counters(app, c) == []
