"""The weekly digest (``digest`` timer, one recurring item per community) and ``/digest``.

What the week brought, from the database as of the run: new members, top contributors (points
earned in the week, from the ledger), stage-ups (the growth audit trail) and badges, and
highlights ranked 60 % by recent engagement (reactions and replies) and 40 % by the content
quality score (``post_quality``; without scores the ranking is by engagement alone and the
digest says so). Posted to ``[scheduler.digest] channel`` and DMed, in their language, to
members who opted in with ``/digest on``.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from domain.actions import Action, DirectMessage, PostToChannel
from domain.events import CommandInvoked
from domain.i18n import t
from handlers.lifecycle import badge_label, stage_label
from handlers.lifecycle_common import (
    channel_label,
    community_zone_name,
    joined,
    reply,
    scheduler_settings,
    snippet,
    zone_of,
)
from handlers.lifecycle_rules import Highlight, rank_highlights
from handlers.ports import Context
from handlers.registry import registry

KIND = "digest"
WINDOW = timedelta(days=7)
NEW_NAMES = 8
LIST_NAMES = 10


async def build_digest(ctx: Context, section: Any) -> dict[str, str]:
    """The digest text per language needed (community language first)."""
    settings = section.digest
    time = ctx.uow.time
    since, until = ctx.now - WINDOW, ctx.now
    new_count, new_names = await time.new_members(since, until, NEW_NAMES)
    top = await time.top_contributors(since, until, settings.top_contributors)
    ups = await time.stage_ups(since, until)
    badges = await time.badges_awarded(since, until)
    posts = await time.highlight_candidates(since, until) if settings.highlights else []
    ranked, used_quality = rank_highlights(posts, engagement_weight=settings.engagement_weight,
                                           limit=settings.highlights)
    names = await time.display_names([m for m, _ in top] + [m for m, _, _ in ups]
                                     + [m for m, _ in badges] + [h.member_id for h in ranked])
    zone = zone_of(community_zone_name(ctx))
    title_fields = {
        "community": getattr(ctx.settings, "name", ctx.community_id),
        "start": f"{since.astimezone(zone):%Y-%m-%d}",
        "end": f"{until.astimezone(zone):%Y-%m-%d}",
    }
    texts: dict[str, str] = {}
    for lang in ("en", "zh"):
        texts[lang] = _compose(ctx, lang, title_fields, new_count, new_names, top, ups, badges,
                               ranked, used_quality, names)
    return texts


def _name(names: dict[str, str], member_id: str) -> str:
    return names.get(member_id) or member_id.split(":", 1)[-1]


def _compose(ctx: Context, lang: str, title: dict[str, str], new_count: int,
             new_names: list[str], top: list[tuple[str, int]], ups: list[tuple[str, str, str]],
             badges: list[tuple[str, str]], ranked: list[Highlight], quality_used: bool,
             names: dict[str, str]) -> str:
    lines = [t("time.digest.title", lang, **title)]
    if new_count:
        shown = joined(new_names, lang) + ("…" if new_count > len(new_names) else "")
        lines.append(t("time.digest.new_members", lang, count=new_count, names=shown))
    else:
        lines.append(t("time.digest.no_new_members", lang))
    if top:
        lines.append(t("time.digest.top_header", lang))
        lines.extend(t("time.digest.top_item", lang, rank=i, name=_name(names, m), points=p)
                     for i, (m, p) in enumerate(top, 1))
    if ups:
        items = [t("time.digest.stage_item", lang, name=_name(names, m),
                   stage=stage_label(new, lang)) for m, _old, new in ups[:LIST_NAMES]]
        more = "…" if len(ups) > LIST_NAMES else ""
        lines.append(t("time.digest.stage_ups", lang, items=joined(items, lang) + more))
    if badges:
        items = [t("time.digest.badge_item", lang, name=_name(names, m),
                   badge=badge_label(ctx, b, lang)) for m, b in badges[:LIST_NAMES]]
        more = "…" if len(badges) > LIST_NAMES else ""
        lines.append(t("time.digest.badges", lang, items=joined(items, lang) + more))
    if ranked:
        lines.append(t("time.digest.highlights_header", lang))
        for i, h in enumerate(ranked, 1):
            lines.append(t("time.digest.highlight_item", lang, rank=i,
                           author=_name(names, h.member_id),
                           channel=channel_label(h.channel_id, lang), snippet=snippet(h.text),
                           reactions=h.reactions, replies=h.replies))
        if not quality_used:
            lines.append(t("time.digest.engagement_only", lang))
    if not (new_count or top or ups or badges or ranked):
        lines.append(t("time.digest.quiet", lang))
    lines.append(t("time.digest.footer", lang))
    return "\n".join(lines)


@registry.timer(KIND)
async def digest_due(payload: dict[str, Any], ctx: Context) -> Sequence[Action]:
    section = scheduler_settings(ctx)
    if section is None or not section.digest.enabled:
        return []
    settings = section.digest
    texts = await build_digest(ctx, section)
    actions: list[Action] = []
    if settings.channel:
        actions.append(PostToChannel(ctx.community_id, settings.channel, texts[ctx.lang]))
    if settings.dm_subscribers and settings.max_dms:
        for member_id, language in await ctx.uow.time.digest_subscribers(settings.max_dms):
            lang = language if language in texts else ctx.lang
            actions.append(DirectMessage(ctx.community_id, member_id, texts[lang]))
    ctx.uow.audit("hearth", "digest.sent", details={
        "channel": settings.channel, "dms": sum(isinstance(a, DirectMessage) for a in actions)})
    return actions


@registry.command("digest", feature="scheduler", summary="time.summary.digest")
async def digest_command(event: CommandInvoked, ctx: Context) -> Sequence[Action]:
    if scheduler_settings(ctx) is None:
        return []
    word = event.args.strip().lower()
    time = ctx.uow.time
    if word in ("on", "yes", "subscribe", "开", "开启", "订阅"):
        await time.set_digest_subscription(event.member_id, True, ctx.now)
        return reply(ctx, event, "time.digest.on")
    if word in ("off", "no", "unsubscribe", "关", "关闭", "取消"):
        await time.set_digest_subscription(event.member_id, False, ctx.now)
        return reply(ctx, event, "time.digest.off")
    if word:
        return reply(ctx, event, "time.digest.usage")
    subscribed = await time.is_digest_subscriber(event.member_id)
    return reply(ctx, event, "time.digest.status_on" if subscribed else "time.digest.status_off")
