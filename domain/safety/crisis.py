"""Crisis playbooks: the four timed steps, reminders, and the 5-Why postmortem.

A crisis follows the same golden-hour deadlines as review escalations (acknowledge, assess,
first public statement, remediation plan). Each step has a due time; a step not done by then
reminds the crisis team, and re-pages a bounded number of times. Closing a crisis asks for a
postmortem: up to five "why" answers (the 5-Why technique: ask why until the root cause) and
improvement actions, each with an owner, so follow-up work has a name on it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from domain.safety.review import SLA_STEPS, ArgumentError

CRISIS_STEPS = SLA_STEPS
MAX_TITLE = 200
MAX_WHYS = 5
MAX_ACTIONS = 20
MAX_TEXT = 500

_PART_SPLIT = re.compile(r"\s*(?:\||\n)\s*")
_LABEL = re.compile(r"^(why|action|owner)\s*\d*\s*[:：]\s*", re.IGNORECASE)
_OWNER = re.compile(r"(?:^|\s)(@[^\s@]{1,64}|<@!?\d+>)\s*$")


@dataclass(frozen=True, slots=True)
class Reminder:
    """What a due crisis-step timer does."""

    remind: bool
    repage: bool


def step_reminder(*, done: bool, crisis_open: bool, page: int, max_pages: int) -> Reminder:
    """Remind while the step is not done and the crisis open; re-page up to ``max_pages``."""
    if done or not crisis_open:
        return Reminder(False, False)
    return Reminder(True, page + 1 < max_pages)


def step_name(text: str) -> str:
    """A crisis step from what a moderator typed (``ack`` and ``assess`` are accepted)."""
    raw = text.strip().lower()
    aliases = {"ack": "acknowledge", "acknowledged": "acknowledge", "assess": "assessment",
               "public": "statement", "public_statement": "statement", "remediate": "remediation",
               "plan": "remediation"}
    name = aliases.get(raw, raw)
    if name not in CRISIS_STEPS:
        raise ArgumentError("safety.crisis.bad_step", given=text.strip()[:40],
                            steps=", ".join(CRISIS_STEPS))
    return name


def parse_title(text: str) -> str:
    title = " ".join(text.split())
    if not title:
        raise ArgumentError("safety.crisis.usage")
    return title[:MAX_TITLE]


@dataclass(frozen=True, slots=True)
class ImprovementAction:
    text: str
    owner: str


@dataclass(frozen=True, slots=True)
class Postmortem:
    whys: tuple[str, ...]
    actions: tuple[ImprovementAction, ...]

    def as_json(self) -> tuple[list[str], list[dict[str, str]]]:
        return list(self.whys), [{"text": a.text, "owner": a.owner} for a in self.actions]


def parse_postmortem(text: str) -> Postmortem:
    """``why: … | why: … | action: fix the filter @alice | action: …``.

    Parts are separated by ``|`` or new lines; each starts with ``why:`` or ``action:``
    (numbered labels such as ``why2:`` work too). Every action ends with its owner as a
    mention (``@alice`` or a Discord ``<@123>``). Between one and five whys are needed and at
    least one action.
    """
    whys: list[str] = []
    actions: list[ImprovementAction] = []
    for part in _PART_SPLIT.split(text.strip()):
        if not part:
            continue
        label = _LABEL.match(part)
        if label is None:
            raise ArgumentError("safety.postmortem.bad_part", part=part[:60])
        kind = label.group(1).lower()
        body = " ".join(part[label.end():].split())
        if not body:
            raise ArgumentError("safety.postmortem.bad_part", part=part[:60])
        if kind == "why":
            whys.append(body[:MAX_TEXT])
            continue
        if kind == "owner":
            raise ArgumentError("safety.postmortem.bad_part", part=part[:60])
        owner = _OWNER.search(body)
        if owner is None:
            raise ArgumentError("safety.postmortem.action_owner", action=body[:60])
        what = body[: owner.start()].strip(" -–—:")
        if not what:
            raise ArgumentError("safety.postmortem.action_owner", action=body[:60])
        actions.append(ImprovementAction(what[:MAX_TEXT], owner.group(1)))
    if not whys:
        raise ArgumentError("safety.postmortem.usage")
    if len(whys) > MAX_WHYS:
        raise ArgumentError("safety.postmortem.too_many_whys", count=len(whys), max=MAX_WHYS)
    if not actions:
        raise ArgumentError("safety.postmortem.need_action")
    if len(actions) > MAX_ACTIONS:
        raise ArgumentError("safety.postmortem.too_many_actions", max=MAX_ACTIONS)
    return Postmortem(tuple(whys), tuple(actions))
