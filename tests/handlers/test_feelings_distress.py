"""Distress through the real pipeline: private case, DM, page, SLA re-page, privacy, cooldown.

Why: this is the one place Hearth acts on someone's worst moment. The member must get help
in their language at once and privately; humans must be paged within minutes and re-paged
when nobody answers; nothing may leak the member's words into public channels or logs; and
jokes must not page anyone.
"""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from bot.storage.models_feelings import SupportCase
from domain.actions import DirectMessage, PostToChannel, Reply
from tests.handlers.test_feelings_kit import (
    HELPLINE_EN,
    HELPLINE_ZH,
    MODS,
    ONCALL,
    SUPPORT_EN,
    T0,
    C,
    audit,
    button,
    cases,
    command,
    feelings_app,
    fire,
    msg,
    of_type,
    rows,
    sentiment_section,
    timers,
)

SAD = "I don't want to be alive anymore, I'm done"


async def test_distress_message_opens_a_private_case_dms_pages_and_sets_the_sla(
        make_app, sqlite_url) -> None:
    app = await feelings_app(make_app, sqlite_url)
    actions = await app.pipeline.process(msg(1, SAD))

    dms = of_type(actions, DirectMessage)
    pages = of_type(actions, PostToChannel)
    assert len(dms) == 1 and dms[0].member_id == "console:ana"
    assert SUPPORT_EN in dms[0].text and HELPLINE_EN in dms[0].text
    assert len(pages) == 1 and pages[0].channel_id == ONCALL
    page = pages[0]
    assert "@oncall" in page.text and "console:demo/general/1" in page.text
    assert "8 minutes" in page.text
    assert [b.custom_id for b in page.buttons] == ["feelings:ack:1"]
    for action in of_type(actions, Reply):  # growth's own replies (e.g. a first badge)
        assert "case" not in action.text.lower() and "support" not in action.text.lower()

    [case] = await cases(app)
    assert (case["member_id"], case["channel_id"], case["message_id"]) == (
        "console:ana", "general", "1")
    assert case["status"] == "open" and case["pages"] == 1 and case["source"] == "pattern"
    assert case["opened_at"] == T0 and case["ack_due_at"] == T0 + timedelta(minutes=8)
    assert case["paged_at"] is not None and case["dm_sent_at"] is not None
    [sla] = await timers(app, "distress_sla")
    assert sla["due_at"] == T0 + timedelta(minutes=8)
    assert sla["payload"] == {"case_id": case["id"]}
    assert sla["idempotency_key"] == f"distress_sla:{C}:{case['id']}:1"
    opened = [a for a in await audit(app) if a["action"] == "support_case.opened"]
    assert len(opened) == 1 and opened[0]["target_id"] == f"case:{case['id']}"


async def test_unacknowledged_case_is_repaged_and_escalated_then_ack_stops_the_timer(
        make_app, db_url) -> None:
    app = await feelings_app(make_app, db_url)
    await app.pipeline.process(msg(1, SAD))
    [first] = await timers(app, "distress_sla")

    early = await fire(app, first, T0 + timedelta(minutes=7))
    assert early == [], "not due yet: no page"

    later = await fire(app, first, T0 + timedelta(minutes=9))
    [repage] = of_type(later, PostToChannel)
    assert repage.channel_id == ONCALL and "@leads" in repage.text, "escalated to leads"
    assert "9 minutes" in repage.text and "console:demo/general/1" in repage.text
    [case] = await cases(app)
    assert case["pages"] == 2 and case["escalation_level"] == 1
    assert case["ack_due_at"] == T0 + timedelta(minutes=17)
    again = await fire(app, first, T0 + timedelta(minutes=9, seconds=30))
    assert again == [], "the same timer firing twice pages once"
    second = [t for t in await timers(app, "distress_sla") if t["id"] != first["id"]]
    assert len(second) == 1 and second[0]["due_at"] == T0 + timedelta(minutes=17)

    ack = await app.pipeline.process(button(f"feelings:ack:{case['id']}",
                                            at=T0 + timedelta(minutes=12)))
    [reply] = of_type(ack, Reply)
    assert reply.channel_id == ONCALL
    assert "acknowledged" in reply.text and "12 minutes" in reply.text
    assert await fire(app, second[0], T0 + timedelta(minutes=18)) == []
    [case] = await cases(app)
    assert case["status"] == "acknowledged" and case["acknowledged_by"] == "console:mo"
    assert case["pages"] == 2


