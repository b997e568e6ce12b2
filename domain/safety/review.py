"""Line 2 and 3 decisions: review commands, what a verdict does, and SLA escalation.

Pure values and functions, so the command handler, the button handler and the timers agree
on one meaning of "ban", "spam" or "the acknowledge deadline passed" — and tests can check
the rules without a database.

Case ids: every review item is a case. Held messages open one; automatic strikes (delete+warn,
timeout, ban) and ``/warn`` open one that is already decided, so every strike has a case a
member can appeal.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from domain.safety.verdict import ActionKind, RuleAction, RuleHit, parse_duration

#: Decisions a moderator can take on a review item.
REVIEW_ACTIONS = ("approve", "remove", "warn", "timeout", "ban", "spam", "notspam", "escalate")
ACTION_ALIASES = {
    "not-spam": "notspam",
    "not_spam": "notspam",
    "ham": "notspam",
    "delete": "remove",
    "accept": "approve",
    "grant": "approve",
    "deny": "remove",
    "reject": "remove",
}
#: Decisions an appeal item takes: approve grants the appeal, remove denies it.
APPEAL_ACTIONS = ("approve", "remove", "escalate")

#: Statuses of a review item. ``escalated`` items are still waiting for a decision.
OPEN_STATUSES = ("open", "claimed", "escalated")
STATUSES = (*OPEN_STATUSES, "decided")

#: Line-3 steps, in order; each deadline counts from the previous one.
SLA_STEPS = ("acknowledge", "assessment", "statement", "remediation")

#: Rules whose evidence is private (distress): never copied to logs or public channels.
PRIVATE_RULES = frozenset({"category:self_harm"})

MAX_REASON = 300


class ArgumentError(ValueError):
    """Command arguments that cannot be read; ``key``/``fields`` name the catalogue message."""

    def __init__(self, key: str, **fields: object) -> None:
        super().__init__(key)
        self.key = key
        self.fields = fields


@dataclass(frozen=True, slots=True)
class ReviewCommand:
    item_id: int
    action: str
    seconds: int | None = None
    reason: str = ""


def parse_item_id(text: str) -> int:
    """``12`` or ``#12`` -> 12; :class:`ArgumentError` otherwise."""
    raw = text.strip().lstrip("#")
    if not raw.isdigit() or not raw.isascii() or int(raw) <= 0 or len(raw) > 18:
        raise ArgumentError("safety.error.bad_id", given=text.strip()[:40])
    return int(raw)


def normalise_action(text: str) -> str | None:
    word = text.strip().lower()
    word = ACTION_ALIASES.get(word, word)
    return word if word in REVIEW_ACTIONS else None


def parse_review(args: str) -> ReviewCommand:
    """``ID ACTION [DURATION] [reason…]`` (DURATION only after ``timeout``)."""
    parts = args.split(maxsplit=2)
    if len(parts) < 2:
        raise ArgumentError("safety.review.usage")
    item_id = parse_item_id(parts[0])
    action = normalise_action(parts[1])
    if action is None:
        raise ArgumentError("safety.review.bad_action", given=parts[1][:40],
                            actions=", ".join(REVIEW_ACTIONS))
    rest = parts[2].strip() if len(parts) > 2 else ""
    seconds: int | None = None
    if action == "timeout" and rest:
        head, _, tail = rest.partition(" ")
        try:
            seconds = parse_duration(head)
        except ValueError:
            seconds = None
        else:
            rest = tail.strip()
            if seconds > 28 * 86400:
                raise ArgumentError("safety.review.timeout_too_long")
    return ReviewCommand(item_id, action, seconds, rest[:MAX_REASON])


@dataclass(frozen=True, slots=True)
class DecisionPlan:
    """What a moderator's decision does to the member and the message."""

    action: str
    final: bool = True  # False: the item stays open (escalate)
    remove_message: bool = False
    strike: bool = False
    timeout: bool = False
    ban: bool = False
    example: str | None = None  # "spam" / "ham": a training example for the spam model
    repost: bool = False  # approve a held message that was deleted while pending
    escalate: bool = False


