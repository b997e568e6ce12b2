"""Lines 1 and 2 end to end: a spam message is held, /queue shows it, /review decides it,
the member gets strikes and the ladder times them out at the third.

Everything runs through the real pipeline on SQLite (and PostgreSQL where marked), with the
event times as the clock.
"""

from __future__ import annotations

import re
from typing import Any

from bot.storage.models import MemberStats
from tests.bot.safety.safety_helpers import (
    HAM,
    MEMBER,
    SPAM,
    Clock,
    DeleteMessage,
    DirectMessage,
    Timeout,
    audits,
    cases,
    command,
    message,
    of,
    posts,
    press,
    replies,
    rows,
    run,
    safety_app,
    strikes,
)


async def test_ordinary_message_passes_and_counts(make_app: Any, sqlite_url: str) -> None:
    app = await safety_app(make_app, sqlite_url)
    clock = Clock()
    actions = await run(app, message(clock, HAM, "console:alice"))
    assert of(actions, DeleteMessage) == [] and of(actions, DirectMessage) == []
    assert posts(actions, "console:mod") == []
    assert await cases(app) == []
    stats = await rows(app, MemberStats, MemberStats.member_id == "console:alice")
    assert stats[0].messages == 1


async def test_spam_is_held_queued_decided_and_laddered(make_app: Any, db_url: str) -> None:
    app = await safety_app(make_app, db_url)
    clock = Clock()
    spammer = "console:spammer"

    held = await run(app, message(clock, SPAM[0], spammer))
    [item] = await cases(app)
    assert item.status == "open" and item.kind == "review"
    assert item.text == SPAM[0] and item.message_deleted
    assert any(rule["rule"] == "spam" and rule["score"] >= 0.5 for rule in item.rules)
    assert item.history["strikes"] == 0
    # held messages are deleted pending review, the member is told, the mod channel gets
    # the evidence with decision buttons bound to the item
    assert of(held, DeleteMessage)[0].message_id == item.message_id
    assert f"case #{item.id}" in of(held, DirectMessage)[0].text
    [post] = posts(held, "console:mod")
    assert f"#{item.id}" in post.text and "spam" in post.text
    assert {b.custom_id for b in post.buttons} >= {f"rv:{item.id}:spam", f"rv:{item.id}:claim"}
    # a held message earns nothing
    stats = await rows(app, MemberStats, MemberStats.member_id == spammer)
    assert not stats or stats[0].messages == 0
    assert [a.action for a in await audits(app, "auto.hold")] == ["auto.hold"]
    assert (await audits(app, "auto.hold"))[0].evidence_hash

    [listing] = replies(await run(app, command(clock, "queue")))
    assert f"#{item.id}" in listing and "spammer" in listing
    assert re.search(r"rules: spam [01]\.\d\d", listing)

    decided = await run(app, command(clock, "review", f"{item.id} spam obvious ad"))
    assert "Strike 1 of 7" in " ".join(replies(decided))
    [item] = await cases(app)
    assert (item.status, item.decision, item.decided_by) == ("decided", "spam", "console:mod")
    assert [s.case_id for s in await strikes(app, spammer)] == [item.id]
    assert "queue is empty" in replies(await run(app, command(clock, "queue")))[0]
    assert len(await audits(app, "review.spam")) == 1

    # two more spam messages, two more decisions: the third strike is the ladder's timeout
    for text in SPAM[1:3]:
        await run(app, message(clock, text, spammer))
        newest = (await cases(app))[-1]
        actions = await run(app, command(clock, "review", f"{newest.id} spam"))
    [timeout] = of(actions, Timeout)
    assert (timeout.member_id, timeout.seconds) == (spammer, 3600)
    assert "timed out for 1h" in of(actions, DirectMessage)[0].text
    assert len(await strikes(app, spammer)) == 3


async def test_second_decision_loses_and_decided_items_cannot_be_reclaimed(
        make_app: Any, sqlite_url: str) -> None:
    app = await safety_app(make_app, sqlite_url)
    clock = Clock()
    await run(app, message(clock, SPAM[1]))
    [item] = await cases(app)
    assert "claimed" in replies(await run(app, command(clock, "claim", str(item.id))))[0]
    taken = replies(await run(app, command(clock, "claim", f"#{item.id}", "console:mod2")))
    assert "already claimed by console:mod" in taken[0]
    await run(app, command(clock, "review", f"{item.id} remove", "console:mod2"))
    again = replies(await run(app, command(clock, "review", f"{item.id} ban")))
    assert "already decided (remove by console:mod2)" in again[0]
    assert await strikes(app, "console:spammer") == []


async def test_button_press_decides_the_bound_item(make_app: Any, sqlite_url: str) -> None:
    app = await safety_app(make_app, sqlite_url)
    clock = Clock()
    held = await run(app, message(clock, SPAM[2], "console:bot1"))
    [item] = await cases(app)
    [post] = posts(held, "console:mod")
    ban = next(b for b in post.buttons if b.custom_id.endswith(":ban"))
    actions = await run(app, press(clock, ban.custom_id))
    [item] = await cases(app)
    assert item.decision == "ban"
    assert [a.member_id for a in actions if type(a).__name__ == "Ban"] == ["console:bot1"]
    # members cannot press moderation buttons
    await run(app, message(clock, SPAM[3], "console:bot2"))
    second = (await cases(app))[-1]
    refused = await run(app, press(clock, f"rv:{second.id}:approve", "console:bot2",
                                   roles=MEMBER))
    assert "moderators only" in replies(refused)[0]
    assert (await cases(app))[-1].status == "open"


async def test_review_arguments_are_checked(make_app: Any, sqlite_url: str) -> None:
    app = await safety_app(make_app, sqlite_url)
    clock = Clock()
    out = replies(await run(app, command(clock, "review", "")))
    assert "Usage: /review ID ACTION" in out[0]
    out = replies(await run(app, command(clock, "review", "abc spam")))
    assert "not a case or strike number" in out[0]
    out = replies(await run(app, command(clock, "review", "5 explode")))
    assert "Unknown action explode" in out[0]
    out = replies(await run(app, command(clock, "review", "99 spam")))
    assert "no case #99" in out[0]


async def test_timeout_decision_takes_a_duration(make_app: Any, sqlite_url: str) -> None:
    app = await safety_app(make_app, sqlite_url)
    clock = Clock()
    await run(app, message(clock, SPAM[0]))
    [item] = await cases(app)
    actions = await run(app, command(clock, "review", f"{item.id} timeout 2h flooding ads"))
    [timeout] = of(actions, Timeout)
    assert timeout.seconds == 7200 and timeout.reason == "flooding ads"
    [strike] = await strikes(app, "console:spammer")
    assert strike.reason == "flooding ads"


async def test_approving_a_deleted_held_message_reposts_it(make_app: Any,
                                                           sqlite_url: str) -> None:
    app = await safety_app(make_app, sqlite_url)
    clock = Clock()
    text = "Guaranteed returns of 20% weekly with my investment plan"
    await run(app, message(clock, text, "console:carol"))
    [item] = await cases(app)
    actions = await run(app, command(clock, "review", f"{item.id} notspam"))
    [repost] = posts(actions, "general")
    assert text in repost.text and "carol" in repost.text
    assert await strikes(app, "console:carol") == []