async def test_pages_stop_after_max_pages_with_a_last_notice(make_app, sqlite_url) -> None:
    app = await feelings_app(make_app, sqlite_url, sentiment=sentiment_section(
        distress={"max_pages": 2, "escalation_roles": []}))
    await app.pipeline.process(msg(1, SAD))
    [first] = await timers(app, "distress_sla")
    [last] = of_type(await fire(app, first, T0 + timedelta(minutes=8)), PostToChannel)
    assert "last automatic page" in last.text and "@oncall" in last.text
    assert len(await timers(app, "distress_sla")) == 1, "no further timer once exhausted"


async def test_privacy_no_message_text_in_audit_log_timers_cases_or_public_channels(
        make_app, sqlite_url) -> None:
    # growth off: its public replies (badges) are not this feature's to judge here
    app = await feelings_app(make_app, sqlite_url, growth={"enabled": False})
    secret = "I have the pills ready and I'm going to kill myself tonight"
    actions = await app.pipeline.process(msg(1, secret))
    [item] = await timers(app, "distress_sla")
    actions += await fire(app, item, T0 + timedelta(minutes=9))
    [case] = await cases(app)
    actions += await app.pipeline.process(button(f"feelings:ack:{case['id']}",
                                                 at=T0 + timedelta(minutes=10)))
    actions += await app.pipeline.process(command("case", f"{case['id']} close",
                                                  at=T0 + timedelta(minutes=30)))

    ours = [a for a in await audit(app) if a["action"].startswith(("support_case",
                                                                    "feelings."))]
    assert [a["action"] for a in ours] == ["support_case.opened", "support_case.escalated",
                                           "support_case.acknowledged", "support_case.closed"]
    stored = json.dumps([ours, await timers(app, "distress_sla"), await cases(app)],
                        default=str)
    for fragment in ("pills", "kill myself", "tonight"):
        assert fragment not in stored
    for entry in ours:
        assert "console:ana" not in json.dumps(entry, default=str), "audit names no member"
    for action in actions:
        if isinstance(action, (PostToChannel, Reply)):
            assert "pills" not in action.text and "kill" not in action.text
            assert getattr(action, "channel_id", None) in (ONCALL, MODS), action
    assert not any(c.name == "text" for c in SupportCase.__table__.columns)


async def test_dm_cooldown_and_one_active_case_per_member(make_app, sqlite_url) -> None:
    app = await feelings_app(make_app, sqlite_url)
    first = await app.pipeline.process(msg(1, SAD))
    assert len(of_type(first, DirectMessage)) == 1

    same_case = await app.pipeline.process(msg(2, "I want to die", minutes=3))
    assert of_type(same_case, DirectMessage) == [] and of_type(same_case, PostToChannel) == []
    [case] = await cases(app)
    assert case["related_message_ids"] == ["2"], "attached to the open case, no new page"

    await app.pipeline.process(command("case", f"{case['id']} close",
                                       at=T0 + timedelta(minutes=20)))
    later = await app.pipeline.process(msg(3, "I want to kill myself", minutes=60))
    assert of_type(later, DirectMessage) == [], "no second DM within the cooldown"
    [page] = of_type(later, PostToChannel)
    assert "not messaged again" in page.text
    closed, reopened = await cases(app)
    assert closed["status"] == "closed" and reopened["status"] == "open"
    assert reopened["dm_sent_at"] is None

    await app.pipeline.process(command("case", f"{reopened['id']} close",
                                       at=T0 + timedelta(hours=2)))
    after = await app.pipeline.process(msg(4, "I want to end my life", minutes=60 * 13))
    assert len(of_type(after, DirectMessage)) == 1, "cooldown over: the member is DMed again"


@pytest.mark.parametrize("text", [
    "this boss fight is killing me lol", "kill -9 the process", "笑死我了",
    "I could murder a pizza right now", "my phone died again 😂", "想死你们了！",
    "I'd never kill myself, don't worry", "we died to the raid boss five times lol",
])
async def test_hard_negatives_open_no_case(make_app, sqlite_url, text: str) -> None:
    app = await feelings_app(make_app, sqlite_url)
    actions = await app.pipeline.process(msg(1, text))
    assert of_type(actions, DirectMessage) == [] and of_type(actions, PostToChannel) == []
    assert await cases(app) == []


async def test_chinese_statement_gets_chinese_helplines(make_app, sqlite_url) -> None:
    app = await feelings_app(make_app, sqlite_url)
    actions = await app.pipeline.process(msg(1, "不想活了，真的撑不下去了"))
    [dm] = of_type(actions, DirectMessage)
    assert HELPLINE_ZH in dm.text and HELPLINE_EN not in dm.text
    assert "你不必一个人扛着" in dm.text
    [page] = of_type(actions, PostToChannel)
    assert "Support case" in page.text, "the page is in the community's language"


