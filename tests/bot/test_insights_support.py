"""Helpers for the insights tests (no tests here): load simulated events into a database
directly, fast.

Why not through the pipeline: insights read what the pipeline stored, and the churn model
needs weeks of traffic from hundreds of members; replaying that through every feature's
handlers would take minutes. These rows have the shape the activity and growth handlers
write (same event keys, kinds, targets and ledger reasons), so the queries under test see
what they see in production.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import insert

from bot.storage.models import Activity, Community, LedgerEntry, Member, MemberStats
from domain.events import (
    CommandInvoked,
    Event,
    MemberJoined,
    MemberLeft,
    MessagePosted,
    ReactionAdded,
    VoiceSessionEnded,
    event_key,
)

COMMUNITY = "console:demo"


def rows_for(events: Iterable[Event], community: str = COMMUNITY
             ) -> tuple[list[dict[str, Any]], list[dict[str, Any]], dict[str, dict[str, Any]]]:
    activity: list[dict[str, Any]] = []
    ledger: list[dict[str, Any]] = []
    members: dict[str, dict[str, Any]] = {}
    for e in events:
        m = members.setdefault(e.member_id, {
            "community_id": community, "member_id": e.member_id, "display_name": "",
            "joined_at": None, "left_at": None, "first_seen": e.at, "last_seen": e.at,
            "nudges_opt_out": False, "anonymised": False})
        row: dict[str, Any] = {
            "community_id": community, "event_key": event_key(e), "member_id": e.member_id,
            "at": e.at, "channel_id": getattr(e, "channel_id", None),
            "message_id": getattr(e, "message_id", None), "text": None, "length": 0,
            "target_member_id": None, "thread_id": None, "points": 0, "amount": 0.0,
            "deleted": False}
        if isinstance(e, MessagePosted):
            row.update(kind="message", text=e.text, length=len(e.text),
                       target_member_id=e.reply_to_member_id)
            ledger.append(_points(community, e.member_id, 10, "message", row["event_key"], e.at))
            if e.reply_to_member_id and e.reply_to_member_id != e.member_id:
                ledger.append(_points(community, e.reply_to_member_id, 5, "reply_received",
                                      row["event_key"], e.at))
            m["display_name"] = e.member_name or m["display_name"]
        elif isinstance(e, ReactionAdded):
            row.update(kind="reaction", text=e.emoji, target_member_id=e.target_member_id)
            if e.target_member_id and e.target_member_id != e.member_id:
                ledger.append(_points(community, e.target_member_id, 2, "reaction_received",
                                      row["event_key"], e.at))
        elif isinstance(e, VoiceSessionEnded):
            row.update(kind="voice", amount=e.minutes)
        elif isinstance(e, CommandInvoked):
            row.update(kind="command")
        elif isinstance(e, MemberJoined):
            row.update(kind="join")
            m["joined_at"] = m["joined_at"] or e.at
            m["display_name"] = e.member_name or m["display_name"]
        elif isinstance(e, MemberLeft):
            row.update(kind="leave")
            m["left_at"] = e.at
        else:
            continue
        if not isinstance(e, MemberLeft):
            m["last_seen"] = e.at
        activity.append(row)
    return activity, ledger, members


def _points(community: str, member: str, points: int, reason: str, key: str,
            at: datetime) -> dict[str, Any]:
    return {"community_id": community, "member_id": member, "delta": points,
            "lifetime_delta": points, "category": "activity", "reason": reason,
            "source_key": key, "actor_id": None, "note": None, "at": at}


async def seed(engine: Any, events: Sequence[Event], community: str = COMMUNITY,
               stages: dict[str, str] | None = None, *, new_community: bool = True) -> None:
    """Write the community (unless it exists: ``new_community=False``), its members,
    activity and ledger rows for ``events``."""
    activity, ledger, members = rows_for(events, community)
    async with engine.begin() as conn:
        if not new_community:
            members = {}
        platform = {"dc": "discord", "tg": "telegram"}.get(community.split(":", 1)[0],
                                                            "console")
        if new_community:
            await conn.execute(insert(Community.__table__), [
                {"id": community, "platform": platform, "name": "Demo", "language": "en",
                 "timezone": "UTC", "created_at": datetime(2026, 1, 1, tzinfo=UTC)}])
        for table, rows in ((Member.__table__, list(members.values())),
                            (Activity.__table__, activity), (LedgerEntry.__table__, ledger)):
            for start in range(0, len(rows), 2000):
                await conn.execute(insert(table), rows[start:start + 2000])
        if stages:
            await conn.execute(insert(MemberStats.__table__), [
                {"community_id": community, "member_id": m, "stage": s}
                for m, s in stages.items()])