def plan_review(action: str, *, message_deleted: bool) -> DecisionPlan:
    """The effects of deciding a review item (held message) with ``action``."""
    if action == "approve":
        return DecisionPlan(action, repost=message_deleted)
    if action == "notspam":
        return DecisionPlan(action, repost=message_deleted, example="ham")
    if action == "remove":
        return DecisionPlan(action, remove_message=not message_deleted)
    if action == "warn":
        return DecisionPlan(action, remove_message=not message_deleted, strike=True)
    if action == "timeout":
        return DecisionPlan(action, remove_message=not message_deleted, strike=True,
                            timeout=True)
    if action == "ban":
        return DecisionPlan(action, remove_message=not message_deleted, strike=True, ban=True)
    if action == "spam":
        return DecisionPlan(action, remove_message=not message_deleted, strike=True,
                            example="spam")
    if action == "escalate":
        return DecisionPlan(action, final=False, escalate=True)
    raise ArgumentError("safety.review.bad_action", given=action, actions=", ".join(
        REVIEW_ACTIONS))


def appeal_outcome(action: str) -> str:
    """``granted`` / ``denied`` for an appeal decision; escalate keeps it open."""
    if action == "approve":
        return "granted"
    if action == "remove":
        return "denied"
    if action == "escalate":
        return "escalated"
    raise ArgumentError("safety.appeal.bad_action", given=action,
                        actions="approve (grant), remove (deny), escalate")


def is_private(rule_ids: object) -> bool:
    """Whether any of ``rule_ids`` is a private (distress) rule."""
    try:
        return any(r in PRIVATE_RULES for r in rule_ids)  # type: ignore[attr-defined]
    except TypeError:
        return False


def spare_distress(hits: list[RuleHit]) -> list[RuleHit]:
    """A possible cry for help is never removed on the spam model's word alone.

    When a private (distress) category fired, the spam model's hit is kept as evidence but
    only logged: a statistical score is weak evidence against a message the care flow must
    answer. Keyword, regex and structural rules still act as configured.
    """
    if not any(h.rule_id in PRIVATE_RULES for h in hits):
        return hits
    log = RuleAction(ActionKind.LOG)
    return [replace(h, action=log) if h.kind == "spam" and h.action.strength > log.strength
            else h for h in hits]


# --- SLA ---------------------------------------------------------------------------------


def deadlines(start: datetime, steps: Mapping[str, int]) -> dict[str, datetime]:
    """Absolute due time of each step; ``steps`` maps name -> seconds after the previous."""
    due: dict[str, datetime] = {}
    at = start
    for name in SLA_STEPS:
        at = at + timedelta(seconds=int(steps[name]))
        due[name] = at
    return due


@dataclass(frozen=True, slots=True)
class SlaOutcome:
    """What a due review SLA timer does: page the experts, and which step to watch next."""

    page: bool
    level: int
    next_step: str | None
    reason: str = ""


def review_sla(step: str, *, status: str, claimed: bool, level: int) -> SlaOutcome:
    """Decide a due SLA timer of a review item.

    * decided items: nothing, no further timers;
    * acknowledge / assessment / statement deadlines page the experts while nobody has
      claimed the item, and the next deadline is watched; a claimed item is not paged (its
      moderator owns it) and only the final remediation deadline is still watched;
    * remediation: an item still undecided is paged a last time, claimed or not.
    """
    if step not in SLA_STEPS:
        raise ValueError(f"unknown SLA step {step!r}; expected one of {SLA_STEPS}")
    if status == "decided":
        return SlaOutcome(False, level, None, "decided")
    if step == "remediation":
        return SlaOutcome(True, level + 1, None, "undecided")
    following = SLA_STEPS[SLA_STEPS.index(step) + 1]
    if claimed:
        return SlaOutcome(False, level, "remediation", "claimed")
    return SlaOutcome(True, level + 1, following, "unclaimed")
