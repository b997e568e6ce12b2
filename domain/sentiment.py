"""Feelings: sentiment values and the policies built on them (pure, stdlib only).

Scorers (``bot/scoring``) turn text into a :class:`Score`; everything that *decides* something
from scores lives here, as functions of values and a passed-in ``now``:

* tone selection — which tone variant of a reply a member gets (no confetti after a sad post);
* channel mood — rolling per-channel sentiment and message rate, and when a sharp drop with a
  rising rate is a "heated" alert worth a moderator's attention;
* frustrated, unanswered questions — when to acknowledge and ping the helper role;
* distress cases — cooldown per member, SLA due times, re-page and escalation steps.

Why pure: every one of these is a judgement that must be replayable and testable exactly
(a controllable clock for SLA timers), and the same code runs behind Discord, Telegram and
the console. State (mood windows, cases) is passed in and a new value is returned.
"""

from __future__ import annotations

import math
import re
import string
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from domain.i18n import normalise_language, t

LABELS = ("pos", "neg", "neu")
TONES = ("cheerful", "neutral", "gentle")
# Replies that have tone variants in the catalogue (domain/messages/feelings.py).
TONED_REPLIES = (
    "welcome", "stage_up", "rank", "reminder", "moderation_notice", "question_ack"
)
# Fields each toned reply may use; templates from config are checked against these.
TONE_FIELDS: dict[str, frozenset[str]] = {
    "welcome": frozenset({"name", "community"}),
    "stage_up": frozenset({"name", "stage"}),
    "rank": frozenset({"name", "rank", "points", "stage"}),
    "reminder": frozenset({"name", "text", "when"}),
    "moderation_notice": frozenset({"name", "reason"}),
    "question_ack": frozenset({"name"}),
}


# --------------------------------------------------------------------------------------
# Scores
# --------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Score:
    """Sentiment of one message as a scorer saw it.

    ``backend`` and ``model_version`` are stored with every score so numbers from different
    models are never silently mixed. ``lang`` is the detected language: ``en``, ``zh``,
    ``other`` (a language we do not score: neutral, confidence 0) or ``none`` (no words at all,
    e.g. emoji-only or empty). ``backpressure`` marks a message that was scored inline by the
    lexicon because the model queue was full.
    """

    label: str
    confidence: float
    backend: str
    model_version: str
    lang: str
    backpressure: bool = False

    def __post_init__(self) -> None:
        if self.label not in LABELS:
            raise ValueError(f"score label must be one of {LABELS}, got {self.label!r}")
        if not (0.0 <= self.confidence <= 1.0) or math.isnan(self.confidence):
            raise ValueError(f"score confidence must be within [0, 1], got {self.confidence!r}")

    @property
    def valence(self) -> float:
        """Signed strength in [-1, 1]: +confidence for pos, -confidence for neg, 0 for neu."""
        if self.label == "pos":
            return self.confidence
        if self.label == "neg":
            return -self.confidence
        return 0.0


def neutral_score(backend: str, model_version: str, lang: str) -> Score:
    """The score of a message we cannot judge (unknown language, no words)."""
    return Score("neu", 0.0, backend, model_version, lang)


@dataclass(frozen=True, slots=True)
class ScoredMessage:
    """A score with when/where/who: the unit the policies below work on."""

    at: datetime
    score: Score
    message_id: str = ""
    member_id: str = ""


def _age(now: datetime, at: datetime) -> timedelta:
    """Age of an item; clock skew (an event slightly in the future) counts as age zero."""
    return max(now - at, timedelta(0))


# --------------------------------------------------------------------------------------
# Tone selection
# --------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TonePolicy:
    """How a member's recent scores pick a reply tone.

    The decay half-life makes an old bad day fade; the "last post was sad" rule is separate
    because a single sad post must suppress confetti however cheerful the member was before.
    """

    lookback: timedelta = timedelta(hours=6)
    max_messages: int = 10
    half_life: timedelta = timedelta(hours=1)
    sad_confidence: float = 0.5
    gentle_below: float = -0.25
    cheerful_above: float = 0.3


