"""Telegram adapter: PTB updates → domain events, domain actions → Bot API calls.

Import :class:`bot.telegram.adapter.TelegramAdapter` from its module; this package imports
nothing so ``hearth --help`` stays fast.
"""
