"""Fake Discord (REST + gateway) and Telegram Bot API servers built on aiohttp."""
