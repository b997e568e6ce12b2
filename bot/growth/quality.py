"""Content quality scores and creation points, computed by a scheduled job.

``score_posts(app, community_id, now=…)`` scores every message whose reach window
(``quality.reach_window_hours``, 72 h by default) has closed and that has no score yet, stores
the score in ``post_quality`` (for highlights and digests), then awards creation points:
a member earns one creation unit per ``quality.interactions_per_point`` *effective*
interactions (interactions weighted by each post's score) summed over their scored posts.

Inputs, all from what the pipeline already stored (no per-message work on the hot path):

- originality: the post against the author's previous ``near_duplicate_memory`` messages;
- reach: distinct other members who reacted (still reacting) or replied within the window;
- usefulness: replies and helpful marks (``/helpful``);
- compliance: 0 when line-1 safety blocked the post (its activity row is marked deleted).

Replies are matched to the post they answer by the author, channel and time: an activity
row records whom a reply answered (``target_member_id``) but not which message, so a reply
counts for the author's latest post in that channel before it, within the window. (Storing
``reply_to_message_id`` on activity rows would make this exact; see the report.)

Creation awards are idempotent: each ledger row's source key records the running total of
units (``creation:<units>``), so re-running the job never awards the same units twice.
"""

from __future__ import annotations

import bisect
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from bot.growth.service import GrowthService
from bot.storage.repos.growth import GrowthRepository
from bot.storage.uow import CommandUnitOfWork
from domain.actions import Action
from domain.growth import badges as triggers
from domain.growth.points import award_creation
from domain.growth.quality import creation_points_due, effective_interactions, score_post
from domain.growth.text import fingerprint
from handlers.growth_progress import PRIVATE, progress

HISTORY = timedelta(days=7)  # how far back an author's earlier posts are compared


@dataclass
class QualityRun:
    community_id: str
    scored: int = 0
    creation_units: dict[str, int] = field(default_factory=dict)  # member -> units now
    actions: list[Action] = field(default_factory=list)


async def score_posts(app: Any, community_id: str, *, now: datetime, limit: int = 5000
                      ) -> QualityRun:
    """Score closed posts of ``community_id`` and award the creation points now due."""
    community = app.config.community(community_id)
    if community is None:
        raise ValueError(f"community {community_id} is not in the config")
    service = app.services.get("growth")
    if not isinstance(service, GrowthService):
        raise RuntimeError("the growth service is not configured (bot.growth.wiring)")
    compiled = service.compiled(community)
    run = QualityRun(community_id)
    if not compiled.enabled:
        return run
    rules = compiled.quality
    window = timedelta(hours=rules.reach_window_hours)
    await app.pipeline.flush()
    async with app.sessions() as session:
        repo = GrowthRepository(session, community_id)
        posts = await repo.unscored_posts(now - window, limit)
        if posts:
            scored = await _score(repo, posts, rules, window, compiled.rules.duplicate_memory)
            await repo.store_quality(scored, now)
            run.scored = len(scored)
            await session.commit()
        authors = sorted({post["member_id"] for post in posts})
        if not authors:
            return run
        uow = CommandUnitOfWork(community_id, now, session, app.cache, f"creation:{now}")
        memory = await service.memory_for(community_id, repo)
        effective = await repo.effective_interactions(authors)
        awarded = await repo.creation_units(authors)
        for member_id in authors:
            already = awarded.get(member_id, 0)
            due = creation_points_due(effective.get(member_id, 0.0), already, rules)
            if due <= 0:
                continue
            state = service.codec.load(await repo.lock_stats(member_id))
            state.member_id = member_id
            before = state.lifetime_total
            decision = award_creation(compiled.rules, state, units=due, at=now)
            if not decision:
                continue
            uow.add_ledger(member_id, decision.points, reason=decision.reason,
                           category=decision.category, source_key=f"creation:{already + due}")
            run.creation_units[member_id] = due
            run.actions.extend(progress(
                compiled, uow, memory, member_id, state, lifetime_before=before,
                triggers=(triggers.POINTS_CHANGE,), at=now, lang=community.language,
                where=PRIVATE))
            uow.add_stats(member_id, **service.persisted_fields(state))
        await uow.commit()
    return run


async def _score(repo: GrowthRepository, posts: list[dict[str, Any]], rules: Any,
                 window: timedelta, memory: int) -> list[dict[str, Any]]:
    authors = sorted({p["member_id"] for p in posts})
    start = min(p["at"] for p in posts)
    end = max(p["at"] for p in posts) + window
    history = await repo.messages_of(authors, start - HISTORY, end)
    by_author: dict[str, list[dict[str, Any]]] = defaultdict(list)
    by_channel: dict[tuple[str, str | None], list[dict[str, Any]]] = defaultdict(list)
    for message in history:  # ordered by time
        by_author[message["member_id"]].append(message)
        by_channel[(message["member_id"], message["channel_id"])].append(message)
    ids = [p["message_id"] for p in posts]
    reactors = await _reactors(repo, ids)
    repliers: dict[str, list[tuple[str, datetime]]] = defaultdict(list)
    for reply in await repo.replies_to(authors, start, end):
        candidates = by_channel.get((reply["target_member_id"], reply["channel_id"]), [])
        times = [c["at"] for c in candidates]
        position = bisect.bisect_right(times, reply["at"]) - 1
        if position >= 0 and reply["at"] - candidates[position]["at"] <= window:
            repliers[candidates[position]["message_id"]].append(
                (reply["member_id"], reply["at"]))
    helpful = await repo.helpful_counts(ids)
    scored = []
    for post in posts:
        earlier = [m for m in by_author[post["member_id"]] if m["at"] < post["at"]][-memory:]
        people = [(member, at) for member, at in reactors.get(post["message_id"], [])
                  + repliers.get(post["message_id"], []) if member != post["member_id"]]
        replies = len(repliers.get(post["message_id"], []))
        marks = helpful.get(post["message_id"], 0)
        quality = score_post(
            text=post["text"] or "", author_id=post["member_id"], posted_at=post["at"],
            earlier_fingerprints=[fingerprint(m["text"] or "") for m in earlier],
            interactions=people, replies=replies, helpful_marks=marks,
            filter_hits=1 if post["deleted"] else 0, rules=rules)
        interactions = len(people) + marks
        scored.append({
            "message_id": post["message_id"], "member_id": post["member_id"],
            "score": round(quality.score, 6), "interactions": interactions,
            "components": {"originality": round(quality.originality, 4),
                           "reach": round(quality.reach, 4),
                           "usefulness": round(quality.usefulness, 4),
                           "compliance": quality.compliance,
                           "effective": round(effective_interactions(interactions, quality),
                                              4)}})
    return scored


async def _reactors(repo: GrowthRepository, message_ids: list[str]
                    ) -> dict[str, list[tuple[str, datetime]]]:
    """Members still reacting to each message (a removed reaction no longer counts)."""
    held: dict[tuple[str, str, str], tuple[int, datetime]] = {}
    for row in await repo.reaction_activity(message_ids):
        key = (row["message_id"], row["member_id"], row["text"] or "")
        count, first = held.get(key, (0, row["at"]))
        held[key] = (count + (1 if row["kind"] == "reaction" else -1), first)
    found: dict[str, dict[str, datetime]] = defaultdict(dict)
    for (message_id, member_id, _), (count, at) in held.items():
        if count > 0 and member_id not in found[message_id]:
            found[message_id][member_id] = at
    return {m: list(members.items()) for m, members in found.items()}
