"""Dynamic stages ("expert = top X % by points over the last N days"), recomputed by the
scheduler through ``recompute_dynamic_stages``.

Why: relative stages must follow the ranking of the window (not lifetime points), apply
their roles and messages when the snapshot changes, and be what the message handler uses
between recomputations — including in another process reading the stored snapshot.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from bot.growth.dynamic import recompute_dynamic_stages
from bot.storage.models_growth import DynamicStage
from domain.actions import AddRole, DirectMessage, RemoveRole
from tests.handlers.test_growth_support import (
    COMMUNITY,
    MOD,
    T0,
    cmd,
    community,
    member,
    rows,
    say,
    stats,
)

MEMBERS = [member(name) for name in ("ann", "bob", "cat", "dan")]
STAGES = {"grace_days": 0,
          "active": {"min_points": 10},
          "expert": {"top_percent": 50, "window_days": 30, "roles": ["expert"]},
          "leader": {"top_percent": 25, "window_days": 30, "roles": ["leader"]}}


@pytest.fixture
async def app(make_app: Any, sqlite_url: str) -> Any:
    app = await make_app(sqlite_url, communities=[community(stages=STAGES)])
    for who, amount in zip(MEMBERS, (400, 300, 200, 100), strict=True):
        await say(app, who, T0)
        await cmd(app, member("mia"), "points", f"grant {who[8:]} {amount} event prize",
                  roles=MOD, at=T0 + timedelta(minutes=1))
    return app


async def test_the_window_ranking_sets_dynamic_stages_and_applies_them(app: Any) -> None:
    assert [(await stats(app, who))["stage"] for who in MEMBERS] == ["active"] * 4
    result = await recompute_dynamic_stages(app, COMMUNITY, now=T0 + timedelta(days=1))
    assert result.stages == {MEMBERS[0]: "leader", MEMBERS[1]: "expert"}
    assert sorted(result.changed) == [(MEMBERS[0], "active", "leader"),
                                      (MEMBERS[1], "active", "expert")]
    assert AddRole(COMMUNITY, MEMBERS[0], "leader") in result.actions
    assert AddRole(COMMUNITY, MEMBERS[1], "expert") in result.actions
    assert [(await stats(app, who))["stage"] for who in MEMBERS] == [
        "leader", "expert", "active", "active"]
    stored = await rows(app, select(DynamicStage.member_id, DynamicStage.stage)
                        .order_by(DynamicStage.member_id))
    assert stored == [(MEMBERS[0], "leader"), (MEMBERS[1], "expert")]
    # Between recomputations the message handler keeps the snapshot's stage.
    await say(app, MEMBERS[0], T0 + timedelta(days=1, hours=1))
    assert (await stats(app, MEMBERS[0]))["stage"] == "leader"


async def test_an_old_window_demotes_members_privately(app: Any) -> None:
    await recompute_dynamic_stages(app, COMMUNITY, now=T0 + timedelta(days=1))
    later = T0 + timedelta(days=40)  # every point is older than the 30-day window
    await say(app, MEMBERS[3], later)
    result = await recompute_dynamic_stages(app, COMMUNITY, now=later + timedelta(hours=1))
    assert result.stages == {MEMBERS[3]: "leader"}
    assert RemoveRole(COMMUNITY, MEMBERS[0], "leader") in result.actions
    assert any(isinstance(a, DirectMessage) and a.member_id == MEMBERS[0]
               for a in result.actions)
    assert (await stats(app, MEMBERS[0]))["stage"] == "active"
    assert (await stats(app, MEMBERS[3]))["stage"] == "leader"


async def test_another_process_picks_the_snapshot_up(make_app: Any, sqlite_url: str,
                                                    app: Any) -> None:
    async with app.sessions() as session:
        settings = app.config.community(COMMUNITY).growth
        result = await recompute_dynamic_stages(session, COMMUNITY,
                                                now=T0 + timedelta(days=1), settings=settings)
        await session.commit()
    assert result.actions == []  # snapshot only
    other = await make_app(sqlite_url, communities=[community(stages=STAGES)])
    await say(other, MEMBERS[1], T0 + timedelta(days=1, minutes=5))
    assert (await stats(other, MEMBERS[1]))["stage"] == "expert"