def select_tone(
    recent: Iterable[ScoredMessage],
    now: datetime,
    policy: TonePolicy = TonePolicy(),
    *,
    in_distress: bool = False,
) -> str:
    """Return ``cheerful``, ``neutral`` or ``gentle`` for a member's next reply.

    * an open distress case → gentle;
    * the member's latest message (within ``lookback``) is clearly negative → gentle;
    * otherwise the recency-weighted mean valence of the last ``max_messages`` decides:
      at or below ``gentle_below`` → gentle, at or above ``cheerful_above`` → cheerful.
    No history → neutral (we do not assume a mood).
    """
    if in_distress:
        return "gentle"
    window = [m for m in recent if _age(now, m.at) <= policy.lookback]
    if not window:
        return "neutral"
    window.sort(key=lambda m: m.at)
    window = window[-policy.max_messages :]
    latest = window[-1].score
    if latest.label == "neg" and latest.confidence >= policy.sad_confidence:
        return "gentle"
    half = max(policy.half_life.total_seconds(), 1.0)
    weights = [0.5 ** (_age(now, m.at).total_seconds() / half) for m in window]
    total = sum(weights)
    mean = sum(w * m.score.valence for w, m in zip(weights, window, strict=True)) / total
    if mean <= policy.gentle_below:
        return "gentle"
    if mean >= policy.cheerful_above and latest.label != "neg":
        return "cheerful"
    return "neutral"


def tone_key(reply: str, tone: str) -> str:
    """Catalogue key of a reply's tone variant, e.g. ``tone.welcome.gentle``."""
    if reply not in TONED_REPLIES:
        raise ValueError(f"no tone variants for reply {reply!r}; known: {TONED_REPLIES}")
    if tone not in TONES:
        raise ValueError(f"unknown tone {tone!r}; use one of {TONES}")
    return f"tone.{reply}.{tone}"


def template_fields(template: str) -> set[str]:
    """The ``{field}`` names a ``str.format`` template uses (raises ValueError if malformed)."""
    names: set[str] = set()
    for _, name, _, _ in string.Formatter().parse(template):
        if name is not None:
            if name == "" or not name.isidentifier():
                raise ValueError(f"placeholder {{{name}}} must be a name such as {{name}}")
            names.add(name)
    return names


def check_tone_templates(overrides: Mapping[str, Mapping[str, str]]) -> list[str]:
    """Problems in per-community tone templates (``{"tone.welcome.gentle": {"en": …}}``).

    Returned as readable strings so config loading can report every problem at once.
    """
    problems: list[str] = []
    for key, texts in overrides.items():
        parts = key.split(".")
        if len(parts) != 3 or parts[0] != "tone" or parts[1] not in TONED_REPLIES:
            problems.append(
                f"{key}: not a tone key; use tone.<reply>.<tone> with reply one of "
                f"{', '.join(TONED_REPLIES)}"
            )
            continue
        if parts[2] not in TONES:
            problems.append(f"{key}: unknown tone {parts[2]!r}; use one of {', '.join(TONES)}")
            continue
        allowed = TONE_FIELDS[parts[1]]
        for lang, text in texts.items():
            if lang not in ("en", "zh"):
                problems.append(f"{key}.{lang}: language must be en or zh")
                continue
            try:
                used = template_fields(text)
            except ValueError as exc:
                problems.append(f"{key}.{lang}: {exc}")
                continue
            unknown = used - allowed
            if unknown:
                problems.append(
                    f"{key}.{lang}: unknown placeholder(s) {sorted(unknown)}; "
                    f"allowed: {sorted(allowed)}"
                )
    return problems


def toned_reply(
    reply: str,
    tone: str,
    lang: str | None,
    overrides: Mapping[str, Mapping[str, str]] | None = None,
    /,
    **fields: object,
) -> str:
    """Render a reply in a tone: the community's template when configured, else the catalogue.

    Overrides are validated at config load (:func:`check_tone_templates`); should one still be
    unusable, the catalogue text is used rather than failing the reply.
    """
    key = tone_key(reply, tone)
    language = normalise_language(lang)
    if overrides:
        template = overrides.get(key, {}).get(language)
        if template:
            try:
                return template.format(**fields)
            except (KeyError, IndexError, ValueError):
                pass
    return t(key, language, **fields)


