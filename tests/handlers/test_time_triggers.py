"""Scenario triggers: topic, channel, time window and events -> content, with caps.

Why: contextual help is welcome once and noise the third time. Each rule must match only its
scene (whole words, its channels, its hours in the community's zone), respect the per-member
and per-channel caps — also after a restart — and the unanswered-question rule must stay
quiet when someone did answer.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from domain.actions import DirectMessage, Reply
from handlers.triggers import Window, keyword_pattern
from tests.handlers.test_time_support import build, join, say, sweep

TUESDAY = datetime(2026, 3, 10, 17, 0, tzinfo=UTC)  # 18:00 in Berlin
FAQ = {"id": "faq-install", "keywords": ["install", "安装"], "content": "faq",
       "text": "See the install guide: https://example.org/install",
       "text_zh": "安装指南：https://example.org/install", "member_limit": 1,
       "member_window_hours": 24, "channel_limit": 2, "channel_window_minutes": 60}
QUIET = {"wakeup": {"enabled": False}, "digest": {"enabled": False}}
NO_FILTERS = {"enabled": False}  # safety's classifiers are not the subject here
NO_GROWTH = {"enabled": False}  # nor growth's badge announcements (but see the stage-up test)


def entry(*rules: dict[str, Any], language: str = "en") -> dict[str, Any]:
    return {"platform": "console", "id": "demo", "language": language,
            "timezone": "Europe/Berlin", "safety": NO_FILTERS, "growth": NO_GROWTH,
            "scheduler": {**QUIET, "triggers": list(rules)}}


def replies(actions: list[Any]) -> list[str]:
    return [a.text for a in actions if isinstance(a, Reply)]


async def test_keyword_rule_with_member_and_channel_caps(make_app: Any, sqlite_url: str) -> None:
    app = await build(make_app, sqlite_url, entry=entry(FAQ))
    at = TUESDAY
    first = await say(app, "console:ana", at, "how do I install it?", message_id="q1")
    assert first == [Reply("console:demo", "general",
                           "💡 See the install guide: https://example.org/install",
                           reply_to_message_id="q1")]
    assert replies(await say(app, "console:ana", at + timedelta(minutes=1),
                             "install still fails")) == []  # member cap: 1 per 24 h
    assert replies(await say(app, "console:bob", at + timedelta(minutes=2),
                             "the installer crashed")) == []  # "installer" is another word
    assert len(replies(await say(app, "console:bob", at + timedelta(minutes=3),
                                 "Install on Windows?"))) == 1
    assert replies(await say(app, "console:cy", at + timedelta(minutes=4),
                             "install on mac")) == []  # channel cap: 2 per 60 min
    assert len(replies(await say(app, "console:cy", at + timedelta(minutes=5),
                                 "install on mac", channel="help"))) == 1  # other channel
    assert len(replies(await say(app, "console:dee", at + timedelta(minutes=61),
                                 "install on linux"))) == 1
    # caps survive a restart: they are reloaded from the audit log
    again = await build(make_app, sqlite_url, entry=entry(FAQ))
    assert replies(await say(again, "console:ana", at + timedelta(hours=2),
                             "install again?")) == []
    assert len(replies(await say(again, "console:ana", at + timedelta(hours=25),
                                 "install again?"))) == 1


async def test_chinese_keywords_and_text(make_app: Any, sqlite_url: str) -> None:
    app = await build(make_app, sqlite_url, entry=entry(FAQ, language="zh"))
    assert replies(await say(app, "console:li", TUESDAY, "请问怎么安装？")) == [
        "💡 安装指南：https://example.org/install"]


async def test_time_windows_are_in_the_community_zone(make_app: Any, sqlite_url: str) -> None:
    evening = {"id": "evening-voice", "content": "suggest_channel", "suggest_channel": "voice",
               "text": "we hang out in voice on weekday evenings",
               "windows": [{"days": ["mon", "tue", "wed", "thu", "fri"], "start": "18:00",
                            "end": "23:00"}], "member_limit": 5, "channel_limit": 5}
    app = await build(make_app, sqlite_url, entry=entry(evening))
    assert replies(await say(app, "console:ana", TUESDAY + timedelta(hours=1), "hi")) == [
        "👉 You might like #voice: we hang out in voice on weekday evenings"]
    assert replies(await say(app, "console:bob", TUESDAY - timedelta(minutes=1), "hi")) == []
    saturday = TUESDAY + timedelta(days=4, hours=1)
    assert replies(await say(app, "console:cy", saturday, "hi")) == []


async def test_first_post_in_a_channel_and_welcome_on_join(make_app: Any,
                                                           sqlite_url: str) -> None:
    intro = {"id": "intro-tips", "event": "first_post", "channels": ["introductions"],
             "content": "resources", "text": "read #rules and the FAQ pinned above"}
    welcome = {"id": "welcome", "event": "member_joined", "content": "welcome",
               "deliver": "dm", "text": "start in #introductions"}
    app = await build(make_app, sqlite_url, entry=entry(intro, welcome))
    joined = await join(app, "console:ana", TUESDAY)
    assert joined == [DirectMessage("console:demo", "console:ana",
                                    "👋 Welcome, ana! start in #introductions")]
    await say(app, "console:bob", TUESDAY, "hi all", channel="introductions")
    later = TUESDAY + timedelta(days=3)
    again = await build(make_app, sqlite_url, entry=entry(intro, welcome))  # restart
    assert replies(await say(again, "console:bob", later, "me again",
                             channel="introductions")) == []  # known from the database
    assert replies(await say(again, "console:ana", later, "hello, I'm ana",
                             channel="introductions")) == [
        "📚 Resources: read #rules and the FAQ pinned above"]
    assert replies(await say(again, "console:ana", later + timedelta(days=9), "me again",
                             channel="introductions")) == []


async def test_unanswered_questions_get_content_only_when_nobody_answered(
        make_app: Any, db_url: str) -> None:
    rule = {"id": "help-wait", "event": "unanswered", "channels": ["help"], "wait_minutes": 30,
            "text": "the FAQ covers passwords: https://example.org/faq", "member_limit": 3,
            "channel_limit": 5}
    app = await build(make_app, db_url, entry=entry(rule))
    await say(app, "console:ana", TUESDAY, "how do I reset my password?", channel="help",
              message_id="qa")
    await say(app, "console:bob", TUESDAY, "why is the build red?", channel="help",
              message_id="qb")
    await say(app, "console:cy", TUESDAY, "great meetup today", channel="help")  # no question
    await say(app, "console:dee", TUESDAY + timedelta(minutes=10), "check the CI logs",
              channel="help", reply_to="console:bob")
    assert await sweep(app, TUESDAY + timedelta(minutes=29)) == []
    fired = await sweep(app, TUESDAY + timedelta(minutes=31))
    assert fired == [Reply("console:demo", "help",
                           "Nobody has answered yet; maybe this helps: 💡 the FAQ covers "
                           "passwords: https://example.org/faq", reply_to_message_id="qa")]
    assert await sweep(app, TUESDAY + timedelta(hours=3)) == []


async def test_stage_up_rule(make_app: Any, sqlite_url: str) -> None:
    rule = {"id": "mentors", "event": "stage_up", "stages": ["active"],
            "content": "suggest_channel", "suggest_channel": "mentors",
            "text": "now you can help newcomers there"}
    config = entry(rule)
    config["growth"] = {"stages": {"active": {"min_points": 2, "min_active_days": 1}},
                        "announce": {"stages": "off", "badges": "off", "level_ups": "off"}}
    app = await build(make_app, sqlite_url, entry=config)
    texts: list[str] = []
    for i in range(4):
        texts += replies(await say(app, "console:ana", TUESDAY + timedelta(minutes=5 * i),
                                   f"message number {i} about gardening and compost"))
    assert texts.count("👉 You might like #mentors: now you can help newcomers there") == 1


def test_keyword_pattern_matches_whole_words_and_cjk_substrings() -> None:
    pattern = keyword_pattern(["install", "reset password", "安装"])
    assert pattern is not None
    assert pattern.search("how to install?") and pattern.search("reset   password pls")
    assert not pattern.search("reinstalling") and not pattern.search("installer")
    assert pattern.search("怎么安装这个")
    assert keyword_pattern([]) is None


def test_windows_wrap_midnight() -> None:
    from datetime import time

    late = Window(frozenset({4}), time(22, 0), time(2, 0))  # Friday 22:00 -> Saturday 02:00
    friday = datetime(2026, 3, 13, 23, 0)
    assert late.contains(friday)
    assert late.contains(friday + timedelta(hours=2, minutes=59))  # Saturday 01:59
    assert not late.contains(friday + timedelta(hours=3))  # Saturday 02:00
    assert not late.contains(friday - timedelta(days=1))  # Thursday 23:00