async def test_support_role_only_sees_and_changes_cases(make_app, sqlite_url) -> None:
    app = await feelings_app(make_app, sqlite_url, sentiment=sentiment_section(
        distress={"case_role": "expert"}))
    await app.pipeline.process(msg(1, SAD))
    member = frozenset({"member"})
    refused = await app.pipeline.process(command("cases", roles=member))
    assert "console:ana" not in refused[0].text and "/general/1" not in refused[0].text
    moderator = await app.pipeline.process(command("cases"))
    assert "support team" in moderator[0].text and "/general/1" not in moderator[0].text
    pressed = await app.pipeline.process(button("feelings:ack:1"))
    assert "support team" in pressed[0].text
    [case] = await cases(app)
    assert case["status"] == "open"

    expert = frozenset({"member", "moderator", "expert"})
    [listing] = await app.pipeline.process(command("cases", roles=expert))
    assert listing.ephemeral and "#1" in listing.text and "console:demo/general/1" in listing.text
    [shown] = await app.pipeline.process(command("case", "#1", roles=expert))
    assert "open" in shown.text and "ana" in shown.text
    [bad] = await app.pipeline.process(command("case", "one ack", roles=expert))
    assert "Usage" in bad.text and "'one' is not a case number" in bad.text
    [missing] = await app.pipeline.process(command("case", "99 ack", roles=expert))
    assert "no support case #99" in missing.text
    [acked] = await app.pipeline.process(command("case", "1 ack", roles=expert))
    assert "acknowledged" in acked.text
    [twice] = await app.pipeline.process(command("case", "1 ack", roles=expert))
    assert "already acknowledged" in twice.text
    [closed] = await app.pipeline.process(command("case", "1 close", roles=expert))
    assert "closed" in closed.text
    [none] = await app.pipeline.process(command("cases", roles=expert))
    assert "No open support cases" in none.text
    actions = [a["action"] for a in await audit(app)]
    assert actions == ["support_case.opened", "support_case.acknowledged",
                       "support_case.closed"]


async def test_telegram_case_details_go_by_direct_message_outside_the_oncall_chat(
        make_app, sqlite_url) -> None:
    app = await feelings_app(make_app, sqlite_url, platform="telegram", community="-1001")
    cid = "tg:-1001"
    await app.pipeline.process(msg(5, SAD, member="tg:42", community=cid, channel=cid))
    listing = await app.pipeline.process(command("cases", member="tg:7", community=cid,
                                                 channel=cid))
    [dm] = of_type(listing, DirectMessage)
    assert dm.member_id == "tg:7" and "https://t.me/c/1/5" in dm.text
    assert of_type(listing, Reply) == [], "a Telegram group has no private replies"


async def test_without_an_oncall_channel_the_moderators_channel_is_paged(
        make_app, sqlite_url) -> None:
    section = sentiment_section()
    del section["distress"]["oncall_channel"]
    app = await feelings_app(make_app, sqlite_url, sentiment=section)
    actions = await app.pipeline.process(msg(1, SAD))
    assert of_type(actions, PostToChannel) == [] and len(of_type(actions, DirectMessage)) == 1
    [case] = await rows(app, SupportCase)
    assert case["paged_at"] is None, "nobody could be paged: recorded as such"

    app = await make_app(sqlite_url.replace("hearth.db", "mods.db"),
                         communities=[{"platform": "console", "id": "demo"}],
                         sentiment=section, safety={"review": {"mod_channel_id": "mods"}})
    [page] = of_type(await app.pipeline.process(msg(1, SAD)), PostToChannel)
    assert page.channel_id == "mods"


async def test_with_every_feature_on_no_celebration_and_no_identifying_audit(
        make_app, sqlite_url) -> None:
    """Growth and safety on (the defaults): the first message of a member would earn the
    first-message badge and trip safety's self-harm category; neither may celebrate it in
    public, and no audit row may name the member or the message."""
    app = await feelings_app(make_app, sqlite_url,
                             growth={"announce": {"badges": "reply", "level_ups": "reply",
                                                  "stages": "reply"}})
    actions = await app.pipeline.process(msg(1, SAD))
    await app.pipeline.flush()
    public = [a for a in actions if isinstance(a, (Reply, PostToChannel))
              and getattr(a, "channel_id", None) not in (ONCALL, MODS)]
    assert public == []
    assert not any(isinstance(a, DirectMessage) and "badge" in a.text.lower() for a in actions)
    for entry in await audit(app):
        text = json.dumps(entry, default=str)
        assert "console:ana" not in text and "don't want to be alive" not in text, entry
    # the award itself stands: only its announcement was held back
    control = await feelings_app(make_app, sqlite_url.replace("hearth.db", "other.db"),
                                 growth={"announce": {"badges": "reply"}})
    cheerful = await control.pipeline.process(msg(1, "hello everyone, glad to be here"))
    assert any(isinstance(a, Reply) for a in cheerful), "the control run must celebrate"
