"""Rule actions, rule hits, and how many hits become one decision.

Every line-1 rule (keyword list, regex, structural rule, spam model, sensitive category)
reports a :class:`RuleHit` carrying the action its config asked for. :func:`decide` folds any
number of hits into one :class:`Verdict`: the strongest enforced action wins, dry-run hits are
kept as evidence of what *would* have happened but change nothing. Keeping this a pure fold
over values means the handler, the console and replays all agree on the outcome.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from enum import IntEnum

#: Longest timeout accepted. Discord caps member timeouts at 28 days; Telegram restrictions
#: longer than 366 days count as "forever", so 28 days is the common, honest maximum.
MAX_TIMEOUT_SECONDS = 28 * 24 * 3600

_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
_DURATION_PART = re.compile(r"(\d+)\s*([smhdw])")
_DURATION_FULL = re.compile(r"(?:\d+\s*[smhdw]\s*)+")


class ActionKind(IntEnum):
    """Action kinds in ascending strength: a larger value overrides a smaller one."""

    ALLOW = 0
    LOG = 1
    WARN = 2
    HOLD = 3
    DELETE = 4
    DELETE_WARN = 5
    TIMEOUT = 6
    BAN = 7


_KIND_NAMES = {
    ActionKind.ALLOW: "allow",
    ActionKind.LOG: "log",
    ActionKind.WARN: "warn",
    ActionKind.HOLD: "hold",
    ActionKind.DELETE: "delete",
    ActionKind.DELETE_WARN: "delete+warn",
    ActionKind.TIMEOUT: "timeout",
    ActionKind.BAN: "ban",
}
_NAME_KINDS = {name: kind for kind, name in _KIND_NAMES.items()}
_NAME_KINDS.update({"delete_warn": ActionKind.DELETE_WARN, "delete-warn": ActionKind.DELETE_WARN})


def parse_duration(text: str | int | float) -> int:
    """``"90s"``, ``"10m"``, ``"1h30m"``, ``"1d"``, ``"2w"`` (or plain seconds) -> seconds.

    Raises ``ValueError`` with the accepted forms when the text is not a duration, because
    these strings come from hand-written config files.
    """
    if isinstance(text, bool):
        raise ValueError(f"duration must be text like '10m' or '1h', got {text!r}")
    if isinstance(text, int | float):
        seconds = int(text)
    else:
        raw = text.strip().lower()
        if raw.isdigit():
            seconds = int(raw)
        elif raw and _DURATION_FULL.fullmatch(raw):
            seconds = sum(int(n) * _UNIT_SECONDS[u] for n, u in _DURATION_PART.findall(raw))
        else:
            raise ValueError(
                f"{text!r} is not a duration; use a number with a unit: "
                "30s, 10m, 1h, 1h30m, 1d, 2w"
            )
    if seconds <= 0:
        raise ValueError(f"duration {text!r} must be longer than zero")
    return seconds


def format_duration(seconds: int) -> str:
    """Compact, round-trippable form: 5400 -> ``"1h30m"``."""
    if seconds <= 0:
        return "0s"
    parts = []
    for unit in ("w", "d", "h", "m", "s"):
        size = _UNIT_SECONDS[unit]
        if seconds >= size:
            parts.append(f"{seconds // size}{unit}")
            seconds %= size
    return "".join(parts)


@dataclass(frozen=True, slots=True)
class RuleAction:
    """What a rule asks for. ``seconds`` only matters for ``TIMEOUT``."""

    kind: ActionKind
    seconds: int = 0

    @property
    def strength(self) -> tuple[int, int]:
        """Sort key: kind first, then a longer timeout is stronger than a shorter one."""
        return (int(self.kind), self.seconds if self.kind is ActionKind.TIMEOUT else 0)

    def __str__(self) -> str:
        name = _KIND_NAMES[self.kind]
        if self.kind is ActionKind.TIMEOUT:
            return f"{name} {format_duration(self.seconds)}"
        return name


ALLOW = RuleAction(ActionKind.ALLOW)


def parse_action(text: str | RuleAction) -> RuleAction:
    """Parse ``log``, ``warn``, ``hold``, ``delete``, ``delete+warn``, ``timeout 10m``, ``ban``."""
    if isinstance(text, RuleAction):
        return text
    if not isinstance(text, str):
        raise ValueError(f"action must be text like 'hold' or 'timeout 10m', got {text!r}")
    raw = " ".join(text.strip().lower().split())
    head, _, rest = raw.partition(" ")
    kind = _NAME_KINDS.get(head)
    if kind is None:
        raise ValueError(
            f"unknown action {text!r}; use one of: log, warn, hold, delete, delete+warn, "
            "timeout DURATION (e.g. 'timeout 10m'), ban"
        )
    if kind is ActionKind.TIMEOUT:
        if not rest:
            raise ValueError(f"{text!r}: timeout needs a duration, e.g. 'timeout 10m'")
        seconds = parse_duration(rest)
        if seconds > MAX_TIMEOUT_SECONDS:
            raise ValueError(f"{text!r}: timeouts can be at most 28 days ('timeout 28d')")
        return RuleAction(kind, seconds)
    if rest:
        raise ValueError(f"{text!r}: the action {head!r} takes no argument")
    return RuleAction(kind)


def strongest(actions: Iterable[RuleAction]) -> RuleAction:
    """The strongest of ``actions`` (``allow`` when there are none)."""
    best = ALLOW
    for action in actions:
        if action.strength > best.strength:
            best = action
    return best


@dataclass(frozen=True, slots=True)
class RuleHit:
    """One rule that fired on one message.

    ``span`` indexes into the text the rule looked at (the folded, normalised text for
    keywords and regexes); ``evidence`` is the matched piece or a short measurement
    ("7 mentions"), kept so moderators see *why* without re-running the rule.
    """

    rule_id: str
    kind: str
    action: RuleAction
    dry_run: bool = False
    evidence: str = ""
    span: tuple[int, int] | None = None
    score: float | None = None


@dataclass(frozen=True, slots=True)
class Verdict:
    """The single outcome for a message.

    ``action`` is what to do now; ``would_action`` is what would have happened if the
    dry-run rules were live (for "dry run" logs and tuning). The boolean properties spell
    out the side effects adapters and handlers need.
    """

    action: RuleAction
    hits: tuple[RuleHit, ...]
    enforced: tuple[RuleHit, ...]
    dry_run_hits: tuple[RuleHit, ...]
    would_action: RuleAction

    @property
    def allowed(self) -> bool:
        return self.action.kind is ActionKind.ALLOW

    @property
    def log_only(self) -> bool:
        return self.action.kind is ActionKind.LOG

    @property
    def hold(self) -> bool:
        """Put the message in the review queue (strongest enforced action is ``hold``)."""
        return self.action.kind is ActionKind.HOLD

    @property
    def delete(self) -> bool:
        """Remove the message: delete and every stronger action implies it."""
        return self.action.kind >= ActionKind.DELETE

    @property
    def warn(self) -> bool:
        """Issue a strike: ``warn``/``delete+warn`` explicitly, timeouts and bans too."""
        return self.action.kind in (
            ActionKind.WARN,
            ActionKind.DELETE_WARN,
            ActionKind.TIMEOUT,
            ActionKind.BAN,
        )

    @property
    def timeout_seconds(self) -> int:
        return self.action.seconds if self.action.kind is ActionKind.TIMEOUT else 0

    @property
    def ban(self) -> bool:
        return self.action.kind is ActionKind.BAN

    @property
    def rule_ids(self) -> tuple[str, ...]:
        return tuple(hit.rule_id for hit in self.enforced)


def decide(hits: Iterable[RuleHit], *, dry_run: bool = False) -> Verdict:
    """Fold rule hits into one verdict.

    A hit in dry-run (or every hit, when the whole community runs ``dry_run``) is recorded
    but enforces nothing. Hits are ordered strongest first so the first one explains the
    action.
    """
    ordered = tuple(sorted(hits, key=lambda h: h.action.strength, reverse=True))
    enforced = tuple(h for h in ordered if not (h.dry_run or dry_run))
    dry = tuple(h for h in ordered if h.dry_run or dry_run)
    action = strongest(h.action for h in enforced)
    would = strongest(h.action for h in ordered)
    return Verdict(
        action=action, hits=ordered, enforced=enforced, dry_run_hits=dry, would_action=would
    )
