"""Point discord.py at configured REST and gateway addresses.

discord.py keeps both as class attributes (``Route.BASE``, ``DiscordWebSocket.DEFAULT_GATEWAY``)
rather than client options, so they are process-wide; one Discord bot per process is how Hearth
runs, and resetting to the defaults when unset keeps a previous configuration from leaking.
"""

from __future__ import annotations

import discord
import discord.gateway
import discord.http
import yarl

from bot.platform.config import DISCORD_API_BASE, DISCORD_GATEWAY, DiscordSettings


def apply_endpoints(settings: DiscordSettings) -> None:
    """Route REST calls to ``api_base_url`` and gateway connections to ``gateway_url``."""
    discord.http.Route.BASE = settings.api_base_url or DISCORD_API_BASE
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(
        settings.gateway_url or DISCORD_GATEWAY
    )
