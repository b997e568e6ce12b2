"""/team create|join|leave|info|standings through the real pipeline.

Why: team names must be unique however they are typed, a member is in one team at most,
teams respect their size limit even when members race, and every refusal says why.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from sqlalchemy import func, select

from bot.storage.models_growth import Team, TeamMember
from domain.i18n import t
from tests.handlers.test_growth_support import (
    T0,
    cmd,
    community,
    member,
    one_text,
    rows,
    say,
)

ANN, BOB, CAT, DAN = member("ann"), member("bob"), member("cat"), member("dan")


@pytest.fixture
async def app(make_app: Any, sqlite_url: str) -> Any:
    return await make_app(sqlite_url, communities=[community(teams={"max_members": 3})])


async def team(app: Any, who: str, args: str, **kw: Any) -> str:
    return one_text(await cmd(app, who, "team", args, **kw))


async def test_create_join_info_leave(app: Any) -> None:
    await say(app, ANN, T0)
    assert await team(app, ANN, "create  Tree   Huggers ") == t(
        "growth.team.created", "en", team="Tree Huggers", boost="2")
    assert await team(app, BOB, "join TREE huggers") == t(
        "growth.team.joined", "en", team="Tree Huggers", members=2)
    info = await team(app, CAT, "info tree huggers")
    assert info == t("growth.team.info", "en", team="Tree Huggers", members=2, points=10,
                     rank=1, names="ann, bob")
    assert await team(app, BOB, "leave") == t("growth.team.left", "en", team="Tree Huggers")
    assert await team(app, ANN, "leave") == t("growth.team.left", "en", team="Tree Huggers")
    assert await rows(app, select(func.count()).select_from(Team)) == [(0,)]  # empty: gone
    assert await team(app, CAT, "create tree huggers") == t(
        "growth.team.created", "en", team="tree huggers", boost="2")


async def test_duplicate_names_and_membership_refusals(app: Any) -> None:
    await team(app, ANN, "create Ｔｒｅｅ Huggers")  # full-width letters normalise
    assert await team(app, BOB, "create tree  HUGGERS") == t(
        "growth.refusal.team_name_taken", "en", name="tree HUGGERS")
    assert await team(app, ANN, "create Second") == t(
        "growth.refusal.already_in_team", "en", team="Tree Huggers")
    assert await team(app, ANN, "join Second") == t(
        "growth.refusal.already_in_team", "en", team="Tree Huggers")
    assert await team(app, BOB, "join Nowhere") == t(
        "growth.refusal.unknown_team", "en", name="Nowhere")
    assert await team(app, BOB, "leave") == t("growth.refusal.not_in_team", "en")
    assert await team(app, BOB, "info") == t("growth.refusal.not_in_team", "en")
    assert await team(app, BOB, "create x") == t("growth.refusal.team_name_too_short", "en",
                                                 min=2)
    assert await team(app, BOB, "create @everyone") == t(
        "growth.refusal.team_name_invalid", "en")
    assert await team(app, BOB, "create " + "x" * 40) == t(
        "growth.refusal.team_name_too_long", "en", max=32)
    assert await team(app, BOB, "dance") == t("growth.team.usage", "en")
    zh = one_text(await cmd(app, BOB, "team", "join Nowhere", locale="zh"))
    assert zh == t("growth.refusal.unknown_team", "zh", name="Nowhere")


async def test_a_full_team_refuses_even_when_members_race(app: Any) -> None:
    await team(app, ANN, "create Crew")
    racers = [member(f"r{i}") for i in range(4)]
    answers = await asyncio.gather(*(cmd(app, who, "team", "join crew") for who in racers))
    joined = [a for a in answers if "You joined" in one_text(a)]
    full = [a for a in answers if one_text(a) == t("growth.refusal.team_full", "en",
                                                   name="Crew", limit=3)]
    assert (len(joined), len(full)) == (2, 2)
    assert await rows(app, select(func.count()).select_from(TeamMember)) == [(3,)]


async def test_standings_rank_teams_by_points(app: Any) -> None:
    assert await team(app, ANN, "standings") == t("growth.team.standings_empty", "en")
    await team(app, ANN, "create Owls")
    await team(app, BOB, "create Larks")
    await team(app, CAT, "join larks")
    await say(app, ANN, T0, channel="a")
    await say(app, BOB, T0, channel="b")
    await say(app, CAT, T0, channel="c")  # separate channels: no teammate boost
    standings = await team(app, DAN, "standings")
    assert standings.splitlines() == ["Team standings", "#1 Larks — 20 points (2 members)",
                                      "#2 Owls — 10 points (1 members)"]


async def test_teams_can_be_switched_off(make_app: Any, sqlite_url: str) -> None:
    app = await make_app(sqlite_url, communities=[community(teams={"enabled": False})])
    assert await team(app, ANN, "create Owls") == t(
        "core.feature_disabled", "en", feature=t("growth.teams_feature_name", "en"))
