"""``hearth run``: the long-running bot process (platform adapters + scheduler)."""

from __future__ import annotations

import os

from bot.config import TOKEN_ENV, Config
from bot.storage.engine import DatabaseError


class StartupError(DatabaseError):
    """A start-up problem with a clear, actionable message (printed without a traceback)."""


async def run_bot(config: Config) -> None:
    tokens = {p: os.environ.get(var, "").strip() for p, var in TOKEN_ENV.items()}
    if not any(tokens.values()):
        raise StartupError(
            "no platform token: set HEARTH_DISCORD_TOKEN and/or HEARTH_TELEGRAM_TOKEN in the "
            "environment (see README, Deploy)")
    raise StartupError("platform adapters are not wired into this build yet")
