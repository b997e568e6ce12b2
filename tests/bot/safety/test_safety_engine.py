"""FilterEngine: one automaton, RE2 set, channel plans, dry-run, hostile input."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest

from bot.safety.config import SafetySettings
from bot.safety.engine import FilterEngine
from domain.events import MessagePosted
from domain.safety.structural import MemberHistory
from domain.safety.verdict import ActionKind, parse_action

T0 = datetime(2025, 6, 1, 10, 0, tzinfo=UTC)


def make(**config: object) -> FilterEngine:
    return FilterEngine(SafetySettings.model_validate(config))


def check(engine: FilterEngine, text: str, channel: str = "c1", member: str = "m1",
          at: datetime = T0, **kw: object):
    return engine.check(text, member_id=member, channel_id=channel, at=at, **kw)  # type: ignore[arg-type]


def rule_ids(result) -> list[str]:
    return sorted(h.rule_id for h in result.hits)


@pytest.fixture
def words() -> FilterEngine:
    return make(keywords=[
        {"id": "whole", "terms": ["ass", "free nitro", "paypal", "加微信", "казино"],
         "action": "delete"},
        {"id": "sub", "terms": ["crypt"], "mode": "substring", "action": "log"},
    ])


def test_whole_word_versus_substring(words: FilterEngine) -> None:
    assert rule_ids(check(words, "you ass!")) == ["whole"]
    assert rule_ids(check(words, "a classy assessment")) == []
    assert rule_ids(check(words, "cryptocurrency talk")) == ["sub"]
    assert rule_ids(check(words, "Crypto")) == ["sub"]
    assert rule_ids(check(words, "free nitroglycerin")) == []
    assert rule_ids(check(words, "казино онлайн")) == ["whole"]


def test_cjk_terms_match_inside_text(words: FilterEngine) -> None:
    assert rule_ids(check(words, "请加微信领取")) == ["whole"]
    # A Latin term right next to Chinese characters is still a whole word.
    assert rule_ids(check(words, "登录paypal账户")) == ["whole"]


def test_homoglyph_and_spacing_evasion_caught(words: FilterEngine) -> None:
    evasions = ("ＦＲＥＥ ＮＩＴＲＯ", "frее nіtro", "f r e e  n i t r o",
                "fr\u200bee ni\u200dtro", "𝐟𝐫𝐞𝐞 𝐧𝐢𝐭𝐫𝐨", "log in to раураl")
    for evasion in evasions:
        result = check(words, evasion)
        assert "whole" in rule_ids(result), evasion
    hit = next(h for h in check(words, "get FREE nitro").hits if h.rule_id == "whole")
    assert hit.evidence == "free nitro" and hit.span == (4, 14)
    assert hit.action == parse_action("delete")


def test_thousands_of_terms_in_one_automaton() -> None:
    terms = [f"term{i:05d}" for i in range(5000)]
    engine = make(keywords=[{"id": "big", "terms": terms}])
    assert engine.term_count == 5000
    assert rule_ids(check(engine, "this has term04321 in it")) == ["big"]
    assert rule_ids(check(engine, "this has term043210 in it")) == []


def test_regex_rules_and_case_sensitivity() -> None:
    engine = make(regexes=[
        {"id": "wallet", "pattern": r"\b0x[0-9a-f]{40}\b", "action": "hold"},
        {"id": "shout", "pattern": r"\bBUY NOW\b", "case_sensitive": True, "action": "log"},
    ])
    wallet = "send to 0x" + "ab" * 20
    assert rule_ids(check(engine, wallet)) == ["wallet"]
    assert "wallet" in rule_ids(check(engine, wallet.upper()))
    assert rule_ids(check(engine, "BUY NOW")) == ["shout"]
    assert rule_ids(check(engine, "buy now")) == []


def test_catastrophic_regex_on_50kb_is_linear() -> None:
    engine = make(regexes=[{"id": "evil", "pattern": "(a+)+$", "action": "hold"}],
                  repeated={"enabled": False}, flood={"enabled": False})
    text = "a" * 50_000 + "!"
    started = time.perf_counter()
    result = check(engine, text)
    elapsed = time.perf_counter() - started
    assert result.hits == ()
    assert elapsed < 1.0  # backtracking engines never finish this; RE2 takes milliseconds
    assert rule_ids(check(engine, "a" * 50_000)) == ["evil"]


def test_channel_overrides() -> None:
    engine = make(
        keywords=[{"id": "words", "terms": ["darn"], "action": "delete"}],
        channels={
            "mods": {"enabled": False},
            "memes": {"disable": ["caps"], "rules": {"words": {"action": "log"}}},
            "shop": {"keywords": [{"id": "shop-only", "terms": ["refund"], "action": "hold"}],
                     "links": {"allow_domains": ["shop.example.com"]}},
        },
    )
    loud = "THIS IS SO LOUD DARN IT"
    assert rule_ids(check(engine, loud, "general")) == ["caps", "words"]
    memes = check(engine, loud, "memes")
    assert rule_ids(memes) == ["words"] and memes.hits[0].action == parse_action("log")
    skipped = check(engine, loud, "mods")
    assert skipped.skipped and skipped.hits == ()
    assert rule_ids(check(engine, "I want a refund", "shop")) == ["shop-only"]
    assert rule_ids(check(engine, "I want a refund", "general")) == []
    assert rule_ids(check(engine, "see https://evil.com", "shop")) == ["links"]
    assert rule_ids(check(engine, "see https://evil.com", "general")) == []


def test_dry_run_per_rule_and_community() -> None:
    engine = make(keywords=[{"id": "w", "terms": ["scam"], "action": "ban", "dry_run": True}])
    verdict = check(engine, "a scam").verdict
    assert verdict.allowed and verdict.would_action == parse_action("ban")
    everything = make(dry_run=True, keywords=[{"id": "w", "terms": ["scam"], "action": "ban"}])
    verdict = check(everything, "a scam").verdict
    assert verdict.allowed and verdict.dry_run_hits[0].rule_id == "w"


def test_flood_uses_engine_memory_per_member() -> None:
    engine = make(flood={"max_messages": 2, "window": "10s", "action": "timeout 1m"})
    results = [check(engine, f"hi {i}", at=T0 + timedelta(seconds=i)) for i in range(3)]
    assert [r.verdict.action.kind for r in results] == [
        ActionKind.ALLOW, ActionKind.ALLOW, ActionKind.TIMEOUT]
    other = check(engine, "hi", member="m2", at=T0 + timedelta(seconds=3))
    assert other.verdict.allowed
    # An explicit history bypasses the engine's memory (replays, tests).
    fresh = check(engine, "hi", at=T0 + timedelta(seconds=4), history=MemberHistory())
    assert fresh.verdict.allowed


def test_check_event_and_newcomer() -> None:
    engine = make()
    event = MessagePosted(community_id="dc:1", member_id="dc:9", at=T0, channel_id="dc:2",
                          message_id="dc:3", text="my site https://example.com")
    result = engine.check_event(event, message_count=0)
    assert result.newcomer and rule_ids(result) == ["newcomer"]
    assert result.verdict.hold


def test_spam_and_category_hits_follow_channel_config() -> None:
    engine = make(spam={"threshold": 0.8, "newcomer_threshold": 0.4},
                  channels={"quiet": {"disable": ["spam", "category:medical_claims"]}})
    assert engine.spam_hit(0.5, channel_id="c", newcomer=False) is None
    hit = engine.spam_hit(0.5, channel_id="c", newcomer=True)
    assert hit is not None and hit.action == parse_action("hold") and hit.score == 0.5
    assert engine.spam_hit(0.99, channel_id="quiet", newcomer=True) is None
    hits = engine.category_hits({"medical_claims": 0.8, "hate": 0.2}, channel_id="c",
                                evidence={"medical_claims": "cures cancer"})
    assert [(h.rule_id, h.evidence) for h in hits] == [("category:medical_claims",
                                                        "cures cancer")]
    assert engine.category_hits({"medical_claims": 0.8}, channel_id="quiet") == []
    verdict = engine.decide([*hits, engine.spam_hit(0.9, channel_id="c", newcomer=False)])
    assert verdict.hold


@pytest.mark.parametrize(
    "text",
    [
        "x" * 4000,
        "😂" * 4000,
        "🇺🇸👨‍👩‍👧‍👦" * 500,
        "h" + "\u0336" * 3999,
        "\u202e" * 4000,
        "\x00" * 4000,
        "",
        " ",
        "a." * 2000,
        "<@1>" * 1000,
    ],
)
def test_hostile_messages_never_crash(text: str) -> None:
    engine = make(keywords=[{"id": "w", "terms": ["x", "😂"], "mode": "substring"}],
                  regexes=[{"id": "r", "pattern": "(x+x+)+y"}])
    check(engine, text)
