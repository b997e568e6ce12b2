"""The issue's console scenario: in ``hearth console`` a spam message is held, ``/queue``
shows it, ``/review`` decides it, the member gets a strike, and an unclaimed item escalates
when the clock passes its SLA (``:advance``)."""

from __future__ import annotations

from typing import Any

from bot.console import ConsoleSession
from tests.bot.safety.safety_helpers import SPAM, safety_app


async def test_console_scenario(make_app: Any, sqlite_url: str) -> None:
    app = await safety_app(make_app, sqlite_url)
    session = ConsoleSession(app, "demo", "spammer", "member", "en")

    held = await session.handle(SPAM[0])
    assert any(line.startswith("[deleted message") for line in held)
    assert any("held for review" in line and "case #1" in line for line in held)
    assert any(line.startswith("hearth → #console:mod") and "[Spam:rv:1:spam]" in line
               for line in held)

    await session.handle(":as mod")
    await session.handle(":role moderator")
    queue = "\n".join(await session.handle("/queue"))
    assert "#1" in queue and "spammer" in queue and "rules: spam" in queue

    await session.handle(":as spammer")
    await session.handle(":role member")
    await session.handle(SPAM[1])  # case 2 stays unclaimed

    await session.handle(":as mod")
    await session.handle(":role moderator")
    decided = await session.handle("/review 1 spam")
    assert any("hearth → DM console:spammer" in line and "strike 1 of 7" in line
               for line in decided)
    assert any("Case #1 decided: spam" in line for line in decided)
    strikes = "\n".join(await session.handle("/strikes spammer"))
    assert "1 active of 7" in strikes

    escalated = await session.handle(":advance 2h")
    assert any(line.startswith("hearth → #console:experts") and "case #2" in line
               for line in escalated)
    assert not any("case #1" in line for line in escalated)
