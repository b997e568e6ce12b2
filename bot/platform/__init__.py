"""What both chat-platform adapters share: settings, tokens, roles, dispatch and run-loop glue.

Kept free of discord.py and PTB imports so the CLI can read settings and check tokens without
paying for either library.
"""
