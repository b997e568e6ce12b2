"""Announcements: recurring (cron in the community zone, across DST) and one-off, by command
and from the config, with preview, list, cancel and the missed-run policies.

Why: "every monday 10:00" must stay 10:00 on the wall clock when Berlin switches to summer
time; a restart must neither duplicate config announcements nor lose command ones; after
downtime the configured policy decides whether missed posts come late, once, or not at all.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from domain.actions import PostToChannel
from domain.i18n import t
from tests.handlers.test_time_support import build, cmd, items, only_text, sweep

ADMIN = frozenset({"member", "admin"})
T0 = datetime(2026, 3, 20, 12, 0, tzinfo=UTC)  # a Friday; Berlin goes to CEST on 2026-03-29


async def test_weekly_announcement_keeps_local_time_across_dst(make_app: Any,
                                                               db_url: str) -> None:
    app = await build(make_app, db_url, wakeup={"enabled": False},
                      digest={"enabled": False})
    text = only_text(await cmd(app, "announce", "every monday 10:00 #news Weekly thread!",
                               at=T0, roles=ADMIN))
    assert text.startswith("📣 Announcement #1 scheduled every monday 10:00")
    assert "cron 0 10 * * mon, Europe/Berlin" in text and "#news" in text
    assert ("2026-03-23 10:00 Europe/Berlin, 2026-03-30 10:00 Europe/Berlin, "
            "2026-04-06 10:00 Europe/Berlin") in text
    before_dst = datetime(2026, 3, 23, 9, 0, tzinfo=UTC)  # 10:00 CET
    after_dst = datetime(2026, 3, 30, 8, 0, tzinfo=UTC)  # 10:00 CEST
    assert await sweep(app, before_dst - timedelta(seconds=1)) == []
    assert await sweep(app, before_dst) == [
        PostToChannel("console:demo", "news", "📣 Weekly thread!")]
    (row,) = await items(app, "announcement")
    assert row.status == "pending" and row.due_at == after_dst
    assert await sweep(app, after_dst - timedelta(seconds=1)) == []
    assert len(await sweep(app, after_dst)) == 1
    (row,) = await items(app, "announcement")
    assert row.due_at == datetime(2026, 4, 6, 8, 0, tzinfo=UTC)


async def test_a_wall_time_inside_the_dst_gap_fires_when_the_clocks_jump(
        make_app: Any, sqlite_url: str) -> None:
    app = await build(make_app, sqlite_url, wakeup={"enabled": False},
                      digest={"enabled": False})
    await cmd(app, "announce", "every day 02:30 #night Night shift", at=T0, roles=ADMIN)
    fired = []
    moment = T0
    while moment < datetime(2026, 4, 1, tzinfo=UTC):
        moment += timedelta(minutes=30)
        if await sweep(app, moment):
            fired.append(moment)
    gap_day = [f for f in fired if f.date() == datetime(2026, 3, 29).date()]
    # 02:30 does not exist on 29 March in Berlin: it fires at 03:00 CEST (01:00 UTC), once
    assert gap_day == [datetime(2026, 3, 29, 1, 0, tzinfo=UTC)]
    assert datetime(2026, 3, 28, 1, 30, tzinfo=UTC) in fired  # 02:30 CET
    assert datetime(2026, 3, 30, 0, 30, tzinfo=UTC) in fired  # 02:30 CEST
    assert len(fired) == 11  # 21 … 31 March, one a day


async def test_one_off_list_and_cancel(make_app: Any, sqlite_url: str) -> None:
    app = await build(make_app, sqlite_url, wakeup={"enabled": False},
                      digest={"enabled": False})
    once = only_text(await cmd(app, "announce", "at 2026-04-01 18:00 #events Meetup tonight!",
                               at=T0, roles=ADMIN))
    assert "#1 scheduled for 2026-04-01 18:00 Europe/Berlin" in once and "#events" in once
    await cmd(app, "announce", "every friday 17:00 Weekend thread", at=T0, roles=ADMIN,
              channel="lounge")
    listing = only_text(await cmd(app, "announce", "list", at=T0, roles=ADMIN)).splitlines()
    assert listing[0] == "Scheduled announcements (2):"
    assert listing[1].startswith("#2 · every friday 17:00 (cron 0 17 * * fri, Europe/Berlin)")
    assert "#lounge" in listing[1]  # no channel given: the channel the command was used in
    assert listing[2] == "#1 · 2026-04-01 18:00 Europe/Berlin · #events · Meetup tonight!"
    assert only_text(await cmd(app, "announce", "cancel 2", at=T0, roles=ADMIN)) == (
        "Announcement #2 cancelled.")
    assert "no scheduled announcement #2" in only_text(
        await cmd(app, "announce", "cancel 2", at=T0, roles=ADMIN))
    refused = await cmd(app, "announce", "list", at=T0)
    assert refused[0].text == t("core.not_allowed", "en", name="announce",
                                role=t("core.role.admin", "en"))
    assert [a.text for a in await sweep(app, datetime(2026, 4, 2, tzinfo=UTC))] == [
        "📣 Meetup tonight!"]


async def test_bad_announcements_are_explained(make_app: Any, sqlite_url: str) -> None:
    app = await build(make_app, sqlite_url)
    assert "Example: every monday 10:00" in only_text(
        await cmd(app, "announce", "every 7 minutes #x hi", at=T0, roles=ADMIN))
    assert only_text(await cmd(app, "announce", "every monday 10:00 #news", at=T0,
                               roles=ADMIN)) == t("time.announce.no_text", "en")
    assert "has already passed" in only_text(
        await cmd(app, "announce", "at 2026-01-01 10:00 #x late", at=T0, roles=ADMIN))
    assert await items(app, "announcement") == []


async def test_discord_channels_need_a_mention(make_app: Any, sqlite_url: str) -> None:
    entry = {"platform": "discord", "id": "100", "timezone": "UTC"}
    app = await build(make_app, sqlite_url, entry=entry)
    text = only_text(await cmd(app, "announce", "every monday 10:00 <#555> Hello", at=T0,
                               roles=ADMIN, community_id="dc:100", channel="dc:9"))
    assert "in <#555>" in text
    (row,) = await items(app, "announcement")
    assert row.payload["channel_id"] == "dc:555"
    assert only_text(await cmd(app, "announce", "every monday 10:00 #general Hi", at=T0,
                               roles=ADMIN, community_id="dc:100", channel="dc:9")) == t(
        "time.announce.usage", "en")


async def test_config_announcements_are_scheduled_once_and_follow_config_changes(
        make_app: Any, sqlite_url: str) -> None:
    entry = {"cron": "0 10 * * mon", "channel": "news", "text": "Weekly thread"}
    app = await build(make_app, sqlite_url, announcements=[entry])
    await app.services["time_ensure"](T0)
    await app.services["time_ensure"](T0 + timedelta(hours=1))  # a restart: nothing new
    rows = await items(app, "announcement")
    assert len(rows) == 1 and rows[0].payload["source"] == "config"
    assert {r.kind for r in await items(app)} == {"announcement", "lifecycle_scan", "digest"}
    listing = only_text(await cmd(app, "announce", "list", at=T0, roles=ADMIN))
    assert "(from the config)" in listing
    assert "comes from the config file" in only_text(
        await cmd(app, "announce", f"cancel {rows[0].id}", at=T0, roles=ADMIN))
    # the config changes (text edited): the old entry is cancelled, the new one scheduled
    changed = await build(make_app, sqlite_url, announcements=[{**entry, "text": "New text"}])
    await changed.services["time_ensure"](T0)
    statuses = {r.payload["text"]: r.status for r in await items(changed, "announcement")}
    assert statuses == {"Weekly thread": "cancelled", "New text": "pending"}
    # and back again: the cancelled row is reactivated rather than lost under its key
    again = await build(make_app, sqlite_url, announcements=[entry])
    await again.services["time_ensure"](T0)
    statuses = {r.payload["text"]: r.status for r in await items(again, "announcement")}
    assert statuses == {"Weekly thread": "pending", "New text": "cancelled"}


@pytest.mark.parametrize(("policy", "posts"), [("once", 1), ("skip", 0), ("all", 3)])
async def test_missed_run_policies_after_downtime(make_app: Any, sqlite_url: str,
                                                  policy: str, posts: int) -> None:
    app = await build(make_app, sqlite_url, missed_policy=policy,
                      wakeup={"enabled": False}, digest={"enabled": False})
    await cmd(app, "announce", "every day 10:00 #news Daily", at=T0, roles=ADMIN)
    # down from Friday noon until Monday 11:00 Berlin: Sat, Sun and Mon 10:00 were missed
    back = datetime(2026, 3, 23, 10, 0, tzinfo=UTC)
    assert len(await sweep(app, back)) == posts
    (row,) = await items(app, "announcement")
    assert row.status == "pending" and row.due_at == datetime(2026, 3, 24, 9, 0, tzinfo=UTC)
    assert len(await sweep(app, datetime(2026, 3, 24, 9, 0, tzinfo=UTC))) == 1  # on time again
