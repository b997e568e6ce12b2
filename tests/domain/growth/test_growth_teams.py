"""Teams: teammate interactions, co-presence, names, membership, team leaderboard."""

from __future__ import annotations

from domain.growth.teams import (
    TeamPresence,
    TeamRefusal,
    check_team_name,
    decide_join,
    decide_leave,
    is_teammate_interaction,
    rank_teams,
    team_name_key,
)


def test_teammate_interaction_needs_same_team_and_window():
    kw = {"target_at": 1000.0, "window_seconds": 600}
    assert is_teammate_interaction("t1", "t1", at=1500.0, **kw)
    assert not is_teammate_interaction("t1", "t1", at=1700.0, **kw)
    assert not is_teammate_interaction("t1", "t2", at=1100.0, **kw)
    assert not is_teammate_interaction(None, None, at=1100.0, **kw)


def test_presence_detects_teammates_talking_together():
    presence = TeamPresence()
    assert not presence.note("t1", "c", "ann", 0, 600)
    assert not presence.note("t1", "c", "ann", 10, 600)  # alone
    assert presence.note("t1", "c", "bob", 100, 600)
    assert presence.note("t1", "c", "bob", 200, 600)  # ann still within window
    assert not presence.note("t1", "c", "bob", 900, 600)  # ann too long ago
    assert not presence.note("t2", "c", "cat", 905, 600)  # other team
    assert not presence.note("t1", "other", "ann", 910, 600)  # other channel
    assert not presence.note(None, "c", "dan", 920, 600)
    presence.forget_before(905)
    assert len(presence) == 2


def test_team_names_are_unique_ignoring_case_width_and_spaces():
    existing = {team_name_key("Tree Huggers")}
    assert check_team_name("ＴＲＥＥ   huggers", existing) == TeamRefusal.NAME_TAKEN
    assert check_team_name("  Seed  Savers ", existing) == "Seed Savers"
    assert check_team_name("x", existing) == TeamRefusal.NAME_TOO_SHORT
    assert check_team_name("y" * 40, existing) == TeamRefusal.NAME_TOO_LONG
    assert check_team_name("@everyone", existing) == TeamRefusal.NAME_INVALID
    assert check_team_name("bad\u200bname", existing) == TeamRefusal.NAME_INVALID
    assert check_team_name("绿色小队", existing) == "绿色小队"


def test_join_and_leave_decisions():
    assert decide_join(None, team_exists=True, team_size=3, max_members=20) is None
    assert decide_join("t1", team_exists=True, team_size=3, max_members=20) == \
        TeamRefusal.ALREADY_IN_TEAM
    assert decide_join(None, team_exists=False, team_size=0, max_members=20) == \
        TeamRefusal.UNKNOWN_TEAM
    assert decide_join(None, team_exists=True, team_size=20, max_members=20) == \
        TeamRefusal.TEAM_FULL
    assert decide_join(None, team_exists=True, team_size=500, max_members=None) is None
    assert decide_leave(None) == TeamRefusal.NOT_IN_TEAM and decide_leave("t1") is None


def test_team_leaderboard_sum_average_and_ties():
    points = {"a": 100, "b": 50, "c": 90, "d": 60, "e": 150}
    membership = {"a": "red", "b": "red", "c": "blue", "d": "blue", "e": "solo"}
    by_sum = rank_teams(points, membership, teams=["empty"])
    assert [(s.rank, s.team_id, s.points) for s in by_sum] == \
        [(1, "solo", 150), (2, "blue", 150), (3, "red", 150), (4, "empty", 0)]
    by_avg = rank_teams(points, membership, by="average", limit=2)
    assert [s.team_id for s in by_avg] == ["solo", "blue"]
