"""Which member_stats columns are increments and which are absolute values."""

from __future__ import annotations

from typing import Any

COUNTERS = (
    "lifetime", "balance", "messages", "replies_sent", "replies_received", "reactions_given",
    "reactions_received", "threads_started", "voice_minutes", "helpful",
)
SETTABLE = ("stage", "level", "active_days", "streak", "best_streak", "last_active_day", "state")
SETTABLE_DEFAULTS: dict[str, Any] = {
    "stage": "newcomer", "level": 0, "active_days": 0, "streak": 0, "best_streak": 0,
}
