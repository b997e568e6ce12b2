"""Ledger arithmetic under random mixes of events and commands (hypothesis).

Why: points are moved by many paths — messages, replies, reactions and their removal,
deletes, edits, voice, grants, revokes, purchases. Whatever the order, a member's balance
must never go negative, ``member_stats`` must equal the ledger sums (lifetime = everything
earned minus everything reversed), the cached state must agree with the database, and
replaying the same events must change nothing.
"""

from __future__ import annotations

import asyncio
import shutil
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from bot.bootstrap import build_app
from bot.config import default_config
from bot.storage.models import LedgerEntry, MemberStats
from domain.events import (
    CommandInvoked,
    Event,
    MessageDeleted,
    MessageEdited,
    MessagePosted,
    ReactionAdded,
    ReactionRemoved,
    VoiceSessionEnded,
)
from tests.handlers.test_growth_support import COMMUNITY, MOD, T0, community, fresh_text

PEOPLE = ["console:ann", "console:bob", "console:cat"]
ENTRY = community(shop={"items": [
    {"id": "a", "price": 30}, {"id": "b", "price": 80, "stock": 2},
    {"id": "c", "price": 15, "per_member_limit": 1}]},
    anti_farming={"daily_cap": 120})

who = st.integers(0, len(PEOPLE) - 1)
say = st.tuples(st.just("say"), who, st.sampled_from(["fresh", "fresh", "repeat", "short"]),
                st.booleans())
operations = st.lists(st.one_of(
    say, say, say,  # messages are most of what happens
    st.tuples(st.just("react"), who, st.integers(0, 30), st.sampled_from(["👍", "🎉"])),
    st.tuples(st.just("unreact"), who, st.integers(0, 30), st.sampled_from(["👍", "🎉"])),
    st.tuples(st.just("delete"), st.integers(0, 30)),
    st.tuples(st.just("edit"), st.integers(0, 30), st.booleans()),
    st.tuples(st.just("voice"), who, st.floats(0, 200)),
    st.tuples(st.just("grant"), who, st.integers(-5, 400)),
    st.tuples(st.just("revoke"), who, st.integers(1, 400)),
    st.tuples(st.just("buy"), who, st.sampled_from(["a", "b", "c", "zzz"])),
    st.tuples(st.just("buy"), who, st.sampled_from(["a", "c"])),
), min_size=1, max_size=30)