# --------------------------------------------------------------------------------------
# Channel mood
# --------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class MoodPolicy:
    """When a channel is "heated": the recent window versus the baseline before it.

    All conditions must hold: enough messages from at least two people, recent mean valence at
    most ``max_mood`` and at least ``drop`` below the baseline, and the recent message rate at
    least ``rate_ratio`` times the baseline rate (the baseline rate is floored so one quiet
    hour does not make any burst "rising"). A channel is judged only after a full baseline
    window of observation, so a restart never mistakes ongoing chat for a spike.
    """

    window: timedelta = timedelta(minutes=5)
    baseline: timedelta = timedelta(minutes=60)
    min_messages: int = 8
    min_speakers: int = 2
    drop: float = 0.35
    max_mood: float = -0.2
    rate_ratio: float = 2.0
    min_baseline_rate_per_min: float = 0.2
    cooldown: timedelta = timedelta(minutes=30)
    drivers: int = 5
    slowmode_seconds: int = 0
    slowmode_for: timedelta = timedelta(minutes=10)
    max_entries: int = 2000


@dataclass(frozen=True, slots=True)
class MoodEntry:
    at: datetime
    valence: float
    message_id: str
    member_id: str


@dataclass(frozen=True, slots=True)
class MoodState:
    """Rolling state of one channel. ``since`` is when observation began."""

    entries: tuple[MoodEntry, ...] = ()
    since: datetime | None = None
    last_alert_at: datetime | None = None
    slowmode_until: datetime | None = None


@dataclass(frozen=True, slots=True)
class MoodSnapshot:
    mood_now: float
    mood_before: float
    rate_now_per_min: float
    rate_before_per_min: float
    messages_now: int
    messages_before: int
    speakers_now: int
    warmed_up: bool


@dataclass(frozen=True, slots=True)
class MoodAlert:
    """A heated channel: tell moderators which messages drove it; maybe slow the channel."""

    channel_id: str
    at: datetime
    mood_before: float
    mood_now: float
    rate_before_per_min: float
    rate_now_per_min: float
    driver_message_ids: tuple[str, ...]
    driver_member_ids: tuple[str, ...]
    slowmode_seconds: int = 0
    slowmode_until: datetime | None = None


def _mean(values: Sequence[float]) -> float:
    return sum(values) / len(values) if values else 0.0


def mood_snapshot(state: MoodState, now: datetime, policy: MoodPolicy) -> MoodSnapshot:
    """Mean valence and message rate of the recent window and of the baseline before it."""
    recent_start = now - policy.window
    base_start = recent_start - policy.baseline
    recent = [e for e in state.entries if recent_start < e.at <= now]
    before = [e for e in state.entries if base_start < e.at <= recent_start]
    if state.since is None:
        observed = timedelta(0)
    else:
        observed = min(policy.baseline, max(recent_start - state.since, timedelta(0)))
    warmed = state.since is not None and recent_start - state.since >= policy.baseline
    window_min = max(policy.window.total_seconds() / 60.0, 1e-9)
    observed_min = observed.total_seconds() / 60.0
    rate_before = len(before) / observed_min if observed_min > 0 else 0.0
    return MoodSnapshot(
        mood_now=_mean([e.valence for e in recent]),
        mood_before=_mean([e.valence for e in before]),
        rate_now_per_min=len(recent) / window_min,
        rate_before_per_min=rate_before,
        messages_now=len(recent),
        messages_before=len(before),
        speakers_now=len({e.member_id for e in recent}),
        warmed_up=warmed,
    )


