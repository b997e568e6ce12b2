"""Logging: human-readable by default, one JSON object per line when configured.

JSON records carry community, event and action ids when the caller passes them in
``extra``; they never carry tokens or message content of support cases.
"""

from __future__ import annotations

import json
import logging
import re
from datetime import UTC, datetime

_SECRET = re.compile(r"(?:[A-Za-z0-9_\-]{24,}\.[A-Za-z0-9_\-]{6,}\.[A-Za-z0-9_\-]{27,}"
                     r"|\d{6,}:[A-Za-z0-9_\-]{30,})")
CONTEXT_FIELDS = ("community_id", "event_id", "action_id", "member_id", "kind")


def redact(text: str) -> str:
    """Mask anything shaped like a Discord or Telegram token."""
    return _SECRET.sub("[redacted-token]", text)


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        payload = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "level": record.levelname,
            "logger": record.name,
            "message": redact(record.getMessage()),
        }
        for name in CONTEXT_FIELDS:
            if hasattr(record, name):
                payload[name] = getattr(record, name)
        if record.exc_info:
            payload["error"] = redact(self.formatException(record.exc_info))
        return json.dumps(payload, ensure_ascii=False)


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
