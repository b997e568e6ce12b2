"""Feelings: every message's sentiment, channel mood, frustrated questions, distress.

Intake (:func:`feel_message`, order 60, after safety/activity/growth) never waits on a model:

0. at order 45 (before growth) the distress patterns set ``ctx.flags["distress"]`` so no
   handler celebrates a message that reads as distress;
1. pending frustrated questions this message answers are marked answered (in memory);
2. distress *patterns* run inline (regexes, microseconds); a hit opens a support case at
   once, in a transaction of its own, and the DM and page are this event's actions;
3. the message goes to the scorer (``ctx.services["feelings"]``, see feelings_ports.py),
   which answers later — ``scoring_mode = "async"`` — or before the event finishes
   (``"inline"``), or in arrival order without ever falling back (``"ordered"``).

When scores come back, :func:`apply_results` runs in a transaction the scorer's adapter opens
for the batch (the same CommandUnitOfWork machinery as timers and commands): it stores one
``message_scores`` row per message, updates each member's recent mood and each channel's mood
(in memory), alerts moderators about heated channels (optionally with slow mode), opens cases
the full detector found (embeddings/classifier see implicit statements the patterns miss), and
schedules a follow-up for frustrated questions. Its actions go through the ActionSink.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from domain.actions import Action, PostToChannel, Reply, SetSlowMode
from domain.events import MessagePosted
from domain.i18n import t
from domain.sentiment import (
    PendingQuestion,
    ScoredMessage,
    answers_question,
    channel_label,
    frustrated_question,
    message_link,
    minutes_between,
    open_pending_question,
    question_decision,
    slowmode_to_lift,
    update_mood,
)
from handlers.feelings_distress import ACTOR, handle_distress, moderators_channel
from handlers.feelings_ports import ScoredMessageJob, ScoreJob
from handlers.ports import Context
from handlers.registry import registry
from handlers.tone import toned

log = logging.getLogger("hearth.feelings")

ORDER = 60
FLAG_ORDER = 45  # after safety (10) and activity (40), before growth (50)
QUESTION_KIND = "question_followup"
SLOWMODE_KIND = "mood_slowmode_end"
QUESTION_MEMORY = timedelta(hours=1)  # keep answered-state this long past a question's due


def _port(ctx: Context) -> Any | None:
    return ctx.services.get("feelings")


def _sentiment(settings: Any) -> Any | None:
    cfg = getattr(settings, "sentiment", None) if settings is not None else None
    return cfg if cfg is not None and cfg.enabled else None


def job_for(event: MessagePosted, ctx: Context, *, inline_case: bool = False) -> ScoreJob:
    return ScoreJob(
        community_id=event.community_id, member_id=event.member_id,
        member_name=event.member_name, channel_id=event.channel_id,
        message_id=event.message_id, text=event.text or "", at=event.at,
        settings=ctx.settings, lang=ctx.lang,
        reply_to_message_id=event.reply_to_message_id,
        reply_to_member_id=event.reply_to_member_id, thread_id=event.thread_id,
        mentions=tuple(event.mentions), inline_case=inline_case,
        blocked=bool(ctx.flags.get("blocked")))


@registry.on(MessagePosted, order=FLAG_ORDER)
async def flag_distress(event: MessagePosted, ctx: Context) -> Sequence[Action]:
    """Before growth (50): tell later handlers this message reads as distress, so they do
    not celebrate it publicly (``ctx.flags["distress"]``) — patterns only, microseconds."""
    port = _port(ctx)
    cfg = _sentiment(ctx.settings)
    text = event.text or ""
    if port is None or cfg is None or not cfg.distress.enabled or not text.strip():
        return []
    signal = port.inline_distress(text)
    if signal.confidence >= cfg.distress.threshold:
        ctx.flags["distress"] = signal
    return []


@registry.on(MessagePosted, order=ORDER)
async def feel_message(event: MessagePosted, ctx: Context) -> Sequence[Action]:
    port = _port(ctx)
    cfg = _sentiment(ctx.settings)
    if port is None or cfg is None:
        return []
    _note_answers(port.memory, event)
    actions: list[Action] = []
    inline_case = False
    text = event.text or ""
    if cfg.distress.enabled and text.strip():
        signal = ctx.flags.get("distress") or port.inline_distress(text)
        if signal.confidence >= cfg.distress.threshold:
            job = job_for(event, ctx)
            lang = port.quick_score(text).lang
            try:
                actions.extend(await port.transaction(
                    ctx.community_id, ctx.now, f"feelings:case:{event.message_id}",
                    ctx.settings, ctx.lang,
                    lambda tctx: handle_distress(tctx, job, signal, source="pattern",
                                                 now=ctx.now, message_lang=lang)))
                inline_case = True
            except Exception:  # the scorer's result path opens the case instead
                log.exception("inline support case for message %s in %s failed; the scored "
                              "result will open it", event.message_id, ctx.community_id)
    job = job_for(event, ctx, inline_case=inline_case)
    if cfg.scoring_mode == "inline":
        actions.extend(await port.score_inline(job))
    elif cfg.scoring_mode == "ordered":
        await port.enqueue(job)
    else:
        port.submit(job)
    return actions


def _note_answers(memory: Any, event: MessagePosted) -> None:
    memory.expire_questions(event.at - QUESTION_MEMORY)
    for pending in memory.questions_in(event.community_id):
        if answers_question(pending, author_id=event.member_id, channel_id=event.channel_id,
                            at=event.at, reply_to_message_id=event.reply_to_message_id,
                            thread_id=event.thread_id, mentions=event.mentions):
            memory.mark_answered(event.community_id, pending.message_id)


# --------------------------------------------------------------------------------------
# Results from the scorer
# --------------------------------------------------------------------------------------


async def apply_results(results: Sequence[ScoredMessageJob], ctx: Context) -> list[Action]:
    """Store, remember and act on a batch of scored messages of one community, in order."""
    port = _port(ctx)
    memory = port.memory
    await ctx.uow.feelings.add_scores([_score_row(r) for r in results])
    actions: list[Action] = []
    for result in results:
        job = result.job
        cfg = _sentiment(job.settings)
        if cfg is None:
            continue
        scored = ScoredMessage(job.at, result.score, job.message_id, job.member_id)
        memory.add_score(job.community_id, job.member_id, scored)
        if cfg.mood.enabled:
            actions.extend(_mood(ctx, memory, job, scored, cfg))
        signal = result.signal
        if (cfg.distress.enabled and signal is not None and not job.inline_case
                and signal.confidence >= cfg.distress.threshold):
            lang = result.score.lang
            actions.extend(await handle_distress(ctx, job, signal, source="model",
                                                 now=result.now, message_lang=lang))
        if (cfg.questions.enabled and not job.blocked
                and frustrated_question(job.text, result.score, cfg.question_policy())):
            _schedule_question(ctx, memory, job, result, cfg)
    return actions


def _score_row(result: ScoredMessageJob) -> dict[str, Any]:
    job, score = result.job, result.score
    return {"message_id": job.message_id, "member_id": job.member_id,
            "channel_id": job.channel_id, "label": score.label,
            "confidence": float(score.confidence), "lang": score.lang,
            "backend": score.backend[:32], "model_version": score.model_version[:200],
            "backpressure": bool(score.backpressure or result.distress_degraded),
            "at": job.at}


def _mood_channel(settings: Any) -> str | None:
    cfg = settings.sentiment.mood
    return str(cfg.alert_channel) if cfg.alert_channel else moderators_channel(settings)


def _mood(ctx: Context, memory: Any, job: ScoreJob, scored: ScoredMessage,
          cfg: Any) -> list[Action]:
    state = memory.channel(job.community_id, job.channel_id)
    state, alert = update_mood(state, scored, job.at, cfg.mood_policy(),
                               channel_id=job.channel_id)
    memory.set_channel(job.community_id, job.channel_id, state)
    if alert is None:
        return []
    ctx.uow.audit(ACTOR, "feelings.mood_alert", target_id=job.channel_id, details={
        "channel_id": job.channel_id, "at": alert.at.isoformat(),
        "mood_before": alert.mood_before, "mood_now": alert.mood_now,
        "rate_before_per_min": alert.rate_before_per_min,
        "rate_now_per_min": alert.rate_now_per_min,
        "driver_message_ids": list(alert.driver_message_ids),
        "slowmode_seconds": alert.slowmode_seconds})
    actions: list[Action] = []
    target = _mood_channel(job.settings)
    label = channel_label(job.channel_id)
    links = " ".join(message_link(job.community_id, job.channel_id, m)
                     for m in alert.driver_message_ids) or "—"
    if target is not None:
        actions.append(PostToChannel(job.community_id, target, t(
            "feelings.mood.alert", ctx.lang, channel=label, before=f"{alert.mood_before:+.2f}",
            now=f"{alert.mood_now:+.2f}", rate_before=f"{alert.rate_before_per_min:.1f}",
            rate_now=f"{alert.rate_now_per_min:.1f}", links=links)))
    if alert.slowmode_seconds > 0 and alert.slowmode_until is not None:
        actions.append(SetSlowMode(job.community_id, job.channel_id, alert.slowmode_seconds))
        ctx.uow.schedule(SLOWMODE_KIND, alert.slowmode_until, {"channel_id": job.channel_id},
                         idempotency_key=f"{SLOWMODE_KIND}:{job.community_id}:"
                                         f"{job.channel_id}:{alert.at.isoformat()}")
        if target is not None:
            minutes = minutes_between(alert.at, alert.slowmode_until)
            actions.append(PostToChannel(job.community_id, target, t(
                "feelings.mood.slowmode_on", ctx.lang, channel=label,
                seconds=alert.slowmode_seconds, minutes=minutes)))
    return actions


@registry.timer(SLOWMODE_KIND)
async def lift_slowmode(payload: dict[str, Any], ctx: Context) -> Sequence[Action]:
    """End an automatic slow mode — unless a later alert extended it (its own timer ends it).

    After a restart the in-memory state is gone; the slow mode is then lifted (the safe side
    for members: a forgotten slow mode would stay on forever)."""
    channel = str(payload.get("channel_id") or "")
    port = _port(ctx)
    if not channel or ctx.settings is None:
        return []
    if port is not None:
        state = port.memory.channel(ctx.community_id, channel)
        if state.slowmode_until is not None:
            state, lift = slowmode_to_lift(state, ctx.now)
            if not lift:
                return []
            port.memory.set_channel(ctx.community_id, channel, state)
    actions: list[Action] = [SetSlowMode(ctx.community_id, channel, 0)]
    target = _mood_channel(ctx.settings)
    if target is not None:
        actions.append(PostToChannel(ctx.community_id, target, t(
            "feelings.mood.slowmode_off", ctx.lang, channel=channel_label(channel))))
    return actions


# --------------------------------------------------------------------------------------
# Frustrated, unanswered questions
# --------------------------------------------------------------------------------------


def _schedule_question(ctx: Context, memory: Any, job: ScoreJob, result: ScoredMessageJob,
                       cfg: Any) -> None:
    pending = open_pending_question(
        community_id=job.community_id, channel_id=job.channel_id, message_id=job.message_id,
        member_id=job.member_id, asked_at=job.at, policy=cfg.question_policy(),
        thread_id=job.thread_id)
    memory.add_question(pending)
    lang = result.score.lang if result.score.lang in ("en", "zh") else job.lang
    ctx.uow.schedule(QUESTION_KIND, pending.due_at, {
        "channel_id": job.channel_id, "message_id": job.message_id,
        "member_id": job.member_id, "member_name": job.member_name,
        "asked_at": job.at.isoformat(), "thread_id": job.thread_id, "lang": lang,
    }, idempotency_key=f"{QUESTION_KIND}:{job.community_id}:{job.message_id}")


@registry.timer(QUESTION_KIND)
async def question_followup(payload: dict[str, Any], ctx: Context) -> Sequence[Action]:
    """Acknowledge the member and ping the helpers — unless someone answered meanwhile."""
    cfg = _sentiment(ctx.settings)
    if cfg is None or not cfg.questions.enabled:
        return []
    try:
        pending = PendingQuestion(
            ctx.community_id, str(payload["channel_id"]), str(payload["message_id"]),
            str(payload["member_id"]), datetime.fromisoformat(str(payload["asked_at"])),
            ctx.now, payload.get("thread_id"))
    except (KeyError, TypeError, ValueError) as exc:
        log.warning("question follow-up with a malformed payload skipped: %r", exc)
        return []
    port = _port(ctx)
    answered = port is not None and port.memory.answered(ctx.community_id, pending.message_id)
    if not answered:
        answered = await ctx.uow.feelings.answered_since(
            channel_id=pending.channel_id, message_id=pending.message_id,
            member_id=pending.member_id, asked_at=pending.asked_at,
            thread_id=pending.thread_id)
    if port is not None:
        port.memory.forget_question(ctx.community_id, pending.message_id)
    if question_decision(pending, ctx.now, answered=answered) != "acknowledge":
        return []
    lang = str(payload.get("lang") or ctx.lang)
    name = str(payload.get("member_name") or pending.member_id)
    ack = await toned(ctx, "question_ack", pending.member_id, lang=lang, name=name)
    actions: list[Action] = [Reply(ctx.community_id, pending.channel_id, ack,
                                   reply_to_message_id=pending.message_id)]
    helpers = cfg.questions
    if helpers.helper_role or helpers.helper_channel:
        ping = t("feelings.question.helper_ping", lang, role=helpers.helper_role or "",
                 minutes=minutes_between(pending.asked_at, ctx.now),
                 link=message_link(ctx.community_id, pending.channel_id, pending.message_id))
        actions.append(PostToChannel(ctx.community_id,
                                     str(helpers.helper_channel or pending.channel_id),
                                     ping.strip()))
    return actions
