"""Strikes, expiry, pardons, audit, appeals, and the permission matrix (incl. across
communities), through the real pipeline with a controllable clock."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from tests.bot.safety.safety_helpers import (
    EXPERT,
    MEMBER,
    MOD,
    OTHER,
    SPAM,
    Appeal,
    Clock,
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
    sweep,
)


async def _known(app: Any, clock: Clock, *members: str, community: str = "console:demo") -> None:
    """Members exist once they have said something (commands resolve them by name)."""
    for member in members:
        await run(app, message(clock, "hello everyone, nice to be here", member,
                               community=community))


async def test_warn_ladder_expiry_and_pardon(make_app: Any, db_url: str) -> None:
    app = await safety_app(make_app, db_url,
                           strikes={"expire_after": "2h", "notify_expiry": True})
    clock = Clock()
    await _known(app, clock, "console:bob")
    start = clock.now
    first = await run(app, command(clock, "warn", "bob spamming links"))
    assert "Warned bob: strike 1 of 7" in replies(first)[0]
    assert "strike 1 of 7" in of(first, DirectMessage)[0].text
    await run(app, command(clock, "warn", "@bob again"))
    third = await run(app, command(clock, "warn", "console:bob third time"))
    [timeout] = of(third, Timeout)
    assert timeout.seconds == 3600
    rows_ = await strikes(app, "console:bob")
    assert [s.expires_at - s.issued_at for s in rows_] == [timedelta(hours=2)] * 3

    listing = replies(await run(app, command(clock, "strikes", "bob")))[0]
    assert "3 active of 7" in listing and "spamming links" in listing

    pardoned = await run(app, command(clock, "pardon", f"{rows_[0].id} mistake"))
    assert "2 still active" in replies(pardoned)[0]
    assert "pardoned one of your strikes" in of(pardoned, DirectMessage)[0].text
    again = replies(await run(app, command(clock, "pardon", str(rows_[0].id))))
    assert "already pardoned" in again[0]

    # two hours later the other strikes lapse; the member is told; a new warning is 1 again
    expired = await sweep(app, start + timedelta(hours=2, minutes=5))
    notices = [a.text for a in of(expired, DirectMessage)]
    assert any("strikes has expired. Active strikes: 0 of 7" in n for n in notices)
    clock.now = start + timedelta(hours=3)
    listing = replies(await run(app, command(clock, "strikes", "bob")))[0]
    assert "0 active of 7" in listing and "expired" in listing and "pardoned" in listing
    fresh = await run(app, command(clock, "warn", "bob new start"))
    assert "strike 1 of 7" in replies(fresh)[0]
    assert len(await audits(app, "strike.expired")) == 2  # the pardoned one is not "expired"


async def test_audit_command_lists_recent_entries(make_app: Any, sqlite_url: str) -> None:
    app = await safety_app(make_app, sqlite_url)
    clock = Clock()
    await _known(app, clock, "console:bob")
    await run(app, command(clock, "warn", "bob rude"))
    text = replies(await run(app, command(clock, "audit", "5")))[0]
    assert "review.warn" in text and "strike.issued" in text and "console:bob" in text
    assert "1 to 50" in replies(await run(app, command(clock, "audit", "500")))[0]


async def test_appeal_once_per_case_and_outcome_by_dm(make_app: Any, db_url: str) -> None:
    app = await safety_app(make_app, db_url)
    clock = Clock()
    spammer = "console:maybe"
    await run(app, message(clock, SPAM[1], spammer))
    [case] = await cases(app)
    appeal_too_early = replies(await run(app, command(clock, "appeal", f"{case.id} not spam",
                                                      spammer, roles=MEMBER)))
    assert "still being reviewed" in appeal_too_early[0]
    await run(app, command(clock, "review", f"{case.id} warn"))
    assert len(await strikes(app, spammer)) == 1

    other = replies(await run(app, command(clock, "appeal", f"{case.id} mine!",
                                           "console:intruder", roles=MEMBER)))
    assert "not one of your cases" in other[0]
    appealed = await run(app, command(clock, "appeal", f"#{case.id} it was my shop's real offer",
                                      spammer, roles=MEMBER))
    assert "appeal of case" in replies(appealed)[0]
    [post] = posts(appealed, "console:mod")
    assert "appeal of case" in post.text and "my shop's real offer" in post.text
    twice = replies(await run(app, command(clock, "appeal", f"{case.id} please",
                                           spammer, roles=MEMBER)))
    assert "already appealed" in twice[0]
    assert len(await rows(app, Appeal)) == 1

    appeal_item = (await cases(app))[-1]
    assert appeal_item.kind == "appeal" and appeal_item.case_id == case.id
    queue = replies(await run(app, command(clock, "queue")))[0]
    assert f"appeal of case #{case.id}" in queue
    bad = replies(await run(app, command(clock, "review", f"{appeal_item.id} ban")))
    assert "Appeals are decided with" in bad[0]
    granted = await run(app, command(clock, "review", f"{appeal_item.id} approve fair enough"))
    [dm] = [a for a in of(granted, DirectMessage) if a.member_id == spammer]
    assert "was granted" in dm.text and "fair enough" in dm.text
    [strike] = await strikes(app, spammer)
    assert strike.pardoned
    [appeal] = await rows(app, Appeal)
    assert (appeal.status, appeal.outcome) == ("decided", "granted")


async def test_denied_appeal_keeps_the_strike(make_app: Any, sqlite_url: str) -> None:
    app = await safety_app(make_app, sqlite_url)
    clock = Clock()
    await _known(app, clock, "console:bob")
    await run(app, command(clock, "warn", "bob insults"))
    [case] = await cases(app)
    await run(app, command(clock, "appeal", f"{case.id} i was joking", "console:bob",
                           roles=MEMBER))
    appeal_item = (await cases(app))[-1]
    denied = await run(app, press(clock, f"rv:{appeal_item.id}:remove"))
    [dm] = of(denied, DirectMessage)
    assert dm.member_id == "console:bob" and "was denied" in dm.text
    assert not (await strikes(app, "console:bob"))[0].pardoned


@pytest.mark.parametrize(("name", "args"), [
    ("queue", ""), ("claim", "1"), ("review", "1 approve"), ("warn", "bob x"),
    ("pardon", "1"), ("audit", ""), ("crisis", "open Outage"), ("postmortem", "why: x"),
])
async def test_moderator_commands_are_refused_to_members(make_app: Any, sqlite_url: str,
                                                         name: str, args: str) -> None:
    app = await safety_app(make_app, sqlite_url)
    clock = Clock()
    await _known(app, clock, "console:bob")
    out = replies(await run(app, command(clock, name, args, "console:bob", roles=MEMBER)))
    assert out == [f"/{name} is for moderators only."]
    assert await audits(app, "review.warn") == []


async def test_members_see_only_their_own_strikes(make_app: Any, sqlite_url: str) -> None:
    app = await safety_app(make_app, sqlite_url)
    clock = Clock()
    await _known(app, clock, "console:bob", "console:carol")
    await run(app, command(clock, "warn", "bob rude"))
    own = replies(await run(app, command(clock, "strikes", "", "console:bob", roles=MEMBER)))
    assert "1 active of 7" in own[0]
    other = replies(await run(app, command(clock, "strikes", "bob", "console:carol",
                                           roles=MEMBER)))
    assert "for moderators only" in other[0]


async def test_expert_may_act_on_escalations_but_not_run_moderator_commands(
        make_app: Any, sqlite_url: str) -> None:
    app = await safety_app(make_app, sqlite_url)
    clock = Clock()
    await run(app, message(clock, SPAM[0]))
    [item] = await cases(app)
    refused = replies(await run(app, command(clock, "queue", "", "console:exp", roles=EXPERT)))
    assert "moderators only" in refused[0]
    decided = await run(app, press(clock, f"rv:{item.id}:spam", "console:exp", roles=EXPERT))
    assert "decided" in replies(decided)[0]


async def test_a_moderator_cannot_act_on_another_communitys_items(make_app: Any,
                                                                 db_url: str) -> None:
    app = await safety_app(make_app, db_url)
    clock = Clock()
    await run(app, message(clock, SPAM[0], "console:a"))  # a case in console:demo
    [item] = await cases(app)
    for event in (command(clock, "review", f"{item.id} ban", community=OTHER),
                  command(clock, "claim", str(item.id), community=OTHER),
                  press(clock, f"rv:{item.id}:ban", community=OTHER)):
        out = replies(await run(app, event))
        assert out == [f"There is no case #{item.id} in this community."]
    assert (await cases(app))[0].status == "open"
    assert await cases(app, OTHER) == []
    # nor see them in its queue, nor appeal them, nor pardon its strikes
    assert "empty" in replies(await run(app, command(clock, "queue", community=OTHER)))[0]
    await run(app, command(clock, "review", f"{item.id} warn"))
    [strike] = await strikes(app, "console:a")
    out = replies(await run(app, command(clock, "pardon", str(strike.id), community=OTHER)))
    assert "no strike" in out[0]
    out = replies(await run(app, command(clock, "appeal", f"{item.id} pls", "console:a",
                                         roles=MEMBER, community=OTHER)))
    assert "not one of your cases" in out[0]


async def test_admin_counts_as_moderator(make_app: Any, sqlite_url: str) -> None:
    app = await safety_app(make_app, sqlite_url)
    clock = Clock()
    out = replies(await run(app, command(clock, "queue", "", "console:boss",
                                         roles=frozenset({"member", "admin"}))))
    assert "empty" in out[0]
    assert MOD  # (imported for symmetry with the other matrices)
