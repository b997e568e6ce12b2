"""Line 3: SLA timers escalate unclaimed cases to the experts and re-page; claimed or decided
cases stay quiet. Timers are scheduled_items rows fired by the real sweeper at chosen times.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from tests.bot.safety.safety_helpers import (
    EXPERT,
    SPAM,
    Clock,
    cases,
    command,
    message,
    posts,
    press,
    replies,
    run,
    safety_app,
    scheduled,
    sweep,
)


async def test_unclaimed_item_escalates_and_repages_claimed_one_does_not(
        make_app: Any, db_url: str) -> None:
    app = await safety_app(make_app, db_url,
                           review={"expert_role_id": "777", "expert_mention": "@oncall"})
    clock = Clock()
    start = clock.now
    await run(app, message(clock, SPAM[0], "console:a"))
    await run(app, message(clock, SPAM[1], "console:b"))
    first, second = await cases(app)
    await run(app, command(clock, "claim", str(second.id)))
    timers = await scheduled(app, "review_sla")
    assert sorted(t.payload["item_id"] for t in timers) == [first.id, second.id]

    # just before the acknowledge deadline nothing happens
    assert await sweep(app, start + timedelta(minutes=59)) == []
    fired = await sweep(app, start + timedelta(minutes=61))
    [page] = posts(fired, "console:experts")
    assert page.text.startswith("@oncall") and f"case #{first.id}" in page.text
    assert "Escalation level 1" in page.text and "acknowledge" in page.text
    assert any(b.custom_id == f"rv:{first.id}:ban" for b in page.buttons)
    first, second = await cases(app)
    assert (first.status, first.escalation_level) == ("escalated", 1)
    assert (second.status, second.escalation_level) == ("claimed", 0)

    # re-paged at the assessment deadline (30 min later), still only the unclaimed item
    assert posts(await sweep(app, start + timedelta(minutes=80)), "console:experts") == []
    fired = await sweep(app, start + timedelta(minutes=91))
    [repage] = posts(fired, "console:experts")
    assert "Escalation level 2" in repage.text and f"#{first.id}" in repage.text

    # an expert decides it from the page: later deadlines do nothing
    decided = await run(app, press(clock, f"rv:{first.id}:remove", "console:expert",
                                   roles=EXPERT))
    assert "decided" in replies(decided)[0]
    quiet = await sweep(app, start + timedelta(hours=3))
    assert posts(quiet, "console:experts") == []

    # the claimed but undecided item is paged at the remediation deadline (about 25 h)
    late = await sweep(app, start + timedelta(hours=26))
    [final] = posts(late, "console:experts")
    assert f"#{second.id}" in final.text and "remediation" in final.text


async def test_manual_escalation_and_no_expert_channel_falls_back_to_mod(
        make_app: Any, sqlite_url: str) -> None:
    app = await safety_app(make_app, sqlite_url,
                           review={"expert_channel_id": None, "mod_channel_id": "dc-mod"})
    clock = Clock()
    await run(app, message(clock, SPAM[2]))
    [item] = await cases(app)
    actions = await run(app, command(clock, "review", f"{item.id} escalate need legal advice"))
    [page] = posts(actions, "console:dc-mod")
    assert "escalated by console:mod" in page.text
    assert "escalated to the experts (level 1)" in replies(actions)[0]
    [item] = await cases(app)
    assert item.status == "escalated" and item.decision is None


async def test_sla_disabled_schedules_nothing(make_app: Any, sqlite_url: str) -> None:
    app = await safety_app(make_app, sqlite_url, sla={"enabled": False})
    clock = Clock()
    await run(app, message(clock, SPAM[0]))
    assert await scheduled(app, "review_sla") == []


async def test_custom_sla_deadlines_from_config(make_app: Any, sqlite_url: str) -> None:
    app = await safety_app(make_app, sqlite_url, sla={"acknowledge": "5m"})
    clock = Clock()
    start = clock.now
    await run(app, message(clock, SPAM[3]))
    [timer] = await scheduled(app, "review_sla")
    assert timer.due_at == start + timedelta(seconds=1) + timedelta(minutes=5)
    assert posts(await sweep(app, start + timedelta(minutes=6)), "console:experts")
