"""Channel mood alerts, frustrated unanswered questions and tone-aware replies, end to end.

Why: a heated thread should reach moderators with the messages that drove it (and an
optional slow mode that lifts itself) once, not on every message; an upset member's
unanswered question gets an acknowledgement and a helper ping — but never when someone
already answered; and replies to a sad member come out gentle.
"""

from __future__ import annotations

from datetime import timedelta
from types import SimpleNamespace

from bot.scoring.config import SentimentSettings
from bot.simulate import HEATED
from domain.actions import PostToChannel, Reply, SetSlowMode
from domain.events import MemberJoined
from domain.i18n import t
from handlers import core
from handlers.ports import Context
from handlers.tone import tone_for, toned
from tests.handlers.test_feelings_kit import (
    MODS,
    T0,
    C,
    audit,
    feelings_app,
    fire,
    msg,
    of_type,
    scores,
    sentiment_section,
    timers,
)

CALM = ["thanks, this works great!", "love the new release :)", "nice work everyone",
        "good morning, happy to be here"]
PEOPLE = ["console:ana", "console:bo", "console:cy"]
QUESTION = "why does the build keep failing?? this is so frustrating"


def calm_hour(start: int = 0) -> list:
    """A warm, slow hour in #general (one message every 6 minutes)."""
    return [msg(f"c{i}", CALM[i % len(CALM)], member=PEOPLE[i % 3], minutes=start + 6 * i)
            for i in range(12)]


def burst(start: float, count: int = 10) -> list:
    """A heated burst: ``count`` negative messages, 20 seconds apart, three people."""
    return [msg(f"h{i}", HEATED[i % len(HEATED)], member=PEOPLE[i % 3],
                minutes=start + i / 3) for i in range(count)]


async def test_heated_burst_alerts_moderators_once_with_slow_mode_that_lifts(
        make_app, sqlite_url) -> None:
    app = await feelings_app(make_app, sqlite_url, sentiment=sentiment_section(
        mood={"slowmode_seconds": 30, "slowmode_minutes": 10}))
    await app.pipeline.process_many(calm_hour())
    actions = await app.pipeline.process_many(burst(start=75, count=14))

    [alert] = [a for a in of_type(actions, PostToChannel) if "mood" in a.text]
    assert alert.channel_id == MODS and "#general" in alert.text
    assert "console:demo/general/h" in alert.text, "links to the messages that drove it"
    assert of_type(actions, SetSlowMode) == [SetSlowMode(C, "general", 30)]
    [entry] = [a for a in await audit(app) if a["action"] == "feelings.mood_alert"]
    drivers = entry["details"]["driver_message_ids"]
    assert drivers and all(d.startswith("h") for d in drivers)
    assert entry["details"]["mood_now"] < entry["details"]["mood_before"]
    for text in HEATED:
        assert text not in alert.text, "links, not quotes"

    [lift] = await timers(app, "mood_slowmode_end")
    assert lift["payload"] == {"channel_id": "general"}
    assert await fire(app, lift, lift["due_at"] - timedelta(minutes=1)) == []
    ended = await fire(app, lift, lift["due_at"])
    assert SetSlowMode(C, "general", 0) in ended
    assert any("Slow mode in #general has ended" in a.text
               for a in of_type(ended, PostToChannel))


async def test_calm_chat_and_a_cold_start_raise_no_alert(make_app, sqlite_url) -> None:
    app = await feelings_app(make_app, sqlite_url)
    cold = await app.pipeline.process_many(burst(start=0, count=14))
    assert not [a for a in of_type(cold, PostToChannel) if "mood" in a.text], (
        "no baseline observed yet: a restart must not mistake ongoing chat for a spike")
    calm = await app.pipeline.process_many(calm_hour(start=100))
    assert not [a for a in of_type(calm, PostToChannel) if "mood" in a.text]
    assert len(await scores(app)) == 26


async def test_frustrated_unanswered_question_gets_ack_and_helper_ping(
        make_app, sqlite_url) -> None:
    app = await feelings_app(make_app, sqlite_url)
    await app.pipeline.process(msg("q1", QUESTION))
    [item] = await timers(app, "question_followup")
    assert item["due_at"] == T0 + timedelta(minutes=10)
    assert QUESTION not in str(item["payload"]), "no text in the timer"

    actions = await fire(app, item, T0 + timedelta(minutes=10))
    [ack] = of_type(actions, Reply)
    assert ack.reply_to_message_id == "q1" and ack.channel_id == "general"
    assert "ana" in ack.text and "helpers" in ack.text
    [ping] = of_type(actions, PostToChannel)
    assert ping.text.startswith("@helpers") and "10 minutes" in ping.text
    assert "console:demo/general/q1" in ping.text


