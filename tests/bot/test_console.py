"""The console adapter: a terminal chat through the real pipeline.

Why: it is how people try Hearth without a platform, and how features are demonstrated; it
must store what is said, answer commands, and switch who is speaking.
"""

from __future__ import annotations

import io
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from bot.config import default_config
from bot.console import ConsoleSession, render, run_console
from bot.storage.models import Activity, Member
from domain.actions import (
    AddRole,
    Ban,
    Button,
    DeleteMessage,
    DirectMessage,
    PostToChannel,
    Reply,
    SetSlowMode,
    Timeout,
)

COMMUNITIES = [{"platform": "console", "id": "demo", "language": "en"},
               {"platform": "console", "id": "zh", "language": "zh"}]


async def messages(app: Any) -> list[tuple[str, str | None]]:
    async with app.engine.connect() as conn:
        rows = await conn.execute(select(Activity.member_id, Activity.text)
                                  .where(Activity.kind == "message").order_by(Activity.id))
        return [(r[0], r[1]) for r in rows]


@pytest.fixture
async def session(make_app: Any, sqlite_url: str) -> ConsoleSession:
    app = await make_app(sqlite_url, communities=COMMUNITIES)
    return ConsoleSession(app, "demo", "alice", "member", None)


async def test_a_plain_line_is_stored_as_a_message(session: ConsoleSession) -> None:
    first = await session.handle("hello everyone")
    # The first message may earn a badge announcement; it must never be an error.
    assert all("went wrong" not in line for line in first)
    assert await session.handle("   ") == []
    assert all("went wrong" not in line for line in await session.handle("second line"))
    assert await messages(session.app) == [("console:alice", "hello everyone"),
                                           ("console:alice", "second line")]
    async with session.app.engine.connect() as conn:
        names = (await conn.execute(select(Member.display_name))).scalars().all()
    assert names == ["alice"]


async def test_help_answers(session: ConsoleSession) -> None:
    out = await session.handle("/help")
    assert len(out) == 1 and out[0].startswith("hearth (only you can see this): Commands:")
    assert "/help" in out[0]


async def test_unknown_command_is_answered(session: ConsoleSession) -> None:
    out = await session.handle("/frobnicate now")
    assert out == ["hearth (only you can see this): I don't know the command /frobnicate. "
                   "Try /help."]
    assert await messages(session.app) == [], "a command is not a message"


async def test_as_switches_member(session: ConsoleSession) -> None:
    await session.handle("hi from alice")
    assert await session.handle(":as bob") == ["(you are now bob)"]
    await session.handle("hi from bob")
    assert await messages(session.app) == [("console:alice", "hi from alice"),
                                           ("console:bob", "hi from bob")]


async def test_role_and_clock_and_unknown_meta(session: ConsoleSession) -> None:
    assert await session.handle(":role moderator") == ["(your role is now moderator)"]
    assert session.role == "moderator"
    assert await session.handle(":role king") == [
        "(console commands: :as NAME, :role ROLE, :advance 2h, :quit)"]
    before = session.now()
    out = await session.handle(":advance 2h")
    assert out[0].startswith("(clock is now ")
    assert session.now() - before >= timedelta(hours=2)
    assert await session.handle(":advance soon") == ["(usage: :advance 30m | 2h | 1d)"]


async def test_advance_runs_due_timers(make_app: Any, sqlite_url: str) -> None:
    seen: list[Any] = []

    async def sweep(now: Any) -> list[Any]:
        seen.append(now)
        return [Reply("console:demo", "general", "reminder: water the plants")]

    app = await make_app(sqlite_url, communities=COMMUNITIES)
    app.services["sweep"] = sweep  # stand-in for the scheduler's sweep
    session = ConsoleSession(app, "demo", "alice", "member", None)
    out = await session.handle(":advance 1d")
    assert out[1:] == ["hearth: reminder: water the plants"]
    assert len(seen) == 1


async def test_replies_follow_the_language(make_app: Any, sqlite_url: str) -> None:
    app = await make_app(sqlite_url, communities=COMMUNITIES)
    chinese = ConsoleSession(app, "zh", "li", "member", None)
    assert "可用命令" in (await chinese.handle("/help"))[0]
    english_member = ConsoleSession(app, "zh", "li", "member", "en")
    assert "Commands:" in (await english_member.handle("/help"))[0]


def test_render_every_action() -> None:
    c = "console:demo"
    assert render(Reply(c, "g", "hi", buttons=(Button("OK", "ok"),))) == "hearth: hi [OK]"
    assert render(PostToChannel(c, "mods", "review", buttons=(Button("Keep", "k:1"),))) == \
        "hearth → #mods: review [Keep:k:1]"
    assert render(DirectMessage(c, "console:bob", "psst")) == "hearth → DM console:bob: psst"
    assert render(DeleteMessage(c, "g", "42", "spam")) == "[deleted message 42: spam]"
    assert render(Timeout(c, "console:bob", 600, "flood")) == \
        "[timeout console:bob for 600s: flood]"
    assert render(Ban(c, "console:bob", "raid")) == "[ban console:bob: raid]"
    assert render(AddRole(c, "console:bob", "regular")) == "[role +regular for console:bob]"
    assert render(SetSlowMode(c, "g", 30)) == "[slow mode 30s in #g]"


async def test_run_console_with_streams(tmp_path: Path) -> None:
    config = default_config(f"sqlite+aiosqlite:///{tmp_path / 'c.db'}",
                            communities=COMMUNITIES)
    stdin = io.StringIO("hello\n/help\n:as bob\n/nope\n:quit\nnot processed\n")
    stdout = io.StringIO()
    await run_console(config, community="demo", member="alice", role="member", lang=None,
                      stdin=stdin, stdout=stdout)
    out = stdout.getvalue().splitlines()
    assert out[0].startswith("Hearth console — community console:demo, you are alice")
    assert any("Commands:" in line for line in out)
    assert "(you are now bob)" in out
    assert any("/nope" in line for line in out)
    import sqlite3

    with sqlite3.connect(tmp_path / "c.db") as conn:
        rows = conn.execute("SELECT member_id, text FROM activity WHERE kind = 'message'"
                            ).fetchall()
    assert rows == [("console:alice", "hello")], "nothing after :quit is processed"


async def test_run_console_for_an_unknown_community(tmp_path: Path,
                                                    capsys: pytest.CaptureFixture) -> None:
    config = default_config(f"sqlite+aiosqlite:///{tmp_path / 'c.db'}",
                            communities=COMMUNITIES)
    with pytest.raises(SystemExit) as info:
        await run_console(config, community="elsewhere", member="a", role="member",
                          lang=None, stdin=io.StringIO(""), stdout=io.StringIO())
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert "console:elsewhere" in err and "[[communities]]" in err
    assert not (tmp_path / "c.db").exists()
