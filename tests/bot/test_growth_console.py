"""Growth in ``hearth console`` and in the ``hearth demo`` summary.

Why: the console is where people first try Hearth — chatting must earn points and /rank,
/leaderboard, /shop and /buy must work there exactly as on a platform; the demo summary
shows what growth did to a simulated community.
"""

from __future__ import annotations

import io
from datetime import timedelta
from typing import Any

from rich.console import Console

from bot.console import ConsoleSession
from bot.growth.summary import TITLE, growth_summary, show_growth_summary
from tests.handlers.test_growth_support import T0, community, fresh_text


async def test_console_chat_earns_points_and_the_commands_answer(make_app: Any,
                                                                 sqlite_url: str) -> None:
    app = await make_app(sqlite_url, communities=[community()])
    session = ConsoleSession(app, "demo", "alice", "member", None)
    assert await session.handle(fresh_text()) == [
        "hearth: 🏅 alice earned the badge “First words”!"]
    await session.handle(":advance 2m")
    await session.handle(fresh_text())
    rank = await session.handle("/rank")
    assert rank[0].startswith("hearth: alice: level 0 (20/100 XP to level 1), rank #1 of 1")
    board = await session.handle("/leaderboard week")
    assert board == ["hearth: Leaderboard — this week\n#1 alice — 20 points"]
    shop = await session.handle("/shop")
    assert shop[0].startswith("hearth (only you can see this): Points shop — you have 20 "
                              "points to spend:")
    refused = await session.handle("/buy pinned_intro")
    assert refused == ["hearth (only you can see this): Pinned introduction costs 300 points "
                       "but you have 20. Keep contributing!"]
    await session.handle(":role moderator")
    await session.handle("/points grant alice 300 console test")
    bought = await session.handle("/buy pinned_intro")
    assert bought[0] == ("hearth (only you can see this): You bought Pinned introduction for "
                         "300 points. Balance: 20 points.")
    await session.handle(":as bob")
    await session.handle(":advance 1m")
    await session.handle(fresh_text())
    board = await session.handle("/leaderboard")
    assert board == ["hearth: Leaderboard — all time\n#1 alice — 320 points\n"
                     "#2 bob — 10 points"]


async def test_the_demo_summary_shows_stages_badges_top_and_teams(make_app: Any,
                                                                  sqlite_url: str) -> None:
    from bot import demo
    from tests.handlers.test_growth_support import cmd, say

    app = await make_app(sqlite_url, communities=[community(
        stages={"active": {"min_points": 20}})])
    assert any(title == TITLE for title, _ in demo.SUMMARY_SECTIONS)
    await cmd(app, "console:ann", "team", "create Owls", at=T0)
    for minute, who in enumerate(("console:ann", "console:bob", "console:ann")):
        await say(app, who, T0 + timedelta(minutes=2 * minute), channel=f"c{minute}")
    summary = await growth_summary(app, "console:demo")
    assert summary.stages == {"active": 1, "newcomer": 1}
    assert summary.badges == {"first_message": 2}
    assert [(name, points) for _, name, points in summary.top] == [("ann", 20), ("bob", 10)]
    assert summary.teams == [(1, "Owls", 20, 1)]
    out = io.StringIO()
    await show_growth_summary(app, Console(file=out, width=120))
    printed = out.getvalue()
    for expected in ("Growth — console:demo", "Active member 1", "first_message 2",
                     "ann — 20 points", "Owls — 20 points (1 members)"):
        assert expected in printed, printed
