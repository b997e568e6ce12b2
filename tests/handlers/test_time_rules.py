"""Pure rules of the time features, with hypothesis: arms, stage progress, highlight ranking,
trigger windows, and the durations shown to members.

Why property tests: these are arithmetic and set rules that must hold for every input —
an arm split that drifts, a negative "points needed", or a window that leaks an hour would
each quietly mislead members or spoil an experiment.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from domain.growth.stages import StageRule, StageRules
from handlers.lifecycle_common import channel_ref, span_text, split_channel
from handlers.lifecycle_rules import (
    CONTROL,
    TREATMENT,
    assign_arm,
    progress_to_next,
    rank_highlights,
    stage3_variant,
)
from handlers.triggers import Window

ids = st.text(alphabet="abcdefghij0123456789", min_size=1, max_size=8)


@given(ids, ids, st.floats(min_value=0, max_value=100))
def test_arms_are_stable_and_respect_the_extremes(member: str, journey: str,
                                                  holdout: float) -> None:
    arm = assign_arm("exp", "c", member, journey, holdout)
    assert arm == assign_arm("exp", "c", member, journey, holdout)
    assert arm in (CONTROL, TREATMENT)
    assert assign_arm("exp", "c", member, journey, 0) == TREATMENT
    assert assign_arm("exp", "c", member, journey, 100) == CONTROL


def test_the_holdout_share_is_what_was_configured() -> None:
    arms = [assign_arm("wakeup-v1", "dc:1", f"dc:{i}", "2026-01-01", 10) for i in range(20_000)]
    share = arms.count(CONTROL) / len(arms)
    assert 0.09 < share < 0.11
    variants = [stage3_variant("split", "wakeup-v1", "dc:1", f"dc:{i}", "j", "dc:9")
                for i in range(20_000)]
    assert 0.48 < variants.count("recall") / len(variants) < 0.52
    assert stage3_variant("split", "e", "c", "m", "j", None) == "digest"  # no team channel
    assert stage3_variant("recall", "e", "c", "m", "j", "dc:9") == "recall"


RULES = StageRules(stages=(
    StageRule("newcomer"),
    StageRule("active", min_points=100, min_active_days=3),
    StageRule("expert", min_points=1000, min_active_days=14, min_helpful=5),
    StageRule("leader", top_percent=1.0),
))


@given(st.sampled_from(["newcomer", "active", "expert", "leader", "unknown"]),
       st.integers(0, 5000), st.integers(0, 60), st.integers(0, 30))
def test_progress_never_asks_for_negative_amounts(stage: str, points: int, days: int,
                                                  helpful: int) -> None:
    progress = progress_to_next(RULES, stage, lifetime=points, active_days=days,
                                helpful=helpful)
    assert all(need.amount > 0 for need in progress.needs)
    if progress.next is None:
        assert progress.current == "leader" and not progress.needs
    else:
        target = RULES.stages[RULES.index(progress.current) + 1]
        assert progress.next == target.name
        wanted = {"points": (target.min_points, points), "days": (target.min_active_days, days),
                  "helpful": (target.min_helpful, helpful)}
        for need in progress.needs:
            if need.kind in wanted:
                required, have = wanted[need.kind]
                assert need.amount == required - have


def test_progress_examples() -> None:
    start = progress_to_next(RULES, "newcomer", lifetime=90, active_days=3, helpful=0)
    assert start.next == "active" and start.close
    assert [(n.kind, n.amount) for n in start.needs] == [("points", 10)]
    far = progress_to_next(RULES, "active", lifetime=100, active_days=3, helpful=0)
    assert not far.close and {n.kind for n in far.needs} == {"points", "days", "helpful"}
    dynamic = progress_to_next(RULES, "expert", lifetime=9000, active_days=90, helpful=90)
    assert [(n.kind, n.amount) for n in dynamic.needs] == [("top", 1.0)]


posts = st.lists(st.fixed_dictionaries({
    "message_id": ids, "member_id": ids, "reactions": st.integers(0, 50),
    "replies": st.integers(0, 50),
    "quality": st.one_of(st.none(), st.floats(min_value=0, max_value=1)),
}), max_size=30, unique_by=lambda p: p["message_id"])


@given(posts, st.floats(min_value=0, max_value=1), st.integers(0, 10))
def test_highlights_are_sorted_bounded_and_skip_unremarkable_posts(
        candidates: list[dict], weight: float, limit: int) -> None:
    ranked, used = rank_highlights(candidates, engagement_weight=weight, limit=limit)
    assert len(ranked) <= limit
    assert [h.score for h in ranked] == sorted((h.score for h in ranked), reverse=True)
    assert all(0.0 <= h.score <= 1.0 + 1e-9 for h in ranked)
    assert used == (limit > 0 and any(p["quality"] is not None for p in candidates))
    by_id = {p["message_id"]: p for p in candidates}
    for h in ranked:
        post = by_id[h.message_id]
        assert post["reactions"] + post["replies"] > 0 or post["quality"] is not None


@settings(max_examples=200)
@given(st.sets(st.integers(0, 6), min_size=1), st.integers(0, 23), st.integers(0, 59),
       st.integers(0, 23), st.integers(0, 59), st.integers(0, 7 * 24 * 60 - 1))
def test_windows_match_a_minute_by_minute_reference(days: set[int], sh: int, sm: int,
                                                    eh: int, em: int, offset: int) -> None:
    window = Window(frozenset(days), time(sh, sm), time(eh, em))
    moment = datetime(2026, 3, 2) + timedelta(minutes=offset)  # 2026-03-02 is a Monday
    start, end = sh * 60 + sm, eh * 60 + em
    minute, weekday = moment.hour * 60 + moment.minute, moment.weekday()
    if start <= end:
        expected = weekday in days and start <= minute and (minute < end or (eh, em) == (23, 59))
    elif minute >= start:
        expected = weekday in days
    else:
        expected = minute < end and (weekday - 1) % 7 in days
    assert window.contains(moment) == expected


@given(st.integers(0, 400 * 86400))
def test_spans_show_the_two_largest_units_rounded_down(seconds: int) -> None:
    text = span_text(timedelta(seconds=seconds), "en")
    if seconds < 60:
        assert text == ""
        return
    days, rest = divmod(seconds, 86400)
    hours, minutes = rest // 3600, rest % 3600 // 60
    parts = text.split(" ")
    values = dict(zip(parts[1::2], (int(v) for v in parts[0::2]), strict=True))
    assert values.get("d", 0) == days
    if days:
        assert "min" not in values and values.get("h", 0) == hours
    else:
        assert values.get("h", 0) == hours and values.get("min", 0) == minutes


def test_channel_references_per_platform() -> None:
    assert channel_ref("123", "dc:1") == "dc:123"
    assert channel_ref("-100123", "tg:-1") == "tg:-100123"
    assert channel_ref("general", "console:demo") == "general"
    assert channel_ref("dc:5", "dc:1") == "dc:5"
    assert split_channel("<#77> hello", "dc:1") == ("dc:77", "hello", True)
    assert split_channel("#general hello", "dc:1") == (None, "hello", False)
    assert split_channel("#general hello", "tg:-1") == (None, "hello", True)
    assert split_channel("#general hello", "console:x") == ("general", "hello", True)
    assert split_channel("hello", "console:x") == (None, "hello", True)


def test_every_time_parsing_error_has_a_catalogue_message_in_both_languages() -> None:
    import string

    from domain.i18n import catalog
    from domain.timeparse import ERROR_CODES

    fields = {"hour_range": {"hour", "max"}, "minute_range": {"minute"},
              "invalid_date": {"date"}, "past": {"when"}, "too_far": {"days"},
              "unknown_timezone": {"timezone"}, "interval_unsupported": {"interval"}}
    for code in ERROR_CODES:
        texts = catalog()[f"time.{code}"]
        for lang in ("en", "zh"):
            used = {f for _, f, _, _ in string.Formatter().parse(texts[lang]) if f}
            assert used == fields.get(code, set()), (code, lang, used)
