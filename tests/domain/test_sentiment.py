"""Feelings domain: scores, tone, channel mood, unanswered questions, distress cases."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain import sentiment as s
from domain.i18n import catalog, t
from domain.messages import feelings

T0 = datetime(2026, 1, 5, 12, 0, tzinfo=UTC)


def score(label: str, conf: float = 0.8) -> s.Score:
    return s.Score(label, conf, "lexicon", "v1", "en")


def msg(minutes_ago: float, label: str, conf: float = 0.8, mid: str = "", who: str = "m1"):
    return s.ScoredMessage(T0 - timedelta(minutes=minutes_ago), score(label, conf), mid, who)


# ---- Score -------------------------------------------------------------------------------


def test_score_rejects_unknown_label_and_bad_confidence() -> None:
    with pytest.raises(ValueError, match="label"):
        s.Score("happy", 0.5, "lexicon", "v", "en")
    with pytest.raises(ValueError, match="confidence"):
        s.Score("pos", 1.5, "lexicon", "v", "en")
    with pytest.raises(ValueError, match="confidence"):
        s.Score("pos", float("nan"), "lexicon", "v", "en")


def test_valence_sign_follows_label() -> None:
    assert score("pos", 0.7).valence == 0.7
    assert score("neg", 0.7).valence == -0.7
    assert score("neu", 0.9).valence == 0.0
    assert s.neutral_score("lexicon", "v", "other") == s.Score("neu", 0.0, "lexicon", "v", "other")


# ---- tone --------------------------------------------------------------------------------


def test_no_history_is_neutral() -> None:
    assert s.select_tone([], T0) == "neutral"


def test_no_confetti_after_a_sad_post() -> None:
    history = [msg(50, "pos", 0.9), msg(40, "pos", 0.9), msg(30, "pos", 0.9), msg(1, "neg", 0.7)]
    assert s.select_tone(history, T0) == "gentle"


def test_cheerful_member_gets_cheerful_tone() -> None:
    assert s.select_tone([msg(5, "pos", 0.8), msg(2, "pos", 0.6)], T0) == "cheerful"


def test_mildly_negative_latest_post_is_not_cheerful() -> None:
    history = [msg(10, "pos", 0.9), msg(8, "pos", 0.9), msg(1, "neg", 0.2)]
    assert s.select_tone(history, T0) == "neutral"


def test_old_bad_day_fades_but_recent_mood_counts() -> None:
    old_sad = [msg(300, "neg", 0.9), msg(290, "neg", 0.9), msg(5, "neu", 0.9), msg(2, "pos", 0.9)]
    assert s.select_tone(old_sad, T0) == "cheerful"
    recent_sad = [msg(20, "neg", 0.9), msg(15, "neg", 0.8), msg(1, "neg", 0.3)]
    assert s.select_tone(recent_sad, T0) == "gentle"


def test_messages_beyond_lookback_are_ignored_and_distress_is_gentle() -> None:
    assert s.select_tone([msg(60 * 7, "neg", 0.9)], T0) == "neutral"
    assert s.select_tone([msg(1, "pos", 0.9)], T0, in_distress=True) == "gentle"


def test_future_timestamps_count_as_now() -> None:
    skewed = s.ScoredMessage(T0 + timedelta(seconds=5), score("neg", 0.9))
    assert s.select_tone([skewed], T0) == "gentle"


@given(
    st.lists(
        st.tuples(
            st.sampled_from(s.LABELS),
            st.floats(0, 1),
            st.integers(-10, 60 * 24),
        ),
        max_size=30,
    )
)
def test_select_tone_always_returns_a_tone(items: list[tuple[str, float, int]]) -> None:
    history = [msg(m, label, c) for label, c, m in items]
    assert s.select_tone(history, T0) in s.TONES


# ---- tone catalogue and templates --------------------------------------------------------


def test_every_toned_reply_has_every_tone_in_both_languages() -> None:
    for reply in s.TONED_REPLIES:
        for tone in s.TONES:
            texts = feelings.MESSAGES[s.tone_key(reply, tone)]
            assert set(texts) == {"en", "zh"}
            for template in texts.values():
                assert s.template_fields(template) <= s.TONE_FIELDS[reply]


def test_every_feelings_message_has_en_and_zh_and_is_in_the_catalogue() -> None:
    for key, texts in feelings.MESSAGES.items():
        assert texts.get("en") and texts.get("zh"), key
        assert key in catalog()


def test_gentle_variants_carry_no_confetti_or_exclamation() -> None:
    for reply in s.TONED_REPLIES:
        for text in feelings.MESSAGES[s.tone_key(reply, "gentle")].values():
            assert "🎉" not in text and "!" not in text and "！" not in text


def test_tone_key_rejects_unknown_reply_or_tone() -> None:
    assert s.tone_key("welcome", "gentle") == "tone.welcome.gentle"
    with pytest.raises(ValueError, match="no tone variants"):
        s.tone_key("farewell", "gentle")
    with pytest.raises(ValueError, match="unknown tone"):
        s.tone_key("welcome", "sarcastic")


def test_toned_reply_uses_override_then_catalogue() -> None:
    overrides = {"tone.welcome.gentle": {"en": "Hi {name}, take it easy."}}
    assert s.toned_reply("welcome", "gentle", "en", overrides, name="Ana") == (
        "Hi Ana, take it easy."
    )
    zh = s.toned_reply("welcome", "gentle", "zh-CN", overrides, name="小明")
    assert zh == t("tone.welcome.gentle", "zh", name="小明")
    assert "小明" in zh
    broken = {"tone.welcome.gentle": {"en": "Hi {nickname}"}}
    assert s.toned_reply("welcome", "gentle", "en", broken, name="Ana") == t(
        "tone.welcome.gentle", "en", name="Ana"
    )


def test_check_tone_templates_reports_each_problem() -> None:
    problems = s.check_tone_templates(
        {
            "tone.welcome.gentle": {"en": "Hi {nick}", "fr": "Salut"},
            "tone.bogus.gentle": {"en": "x"},
            "tone.rank.loud": {"en": "x"},
            "tone.rank.neutral": {"en": "rank {}"},
        }
    )
    text = "\n".join(problems)
    assert "unknown placeholder(s) ['nick']" in text
    assert "tone.welcome.gentle.fr: language must be en or zh" in text
    assert "tone.bogus.gentle: not a tone key" in text
    assert "unknown tone 'loud'" in text
    assert "tone.rank.neutral.en" in text
    assert s.check_tone_templates({"tone.rank.neutral": {"zh": "{name} 第 {rank}"}}) == []


# ---- channel mood ------------------------------------------------------------------------


def feed(state, policy, items, channel="c1"):
    alerts = []
    for at, label, conf, mid, who in items:
        scored = s.ScoredMessage(at, score(label, conf), mid, who)
        state, alert = s.update_mood(state, scored, at, policy, channel_id=channel)
        if alert:
            alerts.append(alert)
    return state, alerts


def calm_hour(start: datetime, n: int = 14):
    """A calm hour and more: one neutral/positive message every five minutes."""
    return [
        (start + timedelta(minutes=5 * i), "pos" if i % 2 else "neu", 0.6, f"calm{i}", f"u{i % 3}")
        for i in range(n)
    ]


def heated_burst(start: datetime, n: int = 12):
    return [
        (start + timedelta(seconds=20 * i), "neg", 0.8, f"hot{i}", f"u{i % 3}") for i in range(n)
    ]


def test_heated_thread_alerts_with_the_messages_that_drove_it() -> None:
    policy = s.MoodPolicy(slowmode_seconds=30)
    state, alerts = feed(s.MoodState(), policy, calm_hour(T0))
    assert alerts == []
    state, alerts = feed(state, policy, heated_burst(T0 + timedelta(minutes=70)))
    assert len(alerts) == 1
    alert = alerts[0]
    assert alert.channel_id == "c1"
    assert alert.mood_now <= policy.max_mood < alert.mood_before
    assert alert.rate_now_per_min >= policy.rate_ratio * alert.rate_before_per_min
    assert alert.driver_message_ids and all(m.startswith("hot") for m in alert.driver_message_ids)
    assert len(alert.driver_message_ids) <= policy.drivers
    assert alert.slowmode_seconds == 30
    assert alert.slowmode_until == alert.at + policy.slowmode_for
    assert state.last_alert_at == alert.at


def test_no_alert_while_warming_up_after_a_restart() -> None:
    _, alerts = feed(s.MoodState(), s.MoodPolicy(), heated_burst(T0))
    assert alerts == []


def test_negative_but_steady_channel_does_not_alert() -> None:
    policy = s.MoodPolicy()
    grumpy_hour = [
        (T0 + timedelta(seconds=20 * i), "neg", 0.8, f"g{i}", f"u{i % 3}") for i in range(200)
    ]
    _, alerts = feed(s.MoodState(), policy, grumpy_hour)
    assert alerts == []  # the mood did not *drop* and the rate did not rise


def test_one_angry_member_alone_is_not_a_heated_thread() -> None:
    policy = s.MoodPolicy()
    state, _ = feed(s.MoodState(), policy, calm_hour(T0))
    burst = [
        (T0 + timedelta(minutes=70, seconds=20 * i), "neg", 0.8, f"s{i}", "solo")
        for i in range(12)
    ]
    _, alerts = feed(state, policy, burst)
    assert alerts == []
    _, alerts = feed(state, replace(policy, min_speakers=1), burst)
    assert len(alerts) == 1  # the same burst alerts when one speaker is allowed


def test_alert_cooldown_and_slowmode_lift() -> None:
    policy = s.MoodPolicy(slowmode_seconds=10, cooldown=timedelta(minutes=30))
    state, _ = feed(s.MoodState(), policy, calm_hour(T0))
    state, first = feed(state, policy, heated_burst(T0 + timedelta(minutes=70)))
    state, again = feed(state, policy, heated_burst(T0 + timedelta(minutes=75)))
    assert len(first) == 1 and again == []
    before_end = first[0].slowmode_until - timedelta(seconds=1)
    state2, lift = s.slowmode_to_lift(state, before_end)
    assert not lift and state2 is state
    state3, lift = s.slowmode_to_lift(state, first[0].slowmode_until)
    assert lift and state3.slowmode_until is None


@given(
    st.lists(
        st.tuples(st.integers(0, 7200), st.sampled_from(s.LABELS), st.floats(0, 1)),
        max_size=60,
    )
)
@settings(max_examples=60, deadline=None)
def test_mood_state_stays_bounded_and_never_raises(items) -> None:
    policy = s.MoodPolicy(max_entries=20)
    state = s.MoodState()
    for i, (sec, label, conf) in enumerate(sorted(items)):
        now = T0 + timedelta(seconds=sec)
        state, _ = s.update_mood(
            state, s.ScoredMessage(now, score(label, conf), str(i), f"u{i % 4}"), now, policy
        )
        assert len(state.entries) <= policy.max_entries
        horizon = now - policy.window - policy.baseline
        assert all(e.at > horizon for e in state.entries)


# ---- unanswered questions ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("why does the build keep failing?", True),
        ("how do I reset my password", True),
        ("anyone know why this is broken", True),
        ("为什么又挂了", True),
        ("这个怎么用啊", True),
        ("能不能修一下", True),
        ("有人吗", True),
        ("the build failed again.", False),
        ("又挂了", False),
        ("see `what?` in the docs", False),
        ("", False),
    ],
)
def test_is_question(text: str, expected: bool) -> None:
    assert s.is_question(text) is expected


def test_frustrated_question_needs_negative_and_a_question() -> None:
    assert s.frustrated_question("why is this so broken?", score("neg", 0.7))
    assert not s.frustrated_question("why is this so great?", score("pos", 0.7))
    assert not s.frustrated_question("this is so broken", score("neg", 0.7))
    assert not s.frustrated_question("why is it broken?", score("neg", 0.1))


def test_pending_question_lifecycle() -> None:
    pending = s.open_pending_question(
        community_id="dc:1", channel_id="c", message_id="q1", member_id="asker", asked_at=T0
    )
    assert pending.due_at == T0 + timedelta(minutes=10)
    later = T0 + timedelta(minutes=3)
    assert not s.answers_question(pending, author_id="asker", channel_id="c", at=later,
                                  reply_to_message_id="q1")
    assert not s.answers_question(pending, author_id="other", channel_id="c", at=later)
    assert s.answers_question(pending, author_id="other", channel_id="c", at=later,
                              reply_to_message_id="q1")
    assert s.answers_question(pending, author_id="other", channel_id="c", at=later,
                              mentions=("asker",))
    assert s.answers_question(pending, author_id="other", channel_id="t", at=later,
                              thread_id="q1")
    assert s.question_decision(pending, later, answered=False) == "wait"
    assert s.question_decision(pending, pending.due_at, answered=False) == "acknowledge"
    assert s.question_decision(pending, pending.due_at, answered=True) == "drop"


# ---- distress cases ----------------------------------------------------------------------


def new_case(policy: s.DistressPolicy = s.DistressPolicy()) -> s.DistressCase:
    return s.open_distress_case(
        case_id="case-1", community_id="dc:1", member_id="dc:42", channel_id="dc:7",
        message_id="dc:99", now=T0, policy=policy,
    )


def test_first_signal_opens_case_dms_and_pages() -> None:
    d = s.decide_on_distress(open_case=None, last_dm_at=None, now=T0)
    assert (d.open_case, d.send_dm, d.page, d.attach_to_case) == (True, True, True, None)


def test_open_case_absorbs_further_messages_without_new_dm_or_page() -> None:
    case = new_case()
    d = s.decide_on_distress(open_case=case, last_dm_at=T0, now=T0 + timedelta(minutes=2))
    assert (d.open_case, d.send_dm, d.page, d.attach_to_case) == (False, False, False, "case-1")
    noted = s.attach_message(s.attach_message(case, "dc:100"), "dc:100")
    assert noted.related_message_ids == ("dc:100",)


def test_dm_cooldown_still_opens_a_case_for_humans() -> None:
    policy = s.DistressPolicy(cooldown=timedelta(hours=12))
    closed = s.close_case(new_case(), T0 + timedelta(hours=1))
    d = s.decide_on_distress(open_case=closed, last_dm_at=T0, now=T0 + timedelta(hours=2),
                             policy=policy)
    assert d.open_case and d.page and not d.send_dm
    d = s.decide_on_distress(open_case=None, last_dm_at=T0, now=T0 + timedelta(hours=13),
                             policy=policy)
    assert d.send_dm


def test_sla_repages_and_escalates_until_acknowledged() -> None:
    policy = s.DistressPolicy(sla=timedelta(minutes=8), max_pages=3)
    case = new_case(policy)
    assert case.ack_due_at == T0 + timedelta(minutes=8)
    assert s.sla_check(case, T0 + timedelta(minutes=7, seconds=59), policy) is None
    step = s.sla_check(case, T0 + timedelta(minutes=8), policy)
    assert step is not None and step.repage and step.escalation_level == 1
    assert step.next_due_at == T0 + timedelta(minutes=16)
    assert step.minutes_waiting == 8 and not step.exhausted
    step2 = s.sla_check(step.case, T0 + timedelta(minutes=16), policy)
    assert step2 is not None and step2.escalation_level == 2 and step2.exhausted
    assert step2.next_due_at is None
    assert s.sla_check(step2.case, T0 + timedelta(minutes=40), policy) is None


def test_acknowledged_case_stops_the_timer_and_keeps_first_ack() -> None:
    case = new_case()
    acked = s.acknowledge_case(case, "dc:mod", T0 + timedelta(minutes=3))
    assert acked.time_to_ack == timedelta(minutes=3)
    assert s.sla_check(acked, T0 + timedelta(minutes=9)) is None
    again = s.acknowledge_case(acked, "dc:other", T0 + timedelta(minutes=5))
    assert again.acknowledged_by == "dc:mod" and again.time_to_ack == timedelta(minutes=3)
    assert s.close_case(acked, T0).status == "closed"


def test_audit_entry_records_existence_not_content_or_member() -> None:
    case = replace(new_case(), related_message_ids=("dc:100",))
    entry = s.case_audit_entry(case)
    assert entry["case_id"] == "case-1" and entry["kind"] == "support_case"
    flat = " ".join(entry.values())
    assert "dc:42" not in flat and "dc:99" not in flat and "dc:7" not in flat


def test_distress_dm_and_pages_render_in_both_languages_without_content() -> None:
    for lang in ("en", "zh"):
        dm = t("feelings.distress.dm", lang, name="Ana", support_text="S", helplines="H")
        assert "S" in dm and "H" in dm
        page = t("feelings.distress.page", lang, role="@oncall", case_id="c1",
                 link="https://x/y", sla_minutes=8)
        assert "https://x/y" in page and "8" in page


def test_distress_dm_text_uses_configured_support_and_helplines() -> None:
    dm = s.distress_dm_text("en", name="Ana", support_text="Our mods are here.",
                            helplines=["988 Lifeline (US): call or text 988"])
    assert "Our mods are here." in dm and "• 988 Lifeline" in dm and "Ana" in dm
    zh = s.distress_dm_text("zh", name="小明", support_text=None, helplines=[])
    assert t("feelings.distress.support_default", "zh") in zh
    assert "findahelpline.com" in zh


# ---- links, languages, mentions, /case arguments ------------------------------------------


def test_message_links_per_platform() -> None:
    assert s.message_link("dc:1", "dc:2", "dc:3") == "https://discord.com/channels/1/2/3"
    assert s.message_link("tg:-1001234", "tg:-1001234", "tg:77") == "https://t.me/c/1234/77"
    assert s.message_link("tg:-42", "tg:-42", "tg:7") == "tg:-42/tg:-42/tg:7", (
        "basic groups have no message links")
    assert s.message_link("console:demo", "general", "12") == "console:demo/general/12"


def test_dm_language_prefers_member_then_message_then_community() -> None:
    assert s.dm_language("zh-CN", "en", "en") == "zh"
    assert s.dm_language(None, "zh", "en") == "zh"
    assert s.dm_language(None, "other", "zh") == "zh"
    assert s.dm_language(None, None, "en") == "en"


def test_page_mentions_escalate_by_level_and_repeat_the_last() -> None:
    assert s.page_mention("@oncall", ["@leads", "@admins"], 0) == "@oncall"
    assert s.page_mention("@oncall", ["@leads", "@admins"], 1) == "@leads"
    assert s.page_mention("@oncall", ["@leads", "@admins"], 5) == "@admins"
    assert s.page_mention("@oncall", [], 3) == "@oncall"
    assert s.page_mention(None, [], 0) == ""


def test_case_command_parsing_and_errors() -> None:
    assert s.parse_case_command("12") == s.CaseCommand(12, "show")
    assert s.parse_case_command("#7 ACK") == s.CaseCommand(7, "ack")
    assert s.parse_case_command("3 关闭") == s.CaseCommand(3, "close")
    for bad, why in (("", "expected a case number"), ("x ack", "'x' is not a case number"),
                     ("1 delete", "'delete' is not ack"), ("1 ack now", "expected"),
                     ("0", "is not a case number")):
        with pytest.raises(ValueError, match=why):
            s.parse_case_command(bad)


@given(st.text(max_size=40))
def test_case_command_parser_never_crashes(args: str) -> None:
    try:
        parsed = s.parse_case_command(args)
    except ValueError as exc:
        assert str(exc)
    else:
        assert parsed.case_id > 0 and parsed.verb in s.CASE_VERBS


@given(st.integers(min_value=1, max_value=10**12), st.sampled_from(["ack", "close", "show"]))
def test_case_command_round_trips(number: int, verb: str) -> None:
    assert s.parse_case_command(f"#{number} {verb}") == s.CaseCommand(number, verb)


def test_channel_labels() -> None:
    assert s.channel_label("dc:123") == "<#123>"
    assert s.channel_label("general") == "#general"
    assert s.channel_label("tg:-100") == "#-100"


def test_question_ack_has_tone_variants() -> None:
    for tone in s.TONES:
        assert s.toned_reply("question_ack", tone, "zh", name="小明")
