"""Pure decisions of the wake-up journey and the digest (no I/O, no clock: values in, out).

Kept apart from the timers so every rule is tested exactly: which arm a journey is in, which
variant stage 3 takes, what a member still needs for the next stage, which posts are
highlighted.

Journey steps::

    0 reminder  growth reminder with progress to the next stage (after ``silence_days``)
    1 perk      a personal perk or bonus offer
    2 social    people they used to talk with, and what those people did lately
    3 recall    a task for the community team to reach out personally   (variant "recall")
      digest    or a tailored digest of the member's channels           (variant "digest")

Each step is sent only if the member was not active since the journey began.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from domain.growth.stages import StageRules

STEPS = ("reminder", "perk", "social", "stage3")
LAST_STEP = len(STEPS) - 1
CONTROL = "control"
TREATMENT = "treatment"


def _fraction(*parts: str) -> float:
    """A stable number in [0, 1) from ``parts`` (same input, same arm, in every process)."""
    digest = hashlib.sha256("\x1f".join(parts).encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def assign_arm(experiment: str, community_id: str, member_id: str, journey: str,
               holdout_percent: float) -> str:
    """``control`` for ``holdout_percent`` % of journeys, else ``treatment``.

    Keyed by journey (not only member) so a member is not in the control arm forever, and
    by experiment so a new experiment reshuffles.
    """
    if holdout_percent <= 0:
        return TREATMENT
    value = _fraction("arm", experiment, community_id, member_id, journey)
    return CONTROL if value * 100 < holdout_percent else TREATMENT


def stage3_variant(mode: str, experiment: str, community_id: str, member_id: str,
                   journey: str, team_channel: str | None) -> str:
    """``recall`` (a human reaches out) or ``digest``; recall needs a team channel."""
    if mode == "digest" or not team_channel:
        return "digest"
    if mode == "recall":
        return "recall"
    value = _fraction("stage3", experiment, community_id, member_id, journey)
    return "recall" if value < 0.5 else "digest"


@dataclass(frozen=True, slots=True)
class Need:
    kind: str  # points | days | helpful | top
    amount: float


@dataclass(frozen=True, slots=True)
class StageProgress:
    """Where a member stands: ``next`` is ``None`` at the top stage. ``close`` when every
    absolute criterion is at least 80 % met (the reminder says "you are close")."""

    current: str
    next: str | None
    needs: tuple[Need, ...]
    close: bool


def progress_to_next(rules: StageRules, stage: str, *, lifetime: int, active_days: int,
                     helpful: int) -> StageProgress:
    position = rules.index(stage)
    current = rules.stages[position].name
    if position + 1 >= len(rules.stages):
        return StageProgress(current, None, (), False)
    target = rules.stages[position + 1]
    needs: list[Need] = []
    ratios: list[float] = []
    for kind, required, have in (("points", target.min_points, lifetime),
                                 ("days", target.min_active_days, active_days),
                                 ("helpful", target.min_helpful, helpful)):
        if required is None or required <= 0:
            continue
        ratios.append(min(1.0, have / required))
        if have < required:
            needs.append(Need(kind, required - have))
    if target.top_percent is not None:
        needs.append(Need("top", target.top_percent))
    close = bool(ratios) and min(ratios) >= 0.8 and target.top_percent is None
    return StageProgress(current, target.name, tuple(needs), close)


@dataclass(frozen=True, slots=True)
class Highlight:
    message_id: str
    member_id: str
    channel_id: str | None
    text: str
    reactions: int
    replies: int
    score: float


def rank_highlights(posts: Sequence[Mapping[str, Any]], *, engagement_weight: float,
                    limit: int) -> tuple[list[Highlight], bool]:
    """Posts ranked by ``w·engagement + (1-w)·quality``; returns (top ``limit``, whether
    quality scores were used).

    Engagement is reactions plus replies, on a log scale normalised by the best post of the
    window (one viral post does not flatten everything else to zero). Quality is the
    ``post_quality`` score in [0, 1]; a post without a score gets the mean of the scored ones
    (unknown is not bad). With no scores at all, ranking is by engagement alone.
    Ties: more recent first, then message id.
    """
    if not posts or limit <= 0:
        return [], False
    raw = [int(p.get("reactions") or 0) + int(p.get("replies") or 0) for p in posts]
    top = max(raw)
    scale = math.log1p(top) if top > 0 else 1.0
    known = [float(p["quality"]) for p in posts if p.get("quality") is not None]
    use_quality = bool(known)
    mean = sum(known) / len(known) if known else 0.0
    weight = min(max(engagement_weight, 0.0), 1.0)
    scored: list[tuple[float, datetime | None, str, Highlight]] = []
    for post, engagement in zip(posts, raw, strict=True):
        e = math.log1p(engagement) / scale if top > 0 else 0.0
        if use_quality:
            q = float(post["quality"]) if post.get("quality") is not None else mean
            score = weight * e + (1 - weight) * min(max(q, 0.0), 1.0)
        else:
            score = e
        if engagement == 0 and (not use_quality or post.get("quality") is None):
            continue  # nothing says this post stood out
        item = Highlight(str(post["message_id"]), str(post["member_id"]),
                         post.get("channel_id"), str(post.get("text") or ""),
                         int(post.get("reactions") or 0), int(post.get("replies") or 0),
                         round(score, 6))
        scored.append((score, post.get("at"), str(post["message_id"]), item))
    scored.sort(key=lambda s: (-s[0], -(s[1].timestamp() if s[1] else 0), s[2]))
    return [s[3] for s in scored[:limit]], use_quality
