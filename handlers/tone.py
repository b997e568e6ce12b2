"""Tone-aware replies: the helper every handler uses to word a reply for a member's mood.

A member who just posted something sad gets the gentle variant of a welcome back, a stage-up
or a rank reply — short, warm, no confetti — and a member with an open support case always
does. ``tone_for`` reads the member's recent scores from the in-memory Feelings service
(``ctx.services["feelings"].memory``), so it costs no database read; ``toned`` renders the
reply from the community's tone templates (``[sentiment.tone.templates]``) or the catalogue.

Use from any handler::

    from handlers.tone import toned
    text = await toned(ctx, "stage_up", event.member_id, current_message=event.text,
                       name=name, stage=stage)

``current_message`` is the text of the message being handled, if any: Feelings scores it
asynchronously at order 60, so a handler that runs earlier for the same message (growth at
50) passes it and it is scored inline by the lexicon (microseconds) to count as the latest.
Without the Feelings service or with ``[sentiment] enabled = false`` the tone is ``neutral``.
"""

from __future__ import annotations

from typing import Any

from domain.sentiment import ScoredMessage, select_tone, toned_reply
from handlers.ports import Context


def _sentiment(ctx: Context) -> Any | None:
    cfg = getattr(ctx.settings, "sentiment", None) if ctx.settings is not None else None
    return cfg if cfg is not None and getattr(cfg, "enabled", False) else None


async def tone_for(ctx: Context, member_id: str, *, current_message: str | None = None) -> str:
    """``cheerful``, ``neutral`` or ``gentle`` for the member's next reply."""
    port = ctx.services.get("feelings")
    cfg = _sentiment(ctx)
    if port is None or cfg is None:
        return "neutral"
    recent = port.memory.recent(ctx.community_id, member_id)
    if current_message:
        recent.append(ScoredMessage(ctx.now, port.quick_score(current_message), "", member_id))
    return select_tone(recent, ctx.now, cfg.tone_policy(),
                       in_distress=port.memory.in_case(ctx.community_id, member_id))


async def toned(ctx: Context, reply: str, member_id: str, *, current_message: str | None = None,
                lang: str | None = None, **fields: object) -> str:
    """The text of ``reply`` (``welcome``, ``stage_up``, ``rank``, ``reminder``,
    ``moderation_notice``, ``question_ack``) in the member's tone and ``lang`` (default: the
    context's language), filled with ``fields``."""
    tone = await tone_for(ctx, member_id, current_message=current_message)
    cfg = _sentiment(ctx)
    overrides = cfg.tone.templates if cfg is not None else None
    return toned_reply(reply, tone, lang or ctx.lang, overrides, **fields)
