"""Splitting long texts to platform message limits (Discord 2000, Telegram 4096 characters).

Splits prefer paragraph, then line, then word boundaries so a long leaderboard stays readable;
a single unbroken run longer than the limit is cut hard.
"""

from __future__ import annotations

DISCORD_LIMIT = 2000
TELEGRAM_LIMIT = 4096


def split_text(text: str, limit: int) -> list[str]:
    """Cut ``text`` into chunks of at most ``limit`` characters; joining them loses only the
    whitespace at the cut points. Empty text gives no chunks."""
    if limit < 1:
        raise ValueError("limit must be at least 1")
    chunks: list[str] = []
    rest = text
    while len(rest) > limit:
        window = rest[: limit + 1]
        cut = -1
        for sep in ("\n\n", "\n", " "):
            pos = window.rfind(sep, 1, limit + 1)
            if pos > 0:
                cut = pos
                break
        if cut <= 0:
            chunks.append(rest[:limit])
            rest = rest[limit:]
            continue
        chunks.append(rest[:cut])
        rest = rest[cut:].lstrip("\n ")
    if rest.strip():
        chunks.append(rest)
    return [c for c in chunks if c]
