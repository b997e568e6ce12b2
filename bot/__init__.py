"""Adapters and wiring: config, storage, platforms, scorers, scheduler, CLI."""

__version__ = "0.1.0"
