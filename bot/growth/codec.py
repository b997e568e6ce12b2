"""``GrowthCodec``: a ``member_stats`` row <-> the cached ``MemberGrowthState``.

The state JSON holds what only the growth rules need (anti-farming memory, per-category
lifetime points, badge stats, badges, stage grace). Two rules make the row the authority:

- the ``lifetime``, ``balance`` (and ``helpful``) COLUMNS win over the JSON. Commands
  (purchases, grants, imports, /helpful) and other processes change them as increments in
  their own transactions, while the JSON is a snapshot written by whichever process last
  handled the member. The
  per-category split is reconciled so it still sums to the column (a positive difference
  is booked to ``activity``; a negative one is taken from the largest categories first).
- a row without JSON (a member imported from MEE6, or known only from counters) gets a state
  built from the columns.

``persisted_fields`` runs on every event that touches a member, so it is written for speed:
it produces what ``MemberGrowthState.to_dict()`` does minus fields at their default (which
``from_dict`` restores), and packs each text fingerprint once (fingerprints are immutable and
stay in the ring for ~10 messages) instead of on every event.
"""

from __future__ import annotations

import json
import logging
from datetime import date, datetime
from typing import Any

from domain.growth.rules import ACTIVITY
from domain.growth.state import (
    STATE_FIELDS,
    STATE_VERSION,
    MemberGrowthState,
    pack_fingerprint,
)

log = logging.getLogger("hearth.growth")

_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()
_SCALARS = tuple(name for name in STATE_FIELDS
                 if name not in ("lifetime", "fingerprints", "badges"))


def _scalar_dict_function() -> Any:
    """``scalars(s) -> {"field": s.field, ...}`` for every scalar field that differs from its
    default, compiled once. A dict display is several times faster than a loop over names,
    and leaving defaults out (``from_dict`` restores them) halves the stored JSON for a
    typical member, which the batch writer serialises and SQLite stores on every flush."""
    defaults = MemberGrowthState.__dataclass_fields__
    lines = ["def scalars(s):", "    d = {}"]
    for name in _SCALARS:
        default = defaults[name].default
        test = "v is not None" if default is None else f"v != {default!r}"
        lines += [f"    v = s.{name}", f"    if {test}:", f"        d[{name!r}] = v"]
    lines.append("    return d")
    namespace: dict[str, Any] = {}
    exec("\n".join(lines) + "\n", namespace)
    return namespace["scalars"]


_scalars = _scalar_dict_function()
_PACK_MEMO_LIMIT = 200_000


def day_to_iso(day: int | None) -> str | None:
    """Local epoch-day number -> ``YYYY-MM-DD`` (the ``last_active_day`` column)."""
    return None if day is None else date.fromordinal(day + _EPOCH_ORDINAL).isoformat()


def iso_to_day(text: str | None) -> int | None:
    if not text:
        return None
    try:
        return date.fromisoformat(str(text)).toordinal() - _EPOCH_ORDINAL
    except ValueError:
        return None


def _seconds(value: Any) -> float | None:
    if isinstance(value, datetime):
        return value.timestamp()
    return None


class GrowthCodec:
    """The ``StateCodec`` the growth wiring installs on the shared ``StateCache``."""

    def __init__(self) -> None:
        self._packed: dict[frozenset[int], str] = {}
        self.corrupt_rows = 0

    # -- row -> state ----------------------------------------------------------------------
    def load(self, row: dict[str, Any] | None) -> MemberGrowthState:
        if row is None:
            return MemberGrowthState()
        data = row.get("state")
        if isinstance(data, str):
            try:
                data = json.loads(data)
            except ValueError:
                data = None
        state: MemberGrowthState | None = None
        if isinstance(data, dict) and data:
            try:
                state = MemberGrowthState.from_dict(data)
            except ValueError as exc:
                self.corrupt_rows += 1
                log.warning("growth state of %s/%s is unreadable (%s); rebuilt from counters",
                            row.get("community_id"), row.get("member_id"), exc)
        if state is None:
            state = from_columns(row)
        state.member_id = str(row.get("member_id") or state.member_id)
        reconcile(state, int(row.get("lifetime") or 0), int(row.get("balance") or 0))
        if row.get("helpful") is not None:
            # Only /helpful moves this counter, in its own transaction: the column is exact
            # even when an event's stale snapshot of the JSON was written after it.
            state.helpful = int(row["helpful"])
        # Messages refused before analysis are not persisted in the JSON (see the message
        # handler); the counters the activity handler keeps for every message are exact.
        state.messages = max(state.messages, int(row.get("messages") or 0))
        last_seen = _seconds(row.get("last_seen"))
        if last_seen is not None and (state.last_seen is None or last_seen > state.last_seen):
            state.last_seen = last_seen
        return state

    # -- state -> row ----------------------------------------------------------------------
    def persisted_fields(self, state: MemberGrowthState) -> dict[str, Any]:
        return {
            "state": self.state_dict(state),
            "stage": state.stage,
            "active_days": state.active_days,
            "streak": state.streak,
            "best_streak": state.best_streak,
            "last_active_day": day_to_iso(state.last_active_day),
        }

    def state_dict(self, state: MemberGrowthState) -> dict[str, Any]:
        """``state.to_dict()`` without default-valued fields (``from_dict`` round-trips it)."""
        data = _scalars(state)
        data["lifetime"] = dict(state.lifetime)
        packed = self._packed
        fingerprints = []
        for fingerprint in state.fingerprints:
            text = packed.get(fingerprint)
            if text is None:
                if len(packed) >= _PACK_MEMO_LIMIT:
                    packed.clear()
                text = packed[fingerprint] = pack_fingerprint(fingerprint)
            fingerprints.append(text)
        data["fingerprints"] = fingerprints
        data["badges"] = sorted(state.badges)
        data["v"] = STATE_VERSION
        return data


def from_columns(row: dict[str, Any]) -> MemberGrowthState:
    """A state from the counters alone (no JSON yet)."""
    lifetime = max(0, int(row.get("lifetime") or 0))
    state = MemberGrowthState(
        member_id=str(row.get("member_id") or ""),
        lifetime={ACTIVITY: lifetime} if lifetime else {},
        lifetime_total=lifetime,
        balance=max(0, int(row.get("balance") or 0)),
        messages=int(row.get("messages") or 0),
        active_days=int(row.get("active_days") or 0),
        last_active_day=iso_to_day(row.get("last_active_day")),
        streak=int(row.get("streak") or 0),
        best_streak=int(row.get("best_streak") or 0),
        first_seen=_seconds(row.get("first_seen")),
        last_seen=_seconds(row.get("last_seen")),
        helpful=int(row.get("helpful") or 0),
        reactions_received=int(row.get("reactions_received") or 0),
        replies_received=int(row.get("replies_received") or 0),
        voice_minutes=float(row.get("voice_minutes") or 0.0),
    )
    if row.get("stage"):
        state.stage = str(row["stage"])
    return state


def reconcile(state: MemberGrowthState, lifetime: int, balance: int) -> None:
    """Make the state's totals equal the authoritative columns (see the module docstring)."""
    lifetime = max(0, lifetime)
    state.balance = max(0, balance)
    categories = state.lifetime
    difference = lifetime - sum(categories.values())
    if difference > 0:
        categories[ACTIVITY] = categories.get(ACTIVITY, 0) + difference
    elif difference < 0:
        missing = -difference
        for name in sorted(categories, key=lambda c: -categories[c]):
            cut = min(missing, categories[name])
            categories[name] -= cut
            missing -= cut
            if not missing:
                break
    state.lifetime_total = lifetime
