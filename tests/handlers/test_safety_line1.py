"""Line 1 through the pipeline: rule actions, dry run, audit evidence, privacy, edits, and
hostile input that must never crash the stream."""

from __future__ import annotations

import asyncio
from typing import Any

from bot.storage.models import Activity, MemberStats
from tests.bot.safety.safety_helpers import (
    HAM,
    SPAM,
    Ban,
    Clock,
    DeleteMessage,
    DirectMessage,
    Timeout,
    audits,
    cases,
    message,
    of,
    posts,
    rows,
    run,
    safety_app,
    strikes,
)

WORDS = {"id": "scam-words", "terms": ["free nitro", "加微信"], "action": "delete+warn"}


async def test_delete_warn_rule_opens_a_decided_case_and_a_strike(make_app: Any,
                                                                  sqlite_url: str) -> None:
    app = await safety_app(make_app, sqlite_url, keywords=[WORDS])
    clock = Clock()
    actions = await run(app, message(clock, "get ＦＲＥＥ  ＮＩＴＲＯ here", "console:eve"))
    assert len(of(actions, DeleteMessage)) == 1
    [notice] = of(actions, DirectMessage)
    assert "strike 1 of 7" in notice.text and "/appeal" in notice.text
    [case] = await cases(app)
    assert (case.status, case.decision, case.decided_by) == ("decided", "delete+warn", "hearth")
    [strike] = await strikes(app, "console:eve")
    assert strike.case_id == case.id and strike.issued_by == "hearth"
    [entry] = await audits(app, "auto.delete+warn")
    assert entry.evidence_hash and len(entry.evidence_hash) == 64
    assert "NITRO" not in str(entry.details) and "nitro" in entry.details["rules"][0]["evidence"]
    assert posts(actions, "console:mod")  # moderators see automatic actions
    [activity] = await rows(app, Activity, Activity.member_id == "console:eve")
    assert activity.deleted  # recorded, but earns nothing


async def test_timeout_rule_is_sharpened_by_the_ladder(make_app: Any, sqlite_url: str) -> None:
    app = await safety_app(make_app, sqlite_url, keywords=[
        {**WORDS, "action": "timeout 10m"}], strikes={"ladder": {"1": "warn", "2": "ban"}})
    clock = Clock()
    first = await run(app, message(clock, "free nitro", "console:eve"))
    assert [t.seconds for t in of(first, Timeout)] == [600]
    second = await run(app, message(clock, "free nitro again", "console:eve"))
    assert [b.member_id for b in of(second, Ban)] == ["console:eve"]
    assert of(second, Timeout) == []
    assert len(await audits(app, "member.banned")) == 1


async def test_dry_run_audits_what_would_happen_and_does_nothing(make_app: Any,
                                                                 sqlite_url: str) -> None:
    app = await safety_app(make_app, sqlite_url, dry_run=True, keywords=[WORDS])
    clock = Clock()
    actions = await run(app, message(clock, SPAM[0], "console:spammer"),
                        message(clock, "加微信 领取", "console:spammer"))
    assert of(actions, DeleteMessage) == [] and of(actions, DirectMessage) == []
    assert await cases(app) == [] and await strikes(app, "console:spammer") == []
    entries = await audits(app, "auto.dry_run")
    assert len(entries) == 2
    assert entries[0].reason == "would hold" and entries[1].reason == "would delete+warn"
    assert all(e.evidence_hash for e in entries)
    notes = posts(actions, "console:mod")
    assert any("[dry run]" in n.text and "delete+warn" in n.text for n in notes)
    stats = await rows(app, MemberStats, MemberStats.member_id == "console:spammer")
    assert stats[0].messages == 2  # nothing was blocked


async def test_per_rule_dry_run_next_to_an_enforced_rule(make_app: Any, sqlite_url: str) -> None:
    app = await safety_app(make_app, sqlite_url, keywords=[{**WORDS, "dry_run": True}])
    clock = Clock()
    await run(app, message(clock, HAM, "console:old"))
    actions = await run(app, message(clock, "free nitro, plus " + SPAM[1], "console:old"))
    assert len(of(actions, DeleteMessage)) == 1  # the spam hold (delete pending) is enforced
    assert [e.reason for e in await audits(app, "auto.dry_run")] == ["would delete+warn"]
    [case] = await cases(app)
    assert case.status == "open"


async def test_distress_is_never_stored_or_posted(make_app: Any, sqlite_url: str) -> None:
    app = await safety_app(make_app, sqlite_url,
                           categories={"self_harm": {"action": "hold"}})
    clock = Clock()
    text = "i want to die, nobody would notice"
    actions = await run(app, message(clock, text, "console:sad"))
    [case] = await cases(app)
    assert case.private
    assert all(r["evidence"] == "" for r in case.rules if r["rule"] == "category:self_harm")
    [post] = posts(actions, "console:mod")
    assert "want to die" not in post.text and "private" in post.text
    for entry in await audits(app):
        assert "die" not in (entry.reason or "") and "die" not in str(entry.details or "")


async def test_self_harm_defaults_to_log_only(make_app: Any, sqlite_url: str) -> None:
    app = await safety_app(make_app, sqlite_url)
    clock = Clock()
    actions = await run(app, message(clock, "some days i want to die honestly", "console:sad"))
    assert of(actions, DeleteMessage) == [] and await cases(app) == []
    [entry] = await audits(app, "auto.log")
    assert "category:self_harm" in entry.reason and "die" not in str(entry.details)
    # a private (distress) category: the audit says a case exists, not whose or what
    assert entry.target_id is None and entry.evidence_hash is None
    assert "console:sad" not in str(entry.details) and "message_id" not in str(entry.details)