def update_mood(
    state: MoodState,
    message: ScoredMessage,
    now: datetime,
    policy: MoodPolicy = MoodPolicy(),
    *,
    channel_id: str = "",
) -> tuple[MoodState, MoodAlert | None]:
    """Add one scored message to a channel's state; return the new state and maybe an alert."""
    horizon = now - policy.window - policy.baseline
    entry = MoodEntry(message.at, message.score.valence, message.message_id, message.member_id)
    kept = [e for e in state.entries if e.at > horizon]
    kept.append(entry)
    kept.sort(key=lambda e: e.at)
    kept = kept[-policy.max_entries :]
    since = state.since if state.since is not None else min(now, message.at)
    new_state = replace(state, entries=tuple(kept), since=since)

    snap = mood_snapshot(new_state, now, policy)
    if not snap.warmed_up:
        return new_state, None
    if state.last_alert_at is not None and now - state.last_alert_at < policy.cooldown:
        return new_state, None
    base_rate = max(snap.rate_before_per_min, policy.min_baseline_rate_per_min)
    heated = (
        snap.messages_now >= policy.min_messages
        and snap.speakers_now >= policy.min_speakers
        and snap.mood_now <= policy.max_mood
        and snap.mood_before - snap.mood_now >= policy.drop
        and snap.rate_now_per_min >= policy.rate_ratio * base_rate
    )
    if not heated:
        return new_state, None
    recent = [e for e in new_state.entries if now - policy.window < e.at <= now]
    negatives = sorted((e for e in recent if e.valence < 0), key=lambda e: (e.valence, e.at))
    drivers = negatives[: policy.drivers]
    slow_until = now + policy.slowmode_for if policy.slowmode_seconds > 0 else None
    alert = MoodAlert(
        channel_id=channel_id,
        at=now,
        mood_before=round(snap.mood_before, 3),
        mood_now=round(snap.mood_now, 3),
        rate_before_per_min=round(snap.rate_before_per_min, 3),
        rate_now_per_min=round(snap.rate_now_per_min, 3),
        driver_message_ids=tuple(e.message_id for e in drivers),
        driver_member_ids=tuple(dict.fromkeys(e.member_id for e in drivers)),
        slowmode_seconds=policy.slowmode_seconds,
        slowmode_until=slow_until,
    )
    new_state = replace(
        new_state,
        last_alert_at=now,
        slowmode_until=slow_until if slow_until is not None else new_state.slowmode_until,
    )
    return new_state, alert


def slowmode_to_lift(state: MoodState, now: datetime) -> tuple[MoodState, bool]:
    """Whether an automatic slow mode has run its time (then the handler sets it back to 0)."""
    if state.slowmode_until is not None and now >= state.slowmode_until:
        return replace(state, slowmode_until=None), True
    return state, False


# --------------------------------------------------------------------------------------
# Frustrated, unanswered questions
# --------------------------------------------------------------------------------------

_EN_QUESTION_START = re.compile(
    r"^\s*(how|why|what|when|where|which|who|whom|whose|is|are|am|was|were|do|does|did|can|"
    r"could|should|would|will|won't|can't|isn't|aren't|doesn't|didn't|has|have|any(one|body)|"
    r"someone|somebody)\b",
    re.IGNORECASE,
)
_ZH_QUESTION = re.compile(
    r"(吗|么|嘛|呢)\s*[。！!~～]*\s*$|怎么|为什么|为啥|如何|咋|谁|哪|几点|多少|是不是|有没有|能不能|可不可以"
)
_CODE = re.compile(r"```.*?```|`[^`\n]*`", re.DOTALL)


def is_question(text: str) -> bool:
    """A question mark (ASCII or full-width) outside code, or a question opening/particle."""
    plain = _CODE.sub(" ", text or "").strip()
    if not plain:
        return False
    if "?" in plain or "？" in plain:
        return True
    return bool(_EN_QUESTION_START.match(plain) or _ZH_QUESTION.search(plain))


@dataclass(frozen=True, slots=True)
class QuestionPolicy:
    wait: timedelta = timedelta(minutes=10)
    min_confidence: float = 0.4


@dataclass(frozen=True, slots=True)
class PendingQuestion:
    community_id: str
    channel_id: str
    message_id: str
    member_id: str
    asked_at: datetime
    due_at: datetime
    thread_id: str | None = None


