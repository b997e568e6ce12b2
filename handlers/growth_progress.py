"""After points or stats change: level-ups, stage moves and badges, as staged writes + actions.

Shared by the event handlers and the commands that change points, so a grant by a moderator
promotes exactly like chatting does. The checks are ordered cheapest first and skip work when
nothing relevant moved: a level is only recomputed when lifetime points changed, a stage only
when the member no longer sits in the stage they qualify for (or a grace period is running),
and only the badges indexed under the event's triggers are looked at.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from domain.actions import Action, AddRole, DirectMessage, PostToChannel, RemoveRole, Reply
from domain.growth import badges as badge_rules
from domain.growth.stages import Perks, StageChange, decide_stage, qualified_stage
from domain.growth.state import MemberGrowthState
from domain.i18n import catalog, t
from handlers.growth_runtime import CommunityMemory, CompiledGrowth

SYSTEM_ACTOR = "hearth"


@dataclass(frozen=True, slots=True)
class Where:
    """Where an announcement for this event goes in ``reply`` mode: a channel (and the
    message to answer), or ``None`` for a private message (voice, scheduled jobs)."""

    channel_id: str | None = None
    message_id: str | None = None


PRIVATE = Where()


def separator(lang: str) -> str:
    return t("growth.list_separator", lang)


def stage_name(stage: str, lang: str) -> str:
    key = f"growth.stage.{stage}"
    return t(key, lang) if key in catalog() else stage


def category_name(category: str, lang: str) -> str:
    key = f"growth.category.{category}"
    return t(key, lang) if key in catalog() else category


def badge_name(compiled: CompiledGrowth, badge_id: str, lang: str) -> str:
    names = compiled.badge_names.get(badge_id) or {}
    if names.get(lang) or names.get("en"):
        return names.get(lang) or names["en"]
    key = f"growth.badge.{badge_id}"
    return t(key, lang) if key in catalog() else badge_id


def perks_text(perks: Perks, lang: str) -> str:
    parts = []
    if perks.roles:
        parts.append(t("growth.perk.roles", lang, roles=separator(lang).join(perks.roles)))
    if perks.title:
        parts.append(t("growth.perk.title", lang, title=perks.title))
    if perks.extra_reminder_slots:
        parts.append(t("growth.perk.reminders", lang, count=perks.extra_reminder_slots))
    if perks.shop_discount_pct:
        parts.append(t("growth.perk.discount", lang, pct=perks.shop_discount_pct))
    if not parts:
        return ""
    return t("growth.stage.perks", lang, perks=separator(lang).join(parts))


def level_of(compiled: CompiledGrowth, xp: int) -> int:
    """The level for ``xp``: a bisect in the compiled table, the curve beyond it."""
    totals = compiled.level_totals
    if totals and xp < totals[-1]:
        return bisect_right(totals, xp) - 1
    return compiled.curve.level_for(xp)


def announce(compiled: CompiledGrowth, mode: str, community_id: str, member_id: str,
             text: str, where: Where) -> list[Action]:
    """One announcement by the community's ``announce`` setting for this kind."""
    if mode == "off":
        return []
    if mode == "channel" and compiled.announce_channel:
        return [PostToChannel(community_id, compiled.announce_channel, text)]
    if where.channel_id:
        return [Reply(community_id, where.channel_id, text, reply_to_message_id=where.message_id)]
    return [DirectMessage(community_id, member_id, text)]


def stage_actions(compiled: CompiledGrowth, community_id: str, member_id: str, name: str,
                  change: StageChange, lang: str, where: Where) -> list[Action]:
    """Roles first (so the congratulation is true when it arrives), then the message.

    Promotions are announced per ``announce.stages``; a demotion is told privately — a
    public "you went down" helps nobody.
    """
    actions: list[Action] = [RemoveRole(community_id, member_id, role)
                             for role in change.roles_remove]
    actions.extend(AddRole(community_id, member_id, role) for role in change.roles_add)
    stage = stage_name(change.new, lang)
    if change.promoted:
        text = t("growth.stage.up", lang, name=name, stage=stage,
                 perks=perks_text(change.perks, lang)).rstrip()
        actions.extend(announce(compiled, compiled.announce_stages, community_id, member_id,
                                text, where))
    else:
        actions.append(DirectMessage(community_id, member_id,
                                     t("growth.stage.down", lang, name=name, stage=stage)))
    return actions


def progress(compiled: CompiledGrowth, uow: Any, memory: CommunityMemory, member_id: str,
             state: MemberGrowthState, *, lifetime_before: int, triggers: Iterable[str],
             at: datetime, lang: str, where: Where, name: str | None = None) -> list[Action]:
    """Level, stage and badges of ``member_id`` after an event changed ``state``.

    Writes are staged on ``uow`` (level column, badge rows, audit of stage moves); the
    caller marks the member dirty so the state (stage, badges) is persisted with them.
    """
    actions: list[Action] = []
    who = name or memory.name_of(member_id)
    community_id = memory.community_id
    after = state.lifetime_total
    if after != lifetime_before:
        level = level_of(compiled, after)
        if level != level_of(compiled, lifetime_before):
            uow.add_stats(member_id, level=level)
            if after > lifetime_before:
                actions.extend(announce(compiled, compiled.announce_levels, community_id,
                                        member_id, t("growth.level.up", lang, name=who,
                                                     level=level), where))
    stages = compiled.stages
    qualified = qualified_stage(stages, state, memory.dynamic.get(member_id))
    if qualified != state.stage or state.stage_grace_since is not None:
        old = state.stage
        change = decide_stage(stages, state, qualified=qualified, at=at)
        if change is not None:
            uow.audit(SYSTEM_ACTOR, "growth.stage", target_id=member_id,
                      reason=f"{old} -> {change.new}",
                      details={"from": old, "to": change.new, "promoted": change.promoted})
            actions.extend(stage_actions(compiled, community_id, member_id, who, change, lang,
                                         where))
    # One trigger at a time: evaluate() with a single trigger name walks a prebuilt tuple,
    # with several it builds and sorts a merged candidate list on every call.
    for trigger in triggers:
        for badge_id in badge_rules.evaluate(compiled.badges, trigger, state, state.badges):
            state.badges.add(badge_id)
            uow.award_badge(member_id, badge_id, at)
            text = t("growth.badge.announce", lang, name=who,
                     badge=badge_name(compiled, badge_id, lang))
            actions.extend(announce(compiled, compiled.announce_badges, community_id,
                                    member_id, text, where))
    return actions