async def test_edit_is_checked_again(make_app: Any, sqlite_url: str) -> None:
    from domain.events import MessageEdited

    app = await safety_app(make_app, sqlite_url, keywords=[WORDS])
    clock = Clock()
    original = message(clock, HAM, "console:sneaky")
    await run(app, original)
    edit = MessageEdited(original.community_id, original.member_id, clock.tick(),
                         channel_id=original.channel_id, message_id=original.message_id,
                         text="edited: free nitro for everyone")
    actions = await run(app, edit)
    assert [d.message_id for d in of(actions, DeleteMessage)] == [original.message_id]
    assert len(await strikes(app, "console:sneaky")) == 1


async def test_newcomer_links_are_held_but_regulars_may_post_them(make_app: Any,
                                                                 sqlite_url: str) -> None:
    app = await safety_app(make_app, sqlite_url, newcomer={"first_messages": 2, "tenure": "1h"})
    clock = Clock()
    link = "notes from the meetup are on docs.example.com/meetup"
    first = await run(app, message(clock, link, "console:newbie"))
    assert len(of(first, DeleteMessage)) == 1
    [case] = await cases(app)
    assert [r["rule"] for r in case.rules] == ["newcomer"]
    for _ in range(2):
        await run(app, message(clock, HAM, "console:newbie"))
    clock.advance(hours=1)
    later = await run(app, message(clock, link, "console:newbie"))
    assert of(later, DeleteMessage) == []


async def test_catastrophic_regex_on_50kb_message_finishes(make_app: Any,
                                                           sqlite_url: str) -> None:
    app = await safety_app(make_app, sqlite_url, regexes=[
        {"id": "evil", "pattern": "(a+)+$", "action": "log"},
        {"id": "evil2", "pattern": "(x+x+)+y", "action": "log"}])
    clock = Clock()
    text = "a" * 50_000 + "!"
    # RE2 is linear; a backtracking engine would not return for years. The timeout turns a
    # regression into a failure instead of a hung test run.
    await asyncio.wait_for(run(app, message(clock, text, "console:evil"),
                               message(clock, "x" * 50_000, "console:evil")), timeout=60)
    assert app.pipeline.stats.failed == 0
    # (a+)+$ does not match "...a!", (x+x+)+y finds no y: only the repeated-character rule
    entries = await audits(app, "auto.log")
    assert entries and all(e.reason.startswith("repeated") for e in entries)
    assert not any("evil" in e.reason for e in entries)


HOSTILE = [
    "x" * 4000,
    "Z̴̢̧̛̛̖͓̱͔̺̗̜̰̰̹͕̗̩̬̯̞̘̹̗͉͚̹͓͎̭̯̭̙͉͖̗̙̰̦͓̲͈͇̟͐͒̌̀̔̄̑̓̏̈́̋͑̂̀̀̅͆̀́̊͊̆̅̏̏̓̊̿̓̌̈́̍́͆̒̃͊͘̕͘̚͜͝͠͝͠͠ͅa̶l̷g̸o̵" * 20,
    "null\x00bytes\x00in\x00the\x00middle\x00" * 50,
    "\u202eevil right-to-left override\u202c and \u2066isolates\u2069 \u200f\u200e",
    "😀🔥💯🚀" * 1000,
    "",
    " \n\t ",
    "ａｂｃ" * 1500,
    "@everyone " * 400,
    "http://" + "a." * 2000 + "com",
]


async def test_hostile_messages_never_crash_the_pipeline(make_app: Any, sqlite_url: str) -> None:
    app = await safety_app(make_app, sqlite_url, keywords=[WORDS], regexes=[
        {"id": "wallet", "pattern": r"\b0x[0-9a-f]{40}\b", "action": "hold"}])
    clock = Clock()
    events = [message(clock, text, f"console:h{i}") for i, text in enumerate(HOSTILE)]
    await asyncio.wait_for(run(app, *events), timeout=120)
    assert app.pipeline.stats.failed == 0
    assert app.pipeline.stats.processed == len(HOSTILE)
    stored = await rows(app, Activity)
    assert len(stored) == len(HOSTILE)


async def test_lone_surrogates_are_stored_as_replacement_characters(
        make_app: Any, sqlite_url: str) -> None:
    """JSON input can carry an unpaired surrogate; UTF-8 (RE2, the database) cannot.

    The safety handler must neither crash nor store it: the case keeps the text with U+FFFD.
    (Only line 1 is checked here: the activity row is written by the foundation's handler.)
    """
    app = await safety_app(make_app, sqlite_url, keywords=[WORDS])
    clock = Clock()
    event = message(clock, "\ud83d free nitro \ud83d\ude00", "console:odd")
    actions = await app.pipeline.process(event)
    assert app.pipeline.stats.failed == 0
    assert len(of(actions, DeleteMessage)) == 1
    [case] = await cases(app)
    assert case.text == "\ufffd free nitro \U0001f600"
    app.pipeline.writer._buffer.clear()  # the foundation's activity row is not ours to fix


async def test_spam_scope_newcomers_skips_established_members(make_app: Any,
                                                              sqlite_url: str) -> None:
    app = await safety_app(make_app, sqlite_url, spam={"scope": "newcomers"},
                           newcomer={"first_messages": 1, "tenure": "1m"})
    clock = Clock()
    await run(app, message(clock, HAM, "console:old"))
    clock.advance(minutes=5)
    old = await run(app, message(clock, SPAM[1], "console:old"))
    assert of(old, DeleteMessage) == [] and await cases(app) == []
    new = await run(app, message(clock, SPAM[1], "console:fresh"))
    assert len(of(new, DeleteMessage)) == 1
    [case] = await cases(app)
    assert [r["rule"] for r in case.rules if r["rule"] == "spam"] == ["spam"]
