"""Crisis playbooks through the pipeline: open, timed step reminders with re-pages, status
updates, steps done, close, the 5-Why postmortem and the crisis log."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from bot.storage.models_safety import Crisis, CrisisStep, CrisisUpdate, Postmortem
from tests.bot.safety.safety_helpers import (
    Clock,
    command,
    posts,
    replies,
    rows,
    run,
    safety_app,
    scheduled,
    sweep,
)


async def test_crisis_lifecycle(make_app: Any, db_url: str) -> None:
    app = await safety_app(make_app, db_url, review={"expert_mention": "@crisis-team"},
                           sla={"crisis_repage": "10m", "crisis_max_pages": 2})
    clock = Clock()
    opened = await run(app, command(clock, "crisis", "open Phishing wave in #general"))
    start = clock.now
    [crisis] = await rows(app, Crisis)
    assert (crisis.title, crisis.status, crisis.opened_by) == (
        "Phishing wave in #general", "open", "console:mod")
    [announcement] = posts(opened, "console:crisis")
    assert announcement.text.startswith("@crisis-team") and "acknowledge by" in announcement.text
    steps = {s.name: s.due_at - start for s in await rows(app, CrisisStep)}
    assert steps == {"acknowledge": timedelta(hours=1),
                     "assessment": timedelta(hours=1, minutes=30),
                     "statement": timedelta(hours=1, minutes=45),
                     "remediation": timedelta(hours=25, minutes=45)}
    assert len(await scheduled(app, "crisis_step")) == 4

    # acknowledged in time: no reminder for that step
    await run(app, command(clock, "crisis", "step done ack"))
    assert posts(await sweep(app, start + timedelta(minutes=61)), "console:crisis") == []
    # assessment is late: a reminder at the deadline, one re-page, then silence
    late = posts(await sweep(app, start + timedelta(minutes=91)), "console:crisis")
    assert len(late) == 1 and "assessment" in late[0].text and "reminder 1 of 2" in late[0].text
    again = posts(await sweep(app, start + timedelta(minutes=102)), "console:crisis")
    # the statement deadline (105 min) has not come yet; the assessment re-page has
    assert [p.text for p in again if "assessment" in p.text and "2 of 2" in p.text]
    assert all("2 of 2" not in p.text for p in posts(
        await sweep(app, start + timedelta(minutes=104)), "console:crisis"))

    clock.now = start + timedelta(minutes=103)
    status = await run(app, command(clock, "crisis", "status Links blocked; DMs warned"))
    assert "Links blocked; DMs warned" in posts(status, "console:crisis")[0].text
    await run(app, command(clock, "crisis", "step done assessment"))
    already = replies(await run(app, command(clock, "crisis", "step done assessment")))
    assert "already done" in already[0]
    bad = replies(await run(app, command(clock, "crisis", "step done lunch")))
    assert "Unknown step lunch" in bad[0]

    early = replies(await run(app, command(clock, "postmortem", "why: x | action: y @a")))
    assert "still open" in early[0]
    closed = await run(app, command(clock, "crisis", "close"))
    assert "/postmortem" in replies(closed)[0]
    # closed: remaining step timers stay quiet
    assert posts(await sweep(app, start + timedelta(hours=30)), "console:crisis") == []

    bad_pm = replies(await run(app, command(clock, "postmortem", "why: no owner | action: fix")))
    assert "needs an owner" in bad_pm[0]
    saved = await run(app, command(clock, "postmortem", (
        "why: members clicked a fake login link | why: the link filter allowed new domains "
        "| why: no allow-list for newcomers | action: enable newcomer link holds @alice "
        "| action: add phishing terms to the keyword list <@42>")))
    assert "3 whys, 2 actions" in replies(saved)[0]
    [report] = await rows(app, Postmortem)
    assert report.actions[1] == {"text": "add phishing terms to the keyword list",
                                 "owner": "<@42>"}
    twice = replies(await run(app, command(clock, "postmortem", "why: a | action: b @c")))
    assert "already has a postmortem" in twice[0]

    log = replies(await run(app, command(clock, "crisis", f"log #{crisis.id}")))[0]
    for expected in ("Phishing wave", "acknowledge done by console:mod",
                     "assessment done late", "Links blocked", "closed by console:mod",
                     "why 3: no allow-list for newcomers", "owner @alice"):
        assert expected in log, expected
    assert len(await rows(app, CrisisUpdate)) == 1


async def test_crisis_commands_without_an_open_crisis(make_app: Any, sqlite_url: str) -> None:
    app = await safety_app(make_app, sqlite_url)
    clock = Clock()
    for args in ("status hello", "step done ack", "close"):
        assert "no open crisis" in replies(await run(app, command(clock, "crisis", args)))[0]
    assert "Usage: /crisis" in replies(await run(app, command(clock, "crisis", "dance")))[0]
    assert "Usage: /crisis" in replies(await run(app, command(clock, "crisis", "open   ")))[0]
    assert "No such crisis" in replies(await run(app, command(clock, "crisis", "log")))[0]
