"""The growth state codec: member_stats row <-> cached MemberGrowthState.

Why: the cache is what makes the hot path cheap, and the row is the truth. The state must
survive a restart exactly (or anti-farming memory would reset and a restart would be a
free-points window), and the row's lifetime/balance columns — which commands, imports and
other processes change — must win over a stale JSON snapshot.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.growth.codec import GrowthCodec, day_to_iso, iso_to_day, reconcile
from domain.growth.state import MemberGrowthState
from tests.handlers.test_growth_support import T0, community, fresh_text, points, say

CATEGORIES = st.sampled_from(["activity", "helping", "creation", "green"])
FINGERPRINT = st.frozensets(st.integers(0, 2**32 - 1), min_size=1, max_size=24)


@st.composite
def states(draw: Any) -> MemberGrowthState:
    lifetime = draw(st.dictionaries(CATEGORIES, st.integers(0, 10**9), max_size=4))
    ring = draw(st.lists(FINGERPRINT, max_size=10))
    optional_time = st.none() | st.floats(0, 4e9, allow_nan=False)
    return MemberGrowthState(
        member_id=draw(st.sampled_from(["dc:1", "tg:2", "console:ann"])),
        lifetime=lifetime, lifetime_total=sum(lifetime.values()),
        balance=draw(st.integers(0, 10**9)), spent=draw(st.integers(0, 10**6)),
        last_award_at=draw(optional_time), cap_day=draw(st.none() | st.integers(0, 30000)),
        points_today=draw(st.integers(0, 1000)), fingerprints=ring,
        fingerprint_next=draw(st.integers(0, 9)), messages=draw(st.integers(0, 10**6)),
        active_days=draw(st.integers(0, 5000)),
        last_active_day=draw(st.none() | st.integers(0, 30000)),
        streak=draw(st.integers(0, 500)), best_streak=draw(st.integers(0, 500)),
        first_seen=draw(optional_time), last_seen=draw(optional_time),
        helpful=draw(st.integers(0, 1000)), voice_minutes=draw(st.floats(0, 1e6)),
        night_messages=draw(st.integers(0, 1000)), languages=draw(st.integers(0, 3)),
        team_interactions=draw(st.integers(0, 1000)),
        stage=draw(st.sampled_from(["newcomer", "active", "expert", "leader"])),
        stage_grace_since=draw(optional_time),
        badges=draw(st.sets(st.sampled_from(["first_message", "streak_7", "night_owl"]))),
    )


def row_for(state: MemberGrowthState, codec: GrowthCodec, **columns: Any) -> dict[str, Any]:
    row = {"community_id": "dc:9", "member_id": state.member_id,
           "lifetime": state.lifetime_total, "balance": state.balance, **columns}
    row.update(codec.persisted_fields(state))
    return row


@settings(max_examples=200, deadline=None)
@given(states())
def test_a_state_round_trips_through_its_row(state: MemberGrowthState) -> None:
    codec = GrowthCodec()
    assert codec.load(row_for(state, codec)) == state
    assert MemberGrowthState.from_dict(codec.state_dict(state)) == state


@settings(max_examples=200, deadline=None)
@given(states(), st.integers(0, 10**9), st.integers(0, 10**9))
def test_the_columns_win_and_categories_still_add_up(state: MemberGrowthState,
                                                    lifetime: int, balance: int) -> None:
    codec = GrowthCodec()
    loaded = codec.load(row_for(state, codec, lifetime=lifetime, balance=balance)
                        | {"lifetime": lifetime, "balance": balance})
    assert loaded.lifetime_total == lifetime == sum(loaded.lifetime.values())
    assert loaded.balance == balance
    assert all(points >= 0 for points in loaded.lifetime.values())


def test_reconcile_books_gains_to_activity_and_takes_losses_from_the_largest() -> None:
    state = MemberGrowthState(lifetime={"activity": 100, "helping": 50}, lifetime_total=150)
    reconcile(state, 180, 20)
    assert (state.lifetime, state.lifetime_total, state.balance) == (
        {"activity": 130, "helping": 50}, 180, 20)
    reconcile(state, 60, -5)
    assert (state.lifetime, state.lifetime_total, state.balance) == (
        {"activity": 10, "helping": 50}, 60, 0)


def test_a_row_without_state_json_is_built_from_its_columns() -> None:
    codec = GrowthCodec()
    loaded = codec.load({"community_id": "dc:9", "member_id": "dc:1", "lifetime": 4500,
                         "balance": 4000, "messages": 12, "active_days": 3, "streak": 2,
                         "best_streak": 3, "last_active_day": "2026-03-02", "helpful": 1,
                         "stage": "active", "state": None})
    assert (loaded.member_id, loaded.lifetime, loaded.balance, loaded.stage) == (
        "dc:1", {"activity": 4500}, 4000, "active")
    assert (loaded.messages, loaded.active_days, loaded.helpful) == (12, 3, 1)
    assert day_to_iso(loaded.last_active_day) == "2026-03-02"
    assert codec.load(None) == MemberGrowthState()


def test_an_unreadable_state_is_rebuilt_and_counted() -> None:
    codec = GrowthCodec()
    loaded = codec.load({"member_id": "dc:1", "lifetime": 30, "balance": 30,
                         "state": {"messages": "many", "lifetime": {"activity": 30}}})
    assert loaded.lifetime_total == 30 and loaded.messages == 0
    assert codec.corrupt_rows == 1


def test_days_round_trip() -> None:
    assert iso_to_day(day_to_iso(20514)) == 20514
    assert iso_to_day("not a day") is None and day_to_iso(None) is None


async def test_anti_farming_memory_survives_a_restart(make_app: Any, sqlite_url: str) -> None:
    first = await make_app(sqlite_url, communities=[community()])
    text = fresh_text()
    await say(first, "console:ann", T0, text)
    await say(first, "console:ann", T0 + timedelta(seconds=5), fresh_text())  # cooldown:
    # not persisted in the JSON, yet counted after the restart from the exact column.
    restarted = await make_app(sqlite_url, communities=[community()])
    await say(restarted, "console:ann", T0 + timedelta(seconds=20), fresh_text())  # cooldown
    await say(restarted, "console:ann", T0 + timedelta(minutes=3), text)  # repeat
    assert await points(restarted, "console:ann") == (10, 10)
    state = await restarted.cache.get("console:demo", "console:ann")
    assert state.messages == 4 and state.last_award_at == T0.timestamp()
    await say(restarted, "console:ann", T0 + timedelta(minutes=5), fresh_text())
    assert await points(restarted, "console:ann") == (20, 20)
