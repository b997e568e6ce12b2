"""Bot tokens from the environment, checked for shape before any network call.

A token pasted with quotes, a ``Bot `` prefix or a trailing newline is the most common
deployment mistake; catching it at start-up with the variable's name beats a 401 three layers
down. Messages never echo the token itself.
"""

from __future__ import annotations

import base64
import binascii
import os
import re
from collections.abc import Mapping

DISCORD_TOKEN_ENV = "HEARTH_DISCORD_TOKEN"
TELEGRAM_TOKEN_ENV = "HEARTH_TELEGRAM_TOKEN"

# Discord: base64url(user id) "." timestamp "." HMAC — three dot-separated url-safe parts.
_DISCORD_RE = re.compile(r"[A-Za-z0-9_-]{16,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{20,}")
# Telegram: "<bot id>:<35-ish url-safe chars>".
_TELEGRAM_RE = re.compile(r"[0-9]{3,20}:[A-Za-z0-9_-]{30,}")


class TokenError(ValueError):
    """A missing or malformed token; ``str(err)`` is a complete, user-facing explanation."""

    def __init__(self, variable: str, problem: str) -> None:
        self.variable = variable
        self.problem = problem
        super().__init__(f"{variable} {problem}")


def _kind_for(variable: str) -> str:
    upper = variable.upper()
    if "DISCORD" in upper:
        return "discord"
    if "TELEGRAM" in upper:
        return "telegram"
    raise ValueError(f"cannot tell which platform {variable!r} is for (expected DISCORD/TELEGRAM)")


def check_token(kind: str, value: str, variable: str) -> str:
    """The cleaned token, or :class:`TokenError` saying what is wrong and how to fix it."""
    token = value.strip()
    if not token:
        raise TokenError(variable, "is empty; set it to your bot token.")
    if token[0] in "\"'" or token[-1] in "\"'":
        raise TokenError(variable, "has quotes around it; remove the quotes.")
    if any(ch.isspace() for ch in token):
        if kind == "discord" and token.lower().startswith("bot "):
            raise TokenError(variable, "starts with 'Bot '; set only the token, without prefix.")
        raise TokenError(variable, "contains spaces; copy the token again without spaces.")
    if kind == "discord":
        if not _DISCORD_RE.fullmatch(token):
            raise TokenError(
                variable,
                "does not look like a Discord bot token (three dot-separated parts, from "
                "Developer Portal > Bot > Reset Token). Did you paste the client secret or "
                "a Telegram token?",
            )
        first = token.split(".", 1)[0]
        try:
            decoded = base64.urlsafe_b64decode(first + "=" * (-len(first) % 4)).decode("ascii")
        except (binascii.Error, UnicodeDecodeError):
            decoded = ""
        if not decoded.isdigit():
            raise TokenError(
                variable,
                "does not look like a Discord bot token: its first part should encode the "
                "bot's user id. Copy it again from Developer Portal > Bot.",
            )
        return token
    if kind == "telegram":
        if not _TELEGRAM_RE.fullmatch(token):
            raise TokenError(
                variable,
                "does not look like a Telegram bot token ('123456789:AA...' from @BotFather).",
            )
        return token
    raise ValueError(f"unknown platform {kind!r}")


def token_from_env(name: str, environ: Mapping[str, str] | None = None) -> str:
    """Read and check the token in environment variable ``name``.

    The platform comes from the variable name (``HEARTH_DISCORD_TOKEN`` → Discord).
    Raises :class:`TokenError` when it is missing or malformed.
    """
    env = os.environ if environ is None else environ
    kind = _kind_for(name)
    raw = env.get(name)
    if raw is None:
        raise TokenError(name, "is not set; export it before `hearth run`.")
    return check_token(kind, raw, name)


def optional_token_from_env(name: str, environ: Mapping[str, str] | None = None) -> str | None:
    """Like :func:`token_from_env` but ``None`` when unset (that platform is simply off)."""
    env = os.environ if environ is None else environ
    if env.get(name) is None:
        return None
    return token_from_env(name, env)