def frustrated_question(
    text: str, score: Score, policy: QuestionPolicy = QuestionPolicy()
) -> bool:
    """A negative message that asks something."""
    return score.label == "neg" and score.confidence >= policy.min_confidence and is_question(text)


def open_pending_question(
    *,
    community_id: str,
    channel_id: str,
    message_id: str,
    member_id: str,
    asked_at: datetime,
    policy: QuestionPolicy = QuestionPolicy(),
    thread_id: str | None = None,
) -> PendingQuestion:
    """A question to check again at ``due_at`` (the handler stores it as a scheduled row)."""
    due = asked_at + policy.wait
    return PendingQuestion(
        community_id, channel_id, message_id, member_id, asked_at, due, thread_id
    )


def answers_question(
    pending: PendingQuestion,
    *,
    author_id: str,
    channel_id: str,
    at: datetime,
    reply_to_message_id: str | None = None,
    thread_id: str | None = None,
    mentions: Iterable[str] = (),
) -> bool:
    """Whether a later message by someone else answers the pending question.

    Counts: a reply to the question, a message in the question's thread, or a message in the
    channel that mentions the asker. Plain chatter in the channel does not.
    """
    if author_id == pending.member_id or at < pending.asked_at:
        return False
    if reply_to_message_id is not None and reply_to_message_id == pending.message_id:
        return True
    if pending.thread_id is not None and thread_id == pending.thread_id:
        return True
    if channel_id == pending.channel_id and pending.member_id in set(mentions):
        return True
    # A thread started from the question (Discord gives it the message's id) answers it too.
    return thread_id is not None and thread_id == pending.message_id


def question_decision(pending: PendingQuestion, now: datetime, *, answered: bool) -> str:
    """``acknowledge`` (due and unanswered), ``drop`` (answered) or ``wait`` (not due yet)."""
    if answered:
        return "drop"
    if now >= pending.due_at:
        return "acknowledge"
    return "wait"


# --------------------------------------------------------------------------------------
# Distress cases
# --------------------------------------------------------------------------------------

CASE_STATUSES = ("open", "acknowledged", "closed")


@dataclass(frozen=True, slots=True)
class DistressSignal:
    """A detector's verdict on one message: act when ``is_distress``.

    ``reasons`` name what fired (``pattern:en:want_die``, ``similarity:0.62``,
    ``classifier:0.91``) and what was excluded (``excluded:hyperbole``); they are for the
    support team and tests, and never contain the message text.
    """

    is_distress: bool
    confidence: float
    reasons: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class DistressPolicy:
    """Support-case rules. ``sla`` is time to acknowledge; each miss re-pages and escalates."""

    sla: timedelta = timedelta(minutes=8)
    cooldown: timedelta = timedelta(hours=12)
    max_pages: int = 5


@dataclass(frozen=True, slots=True)
class DistressCase:
    """A support case. Holds ids and times only: never the text of the member's message."""

    case_id: str
    community_id: str
    member_id: str
    channel_id: str
    message_id: str
    opened_at: datetime
    ack_due_at: datetime
    pages: int = 1
    escalation_level: int = 0
    status: str = "open"
    acknowledged_at: datetime | None = None
    acknowledged_by: str | None = None
    closed_at: datetime | None = None
    related_message_ids: tuple[str, ...] = field(default_factory=tuple)

    @property
    def time_to_ack(self) -> timedelta | None:
        return None if self.acknowledged_at is None else self.acknowledged_at - self.opened_at


@dataclass(frozen=True, slots=True)
class DistressDecision:
    """What to do about one distress signal.

    ``open_case``: create a new case and page on-call. ``send_dm``: message the member with
    support resources (false during the member's cooldown). ``attach_to_case``: an open case
    of the member to note the new message on instead of opening another.
    """

    open_case: bool
    send_dm: bool
    page: bool
    attach_to_case: str | None
    reason: str


