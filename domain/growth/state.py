"""Per-member growth state: the small mutable record the handler keeps cached.

Everything the per-event rules need is here, so awarding a message costs no database read:
anti-farming memory (last award time, today's points, recent fingerprints), point totals
(lifetime per category and the spendable balance, kept separate so spending never demotes),
activity stats that badges and stages read, and the stage with its demotion grace start.

Times are POSIX seconds (float) and days are *local* epoch-day numbers in the community's
time zone: plain numbers are cheaper to compare than datetimes and serialise as-is.
The record round-trips through ``to_dict``/``from_dict`` (JSON-safe) for storage.
"""

from __future__ import annotations

import base64
import binascii
import struct
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

STATE_VERSION = 1
NEWCOMER = "newcomer"


@dataclass(slots=True)
class MemberGrowthState:
    member_id: str = ""
    # Points. lifetime_total == sum(lifetime.values()); balance is what the shop spends.
    lifetime: dict[str, int] = field(default_factory=dict)
    lifetime_total: int = 0
    balance: int = 0
    spent: int = 0
    # Anti-farming memory.
    last_award_at: float | None = None
    cap_day: int | None = None
    points_today: int = 0
    fingerprints: list[frozenset[int]] = field(default_factory=list)
    fingerprint_next: int = 0
    # Activity stats.
    messages: int = 0
    active_days: int = 0
    last_active_day: int | None = None
    streak: int = 0
    best_streak: int = 0
    first_seen: float | None = None
    last_seen: float | None = None
    helpful: int = 0
    reactions_received: int = 0
    replies_received: int = 0
    voice_minutes: float = 0.0
    events_attended: int = 0
    night_messages: int = 0
    languages: int = 0  # bitmask of text.LANG_EN / LANG_ZH seen
    team_interactions: int = 0
    # Stage and badges.
    stage: str = NEWCOMER
    stage_grace_since: float | None = None
    badges: set[str] = field(default_factory=set)

    def copy(self) -> MemberGrowthState:
        """A copy whose containers are independent (fingerprints are immutable)."""
        clone = MemberGrowthState.__new__(MemberGrowthState)
        for name in _FIELDS:
            setattr(clone, name, getattr(self, name))
        clone.lifetime = dict(self.lifetime)
        clone.fingerprints = list(self.fingerprints)
        clone.badges = set(self.badges)
        return clone

    def remember_fingerprint(self, fingerprint: frozenset[int], memory: int) -> None:
        """Put ``fingerprint`` in the bounded ring of the last ``memory`` fingerprints."""
        if memory <= 0 or not fingerprint:
            return
        ring = self.fingerprints
        if len(ring) < memory:
            ring.append(fingerprint)
            self.fingerprint_next = len(ring) % memory
            return
        if len(ring) > memory:  # memory was lowered in config: keep the newest entries
            del ring[: len(ring) - memory]
            self.fingerprint_next = 0
        slot = self.fingerprint_next % memory
        ring[slot] = fingerprint
        self.fingerprint_next = (slot + 1) % memory

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe dict (sorted fingerprints and badges, so equal states dump equal).

        Fingerprints (sets of 32-bit hashes) are packed as base64 of big-endian uint32s,
        about a third of the size of JSON number lists.
        """
        data: dict[str, Any] = {name: getattr(self, name) for name in _FIELDS}
        data["lifetime"] = dict(self.lifetime)
        data["fingerprints"] = [_pack(fp) for fp in self.fingerprints]
        data["badges"] = sorted(self.badges)
        data["v"] = STATE_VERSION
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> MemberGrowthState:
        """Rebuild from ``to_dict`` output; unknown keys are ignored, missing ones default.

        Raises ``ValueError`` naming the field when a value has the wrong type, so a corrupt
        row is reported instead of poisoning the cache.
        """
        state = cls()
        for name in _FIELDS:
            if name not in data:
                continue
            value = data[name]
            kind = _KINDS[name]
            try:
                if kind == "int":
                    value = _int(value)
                elif kind == "float":
                    value = float(value)
                elif kind == "opt_float":
                    value = None if value is None else float(value)
                elif kind == "opt_int":
                    value = None if value is None else _int(value)
                elif kind == "str":
                    if not isinstance(value, str):
                        raise TypeError("expected text")
                elif kind == "lifetime":
                    value = {str(k): _int(v) for k, v in dict(value).items()}
                elif kind == "fingerprints":
                    value = [_unpack(fp) for fp in value]
                elif kind == "badges":
                    value = {str(b) for b in value}
            except (TypeError, ValueError) as exc:
                raise ValueError(f"growth state field {name!r} is invalid: {exc}") from None
            setattr(state, name, value)
        return state


def pack_fingerprint(fingerprint: frozenset[int]) -> str:
    """The stored text form of one fingerprint (see ``to_dict``)."""
    return _pack(fingerprint)


def _pack(fingerprint: frozenset[int]) -> str:
    ordered = sorted(fingerprint)
    return base64.b64encode(struct.pack(f">{len(ordered)}I", *ordered)).decode("ascii")


def _unpack(value: object) -> frozenset[int]:
    """Packed string (current) or a list of ints (also accepted)."""
    if isinstance(value, str):
        try:
            raw = base64.b64decode(value, validate=True)
        except binascii.Error as exc:
            raise ValueError(f"bad fingerprint encoding: {exc}") from None
        if len(raw) % 4:
            raise ValueError("bad fingerprint length")
        return frozenset(struct.unpack(f">{len(raw) // 4}I", raw))
    if isinstance(value, list | tuple):
        hashes = frozenset(_int(h) for h in value)
        if any(not 0 <= h < 2**32 for h in hashes):
            raise ValueError("fingerprint hashes must be 32-bit unsigned")
        return hashes
    raise TypeError(f"expected packed text or a list, got {type(value).__name__}")


def _int(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise TypeError(f"expected a whole number, got {value!r}")
    number = int(value)
    if isinstance(value, float) and number != value:
        raise ValueError(f"expected a whole number, got {value!r}")
    return number


_FIELDS: tuple[str, ...] = tuple(MemberGrowthState.__dataclass_fields__)
STATE_FIELDS = _FIELDS  # public: storage codecs serialise the same fields in the same way
_KINDS: dict[str, str] = {
    "member_id": "str",
    "stage": "str",
    "lifetime": "lifetime",
    "fingerprints": "fingerprints",
    "badges": "badges",
    "voice_minutes": "float",
    "last_award_at": "opt_float",
    "first_seen": "opt_float",
    "last_seen": "opt_float",
    "stage_grace_since": "opt_float",
    "cap_day": "opt_int",
    "last_active_day": "opt_int",
}
for _name in _FIELDS:
    _KINDS.setdefault(_name, "int")
