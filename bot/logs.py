"""Logging: human-readable by default, one JSON object per line when configured.

JSON records carry community, event, member and action ids when the caller passes them in
``extra`` (``log_context(event)`` builds that dict), so an operator can follow one event or
one community through the log with ``jq``. They never carry tokens (anything shaped like a
Discord or Telegram token is masked in every message and traceback) nor message content:
``log_context`` copies ids only, never text, so a distress message that made a handler fail
is not written to disk by the log.
"""

from __future__ import annotations

import json
import logging
import re
from datetime import UTC, datetime
from typing import Any

_SECRET = re.compile(r"(?:[A-Za-z0-9_\-]{24,}\.[A-Za-z0-9_\-]{6,}\.[A-Za-z0-9_\-]{27,}"
                     r"|\d{6,}:[A-Za-z0-9_\-]{30,})")
CONTEXT_FIELDS = ("community_id", "event_id", "action_id", "member_id", "kind", "handler",
                  "item_id")
MAX_MESSAGE_CHARS = 4000  # one record must stay one readable line, whatever a value holds


def redact(text: str) -> str:
    """Mask anything shaped like a Discord or Telegram token."""
    return _SECRET.sub("[redacted-token]", text)


def log_context(event: Any, key: str | None = None) -> dict[str, Any]:
    """``extra=`` for a log call about ``event``: its ids and type, never its text."""
    from domain.events import event_key

    context: dict[str, Any] = {"kind": type(event).__name__}
    community = getattr(event, "community_id", None)
    if isinstance(community, str):
        context["community_id"] = community
    member = getattr(event, "member_id", None)
    if isinstance(member, str):
        context["member_id"] = member
    if key is None:
        try:
            key = event_key(event)
        except Exception:  # a malformed object: log what we have
            key = None
    if key is not None:
        context["event_id"] = key
    return context


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        payload: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "level": record.levelname,
            "logger": record.name,
            "message": redact(_safe_message(record))[:MAX_MESSAGE_CHARS],
        }
        for name in CONTEXT_FIELDS:
            value = getattr(record, name, None)
            if value is not None:
                payload[name] = redact(str(value)) if isinstance(value, str) else value
        if record.exc_info:
            payload["error"] = redact(self.formatException(record.exc_info))
        return json.dumps(payload, ensure_ascii=False, default=str)


def _safe_message(record: logging.LogRecord) -> str:
    try:
        return record.getMessage()
    except Exception:  # bad %-arguments must not lose the record
        return f"{record.msg!s} {record.args!r}"


class RedactingFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record))


def configure(level: str = "INFO", json_format: bool = False) -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(JsonFormatter() if json_format else
                         RedactingFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for noisy in ("alembic", "aiosqlite", "httpx"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, root.level))
