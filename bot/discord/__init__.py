"""Discord adapter: discord.py events → domain events, domain actions → Discord API calls.

Import :class:`bot.discord.adapter.DiscordAdapter` and :func:`bot.discord.commands.sync_commands`
from their modules; this package imports nothing so ``hearth --help`` stays fast.
"""
