"""The Feelings in-memory state stays bounded and answers what tone and mood need."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from domain.sentiment import MoodState, PendingQuestion, Score, ScoredMessage
from handlers.feelings_memory import FeelingsMemory

T0 = datetime(2026, 3, 2, 20, 0, tzinfo=UTC)


def scored(n: int) -> ScoredMessage:
    return ScoredMessage(T0 + timedelta(minutes=n), Score("neg", 0.9, "lexicon", "v", "en"),
                         str(n), "m")


def test_members_are_kept_in_lru_order_with_a_bounded_history() -> None:
    memory = FeelingsMemory(capacity=2, per_member=3)
    for n in range(5):
        memory.add_score("c", "a", scored(n))
    memory.add_score("c", "a", scored(4))  # a replayed message is not counted twice
    assert [m.message_id for m in memory.recent("c", "a")] == ["2", "3", "4"]
    memory.add_score("c", "b", scored(1))
    memory.add_score("c", "a", scored(5))  # touch a: b is now the oldest
    memory.add_score("c", "z", scored(1))
    assert memory.recent("c", "b") == [] and memory.recent("c", "a")
    assert memory.recent("other", "a") == [], "communities never mix"


def test_channels_cases_and_questions() -> None:
    memory = FeelingsMemory(max_channels=1, max_questions=2)
    memory.set_channel("c", "x", MoodState(since=T0))
    memory.set_channel("c", "y", MoodState(since=T0))
    assert memory.channel("c", "x") == MoodState() and memory.channel("c", "y").since == T0
    memory.set_in_case("c", "m", True)
    assert memory.in_case("c", "m") and not memory.in_case("d", "m")
    memory.set_in_case("c", "m", False)
    assert not memory.in_case("c", "m")

    def question(mid: str, due_minutes: int) -> PendingQuestion:
        return PendingQuestion("c", "x", mid, "m", T0, T0 + timedelta(minutes=due_minutes))

    for mid, due in (("q1", 5), ("q2", 10), ("q3", 15)):
        memory.add_question(question(mid, due))
    assert [q.message_id for q in memory.questions_in("c")] == ["q2", "q3"]
    memory.mark_answered("c", "q2")
    assert [q.message_id for q in memory.questions_in("c")] == ["q3"]
    assert memory.answered("c", "q2")
    memory.expire_questions(T0 + timedelta(minutes=12))
    assert not memory.answered("c", "q2") and [q.message_id
                                                for q in memory.questions_in("c")] == ["q3"]