def decide_on_distress(
    *,
    open_case: DistressCase | None,
    last_dm_at: datetime | None,
    now: datetime,
    policy: DistressPolicy = DistressPolicy(),
) -> DistressDecision:
    """Open a case and DM the member, unless a case is already open or the DM is cooling down.

    A member already in an open case is not paged again for every message (the SLA timer
    handles follow-up) and not DMed again. During the DM cooldown a new case is still opened
    so humans know, but the member is not messaged again.
    """
    if open_case is not None and open_case.status != "closed":
        return DistressDecision(False, False, False, open_case.case_id, "case already open")
    cooling = last_dm_at is not None and now - last_dm_at < policy.cooldown
    if cooling:
        return DistressDecision(True, False, True, None, "member DM on cooldown")
    return DistressDecision(True, True, True, None, "new case")


def open_distress_case(
    *,
    case_id: str,
    community_id: str,
    member_id: str,
    channel_id: str,
    message_id: str,
    now: datetime,
    policy: DistressPolicy = DistressPolicy(),
) -> DistressCase:
    """A new case, paged once now; acknowledgement due ``policy.sla`` from ``now``."""
    return DistressCase(
        case_id=case_id,
        community_id=community_id,
        member_id=member_id,
        channel_id=channel_id,
        message_id=message_id,
        opened_at=now,
        ack_due_at=now + policy.sla,
    )


def attach_message(case: DistressCase, message_id: str) -> DistressCase:
    """Note a further message of the member on their open case (ids only)."""
    if message_id in case.related_message_ids or message_id == case.message_id:
        return case
    return replace(case, related_message_ids=(*case.related_message_ids, message_id))


def acknowledge_case(case: DistressCase, by: str, now: datetime) -> DistressCase:
    """First acknowledgement wins (time-to-ack stays honest); later ones change nothing."""
    if case.status != "open":
        return case
    return replace(case, status="acknowledged", acknowledged_at=now, acknowledged_by=by)


def close_case(case: DistressCase, now: datetime) -> DistressCase:
    if case.status == "closed":
        return case
    return replace(case, status="closed", closed_at=now)


@dataclass(frozen=True, slots=True)
class SlaStep:
    """A missed acknowledgement: re-page on-call and escalate one level.

    ``exhausted`` marks the last page allowed by ``max_pages``; after it no timer is set
    (``next_due_at`` is None) and the case stays open for humans to pick up.
    """

    case: DistressCase
    repage: bool
    escalation_level: int
    next_due_at: datetime | None
    exhausted: bool
    minutes_waiting: int