def build_events(ops: list[tuple[Any, ...]]) -> list[Event]:
    """Turn drawn operations into concrete, time-ordered events."""
    events: list[Event] = []
    posts: list[MessagePosted] = []
    at = T0
    for number, op in enumerate(ops):
        at += timedelta(seconds=45)
        kind = op[0]
        if kind == "say":
            author = PEOPLE[op[1]]
            text = {"fresh": fresh_text(number),
                    "repeat": posts[-1].text if posts else "same old same old text",
                    "short": "ok"}[op[2]]
            target = posts[-1] if op[3] and posts else None
            post = MessagePosted(COMMUNITY, author, at, channel_id="general",
                                 message_id=f"p{number}", text=text, member_name=author[8:],
                                 reply_to_message_id=target.message_id if target else None,
                                 reply_to_member_id=target.member_id if target else None)
            posts.append(post)
            events.append(post)
        elif kind in ("react", "unreact") and posts:
            post = posts[op[2] % len(posts)]
            cls = ReactionAdded if kind == "react" else ReactionRemoved
            events.append(cls(COMMUNITY, PEOPLE[op[1]], at, channel_id="general",
                              message_id=post.message_id, emoji=op[3],
                              target_member_id=post.member_id))
        elif kind == "delete" and posts:
            post = posts[op[1] % len(posts)]
            events.append(MessageDeleted(COMMUNITY, post.member_id, at, channel_id="general",
                                         message_id=post.message_id))
        elif kind == "edit" and posts:
            post = posts[op[1] % len(posts)]
            events.append(MessageEdited(COMMUNITY, post.member_id, at, channel_id="general",
                                        message_id=post.message_id,
                                        text="k" if op[2] else fresh_text(1000 + number)))
        elif kind == "voice":
            events.append(VoiceSessionEnded(COMMUNITY, PEOPLE[op[1]], at, channel_id="v",
                                            minutes=op[2], session_id=f"v{number}"))
        elif kind in ("grant", "revoke"):
            target = PEOPLE[op[1]][8:]
            events.append(CommandInvoked(COMMUNITY, "console:mod", at, name="points",
                                         args=f"{kind} {target} {op[2]} property test",
                                         roles=MOD, member_name="mod"))
        elif kind == "buy":
            events.append(CommandInvoked(COMMUNITY, PEOPLE[op[1]], at, name="buy",
                                         args=op[2], member_name=PEOPLE[op[1]][8:]))
    return events


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated empty database, copied for every example (migrating costs more)."""
    path = tmp_path_factory.mktemp("growth-props") / "template.db"

    async def migrate() -> None:
        app = await build_app(default_config(f"sqlite+aiosqlite:///{path}",
                                             communities=[ENTRY]))
        await app.close()

    asyncio.run(migrate())
    return path


async def _check(app: Any, events: list[Event]) -> None:
    async with app.sessions() as session:
        ledger = (await session.execute(select(LedgerEntry.member_id, LedgerEntry.delta,
                                                LedgerEntry.lifetime_delta,
                                                LedgerEntry.category))).all()
        totals = {m: (b, lt) for m, b, lt in (await session.execute(
            select(MemberStats.member_id, MemberStats.balance, MemberStats.lifetime))).all()}
    sums: dict[str, list[int]] = {}
    categories: dict[tuple[str, str], int] = {}
    for member_id, delta, lifetime, category in ledger:
        entry = sums.setdefault(member_id, [0, 0])
        entry[0] += delta
        entry[1] += lifetime
        categories[(member_id, category)] = categories.get((member_id, category), 0) + lifetime
    for member_id, (balance, lifetime) in totals.items():
        assert balance >= 0 and lifetime >= 0, (member_id, balance, lifetime)
        assert [balance, lifetime] == sums.get(member_id, [0, 0]), member_id
        cached = app.cache._items.get((COMMUNITY, member_id))
        if cached is not None and hasattr(cached, "lifetime_total"):
            assert (cached.balance, cached.lifetime_total) == (balance, lifetime), member_id
    assert all(points >= 0 for points in categories.values()), categories
    snapshot = (sorted(ledger), sorted(totals.items()))
    await app.pipeline.process_many(events)  # replaying the events changes nothing
    await app.pipeline.flush()
    async with app.sessions() as session:
        again = (await session.execute(select(LedgerEntry.member_id, LedgerEntry.delta,
                                               LedgerEntry.lifetime_delta,
                                               LedgerEntry.category))).all()
        totals_again = {m: (b, lt) for m, b, lt in (await session.execute(
            select(MemberStats.member_id, MemberStats.balance, MemberStats.lifetime))).all()}
    assert (sorted(again), sorted(totals_again.items())) == snapshot


@settings(max_examples=15, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(operations)
@example([("say", 0, "fresh", False), ("grant", 0, 70), ("buy", 0, "b"), ("delete", 0)])
@example([("say", 0, "fresh", False), ("say", 1, "fresh", True), ("react", 2, 0, "👍"),
          ("grant", 0, 50), ("buy", 0, "a"), ("buy", 0, "a"), ("delete", 0),
          ("unreact", 2, 0, "👍"), ("delete", 1), ("revoke", 0, 400)])
def test_random_mixes_keep_the_ledger_consistent(template: Path, tmp_path: Path,
                                                  ops: list[tuple[Any, ...]]) -> None:
    events = build_events(ops)
    db = tmp_path / f"run-{abs(hash(tuple(map(str, ops))))}.db"
    shutil.copy(template, db)

    async def scenario() -> None:
        app = await build_app(default_config(f"sqlite+aiosqlite:///{db}",
                                             communities=[ENTRY]), upgrade=False)
        try:
            for event in events:
                await app.pipeline.process(event)
            await app.pipeline.flush()
            # Commands are not replayable events (a second /buy is a second purchase).
            await _check(app, [e for e in events if not isinstance(e, CommandInvoked)])
        finally:
            await app.close()

    asyncio.run(scenario())
    db.unlink(missing_ok=True)
