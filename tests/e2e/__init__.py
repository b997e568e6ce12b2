"""End-to-end tests: the real discord.py / PTB clients against fake API servers on 127.0.0.1."""