def sla_check(
    case: DistressCase, now: datetime, policy: DistressPolicy = DistressPolicy()
) -> SlaStep | None:
    """Run when the SLA timer fires: None if acknowledged/closed/not yet due, else a step."""
    if case.status != "open" or now < case.ack_due_at or case.pages >= policy.max_pages:
        return None
    pages = case.pages + 1
    level = case.escalation_level + 1
    exhausted = pages >= policy.max_pages
    next_due = None if exhausted else now + policy.sla
    updated = replace(
        case, pages=pages, escalation_level=level, ack_due_at=next_due or case.ack_due_at
    )
    waited = int((now - case.opened_at).total_seconds() // 60)
    return SlaStep(updated, True, level, next_due, exhausted, waited)


def case_audit_entry(case: DistressCase) -> dict[str, str]:
    """What the audit log may record about a case: that it exists, not who or what."""
    return {
        "kind": "support_case",
        "case_id": case.case_id,
        "community_id": case.community_id,
        "status": case.status,
        "opened_at": case.opened_at.isoformat(),
    }


def distress_dm_text(
    lang: str | None,
    *,
    name: str,
    support_text: str | None,
    helplines: Sequence[str] = (),
) -> str:
    """The private support message: community text (or the default) and helplines.

    With no helplines configured for the language, the member gets a pointer to a global
    directory instead of an empty list.
    """
    language = normalise_language(lang)
    support = support_text or t("feelings.distress.support_default", language)
    if helplines:
        lines = "\n".join(f"• {line}" for line in helplines)
        helpline_text = f"{t('feelings.distress.helplines_header', language)}\n{lines}"
    else:
        helpline_text = t("feelings.distress.helplines_none", language)
    return t(
        "feelings.distress.dm", language, name=name, support_text=support, helplines=helpline_text
    )


# --------------------------------------------------------------------------------------
# Links, languages, mentions, case commands (small pure helpers the handlers share)
# --------------------------------------------------------------------------------------


def _raw(namespaced_id: str, prefix: str) -> str:
    return namespaced_id.removeprefix(prefix + ":")


def message_link(community_id: str, channel_id: str, message_id: str) -> str:
    """A link a human can click to reach a message; a plain reference when none exists.

    Discord: ``https://discord.com/channels/<guild>/<channel>/<message>``. Telegram: only
    supergroups (ids ``-100…``) have message links, ``https://t.me/c/<id without -100>/<msg>``.
    Anything else (console, basic Telegram groups) gets ``community/channel/message``.
    """
    platform = community_id.split(":", 1)[0]
    if platform == "dc":
        guild, channel = _raw(community_id, "dc"), _raw(channel_id, "dc")
        if guild.isdigit() and channel.isdigit() and _raw(message_id, "dc").isdigit():
            return f"https://discord.com/channels/{guild}/{channel}/{_raw(message_id, 'dc')}"
    if platform == "tg":
        chat, message = _raw(channel_id or community_id, "tg"), _raw(message_id, "tg")
        if chat.startswith("-100") and chat[4:].isdigit() and message.isdigit():
            return f"https://t.me/c/{chat[4:]}/{message}"
    return f"{community_id}/{channel_id}/{message_id}"


def dm_language(
    member_language: str | None, message_language: str | None, community_language: str
) -> str:
    """Language of a private message: the member's own setting, else the language they just
    wrote in (en/zh), else the community's."""
    if member_language:
        return normalise_language(member_language)
    if message_language in ("en", "zh"):
        return message_language
    return normalise_language(community_language)


def page_mention(oncall: str | None, escalation: Sequence[str], level: int) -> str:
    """Who a page addresses: the on-call role first, then escalation roles by level.

    Level 1 is the first missed SLA; levels beyond the list repeat its last entry. With no
    escalation roles the on-call role is paged again.
    """
    if level <= 0 or not escalation:
        return oncall or ""
    return escalation[min(level, len(escalation)) - 1]


CASE_VERBS = ("ack", "close", "show")


@dataclass(frozen=True, slots=True)
class CaseCommand:
    case_id: int
    verb: str


def parse_case_command(args: str) -> CaseCommand:
    """``/case ID [ack|close|show]`` → a command; ValueError says what is wrong.

    ``#12`` and ``12`` both work; the verb defaults to ``show``. Verbs in Chinese (确认, 关闭,
    查看) are accepted too.
    """
    aliases = {"ack": "ack", "acknowledge": "ack", "确认": "ack", "close": "close",
               "关闭": "close", "show": "show", "查看": "show"}
    parts = (args or "").split()
    if not parts or len(parts) > 2:
        raise ValueError("expected a case number and optionally ack, close or show")
    raw = parts[0].lstrip("#")
    if not (raw.isascii() and raw.isdigit()) or int(raw) <= 0:
        raise ValueError(f"{parts[0]!r} is not a case number")
    verb = aliases.get(parts[1].lower(), "") if len(parts) == 2 else "show"
    if not verb:
        raise ValueError(f"{parts[1]!r} is not ack, close or show")
    return CaseCommand(int(raw), verb)


def minutes_between(start: datetime, end: datetime) -> int:
    """Whole minutes from ``start`` to ``end`` (never negative)."""
    return int(max((end - start).total_seconds(), 0.0) // 60)


def channel_label(channel_id: str) -> str:
    """How to name a channel in a message: a clickable mention on Discord, ``#id`` elsewhere."""
    raw = channel_id.split(":", 1)[1] if ":" in channel_id else channel_id
    if channel_id.startswith("dc:") and raw.isdigit():
        return f"<#{raw}>"
    return f"#{raw}"
