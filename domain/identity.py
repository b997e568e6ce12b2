"""Identity linking: one person behind a Discord and a Telegram account.

``/link`` hands out a one-time code on one platform; entering it on the other joins both
member rows to one ``persons`` row. The rules are here as pure functions (the handler does
the I/O): what a code looks like, when a code may be redeemed, and how two existing person
groups merge.

Why these choices:
- Codes are 8 characters from an alphabet without look-alikes (no 0/O, 1/I/L), so a code read
  on a phone and typed on a desktop survives; 31**8 ≈ 8.5e11 codes, a 10-minute lifetime and a
  cap on wrong guesses per member make guessing hopeless.
- Linking is for accounts on *different* platforms. Two accounts on the same platform are
  two people as far as Hearth can tell (or an alt used to farm points), so that is refused.
- When both accounts already belong to persons (e.g. a Discord account linked before, now a
  second Telegram account), the groups merge into the older person, so ids already handed to
  other features stay valid for as many members as possible.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from domain.events import platform_of

ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 8
CODE_TTL = timedelta(minutes=10)
MAX_FAILED_ATTEMPTS = 5
FAILED_AUDIT_ACTION = "identity.link_failed"  # audit rows the guessing limit counts
ATTEMPT_WINDOW = timedelta(minutes=10)
# Separators people add when copying a code ("ABCD-EFGH", "abcd efgh").
_SEPARATORS = str.maketrans("", "", " -_.\u00a0\u3000")
# Platforms whose ephemeral replies only the caller sees. Telegram has no private replies in
# groups, so a code requested there goes by direct message instead.
PRIVATE_REPLY_PLATFORMS = frozenset({"discord", "console"})


@dataclass(frozen=True, slots=True)
class MemberRef:
    """One account in one community (a ``members`` row)."""

    community_id: str
    member_id: str

    @property
    def platform(self) -> str:
        return platform_of(self.community_id)


@dataclass(frozen=True, slots=True)
class Account:
    """A member row as identity linking sees it."""

    ref: MemberRef
    display_name: str = ""
    person_id: int | None = None

    @property
    def label(self) -> str:
        return self.display_name or self.ref.member_id


@dataclass(frozen=True, slots=True)
class IssuedCode:
    code: str
    community_id: str
    member_id: str
    expires_at: datetime

    @property
    def owner(self) -> MemberRef:
        return MemberRef(self.community_id, self.member_id)


class Verdict(StrEnum):
    OK = "ok"
    UNKNOWN = "unknown"
    EXPIRED = "expired"
    OWN = "own"
    SAME_PLATFORM = "same_platform"
    ALREADY_LINKED = "already_linked"


@dataclass(frozen=True, slots=True)
class MergePlan:
    """``keep``: the person both accounts end up in (None: create one); ``absorb``: a second
    person whose members move into ``keep`` and which is then deleted."""

    keep: int | None
    absorb: int | None = None


def new_code(choice: Callable[[str], str]) -> str:
    """A fresh code; ``choice`` picks one character (pass ``secrets.choice``)."""
    return "".join(choice(ALPHABET) for _ in range(CODE_LENGTH))


def normalise_code(text: str) -> str | None:
    """The canonical form of a typed code, or None when it cannot be a code.

    Case, spaces and dashes are forgiven; characters outside the alphabet are not (a code
    never contains them, so the member mistyped and should look again).
    """
    candidate = text.translate(_SEPARATORS).upper()
    if len(candidate) != CODE_LENGTH or any(ch not in ALPHABET for ch in candidate):
        return None
    return candidate


def expires_at(now: datetime) -> datetime:
    return now + CODE_TTL


def judge(
    issued: IssuedCode | None,
    caller: MemberRef,
    now: datetime,
    *,
    issuer_person: int | None = None,
    caller_person: int | None = None,
) -> Verdict:
    """May ``caller`` redeem ``issued`` at ``now``? (Checked in this order.)"""
    if issued is None:
        return Verdict.UNKNOWN
    if now >= issued.expires_at:
        return Verdict.EXPIRED
    if issued.member_id == caller.member_id:
        return Verdict.OWN
    if platform_of(issued.community_id) == caller.platform:
        return Verdict.SAME_PLATFORM
    if issuer_person is not None and issuer_person == caller_person:
        return Verdict.ALREADY_LINKED
    return Verdict.OK


def consumes_code(verdict: Verdict, *, seen_by_others: bool) -> bool:
    """Whether the code is used up by this attempt.

    Redeeming, an expired code and an already-made link end it. Entering one's own code or a
    code from the same platform is a mistake; the owner keeps the code for the right account
    — unless it was typed where others can read it (a Telegram group), because then anyone
    on the other platform could link their account to the owner's. ``UNKNOWN`` has no code.
    """
    if verdict in (Verdict.OK, Verdict.EXPIRED, Verdict.ALREADY_LINKED):
        return True
    return seen_by_others and verdict in (Verdict.OWN, Verdict.SAME_PLATFORM)


def plan_merge(issuer_person: int | None, caller_person: int | None) -> MergePlan:
    """How to put both accounts into one person (see the module docstring)."""
    if issuer_person is None and caller_person is None:
        return MergePlan(None)
    if issuer_person is None or caller_person is None:
        return MergePlan(issuer_person if issuer_person is not None else caller_person)
    if issuer_person == caller_person:
        return MergePlan(issuer_person)
    return MergePlan(min(issuer_person, caller_person), max(issuer_person, caller_person))


def too_many_attempts(failed_recently: int) -> bool:
    return failed_recently >= MAX_FAILED_ATTEMPTS


def private_reply_possible(community_id: str) -> bool:
    """Can a reply in this community be seen by the caller alone?"""
    return platform_of(community_id) in PRIVATE_REPLY_PLATFORMS