async def test_a_reply_meanwhile_cancels_the_follow_up(make_app, sqlite_url) -> None:
    app = await feelings_app(make_app, sqlite_url)
    await app.pipeline.process(msg("q1", QUESTION))
    await app.pipeline.process(msg("a1", "try clearing the cache, that fixed it for me",
                                   member="console:bo", minutes=3,
                                   reply_to=("q1", "console:ana")))
    [item] = await timers(app, "question_followup")
    assert await fire(app, item, T0 + timedelta(minutes=10)) == []

    # After a restart the in-memory view is gone: the stored reply still counts.
    await app.pipeline.process(msg("q2", QUESTION, member="console:cy", minutes=20))
    await app.pipeline.process(msg("a2", "@cy did you run the migrations first?",
                                   member="console:bo", minutes=22,
                                   reply_to=("q2", "console:cy")))
    app.services["feelings"].memory.forget_question(C, "q2")
    second = [i for i in await timers(app, "question_followup") if i["id"] != item["id"]]
    assert await fire(app, second[0], T0 + timedelta(minutes=30)) == []


async def test_calm_questions_and_plain_complaints_get_no_follow_up(
        make_app, sqlite_url) -> None:
    app = await feelings_app(make_app, sqlite_url)
    await app.pipeline.process(msg("1", "does anyone know a good tutorial for asyncio?"))
    await app.pipeline.process(msg("2", "this build is terrible and I hate it", minutes=1))
    assert await timers(app, "question_followup") == []


async def test_tone_follows_recent_mood_and_open_cases(make_app, sqlite_url) -> None:
    app = await feelings_app(make_app, sqlite_url)
    settings = app.config.community(C)

    def ctx(minutes: float) -> Context:
        return Context(now=T0 + timedelta(minutes=minutes), community_id=C, settings=settings,
                       lang="en", uow=None, services=app.services)

    assert await tone_for(ctx(0), "console:new") == "neutral"
    await app.pipeline.process(msg("p1", "this community is amazing, thank you so much!",
                                   member="console:joy"))
    assert await tone_for(ctx(1), "console:joy") == "cheerful"
    assert await tone_for(ctx(1), "console:joy",
                          current_message="my dog died this morning, I'm heartbroken") == (
        "gentle"), "the message being handled counts before it is scored"
    await app.pipeline.process(msg("s1", "my dog died this morning, I'm heartbroken",
                                   member="console:sad", minutes=2))
    assert await tone_for(ctx(3), "console:sad") == "gentle"
    text = await toned(ctx(3), "stage_up", "console:sad", name="sad", stage="Regular")
    assert text == t("tone.stage_up.gentle", "en", name="sad", stage="Regular")
    assert "🎉" not in text

    await app.pipeline.process(msg("d1", "I want to kill myself", member="console:joy",
                                   minutes=4))
    await app.pipeline.process(msg("p2", "haha thanks, you all are great!!",
                                   member="console:joy", minutes=5))
    assert await tone_for(ctx(6), "console:joy") == "gentle", "an open case is always gentle"


async def test_welcome_is_toned_and_uses_community_templates(make_app, sqlite_url) -> None:
    app = await feelings_app(make_app, sqlite_url)
    await app.pipeline.process(msg("s1", "I'm so sad and lonely today, everything hurts",
                                   member="console:back"))
    custom = SentimentSettings(tone={"templates": {
        "tone.welcome.gentle": {"en": "Welcome back, {name}. We're glad you're here."}}})
    settings = SimpleNamespace(welcome=SimpleNamespace(channel_id="lobby"), sentiment=custom,
                               name="Demo")
    ctx = Context(now=T0 + timedelta(minutes=5), community_id=C, settings=settings,
                  lang="en", uow=None, services=app.services)
    [back] = await core.welcome(MemberJoined(C, "console:back", ctx.now, member_name="back"),
                                ctx)
    assert back == Reply(C, "lobby", "Welcome back, back. We're glad you're here.")
    [new] = await core.welcome(MemberJoined(C, "console:nu", ctx.now, member_name="nu"), ctx)
    assert new.text == t("tone.welcome.neutral", "en", name="nu", community="Demo")
